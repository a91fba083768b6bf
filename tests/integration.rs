//! Workspace integration tests: every shared benchmark parses with the README's counts and
//! survives a write/read round trip; the readers reproduce the golden HPWL and module areas;
//! the `macroplace` CLI behaves (JSON keys, conversions, one-line errors with exit status 2).
//!
//! The benchmarks are read from `$MACROPLACE_SHARED/benchmarks` (default `../shared`).

use std::path::{Path, PathBuf};

use netlists::model::{CtRole, Extra};
use netlists::{
    Design, NodeKind, Orientation, ReadOptions, bookshelf, ct, plc, read_design, stats,
};

mod support;
use support::*;

/// `macroplace` does not load libtorch (0.25–0.28 s of static initialisers per process); the
/// policy binary it hands `train`, `eval-policy` and `rl` runs to does.
#[test]
fn only_the_policy_binary_links_libtorch() {
    let needed = |bin: &str| {
        let out = std::process::Command::new("ldd").arg(bin).output().unwrap();
        assert!(out.status.success(), "ldd {bin}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let plain = needed(env!("CARGO_BIN_EXE_macroplace"));
    let policy = needed(env!("CARGO_BIN_EXE_macroplace-policy"));
    assert!(plain.contains("libc.so"), "{plain}");
    assert!(!plain.contains("torch"), "{plain}");
    assert!(policy.contains("libtorch_cpu"), "{policy}");
}

#[test]
fn ct_ariane133_counts_match_readme() {
    for plc_name in ["initial.plc", "legalized.plc"] {
        let d = read(
            "ct/ariane133_ng45/netlist.pb.txt.gz",
            Some(&format!("ct/ariane133_ng45/{plc_name}")),
        );
        let s = stats::summarize(&d.netlist);
        // README's 19,888 "nodes" counts every block, `__metadata__` included.
        assert_eq!(s.ct_objects, Some(19_887));
        let Extra::Ct(ct) = d.netlist.extra() else {
            panic!()
        };
        assert!(!ct.metadata.is_empty());
        assert_eq!(s.ports, 495);
        assert_eq!(s.hard_macros, 133);
        assert_eq!(s.ct_hard_macro_pins, Some(7_847));
        assert_eq!(s.soft_macros, 782);
        assert_eq!(s.ct_soft_macro_pins, Some(10_630));
        assert_eq!(s.nets, 12_422);
        assert_eq!(s.net_weight_sum, 22_584.0);
        assert_eq!(s.pins, 44_514);
        assert_eq!((s.canvas_width, s.canvas_height), (1433.406, 1433.406));
        assert_eq!((s.grid_cols, s.grid_rows), (24, 21));
        let fp = d.netlist.floorplan();
        let r = fp.routing.unwrap();
        assert_eq!((r.h_routes_per_um, r.v_routes_per_um), (57.031, 56.818));
        assert_eq!((r.h_macro_alloc, r.v_macro_alloc), (39.583, 30.303));
        assert_eq!(fp.smoothing, Some(0.0));
        // Google's own cost lines are kept as metadata.
        assert!(
            fp.plc_metadata.iter().any(|(k, _)| k == "Wirelength cost"),
            "{:?}",
            fp.plc_metadata
        );
        let south = d
            .netlist
            .nodes()
            .filter(|n| d.placement.orient[n.idx()] == Orientation::S)
            .count();
        if plc_name == "initial.plc" {
            assert_eq!(south, 19);
            // Some macros start outside the canvas; the reader copes.
            let outside = d
                .netlist
                .nodes()
                .filter(|n| d.placement.y[n.idx()] > fp.height)
                .count();
            assert!(outside > 0);
        }
    }
}

#[test]
fn readers_reproduce_golden_hpwl_and_module_area() {
    let golden: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(shared().join("reference/proxy-cost-golden.json")).unwrap(),
    )
    .unwrap();
    let mut checked = 0;
    for case in golden["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let Some(nl) = case["netlist"].as_str() else {
            continue;
        };
        let exp = &case["expected"];
        let d = read(nl, case["plc"].as_str());
        if let Some(h) = exp["hpwl"].as_f64() {
            let got = placer::cost::hpwl::geometric_hpwl(&d.netlist, &d.placement);
            assert!(rel_close(got, h, 1e-9), "{name}: hpwl {got} != {h}");
            checked += 1;
        }
        if let Some(a) = exp["total_module_area"].as_f64() {
            let got = d.netlist.area_of_kind(NodeKind::HardMacro)
                + d.netlist.area_of_kind(NodeKind::SoftMacro);
            assert!(rel_close(got, a, 1e-9), "{name}: module area {got} != {a}");
        }
        if let Some(n) = exp["net_cnt_weighted"].as_f64() {
            assert_eq!(d.netlist.net_weight().iter().sum::<f64>(), n, "{name}");
        }
        if let Some(n) = exp["n_net_pins_total"].as_u64() {
            assert_eq!(d.netlist.num_pins() as u64, n, "{name}");
        }
    }
    assert!(checked >= 5, "only {checked} golden HPWL values checked");
}

#[test]
fn ct_flat_counts_match_readme() {
    // design, std cells, hard macros, ports, nets, pins (README table)
    let table = [
        ("ariane133_ng45", 88_411, 133, 495, 90_986, 381_472),
        ("ariane136_ng45", 88_368, 136, 495, 90_943, 379_709),
        ("nvdla_ng45", 155_711, 128, 797, 164_630, 622_933),
        ("mempool_tile_ng45", 152_241, 20, 1_272, 154_237, 541_534),
    ];
    for (name, cells, macros, ports, nets, pins) in table {
        let d = read(&format!("ct-flat/{name}/netlist.pb.txt.gz"), None);
        let s = stats::summarize(&d.netlist);
        assert_eq!(
            (s.std_cells, s.hard_macros, s.ports, s.nets, s.pins),
            (cells, macros, ports, nets, pins),
            "{name}"
        );
        assert_eq!(s.canvas_source, netlists::CanvasSource::FpBbox, "{name}");
        assert!(s.canvas_width > 800.0 && s.canvas_height > 800.0, "{name}");
    }
}

#[test]
fn ct_toys_parse() {
    let dir = bench("ct-toy");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        let plc = p.join("initial.plc");
        let opts = ReadOptions {
            plc: plc.exists().then_some(plc),
            ..Default::default()
        };
        let d = read_design(&p.join("netlist.pb.txt"), &opts)
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        if p.ends_with("google_macro_tiles_10x10") {
            let s = stats::summarize(&d.netlist);
            assert_eq!(s.ct_objects, Some(1_300));
            assert_eq!(s.hard_macros, 100);
        }
        n += 1;
    }
    assert!(n >= 20, "{n} toys");
}

#[test]
fn bookshelf_counts_match_readme() {
    let d = read("bookshelf/ibm01_ms/ibm01.aux", None);
    let s = stats::summarize(&d.netlist);
    assert_eq!(s.nodes, 12_752);
    assert_eq!(s.hard_macros, 246);
    assert_eq!(s.fixed_hard_macros, 0);
    assert_eq!(s.ports, 246);
    assert_eq!(
        s.nodes - d.netlist.node_fixed().iter().filter(|&&f| f).count(),
        12_506
    );
    assert_eq!((s.nets, s.pins), (14_111, 50_566));
    assert!(d.netlist.floorplan().rows.iter().all(|r| r.height == 16.0));
    // Macro sizes of the README: 84x96, 124x128, 126x128, 526x512.
    let mut sizes: Vec<(u64, u64)> = d
        .netlist
        .nodes()
        .filter(|n| d.netlist.node_kind()[n.idx()] == NodeKind::HardMacro)
        .map(|n| {
            (
                d.netlist.node_width()[n.idx()] as u64,
                d.netlist.node_height()[n.idx()] as u64,
            )
        })
        .collect();
    sizes.sort();
    sizes.dedup();
    assert_eq!(sizes, [(84, 96), (124, 128), (126, 128), (526, 512)]);
    // .wts holds node weights here.
    let Extra::Bookshelf(b) = d.netlist.extra() else {
        panic!()
    };
    assert_eq!(b.node_weight.len(), 12_752);
    assert!(!b.has_net_weights);
    // Pads turned E/W keep their 1x1 footprint; their orientations are read.
    assert!(
        d.netlist
            .nodes()
            .any(|n| d.placement.orient[n.idx()] == Orientation::E)
    );

    let d = read("bookshelf/ibm03_stdcell/ibm03.aux", None);
    let s = stats::summarize(&d.netlist);
    assert_eq!(
        (s.nodes, s.nets, s.pins, s.hard_macros),
        (23_136, 27_401, 93_573, 0)
    );

    let d = read("bookshelf/toy_simple/simple.aux", None);
    let s = stats::summarize(&d.netlist);
    assert_eq!((s.nodes, s.nets, s.pins, s.rows), (10, 8, 26, 8));
}

