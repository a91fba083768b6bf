//! Unit tests on hand-made fixtures: golden models, the malformed-input corpus, parser fuzzing,
//! the graph view and write/read round trips. Real-benchmark tests live in the workspace's
//! `tests/integration.rs`.

use std::path::{Path, PathBuf};

use proptest::prelude::*;

use crate::bookshelf::{BookshelfOptions, read_bookshelf, write_bookshelf};
use crate::ct::{read_ct, write_ct};
use crate::graph::{GraphOptions, NetGraph};
use crate::model::{CtRole, Extra};
use crate::plc::write_plc;
use crate::{Error, NodeId, NodeKind, Orientation, PinDir, PinId};

pub(crate) const TOY_AUX: &str = "RowBasedPlacement : t.nodes t.nets t.wts t.pl t.scl\n";
pub(crate) const TOY_NODES: &str = "UCLA nodes 1.0\n# comment\n\nNumNodes : 4\nNumTerminals : 1\n\ta 2 4\n\tb 2 4\n\tm 10 20\n\tp 1 1 terminal\n";
pub(crate) const TOY_NETS: &str = "UCLA nets 1.0\n\nNumNets : 2\nNumPins : 5\nNetDegree : 3 n0\n\ta O : 0.5 1\n\tb I : -0.5 0\n\tm I : 2 -3\nNetDegree : 2\n\tm O\n\tp I\n";
pub(crate) const TOY_WTS: &str = "UCLA wts 1.0\n\nn0 2\n";
pub(crate) const TOY_PL: &str =
    "UCLA pl 1.0\n\na 0 0 : N\nb 4 0 : FS\nm 10 4 : E\np 0 30 : N /FIXED\n";
pub(crate) const TOY_SCL: &str = "UCLA scl 1.0\n\nNumRows : 2\n\nCoreRow Horizontal\n Coordinate : 0\n Height : 4\n Sitewidth : 1\n Sitespacing : 1\n Siteorient : N\n Sitesymmetry : Y\n SubrowOrigin : 0 NumSites : 40\nEnd\nCoreRow Horizontal\n Coordinate : 4\n Height : 4\n Sitewidth : 1\n Sitespacing : 1\n Siteorient : FS\n Sitesymmetry : Y\n SubrowOrigin : 0 Numsites : 40\nEnd\n";

/// Writes the toy Bookshelf design into `dir`, replacing the files named in `over`.
fn write_toy_bookshelf(dir: &Path, over: &[(&str, &[u8])]) -> PathBuf {
    let files: [(&str, &[u8]); 6] = [
        ("t.aux", TOY_AUX.as_bytes()),
        ("t.nodes", TOY_NODES.as_bytes()),
        ("t.nets", TOY_NETS.as_bytes()),
        ("t.wts", TOY_WTS.as_bytes()),
        ("t.pl", TOY_PL.as_bytes()),
        ("t.scl", TOY_SCL.as_bytes()),
    ];
    for (name, content) in files {
        let c = over
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(content, |o| o.1);
        std::fs::write(dir.join(name), c).unwrap();
    }
    dir.join("t.aux")
}

fn ct_node(name: &str, inputs: &[&str], attrs: &[(&str, &str)]) -> String {
    let mut s = format!("node {{\n  name: \"{name}\"\n");
    for i in inputs {
        s += &format!("  input: \"{i}\"\n");
    }
    for (k, v) in attrs {
        let val = if v.parse::<f64>().is_ok() {
            format!("f: {v}")
        } else {
            format!("placeholder: \"{v}\"")
        };
        s += &format!("  attr {{\n    key: \"{k}\"\n    value {{\n      {val}\n    }}\n  }}\n");
    }
    s + "}\n"
}

/// A small clustered CT netlist: a port, a hard macro with two pins, a soft macro with one pin.
pub(crate) fn toy_ct() -> String {
    let mut s = String::from(
        "# toy\nnode {\n  name: \"__metadata__\"\n  attr {\n    key: \"soft_macro_area_bloating_ratio\"\n    value {\n      f: 2.0\n    }\n  }\n}\n",
    );
    s += &ct_node(
        "P0",
        &["M0/A", "Grp_1/Pin"],
        &[("type", "PORT"), ("side", "LEFT"), ("x", "0"), ("y", "50")],
    );
    s += &ct_node(
        "M0",
        &[],
        &[
            ("type", "MACRO"),
            ("width", "20"),
            ("height", "10"),
            ("x", "30"),
            ("y", "40"),
            ("orientation", "S"),
        ],
    );
    s += &ct_node(
        "M0/A",
        &[],
        &[
            ("type", "MACRO_PIN"),
            ("macro_name", "M0"),
            ("x_offset", "-5"),
            ("y_offset", "2"),
        ],
    );
    s += &ct_node(
        "M0/Z",
        &["Grp_1/Pin", "P0"],
        &[
            ("type", "macro_pin"),
            ("macro_name", "M0"),
            ("x_offset", "4"),
            ("y_offset", "-1"),
            ("weight", "3"),
        ],
    );
    s += &ct_node(
        "Grp_1",
        &[],
        &[
            ("type", "macro"),
            ("width", "8"),
            ("height", "8"),
            ("x", "70"),
            ("y", "70"),
        ],
    );
    s += &ct_node(
        "Grp_1/Pin",
        &[],
        &[
            ("type", "MACRO_PIN"),
            ("macro_name", "Grp_1"),
            ("x_offset", "0"),
            ("y_offset", "0"),
        ],
    );
    s
}

