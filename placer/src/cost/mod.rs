//! The Circuit Training proxy cost, exactly as `shared/reference/proxy-cost.md` defines it:
//! wirelength cost (HPWL over the weighted net count and canvas half-perimeter), density cost
//! (top 10% of grid-cell occupancy, × 0.5) and congestion cost (L/T/star routing of every net
//! over the grid, hard-macro blockage with the partial-coverage rule, capacity normalisation,
//! smoothing of the net part, mean of the top 5% of the H and V maps together).
//!
//! Density counts every node with area except ports: for the clustered CT designs of the
//! reference (no std cells) that is exactly hard + soft macros; flat CT and Bookshelf designs
//! have their std cells counted too.
//!
//! Everything is a pure function of `(&Netlist, &Placement, &CostParams)`. The per-cell maps are
//! returned as `ndarray` arrays indexed `[row, col]` (row 0 at the bottom).
//!
//! Files: [`mod@hpwl`] (HPWL under the cost model's pin rules, geometric and macro-only HPWL),
//! `raw` (the accumulators — occupancy, routing demand, blockage — and the two kernels
//! `add_node`/`add_net` that build them), this module (parameters, normalisation, smoothing,
//! top-k selections, the public entry points, RUDY), [`incremental`] (`CostState`: the cost
//! kept current under moves), [`partial`] (`PartialCost`: the cost of a partial placement),
//! `routes` (each net's last routing, shared by both), [`legality`] (macro violations).
//!
//! Architecture invariant: the full evaluation, `CostState` and `PartialCost` (with every node
//! present) give bit-identical costs, because all three use the same kernels and the same
//! `finish_cost` in the same order; the property tests in `tests.rs` compare them with a slow
//! oracle written from the spec.

use ndarray::Array2;
use netlists::{Floorplan, Netlist, Placement};

pub mod hpwl;
pub mod incremental;
pub mod legality;
pub mod partial;
mod raw;
mod routes;

pub use hpwl::{hpwl, hpwl_with, pin_xy};
pub(crate) use raw::*;

/// λ and γ of `proxy = w·WL + λ·density + γ·congestion`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Weights {
    /// Weight of the wirelength cost (1 in every published comparison).
    pub wirelength: f64,
    /// λ: weight of the density cost.
    pub density: f64,
    /// γ: weight of the congestion cost.
    pub congestion: f64,
}

impl Default for Weights {
    /// 1 / 0.5 / 0.5: the weights of the published comparisons (`proxy-cost.md` §7).
    fn default() -> Self {
        Weights {
            wirelength: 1.0,
            density: 0.5,
            congestion: 0.5,
        }
    }
}

/// Everything the cost depends on besides the netlist and placement.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CostParams {
    /// Canvas width (the canvas starts at the floorplan origin).
    pub canvas_width: f64,
    /// Canvas height.
    pub canvas_height: f64,
    /// Canvas lower-left x (0 for CT).
    pub canvas_x: f64,
    /// Canvas lower-left y.
    pub canvas_y: f64,
    /// Grid columns.
    pub grid_cols: usize,
    /// Grid rows.
    pub grid_rows: usize,
    /// Horizontal routing tracks per micron.
    pub h_routes_per_um: f64,
    /// Vertical routing tracks per micron.
    pub v_routes_per_um: f64,
    /// Horizontal tracks per micron a hard macro uses.
    pub h_macro_alloc: f64,
    /// Vertical tracks per micron a hard macro uses.
    pub v_macro_alloc: f64,
    /// Smoothing range k (⌊smoothing factor⌋).
    pub smooth: usize,
    /// Weights of the three terms.
    pub weights: Weights,
    /// Make every soft macro square (same area) before computing density (Google's flow).
    pub square_soft: bool,
    /// Apply soft-macro pin offsets (Google's binary); the TILOS reference ignores them.
    pub soft_pin_offsets: bool,
}

/// Defaults used when no `.plc` header gives a parameter (the TILOS defaults, also the
/// parameters of the small TILOS golden cases).
pub const DEFAULT_ROUTES_PER_UM: f64 = 10.0;
/// Default macro routing allocation per micron.
pub const DEFAULT_MACRO_ALLOC: f64 = 5.0;
/// Default smoothing range.
pub const DEFAULT_SMOOTH: usize = 2;
/// Default grid when no `.plc` gives one.
pub const DEFAULT_GRID: (usize, usize) = (10, 10);

