//! Policy and PPO tests on CPU with small generated designs.

use netlists::generate::{GenerateOptions, generate};
use placer::cost::CostParams;
use placer::env::{Observation, PlaceEnv};
use proptest::prelude::*;
use tch::{Device, Kind, Tensor};

use crate::policy::{Batch, DesignGraph, Policy, PolicyConfig};
use crate::ppo::{PpoConfig, Trainer, collect, decode_greedy};

fn toy(seed: u64) -> (netlists::Netlist, netlists::Placement) {
    generate(&GenerateOptions {
        macros: 6,
        clusters: 24,
        seed,
        ..GenerateOptions::default()
    })
    .unwrap()
}

/// `n` environments over a toy design on a `grid` grid (default cost parameters).
fn toy_envs<'a>(
    nl: &'a netlists::Netlist,
    pl: &netlists::Placement,
    n: usize,
    grid: usize,
) -> Vec<PlaceEnv<'a>> {
    let params = CostParams::from_floorplan(nl.floorplan());
    // The options a default (live-cost) network reads.
    let opts = PolicyConfig::default().env_options(grid);
    (0..n)
        .map(|_| PlaceEnv::new(nl, pl, &params, &opts))
        .collect()
}

/// Small, fast training settings for the toy designs: grid 12, two environments, one epoch of
/// 16-transition minibatches, two updates, a checkpoint after each, self-imitation and expert
/// iteration off.
fn toy_train_options() -> crate::train::TrainOptions {
    crate::train::TrainOptions {
        grid: 12,
        ppo: PpoConfig {
            envs: 2,
            epochs: 1,
            minibatch: 16,
            ..PpoConfig::default()
        },
        policy: PolicyConfig::default(),
        seed: 7,
        time_limit: 300.0,
        max_updates: Some(2),
        checkpoint_every: 1,
        command: "test".into(),
        init_from: None,
        expert_moves: 0,
        expert_every: 8,
        expert_acceptance: 0.05,
    }
}

/// A fresh default network saved in `dir` (so that several thread pools load the very same
/// weights: other tests use libtorch's global generator concurrently).
fn saved_default_policy(dir: &std::path::Path) -> std::path::PathBuf {
    let weights = dir.join("w.safetensors");
    Policy::new(Device::Cpu, PolicyConfig::default())
        .vs
        .save(&weights)
        .unwrap();
    weights
}

/// `f` with the network of `weights` (loaded inside) on a rayon pool of `threads` threads.
fn with_policy_on_threads<R: Send>(
    threads: usize,
    weights: &std::path::Path,
    f: impl FnOnce(&Policy) -> R + Send,
) -> R {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(|| {
            let mut policy = Policy::new(Device::Cpu, PolicyConfig::default());
            policy.vs.load(weights).unwrap();
            f(&policy)
        })
}

fn params_of(policy: &Policy) -> Vec<f32> {
    let mut v = Vec::new();
    let mut named = policy.vs.variables().into_iter().collect::<Vec<_>>();
    named.sort_by(|a, b| a.0.cmp(&b.0));
    for (_, t) in named {
        v.extend(Vec::<f32>::try_from(t.flatten(0, -1)).unwrap());
    }
    v
}

#[test]
fn one_ppo_update_changes_the_parameters_and_lowers_the_loss_on_its_batch() {
    tch::manual_seed(3);
    let (nl, pl) = toy(1);
    let mut envs = toy_envs(&nl, &pl, 3, 16);
    let policy = Policy::new(Device::Cpu, PolicyConfig::default());
    let graph = DesignGraph::new(&nl, Device::Cpu);
    let cfg = PpoConfig {
        envs: 3,
        epochs: 4,
        minibatch: 8,
        ..PpoConfig::default()
    };
    let rollout = collect(&policy, &graph, &mut envs, &cfg).unwrap();
    assert_eq!(rollout.transitions.len(), 3 * 6);
    for (r, p) in rollout.episode_returns.iter().zip(&rollout.episode_proxies) {
        assert!((r + p).abs() < 1e-4, "return {r} vs proxy {p}");
    }
    let mut trainer = Trainer::new(&policy, cfg).unwrap();
    let before = params_of(&policy);
    let loss0 = trainer.evaluate(&policy, &graph, &rollout);
    let stats = trainer.update(&policy, &graph, &rollout);
    let loss1 = trainer.evaluate(&policy, &graph, &rollout);
    assert!(stats.entropy.is_finite() && stats.value_loss.is_finite());
    assert_ne!(before, params_of(&policy), "parameters did not change");
    assert!(loss1 < loss0, "loss {loss0} -> {loss1}");
}

