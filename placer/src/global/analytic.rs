//! The analytic global placer (ePlace / DREAMPlace style).
//!
//! Minimises `WA(x, y) + λ · N(x, y)`: the weighted-average wirelength
//! ([`crate::global::wirelength`]) plus λ times the electrostatic energy ([`crate::global::density`]) of the
//! movable objects and of filler cells that take the whitespace (so the movable cells may
//! cluster at the target density instead of spreading over the whole canvas), with
//! Nesterov's accelerated gradient:
//!
//! - **step**: the inverse Lipschitz estimate `‖v_k − v_{k−1}‖ / ‖g_k − g_{k−1}‖`, checked once
//!   against the estimate at the new point and shortened when it was too long (ePlace's
//!   backtracking);
//! - **preconditioner**: each object's gradient is divided by `max(1, pins + λ · area / A_bin)`;
//! - **γ** (WA smoothness) follows the overflow: `γ = 4 (w_bin + h_bin) · 10^{(20/9)(τ − 0.1) − 1}`;
//! - **λ** starts at `8e-5 · ‖∇WA‖₁ / ‖∇N‖₁` (an option) and is multiplied each iteration by
//!   `μ = s^{1 − ΔHPWL / (0.005 · HPWL)}` clamped to `[0.95, s]` (DREAMPlace's rule with a
//!   scale-free reference) with the step bound `s = 1.05`. When only std cells move, `s` is
//!   [`AnalyticOptions::flat_step`] (1.2) in an iteration where the cells do not spread (the
//!   overflow fell by less than [`FLAT_PROGRESS`] of itself and the HPWL did not fall): λ leaves
//!   the plateau at the start, where the cells sit clumped and nothing moves, in a few dozen
//!   iterations instead of a few hundred;
//! - **stop** when the overflow `τ = Σ_b max(0, movable area_b − target · free area_b) /
//!   movable area` reaches the target, at the iteration or time limit, or when the overflow has
//!   not improved by 1% for [`PLATEAU`] iterations once it has fallen below [`PLATEAU_FROM`]
//!   (big macros that cannot pass each other in mixed-size mode, cells trapped on a macro).
//!   Stopped on a plateau, it returns the lowest-HPWL iterate among those within
//!   [`BAND_SLACK`] of the lowest overflow seen (the density weight keeps growing on a plateau
//!   and buys the last fractions of overflow with much wirelength); the legalizers take over.
//!   Stopped by the time or iteration limit with the overflow risen past that band again (a
//!   diverging mixed-size placement), it returns the same pick.
//!
//! Objects that are not movable (fixed nodes, ports, and the macros in fixed-macro mode) add
//! their area, times the target density, to the density map as fixed charge; in a design with
//! rows their extent first grows to the boundaries of the rows they touch, since a row that an
//! object enters is blocked over its whole height for the std cells. When only std cells move
//! and the design has rows, the free area is taken exactly from the row segments
//! ([`crate::detail::segments`]) the std-cell legalizer will fill. Everything runs in
//! a fixed order or with fixed work splits, so a seed gives one result for any thread count.

use crate::global::{Xy, XyMut};
use std::time::Instant;

use netlists::{Netlist, NodeKind, Placement};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;

use crate::global::density::{BinGrid, Charges, Poisson, ScatterScratch};
use crate::global::wirelength::{PinOffsets, WaScratch, hpwl_at, wa_gradient};

/// How movable objects start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Init {
    /// Around the canvas centre (a tiny seeded jitter).
    Centre,
    /// Where the start placement puts them.
    Keep,
}

/// Settings of [`global_place`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AnalyticOptions {
    /// Bins along each axis (`None`: a power of two near √objects, 32–512).
    pub bins: Option<usize>,
    /// Target density of the bins (1 = full).
    pub target_density: f64,
    /// Stop when the overflow is at most this.
    pub target_overflow: f64,
    /// Iteration limit.
    pub max_iterations: usize,
    /// Nets with more pins are left out of the smooth wirelength (not out of the HPWL).
    pub max_net_degree: usize,
    /// Seed of the initial jitter and the fillers.
    pub seed: u64,
    /// Wall-clock limit.
    pub seconds: Option<f64>,
    /// Add filler cells for the whitespace.
    pub fillers: bool,
    /// Start positions.
    pub init: Init,
    /// Initial density weight as a fraction of `‖∇WA‖₁ / ‖∇N‖₁` (higher for a start that is
    /// spread already).
    pub initial_lambda: f64,
    /// Bound on the density weight's growth per iteration while the cells do not spread, when
    /// only std cells move (see the module docs; [`STEP`] makes it the usual bound).
    pub flat_step: f64,
}