impl CostParams {
    /// Parameters from a netlist's floorplan (`.plc` header values where present, else the
    /// defaults above; the canvas default is the floorplan's own).
    pub fn from_floorplan(fp: &Floorplan) -> Self {
        let (c, r) = fp
            .grid
            .map_or(DEFAULT_GRID, |(c, r)| (c as usize, r as usize));
        let routing = fp.routing;
        CostParams {
            canvas_width: fp.width,
            canvas_height: fp.height,
            canvas_x: fp.x_min,
            canvas_y: fp.y_min,
            grid_cols: c,
            grid_rows: r,
            h_routes_per_um: routing.map_or(DEFAULT_ROUTES_PER_UM, |r| r.h_routes_per_um),
            v_routes_per_um: routing.map_or(DEFAULT_ROUTES_PER_UM, |r| r.v_routes_per_um),
            h_macro_alloc: routing.map_or(DEFAULT_MACRO_ALLOC, |r| r.h_macro_alloc),
            v_macro_alloc: routing.map_or(DEFAULT_MACRO_ALLOC, |r| r.v_macro_alloc),
            smooth: fp
                .smoothing
                .map_or(DEFAULT_SMOOTH, |s| s.max(0.0).floor() as usize),
            weights: Weights::default(),
            square_soft: false,
            soft_pin_offsets: false,
        }
    }

    /// Cell width.
    pub fn cell_width(&self) -> f64 {
        self.canvas_width / self.grid_cols as f64
    }

    /// Cell height.
    pub fn cell_height(&self) -> f64 {
        self.canvas_height / self.grid_rows as f64
    }
}

/// The proxy cost and its parts.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ProxyCost {
    /// Weighted half-perimeter wirelength.
    pub hpwl: f64,
    /// HPWL / ((W + H) · Σ net weights).
    pub wirelength_cost: f64,
    /// 0.5 × mean of the top 10% cell densities.
    pub density_cost: f64,
    /// Mean of the top 5% of the H and V congestion values together.
    pub congestion_cost: f64,
    /// w·WL + λ·density + γ·congestion.
    pub proxy_cost: f64,
    /// The weights used.
    pub weights: Weights,
    /// Largest cell density.
    pub max_density: f64,
    /// Largest horizontal congestion.
    pub max_h_congestion: f64,
    /// Largest vertical congestion.
    pub max_v_congestion: f64,
}

/// Per-cell maps behind the cost, `[row, col]`.
#[derive(Debug, Clone, PartialEq)]
pub struct CostMaps {
    /// Macro occupancy / cell area.
    pub density: Array2<f64>,
    /// Smoothed, normalised horizontal net demand.
    pub h_net: Array2<f64>,
    /// Smoothed, normalised vertical net demand.
    pub v_net: Array2<f64>,
    /// Normalised horizontal macro blockage.
    pub h_macro: Array2<f64>,
    /// Normalised vertical macro blockage.
    pub v_macro: Array2<f64>,
}

impl CostMaps {
    /// Total horizontal congestion (net + macro).
    pub fn h_congestion(&self) -> Array2<f64> {
        &self.h_net + &self.h_macro
    }
    /// Total vertical congestion (net + macro).
    pub fn v_congestion(&self) -> Array2<f64> {
        &self.v_net + &self.v_macro
    }
}

/// Density cost from a density map (`proxy-cost.md` §5).
pub fn density_cost(density: &Array2<f64>) -> f64 {
    density_cost_of(&mut density.iter().copied().collect::<Vec<f64>>())
}

/// Density cost of the cell densities in `v` (reordered in place).
fn density_cost_of(v: &mut [f64]) -> f64 {
    let n = v.len();
    if n < 10 {
        // "Non-zero" means above 1e-12, so that the round-off an incremental remove/add leaves
        // in an emptied cell never counts as occupancy.
        let (sum, count) = v
            .iter()
            .filter(|&&x| x > 1e-12)
            .fold((0.0, 0usize), |(s, c), &x| (s + x, c + 1));
        return if count == 0 {
            0.0
        } else {
            0.5 * sum / count as f64
        };
    }
    let k = n / 10;
    0.5 * top_k_sum(v, k) / k as f64
}

/// Sum of the k largest values (1 ≤ k ≤ len), found by selection (O(n)) on integer keys that
/// order like the floats (IEEE total order); deterministic for a given input.
fn top_k_sum(v: &mut [f64], k: usize) -> f64 {
    // Monotone map f64 → u64 under the total order: flip all bits of negatives, the sign bit
    // of non-negatives.
    let key = |x: f64| {
        let b = x.to_bits();
        if b >> 63 == 1 { !b } else { b | (1 << 63) }
    };
    let unkey = |k: u64| {
        if k >> 63 == 1 {
            f64::from_bits(k & !(1 << 63))
        } else {
            f64::from_bits(!k)
        }
    };
    let mut keys: Vec<u64> = v.iter().map(|&x| key(x)).collect();
    if k < keys.len() {
        keys.select_nth_unstable_by(k - 1, |a, b| b.cmp(a));
    }
    keys[..k].iter().map(|&x| unkey(x)).sum()
}

