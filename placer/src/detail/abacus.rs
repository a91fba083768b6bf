//! Abacus legalization (Spindler et al., ISPD 2008): cells in order of their left edge, each
//! into the cheapest of the nearby rows' segments by a trial insertion that collapses clusters
//! exactly as the real insertion would.

use netlists::model::Row;
use netlists::{Netlist, Placement};

use super::rows::{RowError, Segment, cell_segments, fit, single_row_cells, snap_lefts};

#[derive(Debug, Clone, Copy)]
struct Cluster {
    x: f64,
    e: f64,
    q: f64,
    w: f64,
    /// Index of its first cell in the segment's cell list.
    first: usize,
}

#[derive(Debug, Clone, Default)]
struct SegState {
    cells: Vec<usize>,
    clusters: Vec<Cluster>,
    used: f64,
}

impl SegState {
    /// Final left edge of a cell of width `w` wanted at `x` if appended (the segment unchanged).
    fn trial(&self, seg: &Segment, x: f64, w: f64) -> f64 {
        let (mut e, mut q, mut cw, mut off) = (1.0, x, w, 0.0);
        let mut pos = fit(q / e, seg.x0, seg.x1 - cw);
        let mut j = self.clusters.len();
        while j > 0 && self.clusters[j - 1].x + self.clusters[j - 1].w > pos {
            let c = &self.clusters[j - 1];
            q = c.q + q - e * c.w;
            e += c.e;
            off += c.w;
            cw += c.w;
            pos = fit(q / e, seg.x0, seg.x1 - cw);
            j -= 1;
        }
        pos + off
    }

    /// Appends a cell.
    fn insert(&mut self, seg: &Segment, cell: usize, x: f64, w: f64) {
        self.cells.push(cell);
        self.used += w;
        let mut c = Cluster {
            x: fit(x, seg.x0, seg.x1 - w),
            e: 1.0,
            q: x,
            w,
            first: self.cells.len() - 1,
        };
        while let Some(&p) = self.clusters.last() {
            if p.x + p.w <= c.x {
                break;
            }
            self.clusters.pop();
            c = Cluster {
                x: 0.0,
                e: p.e + c.e,
                q: p.q + c.q - c.e * p.w,
                w: p.w + c.w,
                first: p.first,
            };
            c.x = fit(c.q / c.e, seg.x0, seg.x1 - c.w);
        }
        self.clusters.push(c);
    }
}

/// What [`legalize_cells`] did.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct RowReport {
    /// Cells legalized.
    pub cells: usize,
    /// Free segments.
    pub segments: usize,
    /// Mean displacement (|Δx| + |Δy|).
    pub mean_displacement: f64,
    /// Largest displacement.
    pub max_displacement: f64,
}

