//! `train` and `eval-policy`: PPO training of the placement policy on one or several designs
//! ([`policies::train`]), with a progress bar, a JSON-lines log and resumable checkpoints; and
//! a checkpoint's decodings scored against random and wire-mask greedy ones.

use std::io::IsTerminal;

use anyhow::{Context, Result};
use macroplace::train::{EpisodeEndArg, EvalPolicyArgs, TrainArgs, check_plc_count};
use macroplace::{InputError, bad_arg, ensure_arg};

/// Runs `train`.
pub(crate) fn train(args: &TrainArgs) -> Result<()> {
    check_plc_count(&args.netlists, &args.plc)?;
    ensure_arg(
        !args.resume || args.out.join("policy.json").is_file(),
        format!(
            "--resume: expected a checkpoint (policy.json) in {}, found none",
            args.out.display()
        ),
    )?;
    let choice: policies::DeviceChoice = args
        .device
        .parse()
        .map_err(|e| bad_arg(format!("--device: {e}")))?;
    let device = policies::resolve_device(choice)?;
    if args.deterministic {
        tch::set_num_threads(1);
    }
    let mut loaded = Vec::new();
    for (i, nl) in args.netlists.iter().enumerate() {
        let opts = netlists::ReadOptions {
            plc: args.plc.get(i).cloned(),
            ..Default::default()
        };
        let d = netlists::read_design(nl, &opts).map_err(InputError)?;
        loaded.push(d);
    }
    let designs: Vec<policies::train::Design> = loaded
        .iter()
        .map(|d| policies::train::Design {
            name: d.netlist.design().to_string(),
            netlist: &d.netlist,
            start: &d.placement,
            params: placer::cost::CostParams::from_floorplan(d.netlist.floorplan()),
        })
        .collect();
    let opts = policies::train::TrainOptions {
        grid: args.grid.clamp(4, 512),
        ppo: policies::ppo::PpoConfig {
            envs: args.envs.max(1),
            epochs: args.epochs.max(1),
            lr: args.lr,
            entropy_coef: args.entropy_coef,
            gain_lr: args.gain_lr,
            minibatch: args.minibatch.max(1),
            sil_coef: args.sil_coef.max(0.0),
            sil_steps: args.sil_steps.max(1),
            ..Default::default()
        },
        policy: policies::policy::PolicyConfig {
            wire_prior: args.wire_prior,
            channels: if args.live_cost {
                (placer::env::CHANNELS + placer::env::LIVE_CHANNELS) as i64
            } else {
                placer::env::CHANNELS as i64
            },
            episode_end: match args.episode_end {
                EpisodeEndArg::Spread => placer::env::EpisodeEnd::Spread,
                EpisodeEndArg::Anneal => placer::env::EpisodeEnd::Anneal {
                    moves: args.end_moves,
                },
            },
            ..Default::default()
        },
        seed: args.seed,
        time_limit: args.time_limit,
        max_updates: args.updates,
        checkpoint_every: args.checkpoint_every,
        command: std::env::args().collect::<Vec<_>>().join(" "),
        init_from: args.init.as_ref().map(|p| p.display().to_string()),
        expert_moves: args.expert_moves,
        expert_every: args.expert_every.max(1),
        expert_acceptance: args.expert_acceptance.clamp(1e-6, 0.999),
    };
    // Under MPI rank 0 reports for the job.
    let speaks = placer::ranks::group().rank() == 0;
    let bar = if speaks && std::io::stderr().is_terminal() {
        let b = indicatif::ProgressBar::new_spinner();
        b.enable_steady_tick(std::time::Duration::from_millis(200));
        b
    } else {
        indicatif::ProgressBar::hidden()
    };
    let ranks = placer::ranks::group().size();
    if speaks {
        eprintln!(
            "training on {} ({}), grid {}, {} envs{}",
            designs
                .iter()
                .map(|d| d.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            policies::device::describe(device),
            opts.grid,
            opts.ppo.envs,
            if ranks > 1 {
                format!(" on each of {ranks} ranks")
            } else {
                String::new()
            }
        );
    }
    let side = policies::train::train(&designs, device, &opts, &args.out, args.resume, &mut |r| {
        bar.set_message(format!(
            "update {}  steps {}  return {:.4}  proxy {:.4} (best {:.4})  entropy {:.3}",
            r.update, r.env_steps, r.mean_return, r.mean_proxy, r.best_proxy, r.stats.entropy
        ));
        if !bar.is_hidden() || !speaks {
            return;
        }
        eprintln!(
            "update {} steps {} return {:.4} proxy {:.4} best {:.4} entropy {:.3} kl {:.4}",
            r.update,
            r.env_steps,
            r.mean_return,
            r.mean_proxy,
            r.best_proxy,
            r.stats.entropy,
            r.stats.approx_kl
        );
    })
    .with_context(|| format!("training into {}", args.out.display()))?;
    bar.finish_and_clear();
    println!(
        "{} updates, {} environment steps, {:.1} s, best proxy {} → {}",
        side.update,
        side.env_steps,
        side.wall_seconds,
        side.best_proxy.map_or("-".into(), |b| format!("{b:.6}")),
        args.out.display()
    );
    Ok(())
}

/// `eval-policy --json`.
#[derive(serde::Serialize)]
struct EvalPolicyReport {
    policy: String,
    grid: usize,
    policy_updates: u64,
    episode_end: placer::env::EpisodeEnd,
    designs: Vec<EvalPolicyRow>,
}

/// One design's decodings, every proxy in the environment's protocol.
#[derive(serde::Serialize)]
struct EvalPolicyRow {
    design: String,
    /// Whether the checkpoint (or an ancestor) trained on this design.
    seen_in_training: bool,
    policy_greedy: f64,
    policy_sampled_mean: f64,
    policy_sampled_best: f64,
    random_mean: f64,
    random_best: f64,
    wire_mask_greedy: f64,
    episodes: usize,
    policy_seconds: f64,
}

/// Runs `eval-policy`: on each design, the policy's greedy and sampled decodings against
/// random legal and wire-mask greedy decodings, all in the environment's protocol (the
/// checkpoint's episode end, exact proxy).
pub(crate) fn eval_policy(args: &EvalPolicyArgs) -> Result<()> {
    check_plc_count(&args.netlists, &args.plc)?;
    let choice: policies::DeviceChoice = args
        .device
        .parse()
        .map_err(|e| bad_arg(format!("--device: {e}")))?;
    let device = policies::resolve_device(choice)?;
    let (policy, side) = policies::train::load_policy(&args.policy, device)
        .map_err(|e| bad_arg(format!("--policy: {e}")))?;
    // Read (and check) every design before the first decoding.
    let mut loaded = Vec::new();
    for (i, nl) in args.netlists.iter().enumerate() {
        let d = netlists::read_design(
            nl,
            &netlists::ReadOptions {
                plc: args.plc.get(i).cloned(),
                ..Default::default()
            },
        )
        .map_err(InputError)?;
        let seen = side.has_seen(d.netlist.design(), &d.netlist);
        ensure_arg(
            !(args.held_out && seen),
            format!(
                "--held-out: {} ({}) is a design {} trained on",
                nl.display(),
                d.netlist.design(),
                args.policy.display()
            ),
        )?;
        loaded.push((d, seen));
    }
    let opts = policy.config.env_options(side.options.grid);
    let mut rows = Vec::new();
    for (d, seen) in &loaded {
        let params = placer::cost::CostParams::from_floorplan(d.netlist.floorplan());
        let mut env = placer::env::PlaceEnv::new(&d.netlist, &d.placement, &params, &opts);
        let graph = policies::policy::DesignGraph::new(&d.netlist, device);
        let t = std::time::Instant::now();
        let greedy_policy = policies::ppo::decode_greedy(&policy, &graph, &mut env)?;
        tch::manual_seed(args.seed as i64);
        let n = args.episodes.max(1);
        let mut envs: Vec<placer::env::PlaceEnv> = (0..n).map(|_| env.clone()).collect();
        let cfg = policies::ppo::PpoConfig {
            envs: n,
            ..Default::default()
        };
        let sampled = policies::ppo::collect(&policy, &graph, &mut envs, &cfg)?.episode_proxies;
        let policy_secs = t.elapsed().as_secs_f64();
        let random: Vec<f64> = (0..n)
            .map(|i| placer::env::decode_baseline(&mut env, Some(args.seed.wrapping_add(i as u64))))
            .collect::<Result<_, _>>()?;
        let wire = placer::env::decode_baseline(&mut env, None)?;
        let stats = |v: &[f64]| {
            let mean = v.iter().sum::<f64>() / v.len() as f64;
            let best = v.iter().copied().fold(f64::INFINITY, f64::min);
            (mean, best)
        };
        let (sm, sb) = stats(&sampled);
        let (rm, rb) = stats(&random);
        rows.push(EvalPolicyRow {
            design: d.netlist.design().to_string(),
            seen_in_training: *seen,
            policy_greedy: greedy_policy,
            policy_sampled_mean: sm,
            policy_sampled_best: sb,
            random_mean: rm,
            random_best: rb,
            wire_mask_greedy: wire,
            episodes: n,
            policy_seconds: policy_secs,
        });
    }
    let v = EvalPolicyReport {
        policy: args.policy.display().to_string(),
        grid: side.options.grid,
        policy_updates: side.update,
        episode_end: policy.config.episode_end,
        designs: rows,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    for r in &v.designs {
        println!(
            "design {} (grid {}, policy after {} updates, {})",
            r.design,
            v.grid,
            v.policy_updates,
            if r.seen_in_training {
                "trained on"
            } else {
                "never trained on"
            }
        );
        println!("policy greedy        {:.6}", r.policy_greedy);
        println!(
            "policy sampled       mean {:.6}  best {:.6}  ({} episodes)",
            r.policy_sampled_mean, r.policy_sampled_best, r.episodes
        );
        println!(
            "random legal         mean {:.6}  best {:.6}",
            r.random_mean, r.random_best
        );
        println!("wire-mask greedy     {:.6}", r.wire_mask_greedy);
    }
    if v.designs.len() > 1 {
        println!(
            "\n| design | seen | policy greedy | sampled best | wire-mask greedy | random mean |"
        );
        println!("|---|---|---:|---:|---:|---:|");
        for r in &v.designs {
            println!(
                "| {} | {} | {:.4} | {:.4} | {:.4} | {:.4} |",
                r.design,
                if r.seen_in_training { "yes" } else { "no" },
                r.policy_greedy,
                r.policy_sampled_best,
                r.wire_mask_greedy,
                r.random_mean
            );
        }
    }
    println!(
        "(proxy after the environment's episode end: {}; no further annealing)",
        match v.episode_end {
            placer::env::EpisodeEnd::Spread => "clusters spread".to_string(),
            placer::env::EpisodeEnd::Anneal { moves } =>
                format!("clusters spread, then a {moves}-move cluster anneal"),
        }
    );
    Ok(())
}
