//! `.pl` placements: one line per node, lower-left corner of the oriented footprint, orientation
//! and fixed flags.

use std::path::Path;

use super::read::{content, is_format_line, read_text};
use crate::error::{Error, Result};
use crate::ids::NodeId;
use crate::io::{numbered_lines, parse_f64, shorten, write_atomic};
use crate::model::{
    BookshelfExtra, BookshelfMove, Extra, Netlist, NodeKind, Orientation, Placement, footprint,
};

pub(super) struct PlRecord<'a> {
    pub(super) name: &'a str,
    pub(super) x: f64,
    pub(super) y: f64,
    pub(super) orient: Orientation,
    pub(super) fixed: bool,
    pub(super) fixed_ni: bool,
}

pub(super) fn parse_pl_line<'a>(path: &Path, ln: u32, c: &'a str) -> Result<PlRecord<'a>> {
    let mut t = c.split_ascii_whitespace();
    let name = t.next().expect("non-empty");
    let (Some(sx), Some(sy)) = (t.next(), t.next()) else {
        return Err(Error::parse(
            path,
            ln,
            format!(
                "expected `NAME X Y : ORIENT [/FIXED]`, found `{}`",
                shorten(c)
            ),
        ));
    };
    let x = parse_f64(path, ln, "x", sx)?;
    let y = parse_f64(path, ln, "y", sy)?;
    let mut rec = PlRecord {
        name,
        x,
        y,
        orient: Orientation::N,
        fixed: false,
        fixed_ni: false,
    };
    let mut next = t.next();
    if next == Some(":") {
        let Some(o) = t.next() else {
            return Err(Error::parse(
                path,
                ln,
                "expected an orientation after `:`, found the end of the line",
            ));
        };
        rec.orient = Orientation::parse(o).ok_or_else(|| {
            Error::parse(
                path,
                ln,
                format!(
                    "expected an orientation (N, S, W, E, FN, FS, FW, FE), found `{}`",
                    shorten(o)
                ),
            )
        })?;
        next = t.next();
    }
    if let Some(f) = next {
        if f.eq_ignore_ascii_case("/FIXED") {
            rec.fixed = true;
        } else if f.eq_ignore_ascii_case("/FIXED_NI") {
            rec.fixed = true;
            rec.fixed_ni = true;
        } else {
            return Err(Error::parse(
                path,
                ln,
                format!(
                    "expected `/FIXED`, `/FIXED_NI` or the end of the line, found `{}`",
                    shorten(f)
                ),
            ));
        }
        if let Some(s) = t.next() {
            return Err(Error::parse(
                path,
                ln,
                format!("expected the end of the line, found `{}`", shorten(s)),
            ));
        }
    }
    Ok(rec)
}

/// Reads a `.pl` file as a placement of `netlist` (centres; nodes not listed keep the
/// positions of `base`).
pub fn read_pl(path: &Path, netlist: &Netlist, base: &Placement) -> Result<Placement> {
    let (real, text) = read_text(path)?;
    let mut p = base.clone();
    for (ln, line) in numbered_lines(&text) {
        let c = content(line);
        if c.is_empty() || is_format_line(c) {
            continue;
        }
        let rec = parse_pl_line(&real, ln, c)?;
        let Some(id) = netlist.node_by_name(rec.name) else {
            return Err(Error::parse(
                &real,
                ln,
                format!(
                    "expected a node of the netlist, found `{}`",
                    shorten(rec.name)
                ),
            ));
        };
        let (w, h) = footprint(netlist, id, rec.orient, true);
        p.x[id.idx()] = rec.x + w / 2.0;
        p.y[id.idx()] = rec.y + h / 2.0;
        p.orient[id.idx()] = rec.orient;
    }
    Ok(p)
}

pub(super) fn bookshelf_extra(netlist: &Netlist) -> Option<&BookshelfExtra> {
    match netlist.extra() {
        Extra::Bookshelf(b) => Some(b),
        _ => None,
    }
}

pub(super) fn node_move(netlist: &Netlist, node: NodeId) -> BookshelfMove {
    match bookshelf_extra(netlist) {
        Some(b) => b.node_move[node.idx()],
        None => {
            let i = node.idx();
            let k = netlist.node_kind()[i];
            if k == NodeKind::Port || (netlist.node_fixed()[i] && k != NodeKind::StdCell) {
                BookshelfMove::Terminal
            } else {
                BookshelfMove::Movable
            }
        }
    }
}

/// Writes a `.pl` file (lower-left corners) atomically.
pub fn write_pl(path: &Path, netlist: &Netlist, placement: &Placement) -> Result<()> {
    let extra = bookshelf_extra(netlist);
    write_atomic(path, |w| {
        writeln!(w, "UCLA pl 1.0")?;
        writeln!(w, "# Written by macroplace")?;
        writeln!(w)?;
        for node in netlist.nodes() {
            let i = node.idx();
            let (x, y) = placement.lower_left(netlist, node, true);
            write!(
                w,
                "{} {} {} : {}",
                netlist.node_name()[i],
                x,
                y,
                placement.orient[i].as_str()
            )?;
            if netlist.node_fixed()[i] {
                let ni = extra.is_some_and(|e| e.node_fixed_ni[i]);
                write!(w, " {}", if ni { "/FIXED_NI" } else { "/FIXED" })?;
            }
            writeln!(w)?;
        }
        Ok(())
    })
}
