//! Smooth wirelength for the analytic placer: the weighted-average (WA) model of ePlace and
//! DREAMPlace, per net and axis
//!
//! `WA_x = Σ xᵢ e^{xᵢ/γ} / Σ e^{xᵢ/γ} − Σ xᵢ e^{−xᵢ/γ} / Σ e^{−xᵢ/γ}`
//!
//! (a smooth max minus a smooth min, approaching the HPWL as γ → 0), and its exact gradient. The
//! exponentials are shifted by the net's max and min so nothing overflows. A two-pin net has a
//! closed form with one exponential (`wa_pair`); the tests compare both with the textbook
//! form.
//!
//! Pins sit at node centre + offset (the offsets rotated once by the node's orientation, which
//! the analytic placer does not change). Pins are numbered net after net (CSR), so the pin
//! gradients of a group of nets are one contiguous slice: nets are processed in fixed groups in
//! parallel, each writing only its own slice, and node gradients are summed pin by pin in the
//! node→pin order. The result is identical for any number of threads.

use crate::global::{Xy, XyMut};
use netlists::{Netlist, Placement};
use rayon::prelude::*;

/// Pin offsets of a placement (rotated by each node's orientation), pin-indexed.
#[derive(Debug, Clone)]
pub struct PinOffsets {
    /// x offset of each pin from its node's centre.
    pub dx: Vec<f64>,
    /// y offset.
    pub dy: Vec<f64>,
}

impl PinOffsets {
    /// Offsets in the orientations of `placement`.
    pub fn new(netlist: &Netlist, placement: &Placement) -> PinOffsets {
        let (mut dx, mut dy) = (vec![0.0; netlist.num_pins()], vec![0.0; netlist.num_pins()]);
        for p in 0..netlist.num_pins() {
            let n = netlist.pin_node()[p].idx();
            let (a, b) = placement.orient[n].rotate(netlist.pin_dx()[p], netlist.pin_dy()[p]);
            dx[p] = a;
            dy[p] = b;
        }
        PinOffsets { dx, dy }
    }
}

/// Nets per parallel group (fixed, so the work split never depends on the thread count).
const NET_GROUP: usize = 512;

/// Nets narrower than this many γ get their min-side exponentials from the max-side ones
/// (`e^{(lo−c)/γ} = e^{(lo−hi)/γ} / e^{(c−hi)/γ}`, no underflow below ~700); wider nets
/// compute both.
const RATIO_SPAN: f64 = 600.0;

/// WA of one axis over a two-pin net at `c0`, `c1` (weighted by `w`), with the gradient per
/// coordinate: in closed form, one exponential. With `d = |c1 − c0|` and `e = e^{−d/γ}`,
/// `WA = d (1 − e) / (1 + e)` and its derivative in `d` is `(1 − e) / (1 + e) + 2 d e / (γ (1 +
/// e)²)`, pushing the upper coordinate up and the lower one down. (Most nets have two pins: 64%
/// on ibm03; a global-placement iteration there took 14% less than through [`wa_axis`]'s
/// general form.)
#[inline]
pub(crate) fn wa_pair(c0: f64, c1: f64, gamma: f64, w: f64) -> (f64, f64, f64) {
    let d = (c1 - c0).abs();
    let e = (-d / gamma).exp();
    let q = 1.0 / (1.0 + e);
    let slope = w * ((1.0 - e) * q + 2.0 * d * e * q * q / gamma);
    let (g0, g1) = if c1 >= c0 {
        (-slope, slope)
    } else {
        (slope, -slope)
    };
    (w * d * (1.0 - e) * q, g0, g1)
}

/// WA of one axis over `coords` and the gradient per coordinate into `grad` (weighted by `w`):
/// two exponentials per coordinate at most, one for nets narrower than [`RATIO_SPAN`] γ (the
/// other is a division), kept in `ex` between the sums and the gradient.
/// [`tests_full`](crate) compares it with a naive two-pass form on random and wide nets.
#[inline]
pub(crate) fn wa_axis(
    coords: &[f64],
    gamma: f64,
    w: f64,
    grad: &mut [f64],
    ex: &mut Vec<(f64, f64)>,
) -> f64 {
    let inv_gamma = 1.0 / gamma;
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for &c in coords {
        lo = lo.min(c);
        hi = hi.max(c);
    }
    ex.clear();
    let span = (hi - lo) * inv_gamma;
    if span < RATIO_SPAN {
        let k = (-span).exp();
        ex.extend(coords.iter().map(|&c| {
            let a = ((c - hi) * inv_gamma).exp();
            (a, k / a)
        }));
    } else {
        ex.extend(
            coords
                .iter()
                .map(|&c| (((c - hi) * inv_gamma).exp(), ((lo - c) * inv_gamma).exp())),
        );
    }
    let (mut sa, mut sxa, mut sb, mut sxb) = (0.0, 0.0, 0.0, 0.0);
    for (&c, &(a, b)) in coords.iter().zip(ex.iter()) {
        sa += a;
        sxa += c * a;
        sb += b;
        sxb += c * b;
    }
    let (ma, mb) = (sxa / sa, sxb / sb);
    let (wa, wb) = (w / sa, w / sb);
    for ((g, &c), &(a, b)) in grad.iter_mut().zip(coords).zip(ex.iter()) {
        *g = wa * a * (1.0 + (c - ma) * inv_gamma) - wb * b * (1.0 - (c - mb) * inv_gamma);
    }
    w * (ma - mb)
}

/// Scratch buffers of [`wa_gradient`] (pin-indexed).
#[derive(Debug, Clone, Default)]
pub struct WaScratch {
    gx: Vec<f64>,
    gy: Vec<f64>,
}