#[test]
fn adaptec1_without_nets_names_the_missing_file() {
    let err = read_design(
        &bench("bookshelf/adaptec1_no_nets/adaptec1.aux"),
        &ReadOptions::default(),
    )
    .unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("adaptec1.nets"), "{msg}");
    assert!(msg.contains("no such file"), "{msg}");
}

/// A directory with links to adaptec1's real `.nodes/.pl/.scl/.wts` (gzipped, as shipped) and
/// an empty `.nets`, so the real-size node, placement and row files are read end to end.
fn adaptec1_with_empty_nets(dir: &Path) -> PathBuf {
    let src = bench("bookshelf/adaptec1_no_nets");
    for f in [
        "adaptec1.aux.gz",
        "adaptec1.nodes.gz",
        "adaptec1.pl.gz",
        "adaptec1.scl.gz",
        "adaptec1.wts.gz",
    ] {
        std::os::unix::fs::symlink(src.join(f), dir.join(f)).unwrap();
    }
    std::fs::write(
        dir.join("adaptec1.nets"),
        "UCLA nets 1.0\n\nNumNets : 0\nNumPins : 0\n",
    )
    .unwrap();
    dir.join("adaptec1.aux")
}

#[test]
fn adaptec1_real_size_nodes_pl_scl() {
    let dir = tempfile::tempdir().unwrap();
    let aux = adaptec1_with_empty_nets(dir.path());
    let d = read_design(&aux, &ReadOptions::default()).unwrap();
    let s = stats::summarize(&d.netlist);
    assert_eq!(s.nodes, 211_447);
    assert_eq!(d.netlist.node_fixed().iter().filter(|&&f| f).count(), 543);
    // All 543 terminals are taller than a row (12), so all are fixed macros under the
    // "taller than one row" rule (the smallest is 2304 x 24).
    assert_eq!(s.fixed_hard_macros, 543);
    assert_eq!(s.rows, 890);
    let biggest = d
        .netlist
        .nodes()
        .filter(|n| d.netlist.node_kind()[n.idx()] == NodeKind::HardMacro)
        .map(|n| {
            (
                d.netlist.node_width()[n.idx()],
                d.netlist.node_height()[n.idx()],
            )
        })
        .fold((0.0f64, 0.0f64), |a, b| (a.0.max(b.0), a.1.max(b.1)));
    assert_eq!(biggest, (2304.0, 2856.0));
}

fn assert_round_trip(a: &Design, b: &Design, what: &str) {
    // The pin→net table against a binary search in the net→pin CSR, on every real benchmark.
    let starts = a.netlist.net_pin_start();
    for p in 0..a.netlist.num_pins() {
        let by_search = starts.partition_point(|&s| s as usize <= p) - 1;
        assert_eq!(
            a.netlist.pin_net(netlists::PinId(p as u32)).idx(),
            by_search,
            "{what}: pin {p}"
        );
    }
    assert_eq!(
        a.netlist.model_diff(&b.netlist),
        None,
        "{what}: models differ"
    );
    assert_eq!(a.placement.orient, b.placement.orient, "{what}");
    for i in 0..a.placement.len() {
        for (u, v) in [
            (a.placement.x[i], b.placement.x[i]),
            (a.placement.y[i], b.placement.y[i]),
        ] {
            assert!(
                (u - v).abs() <= 1e-9 * u.abs().max(1.0),
                "{what}: node {i}: {u} vs {v}"
            );
        }
    }
}

fn round_trip_ct(rel: &str, plc_rel: Option<&str>) {
    let a = read(rel, plc_rel);
    let dir = tempfile::tempdir().unwrap();
    let nl = dir.path().join("netlist.pb.txt");
    ct::write_ct(&nl, &a.netlist, &a.placement).unwrap();
    let plc_out = dir.path().join("p.plc");
    if plc_rel.is_some() {
        plc::write_plc(&plc_out, &a.netlist, &a.placement, &[]).unwrap();
    }
    let b = ct::read_ct(&nl, plc_rel.map(|_| plc_out.as_path())).unwrap();
    assert_round_trip(&a, &b, rel);
}

fn round_trip_bookshelf(a: &Design, what: &str) {
    let dir = tempfile::tempdir().unwrap();
    bookshelf::write_bookshelf(dir.path(), "rt", &a.netlist, &a.placement).unwrap();
    let b = read_design(&dir.path().join("rt.aux"), &ReadOptions::default()).unwrap();
    assert_round_trip(a, &b, what);
}

#[test]
fn round_trip_every_ct_benchmark() {
    round_trip_ct(
        "ct/ariane133_ng45/netlist.pb.txt.gz",
        Some("ct/ariane133_ng45/initial.plc"),
    );
    round_trip_ct(
        "ct/ariane133_ng45/netlist.pb.txt.gz",
        Some("ct/ariane133_ng45/legalized.plc"),
    );
    for e in std::fs::read_dir(bench("ct-toy")).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let plc = p
            .join("initial.plc")
            .exists()
            .then(|| format!("ct-toy/{name}/initial.plc"));
        round_trip_ct(&format!("ct-toy/{name}/netlist.pb.txt"), plc.as_deref());
    }
}

#[test]
fn round_trip_every_flat_ct_benchmark() {
    for name in [
        "ariane133_ng45",
        "ariane136_ng45",
        "nvdla_ng45",
        "mempool_tile_ng45",
    ] {
        round_trip_ct(&format!("ct-flat/{name}/netlist.pb.txt.gz"), None);
    }
}

#[test]
fn round_trip_every_bookshelf_benchmark() {
    for rel in [
        "bookshelf/ibm01_ms/ibm01.aux",
        "bookshelf/ibm03_stdcell/ibm03.aux",
        "bookshelf/toy_simple/simple.aux",
    ] {
        round_trip_bookshelf(&read(rel, None), rel);
    }
    let dir = tempfile::tempdir().unwrap();
    let aux = adaptec1_with_empty_nets(dir.path());
    round_trip_bookshelf(
        &read_design(&aux, &ReadOptions::default()).unwrap(),
        "adaptec1",
    );
}

#[test]
fn ct_objects_and_pins_are_consistent_on_ariane133() {
    let d = read("ct/ariane133_ng45/netlist.pb.txt.gz", None);
    let Extra::Ct(ct) = d.netlist.extra() else {
        panic!()
    };
    // Every model pin points at a CT object standing for the same node and offset.
    for p in 0..d.netlist.num_pins() {
        let o = &ct.objects[ct.pin_object[p] as usize];
        let (node, dx, dy) = match o.role {
            CtRole::Node(n) => (n, 0.0, 0.0),
            CtRole::MacroPin { node, dx, dy } => (node, dx, dy),
        };
        assert_eq!(node, d.netlist.pin_node()[p]);
        assert_eq!((dx, dy), (d.netlist.pin_dx()[p], d.netlist.pin_dy()[p]));
    }
    // The reverse CSR lists each pin once under its node.
    let mut seen = vec![false; d.netlist.num_pins()];
    for n in d.netlist.nodes() {
        for &p in d.netlist.pins_of_node(n) {
            assert_eq!(d.netlist.pin_node()[p.idx()], n);
            assert!(!std::mem::replace(&mut seen[p.idx()], true));
        }
    }
    assert!(seen.iter().all(|&s| s));
}

// ---------------------------------------------------------------------------------------------
// CLI

#[test]
fn cli_info_json_has_the_documented_keys() {
    let v = macroplace()
        .arg("info")
        .arg(bench("ct/ariane133_ng45/netlist.pb.txt.gz"))
        .arg("--plc")
        .arg(bench("ct/ariane133_ng45/initial.plc"))
        .arg("--json")
        .run_json();
    for key in [
        "nodes",
        "hard_macros",
        "soft_macros",
        "std_cells",
        "ports",
        "nets",
        "pins",
        "canvas_width",
        "canvas_height",
        "grid_cols",
        "grid_rows",
        "parse_seconds",
        "net_degree_histogram",
        "utilization",
    ] {
        assert!(v.get(key).is_some(), "missing key {key}");
    }
    assert_eq!(v["pins"], 44_514);
    assert_eq!(v["grid_cols"], 24);
    // Text output too.
    let text = macroplace()
        .arg("info")
        .arg(bench("bookshelf/toy_simple/simple.aux"))
        .run_ok();
    assert!(text.contains("hard macros  6 (2 fixed)"), "{text}");
}

