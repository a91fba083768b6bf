//! Electrostatic density for the analytic placer (ePlace / DREAMPlace).
//!
//! Cells are positive charges (charge = area); the bin grid holds the charge density ρ
//! (dimensionless: 1 = a bin full). The potential ψ solves Poisson's equation `∇²ψ = −(ρ − ρ̄)`
//! with Neumann boundaries, spectrally: with `ρ = Σ a_uv cos(w_u x) cos(w_v y)` (a 2-D DCT-II,
//! `w_u = πu/W`, `w_v = πv/H`, x and y measured from the canvas corner at bin centres),
//!
//! - `ψ = Σ a_uv / (w_u² + w_v²) · cos(w_u x) cos(w_v y)` (DCT-III back),
//! - `ξ_x = −∂ψ/∂x = Σ a_uv w_u / (w_u² + w_v²) · sin(w_u x) cos(w_v y)` (DST-III × DCT-III),
//! - `ξ_y` likewise, the (0, 0) term dropped.
//!
//! The transforms are `rustdct`'s, applied row by row and then column by column. The energy is
//! `N = ½ Σ_b q_b ψ_b` (q = charge per bin); its gradient for a cell is `−Σ_b ov_b ξ_b` (ov: the
//! cell's charge in bin b), the force pushing the cell down the density slope.
//!
//! Cells narrower or lower than `√2` bins are stretched to `√2` bins with their density scaled
//! down (ePlace's local smoothing), so every cell sees a smooth field. Charges are scattered in
//! parallel over a fixed number of parts of the objects, each into a map of its own, and the
//! maps are then added in part order ([`Charges::scatter_parts`]); gradients are gathered in
//! parallel. Results do not depend on the number of threads.

use crate::global::{Xy, XyMut};
use std::sync::Arc;

use rayon::prelude::*;
use rustdct::{DctPlanner, TransformType2And3};

/// A uniform bin grid over a rectangle.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BinGrid {
    /// Bins along x.
    pub nx: usize,
    /// Bins along y.
    pub ny: usize,
    /// Lower-left corner.
    pub x0: f64,
    /// Lower-left corner.
    pub y0: f64,
    /// Bin width.
    pub bw: f64,
    /// Bin height.
    pub bh: f64,
}

impl BinGrid {
    /// `nx × ny` bins over `width × height` at `(x0, y0)`.
    pub fn new(nx: usize, ny: usize, x0: f64, y0: f64, width: f64, height: f64) -> BinGrid {
        BinGrid {
            nx,
            ny,
            x0,
            y0,
            bw: width / nx as f64,
            bh: height / ny as f64,
        }
    }

    /// Bin area.
    pub fn bin_area(&self) -> f64 {
        self.bw * self.bh
    }

    /// Calls `f(bin, overlap_area)` for every bin a rectangle overlaps (clipped to the grid),
    /// bin rows bottom to top, bins left to right within a row.
    #[inline]
    pub fn for_overlaps(&self, xl: f64, yl: f64, xh: f64, yh: f64, mut f: impl FnMut(usize, f64)) {
        let gx1 = self.x0 + self.bw * self.nx as f64;
        let gy1 = self.y0 + self.bh * self.ny as f64;
        let (xl, xh) = (xl.max(self.x0), xh.min(gx1));
        let (yl, yh) = (yl.max(self.y0), yh.min(gy1));
        if xl >= xh || yl >= yh {
            return;
        }
        // The clipped offsets are ≥ 0: truncation is the floor (no libm call).
        let bx0 = (((xl - self.x0) / self.bw) as usize).min(self.nx - 1);
        let bx1 = ceil_usize((xh - self.x0) / self.bw).clamp(bx0 + 1, self.nx);
        let by0 = (((yl - self.y0) / self.bh) as usize).min(self.ny - 1);
        let by1 = ceil_usize((yh - self.y0) / self.bh).clamp(by0 + 1, self.ny);
        let ox_of = |bx: usize| {
            let (cx0, cx1) = (
                self.x0 + bx as f64 * self.bw,
                self.x0 + (bx + 1) as f64 * self.bw,
            );
            xh.min(cx1) - xl.max(cx0)
        };
        // The x overlaps once per rectangle when it is a few bins wide (the usual case).
        const FEW: usize = 16;
        let mut ox = [0.0; FEW];
        let few = bx1 - bx0 <= FEW;
        if few {
            for (k, bx) in (bx0..bx1).enumerate() {
                ox[k] = ox_of(bx);
            }
        }
        for by in by0..by1 {
            let (cy0, cy1) = (
                self.y0 + by as f64 * self.bh,
                self.y0 + (by + 1) as f64 * self.bh,
            );
            let oy = yh.min(cy1) - yl.max(cy0);
            if oy <= 0.0 {
                continue;
            }
            let row = by * self.nx;
            if few {
                for (k, &o) in ox[..bx1 - bx0].iter().enumerate() {
                    if o > 0.0 {
                        f(row + bx0 + k, o * oy);
                    }
                }
            } else {
                for bx in bx0..bx1 {
                    let o = ox_of(bx);
                    if o > 0.0 {
                        f(row + bx, o * oy);
                    }
                }
            }
        }
    }
}

