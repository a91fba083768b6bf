//! LEF/DEF: a hand-made design with every value worked out by hand (units, sizes, pin offsets
//! under N, FS and E, rows, a fixed block, an IO pin, net weights, a blockage), round trips
//! (read → write without moves is byte-identical; read → place → write → read gives the placed
//! positions), malformed inputs (one `file:line:` line, exit 2), and CT-Ariane against an
//! independent line-based oracle of its HPWL.

mod support;

use std::path::Path;

use netlists::{NodeKind, Orientation, ReadOptions};
use support::{Run, bench, macroplace};

/// The hand-made LEF (shared with the parser's fuzz tests).
const LEF: &str = include_str!("../netlists/src/lefdef/fixtures/tiny.lef");

/// The hand-made DEF.
const DEF: &str = include_str!("../netlists/src/lefdef/fixtures/tiny.def");

fn write(dir: &Path, def: &str, lef: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let (d, l) = (dir.join("tiny.def"), dir.join("tiny.lef"));
    std::fs::write(&d, def).unwrap();
    std::fs::write(&l, lef).unwrap();
    (d, l)
}

fn read(def: &Path, lef: &Path) -> netlists::Design {
    let opts = ReadOptions {
        lef: vec![lef.to_path_buf()],
        ..Default::default()
    };
    netlists::read_design(def, &opts).unwrap_or_else(|e| panic!("{e}"))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn the_hand_made_design_reads_as_worked_out_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let (def, lef) = write(dir.path(), DEF, LEF);
    let d = read(&def, &lef);
    let (nl, pl) = (&d.netlist, &d.placement);
    assert_eq!(nl.design(), "tiny");
    // Die 4000 × 2000 DBU at 100 per µm.
    let fp = nl.floorplan();
    assert!(close(fp.width, 40.0) && close(fp.height, 20.0));
    assert_eq!(fp.rows.len(), 2);
    assert!(close(fp.rows[1].y, 2.0) && close(fp.rows[1].height, 2.0));
    assert!(close(fp.rows[0].site_spacing, 0.2) && fp.rows[0].num_sites == 200);
    assert_eq!(fp.rows[1].site_orient, "FS");
    assert_eq!(fp.blockages.len(), 1);
    assert!(close(fp.blockages[0].x_min, 30.0) && close(fp.blockages[0].y_max, 5.0));
    let id = |n: &str| nl.node_by_name(n).unwrap().idx();
    let (u1, u2, ram, port) = (id("u1"), id("u2"), id("ram"), id("in"));
    assert_eq!(nl.node_kind()[u1], NodeKind::StdCell);
    assert_eq!(nl.node_kind()[ram], NodeKind::HardMacro);
    assert_eq!(nl.node_kind()[port], NodeKind::Port);
    assert!(nl.node_fixed()[ram] && !nl.node_fixed()[u1]);
    // Centres: u1 lower-left (1, 0) + (0.3, 1); u2 (3, 2) + (0.3, 1) under FS; ram (20, 10) +
    // (2, 5), its 10 × 4 footprint turned 4 × 10 by E.
    assert!(close(pl.x[u1], 1.3) && close(pl.y[u1], 1.0));
    assert!(close(pl.x[u2], 3.3) && close(pl.y[u2], 3.0));
    assert_eq!(pl.orient[u2], Orientation::FS);
    assert!(close(pl.x[ram], 22.0) && close(pl.y[ram], 15.0));
    assert_eq!(pl.orient[ram], Orientation::E);
    assert!(close(pl.x[port], 0.0) && close(pl.y[port], 5.0));
    // Pins: A at (0.1, 1.0) of u1's 0.6 × 2 box; D at (0.5, 0.5) of ram's N box, which E turns
    // to (0.5, 9.5) from its lower-left (20, 10); the driver first in each net.
    let pins: Vec<Vec<(f64, f64)>> = nl
        .nets()
        .map(|n| {
            nl.net_pins(n)
                .map(|p| pl.pin_position(nl, netlists::PinId(p as u32)))
                .collect()
        })
        .collect();
    let want = [
        vec![(0.0, 5.0), (1.1, 1.0)],
        vec![(1.5, 1.0), (3.1, 3.0), (20.5, 19.5)],
    ];
    for (got, want) in pins.iter().zip(&want) {
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(want) {
            assert!(close(g.0, w.0) && close(g.1, w.1), "{got:?} vs {want:?}");
        }
    }
    assert_eq!(nl.net_weight(), &[2.0, 1.0]);
    // HPWL: 2 × (1.1 + 4) + (19 + 18.5).
    let h = placer::cost::hpwl::geometric_hpwl(nl, pl);
    assert!(close(h, 2.0 * 5.1 + 37.5), "{h}");
}

