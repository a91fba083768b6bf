//! Hostile input: a corpus of malformed files (Circuit Training netlists, `.plc` bodies and
//! headers, Bookshelf files) and bad option values, each run through the real binary. Every
//! case must end with exit status 2, exactly one line on stderr naming the file (and line) or
//! the flag, no panic, and no output folder (nor a staging folder) left behind.
//!
//! The fixtures are tiny hand-made designs written here; each case changes one thing.

mod support;

use std::path::{Path, PathBuf};

use support::{Run, macroplace};

/// A small Circuit Training netlist: two ports, two macros with a pin each, two std cells.
/// Every number is distinct so that a case can replace exactly one.
const CT: &str = r#"# a tiny hand-made design
node {
  name: "P0"
  input: "C0"
  attr { key: "type" value { placeholder: "PORT" } }
  attr { key: "side" value { placeholder: "LEFT" } }
  attr { key: "x" value { f: 0 } }
  attr { key: "y" value { f: 60.125 } }
}
node {
  name: "P1"
  attr { key: "type" value { placeholder: "PORT" } }
  attr { key: "side" value { placeholder: "RIGHT" } }
  attr { key: "x" value { f: 200 } }
  attr { key: "y" value { f: 140.125 } }
}
node {
  name: "M0"
  attr { key: "type" value { placeholder: "MACRO" } }
  attr { key: "width" value { f: 40.5 } }
  attr { key: "height" value { f: 30.5 } }
  attr { key: "x" value { f: 50.25 } }
  attr { key: "y" value { f: 50.75 } }
  attr { key: "orientation" value { placeholder: "N" } }
}
node {
  name: "M0/p"
  input: "C1"
  attr { key: "type" value { placeholder: "MACRO_PIN" } }
  attr { key: "macro_name" value { placeholder: "M0" } }
  attr { key: "x_offset" value { f: 1.75 } }
  attr { key: "y_offset" value { f: -2.25 } }
  attr { key: "x" value { f: 52 } }
  attr { key: "y" value { f: 48.5 } }
  attr { key: "weight" value { f: 3 } }
}
node {
  name: "M1"
  attr { key: "type" value { placeholder: "MACRO" } }
  attr { key: "width" value { f: 41.5 } }
  attr { key: "height" value { f: 31.5 } }
  attr { key: "x" value { f: 140.25 } }
  attr { key: "y" value { f: 130.75 } }
  attr { key: "orientation" value { placeholder: "N" } }
}
node {
  name: "M1/p"
  input: "P1"
  attr { key: "type" value { placeholder: "MACRO_PIN" } }
  attr { key: "macro_name" value { placeholder: "M1" } }
  attr { key: "x_offset" value { f: 0.5 } }
  attr { key: "y_offset" value { f: 0.25 } }
  attr { key: "x" value { f: 140.75 } }
  attr { key: "y" value { f: 131 } }
}
node {
  name: "C0"
  input: "M0/p"
  attr { key: "type" value { placeholder: "STDCELL" } }
  attr { key: "width" value { f: 1.125 } }
  attr { key: "height" value { f: 1.4 } }
  attr { key: "x" value { f: 100.5 } }
  attr { key: "y" value { f: 99.5 } }
}
node {
  name: "C1"
  input: "M1/p"
  attr { key: "type" value { placeholder: "STDCELL" } }
  attr { key: "width" value { f: 2.125 } }
  attr { key: "height" value { f: 1.4 } }
  attr { key: "x" value { f: 110.5 } }
  attr { key: "y" value { f: 90.5 } }
}
"#;

/// Its placement: header and one line per port and macro (CT indices: P0 0, P1 1, M0 2,
/// M0/p 3, M1 4, M1/p 5, C0 6, C1 7).
const PLC: &str = "# Placement file for Circuit Training
# Columns : 4  Rows : 3
# Width : 200  Height : 180
# Routes per micron, hor : 11.5  ver : 12.5
# Routes used by macros, hor : 4.5  ver : 5.5
# Smoothing factor : 1
# Overlap threshold : 0.004
#
# Counts of node types:
# HARD_MACROs : 2
# SOFT_MACROs : 0
# PORTs : 2
# STDCELLs : 2
#
# node_index x y orientation fixed
0 0 60.125 - 1
1 200 140.125 - 1
2 50.25 50.75 N 0
4 140.25 130.75 N 0
";

/// A small Bookshelf design: three movable cells, one macro, one terminal, two rows.
const AUX: &str = "RowBasedPlacement : t.nodes t.nets t.wts t.pl t.scl\n";
const NODES: &str = "UCLA nodes 1.0
NumNodes : 5
NumTerminals : 1
  a 4 12
  b 6 12
  c 8 12
  m 30 24
  t 2 2 terminal