/// Weighted WA wirelength of all nets with 2..=`max_degree` pins at node centres `pos`, and
/// its gradient with respect to each node centre, written into `grad`.
pub fn wa_gradient(
    netlist: &Netlist,
    offsets: &PinOffsets,
    pos: Xy,
    gamma: f64,
    max_degree: usize,
    scratch: &mut WaScratch,
    grad: XyMut,
) -> f64 {
    let (x, y, grad_x, grad_y) = (pos.x, pos.y, grad.x, grad.y);
    let np = netlist.num_pins();
    scratch.gx.resize(np, 0.0);
    scratch.gy.resize(np, 0.0);
    let starts = netlist.net_pin_start();
    let nets = netlist.num_nets();
    // Split the pin buffers at net-group boundaries.
    let mut gx_parts = Vec::new();
    let mut gy_parts = Vec::new();
    {
        let (mut rx, mut ry) = (&mut scratch.gx[..], &mut scratch.gy[..]);
        let mut at = 0usize;
        for g0 in (0..nets).step_by(NET_GROUP) {
            let g1 = (g0 + NET_GROUP).min(nets);
            let end = starts[g1] as usize;
            let (a, b) = std::mem::take(&mut rx).split_at_mut(end - at);
            let (c, d) = std::mem::take(&mut ry).split_at_mut(end - at);
            gx_parts.push((g0, g1, a));
            gy_parts.push(c);
            rx = b;
            ry = d;
            at = end;
        }
    }
    let pin_node = netlist.pin_node();
    let weights = netlist.net_weight();
    let total: f64 = gx_parts
        .into_par_iter()
        .zip(gy_parts)
        .map(|((g0, g1, gx), gy)| {
            let base = starts[g0] as usize;
            let mut cx: Vec<f64> = Vec::new();
            let mut cy: Vec<f64> = Vec::new();
            let mut ex: Vec<(f64, f64)> = Vec::new();
            let mut sum = 0.0;
            for net in g0..g1 {
                let (p0, p1) = (starts[net] as usize, starts[net + 1] as usize);
                let (sx, sy) = (&mut gx[p0 - base..p1 - base], &mut gy[p0 - base..p1 - base]);
                let deg = p1 - p0;
                if deg < 2 || deg > max_degree {
                    sx.fill(0.0);
                    sy.fill(0.0);
                    continue;
                }
                let w = weights[net];
                if deg == 2 {
                    // The closed form, without the coordinate buffers.
                    let (a, b) = (pin_node[p0].idx(), pin_node[p0 + 1].idx());
                    let (v, g0, g1) =
                        wa_pair(x[a] + offsets.dx[p0], x[b] + offsets.dx[p0 + 1], gamma, w);
                    (sx[0], sx[1]) = (g0, g1);
                    sum += v;
                    let (v, g0, g1) =
                        wa_pair(y[a] + offsets.dy[p0], y[b] + offsets.dy[p0 + 1], gamma, w);
                    (sy[0], sy[1]) = (g0, g1);
                    sum += v;
                    continue;
                }
                cx.clear();
                cy.clear();
                for (k, node) in pin_node[p0..p1].iter().enumerate() {
                    let n = node.idx();
                    cx.push(x[n] + offsets.dx[p0 + k]);
                    cy.push(y[n] + offsets.dy[p0 + k]);
                }
                sum += wa_axis(&cx, gamma, w, sx, &mut ex);
                sum += wa_axis(&cy, gamma, w, sy, &mut ex);
            }
            sum
        })
        .collect::<Vec<f64>>()
        .iter()
        .sum();
    let (ps, pins) = (netlist.node_pin_start(), netlist.node_pins());
    let (gx, gy) = (&scratch.gx, &scratch.gy);
    grad_x
        .par_iter_mut()
        .zip(grad_y.par_iter_mut())
        .enumerate()
        .for_each(|(n, (ox, oy))| {
            let (mut sx, mut sy) = (0.0, 0.0);
            for &p in &pins[ps[n] as usize..ps[n + 1] as usize] {
                sx += gx[p.idx()];
                sy += gy[p.idx()];
            }
            *ox = sx;
            *oy = sy;
        });
    total
}

/// Weighted HPWL of one net at node centres `x`, `y` with `offsets` (0 for a net without pins).
#[inline]
pub fn net_hpwl_at(
    netlist: &Netlist,
    offsets: &PinOffsets,
    x: &[f64],
    y: &[f64],
    net: usize,
) -> f64 {
    let starts = netlist.net_pin_start();
    let p0 = starts[net] as usize;
    let (mut x0, mut x1, mut y0, mut y1) = (
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
    );
    for (k, node) in netlist.pin_node()[p0..starts[net + 1] as usize]
        .iter()
        .enumerate()
    {
        let n = node.idx();
        let (px, py) = (x[n] + offsets.dx[p0 + k], y[n] + offsets.dy[p0 + k]);
        x0 = x0.min(px);
        x1 = x1.max(px);
        y0 = y0.min(py);
        y1 = y1.max(py);
    }
    if x1 >= x0 {
        netlist.net_weight()[net] * ((x1 - x0) + (y1 - y0))
    } else {
        0.0
    }
}

/// Weighted HPWL at node centres `x`, `y` with `offsets` (all nets), summed per net group in a
/// fixed order.
pub fn hpwl_at(netlist: &Netlist, offsets: &PinOffsets, x: &[f64], y: &[f64]) -> f64 {
    let nets = netlist.num_nets();
    let groups: Vec<usize> = (0..nets).step_by(NET_GROUP).collect();
    groups
        .par_iter()
        .map(|&g0| {
            (g0..(g0 + NET_GROUP).min(nets))
                .map(|net| net_hpwl_at(netlist, offsets, x, y, net))
                .sum::<f64>()
        })
        .collect::<Vec<f64>>()
        .iter()
        .sum()
}
