//! Policy-guided search: turns a trained [`Policy`] into placements, for
//! `macroplace place --method rl`.
//!
//! Three decoders, all in the environment's protocol ([`placer::env`]: the hard macros in the
//! environment's order, each on a legal grid cell, the clusters spread at the end, the exact
//! proxy cost of the result):
//!
//! - **greedy**: the most likely legal cell at every step (one episode);
//! - **beam**: `beam` partial placements are kept; each is extended by its policy's `expand`
//!   most likely legal cells, every extension is stepped in a cloned environment, and the `beam`
//!   extensions with the highest exact return so far survive (the policy proposes, the exact
//!   cost disposes: the return is −Δ wirelength per step and −proxy in total);
//! - **samples**: episodes sampled from the policy, [`SAMPLE_BATCH`] environments in lockstep
//!   with the network evaluated once per batch, until `samples` episodes or the time is up;
//! - **mcts**: a tree search over partial placements ([`crate::mcts`]): the policy's priors,
//!   its value head at the frontier (in proxy units from the episodes above), the exact proxy
//!   at complete placements, `mcts` simulations per move in the first game and twice as many in
//!   each next one, until `mcts_games` or the time is up (a game cut by time finishes on its
//!   visit counts).
//!
//! The best episode by exact proxy wins. Sampling draws from a generator seeded with `seed` (not
//! libtorch's global one), so the result does not depend on the number of threads or on other
//! users of libtorch; with a time limit, how many samples fit depends on the machine.

use std::time::Instant;

use netlists::{Netlist, Placement};
use placer::cost::CostParams;
use placer::env::{EnvError, Observation, PlaceEnv};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;
use tch::{Device, Kind, Tensor};

use crate::policy::{Batch, DesignGraph, Policy};

/// Environments sampled in lockstep.
pub const SAMPLE_BATCH: usize = 4;

/// Settings of [`search`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SearchOptions {
    /// Grid cells along the longer canvas side (the checkpoint's grid).
    pub grid: usize,
    /// Sampled episodes (0 = none).
    pub samples: usize,
    /// Beam width (0 = no beam search).
    pub beam: usize,
    /// Cells tried per beam entry and step.
    pub expand: usize,
    /// Seed of the sampling.
    pub seed: u64,
    /// Wall-clock limit of the search (the greedy episode always runs).
    pub seconds: Option<f64>,
    /// Tree-search simulations per move (0 = no tree search).
    pub mcts: usize,
    /// Children per tree node (the policy's most likely legal cells).
    pub mcts_expand: usize,
    /// Tree-search games (each one complete placement, plus those its simulations reach).
    pub mcts_games: usize,
    /// `rl` with `sa` refinement: hard-macro jumps drawn from the policy's this many most likely
    /// cells per macro ([`jump_targets`] of the best decoding; 0 = uniform jumps).
    pub policy_jumps: usize,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions {
            grid: 64,
            samples: 16,
            beam: 4,
            expand: 4,
            seed: 1,
            seconds: None,
            mcts: 0,
            mcts_expand: 8,
            mcts_games: 1,
            policy_jumps: 0,
        }
    }
}

/// One finished decoding.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Episode {
    /// Which decoder produced it: `greedy`, `beam`, `sample` or `mcts`.
    pub decoder: &'static str,
    /// Its exact proxy cost.
    pub proxy: f64,
    /// Seconds since the start of the search when it finished.
    pub seconds: f64,
}

/// The result of [`search`].
#[derive(Debug, Clone)]
pub struct SearchResult {
    /// The best placement (hard macros placed, clusters spread).
    pub placement: Placement,
    /// Its proxy cost.
    pub proxy: f64,
    /// The decoder that found it.
    pub decoder: &'static str,
    /// Every finished episode, in order.
    pub episodes: Vec<Episode>,
}