";
const NETS: &str = "UCLA nets 1.0
NumNets : 2
NumPins : 5
NetDegree : 3 n0
  a O : 0.5 0.5
  b I : -0.5 0.25
  m I : 3.5 -4.5
NetDegree : 2 n1
  c O : 0 0
  t I : 0 0
";
const WTS: &str = "UCLA wts 1.0
n0 2
n1 1
";
const PL: &str = "UCLA pl 1.0
a 10 0 : N
b 20 0 : N
c 30 12 : N
m 50 0 : N
t 0 30 : N /FIXED
";
const SCL: &str = "UCLA scl 1.0
NumRows : 2
CoreRow Horizontal
  Coordinate : 0
  Height : 12
  Sitewidth : 1
  Sitespacing : 1
  Siteorient : 1
  Sitesymmetry : 1
  SubrowOrigin : 0 NumSites : 100
End
CoreRow Horizontal
  Coordinate : 12
  Height : 12
  Sitewidth : 1
  Sitespacing : 1
  Siteorient : 1
  Sitesymmetry : 1
  SubrowOrigin : 0 NumSites : 100
End
";

/// The fixture folder: `ct/netlist.pb.txt`, `ct/initial.plc`, `bs/t.{aux,nodes,...}`.
fn write_fixtures(dir: &Path) {
    std::fs::create_dir_all(dir.join("ct")).unwrap();
    std::fs::create_dir_all(dir.join("bs")).unwrap();
    std::fs::write(dir.join("ct/netlist.pb.txt"), CT).unwrap();
    std::fs::write(dir.join("ct/initial.plc"), PLC).unwrap();
    for (name, text) in [
        ("t.aux", AUX),
        ("t.nodes", NODES),
        ("t.nets", NETS),
        ("t.wts", WTS),
        ("t.pl", PL),
        ("t.scl", SCL),
    ] {
        std::fs::write(dir.join("bs").join(name), text).unwrap();
    }
}

/// `text` with `from` replaced by `to` exactly once (the case would test nothing otherwise).
fn edit(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "`{from}` must occur once");
    text.replacen(from, to, 1)
}

