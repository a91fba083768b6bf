//! Circuit Training's gridding: the `cols × rows` of the placement grid for a design whose
//! input gives none, chosen as CT's `grid_size_selection` does.
//!
//! Every candidate with `10 ≤ cols, rows < 128`, `500 ≤ cols·rows ≤ 2500` and grid cells of
//! aspect ratio at most 1.5 is scored by packing the movable hard macros (node order), each at
//! the first legal grid-cell centre in row-major order (inside the canvas, no positive-area
//! overlap with the macros packed before or a blockage); a candidate where one does not fit is
//! infeasible. Its key metric is `empty + (1 − hor_waste) + (1 − ver_waste)`:
//! - `empty`: the fraction of grid cells no packed macro covers (density below 1e-5);
//! - `hor_waste`: the macros' widths laid side by side, each centred on a cell centre, without
//!   overlap: the unused fraction of the cells they span (`ver_waste` likewise with heights).
//!
//! Among the candidates within 5% of the best metric, the one with the best metric per grid
//! cell wins (fewer cells for nearly the same packing). Ties go to the first in row-major
//! order of `(rows, cols)`, as CT's stable sort and `max` do.

use netlists::{Netlist, NodeKind};
use rayon::prelude::*;

use crate::macros::masks::{MaskGrid, Obstacle, blockage_obstacles, position_mask_among};

/// The sweep's bounds and the selection's tolerance (CT's flag defaults).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GriddingOptions {
    /// Smallest cols / rows tried.
    pub min_num: usize,
    /// Cols / rows tried are below this.
    pub max_num: usize,
    /// Fewest grid cells.
    pub min_cells: usize,
    /// Most grid cells.
    pub max_cells: usize,
    /// Largest grid-cell aspect ratio (either way).
    pub max_aspect_ratio: f64,
    /// Candidates within this fraction of the best metric qualify.
    pub tolerance: f64,
}

impl Default for GriddingOptions {
    fn default() -> Self {
        GriddingOptions {
            min_num: 10,
            max_num: 128,
            min_cells: 500,
            max_cells: 2500,
            max_aspect_ratio: 1.5,
            tolerance: 0.05,
        }
    }
}

/// One feasible candidate and its metrics.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct GridChoice {
    /// Columns.
    pub cols: usize,
    /// Rows.
    pub rows: usize,
    /// Fraction of grid cells left empty by the packed macros.
    pub empty_ratio: f64,
    /// Unused fraction of the cells spanned by the macros' widths side by side.
    pub hor_waste: f64,
    /// The same for heights.
    pub ver_waste: f64,
    /// `empty_ratio + (1 − hor_waste) + (1 − ver_waste)`.
    pub key_metric: f64,
}

/// Cells a segment of `seg` spans when centred on a cell of width `cell` (odd), and the space
/// it occupies in its last cell.
fn span_and_extra_piece(seg: f64, cell: f64) -> (usize, f64) {
    let mut i = 0;
    loop {
        let span = 2 * i + 1;
        let extra_space = (span as f64 * cell - seg) / 2.0;
        if extra_space >= 0.0 {
            return (span, cell - extra_space);
        }
        i += 1;
    }
}

/// The waste ratio of segments laid side by side, each centred on a cell, in the given order.
pub fn waste_ratio(segments: &[f64], cell: f64) -> f64 {
    let total: f64 = segments.iter().sum();
    let mut index: usize = 0;
    let mut prev_extra = 0.0;
    for &s in segments {
        let (span, extra) = span_and_extra_piece(s, cell);
        index += span;
        if extra + prev_extra <= cell {
            index -= 1;
        }
        prev_extra = extra;
    }
    let span = (index + 1) as f64 * cell;
    (span - total) / span
}