#[test]
fn cli_convert_both_ways() {
    let dir = tempfile::tempdir().unwrap();
    let ct_dir = dir.path().join("ct");
    macroplace()
        .arg("convert")
        .arg(bench("bookshelf/ibm01_ms/ibm01.aux"))
        .args(["--to", "ct", "--out"])
        .arg(&ct_dir)
        .run_ok();
    let d = ct::read_ct(
        &ct_dir.join("netlist.pb.txt"),
        Some(&ct_dir.join("ibm01.plc")),
    )
    .unwrap();
    assert_eq!(
        (d.netlist.num_nets(), d.netlist.num_pins()),
        (14_111, 50_566)
    );
    assert_eq!(d.netlist.count_kind(NodeKind::HardMacro), 246);
    // Geometry survives: the same HPWL (CT canvases start at 0; ibm01's rows do too).
    let src = read("bookshelf/ibm01_ms/ibm01.aux", None);
    let (hs, hd) = (
        placer::cost::hpwl::geometric_hpwl(&src.netlist, &src.placement),
        placer::cost::hpwl::geometric_hpwl(&d.netlist, &d.placement),
    );
    assert!(rel_close(hd, hs, 1e-9), "{hs} vs {hd}");

    let bs_dir = dir.path().join("bs");
    macroplace()
        .arg("convert")
        .arg(bench("ct/ariane133_ng45/netlist.pb.txt.gz"))
        .arg("--plc")
        .arg(bench("ct/ariane133_ng45/initial.plc"))
        .args(["--to", "bookshelf", "--out"])
        .arg(&bs_dir)
        .run_ok();
    let a = read(
        "ct/ariane133_ng45/netlist.pb.txt.gz",
        Some("ct/ariane133_ng45/initial.plc"),
    );
    let b = read_design(&bs_dir.join("ariane133_ng45.aux"), &ReadOptions::default()).unwrap();
    assert_eq!(
        (
            b.netlist.num_nodes(),
            b.netlist.num_nets(),
            b.netlist.num_pins()
        ),
        (1_410, 12_422, 44_514)
    );
    // Same HPWL through Bookshelf (pins at the same absolute places).
    let (ha, hb) = (
        placer::cost::hpwl::geometric_hpwl(&a.netlist, &a.placement),
        placer::cost::hpwl::geometric_hpwl(&b.netlist, &b.placement),
    );
    assert!(rel_close(hb, ha, 1e-9), "{ha} vs {hb}");
}

#[test]
fn cli_bad_input_is_one_line_with_status_2_and_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("netlist.pb.txt");
    std::fs::write(&bad, "node {\n  name: \"a\"\n  attr {\n    key: \"type\"\n    value {\n      placeholder: \"PORT\"\n    }\n  }\n}\nnode {\n  name: \"b\"\n  input: \"zz\"\n}\n").unwrap();
    let out_dir = dir.path().join("out");
    let (code, err) = macroplace()
        .arg("convert")
        .arg(&bad)
        .args(["--to", "bookshelf", "--out"])
        .arg(&out_dir)
        .run_fail();
    assert_eq!(code, 2);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("netlist.pb.txt:11:"), "{err}");
    assert!(!out_dir.exists(), "output written despite bad input");

    // A write that fails midway (the picture's name is taken by a folder) is not bad input:
    // exit 1, named, and no temporary file left behind.
    let ok_dir = dir.path().join("ok");
    std::fs::create_dir_all(ok_dir.join("pic.png")).unwrap();
    let (code, err) = macroplace()
        .arg("plot")
        .arg(bench("bookshelf/toy_simple/simple.aux"))
        .arg("--out")
        .arg(ok_dir.join("pic.png"))
        .run_fail();
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("pic.png"), "{err}");
    let leftovers: Vec<_> = std::fs::read_dir(&ok_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n != "pic.png")
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // An output folder that is a file, or holds files macroplace did not write, is a bad
    // --out: refused before any work (exit 2), the folder untouched.
    let foreign = dir.path().join("foreign");
    std::fs::create_dir_all(foreign.join("netlist.pb.txt")).unwrap();
    let (code, err) = macroplace()
        .arg("convert")
        .arg(bench("bookshelf/toy_simple/simple.aux"))
        .args(["--to", "ct", "--out"])
        .arg(&foreign)
        .run_fail();
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--out"), "{err}");
    assert_eq!(std::fs::read_dir(&foreign).unwrap().count(), 1);
    let not_a_dir = dir.path().join("file");
    std::fs::write(&not_a_dir, "x").unwrap();
    let (code, err) = macroplace()
        .arg("place")
        .arg(bench("bookshelf/toy_simple/simple.aux"))
        .args(["--method", "greedy", "--no-pictures", "--out"])
        .arg(&not_a_dir)
        .run_fail();
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--out"), "{err}");
    assert_eq!(std::fs::read(&not_a_dir).unwrap(), b"x");
    // A bad option value is bad input: exit 2, one line naming the flag.
    let (code, err) = macroplace()
        .arg("place")
        .arg(bench("bookshelf/toy_simple/simple.aux"))
        .args(["--time-limit", "0", "--out"])
        .arg(dir.path().join("never"))
        .run_fail();
    assert_eq!(code, 2, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("--time-limit"), "{err}");
    assert!(!dir.path().join("never").exists());

    // A missing file: exit 2, named.
    let (code, err) = macroplace()
        .arg("info")
        .arg(dir.path().join("nope.aux"))
        .run_fail();
    assert_eq!(code, 2);
    assert!((err).contains("nope.aux"));
}

// ---------------------------------------------------------------------------------------------
// Proxy cost against the golden values

fn golden_params(case: &serde_json::Value, d: &Design) -> placer::cost::CostParams {
    let mut p = placer::cost::CostParams::from_floorplan(d.netlist.floorplan());
    if let Some(params) = case.get("params").filter(|v| v.is_object()) {
        let f = |k: &str| params[k].as_f64().unwrap();
        p.canvas_width = f("canvas_width");
        p.canvas_height = f("canvas_height");
        p.canvas_x = 0.0;
        p.canvas_y = 0.0;
        p.grid_cols = f("grid_cols") as usize;
        p.grid_rows = f("grid_rows") as usize;
        p.h_routes_per_um = f("hroutes_per_micron");
        p.v_routes_per_um = f("vroutes_per_micron");
        p.h_macro_alloc = f("hrouting_alloc");
        p.v_macro_alloc = f("vrouting_alloc");
        p.smooth = f("smooth_range") as usize;
    }
    p.square_soft = case["name"].as_str().unwrap().ends_with("_square");
    p
}

