//! Optimal positions of one row segment's cells in their order (FastDP's single-segment
//! clustering).
//!
//! With every other pin where it is, a cell's wirelength along x is, up to a constant, a sum of
//! weighted `|l − at|` terms in its left edge `l`: two per net that has other pins (`Term`).
//! Cells go left to right, each a clump at the weighted median of its terms; a clump that would
//! overlap the one before merges with it and goes to the weighted median of both clumps' terms,
//! each shifted by its cell's offset in the clump, as Abacus does with displacements. That is
//! the exact minimum of the separable model under the cells' order and the segment's ends (a
//! test checks it against brute force); the caller snaps it to sites and keeps it only when the
//! exact HPWL falls, since cells of one segment that share a net do not see each other move.

/// One bend of a cell's cost in its left edge `l`: `weight · |l − at|`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Term {
    /// Where it bends.
    pub at: f64,
    /// Its slope on either side (the net's weight).
    pub weight: f64,
}

/// A run of cells placed side by side, left edge `left`; its terms (sorted by `at`, shifted to
/// the clump's left edge) are `terms[term_start..]` up to the next clump's start.
#[derive(Debug, Clone, Copy)]
struct Clump {
    first: usize,
    width: f64,
    left: f64,
    term_start: usize,
}

/// Buffers of [`optimal_lefts`], kept from segment to segment (no allocation per segment once
/// they have grown).
#[derive(Debug, Default)]
pub(crate) struct ClumpScratch {
    clumps: Vec<Clump>,
    terms: Vec<Term>,
    merged: Vec<Term>,
}

/// The left edge in `[lo, hi]` (the weighted medians of sorted `terms`) nearest `keep`; `keep`
/// when there are no terms.
fn median_nearest(terms: &[Term], keep: f64) -> f64 {
    let total: f64 = terms.iter().map(|t| t.weight).sum();
    if terms.is_empty() || total <= 0.0 {
        return keep;
    }
    let half = total / 2.0;
    let mut cum = 0.0;
    for (k, t) in terms.iter().enumerate() {
        cum += t.weight;
        if cum >= half - 1e-12 * total {
            // The minimum is flat up to the next term when exactly half lies at or below.
            let hi = if (cum - half).abs() <= 1e-12 * total {
                terms.get(k + 1).map_or(t.at, |n| n.at)
            } else {
                t.at
            };
            return keep.clamp(t.at, hi);
        }
    }
    terms[terms.len() - 1].at
}

