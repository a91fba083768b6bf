//! Hard-macro legalization: from any positions (overlapping, outside the canvas) to zero
//! overlap, everything inside the canvas, with small displacement.
//!
//! Obstacles are the fixed hard macros (never moved) and the floorplan's blockages. Movable hard
//! macros are legalized one at a time, largest first, each to the **nearest legal position** of
//! its centre (Euclidean) given the obstacles and the macros legalized before it. That position
//! is found exactly: the legal region is the canvas minus a union of open boxes of forbidden
//! centres, and a nearest point of such a region has each coordinate equal either to the wanted
//! one or to a box or canvas edge; so the candidates are the grid of those coordinates, tried in
//! order of distance until the first legal one. A macro whose wanted position is already legal
//! does not move.
//!
//! Greedy order can paint itself into a corner. When a macro finds no room, it is moved to the
//! front of the order and the pass is repeated (a few times); the last resort is corner packing,
//! which ignores the wanted positions: tallest, widest or largest first, into each of the four
//! corners, each again with move-to-front. If all of that fails, the error names the macro.
//! Soft macros are only moved inside the canvas; 90°-rotated hard macros get the nearest legal
//! orientation (E→N, W→S, FE→FN, FW→FS).

use netlists::geom::Rect;
use netlists::{Netlist, NodeKind, Orientation, Placement};

/// Why legalization failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LegalizeError {
    /// No legal position was found for a macro.
    #[error(
        "no legal position for hard macro {node} ({width} x {height}); hard-macro utilization \
         {utilization:.1}% of the free canvas"
    )]
    NoRoom {
        /// The macro.
        node: String,
        /// Its width.
        width: f64,
        /// Its height.
        height: f64,
        /// Movable hard-macro area over the canvas area left by obstacles, in percent.
        utilization: f64,
    },
    /// Two fixed hard macros (or a fixed macro and a blockage) overlap: no movement can fix it.
    #[error("fixed hard macros {a} and {b} overlap")]
    FixedOverlap {
        /// First.
        a: String,
        /// Second.
        b: String,
    },
    /// A macro is larger than the canvas.
    #[error("hard macro {node} ({width} x {height}) does not fit in the canvas")]
    TooLarge {
        /// The macro.
        node: String,
        /// Its width.
        width: f64,
        /// Its height.
        height: f64,
    },
}

/// What legalization did.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct LegalizeReport {
    /// Hard macros that moved.
    pub moved: usize,
    /// Sum of centre displacements of hard macros.
    pub total_displacement: f64,
    /// Largest centre displacement of a hard macro.
    pub max_displacement: f64,
    /// Soft macros moved back inside the canvas.
    pub soft_clamped: usize,
    /// Passes of the greedy order (1 when the first order worked); 0 when corner packing was
    /// needed.
    pub passes: usize,
}

/// Gap left between a legalized macro and the edge it is pushed against, so touching macros
/// stay non-overlapping after rounding (µm-scale designs; far below any grid).
const GAP: f64 = 1e-6;

/// Movable hard-macro area over the canvas area left by blockages and fixed hard macros, in
/// percent.
pub fn hard_utilization(netlist: &Netlist) -> f64 {
    let fp = netlist.floorplan();
    let mut free = fp.width * fp.height
        - fp.blockages
            .iter()
            .map(|b| (b.x_max - b.x_min) * (b.y_max - b.y_min))
            .sum::<f64>();
    let mut used = 0.0;
    for n in 0..netlist.num_nodes() {
        if netlist.node_kind()[n] == NodeKind::HardMacro {
            let a = netlist.node_width()[n] * netlist.node_height()[n];
            if netlist.node_fixed()[n] {
                free -= a;
            } else {
                used += a;
            }
        }
    }
    100.0 * used / free.max(f64::MIN_POSITIVE)
}

fn blockage_rects(fp: &netlists::Floorplan) -> Vec<Rect> {
    fp.blockages.iter().map(|b| b.rect()).collect()
}

/// Whether a `w × h` macro centred at `(cx, cy)` lies in `canvas` and overlaps no obstacle.
fn fits(cx: f64, cy: f64, w: f64, h: f64, obstacles: &[Rect], canvas: Rect) -> bool {
    let r = Rect::centred(cx, cy, w, h);
    r.x0 >= canvas.x0
        && r.y0 >= canvas.y0
        && r.x1 <= canvas.x1
        && r.y1 <= canvas.y1
        && !obstacles.iter().any(|o| r.overlaps(o))
}

