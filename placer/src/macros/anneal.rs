//! Simulated annealing on the exact proxy cost, through the incremental [`CostState`].
//!
//! **Moves.** Hard macros: shift by a random offset (radius shrinking with the temperature),
//! swap two macros' centres, jump to a random spot (or, with [`JumpTargets`], to a cell drawn
//! from a learned policy's distribution for that macro), flip among N/FN/FS/S. Soft macros: shift,
//! and a pull towards the centroid of their nets' pins. A hard-macro move that would overlap
//! another hard macro or a blockage, or leave the canvas, is rejected before it is evaluated, so
//! the state is legal at every step when it starts legal (the placer legalizes first).
//!
//! **Schedule.** The start temperature is calibrated from the first moves: the mean uphill Δ of a
//! few hundred random trial moves (each undone), so that an average uphill move is accepted with
//! probability `start_acceptance`. The temperature then falls geometrically to `end_ratio` of
//! that over the budget (iterations or seconds, whichever is given; both: the earlier end).
//!
//! **Chains and restarts.** `chains` independent chains (seeded `seed + chain`) run in parallel
//! (rayon) for `epoch` moves at a time; after every epoch a chain that has fallen more than
//! `restart_gap` (relative) behind the best chain's current cost restarts from a copy of it
//! (go-with-the-winners). With an iteration budget the run is deterministic for a seed, whatever
//! the thread count; with a time budget only the stopping point varies.
//!
//! **Ranks.** Under MPI ([`crate::ranks`]) every rank runs its own `chains` (seeded
//! `seed + rank·chains + chain`, so rank 0 draws what a single process draws) on the whole
//! budget; after every epoch the ranks agree on the best current chain of the job and every
//! chain more than `restart_gap` behind it restarts from a copy (go-with-the-winners across
//! ranks), and at the end every rank returns the job's best placement. The ranks agree on the
//! schedule's progress (the furthest rank's), so they stop at the same epoch.

use netlists::geom::Rect;
use std::time::Instant;

use netlists::{Netlist, NodeId, NodeKind, Orientation, PinId, Placement};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;

use crate::cost::CostParams;
use crate::cost::incremental::CostState;

/// When to stop.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Budget {
    /// Wall-clock seconds.
    pub seconds: Option<f64>,
    /// Moves in total over all chains.
    pub iterations: Option<u64>,
}

impl Budget {
    /// How far along the schedule is, in `[0, ∞)`: by iterations when an iteration budget is
    /// given (so the schedule, and the result, do not depend on timing), else by seconds. A
    /// run still stops when either budget is spent ([`Budget::exhausted`]).
    pub fn progress(&self, seconds: f64, iterations: u64) -> f64 {
        match (self.iterations, self.seconds) {
            (Some(n), _) => iterations as f64 / n.max(1) as f64,
            (None, Some(s)) => seconds / s.max(1e-9),
            (None, None) => 1.0,
        }
    }

    /// Whether either budget is spent.
    pub fn exhausted(&self, seconds: f64, iterations: u64) -> bool {
        self.iterations.is_some_and(|n| iterations >= n)
            || self.seconds.is_some_and(|s| seconds >= s)
            || (self.iterations.is_none() && self.seconds.is_none())
    }
}

/// Settings of [`anneal`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AnnealOptions {
    /// Seed of every random choice.
    pub seed: u64,
    /// When to stop.
    pub budget: Budget,
    /// Parallel chains.
    pub chains: usize,
    /// Moves per chain between synchronisations.
    pub epoch: u64,
    /// Acceptance probability of a mean uphill move at the start.
    pub start_acceptance: f64,
    /// Final temperature over the start temperature.
    pub end_ratio: f64,
    /// A chain this much (relative) worse than the best restarts from it.
    pub restart_gap: f64,
    /// Probability that a move is on a soft macro (when the design has them).
    pub soft_moves: f64,
    /// Whether hard macros may be flipped (N/FN/FS/S); off, every macro keeps its
    /// orientation, so scorers that keep pins in the netlist's orientation agree with ours.
    pub flips: bool,
    /// This process only: no collectives even under MPI (an annealer inside one environment
    /// episode, which ranks run unsynchronised).
    pub solo: bool,
    /// Where hard-macro jumps land (uniform over the canvas when none, or for a macro the
    /// table has no cells for).
    #[serde(skip)]
    pub jumps: Option<std::sync::Arc<JumpTargets>>,
}