#[test]
fn def_round_trips_byte_for_byte_and_keeps_placed_positions() {
    let dir = tempfile::tempdir().unwrap();
    let (def, lef) = write(dir.path(), DEF, LEF);
    let d = read(&def, &lef);
    let same = dir.path().join("same.def");
    netlists::lefdef::write_def(&same, &d.netlist, &d.placement).unwrap();
    assert_eq!(std::fs::read_to_string(&same).unwrap(), DEF);
    // Move u1 and turn it FN: only its placement changes in the file, and reading it back
    // gives the new position.
    let mut p = d.placement.clone();
    let u1 = d.netlist.node_by_name("u1").unwrap().idx();
    p.x[u1] = 10.3;
    p.y[u1] = 3.0;
    p.orient[u1] = Orientation::FS;
    let moved = dir.path().join("moved.def");
    netlists::lefdef::write_def(&moved, &d.netlist, &p).unwrap();
    let text = std::fs::read_to_string(&moved).unwrap();
    assert_eq!(
        text,
        DEF.replace(
            "u1 INV + PLACED ( 100 0 ) N",
            "u1 INV + PLACED ( 1000 200 ) FS"
        )
    );
    let back = read(&moved, &lef);
    assert!(close(back.placement.x[u1], 10.3) && close(back.placement.y[u1], 3.0));
    assert_eq!(back.placement.orient[u1], Orientation::FS);
    // Another tool's DEF of the same design is scored by compare and drawn by plot.
    let out = dir.path().join("cmp");
    macroplace()
        .arg("compare")
        .arg(&def)
        .arg("--lef")
        .arg(&lef)
        .args(["--methods", "greedy", "--time-limit", "2", "--import"])
        .arg(format!("moved={}", moved.display()))
        .arg("--out")
        .arg(&out)
        .run_ok();
    let table = support::json_file(&out.join("compare.json"));
    let row = table["runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["method"] == "moved")
        .expect("the imported row");
    let want = placer::cost::hpwl::geometric_hpwl(&d.netlist, &p);
    assert!((row["hpwl"].as_f64().unwrap() - want).abs() < 1e-9, "{row}");
    macroplace()
        .arg("plot")
        .arg(&def)
        .arg("--lef")
        .arg(&lef)
        .arg("--compare")
        .arg(&moved)
        .arg("--out")
        .arg(dir.path().join("side.png"))
        .run_ok();
}

#[test]
fn place_and_eval_take_a_def_and_write_one_that_reproduces_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let (def, lef) = write(dir.path(), DEF, LEF);
    let out = dir.path().join("out");
    macroplace()
        .arg("place")
        .arg(&def)
        .arg("--lef")
        .arg(&lef)
        .args([
            "--flow",
            "full",
            "--time-limit",
            "5",
            "--no-pictures",
            "--out",
        ])
        .arg(&out)
        .run_ok();
    let report = support::json_file(&out.join("report.json"));
    let e = macroplace()
        .arg("eval")
        .arg(out.join("tiny.def"))
        .arg("--lef")
        .arg(&lef)
        .arg("--json")
        .run_json();
    let (a, b) = (
        report["hpwl"].as_f64().unwrap(),
        e["hpwl"].as_f64().unwrap(),
    );
    // The file holds positions in whole database units (0.01 µm here).
    assert!(
        (a - b).abs() <= 0.02 * 3.0,
        "report {a}, eval of the file {b}"
    );
    // The fixed block did not move.
    let back = read(&out.join("tiny.def"), &lef);
    let ram = back.netlist.node_by_name("ram").unwrap().idx();
    assert!(close(back.placement.x[ram], 22.0) && close(back.placement.y[ram], 15.0));
    // Every cell takes its row's orientation (r0 N, r1 FS).
    let (nl, pl) = (&back.netlist, &back.placement);
    for n in 0..nl.num_nodes() {
        if nl.node_kind()[n] != NodeKind::StdCell {
            continue;
        }
        let yb = pl.y[n] - nl.node_height()[n] / 2.0;
        let row = nl
            .floorplan()
            .rows
            .iter()
            .find(|r| close(r.y, yb))
            .expect("on a row");
        assert_eq!(
            pl.orient[n].as_str(),
            row.site_orient,
            "{}",
            nl.node_name()[n]
        );
    }
}