pub(crate) const TOY_PLC: &str = "# Placement file for Circuit Training\n# Columns : 4  Rows : 3\n# Width : 100  Height : 90\n# Routes per micron, hor : 10.5  ver : 11\n# Routes used by macros, hor : 5  ver : 6\n# Smoothing factor : 2\n# Overlap threshold : 0.004\n# Blockage : 0 0 10 10 1\n# Wirelength cost : 0.1234\n#\n# node_index x y orientation fixed\n0 0 45 - 1\n1 25 35 FN 0\n4 60 60 N 1\n";

#[test]
fn bookshelf_toy_golden_model() {
    let dir = tempfile::tempdir().unwrap();
    let aux = write_toy_bookshelf(dir.path(), &[]);
    let d = read_bookshelf(&aux, &BookshelfOptions::default()).unwrap();
    let n = &d.netlist;
    assert_eq!(n.design(), "t");
    assert_eq!(n.node_name(), ["a", "b", "m", "p"]);
    assert_eq!(
        n.node_kind(),
        [
            NodeKind::StdCell,
            NodeKind::StdCell,
            NodeKind::HardMacro,
            NodeKind::Port
        ]
    );
    assert_eq!(n.node_fixed(), [false, false, false, true]);
    assert_eq!(
        n.node_orient(),
        [
            Orientation::N,
            Orientation::FS,
            Orientation::E,
            Orientation::N
        ]
    );
    assert_eq!(n.net_name(), ["n0", "n1"]);
    assert_eq!(n.net_weight(), [2.0, 1.0]);
    assert_eq!(n.net_pin_start(), [0, 3, 5]);
    assert_eq!(
        (0..5)
            .map(|p| n.pin_net(PinId(p)).idx())
            .collect::<Vec<_>>(),
        [0, 0, 0, 1, 1]
    );
    assert_eq!(
        n.pin_node(),
        [NodeId(0), NodeId(1), NodeId(2), NodeId(2), NodeId(3)]
    );
    assert_eq!(n.pin_dx(), [0.5, -0.5, 2.0, 0.0, 0.0]);
    assert_eq!(n.pin_dy(), [1.0, 0.0, -3.0, 0.0, 0.0]);
    assert_eq!(
        n.pin_dir(),
        [
            PinDir::Output,
            PinDir::Input,
            PinDir::Input,
            PinDir::Output,
            PinDir::Input
        ]
    );
    assert_eq!(n.node_pin_start(), [0, 1, 2, 4, 5]);
    assert_eq!(
        n.node_pins().iter().map(|p| p.0).collect::<Vec<_>>(),
        [0, 1, 2, 3, 4]
    );
    assert_eq!(n.pin_net(crate::PinId(3)).0, 1);
    let fp = n.floorplan();
    assert_eq!(
        (fp.x_min, fp.y_min, fp.width, fp.height),
        (0.0, 0.0, 40.0, 8.0)
    );
    assert_eq!(fp.rows.len(), 2);
    // Centres: lower-left + half the oriented footprint; E turns m's 10x20 into 20x10.
    assert_eq!(d.placement.x, [1.0, 5.0, 20.0, 0.5]);
    assert_eq!(d.placement.y, [2.0, 2.0, 9.0, 30.5]);
    // Source lines are kept for nodes and nets.
    let src = n.source();
    assert_eq!(src.node[2].line, 8);
    assert!(src.files[src.node[2].file as usize].ends_with("t.nodes"));
    assert_eq!(src.net[1].line, 9);
    // A lower threshold makes the std cells (height 4) macros too.
    let d2 = read_bookshelf(
        &aux,
        &BookshelfOptions {
            macro_min_height: Some(3.0),
        },
    )
    .unwrap();
    assert_eq!(d2.netlist.count_kind(NodeKind::HardMacro), 3);
}