/// Packs `macros` (width, height) into `grid`, each at the first legal centre in row-major
/// order; the fraction of empty grid cells, or `None` when one does not fit.
fn pack_empty_ratio(
    macros: &[(f64, f64)],
    blockages: &[Obstacle],
    fp: &netlists::Floorplan,
    grid: &MaskGrid,
) -> Option<f64> {
    let mut obstacles: Vec<Obstacle> = blockages.to_vec();
    let mut mask = Vec::new();
    let mut covered = vec![0.0f64; grid.cols * grid.rows];
    for &(w, h) in macros {
        position_mask_among(&obstacles, w, h, fp, grid, &mut mask);
        let k = mask.iter().position(|&m| m)?;
        let (r, c) = (k / grid.cols, k % grid.cols);
        let o = Obstacle {
            x: grid.cx(c),
            y: grid.cy(r),
            w,
            h,
        };
        add_coverage(&mut covered, grid, &o);
        obstacles.push(o);
    }
    let area = grid.cell_w * grid.cell_h;
    let empty = covered.iter().filter(|&&a| a / area < 1e-5).count();
    Some(empty as f64 / covered.len() as f64)
}

/// Adds the overlap area of `o` with every grid cell.
fn add_coverage(covered: &mut [f64], grid: &MaskGrid, o: &Obstacle) {
    let (x0, x1) = (o.x - o.w / 2.0, o.x + o.w / 2.0);
    let (y0, y1) = (o.y - o.h / 2.0, o.y + o.h / 2.0);
    let col = |x: f64| (((x - grid.x0) / grid.cell_w).floor().max(0.0) as usize).min(grid.cols - 1);
    let row = |y: f64| (((y - grid.y0) / grid.cell_h).floor().max(0.0) as usize).min(grid.rows - 1);
    for r in row(y0)..=row(y1) {
        let (cy0, cy1) = (
            grid.y0 + r as f64 * grid.cell_h,
            grid.y0 + (r + 1) as f64 * grid.cell_h,
        );
        let dy = (y1.min(cy1) - y0.max(cy0)).max(0.0);
        for c in col(x0)..=col(x1) {
            let (cx0, cx1) = (
                grid.x0 + c as f64 * grid.cell_w,
                grid.x0 + (c + 1) as f64 * grid.cell_w,
            );
            let dx = (x1.min(cx1) - x0.max(cx0)).max(0.0);
            covered[r * grid.cols + c] += dx * dy;
        }
    }
}

/// The movable hard macros' (width, height), in node order (CT's gridding leaves fixed macros
/// out by default).
fn movable_hard_macros(netlist: &Netlist) -> Vec<(f64, f64)> {
    (0..netlist.num_nodes())
        .filter(|&n| netlist.node_kind()[n] == NodeKind::HardMacro && !netlist.node_fixed()[n])
        .map(|n| (netlist.node_width()[n], netlist.node_height()[n]))
        .collect()
}

/// Every feasible candidate over a `canvas_w × canvas_h` canvas at the floorplan's origin (the
/// cost model's canvas), in row-major order of `(rows, cols)`.
pub fn grid_choices(
    netlist: &Netlist,
    canvas_w: f64,
    canvas_h: f64,
    opts: &GriddingOptions,
) -> Vec<GridChoice> {
    let macros = movable_hard_macros(netlist);
    if macros.is_empty() || !(canvas_w > 0.0 && canvas_h > 0.0) {
        return Vec::new();
    }
    let mut fp = netlist.floorplan().clone();
    fp.width = canvas_w;
    fp.height = canvas_h;
    let fp = &fp;
    let blockages: Vec<Obstacle> = blockage_obstacles(fp).collect();
    let widths: Vec<f64> = macros.iter().map(|m| m.0).collect();
    let heights: Vec<f64> = macros.iter().map(|m| m.1).collect();
    let candidates: Vec<(usize, usize)> = (opts.min_num..opts.max_num)
        .flat_map(|rows| (opts.min_num..opts.max_num).map(move |cols| (rows, cols)))
        .filter(|&(rows, cols)| {
            let (cw, ch) = (fp.width / cols as f64, fp.height / rows as f64);
            let n = rows * cols;
            (opts.min_cells..=opts.max_cells).contains(&n)
                && cw.max(ch) / cw.min(ch) <= opts.max_aspect_ratio
        })
        .collect();
    candidates
        .par_iter()
        .filter_map(|&(rows, cols)| {
            let grid = MaskGrid::over_floorplan(fp, cols, rows);
            let empty_ratio = pack_empty_ratio(&macros, &blockages, fp, &grid)?;
            let hor_waste = waste_ratio(&widths, grid.cell_w);
            let ver_waste = waste_ratio(&heights, grid.cell_h);
            Some(GridChoice {
                cols,
                rows,
                empty_ratio,
                hor_waste,
                ver_waste,
                key_metric: empty_ratio + (1.0 - hor_waste) + (1.0 - ver_waste),
            })
        })
        .collect()
}