#[test]
fn proxy_cost_matches_every_golden_case() {
    let golden: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(shared().join("reference/proxy-cost-golden.json")).unwrap(),
    )
    .unwrap();
    let mut failures = Vec::new();
    for case in golden["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let d = read(case["netlist"].as_str().unwrap(), case["plc"].as_str());
        let mut params = golden_params(case, &d);
        let exp = &case["expected"];
        let c = placer::cost::proxy_cost(&d.netlist, &d.placement, &params);
        params.weights.density = 1.0;
        let c1 = placer::cost::proxy_cost(&d.netlist, &d.placement, &params);
        for (key, got) in [
            ("hpwl", c.hpwl),
            ("wirelength_cost", c.wirelength_cost),
            ("density_cost", c.density_cost),
            ("congestion_cost", c.congestion_cost),
            ("proxy_w1_d0.5_c0.5", c.proxy_cost),
            ("proxy_w1_d1_c0.5", c1.proxy_cost),
            ("max_grid_density", c.max_density),
            ("max_H_cong", c.max_h_congestion),
            ("max_V_cong", c.max_v_congestion),
        ] {
            let want = exp[key].as_f64().unwrap();
            if !(rel_close(got, want, 1e-9) || (want == 0.0 && got.abs() < 1e-12)) {
                failures.push(format!("{name}: {key} = {got}, expected {want}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn google_macro_tiles_unit_test_values() {
    let golden: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(shared().join("reference/proxy-cost-golden.json")).unwrap(),
    )
    .unwrap();
    let g = &golden["google_unit_test_macro_tiles_10x10"];
    let d = read(g["netlist"].as_str().unwrap(), None);
    // Netlist only, all defaults: the default square canvas and 10x10 grid; soft-pin offsets on.
    assert_eq!(
        d.netlist.floorplan().canvas_source,
        netlists::CanvasSource::Default
    );
    let mut params = placer::cost::CostParams::from_floorplan(d.netlist.floorplan());
    params.soft_pin_offsets = true;
    assert_eq!((params.grid_cols, params.grid_rows), (10, 10));
    let c = placer::cost::proxy_cost(&d.netlist, &d.placement, &params);
    let a = &g["asserted"];
    let module_area =
        d.netlist.area_of_kind(NodeKind::HardMacro) + d.netlist.area_of_kind(NodeKind::SoftMacro);
    assert!(
        rel_close(module_area, a["get_area"].as_f64().unwrap(), 1e-9),
        "area {module_area}"
    );
    assert!(
        rel_close(c.hpwl, a["get_wirelength"].as_f64().unwrap(), 1e-9),
        "hpwl {}",
        c.hpwl
    );
    assert!(
        rel_close(c.wirelength_cost, a["get_cost"].as_f64().unwrap(), 1e-9),
        "wl {}",
        c.wirelength_cost
    );
    assert!(
        rel_close(
            c.density_cost,
            a["get_density_cost"].as_f64().unwrap(),
            1e-9
        ),
        "density {}",
        c.density_cost
    );
}

#[test]
fn observation_masks_equal_their_naive_definition_over_an_ariane133_episode() {
    // The environment's observation (G = 128, random legal actions) against the definition:
    // the position channel is the legal mask, the wire channel the wire values min–max
    // normalised over the legal cells (1 elsewhere), at every step of a whole episode; the wire
    // values themselves against each trial position's HPWL increase every 16th step.
    let d = read(
        "ct/ariane133_ng45/netlist.pb.txt.gz",
        Some("ct/ariane133_ng45/initial.plc"),
    );
    let params = placer::cost::CostParams::from_floorplan(d.netlist.floorplan());
    let mut env =
        placer::env::PlaceEnv::new(&d.netlist, &d.placement, &params, &Default::default());
    env.reset();
    let mut obs = placer::env::Observation::default();
    let mut rng = Rng(7);
    let mut steps = 0;
    while !env.done() {
        env.observe(&mut obs);
        let cells = obs.rows * obs.cols;
        let (legal, wire) = (env.legal().to_vec(), env.wire_values());
        let (lo, hi) = (0..cells)
            .filter(|&k| legal[k])
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), k| {
                (a.min(wire[k]), b.max(wire[k]))
            });
        let scale = if hi > lo { 1.0 / (hi - lo) } else { 0.0 };
        for k in 0..cells {
            assert_eq!(
                obs.channels[k],
                f32::from(u8::from(legal[k])),
                "step {steps} cell {k}"
            );
            let want = if legal[k] {
                ((wire[k] - lo) * scale) as f32
            } else {
                1.0
            };
            assert_eq!(obs.channels[cells + k], want, "step {steps} cell {k}");
        }
        // Every 16th step, the wire values against the HPWL increase of each trial position
        // (the macro's nets, the pins of every node but the macros still to come).
        if steps % 16 == 0 {
            let nl = &d.netlist;
            let node = env.order()[env.step_index()];
            let mut placed = vec![true; nl.num_nodes()];
            for &n in &env.order()[env.step_index()..] {
                placed[n] = false;
            }
            let pl = env.placement();
            let mut nets: Vec<usize> = nl
                .pins_of_node(netlists::NodeId(node as u32))
                .iter()
                .map(|&p| nl.pin_net(p).idx())
                .collect();
            nets.sort_unstable();
            nets.dedup();
            let g = env.grid();
            let grow = |b: &mut [f64; 4], x: f64, y: f64| {
                *b = [b[0].min(x), b[1].max(x), b[2].min(y), b[3].max(y)];
            };
            let span = |b: &[f64; 4]| (b[1] - b[0]) + (b[3] - b[2]);
            for k in (0..cells).step_by(7) {
                let (cx, cy) = (g.cx(k % g.cols), g.cy(k / g.cols));
                let mut want = 0.0;
                for &net in &nets {
                    let mut others = [f64::MAX, f64::MIN, f64::MAX, f64::MIN];
                    let mut own = others;
                    for q in nl.net_pins(netlists::NetId(net as u32)) {
                        let m = nl.pin_node()[q].idx();
                        if m == node {
                            let (dx, dy) = pl.orient[node].rotate(nl.pin_dx()[q], nl.pin_dy()[q]);
                            grow(&mut own, cx + dx, cy + dy);
                        } else if placed[m] {
                            let (x, y) = pl.pin_position(nl, netlists::PinId(q as u32));
                            grow(&mut others, x, y);
                        }
                    }
                    let mut with = others;
                    grow(&mut with, own[0], own[2]);
                    grow(&mut with, own[1], own[3]);
                    let before = if others[0] <= others[1] {
                        span(&others)
                    } else {
                        0.0
                    };
                    want += nl.net_weight()[net] * (span(&with) - before);
                }
                assert!(
                    (wire[k] - want).abs() <= 1e-9 * want.abs().max(1.0),
                    "step {steps} cell {k}: {} vs {want}",
                    wire[k]
                );
            }
        }
        let ok: Vec<usize> = (0..cells).filter(|&k| legal[k]).collect();
        let a = if ok.is_empty() {
            0
        } else {
            ok[rng.below(ok.len())]
        };
        env.step(a).unwrap();
        steps += 1;
    }
    assert_eq!(steps, 133);
}

#[test]
fn incremental_cost_tracks_full_evaluation_over_10000_steps_on_ariane133() {
    let d = read(
        "ct/ariane133_ng45/netlist.pb.txt.gz",
        Some("ct/ariane133_ng45/initial.plc"),
    );
    let nl = &d.netlist;
    let params = placer::cost::CostParams::from_floorplan(nl.floorplan());
    let macros: Vec<netlists::NodeId> = nl
        .nodes()
        .filter(|n| nl.node_kind()[n.idx()].is_macro())
        .collect();
    let hard = placer::cost::legality::hard_macros(nl);
    let mut st = placer::cost::incremental::CostState::new(nl, d.placement.clone(), params.clone());
    let (w, h) = (params.canvas_width, params.canvas_height);
    let mut rng = Rng(2026);
    let flips = [
        Orientation::N,
        Orientation::FN,
        Orientation::FS,
        Orientation::S,
    ];
    let mut checks = 0;
    for step in 1..=10_000 {
        match rng.below(10) {
            0..=4 => {
                let m = macros[rng.below(macros.len())];
                st.move_node(m, rng.unit() * w, rng.unit() * h);
            }
            5 | 6 => {
                let m = hard[rng.below(hard.len())];
                st.flip(m, flips[rng.below(4)]);
            }
            7 | 8 => {
                let (a, b) = (hard[rng.below(hard.len())], hard[rng.below(hard.len())]);
                st.swap(a, b);
            }
            _ => {
                st.undo();
            }
        }
        if step % 100 == 0 {
            let full = placer::cost::proxy_cost(nl, st.placement(), &params);
            let inc = st.cost();
            for (what, a, b) in [
                ("hpwl", inc.hpwl, full.hpwl),
                ("wirelength", inc.wirelength_cost, full.wirelength_cost),
                ("density", inc.density_cost, full.density_cost),
                ("congestion", inc.congestion_cost, full.congestion_cost),
                ("proxy", inc.proxy_cost, full.proxy_cost),
            ] {
                assert!(
                    rel_close(a, b, 1e-9),
                    "step {step}: {what} incremental {a} vs full {b}"
                );
            }
            checks += 1;
        }
    }
    assert_eq!(checks, 100);
}

#[test]
fn full_evaluation_is_bit_identical_for_1_and_2_threads() {
    for (rel, plc) in [
        (
            "ct/ariane133_ng45/netlist.pb.txt.gz",
            Some("ct/ariane133_ng45/initial.plc"),
        ),
        ("ct-flat/ariane133_ng45/netlist.pb.txt.gz", None),
    ] {
        let d = read(rel, plc);
        let params = placer::cost::CostParams::from_floorplan(d.netlist.floorplan());
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| placer::cost::proxy_cost_with_maps(&d.netlist, &d.placement, &params))
        };
        let (c1, m1) = run(1);
        let (c2, m2) = run(2);
        assert_eq!(c1, c2, "{rel}");
        assert_eq!(m1, m2, "{rel}");
        assert_eq!(c1.hpwl.to_bits(), c2.hpwl.to_bits());
    }
}