#[test]
fn ct_toy_golden_model_with_plc() {
    let dir = tempfile::tempdir().unwrap();
    let nl = dir.path().join("netlist.pb.txt");
    std::fs::write(&nl, toy_ct()).unwrap();
    let plc = dir.path().join("toy.plc");
    std::fs::write(&plc, TOY_PLC).unwrap();
    let d = read_ct(&nl, Some(&plc)).unwrap();
    let n = &d.netlist;
    assert_eq!(n.node_name(), ["P0", "M0", "Grp_1"]);
    assert_eq!(
        n.node_kind(),
        [NodeKind::Port, NodeKind::HardMacro, NodeKind::SoftMacro]
    );
    // Fixed flags and orientations come from the .plc.
    assert_eq!(n.node_fixed(), [true, false, true]);
    assert_eq!(
        n.node_orient(),
        [Orientation::N, Orientation::FN, Orientation::N]
    );
    // Nets in driver order, driver first: P0 -> {M0/A, Grp_1/Pin}; M0/Z -> {Grp_1/Pin, P0}.
    assert_eq!(n.net_name(), ["P0", "M0/Z"]);
    assert_eq!(n.net_weight(), [1.0, 3.0]);
    assert_eq!(n.net_pin_start(), [0, 3, 6]);
    assert_eq!(
        n.pin_node().iter().map(|x| x.0).collect::<Vec<_>>(),
        [0, 1, 2, 1, 2, 0]
    );
    assert_eq!(n.pin_dx(), [0.0, -5.0, 0.0, 4.0, 0.0, 0.0]);
    assert_eq!(n.pin_dy(), [0.0, 2.0, 0.0, -1.0, 0.0, 0.0]);
    assert_eq!(n.pin_dir()[0], PinDir::Output);
    assert_eq!(n.pin_dir()[1], PinDir::Input);
    let fp = n.floorplan();
    assert_eq!((fp.width, fp.height, fp.grid), (100.0, 90.0, Some((4, 3))));
    let r = fp.routing.unwrap();
    assert_eq!(
        (
            r.h_routes_per_um,
            r.v_routes_per_um,
            r.h_macro_alloc,
            r.v_macro_alloc
        ),
        (10.5, 11.0, 5.0, 6.0)
    );
    assert_eq!(
        (fp.smoothing, fp.overlap_threshold),
        (Some(2.0), Some(0.004))
    );
    assert_eq!(fp.blockages.len(), 1);
    assert_eq!(
        fp.plc_metadata,
        [("Wirelength cost".to_string(), "0.1234".to_string())]
    );
    // Positions: .plc overrides the netlist's.
    assert_eq!(d.placement.x, [0.0, 25.0, 60.0]);
    assert_eq!(d.placement.y, [45.0, 35.0, 60.0]);
    assert_eq!(d.placement.orient[1], Orientation::FN);
    // Pin position: M0 at (25, 35) FN, pin offset (-5, 2) -> (5, 2) -> (30, 37).
    assert_eq!(d.placement.pin_position(n, crate::PinId(1)), (30.0, 37.0));
    let Extra::Ct(ct) = n.extra() else {
        panic!("CT extra")
    };
    assert_eq!(ct.objects.len(), 6);
    assert_eq!(ct.node_object, [0, 1, 4]);
    assert_eq!(ct.pin_object, [0, 2, 5, 3, 5, 0]);
    assert!(
        matches!(ct.objects[3].role, CtRole::MacroPin { node: NodeId(1), dx, dy } if dx == 4.0 && dy == -1.0)
    );
    assert_eq!(ct.comments, [" toy"]);
    // Without a .plc: netlist positions and orientation, ports fixed, the default canvas.
    let d0 = read_ct(&nl, None).unwrap();
    assert_eq!(d0.placement.x, [0.0, 30.0, 70.0]);
    assert_eq!(d0.netlist.node_orient()[1], Orientation::S);
    assert_eq!(d0.netlist.node_fixed(), [true, false, false]);
    let side = ((200.0f64 + 64.0) / 0.6).sqrt();
    assert_eq!(d0.netlist.floorplan().width, side);
    assert_eq!(
        d0.netlist.floorplan().canvas_source,
        crate::CanvasSource::Default
    );
}

