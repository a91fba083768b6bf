//! Detailed placement: swaps of neighbouring cells, local reordering of three neighbours,
//! shifts within the free space around a cell, each segment's cells at the optimum of their
//! order ([`super::clump`]), and global moves into gaps near a cell's optimal point or
//! exchanges with a cell there of any width whose space (its slot and the gaps beside it) holds
//! the cell while the cell's space holds it (ABCDPlace's global swap); each accepted only when
//! the exact HPWL of the nets involved falls.
//!
//! Global moves, most of the time, run on both cores: cells go in fixed chunks
//! ([`MOVE_CHUNK`]); each cell's best move is found in parallel on the positions at its chunk's
//! start (read-only, through `Moving`'s exact evaluation of a cell's nets), then the chunk's
//! moves are committed in cell order, each re-checked (gap still free, exact HPWL still lower).
//! The result is the same for any thread count.

use netlists::model::Row;
use netlists::{Netlist, Placement};

use super::clump::{ClumpScratch, Term, optimal_lefts};
use super::rows::{Segment, cell_segments, fit, single_row_cells, snap_lefts};
use crate::global::wirelength::PinOffsets;

/// What [`detailed_place`] did.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct DetailReport {
    /// Passes run.
    pub passes: usize,
    /// Accepted swaps.
    pub swaps: usize,
    /// Accepted shifts.
    pub shifts: usize,
    /// Accepted reorderings of three neighbours.
    pub reorders: usize,
    /// Segments whose cells moved to their optimal positions in their order ([`super::clump`]).
    pub clumps: usize,
    /// Accepted moves to gaps near a cell's optimal point (any nearby row).
    pub moves: usize,
    /// Accepted exchanges with a cell (of any width) near a cell's optimal point.
    pub global_swaps: usize,
    /// Whether the deadline ended it.
    pub stopped_by_time: bool,
    /// Whether a pass gaining less than [`MIN_PASS_GAIN`] ended it.
    pub stopped_by_gain: bool,
    /// HPWL before.
    pub hpwl_before: f64,
    /// HPWL after.
    pub hpwl_after: f64,
}

/// Sets `n`'s orientation to `o` and its pins' offsets with it.
fn reorient(
    netlist: &Netlist,
    off: &mut PinOffsets,
    placement: &mut Placement,
    n: usize,
    o: netlists::Orientation,
) {
    if placement.orient[n] == o {
        return;
    }
    placement.orient[n] = o;
    for &p in netlist.pins_of_node(netlists::NodeId(n as u32)) {
        let (a, b) = o.rotate(netlist.pin_dx()[p.idx()], netlist.pin_dy()[p.idx()]);
        off.dx[p.idx()] = a;
        off.dy[p.idx()] = b;
    }
}

