//! Break-up of clusters that spread over too much of the canvas (TILOS MacroPlacement's
//! clustering step after partitioning): connectivity alone can group cells that the input
//! placement put far apart; one soft macro cannot be in two places, so such a cluster is split
//! by the grid cells its members lie in. Pieces with few members join the nearest larger piece
//! of the same cluster (so the split does not make a dust of tiny clusters).

use netlists::Placement;

use super::NONE;
use crate::cost::CostParams;

/// Splits every cluster of `node_cluster` whose members' centres span more than `limit` grid
/// cells in x or y; returns how many were split. New clusters get ids after the current
/// largest; the caller renumbers.
pub fn break_up(
    pl: &Placement,
    params: &CostParams,
    node_cluster: &mut [u32],
    limit: f64,
    min_piece: f64,
) -> usize {
    let (cw, ch) = (params.cell_width(), params.cell_height());
    let (cols, rows) = (params.grid_cols as i64, params.grid_rows as i64);
    let cell_of = |n: usize| -> (i64, i64) {
        let c = ((pl.x[n] - params.canvas_x) / cw).floor() as i64;
        let r = ((pl.y[n] - params.canvas_y) / ch).floor() as i64;
        (r.clamp(0, rows - 1), c.clamp(0, cols - 1))
    };
    let num = node_cluster
        .iter()
        .filter(|&&c| c != NONE)
        .map(|&c| c as usize + 1)
        .max()
        .unwrap_or(0);
    let mut members = vec![Vec::new(); num];
    for (n, &c) in node_cluster.iter().enumerate() {
        if c != NONE {
            members[c as usize].push(n);
        }
    }
    let mut next = num as u32;
    let mut split = 0;
    for (c, m) in members.iter().enumerate() {
        if m.len() < 2 {
            continue;
        }
        let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for &n in m {
            x0 = x0.min(pl.x[n]);
            x1 = x1.max(pl.x[n]);
            y0 = y0.min(pl.y[n]);
            y1 = y1.max(pl.y[n]);
        }
        if x1 - x0 <= limit * cw && y1 - y0 <= limit * ch {
            continue;
        }
        // Pieces by grid cell, in (row, col) order.
        let mut keyed: Vec<((i64, i64), usize)> = m.iter().map(|&n| (cell_of(n), n)).collect();
        keyed.sort_unstable();
        let mut pieces: Vec<((i64, i64), Vec<usize>)> = Vec::new();
        for (k, n) in keyed {
            match pieces.last_mut() {
                Some((pk, v)) if *pk == k => v.push(n),
                _ => pieces.push((k, vec![n])),
            }
        }
        if pieces.len() < 2 {
            continue;
        }
        let threshold = (min_piece * m.len() as f64).ceil() as usize;
        let mut big: Vec<usize> = (0..pieces.len())
            .filter(|&i| pieces[i].1.len() >= threshold.max(1))
            .collect();
        if big.is_empty() {
            // Keep the largest (first of the largest) piece.
            let best = (0..pieces.len())
                .max_by_key(|&i| (pieces[i].1.len(), std::cmp::Reverse(i)))
                .unwrap_or(0);
            big.push(best);
        }
        if big.len() < 2 {
            continue;
        }
        split += 1;
        // Ids: the first big piece keeps the cluster's id.
        let mut id_of_piece = vec![NONE; pieces.len()];
        for (j, &i) in big.iter().enumerate() {
            id_of_piece[i] = if j == 0 {
                c as u32
            } else {
                next += 1;
                next - 1
            };
        }
        for i in 0..pieces.len() {
            let target = if id_of_piece[i] != NONE {
                id_of_piece[i]
            } else {
                let (r, cc) = pieces[i].0;
                let nearest = big
                    .iter()
                    .copied()
                    .min_by_key(|&b| {
                        let (br, bc) = pieces[b].0;
                        ((br - r).pow(2) + (bc - cc).pow(2), b)
                    })
                    .unwrap_or(big[0]);
                id_of_piece[nearest]
            };
            for &n in &pieces[i].1 {
                node_cluster[n] = target;
            }
        }
    }
    split
}
