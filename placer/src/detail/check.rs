//! The std-cell row legality check behind `eval`: every cell's bottom on a row, its left edge
//! on a site inside the row, its orientation its row's (when the design's rows give one), no
//! overlap with another cell or an obstacle.

use netlists::model::Row;
use netlists::{Netlist, Placement};

use super::rows::{obstacles, std_cells};

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
        if let Some(o) = super::rows::row_orientation(netlist, row)
            && placement.orient[n] != o
        {
            out.push(RowViolation {
                cell: name(n),
                what: format!(
                    "orientation {} in row {r} of orientation {}",
                    placement.orient[n].as_str(),
                    o.as_str()
                ),
            });
        }
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
        // A tall cell is in every row it covers.
        for &rr in &by_y[k..] {
            if rows[rr].y >= yb + nh[n] - tol {
                break;
            }
            in_row[rr].push((xl, xl + nw[n], n));
        }
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
        for o in obs
            .iter()
            .filter(|o| o.rect.y0 < ry1 - tol && o.rect.y1 > ry0 + tol)
        {
            let k = list.partition_point(|c| c.1 <= o.rect.x0 + tol);
            for c in &list[k..] {
                if c.0 >= o.rect.x1 - tol {
                    break;
                }
                out.push(RowViolation {
                    cell: name(c.2),
                    what: if o.node == usize::MAX {
                        "overlaps a blockage".to_string()
                    } else {
                        format!("overlaps {}", name(o.node))
                    },
                });
            }
        }
    }
    out
}