/// `⌈v⌉` of a non-negative `v` as an index (0 for NaN, as `as` gives).
#[inline]
fn ceil_usize(v: f64) -> usize {
    let t = v as usize;
    if (t as f64) < v { t + 1 } else { t }
}

/// The spectral Poisson solver of one grid size.
pub struct Poisson {
    grid: BinGrid,
    dct_x: Arc<dyn TransformType2And3<f64>>,
    dct_y: Arc<dyn TransformType2And3<f64>>,
    dst_x: Arc<dyn TransformType2And3<f64>>,
    dst_y: Arc<dyn TransformType2And3<f64>>,
    wu: Vec<f64>,
    wv: Vec<f64>,
    /// The transposed grid of [`Poisson::along_y`] and the coefficients of a solve, kept
    /// between calls (large grids: no allocation per iteration).
    scratch: std::sync::Mutex<(Vec<f64>, Vec<f64>)>,
}

impl std::fmt::Debug for Poisson {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Poisson").field("grid", &self.grid).finish()
    }
}

/// Which 1-D transform to apply along an axis.
#[derive(Clone, Copy)]
enum Tr {
    Dct2,
    Dct3,
    Dst3,
}

impl Poisson {
    /// Plans the transforms for `grid`.
    pub fn new(grid: BinGrid) -> Poisson {
        let mut planner = DctPlanner::new();
        let (w, h) = (grid.bw * grid.nx as f64, grid.bh * grid.ny as f64);
        Poisson {
            grid,
            dct_x: planner.plan_dct2(grid.nx),
            dct_y: planner.plan_dct2(grid.ny),
            dst_x: planner.plan_dst3(grid.nx),
            dst_y: planner.plan_dst3(grid.ny),
            wu: (0..grid.nx)
                .map(|u| std::f64::consts::PI * u as f64 / w)
                .collect(),
            wv: (0..grid.ny)
                .map(|v| std::f64::consts::PI * v as f64 / h)
                .collect(),
            scratch: Default::default(),
        }
    }

    /// The grid.
    pub fn grid(&self) -> &BinGrid {
        &self.grid
    }

    fn along_x(&self, data: &mut [f64], tr: Tr) {
        let nx = self.grid.nx;
        let plan = match tr {
            Tr::Dst3 => &self.dst_x,
            _ => &self.dct_x,
        };
        data.par_chunks_mut(nx).for_each_init(
            || vec![0.0; plan.get_scratch_len()],
            |scratch, row| match tr {
                Tr::Dct2 => plan.process_dct2_with_scratch(row, scratch),
                Tr::Dct3 => plan.process_dct3_with_scratch(row, scratch),
                Tr::Dst3 => plan.process_dst3_with_scratch(row, scratch),
            },
        );
    }

    fn along_y(&self, data: &mut [f64], tr: Tr) {
        let (nx, ny) = (self.grid.nx, self.grid.ny);
        let mut guard = self.scratch.lock().unwrap_or_else(|e| e.into_inner());
        let t = &mut guard.0;
        t.resize(nx * ny, 0.0);
        transpose(data, t, nx, ny);
        let plan = match tr {
            Tr::Dst3 => &self.dst_y,
            _ => &self.dct_y,
        };
        t.par_chunks_mut(ny).for_each_init(
            || vec![0.0; plan.get_scratch_len()],
            |scratch, col| match tr {
                Tr::Dct2 => plan.process_dct2_with_scratch(col, scratch),
                Tr::Dct3 => plan.process_dct3_with_scratch(col, scratch),
                Tr::Dst3 => plan.process_dst3_with_scratch(col, scratch),
            },
        );
        transpose(t, data, ny, nx);
    }

    /// Cosine coefficients `a_uv` of `rho` (row-major `ny × nx`, `rho[v·nx + u]` layout for the
    /// result as well).
    pub fn coefficients(&self, rho: &[f64]) -> Vec<f64> {
        let mut a = rho.to_vec();
        self.coefficients_in_place(&mut a);
        a
    }

    fn coefficients_in_place(&self, a: &mut [f64]) {
        let (nx, ny) = (self.grid.nx, self.grid.ny);
        self.along_x(a, Tr::Dct2);
        self.along_y(a, Tr::Dct2);
        let norm = 1.0 / (nx * ny) as f64;
        for v in 0..ny {
            for u in 0..nx {
                let c = if u == 0 { 1.0 } else { 2.0 } * if v == 0 { 1.0 } else { 2.0 };
                a[v * nx + u] *= c * norm;
            }
        }
    }