#[test]
fn cli_eval_json_matches_golden_and_reports_legality() {
    let v = macroplace()
        .arg("eval")
        .arg(bench("ct/ariane133_ng45/netlist.pb.txt.gz"))
        .arg("--plc")
        .arg(bench("ct/ariane133_ng45/initial.plc"))
        .arg("--json")
        .run_json();
    for key in [
        "hpwl",
        "wirelength_cost",
        "density_cost",
        "congestion_cost",
        "proxy_cost",
        "weights",
        "legal",
        "violations",
        "eval_seconds",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    assert!(rel_close(
        v["proxy_cost"].as_f64().unwrap(),
        0.710926282056906,
        1e-9
    ));
    assert_eq!(v["weights"], serde_json::json!([1.0, 0.5, 0.5]));
    // initial.plc has macros outside the canvas: not legal, violations named.
    assert_eq!(v["legal"], false);
    assert!(
        v["violations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x.get("OutsideCanvas").is_some())
    );

    // Weights and the square variant from the command line.
    let v = macroplace()
        .arg("eval")
        .arg(bench("ct/ariane133_ng45/netlist.pb.txt.gz"))
        .arg("--plc")
        .arg(bench("ct/ariane133_ng45/initial.plc"))
        .args(["--weights", "1,1,0.5", "--square-soft", "--json"])
        .run_json();
    assert!(
        rel_close(v["proxy_cost"].as_f64().unwrap(), 1.0204302570027148, 1e-9),
        "{}",
        v["proxy_cost"]
    );

    // Explicit parameters for a netlist without .plc (the TILOS 0P1M1m case).
    let v = macroplace()
        .arg("eval")
        .arg(bench("ct-toy/tilos_0P1M1m/netlist.pb.txt"))
        .args([
            "--canvas",
            "500,500",
            "--grid",
            "5,5",
            "--routes",
            "10,10",
            "--macro-routes",
            "5,5",
            "--smooth",
            "2",
            "--json",
        ])
        .run_json();
    assert!(
        rel_close(v["proxy_cost"].as_f64().unwrap(), 0.6875, 1e-9),
        "{}",
        v["proxy_cost"]
    );

    // Bad option value: a clear error.
    let (_, err) = macroplace()
        .arg("eval")
        .arg(bench("ct-toy/tilos_0P1M1m/netlist.pb.txt"))
        .args(["--grid", "0,5"])
        .run_fail();
    assert!((err).contains("--grid"));
}

#[test]
fn cli_plot_png_svg_compare_and_curves() {
    let dir = tempfile::tempdir().unwrap();
    let nl = bench("ct/ariane133_ng45/netlist.pb.txt.gz");
    let plc = bench("ct/ariane133_ng45/initial.plc");
    for (name, extra) in [
        ("f.png", vec!["--nets", "5"]),
        ("f.svg", vec![]),
        ("d.png", vec!["--heatmap", "density"]),
    ] {
        let out = dir.path().join(name);
        macroplace()
            .arg("plot")
            .arg(&nl)
            .arg("--plc")
            .arg(&plc)
            .args(&extra)
            .arg("--out")
            .arg(&out)
            .run_ok();
        assert!(std::fs::metadata(&out).unwrap().len() > 10_000, "{name}");
    }
    // Side by side with the legalized placement.
    let out = dir.path().join("both.png");
    macroplace()
        .arg("plot")
        .arg(&nl)
        .arg("--plc")
        .arg(&plc)
        .arg("--compare")
        .arg(bench("ct/ariane133_ng45/legalized.plc"))
        .arg("--out")
        .arg(&out)
        .run_ok();
    // Curves from a JSON-lines log.
    let log = dir.path().join("log.jsonl");
    std::fs::write(
        &log,
        "{\"update\":0,\"proxy\":0.9}\n{\"update\":1,\"proxy\":0.8}\n",
    )
    .unwrap();
    let out = dir.path().join("curve.png");
    macroplace()
        .arg("plot-curve")
        .arg(&log)
        .args(["--field", "proxy", "--out"])
        .arg(&out)
        .run_ok();
    assert!(out.exists());
    // A bad extension fails without leaving files.
    let bad = dir.path().join("x.bmp");
    macroplace()
        .arg("plot")
        .arg(&nl)
        .arg("--out")
        .arg(&bad)
        .run_fail();
    assert!(!bad.exists());
}

// ---------------------------------------------------------------------------------------------
// place

/// Runs `macroplace place` and returns its report.
fn place_cli(netlist: &Path, plc: Option<&Path>, extra: &[&str], out: &Path) -> serde_json::Value {
    let mut cmd = macroplace();
    cmd.arg("place").arg(netlist);
    if let Some(p) = plc {
        cmd.arg("--plc").arg(p);
    }
    cmd.args(extra)
        .arg("--time-limit")
        .arg("300")
        .arg("--out")
        .arg(out)
        .run_ok();
    json_file(&out.join("report.json"))
}

fn eval_cli(netlist: &Path, flag: &str, file: &Path) -> serde_json::Value {
    macroplace()
        .arg("eval")
        .arg(netlist)
        .arg(flag)
        .arg(file)
        .arg("--json")
        .run_json()
}

#[test]
fn cli_place_every_method_is_legal_reproducible_and_scores_like_eval() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, Option<&str>, &str); 3] = [
        (
            "ct-toy/google_sample_clustered/netlist.pb.txt",
            Some("ct-toy/google_sample_clustered/initial.plc"),
            "plc",
        ),
        (
            "ct/ariane133_ng45/netlist.pb.txt.gz",
            Some("ct/ariane133_ng45/initial.plc"),
            "plc",
        ),
        ("bookshelf/toy_simple/simple.aux", None, "pl"),
    ];
    for (ci, (nl, plc, ext)) in cases.iter().enumerate() {
        let nl = bench(nl);
        let plc = plc.map(bench);
        for method in ["greedy", "ea", "sa"] {
            let iters = if method == "ea" { "10" } else { "20000" };
            let mut files = Vec::new();
            for threads in ["1", "2"] {
                let out = dir.path().join(format!("{ci}-{method}-{threads}"));
                let r = place_cli(
                    &nl,
                    plc.as_deref(),
                    &[
                        "--method",
                        method,
                        "--iterations",
                        iters,
                        "--cluster-moves",
                        "3000",
                        "--seed",
                        "7",
                        "--threads",
                        threads,
                        "--no-pictures",
                    ],
                    &out,
                );
                let what = format!("{} {method} threads {threads}", nl.display());
                assert_eq!(r["legal"], true, "{what}: {}", r["violations"]);
                assert_eq!(r["method"], method);
                assert_eq!(r["seed"], 7);
                assert!(r["trajectory"].as_array().unwrap().len() >= 2, "{what}");
                let file = out.join(r["placement_file"].as_str().unwrap());
                assert!(file.extension().unwrap() == *ext, "{what}");
                let e = eval_cli(&nl, &format!("--{ext}"), &file);
                assert_eq!(e["legal"], true, "{what}: {}", e["violations"]);
                for key in ["proxy_cost", "hpwl", "density_cost", "congestion_cost"] {
                    let (a, b) = (e[key].as_f64().unwrap(), r[key].as_f64().unwrap());
                    assert!(
                        rel_close(a, b, 1e-12),
                        "{what} {key}: eval {a} vs report {b}"
                    );
                }
                files.push(std::fs::read(&file).unwrap());
            }
            assert!(
                files[0] == files[1],
                "{} {method}: 1 and 2 threads differ",
                nl.display()
            );
        }
    }
}

#[test]
fn cli_place_writes_pictures_and_an_html_report_that_references_existing_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let r = place_cli(
        &bench("ct/ariane133_ng45/netlist.pb.txt.gz"),
        Some(&bench("ct/ariane133_ng45/initial.plc")),
        &["--method", "greedy", "--cluster-moves", "2000"],
        &out,
    );
    assert_eq!(r["legal"], true);
    for f in [
        "ariane133_ng45.plc",
        "report.json",
        "report.html",
        "floorplan.png",
        "floorplan.svg",
        "density.png",
        "hcong.png",
        "vcong.png",
        "trajectory.png",
    ] {
        let m = std::fs::metadata(out.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
        assert!(m.len() > 100, "{f} is nearly empty");
    }
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let mut refs = 0;
    for attr in ["src=\"", "href=\""] {
        for part in html.split(attr).skip(1) {
            let f = &part[..part.find('"').unwrap()];
            assert!(out.join(f).is_file(), "report.html references missing {f}");
            refs += 1;
        }
    }
    assert!(refs >= 8, "{refs} references");
    assert!(html.contains(&format!("{:.6}", r["proxy_cost"].as_f64().unwrap())));
    // The .plc header carries our costs.
    let plc = std::fs::read_to_string(out.join("ariane133_ng45.plc")).unwrap();
    assert!(
        plc.contains("# macroplace Proxy cost : "),
        "{}",
        &plc[..400]
    );
    // No temporary files left behind.
    for e in std::fs::read_dir(&out).unwrap() {
        let n = e.unwrap().file_name().to_string_lossy().into_owned();
        assert!(!n.ends_with(".tmp"), "{n}");
    }
}

