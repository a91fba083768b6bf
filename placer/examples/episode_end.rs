//! Development aid for the environment's episode end: does the proxy an episode ends with rank
//! episodes as the proxy `place` finally reaches from the same macros does? Decodes N episodes
//! ε-greedily on the wire mask (each step the wire-mask argmax, or with probability ε a random
//! legal cell), and for each scores the finished macro placement four ways:
//! - `spread`: the environment's default end (clusters spread from their start), as trained;
//! - `anneal K`: [`placer::env::EpisodeEnd::Anneal`] with K moves (`KS=5000,20000` by default);
//! - `force`: the force-directed cluster placement `place` runs (default stages);
//! - `truth`: `force`, then `place`'s cluster anneal (soft macros only, 100k moves, hard macros
//!   as decoded) — the proxy `place` ends with for those macros.
//!
//! Prints each end's per-episode time and its Spearman correlation with `truth`.
//! Usage: `episode_end NETLIST PLC [GRID] [N] [EPS]`.
mod common;

use placer::cost::proxy_cost;
use placer::env::{EpisodeEnd, PlaceEnv};
use placer::macros::anneal::{AnnealOptions, Budget, anneal};
use placer::macros::force::{ForceOptions, place_soft_macros};
use placer::stats::spearman;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (d, params, eo) = common::env_setup(&args);
    let n: usize = args.get(4).map_or(24, |v| v.parse().expect("N"));
    let eps: f64 = args.get(5).map_or(0.1, |v| v.parse().expect("EPS"));
    let mut env = PlaceEnv::new(&d.netlist, &d.placement, &params, &eo);
    let ks: Vec<u64> = std::env::var("KS").map_or(vec![5000, 20000], |v| {
        v.split(',').map(|x| x.parse().expect("KS")).collect()
    });
    let mut fenvs: Vec<PlaceEnv> = ks
        .iter()
        .map(|&moves| {
            let o = placer::env::EnvOptions {
                end: EpisodeEnd::Anneal { moves },
                ..eo.clone()
            };
            PlaceEnv::new(&d.netlist, &d.placement, &params, &o)
        })
        .collect();
    let mut fast = vec![Vec::new(); ks.len()];
    let mut t_fast = vec![0.0; ks.len()];
    let mut rng = common::uniform(7);
    let (mut spread, mut force, mut truth) = (vec![], vec![], vec![]);
    let (mut t_spread, mut t_force, mut t_truth) = (0.0, 0.0, 0.0);
    for _ in 0..n {
        env.reset();
        let mut actions = Vec::new();
        let t = std::time::Instant::now();
        let mut proxy = f64::NAN;
        while !env.done() {
            let legal: Vec<usize> = (0..env.legal().len()).filter(|&a| env.legal()[a]).collect();
            let a = if legal.is_empty() {
                0
            } else if rng() < eps {
                legal[((rng() * legal.len() as f64) as usize).min(legal.len() - 1)]
            } else {
                *legal
                    .iter()
                    .min_by(|&&a, &&b| env.wire_at(a).total_cmp(&env.wire_at(b)).then(a.cmp(&b)))
                    .unwrap()
            };
            actions.push(a);
            if let Some(c) = env.step(a).expect("step").cost {
                proxy = c.proxy_cost;
            }
        }
        t_spread += t.elapsed().as_secs_f64();
        spread.push(proxy);
        let mut pl = env.placement().clone();
        // The anneal ends, replaying the same actions.
        for (k, fenv) in fenvs.iter_mut().enumerate() {
            let t = std::time::Instant::now();
            fenv.reset();
            let mut fp = f64::NAN;
            for &a in &actions {
                if let Some(c) = fenv.step(a).expect("replay").cost {
                    fp = c.proxy_cost;
                }
            }
            t_fast[k] += t.elapsed().as_secs_f64();
            fast[k].push(fp);
        }
        let t = std::time::Instant::now();
        place_soft_macros(&d.netlist, &mut pl, &params, &ForceOptions::default());
        t_force += t.elapsed().as_secs_f64();
        force.push(proxy_cost(&d.netlist, &pl, &params).proxy_cost);
        let t = std::time::Instant::now();
        let ao = AnnealOptions {
            seed: 1,
            budget: Budget {
                seconds: None,
                iterations: Some(100_000),
            },
            chains: 2,
            soft_moves: 1.0,
            start_acceptance: 0.05,
            ..AnnealOptions::default()
        };
        let out = anneal(&d.netlist, &pl, &params, &ao, &mut |_| {});
        t_truth += t.elapsed().as_secs_f64();
        truth.push(proxy_cost(&d.netlist, &out.placement, &params).proxy_cost);
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    println!(
        "{} episodes, eps {eps}, grid {}: mean proxy truth {:.4}",
        n,
        eo.grid,
        mean(&truth)
    );
    let mut rows = vec![
        ("spread".to_string(), &spread, t_spread),
        ("force".to_string(), &force, t_force),
    ];
    for (k, m) in ks.iter().enumerate() {
        rows.push((format!("anneal {m}"), &fast[k], t_fast[k]));
    }
    for (name, v, t) in rows {
        println!(
            "{name:>12}: {:.1} ms/episode, Spearman with truth {:.3}, mean gap to truth {:.4}",
            1e3 * t / n as f64,
            spearman(v, &truth).unwrap_or(f64::NAN),
            mean(v) - mean(&truth)
        );
    }
    println!(
        " truth: {:.1} ms/episode (force + 100k-move cluster anneal)",
        1e3 * (t_force + t_truth) / n as f64
    );
}