/// Jump targets for hard macros: per node, candidate centres with probabilities (a policy's
/// distribution over its grid cells for that macro, `policies::search::jump_targets`). A jump
/// draws a cell by its probability and moves the macro's centre to the cell's centre; the usual
/// legality check still rejects a target that overlaps what has moved since.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JumpTargets {
    /// Per node id: `(cumulative probability, x, y)` in increasing cumulative order (empty:
    /// uniform jumps for that node).
    cells: Vec<Vec<(f64, f64, f64)>>,
}

impl JumpTargets {
    /// An empty table for `num_nodes` nodes.
    pub fn new(num_nodes: usize) -> Self {
        JumpTargets {
            cells: vec![Vec::new(); num_nodes],
        }
    }

    /// Sets node `n`'s targets: `(probability, centre x, centre y)`; entries with a
    /// non-positive or non-finite probability are dropped.
    pub fn set(&mut self, n: usize, targets: &[(f64, f64, f64)]) {
        let mut acc = 0.0;
        self.cells[n] = targets
            .iter()
            .filter(|t| t.0 > 0.0 && t.0.is_finite())
            .map(|&(p, x, y)| {
                acc += p;
                (acc, x, y)
            })
            .collect();
    }

    /// Node `n`'s targets with their probabilities, normalised to sum to 1.
    pub fn targets(&self, n: usize) -> Vec<(f64, f64, f64)> {
        let c = &self.cells[n];
        let total = c.last().map_or(1.0, |t| t.0);
        let mut prev = 0.0;
        c.iter()
            .map(|&(acc, x, y)| {
                let p = (acc - prev) / total;
                prev = acc;
                (p, x, y)
            })
            .collect()
    }

    /// A target of node `n` drawn with `u` uniform in [0, 1); `None` without targets.
    pub fn draw(&self, n: usize, u: f64) -> Option<(f64, f64)> {
        let c = self.cells.get(n)?;
        let total = c.last()?.0;
        let k = c.partition_point(|t| t.0 <= u * total).min(c.len() - 1);
        Some((c[k].1, c[k].2))
    }
}

impl Default for AnnealOptions {
    fn default() -> Self {
        AnnealOptions {
            seed: 1,
            budget: Budget {
                seconds: Some(60.0),
                iterations: None,
            },
            chains: 2,
            epoch: 4000,
            start_acceptance: 0.2,
            end_ratio: 1e-3,
            restart_gap: 0.01,
            soft_moves: 0.4,
            flips: true,
            solo: false,
            jumps: None,
        }
    }
}

/// One point of the cost trajectory.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct TrajectoryPoint {
    /// Seconds since the start.
    pub seconds: f64,
    /// Moves (or evaluations) so far.
    pub iterations: u64,
    /// Best proxy cost so far.
    pub best: f64,
    /// Current proxy cost (of the best chain).
    pub current: f64,
}

/// What a placer reports while it runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// Fraction of the budget used.
    pub fraction: f64,
    /// The latest trajectory point.
    pub point: TrajectoryPoint,
}

/// The result of [`anneal`].
#[derive(Debug, Clone)]
pub struct AnnealOutcome {
    /// The best placement seen.
    pub placement: Placement,
    /// Its proxy cost.
    pub proxy: f64,
    /// Moves tried over all chains.
    pub iterations: u64,
    /// Moves accepted.
    pub accepted: u64,
    /// Hard-macro moves rejected as illegal before evaluation.
    pub illegal: u64,
    /// Start temperature.
    pub start_temperature: f64,
    /// Cost over time.
    pub trajectory: Vec<TrajectoryPoint>,
    /// Moves tried by each rank (one entry without MPI).
    pub rank_iterations: Vec<u64>,
}

/// Static data the moves need.
struct Ctx<'a> {
    netlist: &'a Netlist,
    hard: Vec<usize>,
    soft: Vec<usize>,
    blockages: Vec<Rect>,
    canvas: Rect,
    side: f64,
    flips: bool,
    jumps: Option<std::sync::Arc<JumpTargets>>,
}