/// One hostile case: the file it replaces (relative to the fixture folder, with its new
/// text), the arguments (`{ct}`, `{plc}`, `{aux}`, `{out}`, `{dir}` substituted) and what the
/// one error line must contain.
struct Case {
    name: &'static str,
    file: Option<(&'static str, String)>,
    args: &'static str,
    needle: &'static str,
}

fn ct_case(name: &'static str, from: &str, to: &str, needle: &'static str) -> Case {
    Case {
        name,
        file: Some(("ct/netlist.pb.txt", edit(CT, from, to))),
        args: "eval {ct} --plc {plc}",
        needle,
    }
}

fn plc_case(name: &'static str, from: &str, to: &str, needle: &'static str) -> Case {
    Case {
        name,
        file: Some(("ct/initial.plc", edit(PLC, from, to))),
        args: "place {ct} --plc {plc} --method greedy --no-pictures --out {out}",
        needle,
    }
}

fn bs_case(name: &'static str, file: &'static str, text: String, needle: &'static str) -> Case {
    Case {
        name,
        file: Some((file, text)),
        args: "place {aux} --method greedy --no-pictures --out {out}",
        needle,
    }
}

fn flag_case(name: &'static str, args: &'static str, needle: &'static str) -> Case {
    Case {
        name,
        file: None,
        args,
        needle,
    }
}

fn corpus() -> Vec<Case> {
    let nl = "netlist.pb.txt:";
    let plc = "initial.plc:";
    vec![
        // Circuit Training netlists.
        ct_case("macro width 1e300", "f: 40.5", "f: 1e300", nl),
        ct_case("macro width negative", "f: 40.5", "f: -40.5", nl),
        ct_case("macro width nan", "f: 40.5", "f: nan", nl),
        ct_case("macro width inf", "f: 40.5", "f: inf", nl),
        ct_case("macro x 1e300", "f: 50.25", "f: 1e300", nl),
        ct_case("port y 1e308", "f: 60.125", "f: 1e308", nl),
        ct_case("cell height huge", "f: 1.125", "f: 1e200", nl),
        ct_case("pin offset 1e300", "f: 1.75", "f: 1e300", nl),
        ct_case("pin weight 1e300", "f: 3 ", "f: 1e300 ", nl),
        ct_case("pin weight negative", "f: 3 ", "f: -3 ", nl),
        ct_case(
            "unknown type",
            "placeholder: \"STDCELL\" } }\n  attr { key: \"width\" value { f: 1.125",
            "placeholder: \"FLIPFLOP\" } }\n  attr { key: \"width\" value { f: 1.125",
            nl,
        ),
        ct_case(
            "pin of an unknown macro",
            "placeholder: \"M0\"",
            "placeholder: \"M9\"",
            nl,
        ),
        ct_case(
            "pin without its macro",
            "  attr { key: \"macro_name\" value { placeholder: \"M1\" } }\n",
            "",
            nl,
        ),
        ct_case(
            "pin whose macro is a pin",
            "placeholder: \"M0\"",
            "placeholder: \"M1/p\"",
            nl,
        ),
        ct_case("input names nothing", "input: \"C0\"", "input: \"C9\"", nl),
        ct_case("duplicate node name", "name: \"C1\"", "name: \"C0\"", nl),
        ct_case("empty node name", "name: \"C1\"", "name: \"\"", nl),
        ct_case(
            "unterminated node",
            "# a tiny hand-made design\n",
            "# a tiny hand-made design\nnode {\n name: \"Z\"\n",
            nl,
        ),
        ct_case("number for a name", "name: \"C1\"", "name: 17", nl),
        ct_case(
            "bad orientation",
            "placeholder: \"N\" } }\n}\nnode {\n  name: \"M0/p\"",
            "placeholder: \"NQ\" } }\n}\nnode {\n  name: \"M0/p\"",
            nl,
        ),
        ct_case(
            "stray token",
            "node {\n  name: \"P1\"",
            "node {\n  ??? name: \"P1\"",
            nl,
        ),
        ct_case("value without a colon", "f: 2.125", "f 2.125", nl),
        Case {
            name: "netlist not UTF-8",
            file: Some((
                "ct/netlist.pb.txt",
                format!("{CT}\nnode {{ name: \"\u{FFFD}\" }}\n").replace('\u{FFFD}', "\u{7f}\u{0}"),
            )),
            args: "eval {ct} --plc {plc}",
            needle: nl,
        },
        // `.plc` headers.
        plc_case(
            "grid 100000 x 100000",
            "Columns : 4  Rows : 3",
            "Columns : 100000  Rows : 100000",
            plc,
        ),
        plc_case(
            "grid 0 columns",
            "Columns : 4  Rows : 3",
            "Columns : 0  Rows : 3",
            plc,
        ),
        plc_case(
            "grid fractional",
            "Columns : 4  Rows : 3",
            "Columns : 4.5  Rows : 3",
            plc,
        ),
        plc_case(
            "grid nan",
            "Columns : 4  Rows : 3",
            "Columns : nan  Rows : 3",
            plc,
        ),
        plc_case(
            "canvas 1e300",
            "Width : 200  Height : 180",
            "Width : 1e300  Height : 180",
            plc,
        ),
        plc_case(
            "canvas zero",
            "Width : 200  Height : 180",
            "Width : 0  Height : 180",
            plc,
        ),
        plc_case(
            "canvas negative",
            "Width : 200  Height : 180",
            "Width : -200  Height : 180",
            plc,
        ),
        plc_case(
            "canvas tiny",
            "Width : 200  Height : 180",
            "Width : 1e-300  Height : 180",
            plc,
        ),
        plc_case(
            "routes zero",
            "hor : 11.5  ver : 12.5",
            "hor : 0  ver : 12.5",
            plc,
        ),
        plc_case(
            "routes inf",
            "hor : 11.5  ver : 12.5",
            "hor : inf  ver : 12.5",
            plc,
        ),
        plc_case(
            "macro routes negative",
            "hor : 4.5  ver : 5.5",
            "hor : -10  ver : -10",
            plc,
        ),
        plc_case(
            "routes without macro routes",
            "# Routes used by macros, hor : 4.5  ver : 5.5\n",
            "",
            plc,
        ),
        plc_case(
            "smoothing negative",
            "Smoothing factor : 1",
            "Smoothing factor : -2",
            plc,
        ),
        plc_case(
            "smoothing huge",
            "Smoothing factor : 1",
            "Smoothing factor : 1e9",
            plc,
        ),
        plc_case(
            "overlap threshold negative",
            "Overlap threshold : 0.004",
            "Overlap threshold : -1",
            plc,
        ),
        plc_case(
            "blockage with four values",
            "#\n# Counts",
            "# Blockage : 0 0 10 10\n#\n# Counts",
            plc,
        ),
        plc_case(
            "blockage rate 2",
            "#\n# Counts",
            "# Blockage : 0 0 10 10 2\n#\n# Counts",
            plc,
        ),
        plc_case(
            "blockage inside out",
            "#\n# Counts",
            "# Blockage : 10 10 0 0 1\n#\n# Counts",
            plc,
        ),
        plc_case(
            "counts of another netlist",
            "SOFT_MACROs : 0",
            "SOFT_MACROs : 784",
            plc,
        ),
        plc_case(
            "count not a number",
            "HARD_MACROs : 2",
            "HARD_MACROs : two",
            plc,
        ),
        // `.plc` bodies.
        plc_case("empty plc", PLC, "", plc),
        plc_case(
            "node listed twice",
            "4 140.25 130.75 N 0\n",
            "4 140.25 130.75 N 0\n2 50 50 N 0\n",
            plc,
        ),
        plc_case(
            "index out of range",
            "4 140.25 130.75 N 0",
            "99 140.25 130.75 N 0",
            plc,
        ),
        plc_case(
            "index of a pin",
            "4 140.25 130.75 N 0",
            "3 140.25 130.75 N 0",
            plc,
        ),
        plc_case("x 1e300", "2 50.25 50.75", "2 1e300 50.75", plc),
        plc_case("y nan", "2 50.25 50.75", "2 50.25 nan", plc),
        plc_case(
            "bad orientation",
            "4 140.25 130.75 N 0",
            "4 140.25 130.75 QQ 0",
            plc,
        ),
        plc_case(
            "fixed flag 2",
            "4 140.25 130.75 N 0",
            "4 140.25 130.75 N 2",
            plc,
        ),
        plc_case(
            "four fields",
            "4 140.25 130.75 N 0",
            "4 140.25 130.75 N",
            plc,
        ),
        plc_case(
            "negative index",
            "4 140.25 130.75 N 0",
            "-4 140.25 130.75 N 0",
            plc,
        ),
        // Bookshelf.
        bs_case(
            "node width 1e300",
            "bs/t.nodes",
            edit(NODES, "a 4 12", "a 1e300 12"),
            "t.nodes:",
        ),
        bs_case(
            "node width negative",
            "bs/t.nodes",
            edit(NODES, "a 4 12", "a -4 12"),
            "t.nodes:",
        ),
        bs_case(
            "node count wrong",
            "bs/t.nodes",
            edit(NODES, "NumNodes : 5", "NumNodes : 7"),
            "t.nodes:",
        ),
        bs_case(
            "degree beyond the pins",
            "bs/t.nets",
            edit(NETS, "NetDegree : 2 n1", "NetDegree : 4 n1"),
            "t.nets:",
        ),
        bs_case(
            "pin of an unknown node",
            "bs/t.nets",
            edit(NETS, "  c O : 0 0", "  zz O : 0 0"),
            "t.nets:",
        ),
        bs_case(
            "pin offset inf",
            "bs/t.nets",
            edit(NETS, "a O : 0.5 0.5", "a O : inf 0.5"),
            "t.nets:",
        ),
        bs_case(
            "weight negative",
            "bs/t.wts",
            edit(WTS, "n0 2", "n0 -2"),
            "t.wts:",
        ),
        bs_case(
            "weight 1e300",
            "bs/t.wts",
            edit(WTS, "n0 2", "n0 1e300"),
            "t.wts:",
        ),
        bs_case(
            "pl x 1e300",
            "bs/t.pl",
            edit(PL, "a 10 0", "a 1e300 0"),
            "t.pl:",
        ),
        bs_case(
            "pl unknown node",
            "bs/t.pl",
            edit(PL, "b 20 0", "q 20 0"),
            "t.pl:",
        ),
        bs_case(
            "row site width nan",
            "bs/t.scl",
            edit(
                SCL,
                "Sitewidth : 1\n  Sitespacing : 1\n  Siteorient : 1\n  Sitesymmetry : 1\n  SubrowOrigin : 0 NumSites : 100\nEnd\nCoreRow",
                "Sitewidth : nan\n  Sitespacing : 1\n  Siteorient : 1\n  Sitesymmetry : 1\n  SubrowOrigin : 0 NumSites : 100\nEnd\nCoreRow",
            ),
            "t.scl:",
        ),
        bs_case(
            "aux names a missing file",
            "bs/t.aux",
            edit(AUX, "t.wts", "gone.wts"),
            "gone.wts",
        ),
        // Option values.
        flag_case(
            "--grid huge",
            "eval {ct} --plc {plc} --grid 100000,100000",
            "--grid",
        ),
        flag_case("--grid zero", "eval {ct} --plc {plc} --grid 0,0", "--grid"),
        flag_case(
            "--grid fractional",
            "eval {ct} --plc {plc} --grid 2.5,3",
            "--grid",
        ),
        flag_case(
            "--canvas zero",
            "eval {ct} --plc {plc} --canvas 0,0",
            "--canvas",
        ),
        flag_case(
            "--canvas 1e300",
            "eval {ct} --plc {plc} --canvas 1e300,1e300",
            "--canvas",
        ),
        flag_case(
            "--canvas nan",
            "eval {ct} --plc {plc} --canvas nan,5",
            "--canvas",
        ),
        flag_case(
            "--routes zero",
            "eval {ct} --plc {plc} --routes 0,0",
            "--routes",
        ),
        flag_case(
            "--routes negative",
            "eval {ct} --plc {plc} --routes -1,5",
            "--routes",
        ),
        flag_case(
            "--macro-routes negative",
            "eval {ct} --plc {plc} --macro-routes -10,-10",
            "--macro-routes",
        ),
        flag_case(
            "--smooth negative",
            "eval {ct} --plc {plc} --smooth -2",
            "--smooth",
        ),
        flag_case(
            "--smooth huge",
            "eval {ct} --plc {plc} --smooth 100000",
            "--smooth",
        ),
        flag_case(
            "--weights negative",
            "eval {ct} --plc {plc} --weights -1,0.5,0.5",
            "--weights",
        ),
        flag_case(
            "--weights nan",
            "eval {ct} --plc {plc} --weights nan,1,1",
            "--weights",
        ),
        flag_case(
            "--weights two values",
            "eval {ct} --plc {plc} --weights 1,2",
            "--weights",
        ),
        flag_case(
            "--macro-height nan",
            "info {aux} --macro-height nan",
            "--macro-height",
        ),
        flag_case(
            "--macro-height negative",
            "info {aux} --macro-height -3",
            "--macro-height",
        ),
        flag_case(
            "--time-limit zero",
            "place {ct} --plc {plc} --out {out} --time-limit 0",
            "--time-limit",
        ),
        flag_case(
            "--time-limit nan",
            "place {ct} --plc {plc} --out {out} --time-limit nan",
            "--time-limit",
        ),
        flag_case(
            "--time-limit 1e30",
            "place {ct} --plc {plc} --out {out} --time-limit 1e30",
            "--time-limit",
        ),
        flag_case(
            "--macro-time negative",
            "place {ct} --plc {plc} --out {out} --flow full --macros sa --macro-time -1",
            "--macro-time",
        ),
        flag_case(
            "--target-density zero",
            "place {aux} --out {out} --flow full --target-density 0",
            "--target-density",
        ),
        flag_case(
            "--target-density 2",
            "place {aux} --out {out} --flow full --target-density 2",
            "--target-density",
        ),
        flag_case(
            "--threads zero",
            "place {ct} --plc {plc} --out {out} --threads 0",
            "--threads",
        ),
        flag_case(
            "--bins huge",
            "place {aux} --out {out} --flow full --bins 100000",
            "--bins",
        ),
        flag_case(
            "--start-acceptance 2",
            "place {ct} --plc {plc} --out {out} --start-acceptance 2",
            "--start-acceptance",
        ),
        flag_case(
            "--chains zero",
            "place {ct} --plc {plc} --out {out} --chains 0",
            "--chains",
        ),
        flag_case(
            "--cell-utilization 0",
            "cluster {ct} --plc {plc} --out {out} --cell-utilization 0",
            "--cell-utilization",
        ),
        flag_case(
            "--clusters 0",
            "cluster {ct} --plc {plc} --out {out} --clusters 0",
            "--clusters",
        ),
        flag_case(
            "--clusters beyond the cells",
            "cluster {ct} --plc {plc} --out {out} --clusters 50",
            "--clusters",
        ),
        flag_case(
            "--macros 2e9",
            "generate --macros 2000000000 --out {out}",
            "--macros",
        ),
        flag_case(
            "--seeds 0",
            "compare {ct} --plc {plc} --methods greedy --seeds 0 --out {out}",
            "--seeds",
        ),
        flag_case(
            "--import missing",
            "compare {ct} --plc {plc} --methods greedy --import x={dir}/none.plc --out {out}",
            "none.plc",
        ),
        flag_case(
            "--import malformed",
            "compare {ct} --plc {plc} --methods greedy --import nofile --out {out}",
            "--import",
        ),
        flag_case(
            "--lr 1e30",
            "train {ct} --plc {plc} --updates 1 --out {out} --lr 1e30",
            "--lr",
        ),
        flag_case(
            "--lr nan",
            "train {ct} --plc {plc} --updates 1 --out {out} --lr nan",
            "--lr",
        ),
        flag_case(
            "--resume without a checkpoint",
            "train {ct} --plc {plc} --updates 1 --out {out} --resume",
            "--resume",
        ),
        flag_case(
            "--size tiny",
            "plot {ct} --plc {plc} --out {dir}/pic.png --size 10,10",
            "--size",
        ),
        flag_case(
            "--out is a file",
            "place {ct} --plc {plc} --method greedy --out {plc}",
            "--out",
        ),
        flag_case(
            "--out holds other files",
            "place {ct} --plc {plc} --method greedy --out {dir}/ct",
            "--out",
        ),
        flag_case("unknown flag", "eval {ct} --plc {plc} --bogus 3", "--bogus"),
    ]
}

/// Whether `err` contains `needle`, followed by a line number and `:` when `needle` ends
/// with `:` (a `path:line:` message).
fn names_place(err: &str, needle: &str) -> bool {
    err.match_indices(needle).any(|(i, _)| {
        if !needle.ends_with(':') {
            return true;
        }
        let rest = &err[i + needle.len()..];
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        digits > 0 && rest[digits..].starts_with(':')
    })
}

fn substitute(args: &str, dir: &Path, out: &Path) -> Vec<String> {
    let s = |p: PathBuf| p.display().to_string();
    args.split_whitespace()
        .map(|a| {
            a.replace("{ct}", &s(dir.join("ct/netlist.pb.txt")))
                .replace("{plc}", &s(dir.join("ct/initial.plc")))
                .replace("{aux}", &s(dir.join("bs/t.aux")))
                .replace("{out}", &s(out.to_path_buf()))
                .replace("{dir}", &s(dir.to_path_buf()))
        })
        .collect()
}

#[test]
fn the_fixtures_themselves_are_accepted() {
    let dir = tempfile::tempdir().unwrap();
    write_fixtures(dir.path());
    let d = dir.path();
    for args in [
        "eval {ct} --plc {plc}",
        "place {ct} --plc {plc} --method greedy --no-pictures --out {out}",
        "place {aux} --method greedy --no-pictures --out {out}",
        "info {aux} --macro-height 20",
    ] {
        let out = d.join("out");
        macroplace().args(substitute(args, d, &out)).run_ok();
    }
}

#[test]
fn every_hostile_input_is_one_line_exit_2_and_leaves_nothing() {
    let cases = corpus();
    assert!(cases.len() >= 60, "the corpus has {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        write_fixtures(d);
        if let Some((file, text)) = &case.file {
            std::fs::write(d.join(file), text).unwrap();
        }
        let out = d.join("out");
        let before: Vec<_> = std::fs::read_dir(d)
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        let (code, err) = macroplace().args(substitute(case.args, d, &out)).run_fail();
        let after: Vec<_> = std::fs::read_dir(d)
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        let mut why = Vec::new();
        if code != 2 {
            why.push(format!("exit {code}"));
        }
        if err.lines().count() != 1 {
            why.push(format!("{} lines", err.lines().count()));
        }
        if !names_place(&err, case.needle) {
            why.push(format!("no `{}`", case.needle));
        }
        if err.contains("panicked") || err.contains("RUST_BACKTRACE") {
            why.push("panic".into());
        }
        if out.exists() || before != after {
            why.push(format!("left {after:?}"));
        }
        if !why.is_empty() {
            failures.push(format!(
                "{}: {} — {}",
                case.name,
                why.join(", "),
                err.trim()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// Runs `cmd`, kills it with SIGKILL after `delay`, and waits for it.
fn run_and_kill(cmd: &mut std::process::Command, delay: std::time::Duration) {
    let mut child = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawning macroplace");
    std::thread::sleep(delay);
    let _ = child.kill(); // SIGKILL on Unix; fine if it already ended
    let _ = child.wait();
}

/// What an output folder holds: `None` when absent, else the seed its report and its
/// placement header both name (asserting they agree, and that the manifest lists exactly the
/// files there).
fn output_set_seed(out: &Path, plc_name: &str) -> Option<u64> {
    if !out.exists() {
        return None;
    }
    let manifest = support::json_file(&out.join(".macroplace-set.json"));
    let mut listed: Vec<String> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_string())
        .collect();
    listed.push(".macroplace-set.json".into());
    listed.sort();
    let mut present: Vec<String> = std::fs::read_dir(out)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    present.sort();
    assert_eq!(listed, present, "the manifest and the folder disagree");
    let report = support::json_file(&out.join("report.json"));
    let seed = report["seed"].as_u64().unwrap();
    let plc = std::fs::read_to_string(out.join(plc_name)).unwrap();
    assert!(
        plc.contains(&format!("# macroplace seed : {seed}\n")),
        "report.json says seed {seed}, the placement does not"
    );
    Some(seed)
}

#[test]
fn a_killed_place_leaves_the_old_set_or_the_new_one() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_fixtures(d);
    let out = d.join("out");
    let place = |seed: u64| {
        let mut c = macroplace();
        c.args(substitute(
            "place {ct} --plc {plc} --method sa --time-limit 0.6 --out {out}",
            d,
            &out,
        ))
        .args(["--seed", &seed.to_string()]);
        c
    };
    place(1).run_ok();
    assert_eq!(output_set_seed(&out, "ct.plc"), Some(1));
    let mut rng = support::Rng(7);
    let mut seen = std::collections::BTreeSet::new();
    for round in 0..12u64 {
        let seed = 2 + round;
        // Kill anywhere from start-up to the end of the output phase.
        let ms = 100 + rng.below(1100) as u64;
        run_and_kill(&mut place(seed), std::time::Duration::from_millis(ms));
        let now = output_set_seed(&out, "ct.plc").expect("the folder vanished");
        assert!(now == 1 || now <= seed, "seed {now} after round {round}");
        seen.insert(now);
    }
    // A run that is not killed puts its own set in place and clears killed runs' staging.
    place(99).run_ok();
    assert_eq!(output_set_seed(&out, "ct.plc"), Some(99));
    let leftovers: Vec<_> = std::fs::read_dir(d)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("macroplace-tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    eprintln!("sets seen after kills: {seen:?}");
}

#[test]
fn a_killed_train_leaves_a_checkpoint_that_loads_and_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_fixtures(d);
    let out = d.join("train");
    let train = |updates: u64, resume: bool| {
        let mut c = macroplace();
        c.args(substitute(
            "train {ct} --plc {plc} --grid 6 --envs 2 --epochs 1 --device cpu --deterministic \
             --checkpoint-every 1 --out {out}",
            d,
            &out,
        ))
        .args(["--updates", &updates.to_string()]);
        if resume {
            c.arg("--resume");
        }
        c
    };
    train(1, false).run_ok();
    let mut rng = support::Rng(11);
    let mut last = 1;
    for _ in 0..6 {
        let ms = 50 + rng.below(1500) as u64;
        run_and_kill(
            &mut train(last + 100, true),
            std::time::Duration::from_millis(ms),
        );
        // Whatever the moment, the checkpoint is whole: its sidecar names weights that exist,
        // and its log holds no update past it once resumed.
        let side = support::json_file(&out.join("policy.json"));
        let update = side["update"].as_u64().unwrap();
        assert!(
            update >= last,
            "the checkpoint went back from {last} to {update}"
        );
        let weights = side["weights"].as_str().unwrap();
        assert!(out.join(weights).is_file(), "{weights} is missing");
        last = update;
    }
    // Resuming continues from the checkpoint, one more update.
    train(last + 1, true).run_ok();
    let side = support::json_file(&out.join("policy.json"));
    assert_eq!(side["update"].as_u64(), Some(last + 1));
    let log = std::fs::read_to_string(out.join("train.jsonl")).unwrap();
    let updates: Vec<u64> = log
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["update"]
                .as_u64()
                .unwrap()
        })
        .collect();
    let expected: Vec<u64> = (1..=last + 1).collect();
    assert_eq!(updates, expected, "the log is not one clean run of updates");
}

/// A training log's rows without their wall-clock fields.
fn log_rows_without_times(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| {
            let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
            let o = v.as_object_mut().unwrap();
            o.retain(|k, _| !k.contains("seconds"));
            v
        })
        .collect()
}

/// `train` on the fixtures of `d` into `out` with the resume tests' settings (deterministic,
/// a checkpoint every update, seed 3), `updates` updates, resuming when `resume`.
fn train_fixture(d: &Path, out: &Path, resume: bool, updates: u64) -> std::process::Command {
    let mut c = macroplace();
    c.args(substitute(
        "train {ct} --plc {plc} --grid 6 --envs 2 --epochs 2 --minibatch 4 --device cpu \
         --deterministic --checkpoint-every 1 --seed 3 --out {out}",
        d,
        out,
    ))
    .args(["--updates", &updates.to_string()]);
    if resume {
        c.arg("--resume");
    }
    c
}

#[test]
fn training_killed_and_resumed_equals_the_uninterrupted_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_fixtures(d);
    // About 17 ms an update here: long enough that every kill below lands mid-run.
    const UPDATES: u64 = 150;
    let train = |out: &Path, resume: bool| train_fixture(d, out, resume, UPDATES);
    let whole = d.join("whole");
    train(&whole, false).run_ok();
    let killed = d.join("killed");
    // Two updates first (a checkpoint to resume from), then kills at random moments.
    train_fixture(d, &killed, false, 2).run_ok();
    let mut rng = support::Rng(5);
    let mut interrupted = 0;
    for _ in 0..3 {
        let ms = 250 + rng.below(1000) as u64;
        run_and_kill(
            &mut train(&killed, true),
            std::time::Duration::from_millis(ms),
        );
        let at = support::json_file(&killed.join("policy.json"))["update"].as_u64();
        if at < Some(UPDATES) {
            interrupted += 1;
        }
    }
    assert!(
        interrupted > 0,
        "no kill landed before the end: the test tested nothing"
    );
    train(&killed, true).run_ok();
    let side = |dir: &Path| support::json_file(&dir.join("policy.json"));
    let (a, b) = (side(&whole), side(&killed));
    assert_eq!(a["update"].as_u64(), Some(UPDATES));
    assert_eq!(b["update"].as_u64(), Some(UPDATES));
    let weights = |dir: &Path, s: &serde_json::Value| {
        std::fs::read(dir.join(s["weights"].as_str().unwrap())).unwrap()
    };
    assert!(
        weights(&whole, &a) == weights(&killed, &b),
        "the resumed run's weights differ from the uninterrupted run's"
    );
    assert_eq!(
        log_rows_without_times(&whole.join("train.jsonl")),
        log_rows_without_times(&killed.join("train.jsonl"))
    );
}

