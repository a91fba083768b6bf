//! A fresh DEF and the LEF it needs, for a design read from another format (CT, Bookshelf,
//! generated): what `convert --to def` writes when there is no input DEF to edit.
//!
//! The pair is minimal but complete for [`super::read_lefdef`] and ordinary DEF tools: one
//! routing layer, one `SITE` per distinct row site, one `MACRO` per distinct node shape (kind,
//! size and pins), `COMPONENTS` for macros and cells, `PINS` for ports, `NETS` with their
//! weights, placement `BLOCKAGES`. Mapping:
//!
//! - hard macros → `CLASS BLOCK`, soft macros (clusters) → `CLASS BLOCK SOFT`, std cells →
//!   `CLASS CORE`; fixed nodes are `FIXED`, the others `PLACED`.
//! - a port of zero size whose pins sit at its centre → an IO pin of `PINS`, in every net it is
//!   on; any other port (a Bookshelf terminal cell) → a `FIXED` component of class `CORE`, so
//!   it reads back as a fixed std cell.
//! - each node pin → its own LEF `PIN P<k>` (k-th pin of the node), a small square centred at
//!   the pin's offset; the first pin of each net is `OUTPUT` (the reader routes from it), the
//!   others `INPUT`.
//! - database units: the smallest of 100, 200, 1000, 2000, 10000, 20000 per micron that holds
//!   every coordinate exactly, else the finest that keeps coordinates within 32 bits; centres
//!   come back within half a unit. LEF sizes and offsets are written as exact reals.
//!
//! Architecture invariant: reading the pair back gives the same nodes (by name), kinds (up to
//! the port rule above), sizes, fixedness, positions (to half a database unit), orientations,
//! nets in order with their weights and pins (node and offset, in order), canvas, rows and
//! blockages; tests check it on CT ariane133.

use std::collections::HashMap;
use std::path::Path;

use crate::error::{Error, Result};
use crate::model::{NodeKind, Orientation, Placement};
use crate::{Netlist, NodeId};

/// Database units tried, coarsest first (the LEF 5.8 values).
const DBU_CHOICES: [f64; 6] = [100.0, 200.0, 1000.0, 2000.0, 10000.0, 20000.0];
/// Half the side of a pin's square shape, microns.
const PIN_HALF_UM: f64 = 0.005;
/// The one routing layer pins are drawn on.
const LAYER: &str = "M1";

/// How a node is written.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Role {
    Block,
    Soft,
    Core,
    /// An IO pin of `PINS`.
    Io,
}

/// One LEF macro: its role, size and pins (offset bits, drives).
#[derive(Clone, PartialEq, Eq, Hash)]
struct Shape {
    role: Role,
    w: u64,
    h: u64,
    pins: Vec<(u64, u64, bool)>,
}