impl Ctx<'_> {
    /// Whether hard macro `n` may sit at `(x, y)`, with `skip` (a swap partner) ignored.
    fn hard_ok(&self, pl: &Placement, n: usize, x: f64, y: f64, skip: usize) -> bool {
        let nl = self.netlist;
        let (w, h) = (nl.node_width()[n], nl.node_height()[n]);
        let r = Rect::centred(x, y, w, h);
        let c = &self.canvas;
        if r.x0 < c.x0 || r.y0 < c.y0 || r.x1 > c.x1 || r.y1 > c.y1 {
            return false;
        }
        for &m in &self.hard {
            if m == n || m == skip {
                continue;
            }
            let (mw, mh) = (nl.node_width()[m], nl.node_height()[m]);
            if r.overlaps(&Rect::centred(pl.x[m], pl.y[m], mw, mh)) {
                return false;
            }
        }
        !self.blockages.iter().any(|b| r.overlaps(b))
    }

    fn clamp_soft(&self, n: usize, x: f64, y: f64) -> (f64, f64) {
        let nl = self.netlist;
        let c = self.canvas;
        let (cx0, cy0, cx1, cy1) = (c.x0, c.y0, c.x1, c.y1);
        let (w, h) = (
            nl.node_width()[n].min(cx1 - cx0),
            nl.node_height()[n].min(cy1 - cy0),
        );
        (
            x.clamp(cx0 + w / 2.0, cx1 - w / 2.0),
            y.clamp(cy0 + h / 2.0, cy1 - h / 2.0),
        )
    }

    /// Centroid of the other pins on `n`'s nets.
    fn centroid(&self, pl: &Placement, n: usize) -> Option<(f64, f64)> {
        let nl = self.netlist;
        let (mut sx, mut sy, mut k) = (0.0, 0.0, 0.0);
        for &p in nl.pins_of_node(NodeId(n as u32)) {
            let net = nl.pin_net(p);
            for q in nl.net_pins(net) {
                if nl.pin_node()[q].idx() != n {
                    let (x, y) = pl.pin_position(nl, PinId(q as u32));
                    sx += x;
                    sy += y;
                    k += 1.0;
                }
            }
        }
        (k > 0.0).then(|| (sx / k, sy / k))
    }
}

/// Result of proposing a move.
enum Proposal {
    /// Evaluated: the new cost (the state holds the move; undo to reject).
    Done(f64),
    /// Illegal, nothing changed.
    Illegal,
}

const FLIPS: [Orientation; 4] = [
    Orientation::N,
    Orientation::FN,
    Orientation::FS,
    Orientation::S,
];

fn propose(
    ctx: &Ctx,
    st: &mut CostState,
    rng: &mut SmallRng,
    radius: f64,
    soft_moves: f64,
) -> Proposal {
    let pl = st.placement();
    let soft_turn =
        !ctx.soft.is_empty() && (ctx.hard.is_empty() || rng.random::<f64>() < soft_moves);
    if soft_turn {
        let n = ctx.soft[rng.random_range(0..ctx.soft.len())];
        let (x, y) = if rng.random::<f64>() < 0.15 {
            match ctx.centroid(pl, n) {
                Some((cx, cy)) => {
                    let t: f64 = rng.random();
                    (pl.x[n] + t * (cx - pl.x[n]), pl.y[n] + t * (cy - pl.y[n]))
                }
                None => return Proposal::Illegal,
            }
        } else {
            (
                pl.x[n] + radius * (2.0 * rng.random::<f64>() - 1.0),
                pl.y[n] + radius * (2.0 * rng.random::<f64>() - 1.0),
            )
        };
        let (x, y) = ctx.clamp_soft(n, x, y);
        return Proposal::Done(st.move_node(NodeId(n as u32), x, y));
    }
    let n = ctx.hard[rng.random_range(0..ctx.hard.len())];
    let r: f64 = rng.random();
    // Without flips the other moves share their probability mass.
    let r = if ctx.flips { r } else { 0.9 * r };
    if r < 0.6 {
        // Shift, along one axis or both.
        let (mut dx, mut dy) = (
            radius * (2.0 * rng.random::<f64>() - 1.0),
            radius * (2.0 * rng.random::<f64>() - 1.0),
        );
        match rng.random_range(0..3) {
            0 => dx = 0.0,
            1 => dy = 0.0,
            _ => {}
        }
        let (x, y) = (pl.x[n] + dx, pl.y[n] + dy);
        if !ctx.hard_ok(pl, n, x, y, usize::MAX) {
            return Proposal::Illegal;
        }
        Proposal::Done(st.move_node(NodeId(n as u32), x, y))
    } else if r < 0.8 {
        if ctx.hard.len() < 2 {
            return Proposal::Illegal;
        }
        let m = ctx.hard[rng.random_range(0..ctx.hard.len())];
        if m == n {
            return Proposal::Illegal;
        }
        let (xn, yn, xm, ym) = (pl.x[n], pl.y[n], pl.x[m], pl.y[m]);
        if !ctx.hard_ok(pl, n, xm, ym, m) || !ctx.hard_ok(pl, m, xn, yn, n) {
            return Proposal::Illegal;
        }
        // The two new boxes must not overlap each other either.
        let nl = ctx.netlist;
        let ox = (nl.node_width()[n] + nl.node_width()[m]) / 2.0 - (xm - xn).abs();
        let oy = (nl.node_height()[n] + nl.node_height()[m]) / 2.0 - (ym - yn).abs();
        if ox > 0.0 && oy > 0.0 {
            return Proposal::Illegal;
        }
        Proposal::Done(st.swap(NodeId(n as u32), NodeId(m as u32)))
    } else if r < 0.9 {
        let c = ctx.canvas;
        let u: f64 = rng.random();
        let (x, y) = match ctx.jumps.as_ref().and_then(|j| j.draw(n, u)) {
            Some(t) => t,
            None => (
                c.x0 + u * (c.x1 - c.x0),
                c.y0 + rng.random::<f64>() * (c.y1 - c.y0),
            ),
        };
        if !ctx.hard_ok(pl, n, x, y, usize::MAX) {
            return Proposal::Illegal;
        }
        Proposal::Done(st.move_node(NodeId(n as u32), x, y))
    } else {
        let o = FLIPS[rng.random_range(0..4)];
        if o == pl.orient[n] {
            return Proposal::Illegal;
        }
        Proposal::Done(st.flip(NodeId(n as u32), o))
    }
}

