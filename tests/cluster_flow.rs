//! Clustering and the Circuit Training flow on flat netlists, through the CLI as a user runs
//! them: `cluster` writes a clustered design every command reads back as the same model, with
//! every cell in `clusters.json`; `place --flow full` on a flat design clusters, places the
//! macros on the clusters, then every cell, and `eval` of the written file reproduces the
//! report; bad requests are one line, exit 2, nothing written.

use std::collections::BTreeMap;
use std::path::Path;

use netlists::{Design, NodeKind, ReadOptions, read_design};

mod support;
use support::*;

const TOY: &str = "ct-toy/google_toy_macro_stdcell/netlist.pb.txt";

fn cluster_cli(netlist: &Path, extra: &[&str], out: &Path) -> String {
    macroplace()
        .arg("cluster")
        .arg(netlist)
        .args(extra)
        .arg("--out")
        .arg(out)
        .run_ok()
}

/// Lines of stderr other than `note:` lines (the gridding's choice is said before the
/// options are checked).
fn error_lines(err: &str) -> usize {
    err.lines().filter(|l| !l.starts_with("note:")).count()
}

fn read_out(dir: &Path) -> Design {
    let opts = ReadOptions {
        plc: Some(dir.join("initial.plc")),
        ..Default::default()
    };
    read_design(&dir.join("netlist.pb.txt"), &opts).unwrap()
}

/// Net → (sorted node names, weight), merged by node set.
fn nets_by_names(nl: &netlists::Netlist) -> BTreeMap<Vec<String>, f64> {
    let mut m = BTreeMap::new();
    for net in nl.nets() {
        let mut names: Vec<String> = nl
            .net_pins(net)
            .map(|p| nl.node_name()[nl.pin_node()[p].idx()].clone())
            .collect();
        names.sort();
        names.dedup();
        *m.entry(names).or_insert(0.0) += nl.net_weight()[net.idx()];
    }
    m
}

/// Checks a `cluster` output directory against the flat design it came from and the same
/// clustering computed in memory: the model read back equals the one built, every cell is in
/// exactly one cluster of `clusters.json`, macros and ports are kept.
fn check_cluster_output(flat: &Design, dir: &Path, clusters: usize, seed: u64) {
    let back = read_out(dir);
    // The grid the command chose (CT's gridding when the input has none) is in the header.
    let mut params = placer::cost::CostParams::from_floorplan(flat.netlist.floorplan());
    let (gc, gr) = back
        .netlist
        .floorplan()
        .grid
        .expect("initial.plc has a grid");
    (params.grid_cols, params.grid_rows) = (gc as usize, gr as usize);
    let c = placer::cluster::cluster(
        &flat.netlist,
        placer::cluster::placement_is_informative(&flat.netlist, &flat.placement)
            .then_some(&flat.placement),
        &params,
        &placer::cluster::ClusterOptions {
            clusters,
            seed,
            ..Default::default()
        },
    )
    .unwrap();
    let built =
        placer::cluster::build::clustered_design(&flat.netlist, &flat.placement, &c, &params)
            .unwrap();
    let (a, b) = (&built.netlist, &back.netlist);
    assert_eq!(a.num_nodes(), b.num_nodes());
    for n in 0..a.num_nodes() {
        let m = b
            .node_by_name(&a.node_name()[n])
            .expect("node read back")
            .idx();
        assert_eq!(a.node_kind()[n], b.node_kind()[m], "{}", a.node_name()[n]);
        assert!(
            rel_close(a.node_width()[n], b.node_width()[m], 1e-9),
            "{} {} {}",
            a.node_name()[n],
            a.node_width()[n],
            b.node_width()[m]
        );
        assert!(rel_close(a.node_height()[n], b.node_height()[m], 1e-9));
        assert!((built.placement.x[n] - back.placement.x[m]).abs() < 1e-6);
        assert!((built.placement.y[n] - back.placement.y[m]).abs() < 1e-6);
    }
    let (na, nb) = (nets_by_names(a), nets_by_names(b));
    assert_eq!(na.len(), nb.len());
    for (k, w) in &na {
        assert!(rel_close(nb[k], *w, 1e-9), "{k:?}");
    }
    // Macros and ports: every one kept, none absorbed.
    let fl = &flat.netlist;
    for n in 0..fl.num_nodes() {
        if fl.node_kind()[n] != NodeKind::StdCell {
            let m = b.node_by_name(&fl.node_name()[n]).expect("kept").idx();
            assert_eq!(b.node_kind()[m], fl.node_kind()[n]);
        }
    }
    assert_eq!(b.count_kind(NodeKind::StdCell), 0);
    assert_eq!(b.count_kind(NodeKind::SoftMacro), c.num_clusters);
    // clusters.json: every std cell in exactly one cluster.
    let j = json_file(&dir.join("clusters.json"));
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for cl in j["clusters"].as_array().unwrap() {
        for cell in cl["cells"].as_array().unwrap() {
            *seen.entry(cell.as_str().unwrap().to_string()).or_insert(0) += 1;
        }
    }
    let cells: Vec<&String> = (0..fl.num_nodes())
        .filter(|&n| fl.node_kind()[n] == NodeKind::StdCell)
        .map(|n| &fl.node_name()[n])
        .collect();
    assert_eq!(seen.len(), cells.len());
    assert!(cells.iter().all(|c| seen.get(*c) == Some(&1)));
}