impl Default for AnalyticOptions {
    fn default() -> Self {
        AnalyticOptions {
            bins: None,
            target_density: 1.0,
            target_overflow: 0.07,
            max_iterations: 2000,
            max_net_degree: 100,
            seed: 1,
            seconds: None,
            fillers: true,
            init: Init::Centre,
            initial_lambda: 8e-5,
            flat_step: FLAT_STEP,
        }
    }
}

/// The density weight's usual bound on growth per iteration (DREAMPlace's 1.05).
pub const STEP: f64 = 1.05;

/// The default [`AnalyticOptions::flat_step`]. Chosen on ibm01 with its macros fixed where the
/// analytic flow put them (a std-cell placement; 1.1, 1.2, 1.3 and 1.5 with [`FLAT_PROGRESS`]
/// 0.01: 2.0785, 2.0753, 2.0762 and 2.0800e6 mean over seeds 1–5, against 2.0833e6 with 1.05,
/// in 2.41, 1.98, 2.08, 1.90 s against 2.95 s). Not used while macros move: on ibm01 with its
/// macros movable the mixed-size placement ended at 3.45e6 instead of 2.23e6.
pub const FLAT_STEP: f64 = 1.2;

/// An iteration whose overflow fell by less than this fraction of itself (and whose HPWL did
/// not fall) counts as one where the cells do not spread. Chosen with [`FLAT_STEP`]: 0.005,
/// 0.01, 0.02 and 0.03 gave 2.0737, 2.0753, 2.0828 and 2.0863e6 in 2.32, 1.98, 1.92 and 1.72 s.
pub const FLAT_PROGRESS: f64 = 0.01;

/// Iterations without a 1% better overflow after which the placer stops and returns the
/// lowest-overflow iterate.
pub const PLATEAU: usize = 100;

/// Iterations a kept start that is already spread to the target runs at least (unless its
/// overflow rises above the target first, when the usual stop applies).
pub const KEEP_MIN_ITERATIONS: usize = 100;

/// Overflow below which plateaus are watched (above it the cells are still spreading). 0.4, not
/// the 0.25 it was: mempool_tile's mixed-size placement stalls at 0.36 with 20 large macros and
/// then diverges (HPWL 3.5e6 → 3.7e7 over 800 iterations); ibm01, ibm03 and flat ariane133
/// spread through 0.4–0.25 without a 100-iteration stall and are unchanged.
pub const PLATEAU_FROM: f64 = 0.4;

/// Overflow above the lowest seen within which a shorter iterate is preferred when the placer
/// stops short of its target.
pub const BAND_SLACK: f64 = 0.01;

/// Iterations between candidate snapshots (and every new lowest overflow).
const BAND_EVERY: usize = 5;

/// One kept iterate.
struct Candidate {
    overflow: f64,
    hpwl: f64,
    x: Vec<f64>,
    y: Vec<f64>,
}

/// The iterates within [`BAND_SLACK`] of the lowest overflow seen that no other one beats on
/// both overflow and HPWL (a few; memory stays bounded by the band).
#[derive(Default)]
struct Band {
    min_overflow: f64,
    kept: Vec<Candidate>,
}

impl Band {
    fn offer(&mut self, overflow: f64, hpwl: f64, x: &[f64], y: &[f64]) {
        if self.kept.is_empty() || overflow < self.min_overflow {
            self.min_overflow = overflow;
        }
        let limit = self.min_overflow + BAND_SLACK;
        self.kept.retain(|c| c.overflow <= limit);
        if overflow > limit
            || self
                .kept
                .iter()
                .any(|c| c.overflow <= overflow && c.hpwl <= hpwl)
        {
            return;
        }
        self.kept
            .retain(|c| !(overflow <= c.overflow && hpwl <= c.hpwl));
        self.kept.push(Candidate {
            overflow,
            hpwl,
            x: x.to_vec(),
            y: y.to_vec(),
        });
    }

    /// What a stop returns instead of the last iterate (at `overflow`; `None`: the last): on a
    /// plateau the band's pick; at the time or iteration limit the pick only when the last
    /// iterate has left the band, short of the target (a diverging placement).
    fn stop_pick(self, stalled: bool, overflow: f64, target: f64) -> Option<Candidate> {
        let diverged =
            overflow > target && !self.kept.is_empty() && overflow > self.min_overflow + BAND_SLACK;
        if stalled || diverged {
            self.pick(overflow)
        } else {
            None
        }
    }