/// Exact weighted HPWL of `nets` (the tests' oracle).
#[cfg(test)]
fn nets_hpwl(netlist: &Netlist, off: &PinOffsets, pl: &Placement, nets: &[usize]) -> f64 {
    nets.iter()
        .map(|&net| crate::global::wirelength::net_hpwl_at(netlist, off, &pl.x, &pl.y, net))
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

/// Nets with more pins than this keep their exact bounding box between moves (`BigNets`):
/// a flat design's clock net has ~20k pins, and every move of a cell on it would otherwise
/// read them all.
pub const BIG_NET: usize = 64;

/// The exact bounding boxes of the large nets (more than [`BIG_NET`] pins) in the committed
/// placement. A net whose moving pins all lie strictly inside its box, before and after a move,
/// keeps that box, so its HPWL comes from the box instead of a pass over its pins. The value is
/// the same min/max over the same pins as a pass over the net's pins, so every comparison is
/// unchanged (a test runs detailed placement with every net large and with none, and gets the
/// same bits).
pub(crate) struct BigNets {
    /// Per net: whether it is large.
    big: Vec<bool>,
    /// Per net: x0, x1, y0, y1 of all its pins (when `valid`).
    boxes: Vec<[f64; 4]>,
    /// Per net: whether `boxes` is that of the committed placement.
    valid: Vec<bool>,
}

impl BigNets {
    /// The nets of `netlist` with more than `min_pins` pins, no box computed yet.
    pub(crate) fn new(netlist: &Netlist, min_pins: usize) -> BigNets {
        let starts = netlist.net_pin_start();
        let big: Vec<bool> = (0..netlist.num_nets())
            .map(|e| (starts[e + 1] - starts[e]) as usize > min_pins)
            .collect();
        let n = big.len();
        BigNets {
            big,
            boxes: vec![EMPTY_BOX; n],
            valid: vec![false; n],
        }
    }

    /// Computes the box of every large net among `nets` whose box is not valid.
    fn refresh(&mut self, netlist: &Netlist, off: &PinOffsets, pl: &Placement, nets: &[usize]) {
        let starts = netlist.net_pin_start();
        for &e in nets {
            if self.big[e] && !self.valid[e] {
                let mut b = EMPTY_BOX;
                for p in starts[e] as usize..starts[e + 1] as usize {
                    let m = netlist.pin_node()[p].idx();
                    add_point(&mut b, pl.x[m] + off.dx[p], pl.y[m] + off.dy[p]);
                }
                self.boxes[e] = b;
                self.valid[e] = true;
            }
        }
    }

    /// The valid box of large net `e`, if any.
    #[inline]
    fn valid_box(&self, e: usize) -> Option<&[f64; 4]> {
        (self.big[e] && self.valid[e]).then(|| &self.boxes[e])
    }

    /// Whether every pin of the nodes `moved` on net `e` lies strictly inside `b`, at the
    /// committed position each entry gives and at its position in `pl`.
    fn moved_inside(
        netlist: &Netlist,
        off: &PinOffsets,
        pl: &Placement,
        b: &[f64; 4],
        e: usize,
        moved: &[(usize, f64, f64)],
    ) -> bool {
        let inside = |x: f64, y: f64| x > b[0] && x < b[1] && y > b[2] && y < b[3];
        moved.iter().all(|&(k, ox, oy)| {
            netlist
                .pins_of_node(netlists::NodeId(k as u32))
                .iter()
                .filter(|&&p| netlist.pin_net(p).idx() == e)
                .all(|&p| {
                    let (dx, dy) = (off.dx[p.idx()], off.dy[p.idx()]);
                    inside(ox + dx, oy + dy) && inside(pl.x[k] + dx, pl.y[k] + dy)
                })
        })
    }

    /// After the nodes `moved` (committed positions before the move) moved to their positions
    /// in `pl` (offsets unchanged): a large net keeps its box when their pins on it stayed
    /// strictly inside, and is recomputed when next refreshed otherwise.
    fn moved(
        &mut self,
        netlist: &Netlist,
        off: &PinOffsets,
        pl: &Placement,
        moved: &[(usize, f64, f64)],
    ) {
        for &(k, _, _) in moved {
            for &p in netlist.pins_of_node(netlists::NodeId(k as u32)) {
                let e = netlist.pin_net(p).idx();
                if let Some(b) = self.valid_box(e)
                    && !Self::moved_inside(netlist, off, pl, b, e, moved)
                {
                    self.valid[e] = false;
                }
            }
        }
    }

    /// Forgets the box of every large net of `nodes` (after a move that rotated pins).
    fn invalidate(&mut self, netlist: &Netlist, nodes: &[usize]) {
        for &k in nodes {
            for &p in netlist.pins_of_node(netlists::NodeId(k as u32)) {
                self.valid[netlist.pin_net(p).idx()] = false;
            }
        }
    }
}

/// The exact weighted HPWL of `nets` at the positions in `pl`, where only the nodes `moved`
/// may differ from the committed placement (each with its committed position); a large net
/// whose moved pins stayed strictly inside its valid box is read from the box. Bit-equal to summing
/// [`crate::global::wirelength::net_hpwl_at`] over `nets`.
fn nets_hpwl_moved(
    netlist: &Netlist,
    off: &PinOffsets,
    pl: &Placement,
    nets: &[usize],
    big: &BigNets,
    moved: &[(usize, f64, f64)],
) -> f64 {
    let w = netlist.net_weight();
    nets.iter()
        .map(|&e| match big.valid_box(e) {
            Some(b) if BigNets::moved_inside(netlist, off, pl, b, e, moved) => box_hpwl(w[e], b),
            _ => crate::global::wirelength::net_hpwl_at(netlist, off, &pl.x, &pl.y, e),
        })
        .sum()
}

/// Relative HPWL gain below which a pass is the last (ibm01 and ibm03, seeds 1–2: passes 5–9 gain
/// 0.001–0.005% each, about 0.2 s a pass on ibm01).
pub const MIN_PASS_GAIN: f64 = 1e-4;

/// Improves a legal std-cell placement in place: up to `passes` rounds of neighbour swaps,
/// shifts into the free space around each cell and global moves, accepting only exact HPWL
/// improvements, until a round changes nothing, gains less than [`MIN_PASS_GAIN`] of the HPWL,
/// or `deadline` passes. The result stays legal
/// (rows, sites, no overlaps).
pub fn detailed_place(
    netlist: &Netlist,
    rows: &[Row],
    placement: &mut Placement,
    passes: usize,
    deadline: Option<std::time::Instant>,
) -> DetailReport {
    detailed_place_with(netlist, rows, placement, passes, deadline, BIG_NET)
}

/// [`detailed_place`] with nets of more than `big_net` pins kept as [`BigNets`].
fn detailed_place_with(
    netlist: &Netlist,
    rows: &[Row],
    placement: &mut Placement,
    passes: usize,
    deadline: Option<std::time::Instant>,
    big_net: usize,
) -> DetailReport {
    let mut big = BigNets::new(netlist, big_net);
    let late = || deadline.is_some_and(|d| std::time::Instant::now() >= d);
    let mut off = PinOffsets::new(netlist, placement);
    let mut report = DetailReport {
        hpwl_before: crate::global::wirelength::hpwl_at(netlist, &off, &placement.x, &placement.y),
        ..DetailReport::default()
    };
    if rows.is_empty() {
        report.hpwl_after = report.hpwl_before;
        return report;
    }
    let segs = cell_segments(netlist, rows, placement);
    let nw = netlist.node_width();
    // Cells of each segment, left to right.
    let mut seg_cells: Vec<Vec<usize>> = vec![Vec::new(); segs.len()];
    let mut row_segs: Vec<Vec<usize>> = vec![Vec::new(); rows.len()];
    for (i, s) in segs.iter().enumerate() {
        row_segs[s.row].push(i);
    }
    let nh = netlist.node_height();
    for n in single_row_cells(netlist, rows) {
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
    let mut medians = Medians::default();
    let mut mv = Moving::default();
    let mut clumps = ClumpBufs::default();
    let mut last_hpwl = report.hpwl_before;
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
            // Swaps of neighbours: a then b → b then a, same span.
            for k in 0..list.len().saturating_sub(1) {
                let (a, b) = (list[k], list[k + 1]);
                let left = placement.x[a] - nw[a] / 2.0;
                let gap = (placement.x[b] - nw[b] / 2.0) - (left + nw[a]);
                nets_of(netlist, &[a, b], &mut nets);
                big.refresh(netlist, &off, placement, &nets);
                let (oa, ob) = (placement.x[a], placement.x[b]);
                let moved = [(a, oa, placement.y[a]), (b, ob, placement.y[b])];
                let before = nets_hpwl_moved(netlist, &off, placement, &nets, &big, &moved);
                placement.x[b] = left + nw[b] / 2.0;
                placement.x[a] = left + nw[b] + gap + nw[a] / 2.0;
                if nets_hpwl_moved(netlist, &off, placement, &nets, &big, &moved) < before - 1e-9 {
                    big.moved(netlist, &off, placement, &moved);
                    list.swap(k, k + 1);
                    report.swaps += 1;
                    changed += 1;
                } else {
                    placement.x[a] = oa;
                    placement.x[b] = ob;
                }
            }
            // Local reordering: the best order of every three neighbours in their span.
            for k in 0..list.len().saturating_sub(2) {
                if reorder3(
                    netlist,
                    &off,
                    placement,
                    &mut list[k..k + 3],
                    &mut nets,
                    &mut big,
                ) {
                    report.reorders += 1;
                    changed += 1;
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
                big.refresh(netlist, &off, placement, &nets);
                mv.build(netlist, &off, placement, n, &nets, &big);
                let Some((target, _)) = mv.optimal_point(&mut medians) else {
                    continue;
                };
                let Some(left) = site_in(&s, sw, target - nw[n] / 2.0, (lo, hi), nw[n]) else {
                    continue;
                };
                let old = placement.x[n];
                let new = left + nw[n] / 2.0;
                if (new - old).abs() < 1e-9 {
                    continue;
                }
                let moved = [(n, old, placement.y[n])];
                let before = nets_hpwl_moved(netlist, &off, placement, &nets, &big, &moved);
                placement.x[n] = new;
                if nets_hpwl_moved(netlist, &off, placement, &nets, &big, &moved) < before - 1e-9 {
                    big.moved(netlist, &off, placement, &moved);
                    report.shifts += 1;
                    changed += 1;
                } else {
                    placement.x[n] = old;
                }
            }
        }
        // Clumps: each segment's cells at the optimum of their order, kept when the exact HPWL
        // falls.
        for (si, list) in seg_cells.iter().enumerate() {
            if si % 64 == 0 && late() {
                break;
            }
            let sw = rows[segs[si].row].site_width.max(1e-9);
            if clump_segment(
                netlist,
                &off,
                placement,
                &segs[si],
                sw,
                list,
                &mut clumps,
                &mut big,
            ) {
                report.clumps += 1;
                changed += 1;
            }
        }
        let space = RowSpace {
            netlist,
            rows,
            segs: &segs,
            row_segs: &row_segs,
        };
        changed += global_moves(
            &space,
            &mut off,
            placement,
            &mut seg_cells,
            &mut big,
            &mut report,
            &late,
        );
        if changed == 0 {
            break;
        }
        // A pass that gained less than [`MIN_PASS_GAIN`] ends it: the next ones gain less still.
        let now = crate::global::wirelength::hpwl_at(netlist, &off, &placement.x, &placement.y);
        if last_hpwl - now < MIN_PASS_GAIN * last_hpwl {
            report.stopped_by_gain = true;
            break;
        }
        last_hpwl = now;
    }
    report.hpwl_after =
        crate::global::wirelength::hpwl_at(netlist, &off, &placement.x, &placement.y);
    report
}

/// Buffers of [`clump_segment`], kept from segment to segment.
#[derive(Default)]
struct ClumpBufs {
    nets: Vec<usize>,
    all_nets: Vec<usize>,
    mv: Moving,
    terms: Vec<Term>,
    start: Vec<usize>,
    widths: Vec<f64>,
    current: Vec<f64>,
    lefts: Vec<f64>,
    moved: Vec<(usize, f64, f64)>,
    scratch: ClumpScratch,
}

/// Moves the cells `list` of segment `s` (left to right; site width `sw`) to the optimum of their
/// order under each cell's wirelength with every other pin where it is ([`super::clump`]),
/// snapped to sites, when that lowers the exact HPWL of their nets. Returns whether it did.
#[allow(clippy::too_many_arguments)]
fn clump_segment(
    netlist: &Netlist,
    off: &PinOffsets,
    placement: &mut Placement,
    s: &Segment,
    sw: f64,
    list: &[usize],
    cb: &mut ClumpBufs,
    big: &mut BigNets,
) -> bool {
    if list.is_empty() {
        return false;
    }
    let (nw, weight) = (netlist.node_width(), netlist.net_weight());
    cb.terms.clear();
    cb.start.clear();
    cb.start.push(0);
    cb.widths.clear();
    cb.current.clear();
    for &n in list {
        nets_of(netlist, &[n], &mut cb.nets);
        big.refresh(netlist, off, placement, &cb.nets);
        cb.mv.build(netlist, off, placement, n, &cb.nets, big);
        let half = nw[n] / 2.0;
        for (slot, b) in cb.mv.boxes.iter().enumerate() {
            if b[1] < b[0] {
                continue;
            }
            let (mut dmin, mut dmax) = (f64::INFINITY, f64::NEG_INFINITY);
            for &(k, p) in &cb.mv.own {
                if k == slot {
                    dmin = dmin.min(off.dx[p]);
                    dmax = dmax.max(off.dx[p]);
                }
            }
            let w = weight[cb.mv.nets[slot]];
            cb.terms.push(Term {
                at: b[0] - (half + dmin),
                weight: w,
            });
            cb.terms.push(Term {
                at: b[1] - (half + dmax),
                weight: w,
            });
        }
        cb.start.push(cb.terms.len());
        cb.widths.push(nw[n]);
        cb.current.push(placement.x[n] - half);
    }
    optimal_lefts(
        &cb.widths,
        &cb.terms,
        &cb.start,
        &cb.current,
        (s.x0, s.x1),
        &mut cb.scratch,
        &mut cb.lefts,
    );
    let widths = &cb.widths;
    snap_lefts(s, sw, &mut cb.lefts, |k| widths[k]);
    // Windows that old and new positions both leave apart (every cell before a cut ends, old
    // and new, before every cell after it starts) are kept or dropped one by one.
    let mut any = false;
    let mut from = 0;
    for k in 1..=list.len() {
        let cut = k == list.len() || {
            let end =
                (cb.current[k - 1] + cb.widths[k - 1]).max(cb.lefts[k - 1] + cb.widths[k - 1]);
            end <= cb.current[k].min(cb.lefts[k]) + 1e-9
        };
        if !cut {
            continue;
        }
        let window = &list[from..k];
        if (from..k).any(|j| (cb.lefts[j] - cb.current[j]).abs() >= 1e-9) {
            nets_of(netlist, window, &mut cb.all_nets);
            big.refresh(netlist, off, placement, &cb.all_nets);
            cb.moved.clear();
            cb.moved
                .extend(window.iter().map(|&n| (n, placement.x[n], placement.y[n])));
            let before = nets_hpwl_moved(netlist, off, placement, &cb.all_nets, big, &cb.moved);
            for (j, &n) in window.iter().enumerate() {
                placement.x[n] = cb.lefts[from + j] + cb.widths[from + j] / 2.0;
            }
            if nets_hpwl_moved(netlist, off, placement, &cb.all_nets, big, &cb.moved)
                < before - 1e-9
            {
                big.invalidate(netlist, window);
                any = true;
            } else {
                for (j, &n) in window.iter().enumerate() {
                    placement.x[n] = cb.current[from + j] + cb.widths[from + j] / 2.0;
                }
            }
        }
        from = k;
    }
    any
}

/// The orders of three neighbours other than the given one.
const ORDERS3: [[usize; 3]; 5] = [[0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];

/// Local reordering of the three neighbours `cells` (left to right in one segment): each other
/// order is laid out from the first one's left edge with the two gaps between them kept where
/// they are (so the span, the sites and the neighbours stay), and the lowest exact HPWL of their
/// nets wins when it beats the current order. Reorders `cells` to match and returns whether it
/// changed.
pub(crate) fn reorder3(
    netlist: &Netlist,
    off: &PinOffsets,
    placement: &mut Placement,
    cells: &mut [usize],
    nets: &mut Vec<usize>,
    big: &mut BigNets,
) -> bool {
    let nw = netlist.node_width();
    let c = [cells[0], cells[1], cells[2]];
    let left = placement.x[c[0]] - nw[c[0]] / 2.0;
    let gaps = [
        (placement.x[c[1]] - nw[c[1]] / 2.0) - (placement.x[c[0]] + nw[c[0]] / 2.0),
        (placement.x[c[2]] - nw[c[2]] / 2.0) - (placement.x[c[1]] + nw[c[1]] / 2.0),
        0.0,
    ];
    let old = c.map(|n| placement.x[n]);
    nets_of(netlist, &c, nets);
    big.refresh(netlist, off, placement, nets);
    let moved = [0, 1, 2].map(|k| (c[k], old[k], placement.y[c[k]]));
    let before = nets_hpwl_moved(netlist, off, placement, nets, big, &moved);
    let lay = |placement: &mut Placement, order: &[usize; 3]| {
        let mut x = left;
        for (j, &i) in order.iter().enumerate() {
            placement.x[c[i]] = x + nw[c[i]] / 2.0;
            x += nw[c[i]] + gaps[j];
        }
    };
    let mut best: Option<(f64, [usize; 3])> = None;
    for order in &ORDERS3 {
        lay(placement, order);
        let h = nets_hpwl_moved(netlist, off, placement, nets, big, &moved);
        if h < before - 1e-9 && best.is_none_or(|b| h < b.0) {
            best = Some((h, *order));
        }
    }
    match best {
        Some((_, order)) => {
            lay(placement, &order);
            big.moved(netlist, off, placement, &moved);
            for (j, &i) in order.iter().enumerate() {
                cells[j] = c[i];
            }
            true
        }
        None => {
            for (k, &n) in c.iter().enumerate() {
                placement.x[n] = old[k];
            }
            false
        }
    }
}

/// Buffers of [`Moving::optimal_point`], reused from cell to cell (no allocation per move).
#[derive(Default)]
struct Medians {
    xs: Vec<f64>,
    ys: Vec<f64>,
}

/// One cell's nets with the bounding box of their *other* pins, so that the exact HPWL of those
/// nets with the cell anywhere, in any orientation, costs O(the cell's pins) instead of a pass
/// over every pin of every net. Each net's value is the same min/max over the same pins as a
/// pass over the net's pins gives, summed in the same order, so every comparison comes out as
/// it would with the cell really moved (tested against moving it).
#[derive(Default)]
struct Moving {
    /// The cell.
    n: usize,
    /// Its nets, sorted.
    nets: Vec<usize>,
    /// Per net: x0, x1, y0, y1 of the pins on other nodes (empty: +∞, −∞).
    boxes: Vec<[f64; 4]>,
    /// The cell's pins: (index into `nets`, pin).
    own: Vec<(usize, usize)>,
    /// Scratch: per net, the box with the cell's pins added.
    work: Vec<[f64; 4]>,
    /// Scratch of [`Moving::swap_hpwl`]: the other cell's nets and per-net values.
    m_nets: Vec<usize>,
    before: Vec<f64>,
    after: Vec<f64>,
}

const EMPTY_BOX: [f64; 4] = [
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::INFINITY,
    f64::NEG_INFINITY,
];

/// `b` grown by the point (`px`, `py`).
#[inline]
fn add_point(b: &mut [f64; 4], px: f64, py: f64) {
    b[0] = b[0].min(px);
    b[1] = b[1].max(px);
    b[2] = b[2].min(py);
    b[3] = b[3].max(py);
}

/// A net's weighted HPWL from its pins' box (0 for a net without pins), as
/// [`crate::global::wirelength::net_hpwl_at`] computes it.
#[inline]
fn box_hpwl(weight: f64, b: &[f64; 4]) -> f64 {
    if b[1] >= b[0] {
        weight * ((b[1] - b[0]) + (b[3] - b[2]))
    } else {
        0.0
    }
}

/// Pin `p`'s offset on a node in orientation `o`, where `current` is the node's orientation in
/// `off` (as [`reorient`] would set it).
#[inline]
fn offset_in(
    netlist: &Netlist,
    off: &PinOffsets,
    p: usize,
    current: netlists::Orientation,
    o: netlists::Orientation,
) -> (f64, f64) {
    if o == current {
        (off.dx[p], off.dy[p])
    } else {
        o.rotate(netlist.pin_dx()[p], netlist.pin_dy()[p])
    }
}

impl Moving {
    /// Prepares cell `n` (its nets, sorted, in `nets`) at its place in `placement`.
    fn build(
        &mut self,
        netlist: &Netlist,
        off: &PinOffsets,
        placement: &Placement,
        n: usize,
        nets: &[usize],
        big: &BigNets,
    ) {
        let starts = netlist.net_pin_start();
        self.n = n;
        self.nets.clear();
        self.nets.extend_from_slice(nets);
        self.boxes.clear();
        self.own.clear();
        let here = [(n, placement.x[n], placement.y[n])];
        for (slot, &net) in nets.iter().enumerate() {
            // A large net whose pins on `n` lie strictly inside its box: the others span it.
            if let Some(b) = big.valid_box(net)
                && BigNets::moved_inside(netlist, off, placement, b, net, &here)
            {
                for &p in netlist.pins_of_node(netlists::NodeId(n as u32)) {
                    if netlist.pin_net(p).idx() == net {
                        self.own.push((slot, p.idx()));
                    }
                }
                self.boxes.push(*b);
                continue;
            }
            let mut b = EMPTY_BOX;
            for p in starts[net] as usize..starts[net + 1] as usize {
                let m = netlist.pin_node()[p].idx();
                if m == n {
                    self.own.push((slot, p));
                } else {
                    add_point(
                        &mut b,
                        placement.x[m] + off.dx[p],
                        placement.y[m] + off.dy[p],
                    );
                }
            }
            self.boxes.push(b);
        }
    }

    /// The centre of the cell's optimal region: the medians of the other pins' box ends over
    /// its nets (x and y), or `None` when no net has another pin.
    fn optimal_point(&self, scratch: &mut Medians) -> Option<(f64, f64)> {
        let Medians { xs, ys } = scratch;
        xs.clear();
        ys.clear();
        for b in &self.boxes {
            if b[1] >= b[0] {
                xs.extend([b[0], b[1]]);
                ys.extend([b[2], b[3]]);
            }
        }
        if xs.is_empty() {
            return None;
        }
        let k = xs.len() / 2;
        let (_, &mut mx, _) = xs.select_nth_unstable_by(k, f64::total_cmp);
        let (_, &mut my, _) = ys.select_nth_unstable_by(k, f64::total_cmp);
        Some((mx, my))
    }

    /// The exact HPWL of the cell's nets with the cell centred at (`x`, `y`) in orientation
    /// `o` (`current`: its orientation in `off`).
    fn hpwl_at(
        &mut self,
        netlist: &Netlist,
        off: &PinOffsets,
        (x, y): (f64, f64),
        current: netlists::Orientation,
        o: netlists::Orientation,
    ) -> f64 {
        self.work.clear();
        self.work.extend_from_slice(&self.boxes);
        for &(slot, p) in &self.own {
            let (dx, dy) = offset_in(netlist, off, p, current, o);
            add_point(&mut self.work[slot], x + dx, y + dy);
        }
        let w = netlist.net_weight();
        self.nets
            .iter()
            .zip(&self.work)
            .map(|(&net, b)| box_hpwl(w[net], b))
            .sum()
    }

    /// The exact HPWL of the nets of the cell and of `m` (`both`: their union, sorted) before
    /// and after the cell moves to `to_n` and `m` to `to_m` (centres), exchanging orientations.
    #[allow(clippy::too_many_arguments)]
    fn swap_hpwl(
        &mut self,
        netlist: &Netlist,
        off: &PinOffsets,
        placement: &Placement,
        m: usize,
        (to_n, to_m): ((f64, f64), (f64, f64)),
        both: &[usize],
        big: &BigNets,
    ) -> (f64, f64) {
        let n = self.n;
        let (on, om) = (placement.orient[n], placement.orient[m]);
        let (nx, ny, mx, my) = (
            placement.x[n],
            placement.y[n],
            placement.x[m],
            placement.y[m],
        );
        let ((tnx, tny), (tmx, tmy)) = (to_n, to_m);
        nets_of(netlist, &[m], &mut self.m_nets);
        let starts = netlist.net_pin_start();
        let w = netlist.net_weight();
        self.before.clear();
        self.after.clear();
        for &net in both {
            if self.m_nets.binary_search(&net).is_err() {
                // Only the cell's: its box of other pins holds.
                let slot = self.nets.binary_search(&net).unwrap_or(0);
                let (mut b0, mut b1) = (self.boxes[slot], self.boxes[slot]);
                for &(s, p) in &self.own {
                    if s == slot {
                        add_point(&mut b0, nx + off.dx[p], ny + off.dy[p]);
                        let (dx, dy) = offset_in(netlist, off, p, on, om);
                        add_point(&mut b1, tnx + dx, tny + dy);
                    }
                }
                self.before.push(box_hpwl(w[net], &b0));
                self.after.push(box_hpwl(w[net], &b1));
                continue;
            }
            let here = [(n, nx, ny), (m, mx, my)];
            if let Some(b) = big.valid_box(net)
                && BigNets::moved_inside(netlist, off, placement, b, net, &here)
            {
                // Both cells' pins strictly inside: the other pins span the box.
                let mut b1 = *b;
                for (k, (tx, ty), (from, to)) in [(n, to_n, (on, om)), (m, to_m, (om, on))] {
                    for &p in netlist.pins_of_node(netlists::NodeId(k as u32)) {
                        if netlist.pin_net(p).idx() == net {
                            let (dx, dy) = offset_in(netlist, off, p.idx(), from, to);
                            add_point(&mut b1, tx + dx, ty + dy);
                        }
                    }
                }
                self.before.push(box_hpwl(w[net], b));
                self.after.push(box_hpwl(w[net], &b1));
                continue;
            }
            let (mut b0, mut b1) = (EMPTY_BOX, EMPTY_BOX);
            for p in starts[net] as usize..starts[net + 1] as usize {
                let k = netlist.pin_node()[p].idx();
                let (x, y) = (placement.x[k] + off.dx[p], placement.y[k] + off.dy[p]);
                add_point(&mut b0, x, y);
                if k == n {
                    let (dx, dy) = offset_in(netlist, off, p, on, om);
                    add_point(&mut b1, tnx + dx, tny + dy);
                } else if k == m {
                    let (dx, dy) = offset_in(netlist, off, p, om, on);
                    add_point(&mut b1, tmx + dx, tmy + dy);
                } else {
                    add_point(&mut b1, x, y);
                }
            }
            self.before.push(box_hpwl(w[net], &b0));
            self.after.push(box_hpwl(w[net], &b1));
        }
        (self.before.iter().sum(), self.after.iter().sum())
    }
}

/// Rows tried on each side of the optimal point's row (global moves).
const ROW_REACH: usize = 6;
/// Gaps (and cells to exchange with) tried on each side of the optimal point in a segment.
const GAP_REACH: usize = 6;
/// Cells closer than this many widths to their optimal point are left alone.
const SKIP_NEAR: f64 = 1.0;

/// The free row space detailed placement moves cells in: the rows, their free segments, and
/// each row's segments.
#[derive(Clone, Copy)]
struct RowSpace<'a> {
    netlist: &'a Netlist,
    rows: &'a [Row],
    segs: &'a [Segment],
    row_segs: &'a [Vec<usize>],
}

/// Cells whose global moves are proposed together on the same positions (in parallel), then
/// committed one after another. Fixed, so the result never depends on the thread count.
pub const MOVE_CHUNK: usize = 64;

/// A cell's best global move, found on the positions at the start of its chunk.
#[derive(Debug, Clone, Copy)]
enum Proposal {
    /// Into free space of segment `seg`, centred at (`x`, `y`).
    Gap { seg: usize, x: f64, y: f64 },
    /// Exchange with cell `m`: the cell to `to_n` in segment `seg_n` (the space `m` and the
    /// gaps beside it span), `m` to `to_m` in segment `seg_m` (the cell's space).
    Swap {
        m: usize,
        seg_n: usize,
        to_n: (f64, f64),
        seg_m: usize,
        to_m: (f64, f64),
    },
}

/// The free space around the `k`-th cell of segment `s`'s cells `list` (left to right): from
/// its left neighbour's right edge (or the segment's start) to its right neighbour's left edge
/// (or the segment's end).
fn space_around(
    nw: &[f64],
    placement: &Placement,
    s: &Segment,
    list: &[usize],
    k: usize,
) -> (f64, f64) {
    let lo = if k == 0 {
        s.x0
    } else {
        placement.x[list[k - 1]] + nw[list[k - 1]] / 2.0
    };
    let hi = if k + 1 >= list.len() {
        s.x1
    } else {
        placement.x[list[k + 1]] - nw[list[k + 1]] / 2.0
    };
    (lo, hi)
}

/// The left edge on segment `s`'s site grid (site width `sw`) nearest below `want`, kept in
/// `[lo, hi - w]`, or `None` when no site there fits width `w`.
fn site_in(s: &Segment, sw: f64, want: f64, (lo, hi): (f64, f64), w: f64) -> Option<f64> {
    if hi - lo < w - 1e-9 {
        return None;
    }
    let left = s.x0 + ((fit(want, lo, hi - w) - s.x0) / sw + 1e-9).floor() * sw;
    let left = if left < lo - 1e-9 { left + sw } else { left };
    (left + w <= hi + 1e-9).then_some(left)
}

/// Buffers of one thread's proposals.
#[derive(Default)]
struct Scratch {
    nets: Vec<usize>,
    both: Vec<usize>,
    medians: Medians,
    mv: Moving,
}

/// What global moves read: the row space, rows by height, each cell's segment and each
/// segment's cells (left to right).
struct MoveView<'a> {
    space: RowSpace<'a>,
    big: &'a BigNets,
    by_y: &'a [usize],
    seg_of: &'a [usize],
    seg_cells: &'a [Vec<usize>],
}

