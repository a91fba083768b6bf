//! Standard cells in rows: the row segments left free by macros and fixed objects, Abacus
//! legalization, a detailed-placement pass, and the row legality check behind `eval`.
//!
//! - **Rows**: the design's (Bookshelf `.scl`) or synthesized for designs without any
//!   ([`rows_of`]).
//! - **Segments**: each row minus every obstacle (hard macros, fixed nodes of positive area,
//!   blockages) that overlaps it vertically, trimmed inward to the site grid.
//! - **Abacus** (Spindler et al., ISPD 2008): cells in order of their global-placement left
//!   edge; each tries the rows near its position, and in each row the segments near its x, by a
//!   trial insertion that collapses clusters exactly as the real insertion would; the cheapest
//!   (|Δx| + |Δy|) wins. Clusters end on the site grid.
//! - **Detailed placement**: swaps of neighbouring cells, shifts of single cells within the
//!   free space around them, and global moves of a cell into a free gap near its optimal point
//!   (the medians of its nets' other pins) in the rows around it, or swaps with an equally wide
//!   cell there; each accepted only when the
//!   exact HPWL of the nets involved falls; repeated for a few passes.
//! - **Check**: every std cell's bottom on a row, its left edge on a site of that row and inside
//!   it, no overlap with another cell or with an obstacle.

use netlists::model::Row;
use netlists::{Netlist, NodeKind, Placement};

use crate::wirelength::PinOffsets;

/// `x` clamped to `[lo, hi]`; `lo` when rounding made `hi` slightly smaller than `lo` (a cell
/// exactly as wide as its space).
#[inline]
fn fit(x: f64, lo: f64, hi: f64) -> f64 {
    x.min(hi).max(lo)
}

/// A free interval of one row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Segment {
    /// Row index.
    pub row: usize,
    /// Left end (on the site grid).
    pub x0: f64,
    /// Right end (on the site grid).
    pub x1: f64,
}

/// Obstacle rectangles `(x0, y0, x1, y1)` for std cells: hard macros, fixed non-std-cell nodes of
/// positive area, and blockages.
pub fn obstacles(netlist: &Netlist, placement: &Placement) -> Vec<(f64, f64, f64, f64, usize)> {
    let mut out = Vec::new();
    let swap = netlist.format() == netlists::SourceFormat::Bookshelf;
    for n in 0..netlist.num_nodes() {
        let kind = netlist.node_kind()[n];
        let obstacle = kind == NodeKind::HardMacro
            || (netlist.node_fixed()[n]
                && kind != NodeKind::StdCell
                && kind != NodeKind::SoftMacro);
        if !obstacle {
            continue;
        }
        let (w, h) = netlists::model::footprint(
            netlist,
            netlists::NodeId(n as u32),
            placement.orient[n],
            swap,
        );
        if w > 0.0 && h > 0.0 {
            let (x, y) = (placement.x[n], placement.y[n]);
            out.push((x - w / 2.0, y - h / 2.0, x + w / 2.0, y + h / 2.0, n));
        }
    }
    for b in &netlist.floorplan().blockages {
        out.push((b.x_min, b.y_min, b.x_max, b.y_max, usize::MAX));
    }
    out
}