/// What [`nearest_legal`] searches: the answer outright (the macro cannot fit the canvas, or
/// the clamped target fits), or the clamped target `(x, y)` and the candidate coordinates along
/// each axis (canvas edges, obstacle edges pushed out by half the macro) sorted by distance.
enum Search {
    Done(Option<(f64, f64)>),
    Grid {
        x: f64,
        y: f64,
        xs: Vec<f64>,
        ys: Vec<f64>,
    },
}

fn search_space(x: f64, y: f64, w: f64, h: f64, obstacles: &[Rect], canvas: Rect) -> Search {
    let (lx, hx) = (canvas.x0 + w / 2.0, canvas.x1 - w / 2.0);
    let (ly, hy) = (canvas.y0 + h / 2.0, canvas.y1 - h / 2.0);
    if lx > hx || ly > hy {
        return Search::Done(None);
    }
    let (x, y) = (x.clamp(lx, hx), y.clamp(ly, hy));
    if fits(x, y, w, h, obstacles, canvas) {
        return Search::Done(Some((x, y)));
    }
    let mut xs = vec![x, lx, hx];
    let mut ys = vec![y, ly, hy];
    for o in obstacles {
        xs.extend([o.x0 - w / 2.0 - GAP, o.x1 + w / 2.0 + GAP]);
        ys.extend([o.y0 - h / 2.0 - GAP, o.y1 + h / 2.0 + GAP]);
    }
    let prep = |v: &mut Vec<f64>, lo: f64, hi: f64, c: f64| {
        v.retain(|&t| t >= lo && t <= hi);
        v.sort_by(|a, b| (a - c).abs().total_cmp(&(b - c).abs()).then(a.total_cmp(b)));
        v.dedup();
    };
    prep(&mut xs, lx, hx, x);
    prep(&mut ys, ly, hy, y);
    Search::Grid { x, y, xs, ys }
}

/// Nearest legal centre to `(x, y)` for a `w × h` macro among `obstacles` in `canvas`, or
/// `None`.
fn nearest_legal(
    x: f64,
    y: f64,
    w: f64,
    h: f64,
    obstacles: &[Rect],
    canvas: Rect,
) -> Option<(f64, f64)> {
    nearest_by(Target { x, y, w, h }, obstacles, canvas, best_first)
}

