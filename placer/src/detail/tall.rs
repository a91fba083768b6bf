//! Cells taller than a row (double- and triple-height cells of a multi-height library, such as
//! CT-Ariane's 0.48 and 0.72 µm cells on 0.24 µm rows), legalized before the single-row cells:
//! each, tallest first and then left to right, goes to the nearest site-aligned position whose
//! every covered row is free there (|Δx| + |Δy| from its global-placement position); it then
//! cuts the segments the single-row cells are legalized into ([`super::rows::cell_segments`]).

use netlists::model::Row;
use netlists::{Netlist, Placement};

use super::rows::{RowError, segments, tall_cells};

/// Removes `[a, b)` from a sorted list of disjoint free intervals.
fn take(free: &mut Vec<(f64, f64)>, a: f64, b: f64) {
    let mut out = Vec::with_capacity(free.len() + 1);
    for &(x0, x1) in free.iter() {
        if x1 <= a + 1e-9 || x0 >= b - 1e-9 {
            out.push((x0, x1));
            continue;
        }
        if x0 < a - 1e-9 {
            out.push((x0, a));
        }
        if x1 > b + 1e-9 {
            out.push((b, x1));
        }
    }
    *free = out;
}

/// The intersection of two sorted lists of disjoint intervals.
fn intersect(a: &[(f64, f64)], b: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < a.len() && j < b.len() {
        let (lo, hi) = (a[i].0.max(b[j].0), a[i].1.min(b[j].1));
        if hi > lo + 1e-9 {
            out.push((lo, hi));
        }
        if a[i].1 < b[j].1 {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

/// Places every tall movable std cell legally (see the module docs); returns how many.
pub fn legalize_tall(
    netlist: &Netlist,
    rows: &[Row],
    placement: &mut Placement,
) -> Result<usize, RowError> {
    let mut cells = tall_cells(netlist, rows);
    if cells.is_empty() {
        return Ok(0);
    }
    let (nw, nh) = (netlist.node_width(), netlist.node_height());
    let mut by_y: Vec<usize> = (0..rows.len()).collect();
    by_y.sort_by(|&a, &b| rows[a].y.total_cmp(&rows[b].y));
    let mut free: Vec<Vec<(f64, f64)>> = vec![Vec::new(); rows.len()];
    for s in segments(netlist, rows, placement) {
        free[s.row].push((s.x0, s.x1));
    }
    for f in &mut free {
        f.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    cells.sort_by(|&a, &b| {
        nh[b]
            .total_cmp(&nh[a])
            .then((placement.x[a] - nw[a] / 2.0).total_cmp(&(placement.x[b] - nw[b] / 2.0)))
            .then(a.cmp(&b))
    });
    // The rows a cell of height `h` covers from position `i` of `by_y`: consecutive rows
    // stacked edge to edge whose heights add up to `h`.
    let span = |i: usize, h: f64| -> Option<usize> {
        let mut top = rows[by_y[i]].y;
        let mut j = i;
        while j < by_y.len() {
            let r = &rows[by_y[j]];
            if (r.y - top).abs() > 1e-6 {
                return None;
            }
            top = r.y + r.height;
            j += 1;
            if (top - rows[by_y[i]].y - h).abs() < 1e-6 {
                return Some(j - i);
            }
            if top - rows[by_y[i]].y > h + 1e-6 {
                return None;
            }
        }
        None
    };
    for &n in &cells {
        let (w, h) = (nw[n], nh[n]);
        let (xl, yb) = (placement.x[n] - w / 2.0, placement.y[n] - h / 2.0);
        let k0 = by_y.partition_point(|&r| rows[r].y < yb);
        let mut best: Option<(f64, usize, usize, f64)> = None;
        let try_row = |i: usize, best: &mut Option<(f64, usize, usize, f64)>| {
            let dy = (rows[by_y[i]].y - yb).abs();
            let Some(k) = span(i, h) else { return };
            let mut common = free[by_y[i]].clone();
            for j in i + 1..i + k {
                common = intersect(&common, &free[by_y[j]]);
            }
            let row = &rows[by_y[i]];
            let sw = row.site_width.max(1e-9);
            for &(a, b) in &common {
                if b - a < w - 1e-9 {
                    continue;
                }
                let x = super::rows::fit(xl, a, b - w);
                let mut xs = row.x + ((x - row.x) / sw).round() * sw;
                if xs < a - 1e-9 {
                    xs += sw;
                }
                if xs + w > b + 1e-9 {
                    xs -= sw;
                }
                if xs < a - 1e-9 || xs + w > b + 1e-9 {
                    continue;
                }
                let cost = dy + (xs - xl).abs();
                if best.is_none_or(|bst| cost < bst.0) {
                    *best = Some((cost, i, k, xs));
                }
            }
        };
        let (mut lo, mut hi) = (k0 as isize - 1, k0);
        loop {
            let dlo = (lo >= 0).then(|| (yb - rows[by_y[lo as usize]].y).abs());
            let dhi = (hi < by_y.len()).then(|| (rows[by_y[hi]].y - yb).abs());
            let (i, d) = match (dlo, dhi) {
                (None, None) => break,
                (Some(a), Some(b)) if a <= b => {
                    lo -= 1;
                    ((lo + 1) as usize, a)
                }
                (Some(a), None) => {
                    lo -= 1;
                    ((lo + 1) as usize, a)
                }
                (_, Some(b)) => {
                    hi += 1;
                    (hi - 1, b)
                }
            };
            if best.is_some_and(|b| d >= b.0) {
                break;
            }
            try_row(i, &mut best);
        }
        let Some((_, i, k, xs)) = best else {
            return Err(RowError::NoRoom {
                cell: netlist.node_name()[n].clone(),
                width: w,
            });
        };
        for j in i..i + k {
            take(&mut free[by_y[j]], xs, xs + w);
        }
        placement.x[n] = xs + w / 2.0;
        placement.y[n] = rows[by_y[i]].y + h / 2.0;
        // Design rows give their cells' orientation (a tall cell takes its bottom row's).
        if let Some(o) = super::rows::row_orientation(netlist, &rows[by_y[i]]) {
            placement.orient[n] = o;
        }
    }
    Ok(cells.len())
}

#[cfg(test)]
mod tests {
    use super::{intersect, take};

    #[test]
    fn interval_lists_take_and_intersect() {
        let mut f = vec![(0.0, 10.0), (20.0, 30.0)];
        take(&mut f, 2.0, 4.0);
        assert_eq!(f, vec![(0.0, 2.0), (4.0, 10.0), (20.0, 30.0)]);
        take(&mut f, 8.0, 25.0);
        assert_eq!(f, vec![(0.0, 2.0), (4.0, 8.0), (25.0, 30.0)]);
        assert_eq!(
            intersect(&f, &[(1.0, 5.0), (26.0, 40.0)]),
            vec![(1.0, 2.0), (4.0, 5.0), (26.0, 30.0)]
        );
    }
}
