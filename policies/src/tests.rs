//! Policy and PPO tests on CPU with small generated designs.

use netlists::generate::{GenerateOptions, generate};
use placer::cost::CostParams;
use placer::env::{EnvOptions, Observation, PlaceEnv};
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
    let params = CostParams::from_floorplan(nl.floorplan());
    let opts = EnvOptions {
        grid: 16,
        ..EnvOptions::default()
    };
    let mut envs: Vec<PlaceEnv> = (0..3)
        .map(|_| PlaceEnv::new(&nl, &pl, &params, &opts))
        .collect();
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
    let mut env = PlaceEnv::new(
        &nl,
        &pl,
        &params,
        &EnvOptions {
            grid: 12,
            ..EnvOptions::default()
        },
    );
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
            channels: Vec::<f32>::try_from(Tensor::rand([(placer::env::CHANNELS * r * c) as i64], (Kind::Float, Device::Cpu))).unwrap(),
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
    let opts = crate::train::TrainOptions {
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
    };
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