impl SearchResult {
    /// The report of this search for `place`'s `report.json`: the checkpoint (folder, update,
    /// designs), the device, the settings and every decoding.
    pub fn report(
        &self,
        policy_dir: &std::path::Path,
        sidecar: &crate::train::Sidecar,
        device: &str,
        opts: &SearchOptions,
    ) -> placer::report::SearchReport {
        placer::report::SearchReport {
            policy: policy_dir.display().to_string(),
            policy_update: sidecar.update,
            policy_designs: sidecar.designs.clone(),
            device: device.to_string(),
            options: serde_json::to_value(opts).unwrap_or(serde_json::Value::Null),
            best_decoder: self.decoder.to_string(),
            best_proxy: self.proxy,
            episodes: self
                .episodes
                .iter()
                .map(|e| placer::report::SearchEpisode {
                    decoder: e.decoder.to_string(),
                    proxy: e.proxy,
                    seconds: e.seconds,
                })
                .collect(),
        }
    }
}

struct Best {
    placement: Option<Placement>,
    proxy: f64,
    decoder: &'static str,
    episodes: Vec<Episode>,
    t0: Instant,
}

impl Best {
    fn offer(&mut self, decoder: &'static str, proxy: f64, placement: &Placement) {
        self.episodes.push(Episode {
            decoder,
            proxy,
            seconds: self.t0.elapsed().as_secs_f64(),
        });
        if self.placement.is_none() || proxy < self.proxy {
            self.placement = Some(placement.clone());
            self.proxy = proxy;
            self.decoder = decoder;
        }
    }
}

/// Index drawn with probability proportional to `p` (inverse CDF; the last positive entry when
/// rounding leaves the draw past the total).
fn sample_index(p: &[f32], rng: &mut SmallRng) -> usize {
    let total: f64 = p.iter().map(|&v| v as f64).sum();
    let mut u = rng.random::<f64>() * total;
    let mut last = 0;
    for (i, &v) in p.iter().enumerate() {
        if v > 0.0 {
            last = i;
            u -= v as f64;
            if u < 0.0 {
                return i;
            }
        }
    }
    last
}

/// Log-probabilities `[B, cells]` of the policy at the environments' current steps.
fn log_probs(
    policy: &Policy,
    graph: &DesignGraph,
    envs: &[&PlaceEnv],
    obs: &mut Vec<Observation>,
) -> Tensor {
    obs.resize(envs.len(), Observation::default());
    envs.par_iter()
        .zip(obs.par_iter_mut())
        .for_each(|(e, o)| e.observe(o));
    let refs: Vec<&Observation> = obs.iter().collect();
    let batch = Batch::from_observations(&refs, graph, policy.vs.device());
    tch::no_grad(|| {
        policy
            .forward(&batch, graph)
            .0
            .log_softmax(1, Kind::Float)
            .to_device(Device::Cpu)
    })
}

