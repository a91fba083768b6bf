//! Placement-environment benchmark (issue: the learned policy): full episodes on ariane133
//! clustered at G = 128 on one thread — reset, then for each of the 133 hard macros the
//! observation (7 channels of 128×128 plus scalars) and a step with a random legal action (exact
//! masks for the current and next macro), then the episode end (soft-macro spreading and the
//! exact proxy cost). Steps per second = 133 / episode time. The `_live_cost` variant also keeps
//! the partial placement's exact proxy cost (the shaped reward and channels 7–8 that training
//! uses, `EnvOptions::live_cost`).

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use placer::cost::CostParams;
use placer::env::{EnvOptions, Observation, PlaceEnv};

#[path = "../tests/support/mod.rs"]
mod support;

fn env(c: &mut Criterion) {
    let d = support::ariane133();
    let params = CostParams::from_floorplan(d.netlist.floorplan());
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let mut g = c.benchmark_group("env");
    g.warm_up_time(Duration::from_secs(2));
    g.sample_size(20);
    for (name, live_cost) in [
        ("episode_ariane133_g128_1thread", false),
        ("episode_ariane133_g128_1thread_live_cost", true),
    ] {
        let opts = EnvOptions {
            live_cost,
            ..EnvOptions::default()
        };
        let mut env = PlaceEnv::new(&d.netlist, &d.placement, &params, &opts);
        let mut obs = Observation::default();
        let mut rng = support::Rng(1);
        let mut legal: Vec<usize> = Vec::new();
        g.bench_function(name, |bch| {
            bch.iter(|| {
                one.install(|| {
                    env.reset();
                    let mut ret = 0.0;
                    while !env.done() {
                        env.observe(&mut obs);
                        legal.clear();
                        legal.extend((0..obs.legal.len()).filter(|&k| obs.legal[k]));
                        let a = if legal.is_empty() {
                            rng.below(obs.legal.len())
                        } else {
                            legal[rng.below(legal.len())]
                        };
                        ret += env.step(a).unwrap().reward;
                    }
                    ret
                })
            })
        });
    }
    g.finish();
}

criterion_group!(benches, env);
criterion_main!(benches);