#[test]
fn cli_place_on_ibm01_reports_macro_and_full_hpwl() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ibm01");
    let nl = bench("bookshelf/ibm01_ms/ibm01.aux");
    let r = place_cli(
        &nl,
        None,
        &["--method", "sa", "--iterations", "50000", "--no-pictures"],
        &out,
    );
    assert_eq!(r["legal"], true, "{}", r["violations"]);
    let (macro_only, full) = (
        r["hpwl_macro_only"].as_f64().unwrap(),
        r["hpwl_geometric"].as_f64().unwrap(),
    );
    assert!(macro_only > 0.0 && full > macro_only, "{macro_only} {full}");
    let e = eval_cli(&nl, "--pl", &out.join("ibm01.pl"));
    assert_eq!(e["legal"], true, "{}", e["violations"]);
    // Every one of the 246 macros moved off the pile-up at the origin.
    assert!(r["legalize"]["moved"].as_u64().unwrap() > 200);
}

#[test]
fn cli_generate_writes_a_design_every_command_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("gen");
    support::generate(&out, 12, 60, 3);
    let (nl, plc) = (out.join("netlist.pb.txt"), out.join("initial.plc"));
    let v = macroplace()
        .arg("info")
        .arg(&nl)
        .arg("--plc")
        .arg(&plc)
        .arg("--json")
        .run_json();
    assert_eq!(v["hard_macros"], 12);
    assert_eq!(v["soft_macros"], 60);
    let r = place_cli(
        &nl,
        Some(&plc),
        &[
            "--method",
            "sa",
            "--iterations",
            "5000",
            "--cluster-moves",
            "500",
        ],
        &dir.path().join("placed"),
    );
    assert_eq!(r["legal"], true, "{}", r["violations"]);
}

#[test]
fn cli_train_writes_a_log_plot_curve_reads_and_a_checkpoint_resume_continues() {
    let dir = tempfile::tempdir().unwrap();
    let design_dir = dir.path().join("gen");
    support::generate(&design_dir, 5, 20, 2);
    let out = dir.path().join("train");
    let train = |updates: &str, resume: bool| {
        let mut c = macroplace();
        c.arg("train")
            .arg(design_dir.join("netlist.pb.txt"))
            .arg("--plc")
            .arg(design_dir.join("initial.plc"))
            .args([
                "--grid", "12", "--envs", "2", "--epochs", "1", "--device", "cpu",
            ])
            .args([
                "--deterministic",
                "--checkpoint-every",
                "1",
                "--updates",
                updates,
            ])
            .arg("--out")
            .arg(&out);
        if resume {
            c.arg("--resume");
        }
        c.run_ok();
    };
    train("2", false);
    let log = std::fs::read_to_string(out.join("train.jsonl")).unwrap();
    assert_eq!(log.lines().count(), 2);
    let first: serde_json::Value = serde_json::from_str(log.lines().next().unwrap()).unwrap();
    for key in [
        "update",
        "env_steps",
        "wall_seconds",
        "mean_return",
        "mean_proxy",
        "best_proxy",
        "policy_loss",
        "value_loss",
        "entropy",
        "approx_kl",
        "lr",
        "wire_gain",
        "return_mean",
        "rollout_seconds",
        "update_seconds",
        "expert_seconds",
        "elite_proxy",
        "sil_nll",
        "expert_proxy",
    ] {
        assert!(first.get(key).is_some(), "log lacks {key}");
    }
    let side = json_file(&out.join("policy.json"));
    assert_eq!(side["update"], 2);
    // The sidecar names its weights (the checkpoint is committed by writing it last).
    assert!(out.join(side["weights"].as_str().unwrap()).is_file());
    // Same command, same log (deterministic on CPU).
    let again = dir.path().join("again");
    macroplace()
        .arg("train")
        .arg(design_dir.join("netlist.pb.txt"))
        .arg("--plc")
        .arg(design_dir.join("initial.plc"))
        .args([
            "--grid", "12", "--envs", "2", "--epochs", "1", "--device", "cpu",
        ])
        .args([
            "--deterministic",
            "--checkpoint-every",
            "1",
            "--updates",
            "2",
            "--out",
        ])
        .arg(&again)
        .run_ok();
    let strip = |s: &str| -> Vec<serde_json::Value> {
        s.lines()
            .map(|l| {
                let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
                for timing in [
                    "wall_seconds",
                    "rollout_seconds",
                    "update_seconds",
                    "expert_seconds",
                ] {
                    v.as_object_mut().unwrap().remove(timing);
                }
                v
            })
            .collect()
    };
    assert_eq!(
        strip(&log),
        strip(&std::fs::read_to_string(again.join("train.jsonl")).unwrap())
    );
    train("3", true);
    let log = std::fs::read_to_string(out.join("train.jsonl")).unwrap();
    assert_eq!(log.lines().count(), 3);
    let png = dir.path().join("curve.png");
    macroplace()
        .arg("plot-curve")
        .arg(out.join("train.jsonl"))
        .args(["--field", "mean_return", "--field", "entropy", "--out"])
        .arg(&png)
        .run_ok();
    assert!(std::fs::metadata(&png).unwrap().len() > 1000);
    // eval-policy on the trained design and an unseen one: it says which is which (by
    // fingerprint), and --held-out refuses the trained one in one line.
    let other = dir.path().join("other");
    support::generate(&other, 5, 20, 9);
    let eval = |designs: &[&std::path::Path], held_out: bool| {
        let mut c = macroplace();
        c.arg("eval-policy");
        for d in designs {
            c.arg(d.join("netlist.pb.txt"));
        }
        for d in designs {
            c.arg("--plc").arg(d.join("initial.plc"));
        }
        c.arg("--policy")
            .arg(&out)
            .args(["--episodes", "2", "--device", "cpu", "--json"]);
        if held_out {
            c.arg("--held-out");
        }
        c
    };
    let text = eval(&[&design_dir, &other], false).run_ok();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let seen: Vec<bool> = v["designs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["seen_in_training"].as_bool().unwrap())
        .collect();
    assert_eq!(seen, [true, false], "{text}");
    let (code, err) = eval(&[&other, &design_dir], true).run_fail();
    assert_eq!(code, 2, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("--held-out"), "{err}");
    let text = eval(&[&other], true).run_ok();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["designs"][0]["seen_in_training"], false);
}