    /// The lowest-HPWL kept iterate, when it beats the current one (at `overflow`).
    fn pick(self, overflow: f64) -> Option<Candidate> {
        let limit = self.min_overflow.min(overflow) + BAND_SLACK;
        self.kept
            .into_iter()
            .filter(|c| c.overflow <= limit)
            .min_by(|a, b| a.hpwl.total_cmp(&b.hpwl))
    }
}

/// One iteration's figures.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct GpPoint {
    /// Iteration.
    pub iteration: usize,
    /// Seconds since the start.
    pub seconds: f64,
    /// Exact HPWL (all nets, weighted).
    pub hpwl: f64,
    /// Overflow τ.
    pub overflow: f64,
    /// Density weight λ.
    pub lambda: f64,
    /// WA smoothness γ.
    pub gamma: f64,
}

/// The result of [`global_place`].
#[derive(Debug, Clone)]
pub struct GpResult {
    /// The placement (movable objects moved, everything else as given).
    pub placement: Placement,
    /// Iterations run.
    pub iterations: usize,
    /// Final overflow.
    pub overflow: f64,
    /// Final HPWL.
    pub hpwl: f64,
    /// Bins per axis used.
    pub bins: (usize, usize),
    /// Filler cells used.
    pub fillers: usize,
    /// Whether it stopped on an overflow plateau.
    pub stalled: bool,
    /// Figures every 10 iterations and at the end.
    pub trajectory: Vec<GpPoint>,
}

/// The state of one gradient evaluation.
struct Eval {
    /// Objects' gradients (movable then fillers).
    gx: Vec<f64>,
    gy: Vec<f64>,
    /// Overflow at this point.
    overflow: f64,
    /// ‖∇WA‖₁ and ‖∇N‖₁ (before λ), for the initial λ.
    wl_norm: f64,
    den_norm: f64,
}

impl Eval {
    /// Zeroed buffers for `objects` objects (filled by [`Problem::eval`]).
    fn new(objects: usize) -> Eval {
        Eval {
            gx: vec![0.0; objects],
            gy: vec![0.0; objects],
            overflow: 0.0,
            wl_norm: 0.0,
            den_norm: 0.0,
        }
    }
}

struct Problem<'a> {
    netlist: &'a Netlist,
    offsets: PinOffsets,
    /// Movable node ids.
    mov: Vec<usize>,
    /// Objects' sizes (movable then fillers).
    w: Vec<f64>,
    h: Vec<f64>,
    pins: Vec<f64>,
    grid: BinGrid,
    poisson: Poisson,
    charges: Charges,
    /// Fixed charge per bin (area × target density).
    fixed_map: Vec<f64>,
    /// Free area per bin (bin area minus fixed area), for the overflow.
    free: Vec<f64>,
    target: f64,
    movable_area: f64,
    max_degree: usize,
    /// Canvas.
    cx0: f64,
    cy0: f64,
    cx1: f64,
    cy1: f64,
    // Scratch.
    x: Vec<f64>,
    y: Vec<f64>,
    ngx: Vec<f64>,
    ngy: Vec<f64>,
    wa: WaScratch,
    map: Vec<f64>,
    mov_map: Vec<f64>,
    scatter: ScatterScratch,
    ex: Vec<f64>,
    ey: Vec<f64>,
    dgx: Vec<f64>,
    dgy: Vec<f64>,
}