/// Runs the decoders of `opts` on `netlist` from `start` and returns the best placement.
pub fn search(
    policy: &Policy,
    netlist: &Netlist,
    start: &Placement,
    params: &CostParams,
    opts: &SearchOptions,
    progress: &mut dyn FnMut(&Episode, f64),
) -> Result<SearchResult, EnvError> {
    // One observation (or a few) per network call: one intra-op thread is faster.
    let _one_thread = crate::device::OneIntraOpThread::new();
    let t0 = Instant::now();
    let out_of_time = || {
        opts.seconds
            .is_some_and(|s| t0.elapsed().as_secs_f64() >= s)
    };
    let device = policy.vs.device();
    let graph = DesignGraph::new(netlist, device);
    let env_opts = policy.config.env_options(opts.grid);
    let proto = PlaceEnv::new(netlist, start, params, &env_opts);
    let mut best = Best {
        placement: None,
        proxy: f64::INFINITY,
        decoder: "greedy",
        episodes: Vec::new(),
        t0,
    };
    let mut obs = Vec::new();
    let mut report = |best: &Best| {
        if let Some(e) = best.episodes.last() {
            progress(e, best.proxy);
        }
    };

    // Greedy.
    let mut env = proto.clone();
    env.reset();
    let mut proxy = f64::NAN;
    while !env.done() {
        let lp = log_probs(policy, &graph, &[&env], &mut obs);
        let a = lp.argmax(1, false).int64_value(&[0]) as usize;
        if let Some(c) = env.step(a)?.cost {
            proxy = c.proxy_cost;
        }
    }
    best.offer("greedy", proxy, env.placement());
    report(&best);

    // Beam search on the exact return.
    if opts.beam > 0 && !out_of_time() {
        let mut first = proto.clone();
        first.reset();
        let mut beams: Vec<(f64, PlaceEnv)> = vec![(0.0, first)];
        // Out of time mid-search: the partial beams are dropped.
        while beams.iter().any(|(_, e)| !e.done()) && !out_of_time() {
            let envs: Vec<&PlaceEnv> = beams.iter().map(|(_, e)| e).collect();
            let lp = log_probs(policy, &graph, &envs, &mut obs);
            let k = opts.expand.max(1) as i64;
            let (top_lp, top_a) = lp.topk(k, 1, true, true);
            let top_lp = Vec::<f32>::try_from(top_lp.reshape([-1])).unwrap_or_default();
            let top_a = Vec::<i64>::try_from(top_a.reshape([-1])).unwrap_or_default();
            let mut cands: Vec<(usize, usize)> = Vec::new();
            for (b, (_, e)) in beams.iter().enumerate() {
                let any = e.legal().iter().any(|&l| l);
                for j in 0..k as usize {
                    let i = b * k as usize + j;
                    let a = top_a[i] as usize;
                    // Masked cells have log-probability ≈ −1e9: skip them (keep one when
                    // nothing is legal).
                    if top_lp[i] > -1e8 && (!any || e.legal()[a]) || (j == 0 && !any) {
                        cands.push((b, a));
                    }
                }
            }
            let mut next: Vec<(f64, PlaceEnv, f64)> = cands
                .par_iter()
                .map(|&(b, a)| {
                    let mut e = beams[b].1.clone();
                    let out = e.step(a)?;
                    let proxy = out.cost.map_or(f64::NAN, |c| c.proxy_cost);
                    Ok((beams[b].0 + out.reward, e, proxy))
                })
                .collect::<Result<_, EnvError>>()?;
            // Highest return first; ties keep the candidate order (deterministic).
            next.sort_by(|a, b| b.0.total_cmp(&a.0));
            next.truncate(opts.beam);
            if next.iter().all(|(_, e, _)| e.done()) {
                for (_, e, proxy) in &next {
                    best.offer("beam", *proxy, e.placement());
                }
                report(&best);
                break;
            }
            beams = next.into_iter().map(|(r, e, _)| (r, e)).collect();
        }
    }

    // Samples.
    let mut rng = SmallRng::seed_from_u64(opts.seed);
    let mut done = 0;
    while done < opts.samples && !out_of_time() {
        let n = SAMPLE_BATCH.min(opts.samples - done);
        let mut envs: Vec<PlaceEnv> = (0..SAMPLE_BATCH).map(|_| proto.clone()).collect();
        envs.par_iter_mut().for_each(|e| e.reset());
        let mut proxies = [f64::NAN; SAMPLE_BATCH];
        while envs.iter().any(|e| !e.done()) {
            if out_of_time() {
                // Out of time mid-batch: the unfinished episodes are dropped.
                break;
            }
            let active: Vec<usize> = (0..SAMPLE_BATCH).filter(|&i| !envs[i].done()).collect();
            let refs: Vec<&PlaceEnv> = active.iter().map(|&i| &envs[i]).collect();
            let lp = log_probs(policy, &graph, &refs, &mut obs);
            let probs = Vec::<f32>::try_from(lp.exp().reshape([-1])).unwrap_or_default();
            let cells = probs.len() / active.len().max(1);
            let actions: Vec<i64> = probs
                .chunks(cells.max(1))
                .map(|p| sample_index(p, &mut rng) as i64)
                .collect();
            let mut slots: Vec<(usize, &mut PlaceEnv)> = envs
                .iter_mut()
                .enumerate()
                .filter(|(i, _)| active.contains(i))
                .collect();
            let outs: Vec<Result<_, EnvError>> = slots
                .par_iter_mut()
                .enumerate()
                .map(|(k, (_, e))| e.step(actions[k] as usize))
                .collect();
            for (k, o) in outs.into_iter().enumerate() {
                if let Some(c) = o?.cost {
                    proxies[active[k]] = c.proxy_cost;
                }
            }
        }
        // A batch always runs SAMPLE_BATCH environments (a fixed use of the generator); only
        // the first `n` count.
        for i in 0..n {
            if envs[i].done() {
                best.offer("sample", proxies[i], envs[i].placement());
            }
        }
        report(&best);
        done += n;
    }

    // Tree search, its values in the units of the episodes so far.
    if opts.mcts > 0 {
        let mut stats = crate::mcts::ReturnStats::default();
        for e in &best.episodes {
            stats.push(-e.proxy);
        }
        let deadline = opts
            .seconds
            .map(|s| t0 + std::time::Duration::from_secs_f64(s));
        let mo = crate::mcts::MctsOptions {
            simulations: opts.mcts,
            expand: opts.mcts_expand.max(1),
            ..Default::default()
        };
        for g in 0..opts.mcts_games.max(1) {
            if out_of_time() {
                break;
            }
            // The tree search has no randomness: each further game doubles the simulations
            // (an anytime schedule), so it searches deeper instead of repeating itself.
            let mo = crate::mcts::MctsOptions {
                simulations: mo.simulations.saturating_mul(1 << g.min(20)),
                ..mo
            };
            let game = crate::mcts::play(policy, &graph, &proto, &mo, &mut stats, deadline)?;
            for (proxy, pl) in &game.finished {
                best.offer("mcts", *proxy, pl);
            }
            report(&best);
        }
    }

    let placement = best.placement.take().unwrap_or_else(|| start.clone());
    Ok(SearchResult {
        placement,
        proxy: best.proxy,
        decoder: best.decoder,
        episodes: best.episodes,
    })
}