#[test]
fn cli_place_rl_with_every_refinement_is_legal_reproducible_and_scores_like_eval() {
    let dir = tempfile::tempdir().unwrap();
    let design_dir = dir.path().join("gen");
    support::generate(&design_dir, 7, 30, 3);
    let (nl, plc) = (
        design_dir.join("netlist.pb.txt"),
        design_dir.join("initial.plc"),
    );
    let ckpt = dir.path().join("ckpt");
    macroplace()
        .arg("train")
        .arg(&nl)
        .arg("--plc")
        .arg(&plc)
        .args([
            "--grid",
            "16",
            "--envs",
            "2",
            "--epochs",
            "1",
            "--updates",
            "1",
        ])
        .args(["--device", "cpu", "--deterministic", "--out"])
        .arg(&ckpt)
        .run_ok();
    // Without a policy, rl is refused with a message naming the option.
    let (_, err) = macroplace()
        .arg("place")
        .arg(&nl)
        .args(["--method", "rl", "--out"])
        .arg(dir.path().join("none"))
        .run_fail();
    assert!((err).contains("--policy"));
    for refine in ["none", "sa", "ea"] {
        let mut files = Vec::new();
        for threads in ["1", "2"] {
            let out = dir.path().join(format!("rl-{refine}-{threads}"));
            let r = place_cli(
                &nl,
                Some(&plc),
                &[
                    "--method",
                    "rl",
                    "--policy",
                    ckpt.to_str().unwrap(),
                    "--refine",
                    refine,
                    "--samples",
                    "5",
                    "--beam",
                    "2",
                    "--iterations",
                    if refine == "ea" { "6" } else { "3000" },
                    "--cluster-moves",
                    "2000",
                    "--device",
                    "cpu",
                    "--seed",
                    "5",
                    "--threads",
                    threads,
                    "--no-pictures",
                ],
                &out,
            );
            let what = format!("rl refine {refine}, {threads} threads");
            let label = if refine == "none" {
                "rl".to_string()
            } else {
                format!("rl+{refine}")
            };
            assert_eq!(r["method"], label.as_str(), "{what}");
            assert_eq!(r["legal"], true, "{what}: {}", r["violations"]);
            let s = &r["search"];
            // greedy + beam (2 finals) + 5 samples, all scored exactly.
            assert_eq!(s["episodes"].as_array().unwrap().len(), 8, "{what}");
            let best = s["episodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["proxy"].as_f64().unwrap())
                .fold(f64::INFINITY, f64::min);
            assert_eq!(s["best_proxy"].as_f64().unwrap(), best, "{what}");
            assert!(
                r["stages"][0]["name"]
                    .as_str()
                    .unwrap()
                    .starts_with("policy search"),
                "{what}"
            );
            let file = out.join(r["placement_file"].as_str().unwrap());
            let e = eval_cli(&nl, "--plc", &file);
            assert_eq!(e["legal"], true, "{what}");
            assert!(rel_close(
                e["proxy_cost"].as_f64().unwrap(),
                r["proxy_cost"].as_f64().unwrap(),
                1e-12
            ));
            files.push(std::fs::read(&file).unwrap());
        }
        assert!(files[0] == files[1], "rl {refine}: 1 and 2 threads differ");
    }
}

/// Lower-left corner of node `name` in a Bookshelf `.pl`.
fn pl_corner(pl: &Path, name: &str) -> (f64, f64) {
    let text = std::fs::read_to_string(pl).unwrap();
    let f: Vec<String> = text
        .lines()
        .find(|l| l.split_whitespace().next() == Some(name))
        .unwrap()
        .split_whitespace()
        .map(String::from)
        .collect();
    (f[1].parse().unwrap(), f[2].parse().unwrap())
}

/// Rewrites a Bookshelf `.pl` with node `name`'s lower-left corner at `(x, y)`.
fn pl_with_move(src: &Path, dst: &Path, name: &str, x: f64, y: f64) {
    let text = std::fs::read_to_string(src).unwrap();
    let out: String = text
        .lines()
        .map(|l| {
            if l.split_whitespace().next() == Some(name) {
                format!("{name} {x} {y} : N\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    std::fs::write(dst, out).unwrap();
}

#[test]
fn cli_full_flow_on_ibm01_is_legal_in_rows_and_eval_catches_an_imported_overlap() {
    let dir = tempfile::tempdir().unwrap();
    let nl = bench("bookshelf/ibm01_ms/ibm01.aux");
    let out = dir.path().join("full");
    let r = place_cli(
        &nl,
        None,
        &["--flow", "full", "--macros", "analytic", "--seed", "2"],
        &out,
    );
    assert_eq!(r["flow"], "full");
    assert_eq!(r["legal"], true, "{}", r["violations"]);
    assert_eq!(r["cells_legal"], true, "{}", r["cell_violations"]);
    let names: Vec<&str> = r["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "global placement (mixed-size)",
            "macro legalization",
            "global placement (cells)",
            "cell legalization (Abacus)",
            "detailed placement"
        ]
    );
    // Movable macros: the cells are placed once around them (only a design without movable
    // macros has its cells placed twice).
    assert_eq!(r["cells_placed_twice"], false);
    // The legal macros sit on row boundaries: no row is lost to a macro edge inside it.
    let waste = r["macro_snap"]["row_waste_after"].as_f64().unwrap();
    assert!(waste < 1e-6, "{}", r["macro_snap"]);
    // Full-design wirelength in the range of the analytic placers (DREAMPlace: 2.1–2.2e6;
    // a broken flow lands far above).
    let hpwl = r["hpwl"].as_f64().unwrap();
    assert!(hpwl < 2.6e6, "{hpwl}");
    for f in [
        "floorplan.png",
        "density.png",
        "trajectory.png",
        "report.html",
    ] {
        assert!(out.join(f).exists(), "{f}");
    }
    let pl = out.join("ibm01.pl");
    let e = eval_cli(&nl, "--pl", &pl);
    assert_eq!(e["cells_legal"], true);
    assert!(rel_close(e["hpwl"].as_f64().unwrap(), hpwl, 1e-9));
    // A cell dropped onto another cell, or onto a macro, is reported (naming the cell).
    let bad = dir.path().join("bad.pl");
    let d = read("bookshelf/ibm01_ms/ibm01.aux", None);
    let kind = d.netlist.node_kind();
    let names = d.netlist.node_name();
    let cells: Vec<&str> = (0..d.netlist.num_nodes())
        .filter(|&n| kind[n] == netlists::NodeKind::StdCell)
        .take(2)
        .map(|n| names[n].as_str())
        .collect();
    let (x1, y1) = pl_corner(&pl, cells[1]);
    pl_with_move(&pl, &bad, cells[0], x1, y1);
    let e = eval_cli(&nl, "--pl", &bad);
    assert_eq!(e["cells_legal"], false);
    let v = e["cell_violations"].to_string();
    assert!(v.contains(cells[0]) || v.contains(cells[1]), "{v}");
    // A macro with a whole row inside it (ibm01 rows are 16 high, from y = 0).
    let (macro_name, x, y) = (0..d.netlist.num_nodes())
        .filter(|&n| kind[n] == netlists::NodeKind::HardMacro)
        .find_map(|n| {
            let (x, y) = pl_corner(&pl, &names[n]);
            let row = (y / 16.0).ceil() * 16.0;
            (row + 16.0 <= y + d.netlist.node_height()[n]).then(|| (names[n].as_str(), x, row))
        })
        .unwrap();
    pl_with_move(&pl, &bad, cells[0], x + 1.0, y);
    let e = eval_cli(&nl, "--pl", &bad);
    assert_eq!(e["cells_legal"], false);
    assert!(e["cell_violations"].to_string().contains(macro_name));
    // Every cell took its row's orientation (the .scl rows alternate N and FS), and a cell
    // turned N in an FS row is reported.
    let placed = ibm01_with_pl(&pl);
    let rows = &d.netlist.floorplan().rows;
    let mut fs = 0;
    let mut fs_cell = None;
    for n in 0..d.netlist.num_nodes() {
        if kind[n] != netlists::NodeKind::StdCell || d.netlist.node_fixed()[n] {
            continue;
        }
        let yb = placed.placement.y[n] - d.netlist.node_height()[n] / 2.0;
        let row = rows.iter().find(|r| (r.y - yb).abs() < 1e-6).unwrap();
        assert_eq!(
            placed.placement.orient[n].as_str(),
            row.site_orient,
            "{}",
            names[n]
        );
        if row.site_orient == "FS" {
            fs += 1;
            fs_cell.get_or_insert(n);
        }
    }
    assert!(fs > 5000, "{fs} cells in FS rows");
    let text = std::fs::read_to_string(&pl).unwrap();
    let n = fs_cell.unwrap();
    let turned: String = text
        .lines()
        .map(|l| {
            let mut w = l.split_whitespace();
            if w.next() == Some(names[n].as_str()) && l.contains(": FS") {
                format!("{}\n", l.replace(": FS", ": N"))
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    std::fs::write(&bad, turned).unwrap();
    let e = eval_cli(&nl, "--pl", &bad);
    assert_eq!(e["cells_legal"], false);
    let v = e["cell_violations"].to_string();
    assert!(v.contains(&names[n]) && v.contains("orientation N"), "{v}");
}

/// ibm01 with the placement of a `.pl`.
fn ibm01_with_pl(pl: &Path) -> netlists::Design {
    read_design(
        &bench("bookshelf/ibm01_ms/ibm01.aux"),
        &ReadOptions {
            pl: Some(pl.to_path_buf()),
            ..Default::default()
        },
    )
    .unwrap()
}

#[test]
fn cli_compare_scores_methods_seeds_and_imports_with_one_evaluator() {
    let dir = tempfile::tempdir().unwrap();
    let nl = bench("ct-toy/google_sample_clustered/netlist.pb.txt");
    let plc = bench("ct-toy/google_sample_clustered/initial.plc");
    let out = dir.path().join("cmp");
    let (_, stderr) = macroplace()
        .arg("compare")
        .arg(&nl)
        .arg("--plc")
        .arg(&plc)
        .args(["--methods", "greedy,sa,coloquinte", "--seeds", "2"])
        .args(["--time-limit", "3", "--import"])
        .arg(format!("start={}", plc.display()))
        .arg("--out")
        .arg(&out)
        .run_ok_both();
    // Coloquinte is skipped with a message (CT input, and not installed here).
    assert!(stderr.contains("coloquinte"), "{stderr}");
    let j = json_file(&out.join("compare.json"));
    let runs = j["runs"].as_array().unwrap();
    let count = |m: &str| runs.iter().filter(|r| r["method"] == m).count();
    assert_eq!((count("greedy"), count("sa"), count("start")), (2, 2, 1));
    // Every scored run equals `eval` of its file.
    for r in runs.iter().filter(|r| r["file"] != "") {
        let e = eval_cli(&nl, "--plc", Path::new(r["file"].as_str().unwrap()));
        assert!(rel_close(
            e["proxy_cost"].as_f64().unwrap(),
            r["proxy_cost"].as_f64().unwrap(),
            1e-12
        ));
        assert_eq!(e["legal"], r["legal"]);
    }
    // The start placement is illegal as given (macros off the canvas / overlapping), the
    // placers' results are legal.
    assert!(
        runs.iter()
            .filter(|r| r["method"] == "greedy" || r["method"] == "sa")
            .all(|r| r["legal"] == true)
    );
    let md = std::fs::read_to_string(out.join("compare.md")).unwrap();
    assert!(
        md.contains("| greedy | 2 |") && md.contains("| start | 1 |"),
        "{md}"
    );
    let csv = std::fs::read_to_string(out.join("compare.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + runs.len());
    assert!(out.join("compare.png").exists());
    // A bad import is refused with the file named.
    let (_, err) = macroplace()
        .arg("compare")
        .arg(&nl)
        .args(["--methods", "greedy", "--time-limit", "2", "--import"])
        .arg("x=/nonexistent/file.plc")
        .arg("--out")
        .arg(dir.path().join("cmp2"))
        .run_fail();
    assert!((err).contains("/nonexistent/file.plc"));
}

#[test]
fn shipped_checkpoints_load_and_place_ariane133_legally() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("checkpoints");
    let dir = tempfile::tempdir().unwrap();
    for ckpt in [
        "pretrained-generated",
        "ariane133-finetuned",
        "ariane133-scratch30",
        "ariane133-expert30",
        "pretrained-multi",
    ] {
        let side: serde_json::Value =
            serde_json::from_slice(&std::fs::read(root.join(ckpt).join("policy.json")).unwrap())
                .unwrap();
        assert_eq!(side["options"]["grid"], 64, "{ckpt}");
        // The log covers every update the checkpoint counts.
        let log = std::fs::read_to_string(root.join(ckpt).join("train.jsonl")).unwrap();
        assert_eq!(log.lines().count() as u64, side["update"].as_u64().unwrap());
        let out = dir.path().join(ckpt);
        let r = place_cli(
            &bench("ct/ariane133_ng45/netlist.pb.txt.gz"),
            Some(&bench("ct/ariane133_ng45/initial.plc")),
            &[
                "--method",
                "rl",
                "--policy",
                root.join(ckpt).to_str().unwrap(),
                "--samples",
                "0",
                "--beam",
                "0",
                "--cluster-moves",
                "2000",
                "--device",
                "cpu",
                "--no-pictures",
            ],
            &out,
        );
        assert_eq!(r["legal"], true, "{ckpt}: {}", r["violations"]);
        assert_eq!(r["search"]["episodes"].as_array().unwrap().len(), 1);
        // Far better than random legal decoding (≈ 0.83 in the environment's protocol).
        let p = r["search"]["best_proxy"].as_f64().unwrap();
        assert!(p < 0.80, "{ckpt}: greedy decoding {p}");
    }
    // The expert-iteration checkpoint's greedy decoding beats wire-mask greedy (the issue's
    // learning target; docs/results.md: 0.7256 against 0.7655), both in the environment's
    // protocol as eval-policy prints them.
    let text = macroplace()
        .arg("eval-policy")
        .arg(bench("ct/ariane133_ng45/netlist.pb.txt.gz"))
        .arg("--plc")
        .arg(bench("ct/ariane133_ng45/initial.plc"))
        .arg("--policy")
        .arg(root.join("ariane133-expert30"))
        .args(["--episodes", "1", "--device", "cpu"])
        .run_ok();
    let value = |label: &str| -> f64 {
        let line = text.lines().find(|l| l.starts_with(label)).unwrap();
        line[label.len()..]
            .split_whitespace()
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    let (greedy, wire) = (value("policy greedy"), value("wire-mask greedy"));
    assert!(greedy < wire, "{text}");
}

#[test]
fn eval_as_tilos_scores_pins_unrotated_and_flips_off_makes_both_agree() {
    let dir = tempfile::tempdir().unwrap();
    let nl = bench("ct/ariane133_ng45/netlist.pb.txt.gz");
    let plc = bench("ct/ariane133_ng45/initial.plc");
    let run = |flips: &str| {
        let out = dir.path().join(format!("sa-{flips}"));
        macroplace()
            .arg("place")
            .arg(&nl)
            .arg("--plc")
            .arg(&plc)
            .args(["--method", "sa", "--iterations", "60000", "--no-pictures"])
            .args(["--flips", flips, "--out"])
            .arg(&out)
            .run_ok();
        let file = out.join("ariane133_ng45.plc");
        let e = macroplace()
            .arg("eval")
            .arg(&nl)
            .arg("--plc")
            .arg(&file)
            .args(["--as", "tilos", "--json"])
            .run_json();
        (file, e)
    };
    // Flips on: some macro is flipped, and the as-is score is the oracle's: the placement with
    // every hard macro's orientation put back to the netlist's, scored by the one cost model.
    let (file, e) = run("on");
    let d = support::read(
        "ct/ariane133_ng45/netlist.pb.txt.gz",
        Some("ct/ariane133_ng45/initial.plc"),
    );
    let placed = netlists::plc::read_plc(&file, &d.netlist, &d.placement)
        .unwrap()
        .0;
    let n = &d.netlist;
    let hard: Vec<usize> = (0..n.num_nodes())
        .filter(|&i| n.node_kind()[i] == netlists::NodeKind::HardMacro)
        .collect();
    assert!(
        hard.iter().any(|&i| placed.orient[i] != n.node_orient()[i]),
        "sa flipped nothing: the test would test nothing"
    );
    // The netlist file's own orientations (no .plc).
    let bare = support::read("ct/ariane133_ng45/netlist.pb.txt.gz", None).placement;
    let mut unrotated = placed.clone();
    for &i in &hard {
        unrotated.orient[i] = bare.orient[i];
    }
    let params = golden_params_of(&file, n);
    let oracle = placer::cost::proxy_cost(n, &unrotated, &params).proxy_cost;
    let as_is = e["tilos_as_is"]["proxy_cost"].as_f64().unwrap();
    assert!((as_is - oracle).abs() < 1e-12, "{as_is} vs {oracle}");
    assert!(as_is != e["proxy_cost"].as_f64().unwrap());
    // Flips off: only the netlist's orientations are written and both conventions agree.
    let (file, e) = run("off");
    let placed = netlists::plc::read_plc(&file, &d.netlist, &d.placement)
        .unwrap()
        .0;
    assert!(hard.iter().all(|&i| placed.orient[i] == n.node_orient()[i]));
    assert_eq!(e["tilos_as_is"]["proxy_cost"], e["proxy_cost"]);
}

/// The cost parameters a `.plc` header gives (what `eval` of that file scores with).
fn golden_params_of(plc: &Path, n: &netlists::Netlist) -> placer::cost::CostParams {
    let nl_path = bench("ct/ariane133_ng45/netlist.pb.txt.gz");
    let d = netlists::read_design(
        &nl_path,
        &netlists::ReadOptions {
            plc: Some(plc.to_path_buf()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(d.netlist.num_nodes(), n.num_nodes());
    placer::cost::CostParams::from_floorplan(d.netlist.floorplan())
}

#[test]
fn the_shipped_multi_design_checkpoint_beats_wire_mask_greedy_on_designs_it_never_saw() {
    // Two flat NG45 designs clustered here (the checkpoint trained on neither: --held-out
    // refuses a seen one), scored in the environment's protocol (docs/results.md: ariane136
    // 0.6879 against 0.8777, nvdla 0.7828 against 0.8052).
    let dir = tempfile::tempdir().unwrap();
    let mut eval = macroplace();
    eval.arg("eval-policy");
    let mut plcs = Vec::new();
    for d in ["ariane136", "nvdla"] {
        let out = dir.path().join(d);
        macroplace()
            .arg("cluster")
            .arg(bench(&format!("ct-flat/{d}_ng45/netlist.pb.txt.gz")))
            .arg("--out")
            .arg(&out)
            .run_ok();
        eval.arg(out.join("netlist.pb.txt"));
        plcs.push(out.join("initial.plc"));
    }
    for p in &plcs {
        eval.arg("--plc").arg(p);
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("checkpoints");
    let text = eval
        .arg("--policy")
        .arg(root.join("pretrained-multi"))
        .args(["--held-out", "--episodes", "1", "--device", "cpu", "--json"])
        .run_ok();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    for r in v["designs"].as_array().unwrap() {
        let (greedy, wire) = (
            r["policy_greedy"].as_f64().unwrap(),
            r["wire_mask_greedy"].as_f64().unwrap(),
        );
        assert!(greedy < wire, "{}: {greedy} vs {wire}", r["design"]);
    }
}