#[test]
fn a_checkpoint_holding_nan_weights_is_refused_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_fixtures(d);
    let ckpt = d.join("ckpt");
    macroplace()
        .args(substitute(
            "train {ct} --plc {plc} --grid 6 --envs 2 --epochs 1 --device cpu --updates 1 \
             --out {out}",
            d,
            &ckpt,
        ))
        .run_ok();
    // Every tensor byte set to 0xff: NaN in every f32 (safetensors: an 8-byte header length,
    // the JSON header, then the data).
    let side = support::json_file(&ckpt.join("policy.json"));
    let weights = ckpt.join(side["weights"].as_str().unwrap());
    let mut bytes = std::fs::read(&weights).unwrap();
    let header = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    for b in &mut bytes[8 + header..] {
        *b = 0xff;
    }
    std::fs::write(&weights, bytes).unwrap();
    for args in [
        "place {ct} --plc {plc} --method rl --policy {dir}/ckpt --out {out}",
        "eval-policy {ct} --plc {plc} --policy {dir}/ckpt",
    ] {
        let out = d.join("out");
        let (code, err) = macroplace().args(substitute(args, d, &out)).run_fail();
        assert_eq!(code, 2, "{args}: {err}");
        assert_eq!(err.lines().count(), 1, "{args}: {err}");
        assert!(
            err.contains("--policy") && err.contains("NaN"),
            "{args}: {err}"
        );
        assert!(!out.exists());
    }
}

