//! A model → Bookshelf files (`.aux .nodes .nets .wts .pl .scl`), atomically.

use std::path::Path;

use crate::error::{Error, Result};
use crate::io::write_atomic;
use crate::model::{BookshelfMove, Netlist, PinDir, Placement, Row};

use super::pl::{bookshelf_extra, node_move, write_pl};

/// Writes a complete Bookshelf design (`NAME.aux .nodes .nets .wts .pl .scl`) into `dir`.
pub fn write_bookshelf(
    dir: &Path,
    name: &str,
    netlist: &Netlist,
    placement: &Placement,
) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let extra = bookshelf_extra(netlist);
    let f = |ext: &str| dir.join(format!("{name}.{ext}"));
    write_atomic(&f("nodes"), |w| {
        writeln!(w, "UCLA nodes 1.0")?;
        writeln!(w, "# Written by macroplace")?;
        writeln!(w)?;
        let terms = netlist
            .nodes()
            .filter(|&n| node_move(netlist, n) != BookshelfMove::Movable)
            .count();
        writeln!(w, "NumNodes : {}", netlist.num_nodes())?;
        writeln!(w, "NumTerminals : {terms}")?;
        for node in netlist.nodes() {
            let i = node.idx();
            write!(
                w,
                "\t{}\t{}\t{}",
                netlist.node_name()[i],
                netlist.node_width()[i],
                netlist.node_height()[i]
            )?;
            match node_move(netlist, node) {
                BookshelfMove::Movable => writeln!(w)?,
                BookshelfMove::Terminal => writeln!(w, "\tterminal")?,
                BookshelfMove::TerminalNi => writeln!(w, "\tterminal_NI")?,
            }
        }
        Ok(())
    })?;
    write_atomic(&f("nets"), |w| {
        writeln!(w, "UCLA nets 1.0")?;
        writeln!(w, "# Written by macroplace")?;
        writeln!(w)?;
        writeln!(w, "NumNets : {}", netlist.num_nets())?;
        writeln!(w, "NumPins : {}", netlist.num_pins())?;
        for net in netlist.nets() {
            let pins = netlist.net_pins(net);
            writeln!(
                w,
                "NetDegree : {} {}",
                pins.len(),
                netlist.net_name()[net.idx()]
            )?;
            for p in pins {
                let dir = match netlist.pin_dir()[p] {
                    PinDir::Input => "I",
                    PinDir::Output => "O",
                    PinDir::Bidir => "B",
                };
                let node = netlist.pin_node()[p].idx();
                writeln!(
                    w,
                    "\t{}\t{} : {}\t{}",
                    netlist.node_name()[node],
                    dir,
                    netlist.pin_dx()[p],
                    netlist.pin_dy()[p]
                )?;
            }
        }
        Ok(())
    })?;
    let write_net_weights = extra.map_or_else(
        || netlist.net_weight().iter().any(|&w| w != 1.0),
        |e| e.has_net_weights,
    );
    write_atomic(&f("wts"), |w| {
        writeln!(w, "UCLA wts 1.0")?;
        writeln!(w, "# Written by macroplace")?;
        writeln!(w)?;
        if let Some(e) = extra {
            for (i, wt) in e.node_weight.iter().enumerate() {
                writeln!(w, "{} {}", netlist.node_name()[i], wt)?;
            }
        }
        if write_net_weights {
            for net in netlist.nets() {
                writeln!(
                    w,
                    "{} {}",
                    netlist.net_name()[net.idx()],
                    netlist.net_weight()[net.idx()]
                )?;
            }
        }
        Ok(())
    })?;
    write_pl(&f("pl"), netlist, placement)?;
    let fp = netlist.floorplan();
    write_atomic(&f("scl"), |w| {
        writeln!(w, "UCLA scl 1.0")?;
        writeln!(w, "# Written by macroplace")?;
        writeln!(w)?;
        let synthetic;
        let rows: &[Row] = if fp.rows.is_empty() {
            // CT designs have no rows: one row spanning the canvas keeps the canvas.
            synthetic = [Row {
                y: fp.y_min,
                height: fp.height,
                site_width: 1.0,
                site_spacing: fp.width,
                site_orient: "N".into(),
                site_symmetry: "Y".into(),
                x: fp.x_min,
                num_sites: 1,
            }];
            &synthetic
        } else {
            &fp.rows
        };
        writeln!(w, "NumRows : {}", rows.len())?;
        writeln!(w)?;
        for r in rows {
            writeln!(w, "CoreRow Horizontal")?;
            writeln!(w, "  Coordinate    :   {}", r.y)?;
            writeln!(w, "  Height        :   {}", r.height)?;
            writeln!(w, "  Sitewidth     :   {}", r.site_width)?;
            writeln!(w, "  Sitespacing   :   {}", r.site_spacing)?;
            if !r.site_orient.is_empty() {
                writeln!(w, "  Siteorient    :   {}", r.site_orient)?;
            }
            if !r.site_symmetry.is_empty() {
                writeln!(w, "  Sitesymmetry  :   {}", r.site_symmetry)?;
            }
            writeln!(
                w,
                "  SubrowOrigin  :   {}\tNumSites  :  {}",
                r.x, r.num_sites
            )?;
            writeln!(w, "End")?;
        }
        Ok(())
    })?;
    write_atomic(&f("aux"), |w| {
        writeln!(
            w,
            "RowBasedPlacement : {name}.nodes {name}.nets {name}.wts {name}.pl {name}.scl"
        )
    })?;
    Ok(())
}