/// Writes `def` and `lef` for `netlist` placed at `placement`.
pub fn write_fresh_def(
    def: &Path,
    lef: &Path,
    netlist: &Netlist,
    placement: &Placement,
) -> Result<()> {
    let n = netlist.num_nodes();
    for i in 0..n {
        check_name(&netlist.node_name()[i], "node")?;
        if !(placement.x[i].is_finite() && placement.y[i].is_finite()) {
            return Err(Error::Invalid(format!(
                "{}: refusing to write a non-finite position for `{}`",
                def.display(),
                netlist.node_name()[i]
            )));
        }
    }
    for name in netlist.net_name() {
        check_name(name, "net")?;
    }
    let design = netlist.design();
    check_name(design, "design")?;
    // The first pin of each net drives it.
    let mut drives = vec![false; netlist.num_pins()];
    for net in netlist.nets() {
        if let Some(p) = netlist.net_pins(net).next() {
            drives[p] = true;
        }
    }
    let roles: Vec<Role> = (0..n).map(|i| role(netlist, NodeId(i as u32))).collect();
    // One LEF macro per distinct shape; `node_macro[i]` indexes `shapes` (none for IO pins).
    let mut shapes: Vec<Shape> = Vec::new();
    let mut index: HashMap<Shape, usize> = HashMap::new();
    let mut node_macro = vec![usize::MAX; n];
    for i in 0..n {
        if roles[i] == Role::Io {
            continue;
        }
        let pins = netlist
            .pins_of_node(NodeId(i as u32))
            .iter()
            .map(|p| {
                let k = p.idx();
                (
                    netlist.pin_dx()[k].to_bits(),
                    netlist.pin_dy()[k].to_bits(),
                    drives[k],
                )
            })
            .collect();
        let s = Shape {
            role: roles[i],
            w: netlist.node_width()[i].to_bits(),
            h: netlist.node_height()[i].to_bits(),
            pins,
        };
        let next = shapes.len();
        node_macro[i] = *index.entry(s.clone()).or_insert_with(|| {
            shapes.push(s);
            next
        });
    }
    // A pin's name on its node: its rank among the node's pins.
    let mut pin_rank = vec![0u32; netlist.num_pins()];
    for i in 0..n {
        for (k, p) in netlist.pins_of_node(NodeId(i as u32)).iter().enumerate() {
            pin_rank[p.idx()] = k as u32;
        }
    }
    let fp = netlist.floorplan();
    let mut sites: Vec<(f64, f64)> = Vec::new();
    let row_site: Vec<usize> = fp
        .rows
        .iter()
        .map(|r| {
            let key = (r.site_width, r.height);
            sites.iter().position(|&s| s == key).unwrap_or_else(|| {
                sites.push(key);
                sites.len() - 1
            })
        })
        .collect();
    // Lower-left corners (DEF's PLACED point) in microns.
    let corner: Vec<(f64, f64)> = (0..n)
        .map(|i| {
            if roles[i] == Role::Io {
                (placement.x[i], placement.y[i])
            } else {
                placement.lower_left(netlist, NodeId(i as u32), true)
            }
        })
        .collect();
    let mut coords: Vec<f64> = corner.iter().flat_map(|&(x, y)| [x, y]).collect();
    coords.extend([
        fp.x_min,
        fp.y_min,
        fp.x_min + fp.width,
        fp.y_min + fp.height,
    ]);
    for r in &fp.rows {
        coords.extend([r.x, r.y, r.site_spacing]);
    }
    for b in &fp.blockages {
        coords.extend([b.x_min, b.y_min, b.x_max, b.y_max]);
    }
    let dbu = choose_dbu(&coords);
    let d = |v: f64| (v * dbu).round() as i64;

    crate::io::write_atomic(lef, |w| {
        writeln!(w, "VERSION 5.8 ;")?;
        writeln!(w, "BUSBITCHARS \"[]\" ;")?;
        writeln!(w, "DIVIDERCHAR \"/\" ;")?;
        writeln!(w, "UNITS\n  DATABASE MICRONS {dbu} ;\nEND UNITS")?;
        writeln!(
            w,
            "LAYER {LAYER}\n  TYPE ROUTING ;\n  DIRECTION HORIZONTAL ;\n  WIDTH 0.01 ;\nEND {LAYER}"
        )?;
        for (k, &(sw, sh)) in sites.iter().enumerate() {
            writeln!(
                w,
                "SITE site{k}\n  CLASS CORE ;\n  SIZE {sw} BY {sh} ;\nEND site{k}"
            )?;
        }
        for (k, s) in shapes.iter().enumerate() {
            let (mw, mh) = (f64::from_bits(s.w), f64::from_bits(s.h));
            writeln!(w, "MACRO {}", macro_name(s.role, k))?;
            let class = match s.role {
                Role::Block => "BLOCK",
                Role::Soft => "BLOCK SOFT",
                Role::Core | Role::Io => "CORE",
            };
            writeln!(
                w,
                "  CLASS {class} ;\n  ORIGIN 0 0 ;\n  SIZE {mw} BY {mh} ;"
            )?;
            for (p, &(dx, dy, out)) in s.pins.iter().enumerate() {
                let (cx, cy) = (0.5 * mw + f64::from_bits(dx), 0.5 * mh + f64::from_bits(dy));
                writeln!(
                    w,
                    "  PIN P{p}\n    DIRECTION {} ;\n    PORT\n      LAYER {LAYER} ;\n        \
                     RECT {} {} {} {} ;\n    END\n  END P{p}",
                    if out { "OUTPUT" } else { "INPUT" },
                    cx - PIN_HALF_UM,
                    cy - PIN_HALF_UM,
                    cx + PIN_HALF_UM,
                    cy + PIN_HALF_UM
                )?;
            }
            writeln!(w, "END {}", macro_name(s.role, k))?;
        }
        writeln!(w, "END LIBRARY")
    })?;

    crate::io::write_atomic(def, |w| {
        writeln!(w, "VERSION 5.8 ;")?;
        writeln!(w, "DIVIDERCHAR \"/\" ;")?;
        writeln!(w, "BUSBITCHARS \"[]\" ;")?;
        writeln!(w, "DESIGN {design} ;")?;
        writeln!(w, "UNITS DISTANCE MICRONS {dbu} ;")?;
        writeln!(
            w,
            "DIEAREA ( {} {} ) ( {} {} ) ;",
            d(fp.x_min),
            d(fp.y_min),
            d(fp.x_min + fp.width),
            d(fp.y_min + fp.height)
        )?;
        for (k, r) in fp.rows.iter().enumerate() {
            let o = Orientation::parse(&r.site_orient).unwrap_or(Orientation::N);
            writeln!(
                w,
                "ROW row{k} site{} {} {} {} DO {} BY 1 STEP {} 0 ;",
                row_site[k],
                d(r.x),
                d(r.y),
                o.as_str(),
                r.num_sites,
                d(r.site_spacing)
            )?;
        }
        let comps = (0..n).filter(|&i| roles[i] != Role::Io).count();
        writeln!(w, "COMPONENTS {comps} ;")?;
        for i in (0..n).filter(|&i| roles[i] != Role::Io) {
            let status = if netlist.node_fixed()[i] || netlist.node_kind()[i] == NodeKind::Port {
                "FIXED"
            } else {
                "PLACED"
            };
            writeln!(
                w,
                "  - {} {} + {status} ( {} {} ) {} ;",
                netlist.node_name()[i],
                macro_name(roles[i], node_macro[i]),
                d(corner[i].0),
                d(corner[i].1),
                placement.orient[i].as_str()
            )?;
        }
        writeln!(w, "END COMPONENTS")?;
        let ios = (0..n).filter(|&i| roles[i] == Role::Io).count();
        writeln!(w, "PINS {ios} ;")?;
        let e = d(PIN_HALF_UM).max(1);
        for i in (0..n).filter(|&i| roles[i] == Role::Io) {
            let pins = netlist.pins_of_node(NodeId(i as u32));
            let net = pins
                .first()
                .map(|&p| format!(" + NET {}", netlist.net_name()[netlist.pin_net(p).idx()]))
                .unwrap_or_default();
            let dir = if pins.first().is_some_and(|p| drives[p.idx()]) {
                "INPUT"
            } else {
                "OUTPUT"
            };
            writeln!(
                w,
                "  - {}{net} + DIRECTION {dir} + USE SIGNAL\n    + LAYER {LAYER} ( {} {} ) ( {e} {e} ) + {} ( {} {} ) N ;",
                netlist.node_name()[i],
                -e,
                -e,
                if netlist.node_fixed()[i] {
                    "FIXED"
                } else {
                    "PLACED"
                },
                d(corner[i].0),
                d(corner[i].1)
            )?;
        }
        writeln!(w, "END PINS")?;
        writeln!(w, "NETS {} ;", netlist.num_nets())?;
        for net in netlist.nets() {
            write!(w, "  - {}", netlist.net_name()[net.idx()])?;
            for p in netlist.net_pins(net) {
                let node = netlist.pin_node()[p].idx();
                if roles[node] == Role::Io {
                    write!(w, " ( PIN {} )", netlist.node_name()[node])?;
                } else {
                    write!(w, " ( {} P{} )", netlist.node_name()[node], pin_rank[p])?;
                }
            }
            let weight = netlist.net_weight()[net.idx()];
            if weight != 1.0 {
                write!(w, " + WEIGHT {weight}")?;
            }
            writeln!(w, " ;")?;
        }
        writeln!(w, "END NETS")?;
        if !fp.blockages.is_empty() {
            writeln!(w, "BLOCKAGES {} ;", fp.blockages.len())?;
            for b in &fp.blockages {
                let kind = if b.rate >= 1.0 {
                    String::new()
                } else if b.rate <= 0.0 {
                    " + SOFT".to_string()
                } else {
                    format!(" + PARTIAL {}", b.rate * 100.0)
                };
                writeln!(
                    w,
                    "  - PLACEMENT{kind} RECT ( {} {} ) ( {} {} ) ;",
                    d(b.x_min),
                    d(b.y_min),
                    d(b.x_max),
                    d(b.y_max)
                )?;
            }
            writeln!(w, "END BLOCKAGES")?;
        }
        writeln!(w, "END DESIGN")
    })
}

