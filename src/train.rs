//! `macroplace train`: PPO training of the placement policy on one or several designs
//! ([`policies::train`]), with a progress bar, a JSON-lines log and resumable checkpoints.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::InputError;

/// Options of `train`.
#[derive(clap::Args, Debug, Clone)]
pub struct TrainArgs {
    /// Netlists (CT `netlist.pb.txt[.gz]` or Bookshelf `.aux`), trained on in turn.
    #[arg(required = true)]
    pub netlists: Vec<PathBuf>,
    /// Starting placements, one per netlist in the same order (or none).
    #[arg(long)]
    pub plc: Vec<PathBuf>,
    /// Output directory: train.jsonl, policy.safetensors, policy.json.
    #[arg(long)]
    pub out: PathBuf,
    /// Wall-clock budget in seconds.
    #[arg(long, default_value_t = 600.0)]
    pub time_limit: f64,
    /// Stop after this many updates in total.
    #[arg(long)]
    pub updates: Option<u64>,
    /// Seed of libtorch's generator (sampling, initialisation, minibatch order).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// `auto` (CUDA when libtorch sees a GPU), `cpu` or `cuda`.
    #[arg(long, default_value = "auto")]
    pub device: String,
    /// Grid cells along the longer canvas side.
    #[arg(long, default_value_t = 64)]
    pub grid: usize,
    /// Parallel environments per rollout.
    #[arg(long, default_value_t = 4)]
    pub envs: usize,
    /// PPO epochs per update.
    #[arg(long, default_value_t = 4)]
    pub epochs: usize,
    /// Adam learning rate.
    #[arg(long, default_value_t = 4e-4)]
    pub lr: f64,
    /// Checkpoint every N updates.
    #[arg(long, default_value_t = 5)]
    pub checkpoint_every: u64,
    /// Continue from the checkpoint in --out.
    #[arg(long)]
    pub resume: bool,
    /// One intra-op thread (with the seed: the same command gives the same log).
    #[arg(long)]
    pub deterministic: bool,
}

/// Runs `train`.
pub fn train(args: &TrainArgs) -> Result<()> {
    anyhow::ensure!(
        args.plc.is_empty() || args.plc.len() == args.netlists.len(),
        "--plc: expected one per netlist ({}), found {}",
        args.netlists.len(),
        args.plc.len()
    );
    let choice: policies::DeviceChoice = args
        .device
        .parse()
        .map_err(|e| anyhow::anyhow!("--device: {e}"))?;
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
            ..Default::default()
        },
        policy: policies::policy::PolicyConfig::default(),
        seed: args.seed,
        time_limit: args.time_limit,
        max_updates: args.updates,
        checkpoint_every: args.checkpoint_every,
        command: std::env::args().collect::<Vec<_>>().join(" "),
    };
    let bar = if std::io::stderr().is_terminal() {
        let b = indicatif::ProgressBar::new_spinner();
        b.enable_steady_tick(std::time::Duration::from_millis(200));
        b
    } else {
        indicatif::ProgressBar::hidden()
    };
    eprintln!(
        "training on {} ({}), grid {}, {} envs",
        designs
            .iter()
            .map(|d| d.name.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        policies::device::describe(device),
        opts.grid,
        opts.ppo.envs
    );
    let side = policies::train::train(&designs, device, &opts, &args.out, args.resume, &mut |r| {
        bar.set_message(format!(
            "update {}  steps {}  return {:.4}  proxy {:.4} (best {:.4})  entropy {:.3}",
            r.update, r.env_steps, r.mean_return, r.mean_proxy, r.best_proxy, r.stats.entropy
        ));
        if !bar.is_hidden() {
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
