//! The placement flows behind `macroplace place --method greedy|ea|sa`: each starts by
//! legalizing the input ([`crate::macros::legalize`]), runs its method, places the soft macros and
//! checks the result. Every flow returns the exact cost of what it returns, its legality, a cost
//! trajectory and the time of each stage.
//!
//! - `greedy`: wire-mask greedy decoding of the hard macros, then cluster placement.
//! - `ea`: evolutionary search over decoded candidates, then cluster placement.
//! - `sa`: force-directed clusters, then annealing of hard and soft macros together.
//! - `clusters`: the hard macros stay where the start puts them, then cluster placement (what
//!   follows a learned policy's decoding when nothing refines it).
//!
//! **Cluster placement** = the force-directed placer ([`crate::macros::force`]) followed by a short
//! soft-macro-only anneal of `cluster_moves` moves (exact cost, low start temperature), so the
//! clusters end where the exact cost wants them.

use std::time::Instant;

use netlists::{Netlist, Placement};

use crate::cost::legality::{Violation, check};
use crate::cost::{CostParams, ProxyCost, proxy_cost};
use crate::macros::anneal::{AnnealOptions, Budget, Progress, TrajectoryPoint, anneal};
use crate::macros::evolve::{EvolveOptions, evolve};
use crate::macros::force::{ForceOptions, place_soft_macros};
use crate::macros::legalize::{LegalizeError, LegalizeReport, legalize};

/// A placement method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Wire-mask greedy.
    Greedy,
    /// Evolutionary search over greedy decodings.
    Ea,
    /// Simulated annealing.
    Sa,
    /// Hard macros stay where the start puts them; cluster placement only (the finishing
    /// stage after a learned policy).
    Clusters,
}

/// Settings of [`place`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PlaceOptions {
    /// The method.
    pub method: Method,
    /// Seed of every random choice.
    pub seed: u64,
    /// Budget of the main stage (ea: candidates; sa: moves; greedy: unused). Wall-clock seconds
    /// are the whole run's.
    pub budget: Budget,
    /// Parallel chains (sa) / children per generation are `2 × chains` (ea).
    pub chains: usize,
    /// Mask grid along the longer canvas side (greedy, ea).
    pub grid: usize,
    /// Moves of the soft-macro polish after greedy and ea (0 = none).
    pub cluster_moves: u64,
    /// Force-directed settings.
    pub force: ForceOptions,
    /// Probability of accepting an average uphill move at the start of `sa` (lower: a cooler
    /// start that keeps more of a good start placement).
    pub start_acceptance: f64,
    /// Whether hard macros may be flipped; off, every hard macro is put back in its netlist
    /// orientation at the start and stays there.
    pub flips: bool,
    /// sa: where hard-macro jumps land (a learned policy's cells, see
    /// [`crate::macros::anneal::JumpTargets`]); uniform when none.
    #[serde(skip)]
    pub jumps: Option<std::sync::Arc<crate::macros::anneal::JumpTargets>>,
}

impl Default for PlaceOptions {
    fn default() -> Self {
        PlaceOptions {
            method: Method::Sa,
            seed: 1,
            budget: Budget {
                seconds: Some(60.0),
                iterations: None,
            },
            chains: 2,
            grid: 128,
            cluster_moves: 100_000,
            force: ForceOptions::default(),
            start_acceptance: AnnealOptions::default().start_acceptance,
            flips: true,
            jumps: None,
        }
    }
}

/// Time and cost after one stage.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Stage {
    /// What ran.
    pub name: String,
    /// Its wall time.
    pub seconds: f64,
    /// Proxy cost after it.
    pub proxy: f64,
}

/// Counters of the main stage.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Counters {
    /// Moves (sa, cluster polish) or candidates (ea) tried.
    pub iterations: u64,
    /// Accepted moves (sa).
    pub accepted: u64,
    /// Hard-macro moves rejected as illegal before evaluation (sa).
    pub illegal: u64,
    /// Generations (ea).
    pub generations: u64,
    /// Start temperature (sa).
    pub start_temperature: f64,
    /// Under MPI: the moves (sa) or candidates (ea) of each rank; empty otherwise.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rank_iterations: Vec<u64>,
}