/// The rows std cells go into: the design's own (Bookshelf `.scl`), or, when it has none (Circuit
/// Training designs), rows synthesized over the canvas: the most common std-cell height, and the
/// largest site width of which every std-cell width is a multiple (the narrowest width divided by
/// 1..8), starting at the canvas corner. Empty when the design has no std cells.
pub fn rows_of(netlist: &Netlist) -> Vec<Row> {
    let fp = netlist.floorplan();
    if !fp.rows.is_empty() {
        return fp.rows.clone();
    }
    let cells = std_cells(netlist);
    if cells.is_empty() {
        return Vec::new();
    }
    let (nw, nh) = (netlist.node_width(), netlist.node_height());
    let mut heights: Vec<(u64, usize)> = Vec::new();
    for &n in &cells {
        let key = nh[n].to_bits();
        match heights.iter_mut().find(|(k, _)| *k == key) {
            Some(e) => e.1 += 1,
            None => heights.push((key, 1)),
        }
    }
    let height = heights
        .iter()
        .max_by_key(|e| e.1)
        .map_or(1.0, |e| f64::from_bits(e.0));
    let min_w = cells.iter().map(|&n| nw[n]).fold(f64::INFINITY, f64::min);
    let multiple = |w: f64, s: f64| {
        let k = w / s;
        (k - k.round()).abs() < 1e-6 * k.max(1.0)
    };
    let site = (1..=8)
        .map(|k| min_w / k as f64)
        .find(|&s| cells.iter().all(|&n| multiple(nw[n], s)))
        .unwrap_or(min_w / 8.0);
    if !(height > 0.0 && site > 0.0) {
        return Vec::new();
    }
    let count = (fp.height / height + 1e-9).floor() as usize;
    let sites = (fp.width / site + 1e-9).floor() as u32;
    (0..count)
        .map(|i| Row {
            y: fp.y_min + i as f64 * height,
            height,
            site_width: site,
            site_spacing: site,
            site_orient: if i % 2 == 0 { "N" } else { "FS" }.to_string(),
            site_symmetry: "Y".to_string(),
            x: fp.x_min,
            num_sites: sites,
        })
        .collect()
}

/// The free segments of every row, row after row, left to right.
pub fn segments(netlist: &Netlist, rows: &[Row], placement: &Placement) -> Vec<Segment> {
    let obs = obstacles(netlist, placement);
    let mut out = Vec::new();
    for (r, row) in rows.iter().enumerate() {
        let (ry0, ry1) = (row.y, row.y + row.height);
        let mut cuts: Vec<(f64, f64)> = obs
            .iter()
            .filter(|o| o.1 < ry1 - 1e-9 && o.3 > ry0 + 1e-9)
            .map(|o| (o.0, o.2))
            .collect();
        cuts.sort_by(|a, b| a.0.total_cmp(&b.0));
        let sw = row.site_width.max(1e-9);
        let snap_up = |x: f64| row.x + ((x - row.x) / sw - 1e-9).ceil() * sw;
        let snap_down = |x: f64| row.x + ((x - row.x) / sw + 1e-9).floor() * sw;
        let mut at = row.x;
        let end = row.x_end();
        let mut push = |a: f64, b: f64| {
            let (a, b) = (snap_up(a.max(row.x)), snap_down(b.min(end)));
            if b - a >= sw - 1e-9 {
                out.push(Segment {
                    row: r,
                    x0: a,
                    x1: b,
                });
            }
        };
        for (c0, c1) in cuts {
            if c0 > at {
                push(at, c0);
            }
            at = at.max(c1);
        }
        if end > at {
            push(at, end);
        }
    }
    out
}

/// Moves every movable std cell whose centre lies on an obstacle to the nearest point of a free
/// row segment wide enough for it (deep inside a macro the density field is flat, so global
/// placement alone would leave it there). Returns how many cells moved.
pub fn pull_off_obstacles(netlist: &Netlist, rows: &[Row], placement: &mut Placement) -> usize {
    let obs = obstacles(netlist, placement);
    let segs = segments(netlist, rows, placement);
    let (nw, nh) = (netlist.node_width(), netlist.node_height());
    let mut moved = 0;
    for n in std_cells(netlist) {
        let (x, y) = (placement.x[n], placement.y[n]);
        if !obs.iter().any(|o| x > o.0 && x < o.2 && y > o.1 && y < o.3) {
            continue;
        }
        let mut best: Option<(f64, f64, f64)> = None;
        for s in &segs {
            if s.x1 - s.x0 < nw[n] {
                continue;
            }
            let row = &rows[s.row];
            let cx = fit(x, s.x0 + nw[n] / 2.0, s.x1 - nw[n] / 2.0);
            let cy = row.y + nh[n] / 2.0;
            let d = (cx - x).abs() + (cy - y).abs();
            if best.is_none_or(|b| d < b.0) {
                best = Some((d, cx, cy));
            }
        }
        if let Some((_, cx, cy)) = best {
            placement.x[n] = cx;
            placement.y[n] = cy;
            moved += 1;
        }
    }
    moved
}