#[test]
fn fixtures_round_trip_through_writers() {
    let dir = tempfile::tempdir().unwrap();
    let aux = write_toy_bookshelf(dir.path(), &[]);
    let a = read_bookshelf(&aux, &BookshelfOptions::default()).unwrap();
    let out = dir.path().join("out");
    write_bookshelf(&out, "t", &a.netlist, &a.placement).unwrap();
    let b = read_bookshelf(&out.join("t.aux"), &BookshelfOptions::default()).unwrap();
    assert_eq!(a.netlist.model_diff(&b.netlist), None);
    assert_eq!(a.placement, b.placement);

    let nl = dir.path().join("netlist.pb.txt");
    std::fs::write(&nl, toy_ct()).unwrap();
    let plc = dir.path().join("toy.plc");
    std::fs::write(&plc, TOY_PLC).unwrap();
    let a = read_ct(&nl, Some(&plc)).unwrap();
    let ct_out = dir.path().join("ct");
    std::fs::create_dir_all(&ct_out).unwrap();
    write_ct(&ct_out.join("netlist.pb.txt"), &a.netlist, &a.placement).unwrap();
    write_plc(&ct_out.join("toy.plc"), &a.netlist, &a.placement, &[]).unwrap();
    let b = read_ct(
        &ct_out.join("netlist.pb.txt"),
        Some(&ct_out.join("toy.plc")),
    )
    .unwrap();
    assert_eq!(a.netlist.model_diff(&b.netlist), None);
    assert_eq!(a.placement, b.placement);
    // Only the renamed outputs remain: no temporary files left behind.
    let names: Vec<String> = std::fs::read_dir(&ct_out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn bookshelf_to_ct_and_back_keeps_connectivity() {
    let dir = tempfile::tempdir().unwrap();
    let aux = write_toy_bookshelf(dir.path(), &[]);
    let a = read_bookshelf(&aux, &BookshelfOptions::default()).unwrap();
    let nl = dir.path().join("netlist.pb.txt");
    write_ct(&nl, &a.netlist, &a.placement).unwrap();
    let plc = dir.path().join("t.plc");
    write_plc(&plc, &a.netlist, &a.placement, &[]).unwrap();
    let b = read_ct(&nl, Some(&plc)).unwrap();
    assert_eq!(b.netlist.num_nodes(), 4);
    assert_eq!(b.netlist.num_nets(), 2);
    assert_eq!(b.netlist.num_pins(), 5);
    assert_eq!(b.netlist.net_weight(), [2.0, 1.0]);
    // Same HPWL: pins at the same absolute places (std-cell offsets are lost in CT, so compare
    // the macro pin only).
    let m = a.netlist.node_by_name("m").unwrap();
    let mb = b.netlist.node_by_name("m").unwrap();
    assert_eq!(a.placement.x[m.idx()], b.placement.x[mb.idx()]);
    assert_eq!(b.netlist.floorplan().width, 40.0);
}

#[test]
fn graph_view_on_toy_design() {
    // Hand-computed: net P0 = {P0, M0, Grp_1}: clique weight 1/2 each; net M0/Z (w 3) =
    // {M0, Grp_1, P0}: 3/2 each. Edges: P0-M0 2, P0-Grp_1 2, M0-Grp_1 2.
    let dir = tempfile::tempdir().unwrap();
    let nl = dir.path().join("netlist.pb.txt");
    std::fs::write(&nl, toy_ct()).unwrap();
    let d = read_ct(&nl, None).unwrap();
    let g = NetGraph::build(&d.netlist, GraphOptions::default());
    assert_eq!(g.graph.node_count(), 3);
    assert_eq!(g.graph.edge_count(), 3);
    for e in g.graph.edge_indices() {
        assert_eq!(g.graph[e], 2.0);
    }
    // Star for large nets: with clique_max 2 the 3-node nets become stars from the first node:
    // P0-M0, P0-Grp_1 from net P0 (1/2 each), M0-Grp_1, M0-P0 from net M0/Z (3/2 each).
    let g = NetGraph::build(&d.netlist, GraphOptions { clique_max: 2 });
    let w = |a: &str, b: &str| {
        let ia = g.index_of[d.netlist.node_by_name(a).unwrap().idx()].unwrap();
        let ib = g.index_of[d.netlist.node_by_name(b).unwrap().idx()].unwrap();
        g.graph.find_edge(ia, ib).map(|e| g.graph[e])
    };
    assert_eq!(w("P0", "M0"), Some(2.0));
    assert_eq!(w("P0", "Grp_1"), Some(0.5));
    assert_eq!(w("M0", "Grp_1"), Some(1.5));
    // Bookshelf: std cells are not graph nodes; net n1 = {m, p}: one edge of weight 1.
    let aux = write_toy_bookshelf(dir.path(), &[]);
    let d = read_bookshelf(&aux, &BookshelfOptions::default()).unwrap();
    let g = NetGraph::build(&d.netlist, GraphOptions::default());
    assert_eq!(g.graph.node_count(), 2);
    assert_eq!(g.graph.edge_count(), 1);
    assert_eq!(g.graph.edge_weights().copied().collect::<Vec<_>>(), [1.0]);
}

// ---------------------------------------------------------------------------------------------
// Malformed inputs: each gives its error naming the right file and line.

struct Case {
    what: &'static str,
    file: &'static str,
    content: Vec<u8>,
    line: u32,
    needle: &'static str,
}

fn case(
    what: &'static str,
    file: &'static str,
    content: impl Into<Vec<u8>>,
    line: u32,
    needle: &'static str,
) -> Case {
    Case {
        what,
        file,
        content: content.into(),
        line,
        needle,
    }
}

fn check_error(c: &Case, err: Error) {
    let msg = err.to_string();
    match err.location() {
        Some(loc) => {
            let name = loc.path.file_name().unwrap().to_string_lossy();
            assert_eq!(name, c.file, "{}: wrong file in `{msg}`", c.what);
            assert_eq!(loc.line, c.line, "{}: wrong line in `{msg}`", c.what);
        }
        None => {
            // An I/O error (missing file) names the file but has no line.
            assert!(
                msg.contains(c.file),
                "{}: `{msg}` does not name {}",
                c.what,
                c.file
            );
            assert_eq!(c.line, 0, "{}: expected a line in `{msg}`", c.what);
        }
    }
    assert!(
        msg.contains(c.needle),
        "{}: `{msg}` lacks `{}`",
        c.what,
        c.needle
    );
    assert!(
        !msg.contains('\n'),
        "{}: error spans lines: `{msg}`",
        c.what
    );
}

#[test]
fn malformed_bookshelf_inputs_name_file_and_line() {
    let cases = vec![
        case(
            "node count",
            "t.nodes",
            TOY_NODES.replace("NumNodes : 4", "NumNodes : 5"),
            4,
            "expected 5 nodes as declared, found 4",
        ),
        case(
            "terminal count",
            "t.nodes",
            TOY_NODES.replace("NumTerminals : 1", "NumTerminals : 2"),
            5,
            "expected 2 terminals",
        ),
        case(
            "non-numeric width",
            "t.nodes",
            TOY_NODES.replace("b 2 4", "b two 4"),
            7,
            "expected a finite number of magnitude at most 1e12 for the node width, found `two`",
        ),
        case(
            "negative size",
            "t.nodes",
            TOY_NODES.replace("b 2 4", "b 2 -4"),
            7,
            "expected a size between 0 and 1e12",
        ),
        case(
            "NaN size",
            "t.nodes",
            TOY_NODES.replace("b 2 4", "b NaN 4"),
            7,
            "finite number",
        ),
        case(
            "duplicate node",
            "t.nodes",
            TOY_NODES.replace("\tb 2 4", "\ta 2 4"),
            7,
            "unique node name, found `a` again (first at line 6)",
        ),
        case(
            "bad terminal word",
            "t.nodes",
            TOY_NODES.replace("1 1 terminal", "1 1 termnal"),
            9,
            "expected `terminal`",
        ),
        case(
            "unknown node in net",
            "t.nets",
            TOY_NETS.replace("b I : -0.5 0", "zz I : -0.5 0"),
            7,
            "found `zz`",
        ),
        case(
            "net shorter than its degree",
            "t.nets",
            TOY_NETS.replace("NetDegree : 3 n0", "NetDegree : 4 n0"),
            5,
            "expected 4 pins for this net as declared, found 3",
        ),
        case(
            "bad pin direction",
            "t.nets",
            TOY_NETS.replace("b I :", "b X :"),
            7,
            "pin direction",
        ),
        case(
            "pin count",
            "t.nets",
            TOY_NETS.replace("NumPins : 5", "NumPins : 6"),
            4,
            "expected 6 pins as declared, found 5",
        ),
        case(
            "truncated nets file",
            "t.nets",
            TOY_NETS[..TOY_NETS.find("\tm O").unwrap()].to_string(),
            9,
            "expected 2 pins for this net",
        ),
        case(
            "pin offsets missing",
            "t.nets",
            TOY_NETS.replace("m I : 2 -3", "m I : 2"),
            8,
            "two pin offsets",
        ),
        case(
            "unknown node in pl",
            "t.pl",
            TOY_PL.replace("b 4 0", "q 4 0"),
            4,
            "found `q`",
        ),
        case(
            "bad orientation",
            "t.pl",
            TOY_PL.replace(": FS", ": Q"),
            4,
            "orientation",
        ),
        case(
            "non-numeric pl",
            "t.pl",
            TOY_PL.replace("m 10 4", "m 10 four"),
            5,
            "expected a finite number of magnitude at most 1e12 for y",
        ),
        case(
            "pl trailing junk",
            "t.pl",
            TOY_PL.replace("/FIXED", "/FIXED x"),
            6,
            "end of the line",
        ),
        case(
            "scl missing End",
            "t.scl",
            TOY_SCL[..TOY_SCL.rfind("End").unwrap()].to_string(),
            14,
            "expected `End`",
        ),
        case(
            "scl non-numeric height",
            "t.scl",
            TOY_SCL.replacen("Height : 4", "Height : tall", 1),
            7,
            "for Height",
        ),
        case(
            "scl row count",
            "t.scl",
            TOY_SCL.replace("NumRows : 2", "NumRows : 3"),
            3,
            "expected 3 rows",
        ),
        case("empty aux", "t.aux", "", 1, "found an empty file"),
        case(
            "aux without nets",
            "t.aux",
            "RowBasedPlacement : t.nodes t.pl t.scl\n",
            1,
            "expected a .nets file",
        ),
        case(
            "wts unknown name",
            "t.wts",
            TOY_WTS.replace("n0 2", "n9 2"),
            3,
            "node or net name, found `n9`",
        ),
        case(
            "binary garbage",
            "t.nodes",
            b"UCLA nodes 1.0\n\xff\xfe\x00garbage\n".to_vec(),
            2,
            "UTF-8",
        ),
        case("empty nodes file", "t.nodes", "", 1, "found an empty file"),
        case(
            "empty nets file",
            "t.nets",
            "\n\n",
            1,
            "found an empty file",
        ),
    ];
    assert!(cases.len() >= 20);
    for c in &cases {
        let dir = tempfile::tempdir().unwrap();
        let aux = write_toy_bookshelf(dir.path(), &[(c.file, &c.content)]);
        let err = read_bookshelf(&aux, &BookshelfOptions::default())
            .err()
            .unwrap_or_else(|| panic!("{}: no error", c.what));
        check_error(c, err);
    }
}

#[test]
fn missing_bookshelf_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let aux = write_toy_bookshelf(dir.path(), &[]);
    std::fs::remove_file(dir.path().join("t.nets")).unwrap();
    let err = read_bookshelf(&aux, &BookshelfOptions::default()).unwrap_err();
    check_error(&case("missing nets", "t.nets", "", 0, "no such file"), err);
}

#[test]
fn gzipped_inputs_are_read_transparently() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let aux = write_toy_bookshelf(dir.path(), &[]);
    // Replace t.nets by t.nets.gz only: the .aux still says t.nets.
    let nets = std::fs::read(dir.path().join("t.nets")).unwrap();
    std::fs::remove_file(dir.path().join("t.nets")).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&nets).unwrap();
    std::fs::write(dir.path().join("t.nets.gz"), gz.finish().unwrap()).unwrap();
    let d = read_bookshelf(&aux, &BookshelfOptions::default()).unwrap();
    assert_eq!(d.netlist.num_pins(), 5);
    // A corrupt gzip stream is an error naming the file, not a panic.
    std::fs::write(dir.path().join("t.nets.gz"), [0x1f, 0x8b, 8, 0, 1, 2, 3]).unwrap();
    let err = read_bookshelf(&aux, &BookshelfOptions::default()).unwrap_err();
    assert!(err.to_string().contains("t.nets.gz"), "{err}");
}