impl Problem<'_> {
    fn objects(&self) -> usize {
        self.w.len()
    }

    /// Clamps object `i`'s centre into the canvas.
    fn clamp(&self, i: usize, px: f64, py: f64) -> (f64, f64) {
        let (hw, hh) = (self.w[i] / 2.0, self.h[i] / 2.0);
        let cx = if self.cx1 - self.cx0 > 2.0 * hw {
            px.clamp(self.cx0 + hw, self.cx1 - hw)
        } else {
            (self.cx0 + self.cx1) / 2.0
        };
        let cy = if self.cy1 - self.cy0 > 2.0 * hh {
            py.clamp(self.cy0 + hh, self.cy1 - hh)
        } else {
            (self.cy0 + self.cy1) / 2.0
        };
        (cx, cy)
    }

    fn sync(&mut self, px: &[f64], py: &[f64]) {
        for (k, &n) in self.mov.iter().enumerate() {
            self.x[n] = px[k];
            self.y[n] = py[k];
        }
    }

    fn hpwl(&mut self, px: &[f64], py: &[f64]) -> f64 {
        self.sync(px, py);
        hpwl_at(self.netlist, &self.offsets, &self.x, &self.y)
    }

    /// Gradient of `WA + λ N` (preconditioned) at objects' centres `px`, `py`.
    fn eval(&mut self, px: &[f64], py: &[f64], gamma: f64, lambda: f64, out: &mut Eval) {
        self.sync(px, py);
        wa_gradient(
            self.netlist,
            &self.offsets,
            Xy {
                x: &self.x,
                y: &self.y,
            },
            gamma,
            self.max_degree,
            &mut self.wa,
            XyMut {
                x: &mut self.ngx,
                y: &mut self.ngy,
            },
        );
        // Density of the real movable objects first (for the overflow), then the fillers.
        let m = self.mov.len();
        self.map.clone_from(&self.fixed_map);
        let mut mov_map = std::mem::take(&mut self.mov_map);
        mov_map.clear();
        mov_map.resize(self.map.len(), 0.0);
        self.charges
            .scatter_parts(&self.grid, px, py, 0..m, &mut mov_map, &mut self.scatter);
        out.overflow = mov_map
            .iter()
            .zip(&self.free)
            .map(|(&a, &f)| (a - self.target * f).max(0.0))
            .sum::<f64>()
            / self.movable_area.max(1e-300);
        for (t, a) in self.map.iter_mut().zip(&mov_map) {
            *t += a;
        }
        self.mov_map = mov_map;
        self.charges.scatter_parts(
            &self.grid,
            px,
            py,
            m..self.objects(),
            &mut self.map,
            &mut self.scatter,
        );
        let inv = 1.0 / self.grid.bin_area();
        // The charge map becomes the density in place (it is rebuilt at the next evaluation).
        for q in self.map.iter_mut() {
            *q *= inv;
        }
        self.poisson
            .solve_field(&self.map, &mut self.ex, &mut self.ey);
        self.dgx.resize(self.objects(), 0.0);
        self.dgy.resize(self.objects(), 0.0);
        self.charges.gradient(
            &self.grid,
            Xy { x: px, y: py },
            Xy {
                x: &self.ex,
                y: &self.ey,
            },
            XyMut {
                x: &mut self.dgx,
                y: &mut self.dgy,
            },
        );
        let (mut wl_norm, mut den_norm) = (0.0, 0.0);
        for k in 0..self.objects() {
            let (wx, wy) = if k < m {
                let n = self.mov[k];
                (self.ngx[n], self.ngy[n])
            } else {
                (0.0, 0.0)
            };
            wl_norm += wx.abs() + wy.abs();
            den_norm += self.dgx[k].abs() + self.dgy[k].abs();
            let pre = (self.pins[k] + lambda * self.w[k] * self.h[k] * inv).max(1.0);
            out.gx[k] = (wx + lambda * self.dgx[k]) / pre;
            out.gy[k] = (wy + lambda * self.dgy[k]) / pre;
        }
        out.wl_norm = wl_norm;
        out.den_norm = den_norm;
    }
}

fn dist(a: &[f64], b: &[f64], c: &[f64], d: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(p, q)| (p - q) * (p - q))
        .chain(c.iter().zip(d).map(|(p, q)| (p - q) * (p - q)))
        .sum::<f64>()
        .sqrt()
}

