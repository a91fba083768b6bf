//! Half-perimeter wirelength in its three flavours: the cost model's ([`hpwl`], soft-macro pin
//! offsets ignored unless asked, `proxy-cost.md` §3), the geometric one with every pin offset
//! applied ([`geometric_hpwl`], [`net_hpwl`]) and the macro-only HPWL of the ISPD 2005 papers
//! ([`macro_hpwl`]).

use netlists::{NetId, Netlist, NodeKind, PinId, Placement};

use super::CostParams;

/// Absolute position of a pin under the cost model's rules (`proxy-cost.md` §3): soft-macro
/// pins sit at the macro centre unless `soft_pin_offsets`; other pins at centre + rotated offset.
#[inline]
pub fn pin_xy(
    netlist: &Netlist,
    placement: &Placement,
    pin: usize,
    soft_pin_offsets: bool,
) -> (f64, f64) {
    let n = netlist.pin_node()[pin].idx();
    if !soft_pin_offsets && netlist.node_kind()[n] == NodeKind::SoftMacro {
        return (placement.x[n], placement.y[n]);
    }
    placement.pin_position(netlist, PinId(pin as u32))
}

/// Weighted HPWL under the cost model's pin rules, on the calling thread (a tight loop over
/// the CSR slices; the parallel proxy evaluation computes HPWL alongside congestion).
pub fn hpwl(netlist: &Netlist, placement: &Placement, params: &CostParams) -> f64 {
    hpwl_with(netlist, placement, params.soft_pin_offsets)
}

/// Weighted HPWL, soft-macro pin offsets applied or not.
pub fn hpwl_with(netlist: &Netlist, placement: &Placement, soft_pin_offsets: bool) -> f64 {
    let (pin_node, pin_dx, pin_dy) = (netlist.pin_node(), netlist.pin_dx(), netlist.pin_dy());
    let (kind, weight, starts) = (
        netlist.node_kind(),
        netlist.net_weight(),
        netlist.net_pin_start(),
    );
    let (px, py, po) = (&placement.x[..], &placement.y[..], &placement.orient[..]);
    let zero_soft = !soft_pin_offsets;
    let mut total = 0.0;
    for (net, w) in weight.iter().enumerate() {
        let (s, e) = (starts[net] as usize, starts[net + 1] as usize);
        if e - s < 2 {
            continue;
        }
        let (mut x0, mut x1, mut y0, mut y1) = (
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
        );
        for ((node, &dx), &dy) in pin_node[s..e].iter().zip(&pin_dx[s..e]).zip(&pin_dy[s..e]) {
            let n = node.idx();
            let (ox, oy) = if zero_soft && kind[n] == NodeKind::SoftMacro {
                (0.0, 0.0)
            } else {
                po[n].rotate(dx, dy)
            };
            let (x, y) = (px[n] + ox, py[n] + oy);
            if x < x0 {
                x0 = x;
            }
            if x > x1 {
                x1 = x;
            }
            if y < y0 {
                y0 = y;
            }
            if y > y1 {
                y1 = y;
            }
        }
        total += w * ((x1 - x0) + (y1 - y0));
    }
    total
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
        let (x, y) = placement.pin_position(netlist, PinId(p as u32));
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    if x0 > x1 { 0.0 } else { (x1 - x0) + (y1 - y0) }
}

/// Weighted geometric HPWL (every pin offset applied, soft-macro pins included): Σ over nets of
/// weight × [`net_hpwl`]. The proxy cost's HPWL ([`hpwl`]) differs only in ignoring
/// soft-macro pin offsets unless asked (the reference's rule).
pub fn geometric_hpwl(netlist: &Netlist, placement: &Placement) -> f64 {
    hpwl_with(netlist, placement, true)
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
            if netlist.node_kind()[n] == NodeKind::StdCell {
                continue;
            }
            k += 1;
            let (x, y) = placement.pin_position(netlist, PinId(p as u32));
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
            .add_node("m", 10.0, 4.0, NodeKind::HardMacro, false, at)
            .unwrap();
        let p = b.add_node("p", 0.0, 0.0, NodeKind::Port, true, at).unwrap();
        b.add_net("n", 2.0, at).unwrap();
        b.add_pin(m, 3.0, 1.0, PinDir::Output);
        b.add_pin(p, 0.0, 0.0, PinDir::Input);
        let nl = b.build().unwrap();
        let mut pl = Placement::zeros(2);
        pl.x[0] = 10.0;
        pl.y[0] = 10.0;
        // N: pin at (13, 11); port at (0, 0): 13 + 11 = 24, weight 2.
        assert_eq!(geometric_hpwl(&nl, &pl), 48.0);
        // S: pin at (7, 9): 7 + 9 = 16.
        pl.orient[0] = Orientation::S;
        assert_eq!(geometric_hpwl(&nl, &pl), 32.0);
    }
}