/// Reusable buffers of [`finish_cost`].
#[derive(Debug, Clone, Default)]
pub(crate) struct Scratch {
    vals: Vec<f64>,
    sh: Vec<f64>,
    sv: Vec<f64>,
}

/// Turns raw accumulators into the costs without allocating (buffers in `s`). The values are
/// computed with exactly the operations, in the order, of the maps of [`finish`], so both give
/// bit-identical costs.
pub(crate) fn finish_cost(
    raw: &Raw,
    weight_sum: f64,
    params: &CostParams,
    s: &mut Scratch,
) -> ProxyCost {
    let (rows, cols) = (params.grid_rows, params.grid_cols);
    let (gw, gh) = (params.cell_width(), params.cell_height());
    let cell_area = gw * gh;
    let hcap = gh * params.h_routes_per_um;
    let vcap = gw * params.v_routes_per_um;
    let max = |v: &[f64]| v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let slice = |a: &'_ Array2<f64>| -> Vec<f64> { a.iter().copied().collect() };
    // Standard-layout arrays are contiguous; fall back to a copy otherwise.
    let (occ, dh, dv, mh, mv) = (
        raw.occ
            .as_slice()
            .map_or_else(|| slice(&raw.occ).into(), std::borrow::Cow::Borrowed),
        raw.dh
            .as_slice()
            .map_or_else(|| slice(&raw.dh).into(), std::borrow::Cow::Borrowed),
        raw.dv
            .as_slice()
            .map_or_else(|| slice(&raw.dv).into(), std::borrow::Cow::Borrowed),
        raw.mh
            .as_slice()
            .map_or_else(|| slice(&raw.mh).into(), std::borrow::Cow::Borrowed),
        raw.mv
            .as_slice()
            .map_or_else(|| slice(&raw.mv).into(), std::borrow::Cow::Borrowed),
    );
    let n = rows * cols;
    s.vals.clear();
    s.vals.extend_from_slice(&occ);
    for v in s.vals.iter_mut() {
        *v /= cell_area;
    }
    let max_density = max(&s.vals);
    let density_cost = density_cost_of(&mut s.vals);
    // Smoothing of the net demand (as `smooth`), row-major.
    let k = params.smooth;
    s.sh.clear();
    s.sh.resize(n, 0.0);
    s.sv.clear();
    s.sv.resize(n, 0.0);
    for r in 0..rows {
        for c in 0..cols {
            let v = dv[r * cols + c] / vcap;
            if v != 0.0 {
                let (a, b) = (c.saturating_sub(k), (c + k).min(cols - 1));
                let share = v / (b - a + 1) as f64;
                for x in &mut s.sv[r * cols + a..=r * cols + b] {
                    *x += share;
                }
            }
            let h = dh[r * cols + c] / hcap;
            if h != 0.0 {
                let (a, b) = (r.saturating_sub(k), (r + k).min(rows - 1));
                let share = h / (b - a + 1) as f64;
                for rr in a..=b {
                    s.sh[rr * cols + c] += share;
                }
            }
        }
    }
    s.vals.clear();
    s.vals.resize(2 * n, 0.0);
    for i in 0..n {
        s.vals[i] = s.sh[i] + mh[i] / hcap;
        s.vals[n + i] = s.sv[i] + mv[i] / vcap;
    }
    let max_h_congestion = max(&s.vals[..n]);
    let max_v_congestion = max(&s.vals[n..]);
    let congestion_cost = congestion_cost_of(&mut s.vals);
    let wirelength_cost = if weight_sum > 0.0 {
        raw.hpwl / ((params.canvas_width + params.canvas_height) * weight_sum)
    } else {
        0.0
    };
    let w = params.weights;
    ProxyCost {
        hpwl: raw.hpwl,
        wirelength_cost,
        density_cost,
        congestion_cost,
        proxy_cost: w.wirelength * wirelength_cost
            + w.density * density_cost
            + w.congestion * congestion_cost,
        weights: w,
        max_density,
        max_h_congestion,
        max_v_congestion,
    }
}

/// Turns raw accumulators into the maps and costs.
pub(crate) fn finish(raw: &Raw, weight_sum: f64, params: &CostParams) -> (ProxyCost, CostMaps) {
    let (gw, gh) = (params.cell_width(), params.cell_height());
    let hcap = gh * params.h_routes_per_um;
    let vcap = gw * params.v_routes_per_um;
    let (h_net, v_net) = smooth(&(&raw.dh / hcap), &(&raw.dv / vcap), params.smooth);
    let maps = CostMaps {
        density: &raw.occ / (gw * gh),
        h_net,
        v_net,
        h_macro: &raw.mh / hcap,
        v_macro: &raw.mv / vcap,
    };
    (
        finish_cost(raw, weight_sum, params, &mut Scratch::default()),
        maps,
    )
}