#[test]
fn cluster_writes_the_model_it_built_and_the_same_seed_gives_the_same_files() {
    let dir = tempfile::tempdir().unwrap();
    let flat = read(TOY, None);
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    cluster_cli(&bench(TOY), &["--clusters", "3", "--seed", "4"], &a);
    cluster_cli(&bench(TOY), &["--clusters", "3", "--seed", "4"], &b);
    check_cluster_output(&flat, &a, 3, 4);
    for f in ["netlist.pb.txt", "initial.plc"] {
        assert_eq!(
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
            "{f} differs between two runs with one seed"
        );
    }
    // Every command reads it: eval scores it.
    let e = macroplace()
        .arg("eval")
        .arg(a.join("netlist.pb.txt"))
        .arg("--plc")
        .arg(a.join("initial.plc"))
        .arg("--json")
        .run_json();
    assert!(e["proxy_cost"].as_f64().unwrap().is_finite());
}

#[test]
fn cluster_flat_ariane133_keeps_every_net_and_macro() {
    let dir = tempfile::tempdir().unwrap();
    let rel = "ct-flat/ariane133_ng45/netlist.pb.txt.gz";
    let flat = read(rel, None);
    let out = dir.path().join("cl");
    let s = cluster_cli(&bench(rel), &["--seed", "2"], &out);
    assert!(s.contains("clusters"), "{s}");
    check_cluster_output(&flat, &out, 500, 2);
    let j = json_file(&out.join("clusters.json"));
    // Break-up by the input placement only adds clusters.
    let n = j["stats"]["clusters"].as_u64().unwrap();
    assert!((500..=3000).contains(&n), "{n}");
    assert_eq!(j["placement_used"], true);
}

#[test]
fn cluster_bad_requests_are_one_line_exit_2_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &[&str], &str); 4] = [
        (TOY, &["--clusters", "0"], "--clusters"),
        (TOY, &["--clusters", "13"], "at most 12"),
        (TOY, &["--cell-utilization", "1.5"], "--cell-utilization"),
        (
            "ct-toy/google_sample_clustered/netlist.pb.txt",
            &[],
            "netlist.pb.txt: the design has no movable std cells",
        ),
    ];
    // `args` then `--out DIR` fails with one error line, exit 2, and writes nothing.
    let refused = |args: &[&str], out: &Path| -> String {
        let (code, err) = macroplace().args(args).arg("--out").arg(out).run_fail();
        assert_eq!(code, 2, "{err}");
        assert_eq!(error_lines(&err), 1, "{err}");
        assert!(!out.exists(), "output written despite bad input");
        err
    };
    for (i, (nl, extra, want)) in cases.iter().enumerate() {
        let input = bench(nl);
        let input = input.to_str().unwrap();
        let err = refused(
            &[&["cluster", input][..], extra].concat(),
            &dir.path().join(format!("o{i}")),
        );
        assert!(err.contains(want), "{err}");
        // The full flow refuses the same request before writing anything.
        if i < 2 {
            let place = [
                "place",
                input,
                "--flow",
                "full",
                "--macros",
                "sa",
                "--macro-time",
                "2",
            ];
            refused(
                &[&place[..], extra].concat(),
                &dir.path().join(format!("p{i}")),
            );
        }
    }
}