/// Places the nodes with `movable[n]` by the analytic method, starting from `start` (which also
/// holds every other node's position).
pub fn global_place(
    netlist: &Netlist,
    start: &Placement,
    movable: &[bool],
    opts: &AnalyticOptions,
) -> GpResult {
    let t0 = Instant::now();
    let point = |iteration, hpwl, overflow, lambda, gamma| GpPoint {
        iteration,
        seconds: t0.elapsed().as_secs_f64(),
        hpwl,
        overflow,
        lambda,
        gamma,
    };
    let fp = netlist.floorplan();
    let canvas = fp.canvas();
    let (cx0, cy0, cx1, cy1) = (canvas.x0, canvas.y0, canvas.x1, canvas.y1);
    let (nw, nh) = (netlist.node_width(), netlist.node_height());
    let swap = netlist.format().swaps_footprint();
    let size = |n: usize| {
        if swap && start.orient[n].swaps_footprint() {
            (nh[n], nw[n])
        } else {
            (nw[n], nh[n])
        }
    };
    let mov: Vec<usize> = (0..netlist.num_nodes()).filter(|&n| movable[n]).collect();
    let mut w: Vec<f64> = mov.iter().map(|&n| size(n).0).collect();
    let mut h: Vec<f64> = mov.iter().map(|&n| size(n).1).collect();
    let ps = netlist.node_pin_start();
    let mut pins: Vec<f64> = mov.iter().map(|&n| (ps[n + 1] - ps[n]) as f64).collect();
    let movable_area: f64 = w.iter().zip(&h).map(|(a, b)| a * b).sum();

    // Fixed area inside the canvas (clipped; overlaps between fixed objects counted once per
    // object, as the density map does).
    let mut fixed_area = 0.0;
    let fixed: Vec<usize> = (0..netlist.num_nodes())
        .filter(|&n| !movable[n] && netlist.node_kind()[n] != NodeKind::SoftMacro)
        .collect();
    for &n in &fixed {
        let (fw, fh) = size(n);
        let (x, y) = (start.x[n], start.y[n]);
        let ow = ((x + fw / 2.0).min(cx1) - (x - fw / 2.0).max(cx0)).max(0.0);
        let oh = ((y + fh / 2.0).min(cy1) - (y - fh / 2.0).max(cy0)).max(0.0);
        fixed_area += ow * oh;
    }
    let free_area = (fp.width * fp.height - fixed_area).max(0.0);

    // Fillers: the average std cell's width (middle 80%), the mean std-cell height; how many
    // is decided once the free area is known (below).
    let mut rng = SmallRng::seed_from_u64(opts.seed);
    let cells: Vec<usize> = mov
        .iter()
        .copied()
        .filter(|&n| netlist.node_kind()[n] == NodeKind::StdCell)
        .collect();
    let filler = (opts.fillers && !cells.is_empty())
        .then(|| {
            let mut widths: Vec<f64> = cells.iter().map(|&n| size(n).0).collect();
            widths.sort_by(f64::total_cmp);
            let (a, b) = (widths.len() / 10, widths.len() - widths.len() / 10);
            let b = b.max(a + 1);
            let fw = widths[a..b].iter().sum::<f64>() / (b - a) as f64;
            let fh = cells.iter().map(|&n| size(n).1).sum::<f64>() / cells.len() as f64;
            (fw, fh)
        })
        .filter(|&(fw, fh)| fw > 0.0 && fh > 0.0);
    // At most as many fillers as movable objects: with much whitespace they grow instead (they
    // only model the whitespace's share of the density).
    let filler = filler.map(|(fw, fh)| {
        let want = (opts.target_density * free_area - movable_area).max(0.0) / (fw * fh);
        let cap = mov.len().max(1) as f64;
        let grow = if want > cap { (want / cap).sqrt() } else { 1.0 };
        (fw * grow, fh * grow)
    });
    let estimate = mov.len()
        + filler.map_or(0, |(fw, fh)| {
            ((opts.target_density * free_area - movable_area).max(0.0) / (fw * fh)) as usize
        });
    let bins = opts.bins.unwrap_or_else(|| {
        let s = (estimate.max(1) as f64).sqrt();
        (s.log2().round().exp2() as usize).clamp(32, 512)
    });
    let grid = BinGrid::new(bins, bins, cx0, cy0, fp.width, fp.height);
    // With rows, a fixed object blocks every row it touches for its whole height: its extent
    // grows to the row boundaries (what the std-cell legalizer will see).
    let rows = crate::detail::rows_of(netlist);
    let mut row_bounds: Vec<(f64, f64)> = rows.iter().map(|r| (r.y, r.y + r.height)).collect();
    row_bounds.sort_by(|a, b| a.0.total_cmp(&b.0));
    let snap_rows = |y0: f64, y1: f64| {
        let mut lo = y0;
        let mut hi = y1;
        for &(a, b) in &row_bounds {
            if a < y1 && b > y0 {
                lo = lo.min(a);
                hi = hi.max(b);
            }
        }
        (lo, hi)
    };
    let mut fixed_map = vec![0.0; bins * bins];
    for &n in &fixed {
        let (fw, fh) = size(n);
        let (x, y) = (start.x[n], start.y[n]);
        if fw <= 0.0 || fh <= 0.0 {
            continue;
        }
        let (y0, y1) = snap_rows(y - fh / 2.0, y + fh / 2.0);
        grid.for_overlaps(x - fw / 2.0, y0, x + fw / 2.0, y1, |b, a| fixed_map[b] += a);
    }
    // Only std cells move and there are rows: the free area is exactly the row segments the
    // std-cell legalizer will use (slivers narrower than the narrowest cell dropped).
    let cells_only = mov
        .iter()
        .all(|&n| netlist.node_kind()[n] == NodeKind::StdCell);
    if cells_only && !rows.is_empty() && !mov.is_empty() {
        let min_w = mov.iter().map(|&n| size(n).0).fold(f64::INFINITY, f64::min);
        let mut free_map = vec![0.0; bins * bins];
        for sgm in crate::detail::segments(netlist, &rows, start) {
            if sgm.x1 - sgm.x0 < min_w {
                continue;
            }
            let row = &rows[sgm.row];
            grid.for_overlaps(sgm.x0, row.y, sgm.x1, row.y + row.height, |b, a| {
                free_map[b] += a
            });
        }
        for (f, fr) in fixed_map.iter_mut().zip(&free_map) {
            *f = (grid.bin_area() - fr).max(0.0);
        }
    }
    let free: Vec<f64> = fixed_map
        .iter()
        .map(|&a| (grid.bin_area() - a).max(0.0))
        .collect();
    for a in &mut fixed_map {
        *a = a.min(grid.bin_area()) * opts.target_density;
    }
    // Fillers take the whitespace the map leaves at the target density.
    let mut n_fill = 0usize;
    if let Some((fw, fh)) = filler {
        let fill_area = opts.target_density * free.iter().sum::<f64>() - movable_area;
        if fill_area > 0.0 {
            n_fill = (fill_area / (fw * fh)).floor() as usize;
            w.extend(std::iter::repeat_n(fw, n_fill));
            h.extend(std::iter::repeat_n(fh, n_fill));
            pins.extend(std::iter::repeat_n(0.0, n_fill));
        }
    }
    let objects = w.len();
    let charges = Charges::new(&grid, &w, &h);
    let mut pb = Problem {
        netlist,
        offsets: PinOffsets::new(netlist, start),
        mov: mov.clone(),
        w,
        h,
        pins,
        grid,
        poisson: Poisson::new(grid),
        charges,
        fixed_map,
        free,
        target: opts.target_density,
        movable_area,
        max_degree: opts.max_net_degree.max(2),
        cx0,
        cy0,
        cx1,
        cy1,
        x: start.x.clone(),
        y: start.y.clone(),
        ngx: vec![0.0; netlist.num_nodes()],
        ngy: vec![0.0; netlist.num_nodes()],
        wa: WaScratch::default(),
        map: Vec::new(),
        mov_map: Vec::new(),
        scatter: ScatterScratch::default(),
        ex: vec![0.0; bins * bins],
        ey: vec![0.0; bins * bins],
        dgx: Vec::new(),
        dgy: Vec::new(),
    };

    // Initial positions.
    let (mx, my) = ((cx0 + cx1) / 2.0, (cy0 + cy1) / 2.0);
    let mut ux = vec![0.0; objects];
    let mut uy = vec![0.0; objects];
    for k in 0..objects {
        let (x, y) = if k < mov.len() {
            match opts.init {
                Init::Keep => (start.x[mov[k]], start.y[mov[k]]),
                Init::Centre => (
                    mx + 0.001 * fp.width * (rng.random::<f64>() - 0.5),
                    my + 0.001 * fp.height * (rng.random::<f64>() - 0.5),
                ),
            }
        } else {
            (
                cx0 + fp.width * rng.random::<f64>(),
                cy0 + fp.height * rng.random::<f64>(),
            )
        };
        (ux[k], uy[k]) = pb.clamp(k, x, y);
    }

    let base_gamma = 4.0 * (grid.bw + grid.bh);
    let gamma_of = |ovf: f64| base_gamma * 10f64.powf((20.0 / 9.0) * (ovf - 0.1) - 1.0);
    let mut ev = Eval::new(objects);
    // λ₀ from the gradient norms at the start.
    pb.eval(&ux, &uy, gamma_of(1.0), 0.0, &mut ev);
    let mut lambda = if ev.den_norm > 0.0 {
        opts.initial_lambda * ev.wl_norm / ev.den_norm
    } else {
        0.0
    };
    let mut gamma = gamma_of(ev.overflow);
    let mut trajectory = Vec::new();
    let mut hpwl = pb.hpwl(&ux, &uy);
    trajectory.push(GpPoint {
        iteration: 0,
        seconds: t0.elapsed().as_secs_f64(),
        hpwl,
        overflow: ev.overflow,
        lambda,
        gamma,
    });

    // Nesterov: u = major solution, v = reference (look-ahead) solution.
    let (mut vx, mut vy) = (ux.clone(), uy.clone());
    pb.eval(&vx, &vy, gamma, lambda, &mut ev);
    // A first step from a small trial move, for the first Lipschitz estimate.
    let (mut vx_prev, mut vy_prev) = (vx.clone(), vy.clone());
    let (mut gx_prev, mut gy_prev) = {
        let scale = 0.01 * grid.bw;
        let gnorm = ev
            .gx
            .iter()
            .chain(&ev.gy)
            .map(|g| g * g)
            .sum::<f64>()
            .sqrt();
        let s = if gnorm > 0.0 {
            scale * (objects as f64).sqrt() / gnorm
        } else {
            0.0
        };
        for k in 0..objects {
            (vx_prev[k], vy_prev[k]) = pb.clamp(k, vx[k] - s * ev.gx[k], vy[k] - s * ev.gy[k]);
        }
        let mut e2 = Eval::new(objects);
        pb.eval(&vx_prev, &vy_prev, gamma, lambda, &mut e2);
        (e2.gx, e2.gy)
    };
    let mut a_k = 1.0f64;
    let mut iterations = 0;
    let mut overflow = ev.overflow;
    let mut last_overflow = overflow;
    let (mut nx_, mut ny_) = (vec![0.0; objects], vec![0.0; objects]);
    let (mut nvx, mut nvy) = (vec![0.0; objects], vec![0.0; objects]);
    let mut e_new = Eval::new(objects);
    let mut best = (f64::INFINITY, 0usize, hpwl);
    let mut band = Band::default();
    let mut stalled = false;
    let mut seen_high = false;
    // A kept start that is spread already still gets its wirelength pass: it runs until the
    // overflow has risen above the target and fallen back (or [`KEEP_MIN_ITERATIONS`]).
    let mut risen = opts.init != Init::Keep;
    while iterations < opts.max_iterations
        && (overflow > opts.target_overflow || (!risen && iterations < KEEP_MIN_ITERATIONS))
        && !opts
            .seconds
            .is_some_and(|s| t0.elapsed().as_secs_f64() >= s)
    {
        iterations += 1;
        let dv = dist(&vx, &vx_prev, &vy, &vy_prev);
        let dg = dist(&ev.gx, &gx_prev, &ev.gy, &gy_prev);
        let mut alpha = if dg > 0.0 { dv / dg } else { grid.bw };
        let a_next = (1.0 + (4.0 * a_k * a_k + 1.0).sqrt()) / 2.0;
        let coef = (a_k - 1.0) / a_next;
        for _try in 0..3 {
            nx_.par_iter_mut()
                .zip(ny_.par_iter_mut())
                .zip(nvx.par_iter_mut().zip(nvy.par_iter_mut()))
                .enumerate()
                .for_each(|(k, ((ox, oy), (ovx, ovy)))| {
                    let (x, y) = pb.clamp(k, vx[k] - alpha * ev.gx[k], vy[k] - alpha * ev.gy[k]);
                    *ox = x;
                    *oy = y;
                    let (a, b) = pb.clamp(k, x + coef * (x - ux[k]), y + coef * (y - uy[k]));
                    *ovx = a;
                    *ovy = b;
                });
            pb.eval(&nvx, &nvy, gamma, lambda, &mut e_new);
            let dv2 = dist(&nvx, &vx, &nvy, &vy);
            let dg2 = dist(&e_new.gx, &ev.gx, &e_new.gy, &ev.gy);
            let alpha2 = if dg2 > 0.0 { dv2 / dg2 } else { alpha };
            if alpha2 >= 0.95 * alpha {
                break;
            }
            alpha = alpha2;
        }
        // Shift: u ← new major, v ← new reference.
        std::mem::swap(&mut ux, &mut nx_);
        std::mem::swap(&mut uy, &mut ny_);
        std::mem::swap(&mut vx_prev, &mut vx);
        std::mem::swap(&mut vy_prev, &mut vy);
        std::mem::swap(&mut vx, &mut nvx);
        std::mem::swap(&mut vy, &mut nvy);
        std::mem::swap(&mut gx_prev, &mut ev.gx);
        std::mem::swap(&mut gy_prev, &mut ev.gy);
        std::mem::swap(&mut ev.gx, &mut e_new.gx);
        std::mem::swap(&mut ev.gy, &mut e_new.gy);
        ev.overflow = e_new.overflow;
        a_k = a_next;
        overflow = ev.overflow;
        risen |= overflow > opts.target_overflow;

        // Schedules.
        let new_hpwl = pb.hpwl(&ux, &uy);
        let d = new_hpwl - hpwl;
        let flat = cells_only && d >= 0.0 && last_overflow - overflow < FLAT_PROGRESS * overflow;
        last_overflow = overflow;
        let step = if flat { opts.flat_step.max(1.0) } else { STEP };
        let mu = if d < 0.0 {
            step
        } else {
            step.powf(1.0 - d / (0.005 * new_hpwl.max(1e-300)))
                .clamp(0.95, step)
        };
        hpwl = new_hpwl;
        lambda *= mu;
        // Plateau: keep the lowest-overflow iterate; stop when it has not improved for a while
        // (large macros that cannot pass each other; the legalizer settles them).
        if overflow > PLATEAU_FROM {
            // Still spreading.
            seen_high = true;
        } else if !seen_high {
            // Started spread (a kept placement): contracting first.
        } else {
            if iterations % BAND_EVERY == 0 || overflow < band.min_overflow {
                band.offer(overflow, hpwl, &ux, &uy);
            }
            if overflow < best.0 * 0.99 {
                best = (overflow, iterations, hpwl);
            } else if iterations - best.1 >= PLATEAU {
                stalled = true;
                break;
            }
        }
        gamma = gamma_of(overflow);
        if iterations % 10 == 0 {
            trajectory.push(point(iterations, hpwl, overflow, lambda, gamma));
        }
    }
    // Stopped on a plateau: the shortest iterate whose overflow is close to the lowest seen,
    // rather than the last or the very lowest, which the still-growing density weight may have
    // paid for with much wirelength. Stopped by the time or iteration limit, the last iterate
    // is kept while it is within the band of the lowest overflow (the overflow still falling:
    // the most spread); past it, the placement was diverging (big macros pushing each other
    // apart while the wirelength grows, as on flat mempool_tile), and the band's pick is taken
    // as for a plateau.
    if stalled {
        band.offer(overflow, pb.hpwl(&ux, &uy), &ux, &uy);
    }
    if let Some(c) = band.stop_pick(stalled, overflow, opts.target_overflow) {
        overflow = c.overflow;
        ux = c.x;
        uy = c.y;
    }
    let mut placement = start.clone();
    for (k, &n) in mov.iter().enumerate() {
        placement.x[n] = ux[k];
        placement.y[n] = uy[k];
    }
    hpwl = pb.hpwl(&ux, &uy);
    trajectory.push(point(iterations, hpwl, overflow, lambda, gamma));
    GpResult {
        placement,
        iterations,
        overflow,
        hpwl,
        bins: (bins, bins),
        fillers: n_fill,
        stalled,
        trajectory,
    }
}