/// Cell `n`'s best global move on the current positions, if any lowers the exact HPWL: the
/// free gaps nearest its optimal point in the rows around it, and exchanges with the cells
/// there whose spaces hold each other (evaluated exactly only where the cell alone gains at its
/// new place: on ibm03 that filter halves the time, 0.8 → 0.4 s, for 0.01% of HPWL).
/// Reads only.
fn propose(
    view: &MoveView,
    off: &PinOffsets,
    placement: &Placement,
    n: usize,
    sc: &mut Scratch,
) -> Option<Proposal> {
    let RowSpace {
        netlist,
        rows,
        segs,
        row_segs,
    } = view.space;
    let (by_y, seg_of, seg_cells) = (view.by_y, view.seg_of, view.seg_cells);
    let (nw, nh) = (netlist.node_width(), netlist.node_height());
    let Scratch {
        nets,
        both,
        medians,
        mv,
    } = sc;
    let w = nw[n];
    nets_of(netlist, &[n], nets);
    mv.build(netlist, off, placement, n, nets, view.big);
    let (tx, ty) = mv.optimal_point(medians)?;
    let (ox, oy) = (placement.x[n], placement.y[n]);
    if (ox - tx).abs() + (oy - ty).abs() < SKIP_NEAR * w {
        return None;
    }
    let on = placement.orient[n];
    let before = mv.hpwl_at(netlist, off, (ox, oy), on, on);
    // The cell's own space, which a cell it exchanges with moves into.
    let sn = seg_of[n];
    let own_list = &seg_cells[sn];
    let pn = own_list.partition_point(|&m| placement.x[m] < ox);
    let pn = if own_list.get(pn) == Some(&n) {
        pn
    } else {
        own_list.iter().position(|&m| m == n)?
    };
    let own_space = space_around(nw, placement, &segs[sn], own_list, pn);
    let own_sw = rows[segs[sn].row].site_width.max(1e-9);
    // Candidate rows: the nearest to the optimal point.
    let k = by_y.partition_point(|&r| rows[r].y + rows[r].height / 2.0 < ty);
    // Best: a move to a gap (HPWL after, segment, x, y) or a swap (gain, the proposal).
    let mut best: Option<(f64, usize, f64, f64)> = None;
    let mut best_swap: Option<(f64, Proposal)> = None;
    for &r in &by_y[k.saturating_sub(ROW_REACH)..(k + ROW_REACH).min(by_y.len())] {
        // In a design row a cell takes the row's orientation.
        let or = super::rows::row_orientation(netlist, &rows[r]).unwrap_or(on);
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
                // An exchange with cell m (not a neighbour: the neighbour swaps try those): the
                // cell into m's space nearest its optimal point, m into the cell's space
                // nearest where the cell was.
                if let Some(&m) = list.get(g)
                    && m != n
                    && !(si == sn && g.abs_diff(pn) <= 1)
                    && let Some(ln) = site_in(
                        &s,
                        sw,
                        tx - w / 2.0,
                        space_around(nw, placement, &s, list, g),
                        w,
                    )
                    && let Some(lm) = site_in(&segs[sn], own_sw, ox - nw[m] / 2.0, own_space, nw[m])
                {
                    let to_n = (ln + w / 2.0, y);
                    let to_m = (lm + nw[m] / 2.0, rows[segs[sn].row].y + nh[m] / 2.0);
                    // Each takes the other's row, and so its orientation. Only worth the exact
                    // count when the cell itself gains there.
                    if mv.hpwl_at(netlist, off, to_n, on, placement.orient[m]) < before - 1e-9 {
                        nets_of(netlist, &[n, m], both);
                        let (b0, b1) =
                            mv.swap_hpwl(netlist, off, placement, m, (to_n, to_m), both, view.big);
                        let gain = b0 - b1;
                        if gain > 1e-9 && best_swap.is_none_or(|b| gain > b.0) {
                            let prop = Proposal::Swap {
                                m,
                                seg_n: si,
                                to_n,
                                seg_m: sn,
                                to_m,
                            };
                            best_swap = Some((gain, prop));
                        }
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
                // The cell's own neighbours: its old place counts as free only once it leaves,
                // which keeps this simple (it is skipped).
                if hi - lo < w - 1e-9 || (si == seg_of[n] && (lo..=hi).contains(&ox)) {
                    continue;
                }
                let Some(left) = site_in(&s, sw, tx - w / 2.0, (lo, hi), w) else {
                    continue;
                };
                let after = mv.hpwl_at(netlist, off, (left + w / 2.0, y), on, or);
                if after < before - 1e-9 && best.is_none_or(|b| after < b.0) {
                    best = Some((after, si, left + w / 2.0, y));
                }
            }
        }
    }
    let move_gain = best.map_or(0.0, |b| before - b.0);
    match (best_swap, best) {
        (Some((gain, prop)), _) if gain > move_gain => Some(prop),
        (_, Some((_, seg, x, y))) => Some(Proposal::Gap { seg, x, y }),
        _ => None,
    }
}