#[test]
fn malformed_ct_inputs_name_file_and_line() {
    let good = toy_ct();
    let line_of =
        |needle: &str| 1 + good[..good.find(needle).unwrap()].matches('\n').count() as u32;
    let cases = vec![
        case("empty file", "netlist.pb.txt", "", 1, "at least one `node"),
        case(
            "truncated",
            "netlist.pb.txt",
            good[..good.len() - 40].to_string(),
            good[..good.len() - 40].matches('\n').count() as u32 + 1,
            "the end of the file",
        ),
        case(
            "unknown sink",
            "netlist.pb.txt",
            good.replace("input: \"M0/A\"", "input: \"M9/A\""),
            line_of("input: \"M0/A\""),
            "unknown `M9/A`",
        ),
        case(
            "non-numeric number",
            "netlist.pb.txt",
            good.replace("f: 20", "f: twenty"),
            line_of("f: 20"),
            "found `twenty`",
        ),
        case(
            "NaN width",
            "netlist.pb.txt",
            good.replace("f: 20", "f: nan"),
            line_of("f: 20"),
            "finite number",
        ),
        case(
            "negative width",
            "netlist.pb.txt",
            good.replace("f: 20", "f: -20"),
            line_of("name: \"M0\""),
            "expected a size between 0 and 1e12",
        ),
        case(
            "duplicate name",
            "netlist.pb.txt",
            good.replace("name: \"Grp_1\"", "name: \"M0\""),
            line_of("name: \"Grp_1\""),
            "unique node name",
        ),
        case(
            "unknown type",
            "netlist.pb.txt",
            good.replace("placeholder: \"PORT\"", "placeholder: \"PROT\""),
            line_of("key: \"type\""),
            "found `PROT`",
        ),
        case(
            "pin of unknown macro",
            "netlist.pb.txt",
            good.replace("placeholder: \"M0\"", "placeholder: \"M7\""),
            line_of("key: \"macro_name\""),
            "unknown `M7`",
        ),
        case(
            "binary garbage",
            "netlist.pb.txt",
            b"node {\n  name: \"a\"\n\x01\x02\n}\n".to_vec(),
            3,
            "byte 0x01",
        ),
        case(
            "missing name",
            "netlist.pb.txt",
            "node {\n  attr {\n    key: \"type\"\n    value {\n      placeholder: \"PORT\"\n    }\n  }\n}\n",
            1,
            "expected a `name`",
        ),
        case(
            "unterminated string",
            "netlist.pb.txt",
            "node {\n  name: \"abc\n}\n",
            2,
            "closing `\"`",
        ),
        case(
            "macro without size",
            "netlist.pb.txt",
            good.replace(
                "    key: \"width\"\n    value {\n      f: 20\n    }\n  }\n  attr {\n",
                "",
            ),
            line_of("name: \"M0\""),
            "no width",
        ),
    ];
    for c in &cases {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(c.file);
        std::fs::write(&p, &c.content).unwrap();
        let err = read_ct(&p, None)
            .err()
            .unwrap_or_else(|| panic!("{}: no error", c.what));
        check_error(c, err);
    }
}