#[cfg(test)]
mod tests {
    use super::{BAND_SLACK, Band};
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

        /// The band keeps few iterates but picks what a full record would: the lowest HPWL
        /// among all offered iterates within the slack of the lowest overflow.
        #[test]
        fn band_picks_what_the_full_record_picks(
            seq in prop::collection::vec((0.0f64..0.3, 1.0f64..100.0), 1..60),
            last in 0.0f64..0.3,
        ) {
            let mut band = Band::default();
            for (k, &(ov, h)) in seq.iter().enumerate() {
                band.offer(ov, h, &[k as f64], &[0.0]);
            }
            let min = seq.iter().map(|s| s.0).fold(f64::INFINITY, f64::min);
            let limit = min.min(last) + BAND_SLACK;
            let want = seq
                .iter()
                .enumerate()
                .filter(|(_, s)| s.0 <= limit)
                .map(|(k, s)| (s.1, k))
                .min_by(|a, b| a.0.total_cmp(&b.0));
            let got = band.pick(last).map(|c| (c.hpwl, c.x[0] as usize));
            prop_assert_eq!(got.map(|g| g.0), want.map(|w| w.0));
        }

        /// At the time or iteration limit the last iterate stays unless it has left the band of
        /// the lowest overflow (short of the target): then the band's pick, as on a plateau.
        #[test]
        fn a_limit_keeps_the_last_iterate_unless_it_diverged(
            seq in prop::collection::vec((0.0f64..0.6, 1.0f64..100.0), 1..60),
            last in 0.0f64..0.6,
            target in 0.0f64..0.2,
        ) {
            let band = |seq: &[(f64, f64)]| {
                let mut band = Band::default();
                for (k, &(ov, h)) in seq.iter().enumerate() {
                    band.offer(ov, h, &[k as f64], &[0.0]);
                }
                band
            };
            let min = seq.iter().map(|s| s.0).fold(f64::INFINITY, f64::min);
            let diverged = last > target && last > min + BAND_SLACK;
            let at_limit = band(&seq).stop_pick(false, last, target).map(|c| c.hpwl);
            let pick = band(&seq).pick(last).map(|c| c.hpwl);
            prop_assert_eq!(at_limit, if diverged { pick } else { None });
            // On a plateau: always the band's pick.
            prop_assert_eq!(band(&seq).stop_pick(true, last, target).map(|c| c.hpwl), pick);
        }
    }
}