/// Left edges that minimise `Σ_k Σ_{t ∈ terms of k} t.weight · |l_k − t.at|` subject to
/// `x0 ≤ l_0`, `l_k + widths[k] ≤ l_{k+1}`, `l_last + widths[last] ≤ x1`, written into `lefts`.
/// Cell `k`'s terms are `terms[start[k]..start[k + 1]]`; `current[k]` is its left edge now, and
/// among equally good positions each clump stays nearest where its first cell is. The cells must
/// fit (`Σ widths ≤ x1 − x0`).
pub(crate) fn optimal_lefts(
    widths: &[f64],
    terms: &[Term],
    start: &[usize],
    current: &[f64],
    (x0, x1): (f64, f64),
    scratch: &mut ClumpScratch,
    lefts: &mut Vec<f64>,
) {
    let ClumpScratch {
        clumps,
        terms: buf,
        merged,
    } = scratch;
    clumps.clear();
    buf.clear();
    let place = |c: &Clump, buf: &[Term]| {
        let at = median_nearest(&buf[c.term_start..], current[c.first]);
        at.min(x1 - c.width).max(x0)
    };
    for k in 0..widths.len() {
        let term_start = buf.len();
        buf.extend_from_slice(&terms[start[k]..start[k + 1]]);
        buf[term_start..].sort_unstable_by(|a, b| a.at.total_cmp(&b.at));
        let mut c = Clump {
            first: k,
            width: widths[k],
            left: 0.0,
            term_start,
        };
        c.left = place(&c, buf);
        while let Some(&p) = clumps.last() {
            if p.left + p.width <= c.left + 1e-9 {
                break;
            }
            clumps.pop();
            // The top clump's terms move by the lower one's width, then the two sorted runs
            // merge in place.
            for t in &mut buf[c.term_start..] {
                t.at -= p.width;
            }
            merged.clear();
            let (a, b) = buf[p.term_start..].split_at(c.term_start - p.term_start);
            let (mut i, mut j) = (0, 0);
            while i < a.len() || j < b.len() {
                if j >= b.len() || (i < a.len() && a[i].at <= b[j].at) {
                    merged.push(a[i]);
                    i += 1;
                } else {
                    merged.push(b[j]);
                    j += 1;
                }
            }
            buf.truncate(p.term_start);
            buf.extend_from_slice(merged);
            c = Clump {
                first: p.first,
                width: p.width + c.width,
                left: 0.0,
                term_start: p.term_start,
            };
            c.left = place(&c, buf);
        }
        clumps.push(c);
    }
    lefts.clear();
    for (ci, c) in clumps.iter().enumerate() {
        let end = clumps.get(ci + 1).map_or(widths.len(), |n| n.first);
        let mut x = c.left;
        for &w in &widths[c.first..end] {
            lefts.push(x);
            x += w;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::rngs::SmallRng;
    use rand::{Rng, SeedableRng};

    fn cost(terms: &[Term], start: &[usize], lefts: &[f64]) -> f64 {
        (0..lefts.len())
            .map(|k| {
                terms[start[k]..start[k + 1]]
                    .iter()
                    .map(|t| t.weight * (lefts[k] - t.at).abs())
                    .sum::<f64>()
            })
            .sum()
    }

    /// Every order-keeping, non-overlapping placement on integer positions in `[x0, x1]`.
    fn brute_force(widths: &[f64], terms: &[Term], start: &[usize], x0: i64, x1: i64) -> f64 {
        #[allow(clippy::too_many_arguments)]
        fn go(
            k: usize,
            from: i64,
            x1: i64,
            widths: &[f64],
            terms: &[Term],
            start: &[usize],
            lefts: &mut Vec<f64>,
            best: &mut f64,
        ) {
            if k == widths.len() {
                *best = best.min(cost(terms, start, lefts));
                return;
            }
            let rest: i64 = widths[k..].iter().map(|&w| w as i64).sum();
            for l in from..=x1 - rest {
                lefts.push(l as f64);
                go(
                    k + 1,
                    l + widths[k] as i64,
                    x1,
                    widths,
                    terms,
                    start,
                    lefts,
                    best,
                );
                lefts.pop();
            }
        }
        let mut best = f64::INFINITY;
        go(0, x0, x1, widths, terms, start, &mut Vec::new(), &mut best);
        best
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

        /// On tiny segments with integer data (where an integer optimum exists) that the cells
        /// fit (at most 4 cells of width ≤ 3 in at least 14 sites), the clumps
        /// reach the brute-force minimum of the model, in order, inside the segment.
        #[test]
        fn clumps_reach_the_brute_force_optimum(seed in any::<u64>(), cells in 1usize..5) {
            let mut rng = SmallRng::seed_from_u64(seed);
            let (x0, x1) = (rng.random_range(-3i64..3), rng.random_range(16i64..24));
            let widths: Vec<f64> = (0..cells).map(|_| rng.random_range(1..4) as f64).collect();
            let mut terms = Vec::new();
            let mut start = vec![0];
            for _ in 0..cells {
                for _ in 0..rng.random_range(0..4) {
                    terms.push(Term {
                        at: rng.random_range(-6i64..26) as f64,
                        weight: rng.random_range(1..4) as f64,
                    });
                }
                start.push(terms.len());
            }
            let current: Vec<f64> = (0..cells).map(|_| rng.random_range(x0..x1) as f64).collect();
            let mut lefts = Vec::new();
            optimal_lefts(&widths, &terms, &start, &current, (x0 as f64, x1 as f64), &mut ClumpScratch::default(), &mut lefts);
            prop_assert_eq!(lefts.len(), cells);
            prop_assert!(lefts[0] >= x0 as f64 - 1e-9);
            prop_assert!(lefts[cells - 1] + widths[cells - 1] <= x1 as f64 + 1e-9);
            for k in 1..cells {
                prop_assert!(lefts[k - 1] + widths[k - 1] <= lefts[k] + 1e-9);
            }
            let best = brute_force(&widths, &terms, &start, x0, x1);
            let got = cost(&terms, &start, &lefts);
            prop_assert!((got - best).abs() <= 1e-9 * (1.0 + best), "{} vs brute force {}", got, best);
        }
    }
}