#[test]
fn a_plc_that_leaves_nodes_out_is_accepted_with_a_warning_that_counts_them() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_fixtures(d);
    // Only M0 listed: P0, P1 and M1 keep their netlist positions.
    let partial = d.join("partial.plc");
    std::fs::write(
        &partial,
        edit(
            &edit(
                &edit(PLC, "0 0 60.125 - 1\n", ""),
                "1 200 140.125 - 1\n",
                "",
            ),
            "4 140.25 130.75 N 0\n",
            "",
        ),
    )
    .unwrap();
    let ct = d.join("ct/netlist.pb.txt");
    let (_, err) = macroplace()
        .arg("eval")
        .arg(&ct)
        .arg("--plc")
        .arg(&partial)
        .run_ok_both();
    assert!(
        err.contains("partial.plc") && err.contains("3 keep their netlist positions"),
        "{err}"
    );
    let (_, err) = macroplace()
        .arg("plot")
        .arg(&ct)
        .arg("--plc")
        .arg(d.join("ct/initial.plc"))
        .arg("--compare")
        .arg(&partial)
        .arg("--out")
        .arg(d.join("side.png"))
        .run_ok_both();
    assert!(
        err.contains("partial.plc: 3 ports and macros are not listed"),
        "{err}"
    );
}