#[test]
fn save_then_load_gives_identical_outputs() {
    tch::manual_seed(5);
    let (nl, pl) = toy(2);
    let params = CostParams::from_floorplan(nl.floorplan());
    let mut env = PlaceEnv::new(&nl, &pl, &params, &PolicyConfig::default().env_options(12));
    env.reset();
    let mut obs = Observation::default();
    env.observe(&mut obs);
    let graph = DesignGraph::new(&nl, Device::Cpu);
    let a = Policy::new(Device::Cpu, PolicyConfig::default());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("policy.safetensors");
    a.vs.save(&path).unwrap();
    tch::manual_seed(99);
    let mut b = Policy::new(Device::Cpu, PolicyConfig::default());
    let batch = Batch::from_observations(&[&obs], &graph, Device::Cpu);
    let out = |p: &Policy| {
        let (l, v) = tch::no_grad(|| p.forward(&batch, &graph));
        (
            Vec::<f32>::try_from(l.flatten(0, -1)).unwrap(),
            Vec::<f32>::try_from(v).unwrap(),
        )
    };
    assert_ne!(out(&a), out(&b));
    b.vs.load(&path).unwrap();
    assert_eq!(out(&a), out(&b));
    // Greedy decoding of the same weights gives the same placement cost.
    let pa = decode_greedy(&a, &graph, &mut env).unwrap();
    let pb = decode_greedy(&b, &graph, &mut env).unwrap();
    assert_eq!(pa, pb);
    assert!(pa.is_finite());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

    /// Whatever the maps and the mask, sampled and greedy actions are legal cells.
    #[test]
    fn masked_policy_never_picks_an_illegal_cell(bits in prop::collection::vec(any::<u8>(), 64), seed in 0i64..1000) {
        tch::manual_seed(seed);
        let (nl, _) = toy(3);
        let graph = DesignGraph::new(&nl, Device::Cpu);
        let policy = Policy::new(Device::Cpu, PolicyConfig::default());
        let (r, c) = (8usize, 8usize);
        let mut obs = Observation {
            rows: r,
            cols: c,
            channels: Vec::<f32>::try_from(Tensor::rand([(PolicyConfig::default().channels as usize * r * c) as i64], (Kind::Float, Device::Cpu))).unwrap(),
            scalars: [0.5; placer::env::SCALARS],
            macro_node: 0,
            legal: bits.iter().map(|b| b % 5 == 0).collect(),
            static_of: 0,
        };
        if !obs.legal.iter().any(|&l| l) {
            obs.legal[bits[0] as usize % 64] = true;
        }
        let batch = Batch::from_observations(&[&obs, &obs], &graph, Device::Cpu);
        let (logits, _) = tch::no_grad(|| policy.forward(&batch, &graph));
        let p = logits.softmax(1, Kind::Float);
        let samples = Vec::<i64>::try_from(p.multinomial(200, true).flatten(0, -1)).unwrap();
        for a in samples {
            prop_assert!(obs.legal[a as usize], "picked illegal cell {}", a);
        }
        let g = Vec::<i64>::try_from(logits.argmax(1, false)).unwrap();
        prop_assert!(g.iter().all(|&a| obs.legal[a as usize]));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4096, failure_persistence: None, ..ProptestConfig::default() })]

    /// What a checkpoint's sidecar holds as `f64` (return scales, elite proxies) reads back
    /// bit for bit: a resumed run must see the values the uninterrupted one had (serde_json
    /// parses floats exactly only with its `float_roundtrip` feature; without it a return
    /// mean came back one ulp off and a resumed log differed from the uninterrupted one).
    #[test]
    fn sidecar_floats_read_back_bit_for_bit(bits in any::<u64>(), std_bits in any::<u64>(), rollouts in any::<u64>()) {
        let (mean, std) = (f64::from_bits(bits), f64::from_bits(std_bits));
        prop_assume!(mean.is_finite() && std.is_finite());
        let s = crate::ppo::ReturnScale { mean, std, rollouts };
        for text in [serde_json::to_string(&s).unwrap(), serde_json::to_string_pretty(&s).unwrap()] {
            let back: crate::ppo::ReturnScale = serde_json::from_str(&text).unwrap();
            prop_assert_eq!(back.mean.to_bits(), mean.to_bits(), "{}", text);
            prop_assert_eq!(back.std.to_bits(), std.to_bits(), "{}", text);
            prop_assert_eq!(back.rollouts, rollouts);
        }
    }
}