#[test]
fn malformed_plc_inputs_name_file_and_line() {
    let cases = vec![
        case(
            "index out of range",
            "p.plc",
            TOY_PLC.replace("4 60 60 N 1", "40 60 60 N 1"),
            14,
            "node index below 6, found 40",
        ),
        case(
            "index of a pin",
            "p.plc",
            TOY_PLC.replace("4 60 60 N 1", "2 60 60 N 1"),
            14,
            "MACRO_PIN `M0/A`",
        ),
        case(
            "non-numeric x",
            "p.plc",
            TOY_PLC.replace("1 25 35", "1 x25 35"),
            13,
            "found `x25`",
        ),
        case(
            "field count",
            "p.plc",
            TOY_PLC.replace("1 25 35 FN 0", "1 25 35 FN"),
            13,
            "found 4 fields",
        ),
        case(
            "bad fixed flag",
            "p.plc",
            TOY_PLC.replace("1 25 35 FN 0", "1 25 35 FN 2"),
            13,
            "0 or 1",
        ),
        case(
            "bad grid",
            "p.plc",
            TOY_PLC.replace("Columns : 4", "Columns : 0"),
            2,
            "positive integer grid",
        ),
        case(
            "bad canvas",
            "p.plc",
            TOY_PLC.replace("Width : 100", "Width : wide"),
            3,
            "found `wide`",
        ),
        case(
            "negative index",
            "p.plc",
            TOY_PLC.replace("1 25 35 FN 0", "-1 25 35 FN 0"),
            13,
            "non-negative integer",
        ),
    ];
    for c in &cases {
        let dir = tempfile::tempdir().unwrap();
        let nl = dir.path().join("netlist.pb.txt");
        std::fs::write(&nl, toy_ct()).unwrap();
        let p = dir.path().join(c.file);
        std::fs::write(&p, &c.content).unwrap();
        let err = read_ct(&nl, Some(&p))
            .err()
            .unwrap_or_else(|| panic!("{}: no error", c.what));
        check_error(c, err);
    }
}