/// Whether `[x0, x1]` is free of cells other than those in `skip` among a segment's cells
/// `list` (left to right) now.
fn gap_is_free(
    netlist: &Netlist,
    placement: &Placement,
    list: &[usize],
    skip: &[usize],
    (x0, x1): (f64, f64),
) -> bool {
    let nw = netlist.node_width();
    let p = list.partition_point(|&m| placement.x[m] < (x0 + x1) / 2.0);
    let left = list[..p].iter().rev().find(|m| !skip.contains(m));
    let right = list[p..].iter().find(|m| !skip.contains(m));
    left.is_none_or(|&m| placement.x[m] + nw[m] / 2.0 <= x0 + 1e-9)
        && right.is_none_or(|&m| placement.x[m] - nw[m] / 2.0 >= x1 - 1e-9)
}

/// Global moves: every cell's best move to a free gap near its optimal point or exchange with a
/// cell there ([`propose`]). Cells go in chunks of [`MOVE_CHUNK`]: a chunk's proposals are
/// computed in parallel on the positions its start sees, then committed in cell order, each only
/// if its places are still free (an exchange: both cells still in the segments it saw) and it
/// still lowers the exact HPWL on the positions the earlier commits left. Returns the accepted
/// moves.
fn global_moves(
    space: &RowSpace,
    off: &mut PinOffsets,
    placement: &mut Placement,
    seg_cells: &mut [Vec<usize>],
    big: &mut BigNets,
    report: &mut DetailReport,
    late: &dyn Fn() -> bool,
) -> usize {
    use rayon::prelude::*;
    let all_nets: Vec<usize> = (0..space.netlist.num_nets())
        .filter(|&e| big.big[e])
        .collect();
    let RowSpace {
        netlist,
        rows,
        segs,
        ..
    } = *space;
    let nw = netlist.node_width();
    let mut by_y: Vec<usize> = (0..rows.len()).collect();
    by_y.sort_by(|&a, &b| rows[a].y.total_cmp(&rows[b].y));
    let mut seg_of = vec![usize::MAX; netlist.num_nodes()];
    for (si, list) in seg_cells.iter().enumerate() {
        for &n in list {
            seg_of[n] = si;
        }
    }
    let order: Vec<usize> = seg_cells.iter().flatten().copied().collect();
    let mut sc = Scratch::default();
    let mut moves = 0;
    let mut gap_moves = 0;
    for chunk in order.chunks(MOVE_CHUNK) {
        if late() {
            break;
        }
        // Proposals read the large nets' boxes: every one valid for the chunk's start.
        big.refresh(netlist, off, placement, &all_nets);
        let proposals: Vec<Option<Proposal>> = {
            let view = MoveView {
                space: *space,
                big,
                by_y: &by_y,
                seg_of: &seg_of,
                seg_cells,
            };
            let (off, placement) = (&*off, &*placement);
            chunk
                .par_iter()
                .map_init(Scratch::default, |sc, &n| {
                    propose(&view, off, placement, n, sc)
                })
                .collect()
        };
        for (&n, prop) in chunk.iter().zip(proposals) {
            let Some(prop) = prop else { continue };
            let on = placement.orient[n];
            let (ox, oy) = (placement.x[n], placement.y[n]);
            match prop {
                Proposal::Swap {
                    m,
                    seg_n,
                    to_n,
                    seg_m,
                    to_m,
                } => {
                    // Still legal: each where the proposal saw it (so the rows' orientations
                    // still hold), both places free of every other cell, and apart.
                    if seg_of[n] != seg_m || seg_of[m] != seg_n {
                        continue;
                    }
                    let (wn, wm) = (nw[n], nw[m]);
                    let span_n = (to_n.0 - wn / 2.0, to_n.0 + wn / 2.0);
                    let span_m = (to_m.0 - wm / 2.0, to_m.0 + wm / 2.0);
                    if !gap_is_free(netlist, placement, &seg_cells[seg_n], &[n, m], span_n)
                        || !gap_is_free(netlist, placement, &seg_cells[seg_m], &[n, m], span_m)
                        || (seg_n == seg_m
                            && span_n.0 < span_m.1 - 1e-9
                            && span_m.0 < span_n.1 - 1e-9)
                    {
                        continue;
                    }
                    nets_of(netlist, &[n], &mut sc.nets);
                    nets_of(netlist, &[n, m], &mut sc.both);
                    big.refresh(netlist, off, placement, &sc.both);
                    sc.mv.build(netlist, off, placement, n, &sc.nets, big);
                    let (b0, b1) =
                        sc.mv
                            .swap_hpwl(netlist, off, placement, m, (to_n, to_m), &sc.both, big);
                    if b0 - b1 <= 1e-9 {
                        continue;
                    }
                    big.invalidate(netlist, &[n, m]);
                    for k in [n, m] {
                        let list = &mut seg_cells[seg_of[k]];
                        if let Some(pos) = list.iter().position(|&c| c == k) {
                            list.remove(pos);
                        }
                    }
                    let om = placement.orient[m];
                    for (k, seg, (x, y)) in [(n, seg_n, to_n), (m, seg_m, to_m)] {
                        let g = seg_cells[seg].partition_point(|&c| placement.x[c] < x);
                        seg_cells[seg].insert(g, k);
                        seg_of[k] = seg;
                        placement.x[k] = x;
                        placement.y[k] = y;
                    }
                    reorient(netlist, off, placement, n, om);
                    reorient(netlist, off, placement, m, on);
                    report.global_swaps += 1;
                    moves += 1;
                }
                Proposal::Gap { seg, x, y } => {
                    let w = netlist.node_width()[n];
                    if !gap_is_free(
                        netlist,
                        placement,
                        &seg_cells[seg],
                        &[n],
                        (x - w / 2.0, x + w / 2.0),
                    ) {
                        continue;
                    }
                    let or =
                        super::rows::row_orientation(netlist, &rows[segs[seg].row]).unwrap_or(on);
                    nets_of(netlist, &[n], &mut sc.nets);
                    big.refresh(netlist, off, placement, &sc.nets);
                    sc.mv.build(netlist, off, placement, n, &sc.nets, big);
                    let before = sc.mv.hpwl_at(netlist, off, (ox, oy), on, on);
                    let after = sc.mv.hpwl_at(netlist, off, (x, y), on, or);
                    if after >= before - 1e-9 {
                        continue;
                    }
                    big.invalidate(netlist, &[n]);
                    let old = seg_of[n];
                    if let Some(pos) = seg_cells[old].iter().position(|&m| m == n) {
                        seg_cells[old].remove(pos);
                    }
                    let g = seg_cells[seg].partition_point(|&m| placement.x[m] < x);
                    seg_cells[seg].insert(g, n);
                    seg_of[n] = seg;
                    placement.x[n] = x;
                    placement.y[n] = y;
                    reorient(netlist, off, placement, n, or);
                    gap_moves += 1;
                    moves += 1;
                }
            }
        }
    }
    report.moves += gap_moves;
    moves
}