/// Smooths net demand: V values spread along their row over `[c−k, c+k]`, H values along their
/// column over `[r−k, r+k]`, both clipped to the grid.
pub fn smooth(dh: &Array2<f64>, dv: &Array2<f64>, k: usize) -> (Array2<f64>, Array2<f64>) {
    let (rows, cols) = dh.dim();
    let mut sh = Array2::<f64>::zeros((rows, cols));
    let mut sv = Array2::<f64>::zeros((rows, cols));
    for r in 0..rows {
        for c in 0..cols {
            let v = dv[[r, c]];
            if v != 0.0 {
                let (a, b) = (c.saturating_sub(k), (c + k).min(cols - 1));
                let share = v / (b - a + 1) as f64;
                for cc in a..=b {
                    sv[[r, cc]] += share;
                }
            }
            let h = dh[[r, c]];
            if h != 0.0 {
                let (a, b) = (r.saturating_sub(k), (r + k).min(rows - 1));
                let share = h / (b - a + 1) as f64;
                for rr in a..=b {
                    sh[[rr, c]] += share;
                }
            }
        }
    }
    (sh, sv)
}

/// Congestion cost from the total H and V maps: mean of the top 5% of all 2·R·C values.
pub fn congestion_cost(h: &Array2<f64>, v: &Array2<f64>) -> f64 {
    congestion_cost_of(&mut h.iter().chain(v.iter()).copied().collect::<Vec<f64>>())
}

/// Congestion cost of all H and V values in `v` (reordered in place).
fn congestion_cost_of(v: &mut [f64]) -> f64 {
    let m = v.len() / 20;
    if m == 0 {
        return v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    }
    top_k_sum(v, m) / m as f64
}

/// All maps behind the cost.
pub fn cost_maps(netlist: &Netlist, placement: &Placement, params: &CostParams) -> CostMaps {
    proxy_cost_with_maps(netlist, placement, params).1
}

/// The full proxy cost.
pub fn proxy_cost(netlist: &Netlist, placement: &Placement, params: &CostParams) -> ProxyCost {
    proxy_cost_with_maps(netlist, placement, params).0
}

/// The full proxy cost and the maps behind it. Nets are processed in parallel (rayon) in fixed
/// chunks combined in order: the result is bit-identical for any thread count.
pub fn proxy_cost_with_maps(
    netlist: &Netlist,
    placement: &Placement,
    params: &CostParams,
) -> (ProxyCost, CostMaps) {
    let raw = raw_full(netlist, placement, params);
    finish(&raw, netlist.net_weight().iter().sum(), params)
}

/// RUDY (rectangular uniform wire density): each net of two or more pins spreads its expected
/// wire length density `w · (bw + bh) / (bw · bh)` uniformly over its pin bounding box, which is
/// first widened to at least one cell in each direction (around its centre) so that flat and
/// single-row nets count too. The map is the sum over nets of density × overlap area / cell
/// area: a cheaper congestion estimate than the routed demand, for grids with many cells.
pub fn rudy_map(netlist: &Netlist, placement: &Placement, params: &CostParams) -> Array2<f64> {
    let (rows, cols) = (params.grid_rows, params.grid_cols);
    let (gw, gh) = (params.cell_width(), params.cell_height());
    let mut map = Array2::<f64>::zeros((rows, cols));
    for net in netlist.nets() {
        let r = netlist.net_pins(net);
        if r.len() < 2 {
            continue;
        }
        let (mut x0, mut x1, mut y0, mut y1) = (
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
        );
        for p in r {
            let (x, y) = pin_xy(netlist, placement, p, params.soft_pin_offsets);
            x0 = x0.min(x - params.canvas_x);
            x1 = x1.max(x - params.canvas_x);
            y0 = y0.min(y - params.canvas_y);
            y1 = y1.max(y - params.canvas_y);
        }
        let widen = |a: f64, b: f64, min: f64| {
            if b - a >= min {
                (a, b)
            } else {
                let c = 0.5 * (a + b);
                (c - 0.5 * min, c + 0.5 * min)
            }
        };
        let (x0, x1) = widen(x0, x1, gw);
        let (y0, y1) = widen(y0, y1, gh);
        let density =
            netlist.net_weight()[net.idx()] * ((x1 - x0) + (y1 - y0)) / ((x1 - x0) * (y1 - y0));
        let (Some((c0, c1)), Some((r0, r1))) =
            (cell_span(x0, x1, gw, cols), cell_span(y0, y1, gh, rows))
        else {
            continue;
        };
        for r in r0..=r1 {
            let dy = overlap(y0, y1, r, gh);
            for c in c0..=c1 {
                map[[r, c]] += density * overlap(x0, x1, c, gw) * dy / (gw * gh);
            }
        }
    }
    map
}
