//! The options of `train` (PPO training of the placement policy on one or several designs,
//! with a progress bar, a JSON-lines log and resumable checkpoints) and `eval-policy`. The
//! commands themselves run in `macroplace-policy` (`src/bin/macroplace-policy/train.rs`), the
//! binary that links the policy.

use std::path::PathBuf;

use anyhow::Result;

/// The default initial gain of the wire-mask prior (`policies::policy::WIRE_PRIOR`, which a
/// test of `macroplace-policy` keeps equal to this).
pub const WIRE_PRIOR: f64 = 20.0;

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
    #[arg(value_parser = crate::values::seconds, long, default_value_t = 600.0)]
    pub time_limit: f64,
    /// Stop after this many updates in total.
    #[arg(value_parser = crate::values::steps, long)]
    pub updates: Option<u64>,
    /// Seed of libtorch's generator (sampling, initialisation, minibatch order).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// `auto` (CUDA when libtorch sees a GPU), `cpu` or `cuda`.
    #[arg(long, default_value = "auto")]
    pub device: String,
    /// Grid cells along the longer canvas side.
    #[arg(value_parser = crate::values::count::<512>, long, default_value_t = 64)]
    pub grid: usize,
    /// Parallel environments per rollout.
    #[arg(value_parser = crate::values::count::<1024>, long, default_value_t = 4)]
    pub envs: usize,
    /// PPO epochs per update.
    #[arg(value_parser = crate::values::count::<10000>, long, default_value_t = 4)]
    pub epochs: usize,
    /// Adam learning rate.
    #[arg(value_parser = crate::values::fraction, long, default_value_t = 4e-4)]
    pub lr: f64,
    /// Transitions per gradient step.
    #[arg(value_parser = crate::values::count::<1000000>, long, default_value_t = 128)]
    pub minibatch: usize,
    /// Checkpoint every N updates.
    #[arg(value_parser = crate::values::steps, long, default_value_t = 5)]
    pub checkpoint_every: u64,
    /// Initial gain of the wire-mask prior in the logits (fresh networks).
    #[arg(value_parser = crate::values::non_negative, long, default_value_t = WIRE_PRIOR)]
    pub wire_prior: f64,
    /// Entropy-bonus weight (small: the policy should become sharper than its prior).
    #[arg(value_parser = crate::values::non_negative, long, default_value_t = 0.001)]
    pub entropy_coef: f64,
    /// Adam learning rate of the wire-mask prior's log gain (the policy's inverse temperature);
    /// 0 = the same as --lr.
    #[arg(value_parser = crate::values::probability, long, default_value_t = 0.01)]
    pub gain_lr: f64,
    /// Start from the network of this checkpoint directory (fine-tuning; a new log in --out).
    #[arg(long, conflicts_with = "resume")]
    pub init: Option<PathBuf>,
    /// Continue from the checkpoint in --out.
    #[arg(long)]
    pub resume: bool,
    /// One intra-op thread (with the seed: the same command gives the same log).
    #[arg(long)]
    pub deterministic: bool,
    /// Train with the partial placement's live cost: 9 observation channels (density and
    /// congestion maps added) and the dense reward shaped by the partial placement's exact proxy
    /// cost (experimental: in a 30-minute ariane133 run it did worse than the default, see
    /// docs/results.md).
    #[arg(long)]
    pub live_cost: bool,
    /// How each episode places the clusters before its exact proxy ends it: `spread` (spread
    /// from their start, a few ms) or `anneal` (then --end-moves moves of `place`'s cluster
    /// anneal: its proxy ranks episodes as `place` finally would, Spearman 0.83–0.93 against
    /// 0.71–0.77 for `spread` on three designs, docs/results.md).
    #[arg(long, value_enum, default_value = "anneal")]
    pub episode_end: EpisodeEndArg,
    /// Moves of the `anneal` episode end.
    #[arg(value_parser = crate::values::steps, long, default_value_t = 5000)]
    pub end_moves: u64,
    /// Self-imitation weight: after each PPO update, one step on this times the negative
    /// log-likelihood of the best episode found so far on the design (0 = off).
    #[arg(value_parser = crate::values::non_negative, long, default_value_t = 0.0)]
    pub sil_coef: f64,
    /// Self-imitation steps per update.
    #[arg(value_parser = crate::values::count::<1000000>, long, default_value_t = 1)]
    pub sil_steps: usize,
    /// Expert iteration: every --expert-every updates, anneal the best episode so far for this
    /// many moves and, when that maps back to a better episode, make it the one self-imitation
    /// follows (0 = off; needs --sil-coef > 0 to teach the policy anything).
    #[arg(long, default_value_t = 0)]
    pub expert_moves: u64,
    /// Updates of the same design between its expert calls.
    #[arg(value_parser = crate::values::steps, long, default_value_t = 8)]
    pub expert_every: u64,
    /// The expert's start acceptance of an average uphill move.
    #[arg(value_parser = crate::values::probability, long, default_value_t = 0.05)]
    pub expert_acceptance: f64,
}

/// `train --episode-end`.
#[derive(Copy, Clone, Debug, clap::ValueEnum)]
pub enum EpisodeEndArg {
    /// Clusters spread from their start positions.
    Spread,
    /// Spread, then a short cluster anneal (--end-moves).
    Anneal,
}

/// `--plc` is given once per netlist, or not at all.
pub fn check_plc_count(netlists: &[PathBuf], plc: &[PathBuf]) -> Result<()> {
    crate::ensure_arg(
        plc.is_empty() || plc.len() == netlists.len(),
        format!(
            "--plc: expected one per netlist ({}), found {}",
            netlists.len(),
            plc.len()
        ),
    )?;
    Ok(())
}

/// Options of `eval-policy`.
#[derive(clap::Args, Debug, Clone)]
pub struct EvalPolicyArgs {
    /// Netlists (CT `netlist.pb.txt[.gz]` or Bookshelf `.aux`), each scored in turn.
    #[arg(required = true)]
    pub netlists: Vec<PathBuf>,
    /// Starting placements (clusters, ports), one per netlist in the same order (or none).
    #[arg(long)]
    pub plc: Vec<PathBuf>,
    /// Checkpoint directory written by `train`.
    #[arg(long)]
    pub policy: PathBuf,
    /// Refuse (exit 2) any design the checkpoint (or one it was initialised from) trained on:
    /// a zero-shot evaluation.
    #[arg(long)]
    pub held_out: bool,
    /// Sampled episodes (policy) and random episodes (baseline).
    #[arg(value_parser = crate::values::count::<1000000>, long, default_value_t = 16)]
    pub episodes: usize,
    /// Seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// `auto`, `cpu` or `cuda`.
    #[arg(long, default_value = "auto")]
    pub device: String,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}
