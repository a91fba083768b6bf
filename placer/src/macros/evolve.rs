//! Evolutionary search in the WireMask-BBO style.
//!
//! A candidate is a decoding order of the movable hard macros and a target centre for each; it
//! is **decoded** greedily ([`crate::macros::greedy::decode`]: macros in the candidate's order, each to
//! the legal grid cell minimising wire mask + `steer` × distance to its target), and its fitness
//! is the exact proxy cost of the decoded placement after capacity spreading of the soft macros
//! ([`crate::macros::force::spread`], so that density counts as it will after cluster placement).
//! Decoding is written back into the candidate (its targets become the decoded centres), as
//! WireMask-BBO does. The first candidate is plain greedy: connected-area order, the start's
//! positions as targets.
//!
//! A (μ + λ) loop: each generation makes λ children from uniformly chosen parents by mutation —
//! swap two macros in the order, swap two macros' targets, move one target to a random point, or
//! shift a few targets by a random offset — and keeps the μ best of parents and children (ties:
//! older first). Children are decoded in
//! parallel (rayon); each child's random stream is seeded from (seed, generation, index), so an
//! evaluation budget gives the same result for any thread count.
//!
//! Under MPI ([`crate::ranks`]) every rank evolves its own population (rank 0 with the
//! single-process streams); after every generation the job's best individual joins every
//! population whose best it beats, and at the end every rank returns the job's best.

use std::time::Instant;

use netlists::{Netlist, Placement};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;

use crate::cost::{CostParams, proxy_cost};
use crate::macros::anneal::{Budget, Progress, TrajectoryPoint};
use crate::macros::greedy::{decode, macro_order};
use crate::macros::legalize::LegalizeError;
use crate::macros::masks::MaskGrid;

/// Settings of [`evolve`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EvolveOptions {
    /// Seed of every random choice.
    pub seed: u64,
    /// When to stop (`iterations` counts decoded candidates).
    pub budget: Budget,
    /// Parents kept (μ).
    pub parents: usize,
    /// Children per generation (λ).
    pub children: usize,
    /// Mask grid along the canvas's longer side.
    pub grid: usize,
    /// Weight of the distance to the target in decoding (HPWL units per µm).
    pub steer: f64,
}

impl Default for EvolveOptions {
    fn default() -> Self {
        EvolveOptions {
            seed: 1,
            budget: Budget {
                seconds: Some(60.0),
                iterations: None,
            },
            parents: 4,
            children: 8,
            grid: 128,
            steer: 0.05,
        }
    }
}

/// The result of [`evolve`].
#[derive(Debug, Clone)]
pub struct EvolveOutcome {
    /// The best decoded placement.
    pub placement: Placement,
    /// Its proxy cost.
    pub proxy: f64,
    /// Candidates decoded.
    pub evaluations: u64,
    /// Generations run.
    pub generations: u64,
    /// Cost over time.
    pub trajectory: Vec<TrajectoryPoint>,
}

#[derive(Clone)]
struct Individual {
    /// Decoding order (node ids).
    order: Vec<usize>,
    /// Target of each macro of `order`, aligned with it.
    targets: Vec<(f64, f64)>,
    placement: Placement,
    cost: f64,
    born: u64,
}