#[test]
fn malformed_lef_and_def_are_one_line_errors_with_exit_2() {
    let cases: Vec<(&str, String, String, &str)> = vec![
        (
            "DEF without END DESIGN",
            DEF.replace("END DESIGN\n", ""),
            LEF.into(),
            "tiny.def:",
        ),
        (
            "component of no LEF macro",
            DEF.replace("u2 INV", "u2 NAND9"),
            LEF.into(),
            "tiny.def:9:",
        ),
        (
            "bad units",
            DEF.replace("MICRONS 100", "MICRONS zero"),
            LEF.into(),
            "tiny.def:3:",
        ),
        (
            "zero units",
            DEF.replace("MICRONS 100", "MICRONS 0"),
            LEF.into(),
            "tiny.def:3:",
        ),
        (
            "net of an unknown component",
            DEF.replace("( u1 A ) + WEIGHT", "( u9 A ) + WEIGHT"),
            LEF.into(),
            "tiny.def:",
        ),
        (
            "net of an unknown pin",
            DEF.replace("( u1 A ) + WEIGHT", "( u1 Q ) + WEIGHT"),
            LEF.into(),
            "tiny.def:",
        ),
        (
            "net of an unknown IO pin",
            DEF.replace("( PIN in )", "( PIN out )"),
            LEF.into(),
            "tiny.def:",
        ),
        (
            "component count wrong",
            DEF.replace("COMPONENTS 3", "COMPONENTS 4"),
            LEF.into(),
            "tiny.def:7:",
        ),
        (
            "net count wrong",
            DEF.replace("NETS 2 ;", "NETS 5 ;"),
            LEF.into(),
            "tiny.def:",
        ),
        (
            "pin count wrong",
            DEF.replace("PINS 1", "PINS 2"),
            LEF.into(),
            "tiny.def:",
        ),
        (
            "bad orientation",
            DEF.replace("( 100 0 ) N", "( 100 0 ) NQ"),
            LEF.into(),
            "tiny.def:8:",
        ),
        (
            "coordinate 1e300",
            DEF.replace("( 100 0 ) N", "( 1e300 0 ) N"),
            LEF.into(),
            "tiny.def:8:",
        ),
        (
            "coordinate nan",
            DEF.replace("( 100 0 ) N", "( nan 0 ) N"),
            LEF.into(),
            "tiny.def:8:",
        ),
        (
            "missing parenthesis",
            DEF.replace("( 100 0 ) N", "100 0 ) N"),
            LEF.into(),
            "tiny.def:8:",
        ),
        (
            "no DIEAREA",
            DEF.replace("DIEAREA ( 0 0 ) ( 4000 2000 ) ;\n", ""),
            LEF.into(),
            "tiny.def:",
        ),
        (
            "degenerate DIEAREA",
            DEF.replace("( 4000 2000 )", "( 0 2000 )"),
            LEF.into(),
            "tiny.def:4:",
        ),
        (
            "row of an unknown site",
            DEF.replace("ROW r0 core", "ROW r0 fat"),
            LEF.into(),
            "tiny.def:5:",
        ),
        (
            "net weight negative",
            DEF.replace("WEIGHT 2", "WEIGHT -2"),
            LEF.into(),
            "tiny.def:",
        ),
        (
            "duplicate component",
            DEF.replace("- u2 INV", "- u1 INV"),
            LEF.into(),
            "tiny.def:",
        ),
        (
            "unterminated section",
            DEF.replace("END COMPONENTS\n", ""),
            LEF.into(),
            "tiny.def:",
        ),
        (
            "LEF macro without END",
            LEF.replace("END INV\n", ""),
            DEF.into(),
            "tiny.lef:",
        ),
        (
            "LEF pin without END",
            LEF.replace("  END A\n", ""),
            DEF.into(),
            "tiny.lef:",
        ),
        (
            "LEF size negative",
            LEF.replace("SIZE 10 BY 4", "SIZE -10 BY 4"),
            DEF.into(),
            "tiny.lef:",
        ),
        (
            "LEF size missing",
            LEF.replace("  SIZE 10 BY 4 ;\n", ""),
            DEF.into(),
            "tiny.lef:",
        ),
        (
            "LEF rect of three numbers",
            LEF.replace("RECT 0 0.8 0.2 1.2", "RECT 0 0.8 0.2"),
            DEF.into(),
            "tiny.lef:",
        ),
        (
            "LEF units zero",
            LEF.replace("DATABASE MICRONS 100", "DATABASE MICRONS 0"),
            DEF.into(),
            "tiny.lef:3:",
        ),
        (
            "LEF layer block unterminated",
            LEF.replace("END M1\n", ""),
            DEF.into(),
            "tiny.lef:",
        ),
    ];
    let mut failures = Vec::new();
    for (name, a, b, needle) in &cases {
        let dir = tempfile::tempdir().unwrap();
        // A case edits the DEF (then `b` is the LEF) or the LEF (then `b` is the DEF).
        let (def, lef) = if needle.starts_with("tiny.def") {
            write(dir.path(), a, b)
        } else {
            write(dir.path(), b, a)
        };
        let (code, err) = macroplace()
            .arg("eval")
            .arg(&def)
            .arg("--lef")
            .arg(&lef)
            .run_fail();
        if code != 2
            || err.lines().count() != 1
            || !err.contains(needle)
            || err.contains("panicked")
        {
            failures.push(format!("{name}: exit {code}: {}", err.trim()));
        }
    }
    // A truncated .gz, a LEF given as the netlist, a DEF without --lef.
    let dir = tempfile::tempdir().unwrap();
    let (def, lef) = write(dir.path(), DEF, LEF);
    let gz = dir.path().join("cut.def.gz");
    let full = {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(DEF.as_bytes()).unwrap();
        e.finish().unwrap()
    };
    std::fs::write(&gz, &full[..full.len() / 2]).unwrap();
    for (name, args, needle) in [
        (
            "truncated gzip",
            vec![gz.clone(), "--lef".into(), lef.clone()],
            "cut.def.gz",
        ),
        ("LEF as the netlist", vec![lef.clone()], "--lef"),
        ("DEF without --lef", vec![def.clone()], "no --lef"),
    ] {
        let (code, err) = macroplace().arg("eval").args(&args).run_fail();
        if code != 2 || err.lines().count() != 1 || !err.contains(needle) {
            failures.push(format!("{name}: exit {code}: {}", err.trim()));
        }
    }
    assert!(cases.len() + 3 >= 20);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// An independent HPWL of CT-Ariane's own placement, from the text alone: LEF macro sizes and
/// pin-shape centres, DEF component lines `- name model + PLACED ( x y ) O ;`, IO pin
/// `FIXED ( x y )` and net connection lists, with the eight orientations as rotations of the
/// macro's box written out here.
fn oracle_hpwl(def: &str, lef: &str) -> f64 {
    use std::collections::HashMap;
    let mut size: HashMap<&str, (f64, f64)> = HashMap::new();
    let mut pin_at: HashMap<(&str, &str), (f64, f64)> = HashMap::new();
    let (mut mac, mut pin) = ("", "");
    let mut bbox: Option<(f64, f64, f64, f64)> = None;
    for line in lef.lines() {
        let w: Vec<&str> = line.split_whitespace().collect();
        match w.as_slice() {
            ["MACRO", m] => mac = m,
            ["SIZE", x, "BY", y, ";"] => {
                size.insert(mac, (x.parse().unwrap(), y.parse().unwrap()));
            }
            ["PIN", p] => {
                pin = p;
                bbox = None;
            }
            ["RECT", a, b, c, d, ";"] if !pin.is_empty() => {
                let v: Vec<f64> = [a, b, c, d].iter().map(|s| s.parse().unwrap()).collect();
                bbox = Some(match bbox {
                    None => (
                        v[0].min(v[2]),
                        v[1].min(v[3]),
                        v[0].max(v[2]),
                        v[1].max(v[3]),
                    ),
                    Some(o) => (o.0.min(v[0]), o.1.min(v[1]), o.2.max(v[2]), o.3.max(v[3])),
                });
            }
            ["END", p] if *p == pin => {
                if let Some(b) = bbox {
                    pin_at.insert((mac, pin), (0.5 * (b.0 + b.2), 0.5 * (b.1 + b.3)));
                }
                pin = "";
            }
            ["OBS"] => pin = "",
            _ => {}
        }
    }
    let dbu = 2000.0;
    let mut comp: HashMap<&str, (&str, f64, f64, &str)> = HashMap::new();
    let mut io: HashMap<&str, (f64, f64)> = HashMap::new();
    let mut section = "";
    let mut last_pin = "";
    let mut total = 0.0;
    for line in def.lines() {
        let w: Vec<&str> = line.split_whitespace().collect();
        if let Some(&first) = w.first()
            && ["COMPONENTS", "PINS", "NETS"].contains(&first)
        {
            section = first;
            continue;
        }
        match (section, w.as_slice()) {
            (
                "COMPONENTS",
                [
                    "-",
                    name,
                    model,
                    "+",
                    "PLACED" | "FIXED",
                    "(",
                    x,
                    y,
                    ")",
                    o,
                    ";",
                ],
            ) => {
                comp.insert(name, (model, x.parse().unwrap(), y.parse().unwrap(), o));
            }
            ("PINS", ["-", name, ..]) => last_pin = name,
            ("PINS", ["+", "FIXED" | "PLACED", "(", x, y, ")", _, ";"]) => {
                io.insert(last_pin, (x.parse().unwrap(), y.parse().unwrap()));
            }
            ("NETS", ["-", _, rest @ ..]) => {
                let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
                let mut k = 0;
                let mut n = 0;
                while k + 3 < rest.len() && rest[k] == "(" {
                    let (a, b) = (rest[k + 1], rest[k + 2]);
                    let (x, y) = if a == "PIN" {
                        let p = io[b];
                        (p.0 / dbu, p.1 / dbu)
                    } else {
                        let (model, lx, ly, o) = comp[a];
                        let (w, h) = size[model];
                        let (px, py) = pin_at
                            .get(&(model, b))
                            .copied()
                            .unwrap_or((0.5 * w, 0.5 * h));
                        // The pin in the placed box, measured from its lower-left corner.
                        let (rx, ry) = match o {
                            "N" => (px, py),
                            "S" => (w - px, h - py),
                            "FN" => (w - px, py),
                            "FS" => (px, h - py),
                            "E" => (py, w - px),
                            "W" => (h - py, px),
                            "FE" => (py, px),
                            "FW" => (h - py, w - px),
                            other => panic!("orientation {other}"),
                        };
                        (lx / dbu + rx, ly / dbu + ry)
                    };
                    x0 = x0.min(x);
                    y0 = y0.min(y);
                    x1 = x1.max(x);
                    y1 = y1.max(y);
                    k += 4;
                    n += 1;
                }
                if n >= 2 {
                    total += (x1 - x0) + (y1 - y0);
                }
            }
            _ => {}
        }
    }
    total
}

#[test]
fn ct_ariane_reads_with_the_published_counts_and_the_oracles_hpwl() {
    let (def, lef) = (
        bench("lefdef/ct_ariane/ariane.def.gz"),
        bench("lefdef/ct_ariane/ariane.lef"),
    );
    let d = read(&def, &lef);
    let nl = &d.netlist;
    assert_eq!(nl.num_nodes() - nl.count_kind(NodeKind::Port), 82_954);
    assert_eq!(nl.count_kind(NodeKind::HardMacro), 133);
    assert_eq!(nl.count_kind(NodeKind::Port), 1_231);
    assert_eq!(nl.num_nets(), 85_193);
    let def_text = {
        use std::io::Read;
        let mut s = String::new();
        flate2::read::GzDecoder::new(std::fs::File::open(&def).unwrap())
            .read_to_string(&mut s)
            .unwrap();
        s
    };
    let oracle = oracle_hpwl(&def_text, &std::fs::read_to_string(&lef).unwrap());
    let ours = placer::cost::hpwl::geometric_hpwl(nl, &d.placement);
    assert!(
        (ours - oracle).abs() <= 1e-9 * oracle,
        "ours {ours}, oracle {oracle}"
    );
}

/// Writes `d` as a fresh DEF + LEF and reads the pair back.
fn fresh_round_trip(d: &netlists::Design, dir: &Path, name: &str) -> netlists::Design {
    let (def, lef) = (
        dir.join(format!("{name}.def")),
        dir.join(format!("{name}.lef")),
    );
    netlists::lefdef::write_fresh_def(&def, &lef, &d.netlist, &d.placement)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    read(&def, &lef)
}

#[test]
fn fresh_def_and_lef_from_ct_bookshelf_and_def_read_back_as_the_same_design() {
    let dir = tempfile::tempdir().unwrap();
    // CT ariane133 (hard and soft macros, ports) through the command a user runs.
    let a = support::ariane133();
    let out = dir.path().join("ct2def");
    let printed = macroplace()
        .arg("convert")
        .arg(bench("ct/ariane133_ng45/netlist.pb.txt.gz"))
        .arg("--plc")
        .arg(bench("ct/ariane133_ng45/initial.plc"))
        .args(["--to", "def", "--out"])
        .arg(&out)
        .run_ok();
    assert!(printed.contains("ariane133_ng45.lef"), "{printed}");
    let b = read(
        &out.join("ariane133_ng45.def"),
        &out.join("ariane133_ng45.lef"),
    );
    support::same_design_by_name(&a, &b, 1e-4).unwrap();
    assert_eq!(
        b.netlist.count_kind(NodeKind::SoftMacro),
        a.netlist.count_kind(NodeKind::SoftMacro)
    );
    let (ha, hb) = (
        placer::cost::hpwl::geometric_hpwl(&a.netlist, &a.placement),
        placer::cost::hpwl::geometric_hpwl(&b.netlist, &b.placement),
    );
    assert!(support::rel_close(hb, ha, 1e-8), "{ha} vs {hb}");
    // Bookshelf ibm01: rows become DEF rows on LEF sites, terminals fixed components.
    let ibm = support::read("bookshelf/ibm01_ms/ibm01.aux", None);
    let back = fresh_round_trip(&ibm, dir.path(), "ibm01");
    support::same_design_by_name(&ibm, &back, 1e-9).unwrap();
    // A DEF (the hand-made one: an E block, a blockage, a weighted net) written fresh.
    let (def, lef) = write(dir.path(), DEF, LEF);
    let tiny = read(&def, &lef);
    let back = fresh_round_trip(&tiny, dir.path(), "tiny-fresh");
    support::same_design_by_name(&tiny, &back, 1e-9).unwrap();
    assert_eq!(back.netlist.floorplan().blockages.len(), 1);
    // Moved nodes come back where they were put.
    let mut moved = a.clone();
    for i in 0..moved.placement.len() {
        if !moved.netlist.node_fixed()[i] {
            moved.placement.x[i] += 1.234_567;
            moved.placement.orient[i] = Orientation::FN;
        }
    }
    let back = fresh_round_trip(&moved, dir.path(), "moved");
    support::same_design_by_name(&moved, &back, 1e-4).unwrap();
}