/// CT's selection among `choices` (row-major order of `(rows, cols)`): the best metric per
/// grid cell among those within `tolerance` of the best metric.
pub fn select(choices: &[GridChoice], tolerance: f64) -> Option<GridChoice> {
    let best = choices
        .iter()
        .map(|c| c.key_metric)
        .fold(f64::NEG_INFINITY, f64::max);
    let floor = best * (1.0 - tolerance);
    // CT sorts by metric (stable, descending) and takes the first maximum of metric / cells.
    let mut qualified: Vec<&GridChoice> =
        choices.iter().filter(|c| c.key_metric >= floor).collect();
    qualified.sort_by(|a, b| b.key_metric.total_cmp(&a.key_metric));
    let mut out: Option<&GridChoice> = None;
    for c in qualified {
        let score = c.key_metric / (c.cols * c.rows) as f64;
        if out.is_none_or(|o| score > o.key_metric / (o.cols * o.rows) as f64) {
            out = Some(c);
        }
    }
    out.copied()
}

/// The grid CT's gridding suggests for `netlist`'s movable hard macros on a `canvas_w ×
/// canvas_h` canvas, or `None` (no movable hard macro, or no candidate fits them all).
pub fn suggest_grid(
    netlist: &Netlist,
    canvas_w: f64,
    canvas_h: f64,
    opts: &GriddingOptions,
) -> Option<GridChoice> {
    select(
        &grid_choices(netlist, canvas_w, canvas_h, opts),
        opts.tolerance,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choice(cols: usize, rows: usize, key_metric: f64) -> GridChoice {
        GridChoice {
            cols,
            rows,
            empty_ratio: 0.0,
            hor_waste: 0.0,
            ver_waste: 0.0,
            key_metric,
        }
    }

    #[test]
    fn waste_ratios_by_hand() {
        // One segment filling its cell: no waste.
        assert_eq!(waste_ratio(&[10.0], 10.0), 0.0);
        // Two half-cell segments cannot share a cell when centred: 10 of 20 wasted.
        assert_eq!(waste_ratio(&[5.0, 5.0], 10.0), 0.5);
        // 12 on cells of 10 spans 3 cells (spans are odd), leaving 9 free in each end cell, so
        // its extra piece is 1; the 2 (span 1, piece 6) shares that end cell (1 + 6 ≤ 10):
        // index 3 − 1 + 1 − 1 = 2, span 3 cells = 30, waste (30 − 14)/30.
        assert!((waste_ratio(&[12.0, 2.0], 10.0) - 16.0 / 30.0).abs() < 1e-12);
    }

    #[test]
    fn selection_prefers_fewer_cells_within_the_tolerance() {
        let cs = [
            choice(30, 30, 2.40),
            choice(20, 25, 2.30),
            choice(24, 21, 2.10),
        ];
        // 2.30 is within 5% of 2.40 and has fewer cells; 2.10 is not within 5%.
        assert_eq!(select(&cs, 0.05).map(|c| (c.cols, c.rows)), Some((20, 25)));
        // With no tolerance only the best qualifies.
        assert_eq!(select(&cs, 0.0).map(|c| (c.cols, c.rows)), Some((30, 30)));
        assert_eq!(select(&[], 0.05), None);
    }
}
