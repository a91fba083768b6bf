//! # placer
//!
//! The cost model and the placers built on it: the exact half-perimeter wirelength
//! ([`hpwl`]) and the Circuit Training proxy cost ([`cost`]); legalization and the classical
//! placers follow (see ARCHITECTURE.md). Depends on `netlists` only, never on libtorch.

pub mod analytic;
pub mod anneal;
pub mod cost;
pub mod density;
pub mod env;
pub mod evolve;
pub mod flow;
pub mod force;
pub mod full;
pub mod greedy;
pub mod incremental;
pub mod legality;
pub mod legalize;
pub mod masks;
pub mod partial;
mod routes;
pub mod rows;
pub mod wirelength;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_full;

use netlists::{NetId, Netlist, Placement};

/// A [`incremental::CostState`] for a placement (shorthand).
pub fn cost_state(
    netlist: &Netlist,
    placement: Placement,
    params: cost::CostParams,
) -> incremental::CostState<'_> {
    incremental::CostState::new(netlist, placement, params)
}

/// Half-perimeter wirelength of one net with every pin offset applied (the geometric HPWL:
/// pins at node centre + offset rotated by the node's orientation), unweighted.
pub fn net_hpwl(netlist: &Netlist, placement: &Placement, net: NetId) -> f64 {
    let (mut x0, mut x1, mut y0, mut y1) = (
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
    );
    for p in netlist.net_pins(net) {
        let (x, y) = placement.pin_position(netlist, netlists::PinId(p as u32));
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    if x0 > x1 { 0.0 } else { (x1 - x0) + (y1 - y0) }
}

/// Weighted geometric HPWL (every pin offset applied, soft-macro pins included): Σ over nets of
/// weight × [`net_hpwl`]. The proxy cost's HPWL ([`cost::hpwl`]) differs only in ignoring
/// soft-macro pin offsets unless asked (the reference's rule).
pub fn hpwl(netlist: &Netlist, placement: &Placement) -> f64 {
    cost::hpwl_with(netlist, placement, true)
}

/// Macro-only HPWL (the ISPD 2005 papers' "macro HPWL"): Σ over nets of weight × the HPWL of
/// the net's pins on hard macros, soft macros and ports only (std-cell pins ignored); a net with
/// fewer than two such pins adds nothing. Every pin offset is applied.
pub fn macro_hpwl(netlist: &Netlist, placement: &Placement) -> f64 {
    let mut total = 0.0;
    for net in netlist.nets() {
        let (mut x0, mut x1, mut y0, mut y1) = (
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
        );
        let mut k = 0;
        for p in netlist.net_pins(net) {
            let n = netlist.pin_node()[p].idx();
            if netlist.node_kind()[n] == netlists::NodeKind::StdCell {
                continue;
            }
            k += 1;
            let (x, y) = placement.pin_position(netlist, netlists::PinId(p as u32));
            x0 = x0.min(x);
            x1 = x1.max(x);
            y0 = y0.min(y);
            y1 = y1.max(y);
        }
        if k >= 2 {
            total += netlist.net_weight()[net.idx()] * ((x1 - x0) + (y1 - y0));
        }
    }
    total
}

#[cfg(test)]
mod hpwl_tests {
    use super::*;
    use netlists::model::SourceLine;
    use netlists::{NetlistBuilder, NodeKind, Orientation, PinDir, SourceFormat};

    #[test]
    fn hpwl_of_hand_made_net_with_rotation() {
        let mut b = NetlistBuilder::new("t", SourceFormat::Memory);
        let at = SourceLine::default();
        let m = b
            .add_node(
                "m",
                10.0,
                4.0,
                NodeKind::HardMacro,
                false,
                Orientation::N,
                at,
            )
            .unwrap();
        let p = b
            .add_node("p", 0.0, 0.0, NodeKind::Port, true, Orientation::N, at)
            .unwrap();
        b.add_net("n", 2.0, at).unwrap();
        b.add_pin(m, 3.0, 1.0, PinDir::Output);
        b.add_pin(p, 0.0, 0.0, PinDir::Input);
        let nl = b.build().unwrap();
        let mut pl = Placement::zeros(2);
        pl.x[0] = 10.0;
        pl.y[0] = 10.0;
        // N: pin at (13, 11); port at (0, 0): 13 + 11 = 24, weight 2.
        assert_eq!(hpwl(&nl, &pl), 48.0);
        // S: pin at (7, 9): 7 + 9 = 16.
        pl.orient[0] = Orientation::S;
        assert_eq!(hpwl(&nl, &pl), 32.0);
    }
}