    /// Potential and field at the bin centres for density `rho` (row-major `ny × nx`).
    pub fn solve(&self, rho: &[f64], psi: &mut [f64], ex: &mut [f64], ey: &mut [f64]) {
        self.solve_inner(rho, Some(psi), ex, ey);
    }

    /// The field alone (what the placer uses): the potential's two transforms skipped.
    pub fn solve_field(&self, rho: &[f64], ex: &mut [f64], ey: &mut [f64]) {
        self.solve_inner(rho, None, ex, ey);
    }

    fn solve_inner(
        &self,
        rho: &[f64],
        mut psi: Option<&mut [f64]>,
        ex: &mut [f64],
        ey: &mut [f64],
    ) {
        let (nx, ny) = (self.grid.nx, self.grid.ny);
        let mut a = std::mem::take(&mut self.scratch.lock().unwrap_or_else(|e| e.into_inner()).1);
        a.clear();
        a.extend_from_slice(rho);
        self.coefficients_in_place(&mut a);
        // DCT-III halves the first coefficient: double it (per axis) to sum the plain series.
        let d = |u: usize, v: usize| {
            (if u == 0 { 2.0 } else { 1.0 }) * (if v == 0 { 2.0 } else { 1.0 })
        };
        for v in 0..ny {
            for u in 0..nx {
                let k = v * nx + u;
                let w2 = self.wu[u] * self.wu[u] + self.wv[v] * self.wv[v];
                if u == 0 && v == 0 {
                    if let Some(psi) = psi.as_deref_mut() {
                        psi[k] = 0.0;
                    }
                    ex[k] = 0.0;
                    ey[k] = 0.0;
                    continue;
                }
                if let Some(psi) = psi.as_deref_mut() {
                    psi[k] = a[k] / w2 * d(u, v);
                }
                // Sine series along x: coefficient u goes to DST-III input u − 1 (the last
                // input is halved by DST-III; u = nx never occurs, so it stays 0).
                if u >= 1 {
                    ex[v * nx + u - 1] = a[k] * self.wu[u] / w2 * d(0, v) / 2.0;
                }
                if v >= 1 {
                    ey[(v - 1) * nx + u] = a[k] * self.wv[v] / w2 * d(u, 0) / 2.0;
                }
            }
        }
        self.scratch.lock().unwrap_or_else(|e| e.into_inner()).1 = a;
        for v in 0..ny {
            ex[v * nx + nx - 1] = 0.0;
        }
        ey[(ny - 1) * nx..].fill(0.0);
        if let Some(psi) = psi {
            self.along_x(psi, Tr::Dct3);
            self.along_y(psi, Tr::Dct3);
        }
        self.along_x(ex, Tr::Dst3);
        self.along_y(ex, Tr::Dct3);
        self.along_x(ey, Tr::Dct3);
        self.along_y(ey, Tr::Dst3);
    }
}

/// Side of the square tiles [`transpose`] copies through (a tile of each side fits in L1).
const TILE: usize = 32;

/// `dst` (`cols × rows`, row-major) = the transpose of `src` (`rows × cols`): bands of
/// [`TILE`] destination rows in parallel, each copied tile by tile (a plain copy: the result
/// does not depend on the split).
pub(crate) fn transpose(src: &[f64], dst: &mut [f64], cols: usize, rows: usize) {
    dst[..cols * rows]
        .par_chunks_mut(TILE * rows)
        .enumerate()
        .for_each(|(band, out)| {
            let c0 = band * TILE;
            let c1 = (c0 + TILE).min(cols);
            for r0 in (0..rows).step_by(TILE) {
                let r1 = (r0 + TILE).min(rows);
                for c in c0..c1 {
                    let line = &mut out[(c - c0) * rows..(c - c0 + 1) * rows];
                    for r in r0..r1 {
                        line[r] = src[r * cols + c];
                    }
                }
            }
        });
}

/// Parts of the objects that [`Charges::scatter_parts`] scatters in parallel, each into its own
/// map. Fixed, so the sums never depend on the thread count; two, for the two cores this tool is
/// built for (each further part costs a map to clear and add: 2 MB at 512 × 512 bins).
pub const SCATTER_PARTS: usize = 2;

/// The private maps of [`Charges::scatter_parts`], kept between calls.
#[derive(Debug, Default)]
pub struct ScatterScratch {
    maps: Vec<Vec<f64>>,
}