/// Why std-cell legalization failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RowError {
    /// The design has no rows.
    #[error("the design has no rows: std cells cannot be legalized")]
    NoRows,
    /// A cell found no segment with room.
    #[error(
        "no row segment has room for std cell {cell} (width {width}): total free row width is too small"
    )]
    NoRoom {
        /// Cell name.
        cell: String,
        /// Its width.
        width: f64,
    },
}

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

fn std_cells(netlist: &Netlist) -> Vec<usize> {
    (0..netlist.num_nodes())
        .filter(|&n| netlist.node_kind()[n] == NodeKind::StdCell && !netlist.node_fixed()[n])
        .collect()
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
    let segs = segments(netlist, rows, placement);
    let mut state: Vec<SegState> = vec![SegState::default(); segs.len()];
    // Segments of each row, and rows by y.
    let mut row_segs: Vec<Vec<usize>> = vec![Vec::new(); rows.len()];
    for (i, s) in segs.iter().enumerate() {
        row_segs[s.row].push(i);
    }
    let mut by_y: Vec<usize> = (0..rows.len()).collect();
    by_y.sort_by(|&a, &b| rows[a].y.total_cmp(&rows[b].y));
    let (nw, nh) = (netlist.node_width(), netlist.node_height());
    let mut cells = std_cells(netlist);
    cells.sort_by(|&a, &b| {
        (placement.x[a] - nw[a] / 2.0)
            .total_cmp(&(placement.x[b] - nw[b] / 2.0))
            .then(a.cmp(&b))
    });
    let mut report = RowReport {
        cells: cells.len(),
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
        let floor_site = |x: f64| s.x0 + ((x - s.x0) / sw + 1e-9).floor() * sw;
        let ceil_site = |x: f64| s.x0 + ((x - s.x0) / sw - 1e-9).ceil() * sw;
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
        let mut prev_end = s.x0;
        for (k, l) in lefts.iter_mut().enumerate() {
            *l = floor_site(*l).max(ceil_site(prev_end));
            prev_end = *l + nw[st.cells[k]];
        }
        // Pull back from the right end if rounding pushed past it.
        let mut limit = s.x1;
        for k in (0..lefts.len()).rev() {
            let w = nw[st.cells[k]];
            if lefts[k] + w > limit + 1e-9 {
                lefts[k] = floor_site(limit - w);
            }
            limit = lefts[k];
        }
        for (k, &n) in st.cells.iter().enumerate() {
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

/// A std-cell row violation.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RowViolation {
    /// The cell.
    pub cell: String,
    /// What is wrong.
    pub what: String,
}

/// Checks every movable std cell: bottom on a row, left edge on a site inside the row, no overlap
/// with another std cell or an obstacle. Empty when legal.
pub fn check_cells(netlist: &Netlist, rows: &[Row], placement: &Placement) -> Vec<RowViolation> {
    let cells = std_cells(netlist);
    let mut out = Vec::new();
    if rows.is_empty() {
        return out;
    }
    let (nw, nh) = (netlist.node_width(), netlist.node_height());
    let name = |n: usize| netlist.node_name()[n].clone();
    let tol = 1e-6;
    let mut by_y: Vec<usize> = (0..rows.len()).collect();
    by_y.sort_by(|&a, &b| rows[a].y.total_cmp(&rows[b].y));
    let mut in_row: Vec<Vec<(f64, f64, usize)>> = vec![Vec::new(); rows.len()];
    for &n in &cells {
        let (xl, yb) = (placement.x[n] - nw[n] / 2.0, placement.y[n] - nh[n] / 2.0);
        let k = by_y.partition_point(|&r| rows[r].y < yb - tol);
        let r = match by_y.get(k) {
            Some(&r) if (rows[r].y - yb).abs() <= tol => r,
            _ => {
                out.push(RowViolation {
                    cell: name(n),
                    what: format!("bottom y {yb} is on no row"),
                });
                continue;
            }
        };
        let row = &rows[r];
        let s = (xl - row.x) / row.site_width.max(1e-9);
        if (s - s.round()).abs() > tol {
            out.push(RowViolation {
                cell: name(n),
                what: format!("left x {xl} is not on a site of row {r}"),
            });
        }
        if xl < row.x - tol || xl + nw[n] > row.x_end() + tol {
            out.push(RowViolation {
                cell: name(n),
                what: format!("outside row {r} [{}, {}]", row.x, row.x_end()),
            });
        }
        in_row[r].push((xl, xl + nw[n], n));
    }
    let obs = obstacles(netlist, placement);
    for (r, list) in in_row.iter_mut().enumerate() {
        list.sort_by(|a, b| a.0.total_cmp(&b.0));
        for w in list.windows(2) {
            if w[0].1 > w[1].0 + tol {
                out.push(RowViolation {
                    cell: name(w[1].2),
                    what: format!("overlaps std cell {}", name(w[0].2)),
                });
            }
        }
        let (ry0, ry1) = (rows[r].y, rows[r].y + rows[r].height);
        for o in obs.iter().filter(|o| o.1 < ry1 - tol && o.3 > ry0 + tol) {
            let k = list.partition_point(|c| c.1 <= o.0 + tol);
            for c in &list[k..] {
                if c.0 >= o.2 - tol {
                    break;
                }
                out.push(RowViolation {
                    cell: name(c.2),
                    what: if o.4 == usize::MAX {
                        "overlaps a blockage".to_string()
                    } else {
                        format!("overlaps {}", name(o.4))
                    },
                });
            }
        }
    }
    out
}

/// What [`detailed_place`] did.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct DetailReport {
    /// Passes run.
    pub passes: usize,
    /// Accepted swaps.
    pub swaps: usize,
    /// Accepted shifts.
    pub shifts: usize,
    /// Accepted moves to gaps near a cell's optimal point (any nearby row).
    pub moves: usize,
    /// Accepted swaps with an equally wide cell near a cell's optimal point.
    pub global_swaps: usize,
    /// Whether the deadline ended it.
    pub stopped_by_time: bool,
    /// HPWL before.
    pub hpwl_before: f64,
    /// HPWL after.
    pub hpwl_after: f64,
}

/// Exact weighted HPWL of `nets`.
fn nets_hpwl(netlist: &Netlist, off: &PinOffsets, pl: &Placement, nets: &[usize]) -> f64 {
    nets.iter()
        .map(|&net| crate::wirelength::net_hpwl_at(netlist, off, &pl.x, &pl.y, net))
        .sum()
}

fn nets_of(netlist: &Netlist, nodes: &[usize], out: &mut Vec<usize>) {
    out.clear();
    for &n in nodes {
        for &p in netlist.pins_of_node(netlists::NodeId(n as u32)) {
            out.push(netlist.pin_net(p).idx());
        }
    }
    out.sort_unstable();
    out.dedup();
}

/// Improves a legal std-cell placement in place: up to `passes` rounds of neighbour swaps,
/// shifts into the free space around each cell and global moves, accepting only exact HPWL
/// improvements, until a round changes nothing or `deadline` passes. The result stays legal
/// (rows, sites, no overlaps).
pub fn detailed_place(
    netlist: &Netlist,
    rows: &[Row],
    placement: &mut Placement,
    passes: usize,
    deadline: Option<std::time::Instant>,
) -> DetailReport {
    let late = || deadline.is_some_and(|d| std::time::Instant::now() >= d);
    let off = PinOffsets::new(netlist, placement);
    let mut report = DetailReport {
        hpwl_before: crate::wirelength::hpwl_at(netlist, &off, &placement.x, &placement.y),
        ..DetailReport::default()
    };
    if rows.is_empty() {
        report.hpwl_after = report.hpwl_before;
        return report;
    }
    let segs = segments(netlist, rows, placement);
    let nw = netlist.node_width();
    // Cells of each segment, left to right.
    let mut seg_cells: Vec<Vec<usize>> = vec![Vec::new(); segs.len()];
    let mut row_segs: Vec<Vec<usize>> = vec![Vec::new(); rows.len()];
    for (i, s) in segs.iter().enumerate() {
        row_segs[s.row].push(i);
    }
    let nh = netlist.node_height();
    for n in std_cells(netlist) {
        let (xl, yb) = (placement.x[n] - nw[n] / 2.0, placement.y[n] - nh[n] / 2.0);
        if let Some(r) = rows.iter().position(|r| (r.y - yb).abs() < 1e-6)
            && let Some(&si) = row_segs[r]
                .iter()
                .find(|&&si| segs[si].x0 <= xl + 1e-6 && xl + nw[n] <= segs[si].x1 + 1e-6)
        {
            seg_cells[si].push(n);
        }
    }
    for list in &mut seg_cells {
        list.sort_by(|&a, &b| placement.x[a].total_cmp(&placement.x[b]));
    }
    let mut nets = Vec::new();
    for _ in 0..passes {
        if late() {
            report.stopped_by_time = true;
            break;
        }
        report.passes += 1;
        let mut changed = 0;
        for (si, list) in seg_cells.iter_mut().enumerate() {
            if si % 64 == 0 && late() {
                break;
            }
            let s = segs[si];
            let sw = rows[s.row].site_width.max(1e-9);
            let snap = |x: f64| s.x0 + ((x - s.x0) / sw + 1e-9).floor() * sw;
            // Swaps of neighbours: a then b → b then a, same span.
            for k in 0..list.len().saturating_sub(1) {
                let (a, b) = (list[k], list[k + 1]);
                let left = placement.x[a] - nw[a] / 2.0;
                let gap = (placement.x[b] - nw[b] / 2.0) - (left + nw[a]);
                nets_of(netlist, &[a, b], &mut nets);
                let before = nets_hpwl(netlist, &off, placement, &nets);
                let (oa, ob) = (placement.x[a], placement.x[b]);
                placement.x[b] = left + nw[b] / 2.0;
                placement.x[a] = left + nw[b] + gap + nw[a] / 2.0;
                if nets_hpwl(netlist, &off, placement, &nets) < before - 1e-9 {
                    list.swap(k, k + 1);
                    report.swaps += 1;
                    changed += 1;
                } else {
                    placement.x[a] = oa;
                    placement.x[b] = ob;
                }
            }
            // Shifts: each cell to the best site in its free space (towards the median of its
            // nets' other pins).
            for k in 0..list.len() {
                let n = list[k];
                let lo = if k == 0 {
                    s.x0
                } else {
                    placement.x[list[k - 1]] + nw[list[k - 1]] / 2.0
                };
                let hi = if k + 1 == list.len() {
                    s.x1
                } else {
                    placement.x[list[k + 1]] - nw[list[k + 1]] / 2.0
                };
                if hi - lo <= nw[n] + 1e-9 {
                    continue;
                }
                nets_of(netlist, &[n], &mut nets);
                // Candidate: the x of the cell's optimal point.
                let Some((target, _)) = optimal_point(netlist, &off, placement, n, &nets) else {
                    continue;
                };
                let left = snap(fit(target - nw[n] / 2.0, lo, hi - nw[n]));
                let left = if left < lo - 1e-9 { left + sw } else { left };
                if left + nw[n] > hi + 1e-9 {
                    continue;
                }
                let old = placement.x[n];
                let new = left + nw[n] / 2.0;
                if (new - old).abs() < 1e-9 {
                    continue;
                }
                let before = nets_hpwl(netlist, &off, placement, &nets);
                placement.x[n] = new;
                if nets_hpwl(netlist, &off, placement, &nets) < before - 1e-9 {
                    report.shifts += 1;
                    changed += 1;
                } else {
                    placement.x[n] = old;
                }
            }
        }
        changed += global_moves(
            netlist,
            rows,
            &segs,
            &row_segs,
            &off,
            placement,
            &mut seg_cells,
            &mut report,
            &late,
        );
        if changed == 0 {
            break;
        }
    }
    report.hpwl_after = crate::wirelength::hpwl_at(netlist, &off, &placement.x, &placement.y);
    report
}

/// The centre of a cell's optimal region: the medians of the other pins' bounding-box ends over
/// its nets (x and y), or `None` when no net has another pin.
fn optimal_point(
    netlist: &Netlist,
    off: &PinOffsets,
    placement: &Placement,
    n: usize,
    nets: &[usize],
) -> Option<(f64, f64)> {
    let starts = netlist.net_pin_start();
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for &net in nets {
        let (mut x0, mut x1, mut y0, mut y1) = (
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
        );
        for p in starts[net] as usize..starts[net + 1] as usize {
            let m = netlist.pin_node()[p].idx();
            if m != n {
                let (px, py) = (placement.x[m] + off.dx[p], placement.y[m] + off.dy[p]);
                x0 = x0.min(px);
                x1 = x1.max(px);
                y0 = y0.min(py);
                y1 = y1.max(py);
            }
        }
        if x1 >= x0 {
            xs.extend([x0, x1]);
            ys.extend([y0, y1]);
        }
    }
    if xs.is_empty() {
        return None;
    }
    xs.sort_by(f64::total_cmp);
    ys.sort_by(f64::total_cmp);
    Some((xs[xs.len() / 2], ys[ys.len() / 2]))
}

/// Rows tried on each side of the optimal point's row (global moves).
const ROW_REACH: usize = 6;
/// Gaps (and equally wide cells) tried on each side of the optimal point in a segment.
const GAP_REACH: usize = 6;
/// Cells closer than this many widths to their optimal point are left alone.
const SKIP_NEAR: f64 = 1.0;

/// Global moves: each cell tries the free gaps nearest its optimal point in the rows around it
/// and moves to the best one when that lowers the exact HPWL. Returns the accepted moves.
#[allow(clippy::too_many_arguments)]
fn global_moves(
    netlist: &Netlist,
    rows: &[Row],
    segs: &[Segment],
    row_segs: &[Vec<usize>],
    off: &PinOffsets,
    placement: &mut Placement,
    seg_cells: &mut [Vec<usize>],
    report: &mut DetailReport,
    late: &dyn Fn() -> bool,
) -> usize {
    let (nw, nh) = (netlist.node_width(), netlist.node_height());
    let mut by_y: Vec<usize> = (0..rows.len()).collect();
    by_y.sort_by(|&a, &b| rows[a].y.total_cmp(&rows[b].y));
    let mut seg_of = vec![usize::MAX; netlist.num_nodes()];
    for (si, list) in seg_cells.iter().enumerate() {
        for &n in list {
            seg_of[n] = si;
        }
    }
    let order: Vec<usize> = seg_cells.iter().flatten().copied().collect();
    let mut nets = Vec::new();
    let mut moves = 0;
    let swaps_before = report.global_swaps;
    for (i, n) in order.into_iter().enumerate() {
        if i % 256 == 0 && late() {
            break;
        }
        let w = nw[n];
        nets_of(netlist, &[n], &mut nets);
        let Some((tx, ty)) = optimal_point(netlist, off, placement, n, &nets) else {
            continue;
        };
        let (ox, oy) = (placement.x[n], placement.y[n]);
        if (ox - tx).abs() + (oy - ty).abs() < SKIP_NEAR * w {
            continue;
        }
        let before = nets_hpwl(netlist, off, placement, &nets);
        // Candidate rows: the three nearest to the optimal point.
        let k = by_y.partition_point(|&r| rows[r].y + rows[r].height / 2.0 < ty);
        // Best gain: a move to a gap (segment, gap index, x, y) or a swap with an equally wide
        // cell (the cell).
        let mut best: Option<(f64, usize, usize, f64, f64)> = None;
        let mut best_swap: Option<(f64, usize)> = None;
        let mut both = Vec::new();
        for &r in &by_y[k.saturating_sub(ROW_REACH)..(k + ROW_REACH).min(by_y.len())] {
            let y = rows[r].y + nh[n] / 2.0;
            for &si in &row_segs[r] {
                let s = segs[si];
                if s.x1 < tx - 4.0 * w || s.x0 > tx + 4.0 * w {
                    continue;
                }
                let list = &seg_cells[si];
                let sw = rows[r].site_width.max(1e-9);
                let p = list.partition_point(|&m| placement.x[m] < tx);
                for g in p.saturating_sub(GAP_REACH)..(p + GAP_REACH + 1).min(list.len() + 1) {
                    if let Some(&m) = list.get(g)
                        && m != n
                        && (nw[m] - w).abs() < 1e-9
                    {
                        nets_of(netlist, &[n, m], &mut both);
                        let b0 = nets_hpwl(netlist, off, placement, &both);
                        let (mx, my) = (placement.x[m], placement.y[m]);
                        placement.x[n] = mx;
                        placement.y[n] = my;
                        placement.x[m] = ox;
                        placement.y[m] = oy;
                        let gain = b0 - nets_hpwl(netlist, off, placement, &both);
                        placement.x[n] = ox;
                        placement.y[n] = oy;
                        placement.x[m] = mx;
                        placement.y[m] = my;
                        if gain > 1e-9 && best_swap.is_none_or(|b| gain > b.0) {
                            best_swap = Some((gain, m));
                        }
                    }
                    // Gap g lies between list[g - 1] and list[g].
                    let lo = if g == 0 {
                        s.x0
                    } else {
                        placement.x[list[g - 1]] + nw[list[g - 1]] / 2.0
                    };
                    let hi = if g == list.len() {
                        s.x1
                    } else {
                        placement.x[list[g]] - nw[list[g]] / 2.0
                    };
                    // The cell's own neighbours: its old place counts as free only once it
                    // leaves, which keeps this simple (it is skipped).
                    if hi - lo < w - 1e-9 || (si == seg_of[n] && (lo..=hi).contains(&ox)) {
                        continue;
                    }
                    let left =
                        s.x0 + ((fit(tx - w / 2.0, lo, hi - w) - s.x0) / sw + 1e-9).floor() * sw;
                    let left = if left < lo - 1e-9 { left + sw } else { left };
                    if left + w > hi + 1e-9 {
                        continue;
                    }
                    placement.x[n] = left + w / 2.0;
                    placement.y[n] = y;
                    let after = nets_hpwl(netlist, off, placement, &nets);
                    placement.x[n] = ox;
                    placement.y[n] = oy;
                    if after < before - 1e-9 && best.is_none_or(|b| after < b.0) {
                        best = Some((after, si, g, left + w / 2.0, y));
                    }
                }
            }
        }
        let move_gain = best.map_or(0.0, |b| before - b.0);
        if let Some((gain, m)) = best_swap
            && gain > move_gain
        {
            let (sn, sm) = (seg_of[n], seg_of[m]);
            // Both slots first (they may be in the same list), then exchange.
            let pn = seg_cells[sn].iter().position(|&c| c == n);
            let pm = seg_cells[sm].iter().position(|&c| c == m);
            if let (Some(pn), Some(pm)) = (pn, pm) {
                seg_cells[sn][pn] = m;
                seg_cells[sm][pm] = n;
            }
            seg_of[n] = sm;
            seg_of[m] = sn;
            let (mx, my) = (placement.x[m], placement.y[m]);
            placement.x[m] = ox;
            placement.y[m] = oy;
            placement.x[n] = mx;
            placement.y[n] = my;
            report.global_swaps += 1;
            moves += 1;
            continue;
        }
        if let Some((_, si, g, x, y)) = best {
            let old = seg_of[n];
            if let Some(pos) = seg_cells[old].iter().position(|&m| m == n) {
                seg_cells[old].remove(pos);
            }
            let g = if old == si {
                seg_cells[si].partition_point(|&m| placement.x[m] < x)
            } else {
                g
            };
            seg_cells[si].insert(g, n);
            seg_of[n] = si;
            placement.x[n] = x;
            placement.y[n] = y;
            moves += 1;
        }
    }
    report.moves += moves - (report.global_swaps - swaps_before);
    moves
}