#[test]
fn training_logs_every_update_and_resume_continues_the_step_counter() {
    let (nl, pl) = toy(4);
    let params = CostParams::from_floorplan(nl.floorplan());
    let designs = [crate::train::Design {
        name: "toy".into(),
        netlist: &nl,
        start: &pl,
        params,
    }];
    let opts = toy_train_options();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let mut rows = 0;
    let s = crate::train::train(&designs, Device::Cpu, &opts, &out, false, &mut |_| {
        rows += 1
    })
    .unwrap();
    assert_eq!((s.update, rows), (2, 2));
    assert_eq!(s.env_steps, 2 * 2 * 6);
    // A line written after the last checkpoint (as if killed before the next one) is dropped.
    let log = out.join("train.jsonl");
    let mut text = std::fs::read_to_string(&log).unwrap();
    text.push_str("{\"update\": 3, \"mean_return\": 0}\n");
    std::fs::write(&log, text).unwrap();
    let more = crate::train::TrainOptions {
        max_updates: Some(4),
        ..opts.clone()
    };
    let s = crate::train::train(&designs, Device::Cpu, &more, &out, true, &mut |_| {}).unwrap();
    assert_eq!(s.update, 4);
    assert_eq!(s.env_steps, 4 * 2 * 6);
    let updates: Vec<u64> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["update"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(updates, vec![1, 2, 3, 4]);
    let side = crate::train::read_sidecar(&out).unwrap();
    assert_eq!(side.update, 4);
    assert!(side.best_proxy.unwrap().is_finite());
    let (p, _) = crate::train::load_policy(&out, Device::Cpu).unwrap();
    assert_eq!(p.config, PolicyConfig::default());
}

#[test]
fn search_keeps_the_best_exact_episode_and_does_not_depend_on_the_thread_count() {
    let (nl, pl) = toy(5);
    let params = CostParams::from_floorplan(nl.floorplan());
    let opts = crate::search::SearchOptions {
        grid: 16,
        samples: 6,
        beam: 3,
        expand: 3,
        seed: 4,
        seconds: None,
        mcts: 4,
        mcts_expand: 3,
        mcts_games: 1,
        policy_jumps: 0,
    };
    // The same weights (from a file: other tests use libtorch's global generator concurrently)
    // on 2 and 1 threads.
    let dir = tempfile::tempdir().unwrap();
    let weights = saved_default_policy(dir.path());
    let run = |threads: usize| {
        with_policy_on_threads(threads, &weights, |policy| {
            crate::search::search(policy, &nl, &pl, &params, &opts, &mut |_, _| {}).unwrap()
        })
    };
    let r = run(2);
    let decoders: Vec<&str> = r.episodes.iter().map(|e| e.decoder).collect();
    assert_eq!(decoders.iter().filter(|&&d| d == "greedy").count(), 1);
    assert_eq!(decoders.iter().filter(|&&d| d == "sample").count(), 6);
    assert!(decoders.iter().filter(|&&d| d == "beam").count() >= 1);
    // The tree search finished at least its game (and whatever complete placements its
    // simulations reached).
    assert!(decoders.iter().filter(|&&d| d == "mcts").count() >= 1);
    let min = r
        .episodes
        .iter()
        .map(|e| e.proxy)
        .fold(f64::INFINITY, f64::min);
    assert_eq!(r.proxy, min);
    // The returned placement is legal and its proxy is exact.
    assert!(placer::cost::legality::check(&nl, &r.placement, Some(&pl)).is_empty());
    let exact = placer::cost::proxy_cost(&nl, &r.placement, &params).proxy_cost;
    assert!((exact - r.proxy).abs() < 1e-9, "{exact} vs {}", r.proxy);
    // Independent of the thread count.
    let r1 = run(1);
    assert_eq!(r1.placement.x, r.placement.x);
    let p1: Vec<f64> = r1.episodes.iter().map(|e| e.proxy).collect();
    let p2: Vec<f64> = r.episodes.iter().map(|e| e.proxy).collect();
    assert_eq!(p1, p2);
}

#[test]
fn rl_flow_refines_the_best_decoding_and_reports_every_stage() {
    tch::manual_seed(12);
    let (nl, pl) = toy(6);
    let params = CostParams::from_floorplan(nl.floorplan());
    let policy = Policy::new(Device::Cpu, PolicyConfig::default());
    let so = crate::search::SearchOptions {
        grid: 16,
        samples: 2,
        beam: 2,
        expand: 2,
        ..crate::search::SearchOptions::default()
    };
    for method in [
        placer::macros::flow::Method::Clusters,
        placer::macros::flow::Method::Sa,
    ] {
        let finish = placer::macros::flow::PlaceOptions {
            method,
            budget: placer::macros::anneal::Budget {
                seconds: Some(300.0),
                iterations: Some(2000),
            },
            cluster_moves: 300,
            start_acceptance: 0.02,
            ..placer::macros::flow::PlaceOptions::default()
        };
        let (r, found) =
            crate::search::place_rl(&policy, &nl, &pl, &params, &so, &finish, &mut |_| {}).unwrap();
        assert!(r.violations.is_empty(), "{method:?}: {:?}", r.violations);
        assert!(r.stages[0].name.starts_with("policy search"));
        assert_eq!(r.stages[0].proxy, found.proxy);
        let exact = placer::cost::proxy_cost(&nl, &r.placement, &params).proxy_cost;
        assert_eq!(exact, r.cost.proxy_cost);
        assert!(
            r.trajectory
                .windows(2)
                .all(|w| w[1].seconds >= w[0].seconds)
        );
        if method == placer::macros::flow::Method::Sa {
            let best_before = r.stages[r.stages.len() - 2].proxy;
            assert!(r.cost.proxy_cost <= best_before + 1e-12);
        }
    }
}

#[test]
fn training_on_several_designs_alternates_and_fine_tuning_starts_from_the_checkpoint() {
    let (a, pa) = toy(7);
    let (b, pb) = generate(&GenerateOptions {
        macros: 9,
        clusters: 30,
        seed: 8,
        ..GenerateOptions::default()
    })
    .unwrap();
    let designs = [
        crate::train::Design {
            name: "a".into(),
            netlist: &a,
            start: &pa,
            params: CostParams::from_floorplan(a.floorplan()),
        },
        crate::train::Design {
            name: "b".into(),
            netlist: &b,
            start: &pb,
            params: CostParams::from_floorplan(b.floorplan()),
        },
    ];
    let opts = crate::train::TrainOptions {
        policy: PolicyConfig {
            wire_prior: 50.0,
            ..PolicyConfig::default()
        },
        seed: 3,
        max_updates: Some(4),
        checkpoint_every: 2,
        expert_moves: 500,
        expert_every: 2,
        ..toy_train_options()
    };
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("pre");
    crate::train::train(&designs, Device::Cpu, &opts, &first, false, &mut |_| {}).unwrap();
    let rows: Vec<serde_json::Value> = std::fs::read_to_string(first.join("train.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let names: Vec<&str> = rows.iter().map(|r| r["design"].as_str().unwrap()).collect();
    assert_eq!(names, ["a", "b", "a", "b"]);
    // Expert every 2 updates of the same design: each design's first update (a global count
    // would have put both calls on `a`).
    let expert: Vec<bool> = rows.iter().map(|r| r["expert_proxy"].is_f64()).collect();
    assert_eq!(expert, [true, true, false, false], "{rows:?}");
    // Steps: at most 2 environments × (6 or 9 macros) per update (fewer when an episode hits a
    // dead end and the legalizer ends it).
    let steps: Vec<u64> = rows
        .iter()
        .map(|r| r["env_steps"].as_u64().unwrap())
        .collect();
    let mut prev = 0;
    for (k, &s) in steps.iter().enumerate() {
        let most = if k % 2 == 0 { 12 } else { 18 };
        assert!(s > prev && s - prev <= most, "{steps:?}");
        prev = s;
    }
    let (pre, side) = crate::train::load_policy(&first, Device::Cpu).unwrap();
    assert_eq!(side.designs, ["a", "b"]);
    // Returns are normalised per design: one running scale each, fed by its own rollouts only
    // (two updates each) and centred on its own mean return (a moving average of its batch
    // means, so between the smallest and the largest).
    assert_eq!(side.return_scales.len(), 2);
    for (k, sc) in side.return_scales.iter().enumerate() {
        assert_eq!(sc.rollouts, 2, "design {k}");
        let own: Vec<f64> = rows
            .iter()
            .skip(k)
            .step_by(2)
            .map(|r| r["mean_return"].as_f64().unwrap())
            .collect();
        let (lo, hi) = own
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
                (a.min(v), b.max(v))
            });
        assert!(
            sc.mean >= lo - 1e-9 && sc.mean <= hi + 1e-9,
            "design {k}: {} vs {own:?}",
            sc.mean
        );
    }
    assert_ne!(side.return_scales[0].mean, side.return_scales[1].mean);
    assert_eq!(pre.config.wire_prior, 50.0);
    // Fine-tuning: a new run whose network starts as the checkpoint's (same shapes, and zero
    // updates reproduce its weights exactly).
    let tuned = dir.path().join("tuned");
    let ft = crate::train::TrainOptions {
        max_updates: Some(0),
        policy: PolicyConfig::default(),
        init_from: Some(first.display().to_string()),
        ..opts.clone()
    };
    crate::train::train(&designs[..1], Device::Cpu, &ft, &tuned, false, &mut |_| {}).unwrap();
    let (t, tside) = crate::train::load_policy(&tuned, Device::Cpu).unwrap();
    assert_eq!(params_of(&t), params_of(&pre));
    assert_eq!(t.config.wire_prior, 50.0);
    assert_eq!(tside.update, 0);
    // What the network has seen: its own designs and its ancestor's, by fingerprint (a renamed
    // copy is still seen; another design is not).
    assert!(tside.has_seen("a", &a) && tside.has_seen("renamed", &b));
    let (c, _) = toy(11);
    assert!(!tside.has_seen("a", &c) && !side.has_seen("c", &c));
    assert!(side.has_seen("b", &b));
    let ft2 = crate::train::TrainOptions {
        max_updates: Some(1),
        ..ft
    };
    crate::train::train(&designs[..1], Device::Cpu, &ft2, &tuned, false, &mut |_| {}).unwrap();
    let (t2, _) = crate::train::load_policy(&tuned, Device::Cpu).unwrap();
    assert_ne!(params_of(&t2), params_of(&pre));
}

#[test]
fn return_scale_starts_from_the_first_rollout_and_follows_later_ones() {
    use crate::ppo::ReturnScale;
    let mut s = ReturnScale::default();
    s.observe(&[-0.8, -0.7, -0.9, -0.8]);
    assert!((s.mean + 0.8).abs() < 1e-12);
    let sd = (0.01f64 / 2.0).sqrt(); // population variance of the four: 0.02 / 4
    assert!((s.std - sd).abs() < 1e-12, "{}", s.std);
    // A second rollout: the moving mean, and the variance of the mixture around it.
    let batch = [-0.6, -0.6];
    s.observe(&batch);
    let a = ReturnScale::RATE;
    let mean = (1.0 - a) * -0.8 + a * -0.6;
    let var = (1.0 - a) * (sd * sd + (-0.8f64 - mean).powi(2)) + a * (-0.6f64 - mean).powi(2);
    assert!((s.mean - mean).abs() < 1e-12);
    assert!((s.std - var.sqrt()).abs() < 1e-12);
    assert_eq!(s.rollouts, 2);
    // Identical returns: the floor keeps the scale finite.
    let mut flat = ReturnScale::default();
    flat.observe(&[-0.5, -0.5]);
    assert_eq!(flat.scale(), ReturnScale::MIN_STD);
}

#[test]
fn scaled_value_targets_are_centred_returns_in_units_of_the_spread() {
    use crate::ppo::{ReturnScale, collect_scaled};
    tch::manual_seed(5);
    let (nl, pl) = toy(2);
    let mut envs = toy_envs(&nl, &pl, 4, 16);
    let policy = Policy::new(Device::Cpu, PolicyConfig::default());
    let graph = DesignGraph::new(&nl, Device::Cpu);
    // λ = γ = 1: the first step's target is the whole (scaled) return.
    let cfg = PpoConfig {
        envs: 4,
        lambda: 1.0,
        ..PpoConfig::default()
    };
    let mut scale = ReturnScale::default();
    let r = collect_scaled(&policy, &graph, &mut envs, &cfg, &mut scale).unwrap();
    assert_eq!(scale.rollouts, 1);
    let steps = r.transitions.len() / 4;
    for (e, ret) in r.episode_returns.iter().enumerate() {
        let first = &r.transitions[e * steps];
        let want = (ret - scale.mean) / scale.scale();
        assert!(
            (first.ret as f64 - want).abs() < 1e-3 * want.abs().max(1.0),
            "episode {e}: target {} want {want}",
            first.ret
        );
    }
    // Centred: the targets average to zero over the rollout's first steps.
    let mean: f64 = (0..4)
        .map(|e| r.transitions[e * steps].ret as f64)
        .sum::<f64>()
        / 4.0;
    assert!(mean.abs() < 1e-3, "{mean}");
    // With live-cost environments the scale is over every step's return-to-go: all targets
    // are centred and of unit spread.
    let live = PolicyConfig {
        channels: (placer::env::CHANNELS + placer::env::LIVE_CHANNELS) as i64,
        ..PolicyConfig::default()
    };
    let policy = Policy::new(Device::Cpu, live.clone());
    let params = CostParams::from_floorplan(nl.floorplan());
    let mut envs: Vec<PlaceEnv> = (0..4)
        .map(|_| PlaceEnv::new(&nl, &pl, &params, &live.env_options(16)))
        .collect();
    let mut scale = ReturnScale::default();
    let r = collect_scaled(&policy, &graph, &mut envs, &cfg, &mut scale).unwrap();
    let rets: Vec<f64> = r.transitions.iter().map(|t| t.ret as f64).collect();
    let mean = rets.iter().sum::<f64>() / rets.len() as f64;
    let sd = (rets.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / rets.len() as f64).sqrt();
    assert!(mean.abs() < 1e-3, "{mean}");
    assert!(
        (sd - 1.0).abs() < 1e-3 || scale.std < ReturnScale::MIN_STD,
        "{sd}"
    );
}

#[test]
fn the_prior_gain_learns_at_its_own_rate() {
    tch::manual_seed(7);
    let (nl, pl) = toy(3);
    let mut envs = toy_envs(&nl, &pl, 3, 16);
    let policy = Policy::new(Device::Cpu, PolicyConfig::default());
    assert!((policy.wire_gain() - crate::policy::WIRE_PRIOR).abs() < 1e-3);
    let graph = DesignGraph::new(&nl, Device::Cpu);
    // One epoch, one minibatch: exactly one Adam step, which moves every parameter by at most
    // its learning rate (and by about it when the gradient is not tiny).
    let cfg = PpoConfig {
        envs: 3,
        epochs: 1,
        minibatch: 1000,
        lr: 1e-4,
        gain_lr: 0.05,
        ..PpoConfig::default()
    };
    let rollout = collect(&policy, &graph, &mut envs, &cfg).unwrap();
    let snapshot = |p: &Policy| -> Vec<(String, Vec<f32>)> {
        let mut v: Vec<(String, Vec<f32>)> =
            p.vs.variables()
                .into_iter()
                .map(|(k, t)| (k, Vec::<f32>::try_from(t.flatten(0, -1)).unwrap()))
                .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    };
    let before = snapshot(&policy);
    let mut trainer = Trainer::new(&policy, cfg).unwrap();
    trainer.update(&policy, &graph, &rollout);
    let after = snapshot(&policy);
    let mut gain_step = None;
    for ((name, a), (_, b)) in before.iter().zip(&after) {
        let step = a
            .iter()
            .zip(b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0f32, f32::max);
        if name.ends_with("log_wire_gain") {
            gain_step = Some(step);
        } else {
            assert!(step <= 1.01e-4, "{name} moved {step}");
        }
    }
    let g = gain_step.expect("a log_wire_gain variable");
    assert!(g > 0.01 && g <= 0.0501, "gain moved {g}");
}

#[test]
fn self_imitation_replays_the_best_episode_and_raises_its_likelihood() {
    use crate::ppo::{Elite, collect_scaled};
    tch::manual_seed(11);
    let (nl, pl) = toy(2);
    let mut envs = toy_envs(&nl, &pl, 3, 16);
    let policy = Policy::new(Device::Cpu, PolicyConfig::default());
    let graph = DesignGraph::new(&nl, Device::Cpu);
    let cfg = PpoConfig {
        envs: 3,
        sil_coef: 1.0,
        lr: 1e-3,
        ..PpoConfig::default()
    };
    let r = collect_scaled(
        &policy,
        &graph,
        &mut envs,
        &cfg,
        &mut crate::ppo::ReturnScale::default(),
    )
    .unwrap();
    let mut slot = None;
    assert!(Elite::offer(&mut slot, &r));
    let elite = slot.clone().unwrap();
    let best = r
        .episode_proxies
        .iter()
        .copied()
        .fold(f64::INFINITY, f64::min);
    assert_eq!(elite.proxy, best);
    // A worse or equal rollout does not replace it.
    assert!(!Elite::offer(&mut slot, &r));
    // Replaying the actions reproduces the episode: same observations, same final cost.
    let steps = elite.replay(&mut envs[0]);
    assert_eq!(steps.len(), elite.actions.len());
    let i = r.episode_proxies.iter().position(|&p| p == best).unwrap();
    let start: usize = r.episode_actions[..i].iter().map(Vec::len).sum();
    for (k, (o, a)) in steps.iter().enumerate() {
        assert_eq!(o.channels, r.transitions[start + k].obs.channels);
        assert_eq!(*a as i64, r.transitions[start + k].action);
    }
    assert!(envs[0].done());
    // Imitation steps raise the episode's likelihood.
    let mut trainer = Trainer::new(&policy, cfg).unwrap();
    let first = trainer.imitate(&policy, &graph, &steps);
    let mut last = first;
    for _ in 0..10 {
        last = trainer.imitate(&policy, &graph, &steps);
    }
    assert!(last < first, "{first} -> {last}");
    // Off: no step, nothing changes.
    let mut off = Trainer::new(
        &policy,
        PpoConfig {
            sil_coef: 0.0,
            ..PpoConfig::default()
        },
    )
    .unwrap();
    assert_eq!(off.imitate(&policy, &graph, &steps), 0.0);
}

#[test]
fn expert_iteration_only_ever_improves_the_elite_and_logs_the_expert() {
    let (nl, pl) = toy(5);
    let params = CostParams::from_floorplan(nl.floorplan());
    let designs = [crate::train::Design {
        name: "toy".into(),
        netlist: &nl,
        start: &pl,
        params: params.clone(),
    }];
    let base = toy_train_options();
    let opts = crate::train::TrainOptions {
        ppo: PpoConfig {
            sil_coef: 1.0,
            sil_steps: 2,
            ..base.ppo.clone()
        },
        seed: 3,
        max_updates: Some(4),
        checkpoint_every: 2,
        expert_moves: 3000,
        expert_every: 2,
        ..base
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let mut rows = Vec::new();
    let side = crate::train::train(&designs, Device::Cpu, &opts, &out, false, &mut |r| {
        rows.push(r.clone())
    })
    .unwrap();
    assert_eq!(rows.len(), 4);
    let mut prev = f64::INFINITY;
    for (i, r) in rows.iter().enumerate() {
        // The expert runs after updates 1 and 3 (every 2, starting with the first).
        assert_eq!(
            r.expert_proxy.is_finite(),
            i % 2 == 0,
            "update {}",
            r.update
        );
        assert_eq!(r.expert_seconds > 0.0, i % 2 == 0, "update {}", r.update);
        // The elite is never worse than before, than this rollout's best, or than the expert.
        assert!(r.elite_proxy <= prev);
        assert!(r.elite_proxy <= r.best_proxy);
        if r.expert_proxy.is_finite() {
            assert!(r.elite_proxy <= r.expert_proxy);
        }
        assert!(r.sil_nll > 0.0);
        prev = r.elite_proxy;
    }
    // The stored elite replays to exactly its proxy.
    let elite = side.elites[0].clone().unwrap();
    assert_eq!(elite.proxy, rows[3].elite_proxy);
    let mut env = PlaceEnv::new(&nl, &pl, &params, &PolicyConfig::default().env_options(12));
    elite.replay(&mut env);
    assert!(env.done());
    let cost = placer::cost::proxy_cost(&nl, env.placement(), &params);
    assert_eq!(cost.proxy_cost, elite.proxy);
}

#[test]
fn tree_search_with_one_child_per_node_is_greedy_decoding_and_its_episodes_are_exact() {
    let (nl, pl) = toy(8);
    let params = CostParams::from_floorplan(nl.floorplan());
    let dir = tempfile::tempdir().unwrap();
    let weights = saved_default_policy(dir.path());
    let opts = PolicyConfig::default().env_options(16);
    let proto = PlaceEnv::new(&nl, &pl, &params, &opts);
    let play = |threads: usize, mo: crate::mcts::MctsOptions| {
        with_policy_on_threads(threads, &weights, |policy| {
            let graph = DesignGraph::new(&nl, Device::Cpu);
            let mut stats = crate::mcts::ReturnStats::default();
            crate::mcts::play(policy, &graph, &proto, &mo, &mut stats, None).unwrap()
        })
    };
    // One child per node: every move is the policy's argmax, whatever the simulations.
    let one = play(
        1,
        crate::mcts::MctsOptions {
            simulations: 3,
            expand: 1,
            ..Default::default()
        },
    );
    let mut policy = Policy::new(Device::Cpu, PolicyConfig::default());
    policy.vs.load(&weights).unwrap();
    let graph = DesignGraph::new(&nl, Device::Cpu);
    let mut env = proto.clone();
    let greedy = decode_greedy(&policy, &graph, &mut env).unwrap();
    let (last, last_pl) = one.finished.last().unwrap();
    assert_eq!(*last, greedy);
    assert_eq!(last_pl.x, env.placement().x);
    // A real search: every complete placement it reports is scored exactly, the game ends with
    // one, and 1 and 2 threads agree.
    let mo = crate::mcts::MctsOptions {
        simulations: 8,
        expand: 4,
        ..Default::default()
    };
    let g2 = play(2, mo);
    assert!(g2.evaluations >= 6, "{}", g2.evaluations);
    assert!(!g2.finished.is_empty());
    for (proxy, p) in &g2.finished {
        let exact = placer::cost::proxy_cost(&nl, p, &params).proxy_cost;
        assert!((exact - proxy).abs() < 1e-9, "{exact} vs {proxy}");
        assert!(placer::cost::legality::check(&nl, p, Some(&pl)).is_empty());
    }
    let g1 = play(1, mo);
    let proxies = |g: &crate::mcts::Game| g.finished.iter().map(|f| f.0).collect::<Vec<_>>();
    assert_eq!(proxies(&g1), proxies(&g2));
    assert_eq!(g1.evaluations, g2.evaluations);
}

#[test]
fn tree_search_return_statistics_are_the_mean_and_floored_spread() {
    let mut s = crate::mcts::ReturnStats::default();
    assert_eq!((s.mean(), s.spread()), (0.0, crate::mcts::MIN_SPREAD));
    s.push(-0.8);
    s.push(f64::NAN);
    assert_eq!((s.mean(), s.spread()), (-0.8, crate::mcts::MIN_SPREAD));
    s.push(-0.6);
    assert!((s.mean() + 0.7).abs() < 1e-12);
    assert!((s.spread() - 0.1).abs() < 1e-12);
}

#[test]
fn policy_jump_targets_are_legal_cells_at_their_macros_step_with_the_policys_probabilities() {
    let (nl, pl) = toy(9);
    let params = CostParams::from_floorplan(nl.floorplan());
    let policy = Policy::new(Device::Cpu, PolicyConfig::default());
    let graph = DesignGraph::new(&nl, Device::Cpu);
    let opts = PolicyConfig::default().env_options(16);
    let mut env = PlaceEnv::new(&nl, &pl, &params, &opts);
    decode_greedy(&policy, &graph, &mut env).unwrap();
    let target = env.placement().clone();
    let proto = PlaceEnv::new(&nl, &pl, &params, &opts);
    let table = crate::search::jump_targets(&policy, &graph, &proto, &target, 5).unwrap();
    // Replay the same episode: each macro's targets are centres of cells legal at its step.
    let mut env = proto.clone();
    let (actions, _) = env.actions_towards(&target).unwrap();
    env.reset();
    let g = *env.grid();
    let mut with_targets = 0;
    for a in actions {
        let n = env.order()[env.step_index()];
        let legal: Vec<(f64, f64)> = (0..env.legal().len())
            .filter(|&k| env.legal()[k])
            .map(|k| (g.cx(k % g.cols), g.cy(k / g.cols)))
            .collect();
        let t = table.targets(n);
        assert!(t.len() <= 5);
        if !legal.is_empty() {
            assert!(!t.is_empty(), "macro {n} has legal cells but no targets");
        }
        for &(p, x, y) in &t {
            assert!(p > 0.0 && p <= 1.0);
            assert!(
                legal.contains(&(x, y)),
                "macro {n}: ({x}, {y}) is not a legal cell"
            );
        }
        if !t.is_empty() {
            with_targets += 1;
            let sum: f64 = t.iter().map(|e| e.0).sum();
            assert!((sum - 1.0).abs() < 1e-9);
        }
        env.step(a).unwrap();
    }
    assert!(with_targets > 0);
}