/// Runs the search from `start` (its hard-macro positions are the first candidate).
pub fn evolve(
    netlist: &Netlist,
    start: &Placement,
    params: &CostParams,
    opts: &EvolveOptions,
    progress: &mut dyn FnMut(&Progress),
) -> Result<EvolveOutcome, LegalizeError> {
    let t0 = Instant::now();
    let order = macro_order(netlist);
    let (cols, rows) = crate::macros::greedy::grid_dims(netlist, opts.grid);
    let grid = MaskGrid::over_canvas(netlist, cols, rows);
    let fp = netlist.floorplan();
    let soft: Vec<usize> = (0..netlist.num_nodes())
        .filter(|&n| {
            netlist.node_kind()[n] == netlists::NodeKind::SoftMacro && !netlist.node_fixed()[n]
        })
        .collect();
    let eval = |order: Vec<usize>,
                targets: Vec<(f64, f64)>,
                born: u64|
     -> Result<Individual, LegalizeError> {
        let mut placement = decode(netlist, start, &order, &targets, &grid, opts.steer)?;
        crate::macros::force::spread(netlist, &mut placement, params, &soft, 1.0);
        let cost = proxy_cost(netlist, &placement, params).proxy_cost;
        let targets = order
            .iter()
            .map(|&n| (placement.x[n], placement.y[n]))
            .collect();
        Ok(Individual {
            order,
            targets,
            placement,
            cost,
            born,
        })
    };
    let first: Vec<(f64, f64)> = order.iter().map(|&n| (start.x[n], start.y[n])).collect();
    let mut pop = vec![eval(order.clone(), first, 0)?];
    let mut evaluations = 1u64;
    let mut trajectory = vec![TrajectoryPoint {
        seconds: t0.elapsed().as_secs_f64(),
        iterations: 1,
        best: pop[0].cost,
        current: pop[0].cost,
    }];
    let mut generation = 0u64;
    let lambda = opts.children.max(1);
    let mu = opts.parents.max(1);
    let side = fp.width.max(fp.height);
    let group = crate::ranks::group();
    let (rank, ranks_n) = (group.rank(), group.size());
    // Rank 0 draws what a single process draws; the others their own streams.
    let seed = opts
        .seed
        .wrapping_add((rank as u64).wrapping_mul(0x5851_f42d_4c95_7f2d));
    while !order.is_empty() {
        let secs = t0.elapsed().as_secs_f64();
        let mut stop = opts.budget.exhausted(secs, evaluations);
        let mut frac = opts.budget.progress(secs, evaluations).min(1.0);
        if ranks_n > 1 {
            stop = crate::ranks::any(stop);
            frac = crate::ranks::max_f64(frac);
        }
        if stop {
            break;
        }
        generation += 1;
        let n_children = match opts.budget.iterations {
            Some(n) => (lambda as u64).min(n - evaluations) as usize,
            None => lambda,
        };
        // Shift radius shrinks from 10% to 1% of the canvas over the budget.
        let radius = side * (0.1 * (1.0 - frac) + 0.01 * frac);
        let parents = &pop;
        let children: Vec<Result<Individual, LegalizeError>> = (0..n_children)
            .into_par_iter()
            .map(|k| {
                let mut rng = SmallRng::seed_from_u64(
                    seed.wrapping_mul(0x9e37_79b9_7f4a_7c15)
                        .wrapping_add(generation << 20)
                        .wrapping_add(k as u64),
                );
                let parent = &parents[rng.random_range(0..parents.len())];
                let mut t = parent.targets.clone();
                let mut o = parent.order.clone();
                let m = t.len();
                match rng.random_range(0..4) {
                    // Swap two macros' places in the order (each keeps its target).
                    0 if m >= 2 => {
                        let a = rng.random_range(0..m);
                        let b = (a + rng.random_range(1..=8.min(m - 1))) % m;
                        o.swap(a, b);
                        t.swap(a, b);
                    }
                    // Swap two macros' targets.
                    1 if m >= 2 => {
                        let (a, b) = (rng.random_range(0..m), rng.random_range(0..m));
                        let (ta, tb) = (t[a], t[b]);
                        t[a] = tb;
                        t[b] = ta;
                    }
                    2 => {
                        let a = rng.random_range(0..m);
                        t[a] = (
                            fp.x_min + rng.random::<f64>() * fp.width,
                            fp.y_min + rng.random::<f64>() * fp.height,
                        );
                    }
                    _ => {
                        let count = rng.random_range(1..=3.min(m));
                        for _ in 0..count {
                            let a = rng.random_range(0..m);
                            t[a].0 += radius * (2.0 * rng.random::<f64>() - 1.0);
                            t[a].1 += radius * (2.0 * rng.random::<f64>() - 1.0);
                        }
                    }
                }
                eval(o, t, generation)
            })
            .collect();
        evaluations += n_children as u64;
        for c in children {
            pop.push(c?);
        }
        pop.sort_by(|a, b| a.cost.total_cmp(&b.cost).then(a.born.cmp(&b.born)));
        pop.truncate(mu);
        if ranks_n > 1 {
            // Go with the winners across ranks: the job's best individual joins every
            // population it beats the best of.
            let (job_best, from) = crate::ranks::argmin_f64(pop[0].cost);
            let m = order.len();
            let mut buf = vec![0.0; 3 * m];
            if rank == from {
                for (i, (&n, &(x, y))) in pop[0].order.iter().zip(&pop[0].targets).enumerate() {
                    (buf[i], buf[m + i], buf[2 * m + i]) = (n as f64, x, y);
                }
            }
            crate::ranks::broadcast(from, &mut buf);
            if rank != from && job_best < pop[0].cost {
                let o = buf[..m].iter().map(|&v| v as usize).collect();
                let t = (0..m).map(|i| (buf[m + i], buf[2 * m + i])).collect();
                pop.insert(0, eval(o, t, generation)?);
                pop.sort_by(|a, b| a.cost.total_cmp(&b.cost).then(a.born.cmp(&b.born)));
                pop.truncate(mu);
            }
        }
        let point = TrajectoryPoint {
            seconds: t0.elapsed().as_secs_f64(),
            iterations: evaluations,
            best: pop[0].cost,
            current: pop[pop.len() - 1].cost,
        };
        trajectory.push(point);
        progress(&Progress {
            fraction: frac.min(1.0),
            point,
        });
    }
    let mut best = pop.swap_remove(0);
    if ranks_n > 1 {
        // The job's best on every rank.
        let (job_best, from) = crate::ranks::argmin_f64(best.cost);
        crate::ranks::broadcast_placement(from, &mut best.placement);
        best.cost = job_best;
        evaluations = crate::ranks::all_gather(evaluations as f64)
            .iter()
            .map(|&v| v as u64)
            .sum();
    }
    Ok(EvolveOutcome {
        placement: best.placement,
        proxy: best.cost,
        evaluations,
        generations: generation,
        trajectory,
    })
}