/// The result of [`place`].
#[derive(Debug, Clone)]
pub struct PlaceResult {
    /// The placement.
    pub placement: Placement,
    /// Its exact cost (full evaluation).
    pub cost: ProxyCost,
    /// Its violations (none when the flow worked).
    pub violations: Vec<Violation>,
    /// What the first legalization did.
    pub legalize: LegalizeReport,
    /// Stages in order.
    pub stages: Vec<Stage>,
    /// Counters of the main stage.
    pub counters: Counters,
    /// Best cost over time (seconds from the start of the flow).
    pub trajectory: Vec<TrajectoryPoint>,
}

/// Keeps the points where the best cost changes, at least one per `every` seconds, and the
/// last, so a long run's trajectory stays small.
pub fn thin(points: &[TrajectoryPoint], every: f64) -> Vec<TrajectoryPoint> {
    let mut out: Vec<TrajectoryPoint> = Vec::new();
    for (i, p) in points.iter().enumerate() {
        let keep = match out.last() {
            None => true,
            Some(q) => p.best != q.best || p.seconds - q.seconds >= every || i + 1 == points.len(),
        };
        if keep {
            out.push(*p);
        }
    }
    out
}

/// Runs a flow on `start` (e.g. the input `.plc`); `reference` is where fixed nodes must stay.
pub fn place(
    netlist: &Netlist,
    start: &Placement,
    params: &CostParams,
    opts: &PlaceOptions,
    progress: &mut dyn FnMut(&Progress),
) -> Result<PlaceResult, LegalizeError> {
    let t0 = Instant::now();
    let mut stages = Vec::new();
    let mut trajectory = Vec::new();
    let mut counters = Counters::default();
    let mut stage = |name: &str, t: &mut Instant, pl: &Placement| {
        let proxy = proxy_cost(netlist, pl, params).proxy_cost;
        stages.push(Stage {
            name: name.into(),
            seconds: t.elapsed().as_secs_f64(),
            proxy,
        });
        *t = Instant::now();
        proxy
    };
    let mut t = Instant::now();
    let mut pl = start.clone();
    if !opts.flips {
        for n in 0..netlist.num_nodes() {
            if netlist.node_kind()[n] == netlists::NodeKind::HardMacro && !netlist.node_fixed()[n] {
                pl.orient[n] = netlist.node_orient()[n];
            }
        }
    }
    let start_proxy = proxy_cost(netlist, &pl, params).proxy_cost;
    let report = legalize(netlist, &mut pl)?;
    let c = stage("legalize", &mut t, &pl);
    // A method never hands back worse than what it started from (legalized).
    let legal_start = pl.clone();
    let offset = |pts: &[TrajectoryPoint], base_s: f64, base_i: u64| {
        pts.iter()
            .map(|p| TrajectoryPoint {
                seconds: p.seconds + base_s,
                iterations: p.iterations + base_i,
                ..*p
            })
            .collect::<Vec<_>>()
    };
    trajectory.push(TrajectoryPoint {
        seconds: 0.0,
        iterations: 0,
        best: start_proxy,
        current: start_proxy,
    });
    trajectory.push(TrajectoryPoint {
        seconds: t0.elapsed().as_secs_f64(),
        iterations: 0,
        best: c,
        current: c,
    });
    let remaining = |t0: &Instant| {
        opts.budget
            .seconds
            .map(|s| (s - t0.elapsed().as_secs_f64()).max(0.0))
    };
    let mut wrap = |p: &Progress, base_s: f64| {
        progress(&Progress {
            fraction: p.fraction,
            point: TrajectoryPoint {
                seconds: p.point.seconds + base_s,
                ..p.point
            },
        });
    };
    match opts.method {
        Method::Greedy | Method::Ea | Method::Clusters => {
            if opts.method == Method::Clusters {
                // Hard macros as given (legalized above).
            } else if opts.method == Method::Greedy {
                let (cols, rows) = crate::macros::greedy::grid_dims(netlist, opts.grid);
                pl = crate::macros::greedy::greedy(netlist, &pl, cols, rows)?;
                stage("greedy", &mut t, &pl);
            } else {
                // Leave time for the cluster stages (about 2 s per 100k polish moves on
                // ariane133), at most half the budget.
                let reserve = 0.5 + 3e-5 * opts.cluster_moves as f64;
                let eo = EvolveOptions {
                    seed: opts.seed,
                    budget: Budget {
                        seconds: remaining(&t0).map(|s| (s - reserve).max(0.5 * s)),
                        iterations: opts.budget.iterations,
                    },
                    parents: 4,
                    children: 2 * opts.chains.max(1),
                    grid: opts.grid,
                    ..EvolveOptions::default()
                };
                let base_s = t0.elapsed().as_secs_f64();
                let out = evolve(netlist, &pl, params, &eo, &mut |p| wrap(p, base_s))?;
                counters.iterations = out.evaluations;
                counters.generations = out.generations;
                trajectory.extend(offset(&out.trajectory, base_s, 0));
                pl = out.placement;
                stage("evolve", &mut t, &pl);
            }
            let has_soft = (0..netlist.num_nodes()).any(|n| {
                netlist.node_kind()[n] == netlists::NodeKind::SoftMacro && !netlist.node_fixed()[n]
            });
            if has_soft {
                place_soft_macros(netlist, &mut pl, params, &opts.force);
                let c = stage("force-directed clusters", &mut t, &pl);
                trajectory.push(TrajectoryPoint {
                    seconds: t0.elapsed().as_secs_f64(),
                    iterations: counters.iterations,
                    best: c,
                    current: c,
                });
            }
            if has_soft && opts.cluster_moves > 0 {
                let ao = AnnealOptions {
                    seed: opts.seed,
                    budget: Budget {
                        seconds: remaining(&t0),
                        iterations: Some(opts.cluster_moves),
                    },
                    chains: opts.chains,
                    soft_moves: 1.0,
                    start_acceptance: 0.05,
                    flips: opts.flips,
                    ..AnnealOptions::default()
                };
                let base_s = t0.elapsed().as_secs_f64();
                let base_i = counters.iterations;
                let out = anneal(netlist, &pl, params, &ao, &mut |p| wrap(p, base_s));
                trajectory.extend(offset(&out.trajectory[1..], base_s, base_i));
                pl = out.placement;
                stage("cluster anneal", &mut t, &pl);
            }
        }
        Method::Sa => {
            place_soft_macros(netlist, &mut pl, params, &opts.force);
            let c = stage("force-directed clusters", &mut t, &pl);
            trajectory.push(TrajectoryPoint {
                seconds: t0.elapsed().as_secs_f64(),
                iterations: 0,
                best: c,
                current: c,
            });
            let ao = AnnealOptions {
                seed: opts.seed,
                budget: Budget {
                    seconds: remaining(&t0),
                    iterations: opts.budget.iterations,
                },
                chains: opts.chains,
                start_acceptance: opts.start_acceptance,
                flips: opts.flips,
                jumps: opts.jumps.clone(),
                ..AnnealOptions::default()
            };
            let base_s = t0.elapsed().as_secs_f64();
            let out = anneal(netlist, &pl, params, &ao, &mut |p| wrap(p, base_s));
            counters.iterations = out.iterations;
            counters.accepted = out.accepted;
            counters.illegal = out.illegal;
            counters.start_temperature = out.start_temperature;
            if out.rank_iterations.len() > 1 {
                counters.rank_iterations = out.rank_iterations.clone();
            }
            trajectory.extend(offset(&out.trajectory[1..], base_s, 0));
            pl = out.placement;
            stage("anneal", &mut t, &pl);
        }
    }
    let mut cost = proxy_cost(netlist, &pl, params);
    if cost.proxy_cost > c {
        pl = legal_start;
        cost = proxy_cost(netlist, &pl, params);
        stage(
            "kept the legalized start (better than the result)",
            &mut t,
            &pl,
        );
    }
    let violations = check(netlist, &pl, Some(start));
    let trajectory = thin(&trajectory, 1.0);
    Ok(PlaceResult {
        placement: pl,
        cost,
        violations,
        legalize: report,
        stages,
        counters,
        trajectory,
    })
}