#[test]
fn a_closed_stdout_pipe_ends_the_run_quietly() {
    let mut child = macroplace()
        .arg("info")
        .arg(support::bench("ct/ariane133_ng45/netlist.pb.txt.gz"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Close the reading end before the netlist is read, so the first line fails to print.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(out.status.code(), Some(141), "{err}");
}

/// Resumed at every checkpoint in turn (one update a process), a run logs and weighs what the
/// uninterrupted run does: the deterministic twin of the kill test above, which lands where
/// the clock puts it.
#[test]
fn training_resumed_at_every_update_equals_the_uninterrupted_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_fixtures(d);
    const UPDATES: u64 = 30;
    let whole = d.join("whole");
    train_fixture(d, &whole, false, UPDATES).run_ok();
    let chain = d.join("chain");
    train_fixture(d, &chain, false, 1).run_ok();
    for n in 2..=UPDATES {
        train_fixture(d, &chain, true, n).run_ok();
    }
    let side = |dir: &Path| support::json_file(&dir.join("policy.json"));
    let (a, b) = (side(&whole), side(&chain));
    assert_eq!(b["update"].as_u64(), Some(UPDATES));
    let weights = |dir: &Path, s: &serde_json::Value| {
        std::fs::read(dir.join(s["weights"].as_str().unwrap())).unwrap()
    };
    assert!(
        weights(&whole, &a) == weights(&chain, &b),
        "the chained run's weights differ from the uninterrupted run's"
    );
    let (ra, rb) = (
        log_rows_without_times(&whole.join("train.jsonl")),
        log_rows_without_times(&chain.join("train.jsonl")),
    );
    assert_eq!(ra.len(), UPDATES as usize);
    for (x, y) in ra.iter().zip(&rb) {
        assert_eq!(x, y, "a log row differs after resuming");
    }
    assert_eq!(ra.len(), rb.len());
}