/// The policy's distribution over cells for every hard macro, for annealing's jumps
/// ([`placer::macros::anneal::JumpTargets`]): `placement`'s macros become an episode
/// ([`PlaceEnv::actions_towards`]), which is replayed; at each step the macro to place gets the
/// policy's `top` most likely legal cells (centres) with their probabilities, given the macros
/// placed before it.
pub fn jump_targets(
    policy: &Policy,
    graph: &DesignGraph,
    proto: &PlaceEnv,
    placement: &Placement,
    top: usize,
) -> Result<placer::macros::anneal::JumpTargets, EnvError> {
    let _one_thread = crate::device::OneIntraOpThread::new();
    let mut env = proto.clone();
    let (actions, _) = env.actions_towards(placement)?;
    env.reset();
    let g = *env.grid();
    let mut table = placer::macros::anneal::JumpTargets::new(placement.x.len());
    let mut obs = Vec::new();
    for a in actions {
        let n = env.order()[env.step_index()];
        let lp = log_probs(policy, graph, &[&env], &mut obs);
        let (top_lp, top_a) = lp.topk(top.max(1) as i64, 1, true, true);
        let top_lp = Vec::<f32>::try_from(top_lp.reshape([-1])).unwrap_or_default();
        let top_a = Vec::<i64>::try_from(top_a.reshape([-1])).unwrap_or_default();
        let cells: Vec<(f64, f64, f64)> = top_lp
            .iter()
            .zip(&top_a)
            .filter(|&(&l, &k)| l > -1e8 && env.legal()[k as usize])
            .map(|(&l, &k)| {
                let k = k as usize;
                ((l as f64).exp(), g.cx(k % g.cols), g.cy(k / g.cols))
            })
            .collect();
        table.set(n, &cells);
        env.step(a)?;
    }
    Ok(table)
}