struct Chain<'a> {
    state: CostState<'a>,
    rng: SmallRng,
    best: f64,
    best_placement: Placement,
    accepted: u64,
    illegal: u64,
}

/// Anneals `start` (which should be legal: see [`crate::macros::legalize`]); returns the best placement.
/// `progress` is called after every epoch.
pub fn anneal(
    netlist: &Netlist,
    start: &Placement,
    params: &CostParams,
    opts: &AnnealOptions,
    progress: &mut dyn FnMut(&Progress),
) -> AnnealOutcome {
    let t_start = Instant::now();
    let fp = netlist.floorplan();
    let movable = |k: NodeKind| {
        (0..netlist.num_nodes())
            .filter(|&n| netlist.node_kind()[n] == k && !netlist.node_fixed()[n])
            .collect::<Vec<_>>()
    };
    let fixed_hard: Vec<Rect> = (0..netlist.num_nodes())
        .filter(|&n| netlist.node_kind()[n] == NodeKind::HardMacro && netlist.node_fixed()[n])
        .map(|n| {
            let (w, h) = (netlist.node_width()[n], netlist.node_height()[n]);
            Rect::centred(start.x[n], start.y[n], w, h)
        })
        .collect();
    let ctx = Ctx {
        netlist,
        hard: movable(NodeKind::HardMacro),
        soft: movable(NodeKind::SoftMacro),
        blockages: fp
            .blockages
            .iter()
            .map(|b| b.rect())
            .chain(fixed_hard)
            .collect(),
        canvas: fp.canvas(),
        flips: opts.flips,
        side: fp.width.max(fp.height),
        jumps: opts.jumps.clone(),
    };
    let chains_n = opts.chains.max(1);
    let base = CostState::new(netlist, start.clone(), params.clone());
    let start_cost = base.cost().proxy_cost;
    let mut out = AnnealOutcome {
        placement: start.clone(),
        proxy: start_cost,
        iterations: 0,
        accepted: 0,
        illegal: 0,
        start_temperature: 0.0,
        trajectory: vec![TrajectoryPoint {
            seconds: 0.0,
            iterations: 0,
            best: start_cost,
            current: start_cost,
        }],
        rank_iterations: vec![0],
    };
    if ctx.hard.is_empty() && ctx.soft.is_empty() {
        return out;
    }

    // Calibration: mean uphill Δ of trial moves at a mid-size radius (each undone).
    let mut cal = base.clone();
    let mut rng = SmallRng::seed_from_u64(opts.seed ^ 0x9e37_79b9_7f4a_7c15);
    let (mut up_sum, mut up_n) = (0.0, 0usize);
    for _ in 0..400 {
        if let Proposal::Done(c) =
            propose(&ctx, &mut cal, &mut rng, 0.05 * ctx.side, opts.soft_moves)
        {
            if c > start_cost {
                up_sum += c - start_cost;
                up_n += 1;
            }
            cal.undo();
        }
    }
    let mean_up = if up_n > 0 { up_sum / up_n as f64 } else { 1e-4 };
    let t0 = -mean_up / opts.start_acceptance.clamp(1e-6, 0.999).ln();
    out.start_temperature = t0;

    let group = crate::ranks::group();
    let (rank, ranks_n) = if opts.solo {
        (0, 1)
    } else {
        (group.rank(), group.size())
    };
    let mut chains: Vec<Chain> = (0..chains_n)
        .map(|c| Chain {
            state: base.clone(),
            rng: SmallRng::seed_from_u64(opts.seed.wrapping_add((rank * chains_n + c) as u64)),
            best: start_cost,
            best_placement: start.clone(),
            accepted: 0,
            illegal: 0,
        })
        .collect();
    let mut iterations = 0u64;
    loop {
        let elapsed = t_start.elapsed().as_secs_f64();
        let mut frac = opts.budget.progress(elapsed, iterations);
        // The schedule follows the iterations when they are budgeted, but the seconds, when
        // given too, still end the run (a cap: the result then depends on timing).
        if opts.budget.exhausted(elapsed, iterations) {
            frac = frac.max(1.0);
        }
        if ranks_n > 1 {
            frac = crate::ranks::max_f64(frac);
        }
        if frac >= 1.0 {
            break;
        }
        let temp = t0 * opts.end_ratio.powf(frac);
        let radius = ctx.side * (0.25 * (temp / t0).sqrt()).max(0.004);
        // The last epoch is cut to the iteration budget.
        let per_chain = match opts.budget.iterations {
            Some(n) => opts
                .epoch
                .min((n - iterations).div_ceil(chains_n as u64))
                .max(1),
            None => opts.epoch,
        };
        let ctx = &ctx;
        chains.par_iter_mut().for_each(|ch| {
            for _ in 0..per_chain {
                let before = ch.state.cost().proxy_cost;
                match propose(ctx, &mut ch.state, &mut ch.rng, radius, opts.soft_moves) {
                    Proposal::Illegal => ch.illegal += 1,
                    Proposal::Done(c) => {
                        let d = c - before;
                        if d <= 0.0 || ch.rng.random::<f64>() < (-d / temp).exp() {
                            ch.accepted += 1;
                            if c < ch.best {
                                ch.best = c;
                                ch.best_placement.clone_from(ch.state.placement());
                            }
                        } else {
                            ch.state.undo();
                        }
                    }
                }
            }
        });
        iterations += per_chain * chains_n as u64;
        // Go with the winners.
        let lead = (0..chains_n)
            .min_by(|&a, &b| {
                chains[a]
                    .state
                    .cost()
                    .proxy_cost
                    .total_cmp(&chains[b].state.cost().proxy_cost)
                    .then(a.cmp(&b))
            })
            .unwrap_or(0);
        let mut lead_cost = chains[lead].state.cost().proxy_cost;
        if ranks_n > 1 {
            // The job's lead chain, copied to every rank that has a chain far behind it.
            let (job_lead, lead_rank) = crate::ranks::argmin_f64(lead_cost);
            let mut lead_pl = chains[lead].state.placement().clone();
            crate::ranks::broadcast_placement(lead_rank, &mut lead_pl);
            let mut copy: Option<CostState> = None;
            for ch in chains.iter_mut() {
                if ch.state.cost().proxy_cost > job_lead * (1.0 + opts.restart_gap) {
                    let st = copy.get_or_insert_with(|| {
                        CostState::new(netlist, lead_pl.clone(), params.clone())
                    });
                    ch.state = st.clone();
                }
            }
            lead_cost = job_lead;
        }
        for c in 0..chains_n {
            if c != lead && chains[c].state.cost().proxy_cost > lead_cost * (1.0 + opts.restart_gap)
            {
                chains[c].state = chains[lead].state.clone();
            }
        }
        let mut best = chains
            .iter()
            .map(|c| c.best)
            .fold(f64::INFINITY, f64::min)
            .min(start_cost);
        if ranks_n > 1 {
            best = crate::ranks::argmin_f64(best).0;
        }
        let point = TrajectoryPoint {
            seconds: t_start.elapsed().as_secs_f64(),
            iterations,
            best,
            current: lead_cost,
        };
        out.trajectory.push(point);
        progress(&Progress {
            fraction: opts
                .budget
                .progress(t_start.elapsed().as_secs_f64(), iterations)
                .min(1.0),
            point,
        });
    }
    out.iterations = iterations;
    for ch in &chains {
        out.accepted += ch.accepted;
        out.illegal += ch.illegal;
        if ch.best < out.proxy {
            out.proxy = ch.best;
            out.placement.clone_from(&ch.best_placement);
        }
    }
    out.rank_iterations = vec![iterations];
    if ranks_n > 1 {
        // The job's best placement on every rank.
        let (best, best_rank) = crate::ranks::argmin_f64(out.proxy);
        crate::ranks::broadcast_placement(best_rank, &mut out.placement);
        out.proxy = best;
        out.rank_iterations = crate::ranks::all_gather(iterations as f64)
            .into_iter()
            .map(|v| v as u64)
            .collect();
        out.iterations = out.rank_iterations.iter().sum();
    }
    out
}
