//! Rows (the design's or synthesized), the obstacles that cut them, and the free segments
//! left between obstacles, trimmed inward to the site grid.

use netlists::geom::Rect;
use netlists::model::Row;
use netlists::{Netlist, NodeKind, Placement};

/// `x` clamped to `[lo, hi]`; `lo` when rounding made `hi` slightly smaller than `lo` (a cell
/// exactly as wide as its space).
#[inline]
pub(crate) fn fit(x: f64, lo: f64, hi: f64) -> f64 {
    x.min(hi).max(lo)
}

/// Left edges `lefts` of a segment's cells (left to right, widths by `width(k)`) on the
/// segment's site grid (site width `sw`): each down to a site but not over the cell before it,
/// then back from the segment's end where rounding pushed past it.
pub(crate) fn snap_lefts(s: &Segment, sw: f64, lefts: &mut [f64], width: impl Fn(usize) -> f64) {
    let floor_site = |x: f64| s.x0 + ((x - s.x0) / sw + 1e-9).floor() * sw;
    let ceil_site = |x: f64| s.x0 + ((x - s.x0) / sw - 1e-9).ceil() * sw;
    let mut prev_end = s.x0;
    for (k, l) in lefts.iter_mut().enumerate() {
        *l = floor_site(*l).max(ceil_site(prev_end));
        prev_end = *l + width(k);
    }
    let mut limit = s.x1;
    for k in (0..lefts.len()).rev() {
        let w = width(k);
        if lefts[k] + w > limit + 1e-9 {
            lefts[k] = floor_site(limit - w);
        }
        limit = lefts[k];
    }
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

/// Something std cells must not overlap: its rectangle and its node (`usize::MAX` for a
/// placement blockage).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Obstacle {
    /// The area it covers.
    pub rect: Rect,
    /// Its node, or `usize::MAX` for a blockage.
    pub node: usize,
}

/// The obstacles of std cells: hard macros, fixed non-std-cell nodes of
/// positive area, and blockages.
pub fn obstacles(netlist: &Netlist, placement: &Placement) -> Vec<Obstacle> {
    let mut out = Vec::new();
    let swap = netlist.format().swaps_footprint();
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
            out.push(Obstacle {
                rect: Rect::centred(placement.x[n], placement.y[n], w, h),
                node: n,
            });
        }
    }
    for b in &netlist.floorplan().blockages {
        out.push(Obstacle {
            rect: b.rect(),
            node: usize::MAX,
        });
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
            .filter(|o| o.rect.y0 < ry1 - 1e-9 && o.rect.y1 > ry0 + 1e-9)
            .map(|o| (o.rect.x0, o.rect.x1))
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
        if !obs
            .iter()
            .any(|o| x > o.rect.x0 && x < o.rect.x1 && y > o.rect.y0 && y < o.rect.y1)
        {
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

/// The height of a single row (the lowest of `rows`): std cells taller than it span rows.
pub(crate) fn row_height(rows: &[Row]) -> f64 {
    rows.iter().map(|r| r.height).fold(f64::INFINITY, f64::min)
}

/// The movable std cells taller than one row, in node order.
pub(crate) fn tall_cells(netlist: &Netlist, rows: &[Row]) -> Vec<usize> {
    let h0 = row_height(rows);
    let nh = netlist.node_height();
    std_cells(netlist)
        .into_iter()
        .filter(|&n| nh[n] > h0 * (1.0 + 1e-6) + 1e-9)
        .collect()
}

/// The movable std cells of one row's height, in node order (Abacus and detailed placement
/// move these; the tall ones are legalized first and then stay).
pub(crate) fn single_row_cells(netlist: &Netlist, rows: &[Row]) -> Vec<usize> {
    let h0 = row_height(rows);
    let nh = netlist.node_height();
    std_cells(netlist)
        .into_iter()
        .filter(|&n| nh[n] <= h0 * (1.0 + 1e-6) + 1e-9)
        .collect()
}

/// [`segments`] minus the boxes of the tall cells where `placement` has them: the free space
/// of the single-row cells.
pub fn cell_segments(netlist: &Netlist, rows: &[Row], placement: &Placement) -> Vec<Segment> {
    let segs = segments(netlist, rows, placement);
    let tall = tall_cells(netlist, rows);
    if tall.is_empty() {
        return segs;
    }
    let (nw, nh) = (netlist.node_width(), netlist.node_height());
    let mut cuts: Vec<Vec<(f64, f64)>> = vec![Vec::new(); rows.len()];
    for (r, row) in rows.iter().enumerate() {
        let (ry0, ry1) = (row.y, row.y + row.height);
        for &n in &tall {
            let (y0, y1) = (placement.y[n] - nh[n] / 2.0, placement.y[n] + nh[n] / 2.0);
            if y0 < ry1 - 1e-9 && y1 > ry0 + 1e-9 {
                cuts[r].push((placement.x[n] - nw[n] / 2.0, placement.x[n] + nw[n] / 2.0));
            }
        }
        cuts[r].sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    let mut out = Vec::with_capacity(segs.len());
    for s in segs {
        let row = &rows[s.row];
        let sw = row.site_width.max(1e-9);
        let snap_up = |x: f64| row.x + ((x - row.x) / sw - 1e-9).ceil() * sw;
        let snap_down = |x: f64| row.x + ((x - row.x) / sw + 1e-9).floor() * sw;
        let mut at = s.x0;
        let mut push = |a: f64, b: f64| {
            let (a, b) = (snap_up(a.max(s.x0)), snap_down(b.min(s.x1)));
            if b - a >= sw - 1e-9 {
                out.push(Segment {
                    row: s.row,
                    x0: a,
                    x1: b,
                });
            }
        };
        for &(c0, c1) in &cuts[s.row] {
            if c1 <= s.x0 || c0 >= s.x1 {
                continue;
            }
            if c0 > at {
                push(at, c0);
            }
            at = at.max(c1);
        }
        if s.x1 > at {
            push(at, s.x1);
        }
    }
    out
}

/// The movable std cells, in node order.
pub(crate) fn std_cells(netlist: &Netlist) -> Vec<usize> {
    (0..netlist.num_nodes())
        .filter(|&n| netlist.node_kind()[n] == NodeKind::StdCell && !netlist.node_fixed()[n])
        .collect()
}

/// Whether the design's own rows (DEF `ROW`s, Bookshelf `.scl` rows) give their cells'
/// orientation: each cell then takes its row's (`Siteorient`, the DEF row orientation), the
/// orientation its power rails need. Synthesized rows (a design without any) impose none.
pub fn rows_orient_cells(netlist: &netlists::Netlist) -> bool {
    !netlist.floorplan().rows.is_empty()
}

/// The orientation a cell in `row` takes, when the design's rows give one.
pub fn row_orientation(netlist: &netlists::Netlist, row: &Row) -> Option<netlists::Orientation> {
    if rows_orient_cells(netlist) {
        netlists::Orientation::parse(&row.site_orient)
    } else {
        None
    }
}