/// Movable charges over a bin grid: footprints (stretched) and their density scales.
#[derive(Debug, Clone)]
pub struct Charges {
    /// Stretched half-widths.
    pub half_w: Vec<f64>,
    /// Stretched half-heights.
    pub half_h: Vec<f64>,
    /// Density of each stretched footprint (area / stretched area).
    pub scale: Vec<f64>,
}

impl Charges {
    /// Charges for objects of sizes `w × h` on `grid` (local smoothing below √2 bins).
    pub fn new(grid: &BinGrid, w: &[f64], h: &[f64]) -> Charges {
        let (sx, sy) = (
            std::f64::consts::SQRT_2 * grid.bw,
            std::f64::consts::SQRT_2 * grid.bh,
        );
        let mut c = Charges {
            half_w: Vec::with_capacity(w.len()),
            half_h: Vec::with_capacity(w.len()),
            scale: Vec::with_capacity(w.len()),
        };
        for (&wi, &hi) in w.iter().zip(h) {
            let (ws, hs) = (wi.max(sx), hi.max(sy));
            c.half_w.push(ws / 2.0);
            c.half_h.push(hs / 2.0);
            c.scale.push(if ws * hs > 0.0 {
                wi * hi / (ws * hs)
            } else {
                0.0
            });
        }
        c
    }

    /// Adds the charge (area) of objects `range` at centres `x`, `y` to `map`.
    pub fn scatter(
        &self,
        grid: &BinGrid,
        x: &[f64],
        y: &[f64],
        range: std::ops::Range<usize>,
        map: &mut [f64],
    ) {
        for i in range {
            let s = self.scale[i];
            if s == 0.0 {
                continue;
            }
            grid.for_overlaps(
                x[i] - self.half_w[i],
                y[i] - self.half_h[i],
                x[i] + self.half_w[i],
                y[i] + self.half_h[i],
                |b, a| map[b] += a * s,
            );
        }
    }

    /// [`Charges::scatter`] on both cores: the objects of `range` are cut into
    /// [`SCATTER_PARTS`] consecutive parts of equal count; the first part is added to `map` in
    /// object order, each other part in object order to a zeroed map of its own, in parallel;
    /// then each bin adds the parts' maps in part order. Every bin sums the same terms in the
    /// same order for any number of threads, and the work is balanced however the objects lie
    /// (the objects of a part are scattered over the whole grid). Against the sequential
    /// scatter only the grouping of the sums differs (the naive map is the test's oracle).
    pub fn scatter_parts(
        &self,
        grid: &BinGrid,
        x: &[f64],
        y: &[f64],
        range: std::ops::Range<usize>,
        map: &mut [f64],
        scratch: &mut ScatterScratch,
    ) {
        let bins = grid.nx * grid.ny;
        let per = range.len().div_ceil(SCATTER_PARTS).max(1);
        let part = |k: usize| {
            let a = (range.start + k * per).min(range.end);
            a..(a + per).min(range.end)
        };
        scratch.maps.resize_with(SCATTER_PARTS - 1, Vec::new);
        let mut targets: Vec<&mut [f64]> = Vec::with_capacity(SCATTER_PARTS);
        targets.push(&mut map[..bins]);
        for m in scratch.maps.iter_mut() {
            m.clear();
            m.resize(bins, 0.0);
            targets.push(&mut m[..]);
        }
        targets
            .par_iter_mut()
            .enumerate()
            .for_each(|(k, target)| self.scatter(grid, x, y, part(k), target));
        let rest = &scratch.maps;
        map[..bins]
            .par_chunks_mut(4096)
            .enumerate()
            .for_each(|(c, out)| {
                let (at, len) = (c * 4096, out.len());
                for m in rest {
                    for (o, v) in out.iter_mut().zip(&m[at..at + len]) {
                        *o += v;
                    }
                }
            });
    }

    /// Energy gradient of each object at centres `pos` in the electric field `field` (per bin):
    /// `−Σ ov ξ`, written into `grad`.
    pub fn gradient(&self, grid: &BinGrid, pos: Xy, field: Xy, grad: XyMut) {
        let (x, y, ex, ey, gx, gy) = (pos.x, pos.y, field.x, field.y, grad.x, grad.y);
        gx.par_iter_mut()
            .zip(gy.par_iter_mut())
            .enumerate()
            .for_each(|(i, (ox, oy))| {
                let s = self.scale[i];
                let (mut sx, mut sy) = (0.0, 0.0);
                if s > 0.0 {
                    grid.for_overlaps(
                        x[i] - self.half_w[i],
                        y[i] - self.half_h[i],
                        x[i] + self.half_w[i],
                        y[i] + self.half_h[i],
                        |b, a| {
                            sx += a * ex[b];
                            sy += a * ey[b];
                        },
                    );
                }
                *ox = -s * sx;
                *oy = -s * sy;
            });
    }
}