fn macro_name(role: Role, k: usize) -> String {
    match role {
        Role::Block => format!("block{k}"),
        Role::Soft => format!("soft{k}"),
        Role::Core | Role::Io => format!("cell{k}"),
    }
}

fn role(netlist: &Netlist, node: NodeId) -> Role {
    let i = node.idx();
    match netlist.node_kind()[i] {
        NodeKind::HardMacro => Role::Block,
        NodeKind::SoftMacro => Role::Soft,
        NodeKind::StdCell => Role::Core,
        NodeKind::Port => {
            let point = netlist.node_width()[i] == 0.0 && netlist.node_height()[i] == 0.0;
            let centred = netlist
                .pins_of_node(node)
                .iter()
                .all(|p| netlist.pin_dx()[p.idx()] == 0.0 && netlist.pin_dy()[p.idx()] == 0.0);
            if point && centred {
                Role::Io
            } else {
                Role::Core
            }
        }
    }
}

/// The coarsest database unit that holds every coordinate exactly, else the finest whose
/// coordinates stay within 32 bits.
fn choose_dbu(coords: &[f64]) -> f64 {
    let max = coords.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let fits = |u: f64| max * u <= i32::MAX as f64;
    for u in DBU_CHOICES {
        if !fits(u) {
            break;
        }
        if coords.iter().all(|&v| {
            let s = v * u;
            (s - s.round()).abs() <= 1e-6
        }) {
            return u;
        }
    }
    DBU_CHOICES
        .iter()
        .rev()
        .copied()
        .find(|&u| fits(u))
        .unwrap_or(DBU_CHOICES[0])
}