// ---------------------------------------------------------------------------------------------
// Fuzzing: random and mutated bytes never panic any parser.

/// `base` with byte edits (set, insert, remove, truncate), for the fuzz tests of every reader.
pub(crate) fn mutate(base: &[u8], edits: &[(usize, u8, u8)]) -> Vec<u8> {
    let mut v = base.to_vec();
    for &(pos, op, byte) in edits {
        if v.is_empty() {
            v.push(byte);
            continue;
        }
        let i = pos % v.len();
        match op % 4 {
            0 => v[i] = byte,
            1 => v.insert(i, byte),
            2 => {
                v.remove(i);
            }
            _ => v.truncate(i),
        }
    }
    v
}

fn fuzz_bookshelf(file: &str, bytes: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    let aux = write_toy_bookshelf(dir.path(), &[(file, bytes)]);
    let _ = read_bookshelf(&aux, &BookshelfOptions::default());
}

fn fuzz_ct(netlist: &[u8], plc: Option<&[u8]>) {
    let dir = tempfile::tempdir().unwrap();
    let nl = dir.path().join("netlist.pb.txt");
    std::fs::write(&nl, netlist).unwrap();
    let p = dir.path().join("p.plc");
    if let Some(b) = plc {
        std::fs::write(&p, b).unwrap();
    }
    let _ = read_ct(&nl, plc.map(|_| p.as_path()));
}

const BOOKSHELF_FILES: [(&str, &str); 6] = [
    ("t.aux", TOY_AUX),
    ("t.nodes", TOY_NODES),
    ("t.nets", TOY_NETS),
    ("t.wts", TOY_WTS),
    ("t.pl", TOY_PL),
    ("t.scl", TOY_SCL),
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn bookshelf_parsers_never_panic_on_mutations(which in 0usize..6, edits in prop::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..8)) {
        let (file, base) = BOOKSHELF_FILES[which];
        fuzz_bookshelf(file, &mutate(base.as_bytes(), &edits));
    }

    #[test]
    fn bookshelf_parsers_never_panic_on_random_bytes(which in 0usize..6, bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        fuzz_bookshelf(BOOKSHELF_FILES[which].0, &bytes);
    }

    #[test]
    fn ct_parser_never_panics_on_mutations(edits in prop::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..8)) {
        fuzz_ct(&mutate(toy_ct().as_bytes(), &edits), None);
    }

    #[test]
    fn ct_parser_never_panics_on_random_bytes(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        fuzz_ct(&bytes, None);
    }

    #[test]
    fn plc_parser_never_panics_on_mutations(edits in prop::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..8)) {
        fuzz_ct(toy_ct().as_bytes(), Some(&mutate(TOY_PLC.as_bytes(), &edits)));
    }

    #[test]
    fn plc_parser_never_panics_on_random_bytes(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        fuzz_ct(toy_ct().as_bytes(), Some(&bytes));
    }

    #[test]
    fn ct_parser_never_panics_on_token_soup(toks in prop::collection::vec(prop::sample::select(vec!["node", "{", "}", "name", ":", "\"a\"", "\"b\"", "input", "attr", "key", "value", "f", "1.5", "placeholder", "\"MACRO\"", "\"type\"", "\"macro_name\"", "\n", "#c\n", "-", "i", "nan"]), 0..60)) {
        fuzz_ct(toks.join(" ").as_bytes(), None);
    }
}