#[test]
fn full_flow_on_a_small_flat_design_is_legal_and_eval_reproduces_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let nl = bench(TOY);
    // Without --clusters the toy's 12 cells give 12 clusters (the default 500, capped).
    for (macros, clusters, want) in [("greedy", &["--clusters", "3"][..], 3), ("sa", &[], 12)] {
        let out = dir.path().join(macros);
        macroplace()
            .arg("place")
            .arg(&nl)
            .args(["--flow", "full", "--macros", macros])
            .args(clusters)
            .args([
                "--iterations",
                "3000",
                "--macro-time",
                "5",
                "--time-limit",
                "30",
            ])
            .args(["--no-pictures", "--out"])
            .arg(&out)
            .run_ok();
        let r = json_file(&out.join("report.json"));
        assert_eq!(r["flow"], "full");
        assert_eq!(r["legal"], true, "{}", r["violations"]);
        assert_eq!(r["cells_legal"], true, "{}", r["cell_violations"]);
        let cl = &r["clustering"];
        assert!(cl["stats"]["clusters"].as_u64().unwrap() >= want, "{cl}");
        assert!(cl["proxy"]["proxy_cost"].as_f64().unwrap().is_finite());
        let stages: Vec<&str> = r["macro_stages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap())
            .collect();
        assert!(stages[0].starts_with("clustering ("), "{stages:?}");
        for k in ["hpwl", "hpwl_macro_only", "congestion_measure"] {
            assert!(!r[k].is_null(), "{k}");
        }
        // The written .plc holds every node; eval of it is the report.
        let plc = out.join(r["placement_file"].as_str().unwrap());
        let lines = std::fs::read_to_string(&plc)
            .unwrap()
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .count();
        assert_eq!(lines, 26, "every node has a line");
        let e = macroplace()
            .arg("eval")
            .arg(&nl)
            .arg("--plc")
            .arg(&plc)
            .arg("--json")
            .run_json();
        assert_eq!(e["legal"], true);
        // The toy has no rows: eval checks the cells in the rows place synthesized.
        assert_eq!(e["rows_synthesized"], true);
        assert_eq!(e["cells_legal"], true, "{}", e["cell_violations"]);
        for k in [
            "proxy_cost",
            "wirelength_cost",
            "density_cost",
            "congestion_cost",
        ] {
            assert!(
                rel_close(e[k].as_f64().unwrap(), r[k].as_f64().unwrap(), 1e-9),
                "{k}: eval {} report {}",
                e[k],
                r[k]
            );
        }
        assert!(rel_close(
            e["hpwl"].as_f64().unwrap(),
            r["hpwl"].as_f64().unwrap(),
            1e-9
        ));
    }
}

#[test]
fn ct_gridding_reproduces_the_grids_of_the_ct_headers() {
    // The TILOS flow chose each design's grid with Circuit Training's gridding; ours, on the
    // same canvas and macros, must choose the same.
    let d = ariane133();
    let fp = d.netlist.floorplan();
    let t = std::time::Instant::now();
    let g = placer::cluster::gridding::suggest_grid(
        &d.netlist,
        fp.width,
        fp.height,
        &Default::default(),
    )
    .expect("a feasible grid");
    eprintln!("ariane133: {g:?} in {:.2} s", t.elapsed().as_secs_f64());
    assert_eq!((g.cols, g.rows), (24, 21), "{g:?}");
    // The flat designs on their clustered versions' canvases (the headers beside them).
    for (name, canvas, want) in [
        ("ariane136_ng45", 1446.359, (25, 21)),
        ("nvdla_ng45", 2127.922, (39, 36)),
        ("mempool_tile_ng45", 885.390, (29, 24)),
    ] {
        let d = read(&format!("ct-flat/{name}/netlist.pb.txt.gz"), None);
        let g = placer::cluster::gridding::suggest_grid(
            &d.netlist,
            canvas,
            canvas,
            &Default::default(),
        )
        .expect("a feasible grid");
        eprintln!("{name}: {g:?}");
        assert_eq!((g.cols, g.rows), want, "{name}: {g:?}");
    }
}