/// A macro's size and the centre it would like.
#[derive(Clone, Copy)]
struct Target {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

/// A visiting order of the candidates `(xs[i], ys[j])` around the target `(x, y)`: returns the
/// first that `fits`.
type Walk = fn(f64, f64, &[f64], &[f64], &dyn Fn(f64, f64) -> bool) -> Option<(f64, f64)>;

/// The first candidate of the search space that fits, in the order `walk` visits them.
fn nearest_by(t: Target, obstacles: &[Rect], canvas: Rect, walk: Walk) -> Option<(f64, f64)> {
    match search_space(t.x, t.y, t.w, t.h, obstacles, canvas) {
        Search::Done(r) => r,
        Search::Grid { x, y, xs, ys } => walk(x, y, &xs, &ys, &|cx, cy| {
            fits(cx, cy, t.w, t.h, obstacles, canvas)
        }),
    }
}

/// Candidates `(xs[i], ys[j])` in increasing (squared distance to `(x, y)`, i, j): a
/// best-first walk of the sorted grid. The key of `(i, j)` is at least that of `(i, j - 1)` and
/// that of `(i, 0)` at least that of `(i - 1, 0)` (both lists are sorted by distance), so
/// popping the heap gives exactly the order of sorting all `|xs| · |ys|` pairs, which is what
/// [`by_sorting`] (the test oracle) does, in O(k log k) for the k candidates tried.
fn best_first(
    x: f64,
    y: f64,
    xs: &[f64],
    ys: &[f64],
    fits: &dyn Fn(f64, f64) -> bool,
) -> Option<(f64, f64)> {
    let key = |i: usize, j: usize| {
        let d: f64 = (xs[i] - x).powi(2) + (ys[j] - y).powi(2);
        // Non-negative floats order like their bit patterns.
        std::cmp::Reverse((d.to_bits(), i, j))
    };
    let mut heap = std::collections::BinaryHeap::new();
    if !xs.is_empty() && !ys.is_empty() {
        heap.push(key(0, 0));
    }
    while let Some(std::cmp::Reverse((_, i, j))) = heap.pop() {
        if fits(xs[i], ys[j]) {
            return Some((xs[i], ys[j]));
        }
        if j == 0 && i + 1 < xs.len() {
            heap.push(key(i + 1, 0));
        }
        if j + 1 < ys.len() {
            heap.push(key(i, j + 1));
        }
    }
    None
}

/// Every candidate pair sorted by (squared distance, i, j), then the first that fits: the
/// slow, obviously ordered oracle of [`best_first`].
#[cfg(test)]
fn by_sorting(
    x: f64,
    y: f64,
    xs: &[f64],
    ys: &[f64],
    fits: &dyn Fn(f64, f64) -> bool,
) -> Option<(f64, f64)> {
    let mut cands: Vec<(f64, u32, u32)> = Vec::with_capacity(xs.len() * ys.len());
    for (i, &cx) in xs.iter().enumerate() {
        for (j, &cy) in ys.iter().enumerate() {
            cands.push(((cx - x).powi(2) + (cy - y).powi(2), i as u32, j as u32));
        }
    }
    cands.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    cands
        .into_iter()
        .map(|(_, i, j)| (xs[i as usize], ys[j as usize]))
        .find(|&(cx, cy)| fits(cx, cy))
}

/// Nearest legal centre to `(x, y)` for hard macro `node`, given the hard macros with
/// `placed[i]` (other than `node`) and the blockages; `None` when there is no room. Exact (see
/// the module docs).
pub fn nearest_legal_centre(
    netlist: &Netlist,
    placement: &Placement,
    placed: &[bool],
    node: usize,
    x: f64,
    y: f64,
) -> Option<(f64, f64)> {
    let fp = netlist.floorplan();
    let canvas = fp.canvas();
    let (nw, nh) = (netlist.node_width(), netlist.node_height());
    let mut obstacles: Vec<Rect> = blockage_rects(fp);
    for m in 0..netlist.num_nodes() {
        if m != node && placed[m] && netlist.node_kind()[m] == NodeKind::HardMacro {
            obstacles.push(Rect::centred(placement.x[m], placement.y[m], nw[m], nh[m]));
        }
    }
    nearest_legal(x, y, nw[node], nh[node], &obstacles, canvas)
}

/// Legalizes `placement` in place (see the module docs).
pub fn legalize(
    netlist: &Netlist,
    placement: &mut Placement,
) -> Result<LegalizeReport, LegalizeError> {
    let fp = netlist.floorplan();
    let canvas = fp.canvas();
    let (nw, nh) = (netlist.node_width(), netlist.node_height());
    let name = |n: usize| netlist.node_name()[n].clone();
    let mut report = LegalizeReport::default();

    // Soft macros: inside the canvas.
    for n in 0..netlist.num_nodes() {
        if netlist.node_kind()[n] == NodeKind::SoftMacro && !netlist.node_fixed()[n] {
            let (w, h) = (nw[n].min(fp.width), nh[n].min(fp.height));
            let x = placement.x[n].clamp(canvas.x0 + w / 2.0, canvas.x1 - w / 2.0);
            let y = placement.y[n].clamp(canvas.y0 + h / 2.0, canvas.y1 - h / 2.0);
            if x != placement.x[n] || y != placement.y[n] {
                report.soft_clamped += 1;
                placement.x[n] = x;
                placement.y[n] = y;
            }
        }
    }

    // Obstacles: blockages and fixed hard macros.
    let mut fixed: Vec<Rect> = blockage_rects(fp);
    let mut fixed_names: Vec<String> = (0..fixed.len()).map(|i| format!("blockage {i}")).collect();
    let mut movable = Vec::new();
    for n in 0..netlist.num_nodes() {
        if netlist.node_kind()[n] != NodeKind::HardMacro {
            continue;
        }
        let o = placement.orient[n];
        if o.swaps_footprint() {
            placement.orient[n] = match o {
                Orientation::E => Orientation::N,
                Orientation::W => Orientation::S,
                Orientation::FE => Orientation::FN,
                _ => Orientation::FS,
            };
        }
        if netlist.node_fixed()[n] {
            let r = Rect::centred(placement.x[n], placement.y[n], nw[n], nh[n]);
            if let Some(i) = fixed.iter().position(|f| f.overlaps(&r)) {
                return Err(LegalizeError::FixedOverlap {
                    a: fixed_names[i].clone(),
                    b: name(n),
                });
            }
            fixed.push(r);
            fixed_names.push(name(n));
        } else {
            if nw[n] > fp.width || nh[n] > fp.height {
                return Err(LegalizeError::TooLarge {
                    node: name(n),
                    width: nw[n],
                    height: nh[n],
                });
            }
            movable.push(n);
        }
    }
    let want: Vec<(f64, f64)> = movable
        .iter()
        .map(|&n| (placement.x[n], placement.y[n]))
        .collect();
    // Largest first; ties by id.
    let mut order: Vec<usize> = (0..movable.len()).collect();
    order.sort_by(|&a, &b| {
        let (na, nb) = (movable[a], movable[b]);
        (nw[nb] * nh[nb])
            .total_cmp(&(nw[na] * nh[na]))
            .then(na.cmp(&nb))
    });

    let attempt = |order: &[usize], target: &dyn Fn(usize) -> (f64, f64)| {
        let mut obstacles = fixed.clone();
        let mut pos = vec![(0.0, 0.0); movable.len()];
        for &i in order {
            let n = movable[i];
            let (x, y) = target(i);
            match nearest_legal(x, y, nw[n], nh[n], &obstacles, canvas) {
                Some(p) => {
                    pos[i] = p;
                    obstacles.push(Rect::centred(p.0, p.1, nw[n], nh[n]));
                }
                None => return Err(i),
            }
        }
        Ok(pos)
    };

    const PASSES: usize = 8;
    let mut result = None;
    let mut last_fail = 0;
    for pass in 1..=PASSES {
        match attempt(&order, &|i| want[i]) {
            Ok(p) => {
                report.passes = pass;
                result = Some(p);
                break;
            }
            Err(i) => {
                last_fail = i;
                let k = order.iter().position(|&j| j == i).unwrap_or(0);
                order.remove(k);
                order.insert(0, i);
            }
        }
    }
    if result.is_none() {
        // Corner packing, ignoring the wanted positions: tallest, widest or largest first, into
        // each corner in turn (obstacles can make one corner hopeless and another easy), each
        // order again with a macro that found no room moved to the front.
        let by = |key: &dyn Fn(usize) -> (f64, f64)| {
            let mut o: Vec<usize> = (0..movable.len()).collect();
            o.sort_by(|&a, &b| {
                let (ka, kb) = (key(movable[a]), key(movable[b]));
                kb.0.total_cmp(&ka.0)
                    .then(kb.1.total_cmp(&ka.1))
                    .then(movable[a].cmp(&movable[b]))
            });
            o
        };
        let orders = [
            by(&|n| (nh[n], nw[n])),
            by(&|n| (nw[n], nh[n])),
            by(&|n| (nw[n] * nh[n], 0.0)),
        ];
        let corners = [
            (canvas.x0, canvas.y0),
            (canvas.x1, canvas.y0),
            (canvas.x0, canvas.y1),
            (canvas.x1, canvas.y1),
        ];
        'packing: for start in &orders {
            for &corner in &corners {
                let mut order = start.clone();
                for _ in 0..PASSES {
                    match attempt(&order, &|_| corner) {
                        Ok(p) => {
                            report.passes = 0;
                            result = Some(p);
                            break 'packing;
                        }
                        Err(i) => {
                            last_fail = i;
                            let k = order.iter().position(|&j| j == i).unwrap_or(0);
                            order.remove(k);
                            order.insert(0, i);
                        }
                    }
                }
            }
        }
    }
    let Some(pos) = result else {
        let n = movable[last_fail];
        let free = fp.width * fp.height
            - fixed
                .iter()
                .map(|r| (r.x1 - r.x0) * (r.y1 - r.y0))
                .sum::<f64>();
        let used: f64 = movable.iter().map(|&m| nw[m] * nh[m]).sum();
        return Err(LegalizeError::NoRoom {
            node: name(n),
            width: nw[n],
            height: nh[n],
            utilization: 100.0 * used / free.max(f64::MIN_POSITIVE),
        });
    };
    for (i, &n) in movable.iter().enumerate() {
        let (x, y) = pos[i];
        let d = (x - placement.x[n]).hypot(y - placement.y[n]);
        if d > 0.0 {
            report.moved += 1;
            report.total_displacement += d;
            report.max_displacement = report.max_displacement.max(d);
        }
        placement.x[n] = x;
        placement.y[n] = y;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::{Target, by_sorting, nearest_by, nearest_legal};
    use netlists::geom::Rect;
    use proptest::prelude::*;

    proptest! {
        /// The best-first candidate walk finds exactly the centre the full sort finds, on
        /// random obstacle sets that range from empty to packed (where many candidates fail).
        #[test]
        fn nearest_legal_walk_equals_full_sort(
            rects in prop::collection::vec((0u32..100, 0u32..100, 1u32..40, 1u32..40), 0..40),
            (x, y) in (0.0f64..100.0, 0.0f64..100.0),
            (w, h) in (1u32..30, 1u32..30),
        ) {
            let obstacles: Vec<Rect> = rects
                .iter()
                .map(|&(x0, y0, rw, rh)| Rect::centred(
                    x0 as f64, y0 as f64, rw as f64, rh as f64,
                ))
                .collect();
            let canvas = Rect { x0: 0.0, y0: 0.0, x1: 100.0, y1: 100.0 };
            let (w, h) = (w as f64, h as f64);
            prop_assert_eq!(
                nearest_legal(x, y, w, h, &obstacles, canvas),
                nearest_by(Target { x, y, w, h }, &obstacles, canvas, by_sorting)
            );
        }
    }
}
