//! Wire-mask greedy decoding (WireMask-BBO): hard macros one at a time, in a fixed order, each to
//! the legal grid cell (exact position mask) where it adds the least weighted HPWL (wire mask),
//! given what is placed so far: ports, std cells, soft macros at their current positions, fixed
//! hard macros and the hard macros decoded before it. Ties (cells with the same increase, e.g.
//! inside every net's box) go to the cell nearest a **target** position — the macro's current
//! position for plain greedy, the candidate's coordinates in [`crate::macros::evolve`].
//!
//! Order: descending **connected area** — the macro's own area plus the area of every distinct
//! node sharing a net with it — so big, well-connected macros choose first (ties by id).
//!
//! A macro with no legal grid cell (coarse grid, tight canvas) falls back to the exact nearest
//! legal position from its target ([`crate::macros::legalize::nearest_legal_centre`]); if there is no
//! room at all, the remaining macros go to their targets and the full legalizer settles the
//! placement (its error names the macro when even that fails).

use netlists::{Netlist, NodeId, NodeKind, Placement};

use crate::macros::legalize::{LegalizeError, nearest_legal_centre};
use crate::macros::masks::{MaskGrid, position_mask, wire_mask};

/// Movable hard macros in decoding order (see the module docs).
pub fn macro_order(netlist: &Netlist) -> Vec<usize> {
    let mut seen = vec![usize::MAX; netlist.num_nodes()];
    let mut keyed: Vec<(f64, usize)> = Vec::new();
    for n in 0..netlist.num_nodes() {
        if netlist.node_kind()[n] != NodeKind::HardMacro || netlist.node_fixed()[n] {
            continue;
        }
        let mut area = netlist.node_area(NodeId(n as u32));
        seen[n] = n;
        for &p in netlist.pins_of_node(NodeId(n as u32)) {
            for q in netlist.net_pins(netlist.pin_net(p)) {
                let m = netlist.pin_node()[q].idx();
                if seen[m] != n {
                    seen[m] = n;
                    area += netlist.node_area(NodeId(m as u32));
                }
            }
        }
        keyed.push((area, n));
    }
    keyed.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    keyed.into_iter().map(|(_, n)| n).collect()
}

/// Decodes: places the macros of `order` one by one (see the module docs), each aiming at
/// `targets[i]`: the chosen legal cell minimises `wire mask + steer × distance to the target`
/// (`steer = 0`: the target only breaks ties); everything else stays as in `base`.
pub fn decode(
    netlist: &Netlist,
    base: &Placement,
    order: &[usize],
    targets: &[(f64, f64)],
    grid: &MaskGrid,
    steer: f64,
) -> Result<Placement, LegalizeError> {
    let mut pl = base.clone();
    let mut placed = vec![true; netlist.num_nodes()];
    for &n in order {
        placed[n] = false;
    }
    for (i, &n) in order.iter().enumerate() {
        let node = NodeId(n as u32);
        let (tx, ty) = targets[i];
        let legal = position_mask(netlist, &pl, &placed, node, grid);
        let wire = wire_mask(netlist, &pl, &placed, node, pl.orient[n], grid);
        let mut best: Option<(f64, f64, usize)> = None;
        for (k, (&ok, &w)) in legal.iter().zip(&wire).enumerate() {
            if !ok {
                continue;
            }
            let (c, r) = (k % grid.cols, k / grid.cols);
            let d = (grid.cx(c) - tx).powi(2) + (grid.cy(r) - ty).powi(2);
            let w = if steer > 0.0 { w + steer * d.sqrt() } else { w };
            // Relative tolerance for "equal" wire-mask values (sums of the same terms).
            let better = match best {
                None => true,
                Some((bw, bd, _)) => {
                    let tol = 1e-12 * bw.abs().max(w.abs()).max(1.0);
                    w < bw - tol || (w <= bw + tol && d < bd)
                }
            };
            if better {
                best = Some((w, d, k));
            }
        }
        let (x, y) = match best {
            Some((_, _, k)) => (grid.cx(k % grid.cols), grid.cy(k / grid.cols)),
            None => match nearest_legal_centre(netlist, &pl, &placed, n, tx, ty) {
                Some(p) => p,
                None => {
                    // Decoding painted itself into a corner: the rest go to their targets and
                    // the legalizer (with its retries and packing fallback) settles everything.
                    for (j, &m) in order.iter().enumerate().skip(i) {
                        pl.x[m] = targets[j].0;
                        pl.y[m] = targets[j].1;
                    }
                    crate::macros::legalize::legalize(netlist, &mut pl)?;
                    return Ok(pl);
                }
            },
        };
        pl.x[n] = x;
        pl.y[n] = y;
        placed[n] = true;
    }
    Ok(pl)
}

/// Greedy placement of the hard macros of `start` (targets = their current positions) on a
/// `cols × rows` mask grid.
pub fn greedy(
    netlist: &Netlist,
    start: &Placement,
    cols: usize,
    rows: usize,
) -> Result<Placement, LegalizeError> {
    let order = macro_order(netlist);
    let targets: Vec<(f64, f64)> = order.iter().map(|&n| (start.x[n], start.y[n])).collect();
    let grid = MaskGrid::over_canvas(netlist, cols, rows);
    decode(netlist, start, &order, &targets, &grid, 0.0)
}

/// Mask-grid size for a canvas: `g` cells along the longer side, square-ish cells.
pub fn grid_dims(netlist: &Netlist, g: usize) -> (usize, usize) {
    let fp = netlist.floorplan();
    let g = g.max(1);
    if fp.width >= fp.height {
        let r = ((g as f64 * fp.height / fp.width).round() as usize).max(1);
        (g, r)
    } else {
        let c = ((g as f64 * fp.width / fp.height).round() as usize).max(1);
        (c, g)
    }
}