/// Errors of [`place_rl`].
#[derive(Debug, thiserror::Error)]
pub enum RlError {
    /// The environment failed (no legal position anywhere).
    #[error(transparent)]
    Env(#[from] EnvError),
    /// The finishing flow failed.
    #[error(transparent)]
    Legalize(#[from] placer::macros::legalize::LegalizeError),
}

/// The `rl` flow: [`search`] within `search.seconds`, then `finish` (whose method is
/// [`placer::macros::flow::Method::Clusters`], `Sa` or `Ea`) from the best decoding for the rest of
/// `finish.budget`. The result's stages, counters and trajectory cover both parts (times from
/// the start of the search); its trajectory starts with the exact cost of each improvement the
/// search found.
pub fn place_rl(
    policy: &Policy,
    netlist: &Netlist,
    start: &Placement,
    params: &CostParams,
    search_opts: &SearchOptions,
    finish: &placer::macros::flow::PlaceOptions,
    progress: &mut dyn FnMut(&placer::macros::anneal::Progress),
) -> Result<(placer::macros::flow::PlaceResult, SearchResult), RlError> {
    use placer::macros::anneal::{Progress, TrajectoryPoint};
    let t0 = Instant::now();
    let total = finish.budget.seconds;
    let mut best_so_far = f64::INFINITY;
    let mut trajectory = Vec::new();
    let found = search(
        policy,
        netlist,
        start,
        params,
        search_opts,
        &mut |e, best| {
            if best < best_so_far {
                best_so_far = best;
                trajectory.push(TrajectoryPoint {
                    seconds: e.seconds,
                    iterations: 0,
                    best,
                    current: e.proxy,
                });
            }
            let frac = match (search_opts.seconds, total) {
                (Some(s), Some(t)) if t > 0.0 => (e.seconds / t).min(s / t),
                _ => 0.0,
            };
            progress(&Progress {
                fraction: frac,
                point: TrajectoryPoint {
                    seconds: e.seconds,
                    iterations: 0,
                    best,
                    current: e.proxy,
                },
            });
        },
    )?;
    let mut opts = finish.clone();
    if search_opts.policy_jumps > 0 && opts.method == placer::macros::flow::Method::Sa {
        let graph = DesignGraph::new(netlist, policy.vs.device());
        let proto = PlaceEnv::new(
            netlist,
            start,
            params,
            &policy.config.env_options(search_opts.grid),
        );
        let table = jump_targets(
            policy,
            &graph,
            &proto,
            &found.placement,
            search_opts.policy_jumps,
        )?;
        opts.jumps = Some(std::sync::Arc::new(table));
    }
    let search_secs = t0.elapsed().as_secs_f64();
    opts.budget.seconds = total.map(|t| (t - search_secs).max(0.0));
    let mut r = placer::macros::flow::place(netlist, &found.placement, params, &opts, &mut |p| {
        progress(&Progress {
            fraction: match total {
                Some(t) if t > 0.0 => ((p.point.seconds + search_secs) / t).min(1.0),
                _ => p.fraction,
            },
            point: TrajectoryPoint {
                seconds: p.point.seconds + search_secs,
                ..p.point
            },
        })
    })?;
    // The finishing flow starts from the search's best: drop its first point (the cost of its
    // start, which the search already recorded) and shift the rest.
    trajectory.extend(r.trajectory.iter().skip(1).map(|p| TrajectoryPoint {
        seconds: p.seconds + search_secs,
        ..*p
    }));
    r.trajectory = placer::macros::flow::thin(&trajectory, 1.0);
    r.stages.insert(
        0,
        placer::macros::flow::Stage {
            name: format!("policy search ({})", found.episodes.len()),
            seconds: search_secs,
            proxy: found.proxy,
        },
    );
    Ok((r, found))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sampling_follows_the_probabilities_and_never_picks_a_zero() {
        let p = [0.0f32, 0.1, 0.0, 0.6, 0.3, 0.0];
        let mut rng = SmallRng::seed_from_u64(9);
        let mut count = [0usize; 6];
        let n = 20_000;
        for _ in 0..n {
            count[sample_index(&p, &mut rng)] += 1;
        }
        assert_eq!((count[0], count[2], count[5]), (0, 0, 0));
        for (i, &q) in p.iter().enumerate() {
            let f = count[i] as f64 / n as f64;
            assert!((f - q as f64).abs() < 0.015, "cell {i}: {f} vs {q}");
        }
    }
}