/// Abacus: moves every movable std cell into a free row segment (macros and fixed objects stay).
pub fn legalize_cells(
    netlist: &Netlist,
    rows: &[Row],
    placement: &mut Placement,
) -> Result<RowReport, RowError> {
    if rows.is_empty() {
        return Err(RowError::NoRows);
    }
    let tall = super::tall::legalize_tall(netlist, rows, placement)?;
    // The design's rows say how their cells are oriented (N, FS, ...): each cell takes its row's.
    let flip_per_row = super::rows::rows_orient_cells(netlist);
    let segs = cell_segments(netlist, rows, placement);
    let mut state: Vec<SegState> = vec![SegState::default(); segs.len()];
    // Segments of each row, and rows by y.
    let mut row_segs: Vec<Vec<usize>> = vec![Vec::new(); rows.len()];
    for (i, s) in segs.iter().enumerate() {
        row_segs[s.row].push(i);
    }
    let mut by_y: Vec<usize> = (0..rows.len()).collect();
    by_y.sort_by(|&a, &b| rows[a].y.total_cmp(&rows[b].y));
    let (nw, nh) = (netlist.node_width(), netlist.node_height());
    let mut cells = single_row_cells(netlist, rows);
    cells.sort_by(|&a, &b| {
        (placement.x[a] - nw[a] / 2.0)
            .total_cmp(&(placement.x[b] - nw[b] / 2.0))
            .then(a.cmp(&b))
    });
    let mut report = RowReport {
        cells: cells.len() + tall,
        segments: segs.len(),
        ..RowReport::default()
    };
    let mut total_disp = 0.0;
    for &n in &cells {
        let (w, h) = (nw[n], nh[n]);
        let (xl, yb) = (placement.x[n] - w / 2.0, placement.y[n] - h / 2.0);
        // Nearest row (by bottom edge) in y order.
        let k0 = by_y.partition_point(|&r| rows[r].y < yb);
        let mut best: Option<(f64, usize, f64)> = None;
        let tried = |r: usize, best: &mut Option<(f64, usize, f64)>| {
            let dy = (rows[r].y - yb).abs();
            if best.is_some_and(|b| dy >= b.0) {
                return;
            }
            for &si in &row_segs[r] {
                let s = &segs[si];
                if s.x1 - s.x0 - state[si].used < w - 1e-9 {
                    continue;
                }
                let dx_bound = if xl < s.x0 {
                    s.x0 - xl
                } else if xl + w > s.x1 {
                    xl + w - s.x1
                } else {
                    0.0
                };
                if best.is_some_and(|b| dy + dx_bound >= b.0) {
                    continue;
                }
                let x = state[si].trial(s, xl, w);
                let cost = dy + (x - xl).abs();
                if best.is_none_or(|b| cost < b.0) {
                    *best = Some((cost, si, x));
                }
            }
        };
        // Rows outward from the nearest, until the vertical distance alone is worse.
        let mut lo = k0 as isize - 1;
        let mut hi = k0;
        loop {
            let dlo = (lo >= 0).then(|| (yb - rows[by_y[lo as usize]].y).abs());
            let dhi = (hi < by_y.len()).then(|| (rows[by_y[hi]].y - yb).abs());
            let next = match (dlo, dhi) {
                (None, None) => break,
                (Some(a), Some(b)) if a <= b => {
                    lo -= 1;
                    (by_y[(lo + 1) as usize], a)
                }
                (Some(a), None) => {
                    lo -= 1;
                    (by_y[(lo + 1) as usize], a)
                }
                (_, Some(b)) => {
                    hi += 1;
                    (by_y[hi - 1], b)
                }
            };
            if best.is_some_and(|b| next.1 >= b.0) {
                break;
            }
            tried(next.0, &mut best);
        }
        let Some((_, si, _)) = best else {
            return Err(RowError::NoRoom {
                cell: netlist.node_name()[n].clone(),
                width: w,
            });
        };
        state[si].insert(&segs[si], n, xl, w);
    }
    // Final positions: clusters on the site grid, cells packed left to right.
    for (si, st) in state.iter().enumerate() {
        let s = &segs[si];
        let row = &rows[s.row];
        let sw = row.site_width.max(1e-9);
        let mut lefts = Vec::with_capacity(st.cells.len());
        for (ci, c) in st.clusters.iter().enumerate() {
            let last = st
                .clusters
                .get(ci + 1)
                .map_or(st.cells.len(), |nx| nx.first);
            let mut off = 0.0;
            for k in c.first..last {
                lefts.push(c.x + off);
                off += nw[st.cells[k]];
            }
        }
        snap_lefts(s, sw, &mut lefts, |k| nw[st.cells[k]]);
        let row_orient = flip_per_row
            .then(|| netlists::Orientation::parse(&row.site_orient))
            .flatten();
        for (k, &n) in st.cells.iter().enumerate() {
            if let Some(o) = row_orient {
                placement.orient[n] = o;
            }
            let (x, y) = (lefts[k] + nw[n] / 2.0, row.y + nh[n] / 2.0);
            let d = (x - placement.x[n]).abs() + (y - placement.y[n]).abs();
            total_disp += d;
            report.max_displacement = report.max_displacement.max(d);
            placement.x[n] = x;
            placement.y[n] = y;
        }
    }
    report.mean_displacement = total_disp / cells.len().max(1) as f64;
    Ok(report)
}