// Orientation algebra used by pin positions: rotate is a bijection with the documented table.
#[test]
fn orientation_rotation_table() {
    let (ox, oy) = (3.0, 5.0);
    let expect = [
        (Orientation::N, (3.0, 5.0)),
        (Orientation::FN, (-3.0, 5.0)),
        (Orientation::S, (-3.0, -5.0)),
        (Orientation::FS, (3.0, -5.0)),
        (Orientation::E, (5.0, -3.0)),
        (Orientation::FE, (-5.0, -3.0)),
        (Orientation::W, (-5.0, 3.0)),
        (Orientation::FW, (5.0, 3.0)),
    ];
    for (o, r) in expect {
        assert_eq!(o.rotate(ox, oy), r, "{o:?}");
        assert_eq!(Orientation::parse(o.as_str()), Some(o));
    }
}

#[test]
fn generated_designs_are_valid_deterministic_and_round_trip_through_ct_files() {
    use crate::generate::{GenerateOptions, generate};
    let opts = GenerateOptions {
        name: "gen".into(),
        macros: 20,
        clusters: 120,
        seed: 5,
        ..GenerateOptions::default()
    };
    let (nl, pl) = generate(&opts).unwrap();
    let (nl2, pl2) = generate(&opts).unwrap();
    assert!(nl.model_diff(&nl2).is_none());
    assert_eq!(pl.x, pl2.x);
    let (other, _) = generate(&GenerateOptions {
        seed: 6,
        ..opts.clone()
    })
    .unwrap();
    assert!(
        nl.model_diff(&other).is_some(),
        "another seed, another design"
    );
    assert_eq!(nl.count_kind(NodeKind::HardMacro), 20);
    assert_eq!(nl.count_kind(NodeKind::SoftMacro), 120);
    assert_eq!(nl.count_kind(NodeKind::Port), 46);
    let fp = nl.floorplan();
    let util = nl.area_of_kind(NodeKind::HardMacro) / fp.area();
    assert!((util - 0.45).abs() < 0.05, "hard-macro utilization {util}");
    // Every non-port node on a net; degrees 2..=20; ports on the boundary; pins on macro edges.
    let mut on_net = vec![false; nl.num_nodes()];
    for net in nl.nets() {
        let pins = nl.net_pins(net);
        assert!((2..=20).contains(&pins.len()), "degree {}", pins.len());
        for p in pins {
            let n = nl.pin_node()[p].idx();
            on_net[n] = true;
            if nl.node_kind()[n] == NodeKind::HardMacro {
                let (dx, dy) = (nl.pin_dx()[p].abs(), nl.pin_dy()[p].abs());
                let (hw, hh) = (nl.node_width()[n] / 2.0, nl.node_height()[n] / 2.0);
                assert!(
                    (dx - hw).abs() < 1e-9 || (dy - hh).abs() < 1e-9,
                    "pin not on the edge"
                );
            }
        }
    }
    for (n, &on) in on_net.iter().enumerate() {
        if nl.node_kind()[n] == NodeKind::Port {
            let (x, y) = (pl.x[n], pl.y[n]);
            assert!(
                x == 0.0 || y == 0.0 || x == fp.width || y == fp.height,
                "port at {x},{y}"
            );
        } else {
            assert!(on, "{} has no net", nl.node_name()[n]);
        }
    }
    // Written as CT files and read back: the same model and placement.
    let dir = tempfile::tempdir().unwrap();
    let (nf, pf) = (
        dir.path().join("netlist.pb.txt"),
        dir.path().join("gen.plc"),
    );
    write_ct(&nf, &nl, &pl).unwrap();
    write_plc(&pf, &nl, &pl, &[]).unwrap();
    let d = crate::read_design(
        &nf,
        &crate::ReadOptions {
            plc: Some(pf),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(d.netlist.count_kind(NodeKind::SoftMacro), 120);
    assert_eq!(d.netlist.num_nets(), nl.num_nets());
    assert_eq!(d.netlist.num_pins(), nl.num_pins());
    assert_eq!(d.netlist.floorplan().grid, fp.grid);
    for n in 0..nl.num_nodes() {
        let m = d.netlist.node_by_name(&nl.node_name()[n]).unwrap().idx();
        assert_eq!((d.placement.x[m], d.placement.y[m]), (pl.x[n], pl.y[n]));
    }
    // Bad settings are errors, not panics.
    assert!(
        generate(&GenerateOptions {
            macros: 0,
            clusters: 0,
            ..opts.clone()
        })
        .is_err()
    );
    assert!(
        generate(&GenerateOptions {
            total_util: 0.3,
            ..opts
        })
        .is_err()
    );
}