#[cfg(test)]
mod tests {
    use super::*;
    use netlists::Orientation;
    use proptest::prelude::*;
    use rand::rngs::SmallRng;
    use rand::{Rng, SeedableRng};

    /// The naive optimal point: per net, one pass over the pins on nodes other than `n` for
    /// their box; the medians of the boxes' ends.
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
            let mut b = EMPTY_BOX;
            for p in starts[net] as usize..starts[net + 1] as usize {
                let m = netlist.pin_node()[p].idx();
                if m != n {
                    add_point(
                        &mut b,
                        placement.x[m] + off.dx[p],
                        placement.y[m] + off.dy[p],
                    );
                }
            }
            if b[1] >= b[0] {
                xs.extend([b[0], b[1]]);
                ys.extend([b[2], b[3]]);
            }
        }
        if xs.is_empty() {
            return None;
        }
        let k = xs.len() / 2;
        let (_, &mut mx, _) = xs.select_nth_unstable_by(k, f64::total_cmp);
        let (_, &mut my, _) = ys.select_nth_unstable_by(k, f64::total_cmp);
        Some((mx, my))
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

        /// Detailed placement with every net kept as a [`BigNets`] box and with none gives the
        /// same placement to the bit (the boxes only skip passes over pins whose result is
        /// known).
        #[test]
        fn large_net_boxes_change_nothing(seed in any::<u64>(), cells in 20usize..300) {
            let (nl, mut pl) = crate::tests_full::design(seed, 16, 4, cells, true);
            let rows = crate::detail::rows_of(&nl);
            crate::detail::legalize_cells(&nl, &rows, &mut pl).unwrap();
            prop_assert!(crate::detail::check_cells(&nl, &rows, &pl).is_empty());
            let (mut a, mut b) = (pl.clone(), pl.clone());
            let ra = detailed_place_with(&nl, &rows, &mut a, 4, None, 0);
            let rb = detailed_place_with(&nl, &rows, &mut b, 4, None, usize::MAX);
            prop_assert_eq!(&a.x, &b.x);
            prop_assert_eq!(&a.y, &b.y);
            prop_assert_eq!(ra, rb);
        }

        /// [`Moving`] gives, to the bit, what moving the cells for real and summing
        /// [`nets_hpwl`] gives: a cell anywhere in any orientation, two cells exchanging
        /// orientations and moving to each other's places or anywhere (nets shared or not), and
        /// the naive optimal point;
        /// nodes start in random orientations, so the pins' offsets are rotated.
        #[test]
        fn moving_evaluations_equal_moving_the_cells(seed in any::<u64>(), cells in 4usize..120) {
            let (nl, mut pl) = crate::tests_full::design(seed, 8, 2, cells, false);
            let mut rng = SmallRng::seed_from_u64(seed ^ 0x5eed);
            for o in pl.orient.iter_mut() {
                *o = Orientation::ALL[rng.random_range(0..8)];
            }
            let off = PinOffsets::new(&nl, &pl);
            let nodes = nl.num_nodes();
            // With no large net, and with every net large (boxes valid).
            let none = BigNets::new(&nl, usize::MAX);
            let mut all = BigNets::new(&nl, 0);
            all.refresh(&nl, &off, &pl, &(0..nl.num_nets()).collect::<Vec<_>>());
            let mut mv = Moving::default();
            let (mut nets, mut both, mut medians) = (Vec::new(), Vec::new(), Medians::default());
            for t in 0..32 {
                let big = if t % 2 == 0 { &none } else { &all };
                let n = rng.random_range(0..nodes);
                nets_of(&nl, &[n], &mut nets);
                mv.build(&nl, &off, &pl, n, &nets, big);
                prop_assert_eq!(
                    mv.optimal_point(&mut medians),
                    optimal_point(&nl, &off, &pl, n, &nets)
                );
                let here = [(n, pl.x[n], pl.y[n])];
                prop_assert_eq!(
                    nets_hpwl_moved(&nl, &off, &pl, &nets, big, &here).to_bits(),
                    nets_hpwl(&nl, &off, &pl, &nets).to_bits()
                );
                let on = pl.orient[n];
                prop_assert_eq!(
                    mv.hpwl_at(&nl, &off, (pl.x[n], pl.y[n]), on, on).to_bits(),
                    nets_hpwl(&nl, &off, &pl, &nets).to_bits()
                );
                // Anywhere, any orientation.
                let (x, y) = (rng.random_range(-10.0..90.0), rng.random_range(-10.0..90.0));
                let o = Orientation::ALL[rng.random_range(0..8)];
                let (mut q, mut qo) = (pl.clone(), off.clone());
                q.x[n] = x;
                q.y[n] = y;
                reorient(&nl, &mut qo, &mut q, n, o);
                prop_assert_eq!(
                    mv.hpwl_at(&nl, &off, (x, y), on, o).to_bits(),
                    nets_hpwl(&nl, &qo, &q, &nets).to_bits()
                );
                // An exchange with another node (sharing nets or not).
                let m = rng.random_range(0..nodes);
                if m == n {
                    continue;
                }
                nets_of(&nl, &[n, m], &mut both);
                // To each other's centres, or anywhere.
                let to = if t % 4 < 2 {
                    ((pl.x[m], pl.y[m]), (pl.x[n], pl.y[n]))
                } else {
                    let mut at = || (rng.random_range(-10.0..90.0), rng.random_range(-10.0..90.0));
                    (at(), at())
                };
                let (b0, b1) = mv.swap_hpwl(&nl, &off, &pl, m, to, &both, big);
                let (mut q, mut qo) = (pl.clone(), off.clone());
                let om = pl.orient[m];
                (q.x[n], q.y[n], q.x[m], q.y[m]) = (to.0.0, to.0.1, to.1.0, to.1.1);
                reorient(&nl, &mut qo, &mut q, n, om);
                reorient(&nl, &mut qo, &mut q, m, on);
                prop_assert_eq!(b0.to_bits(), nets_hpwl(&nl, &off, &pl, &both).to_bits());
                prop_assert_eq!(b1.to_bits(), nets_hpwl(&nl, &qo, &q, &both).to_bits());
            }
        }
    }
}