/// Refuses a name the DEF tokenizer would split.
fn check_name(name: &str, what: &str) -> Result<()> {
    let bad = name.is_empty()
        || name.starts_with('-')
        || name
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, ';' | '(' | ')' | '#' | '"' | '+'));
    if bad {
        return Err(Error::Invalid(format!(
            "{what} `{}`: expected a name without spaces, `;`, `(`, `)`, `#`, `\"` or `+` \
             for DEF, found one",
            crate::io::shorten(name)
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dbu_is_the_coarsest_exact_one() {
        assert_eq!(choose_dbu(&[1.0, 2.5, 100.0]), 100.0);
        assert_eq!(choose_dbu(&[0.005]), 200.0);
        assert_eq!(choose_dbu(&[0.0005]), 2000.0);
        assert_eq!(choose_dbu(&[1.0 / 3.0]), 20000.0);
        // 1e6 µm × 20000 overflows 32 bits: the finest that fits.
        assert_eq!(choose_dbu(&[1e6, 1.0 / 3.0]), 2000.0);
    }

    #[test]
    fn names_the_tokenizer_splits_are_refused() {
        assert!(check_name("a/b[3]", "node").is_ok());
        for bad in ["a b", "a;b", "f(x)", "#c", "-x", "", "a+b"] {
            assert!(check_name(bad, "node").is_err(), "{bad}");
        }
    }
}
