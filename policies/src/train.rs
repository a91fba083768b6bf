//! The training loop behind `macroplace train`: PPO updates over one or several designs (round
//! robin), a JSON-lines log (one object per update), and checkpoints that survive a `kill -9`.
//!
//! **Files in the output directory**: `train.jsonl` (fields `update`, `design`, `env_steps`,
//! `wall_seconds`, `mean_return`, `mean_proxy`, `best_proxy`, `policy_loss`, `value_loss`,
//! `entropy`, `approx_kl`, `clip_fraction`, `lr`, `wire_gain`, `return_mean`, and the
//! seconds of the update's parts: `rollout_seconds`, `update_seconds`, `expert_seconds`),
//! `policy.safetensors` (the `VarStore`) and
//! `policy.json` (the sidecar: feature version, grid, channels, network and PPO settings, seed,
//! designs, command line, update counter, environment steps, wall time, best proxy).
//!
//! **Checkpoints** are written every `checkpoint_every` updates to temporary names and renamed
//! (weights, then sidecar), so an interruption loses at most one interval. **Resume** loads both,
//! drops log lines after the checkpoint's update, reseeds libtorch with `seed + update` and goes
//! on counting from there.
//!
//! **Self-imitation and expert iteration** (both off by default): the sidecar keeps each
//! design's best episode (`ppo::Elite`, as actions); after every PPO update the policy takes
//! `sil_steps` likelihood steps on it, and every `expert_every` updates of a design its elite is annealed on
//! the exact proxy and mapped back to an episode, replacing the elite only when better
//! ([`TrainOptions::expert_moves`]). The log then also has `elite_proxy`, `sil_nll` and
//! `expert_proxy`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use netlists::{Netlist, Placement};
use placer::cost::CostParams;
use placer::env::PlaceEnv;
use tch::Device;

use crate::policy::{DesignGraph, Policy, PolicyConfig};
use crate::ppo::{PpoConfig, Trainer, collect_scaled};

/// Version of the observation features; a checkpoint with another version is refused.
pub const FEATURE_VERSION: u32 = 2;

/// Why training failed.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// File trouble.
    #[error("{path}: {message}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// libtorch failed.
    #[error(transparent)]
    Torch(#[from] tch::TchError),
    /// An environment refused a step.
    #[error(transparent)]
    Env(#[from] placer::env::EnvError),
    /// The checkpoint does not fit this run.
    #[error("{0}")]
    Incompatible(String),
    /// A loss, a logit or a weight is NaN or infinite: training stopped, the last good
    /// checkpoint kept.
    #[error("{0}")]
    NonFinite(String),
}

fn io_err(path: &Path, e: impl std::fmt::Display) -> TrainError {
    TrainError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// A design to train on.
pub struct Design<'a> {
    /// Its name (for the log).
    pub name: String,
    /// The netlist.
    pub netlist: &'a Netlist,
    /// Its starting placement (clusters, ports, fixed macros).
    pub start: &'a Placement,
    /// Cost parameters.
    pub params: CostParams,
}

/// Settings of [`train`].
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct TrainOptions {
    /// Grid cells along the longer canvas side.
    pub grid: usize,
    /// PPO settings.
    pub ppo: PpoConfig,
    /// Network shapes.
    pub policy: PolicyConfig,
    /// Seed of libtorch's generator.
    pub seed: u64,
    /// Wall-clock budget (seconds) of this invocation.
    pub time_limit: f64,
    /// Stop after this many updates in total (counting resumed ones).
    pub max_updates: Option<u64>,
    /// Checkpoint interval in updates.
    pub checkpoint_every: u64,
    /// The command line, for the sidecar.
    pub command: String,
    /// Start from this checkpoint's network instead of a fresh one (fine-tuning).
    #[serde(default)]
    pub init_from: Option<String>,
    /// Expert iteration (`train --expert-moves`): every `expert_every` updates, the design's
    /// best episode so far is improved by simulated annealing for this many moves (a move
    /// budget, so the run stays deterministic for a seed whatever the timing) and mapped
    /// back to an episode ([`placer::env::PlaceEnv::actions_towards`]); it becomes the elite
    /// that self-imitation follows when its exact episode proxy is better. 0 = off.
    #[serde(default)]
    pub expert_moves: u64,
    /// Updates of the same design between its expert calls (the first call is after the
    /// design's first update; designs take turns, so with several designs each has its own
    /// count — a global count would always land on the same design when it is a multiple of
    /// the number of designs).
    #[serde(default = "eight")]
    pub expert_every: u64,
    /// The expert's start acceptance (see [`placer::macros::anneal::AnnealOptions::start_acceptance`]).
    #[serde(default = "expert_acceptance")]
    pub expert_acceptance: f64,
}

fn eight() -> u64 {
    8
}

fn expert_acceptance() -> f64 {
    0.05
}

/// The checkpoint sidecar.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Sidecar {
    /// [`FEATURE_VERSION`].
    pub feature_version: u32,
    /// Observation channels.
    pub channels: usize,
    /// Settings of the run.
    pub options: TrainOptions,
    /// Designs trained on.
    pub designs: Vec<String>,
    /// Updates done.
    pub update: u64,
    /// Environment steps done.
    pub env_steps: u64,
    /// Training wall time so far.
    pub wall_seconds: f64,
    /// Best proxy cost of any training episode (none before the first update).
    pub best_proxy: Option<f64>,
    /// Running return statistics per design, in `designs` order (see
    /// [`crate::ppo::ReturnScale`]).
    #[serde(default)]
    pub return_scales: Vec<crate::ppo::ReturnScale>,
    /// Best episode so far per design, in `designs` order (self-imitation, see
    /// [`crate::ppo::Elite`]).
    #[serde(default)]
    pub elites: Vec<Option<crate::ppo::Elite>>,
    /// The weights file beside this sidecar (`policy-<update>.safetensors`). Writing the
    /// sidecar, atomically and after its weights, commits a checkpoint: a kill at any moment
    /// leaves the previous sidecar naming the previous (complete) weights, or the new pair.
    /// Checkpoints from before this field have `policy.safetensors`.
    #[serde(default = "default_weights_file")]
    pub weights: String,
    /// The optimiser state beside this sidecar (`adam-<update>.safetensors`, committed with
    /// the weights), so that a resumed run continues exactly; none in older checkpoints.
    #[serde(default)]
    pub optimizer: Option<String>,
    /// Adam steps taken (with [`Sidecar::optimizer`]).
    #[serde(default)]
    pub optimizer_steps: u64,
    /// Every design the network has trained on: this run's and, through `--init`, its
    /// ancestors' (see [`Sidecar::has_seen`]). Empty in checkpoints from before this field.
    #[serde(default)]
    pub seen: Vec<SeenDesign>,
}

/// A design a network has trained on.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SeenDesign {
    /// Its name.
    pub name: String,
    /// [`netlists::Netlist::fingerprint`] in hex; none when it comes from a checkpoint that
    /// recorded names only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
}

impl SeenDesign {
    /// The record of `netlist` under `name`.
    pub fn of(name: &str, netlist: &netlists::Netlist) -> Self {
        SeenDesign {
            name: name.to_string(),
            fingerprint: Some(format!("{:016x}", netlist.fingerprint())),
        }
    }
}

impl Sidecar {
    /// Whether the network has trained on `netlist` (named `name`): its fingerprint is among
    /// [`Sidecar::seen`], or a seen design without a fingerprint (an older checkpoint, or
    /// [`Sidecar::designs`] when `seen` is empty) has its name.
    pub fn has_seen(&self, name: &str, netlist: &netlists::Netlist) -> bool {
        let fp = format!("{:016x}", netlist.fingerprint());
        let by_name = |n: &str| n == name;
        if self.seen.is_empty() {
            return self.designs.iter().any(|d| by_name(d));
        }
        self.seen.iter().any(|s| match &s.fingerprint {
            Some(f) => *f == fp,
            None => by_name(&s.name),
        })
    }

    /// Adds `d` to [`Sidecar::seen`] unless it is there.
    fn add_seen(&mut self, d: SeenDesign) {
        if !self.seen.contains(&d) {
            self.seen.push(d);
        }
    }
}

fn is_zero(v: &f64) -> bool {
    *v == 0.0
}

fn default_weights_file() -> String {
    "policy.safetensors".into()
}

/// One log line.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LogRow {
    /// Update number (1-based).
    pub update: u64,
    /// Design of this update.
    pub design: String,
    /// Environment steps so far.
    pub env_steps: u64,
    /// Wall time so far (across resumes).
    pub wall_seconds: f64,
    /// Mean episode return.
    pub mean_return: f64,
    /// Mean episode proxy.
    pub mean_proxy: f64,
    /// Best proxy so far.
    pub best_proxy: f64,
    /// PPO losses.
    #[serde(flatten)]
    pub stats: crate::ppo::UpdateStats,
    /// Learning rate.
    pub lr: f64,
    /// Gain of the wire-mask prior after the update (the policy's learned inverse temperature
    /// on the wire mask).
    pub wire_gain: f64,
    /// The design's running mean return, used to centre the value targets.
    pub return_mean: f64,
    /// Seconds spent collecting this update's episodes (policy inference + environments).
    pub rollout_seconds: f64,
    /// Seconds spent in this update's gradient steps (self-imitation included).
    pub update_seconds: f64,
    /// Seconds spent in this update's expert (annealing the elite and mapping it back; 0 when
    /// the expert did not run).
    pub expert_seconds: f64,
    /// Proxy of the best episode so far on this design (the one self-imitation follows).
    pub elite_proxy: f64,
    /// Mean negative log-likelihood of that episode's actions before this update's first
    /// self-imitation step (0 when self-imitation is off).
    pub sil_nll: f64,
    /// Episode proxy of this update's expert result (annealed elite mapped back to an episode;
    /// NaN, written as null, when the expert did not run).
    pub expert_proxy: f64,
    /// Under MPI: each rank's weights hash after the update (all equal when the all-reduce
    /// keeps the ranks in step); empty in a single process.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rank_weight_hashes: Vec<String>,
    /// Under MPI: seconds this process has spent in collectives so far.
    #[serde(skip_serializing_if = "is_zero")]
    pub comm_seconds: f64,
}

fn write_sidecar(path: &Path, s: &Sidecar) -> Result<(), TrainError> {
    let text = serde_json::to_string_pretty(s).map_err(|e| io_err(path, e))?;
    netlists::io::write_atomic(path, |w| w.write_all(text.as_bytes())).map_err(|e| io_err(path, e))
}

/// Reads a checkpoint's sidecar.
pub fn read_sidecar(dir: &Path) -> Result<Sidecar, TrainError> {
    let path = dir.join("policy.json");
    let text = std::fs::read_to_string(&path).map_err(|e| io_err(&path, e))?;
    serde_json::from_str(&text).map_err(|e| io_err(&path, e))
}

/// Loads a checkpoint directory into a fresh policy on `device`.
pub fn load_policy(dir: &Path, device: Device) -> Result<(Policy, Sidecar), TrainError> {
    let side = read_sidecar(dir)?;
    if side.feature_version != FEATURE_VERSION {
        return Err(TrainError::Incompatible(format!(
            "{}: feature version {} (this build: {FEATURE_VERSION})",
            dir.display(),
            side.feature_version
        )));
    }
    let weights = Path::new(&side.weights);
    if weights.components().count() != 1 || weights.is_absolute() {
        return Err(TrainError::Incompatible(format!(
            "{}: expected a weights file name beside it, found `{}`",
            dir.join("policy.json").display(),
            side.weights
        )));
    }
    let mut policy = Policy::new(device, side.options.policy.clone());
    let path = dir.join(weights);
    policy.vs.load(&path).map_err(|e| io_err(&path, e))?;
    if let Some(name) = non_finite_weight(&policy) {
        return Err(TrainError::NonFinite(format!(
            "{}: weight `{name}` holds NaN or infinite values; this checkpoint cannot be used",
            path.display()
        )));
    }
    Ok((policy, side))
}

/// The name of a variable of `policy` holding a NaN or infinity, if any.
pub fn non_finite_weight(policy: &Policy) -> Option<String> {
    let mut vars: Vec<(String, tch::Tensor)> = policy.vs.variables().into_iter().collect();
    vars.sort_by(|a, b| a.0.cmp(&b.0));
    vars.into_iter()
        .find(|(_, t)| {
            let finite = t.isfinite().all();
            !bool::try_from(finite).unwrap_or(false)
        })
        .map(|(n, _)| n)
}

/// Commits a checkpoint: weights to a new `policy-<update>.safetensors` (temporary name, then
/// renamed), then the sidecar naming them (atomically), then the older weights are removed.
fn save_checkpoint(
    dir: &Path,
    policy: &Policy,
    trainer: &Trainer,
    side: &mut Sidecar,
) -> Result<(), TrainError> {
    if let Some(name) = non_finite_weight(policy) {
        return Err(TrainError::NonFinite(format!(
            "update {}: weight `{name}` became NaN or infinite (lower --lr); the last good \
             checkpoint in {} is kept",
            side.update,
            dir.display()
        )));
    }
    let name = format!("policy-{:06}.safetensors", side.update);
    // The temporary name keeps the extension: tch picks the file format by it.
    let tmp = dir.join(format!(".policy-{:06}.tmp.safetensors", side.update));
    policy.vs.save(&tmp)?;
    let dst = dir.join(&name);
    std::fs::rename(&tmp, &dst).map_err(|e| io_err(&dst, e))?;
    let adam = format!("adam-{:06}.safetensors", side.update);
    let tmp = dir.join(format!(".adam-{:06}.tmp.safetensors", side.update));
    trainer.opt.save(&tmp)?;
    let adam_dst = dir.join(&adam);
    std::fs::rename(&tmp, &adam_dst).map_err(|e| io_err(&adam_dst, e))?;
    side.weights = name;
    side.optimizer = Some(adam);
    side.optimizer_steps = trainer.opt.steps;
    write_sidecar(&dir.join("policy.json"), side)?;
    // The commit is done; what is left are the weights no sidecar names.
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let n = e.file_name().to_string_lossy().into_owned();
            let ours = ["policy", ".policy", "adam-", ".adam-"]
                .iter()
                .any(|p| n.starts_with(p))
                && n.ends_with(".safetensors");
            if ours && n != side.weights && Some(&n) != side.optimizer.as_ref() {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    Ok(())
}

/// The expert of expert iteration: plays `elite` in `env`, anneals the finished placement for
/// `opts.expert_moves` moves (seeded by the run's seed and `update`, so deterministic), maps
/// the result back to an episode ([`PlaceEnv::actions_towards`]) and makes that the elite when
/// its exact episode proxy is lower. Returns that proxy.
fn expert_improve(
    elite: &mut crate::ppo::Elite,
    env: &mut PlaceEnv,
    design: &Design,
    opts: &TrainOptions,
    update: u64,
) -> Result<f64, TrainError> {
    use placer::macros::anneal::{AnnealOptions, Budget, anneal};
    elite.play(env);
    let ao = AnnealOptions {
        seed: opts.seed.wrapping_mul(1_000_003).wrapping_add(update),
        budget: Budget {
            seconds: None,
            iterations: Some(opts.expert_moves),
        },
        start_acceptance: opts.expert_acceptance,
        ..AnnealOptions::default()
    };
    let out = anneal(
        design.netlist,
        env.placement(),
        &design.params,
        &ao,
        &mut |_| {},
    );
    let (actions, proxy) = env.actions_towards(&out.placement)?;
    if proxy < elite.proxy {
        *elite = crate::ppo::Elite {
            proxy,
            actions: actions.into_iter().map(|a| a as u32).collect(),
        };
    }
    Ok(proxy)
}

/// Trains (or resumes when `resume` and a checkpoint exists in `out`); `progress` gets every log
/// row. Returns the final sidecar.
pub fn train(
    designs: &[Design],
    device: Device,
    opts: &TrainOptions,
    out: &Path,
    resume: bool,
    progress: &mut dyn FnMut(&LogRow),
) -> Result<Sidecar, TrainError> {
    if resume && !out.join("policy.json").is_file() {
        // Touch nothing: the folder may hold a log or weights the user wants.
        return Err(TrainError::Incompatible(format!(
            "{}: --resume needs a checkpoint there (policy.json), found none",
            out.display()
        )));
    }
    // Under MPI rank 0 writes the log and the checkpoints; the other ranks only compute.
    let group = placer::ranks::group();
    let (rank, ranks_n) = (group.rank(), group.size());
    let writer = rank == 0;
    // Each rank samples its own episodes (rank 0 what a single process samples).
    let rank_seed = (rank as u64).wrapping_mul(0x1000_0000_01b3);
    if writer {
        std::fs::create_dir_all(out).map_err(|e| io_err(out, e))?;
    }
    let log_path = out.join("train.jsonl");
    let names: Vec<String> = designs.iter().map(|d| d.name.clone()).collect();
    let mut ancestors: Vec<SeenDesign> = Vec::new();
    let (policy, mut side) = if resume {
        let (p, s) = load_policy(out, device)?;
        if s.options.grid != opts.grid {
            return Err(TrainError::Incompatible(format!(
                "{}: checkpoint grid {} but --grid {}",
                out.display(),
                s.options.grid,
                opts.grid
            )));
        }
        // Keep only the log lines the checkpoint covers.
        if writer && let Ok(text) = std::fs::read_to_string(&log_path) {
            let kept: String = text
                .lines()
                .filter(|l| {
                    serde_json::from_str::<serde_json::Value>(l)
                        .ok()
                        .and_then(|v| v["update"].as_u64())
                        .is_some_and(|u| u <= s.update)
                })
                .map(|l| format!("{l}\n"))
                .collect();
            netlists::io::write_atomic(&log_path, |w| w.write_all(kept.as_bytes()))
                .map_err(|e| io_err(&log_path, e))?;
        }
        tch::manual_seed(opts.seed.wrapping_add(s.update).wrapping_add(rank_seed) as i64);
        (p, s)
    } else {
        tch::manual_seed(opts.seed as i64);
        let p = match &opts.init_from {
            // Fine-tuning: the network (shapes and weights) of another checkpoint.
            Some(dir) => {
                let (mut p, s) = load_policy(Path::new(dir), device)?;
                if s.options.grid != opts.grid {
                    return Err(TrainError::Incompatible(format!(
                        "{dir}: checkpoint grid {} but --grid {}",
                        s.options.grid, opts.grid
                    )));
                }
                // The network's shapes and weights; the episode end is this run's.
                p.config.episode_end = opts.policy.episode_end;
                // What the ancestor saw, the network has seen.
                ancestors = if s.seen.is_empty() {
                    s.designs
                        .iter()
                        .map(|n| SeenDesign {
                            name: n.clone(),
                            fingerprint: None,
                        })
                        .collect()
                } else {
                    s.seen
                };
                p
            }
            None => Policy::new(device, opts.policy.clone()),
        };
        let mut opts = opts.clone();
        opts.policy = p.config.clone();
        let s = Sidecar {
            feature_version: FEATURE_VERSION,
            channels: p.config.channels as usize,
            options: opts,
            designs: names.clone(),
            update: 0,
            env_steps: 0,
            wall_seconds: 0.0,
            best_proxy: None,
            return_scales: Vec::new(),
            elites: Vec::new(),
            weights: default_weights_file(),
            optimizer: None,
            optimizer_steps: 0,
            seen: Vec::new(),
        };
        if writer && log_path.exists() {
            std::fs::remove_file(&log_path).map_err(|e| io_err(&log_path, e))?;
        }
        (p, s)
    };
    side.options.command = opts.command.clone();
    if side.designs != names || side.return_scales.len() != names.len() {
        side.return_scales = vec![crate::ppo::ReturnScale::default(); names.len()];
    }
    if side.designs != names || side.elites.len() != names.len() {
        side.elites = vec![None; names.len()];
    }
    side.designs = names;
    for d in ancestors
        .into_iter()
        .chain(designs.iter().map(|d| SeenDesign::of(&d.name, d.netlist)))
    {
        side.add_seen(d);
    }
    let mut trainer = Trainer::new(&policy, opts.ppo.clone())?;
    trainer.opt.broadcast_weights();
    if resume && let Some(adam) = &side.optimizer {
        let path = out.join(adam);
        trainer
            .opt
            .load(&path, side.optimizer_steps)
            .map_err(|e| io_err(&path, e))?;
    }
    let env_opts = policy.config.env_options(opts.grid);
    let graphs: Vec<DesignGraph> = designs
        .iter()
        .map(|d| DesignGraph::new(d.netlist, device))
        .collect();
    let mut envs: Vec<Vec<PlaceEnv>> = designs
        .iter()
        .map(|d| {
            (0..opts.ppo.envs.max(1))
                .map(|_| PlaceEnv::new(d.netlist, d.start, &d.params, &env_opts))
                .collect()
        })
        .collect();
    let t0 = Instant::now();
    let wall0 = side.wall_seconds;
    let mut log = if writer {
        Some(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&log_path)
                .map_err(|e| io_err(&log_path, e))?,
        )
    } else {
        None
    };
    let mut since_ckpt = 0;
    loop {
        // The ranks stop together: when any rank's clock says so.
        let late = t0.elapsed().as_secs_f64() >= opts.time_limit;
        if (if ranks_n > 1 {
            placer::ranks::any(late)
        } else {
            late
        }) || opts.max_updates.is_some_and(|m| side.update >= m)
            || designs.is_empty()
        {
            break;
        }
        // libtorch's generator (action sampling, minibatch order) restarts from the run's
        // seed and the update number, so that a resumed run draws what the uninterrupted one
        // would.
        tch::manual_seed(opts.seed.wrapping_add(side.update).wrapping_add(rank_seed) as i64);
        let k = (side.update as usize) % designs.len();
        let t_rollout = Instant::now();
        let rollout = agree(
            collect_scaled(
                &policy,
                &graphs[k],
                &mut envs[k],
                &opts.ppo,
                &mut side.return_scales[k],
            )
            .map_err(TrainError::from),
        )?;
        if ranks_n > 1 {
            // One return scale for the job, so a checkpoint holds every rank's.
            let sc = &mut side.return_scales[k];
            let mut v = [sc.mean, sc.std];
            placer::ranks::mean_f64(&mut v);
            (sc.mean, sc.std) = (v[0], v[1]);
        }
        let rollout_seconds = t_rollout.elapsed().as_secs_f64();
        let t_update = Instant::now();
        let stats = trainer.update(&policy, &graphs[k], &rollout);
        let losses = [stats.policy_loss, stats.value_loss, stats.entropy];
        let bad = losses.iter().any(|v| !v.is_finite());
        if (ranks_n > 1 && placer::ranks::any(bad)) || bad {
            return Err(TrainError::NonFinite(format!(
                "update {}: the loss became NaN or infinite (policy {}, value {}, entropy {}; \
                 lower --lr); the last good checkpoint in {} is kept",
                side.update + 1,
                stats.policy_loss,
                stats.value_loss,
                stats.entropy,
                out.display()
            )));
        }
        crate::ppo::Elite::offer(&mut side.elites[k], &rollout);
        if ranks_n > 1 {
            share_elite(&mut side.elites[k]);
        }
        let mut expert_proxy = f64::NAN;
        let mut expert_seconds = 0.0;
        if opts.expert_moves > 0
            && (side.update / designs.len() as u64).is_multiple_of(opts.expert_every.max(1))
            && let (Some(elite), Some(env)) = (&mut side.elites[k], envs[k].first_mut())
        {
            let t_expert = Instant::now();
            expert_proxy = expert_improve(elite, env, &designs[k], opts, side.update)?;
            expert_seconds = t_expert.elapsed().as_secs_f64();
        }
        let mut sil_nll = 0.0;
        if opts.ppo.sil_coef > 0.0
            && let (Some(elite), Some(env)) = (&side.elites[k], envs[k].first_mut())
        {
            let steps = elite.replay(env);
            for i in 0..opts.ppo.sil_steps.max(1) {
                let nll = trainer.imitate(&policy, &graphs[k], &steps);
                if i == 0 {
                    sil_nll = nll;
                }
            }
        }
        let update_seconds = t_update.elapsed().as_secs_f64() - expert_seconds;
        side.update += 1;
        side.env_steps += rollout.transitions.len() as u64;
        let n = rollout.episode_returns.len().max(1) as f64;
        let mean_proxy = rollout.episode_proxies.iter().sum::<f64>() / n;
        let best = rollout
            .episode_proxies
            .iter()
            .copied()
            .fold(f64::INFINITY, f64::min);
        side.best_proxy = Some(side.best_proxy.map_or(best, |b| b.min(best)));
        side.wall_seconds = wall0 + t0.elapsed().as_secs_f64();
        let row = LogRow {
            update: side.update,
            design: designs[k].name.clone(),
            env_steps: side.env_steps,
            wall_seconds: side.wall_seconds,
            mean_return: rollout.episode_returns.iter().sum::<f64>() / n,
            mean_proxy,
            best_proxy: side.best_proxy.unwrap_or(best),
            stats,
            lr: opts.ppo.lr,
            wire_gain: policy.wire_gain(),
            return_mean: side.return_scales[k].mean,
            rollout_seconds,
            update_seconds,
            expert_seconds,
            elite_proxy: side.elites[k].as_ref().map_or(f64::NAN, |e| e.proxy),
            sil_nll,
            expert_proxy,
            rank_weight_hashes: Vec::new(),
            comm_seconds: 0.0,
        };
        let mut row = row;
        if ranks_n > 1 {
            // Every rank's weights hash (two exact 32-bit halves each), to show they agree.
            let h = trainer.opt.weights_hash();
            let lo = placer::ranks::all_gather((h & 0xffff_ffff) as f64);
            let hi = placer::ranks::all_gather((h >> 32) as f64);
            row.rank_weight_hashes = lo
                .iter()
                .zip(&hi)
                .map(|(&l, &h)| format!("{:016x}", ((h as u64) << 32) | l as u64))
                .collect();
            row.comm_seconds = placer::ranks::stats().seconds;
        }
        if let Some(log) = log.as_mut() {
            let line = serde_json::to_string(&row).map_err(|e| io_err(&log_path, e))?;
            writeln!(log, "{line}").map_err(|e| io_err(&log_path, e))?;
            log.flush().map_err(|e| io_err(&log_path, e))?;
        }
        progress(&row);
        since_ckpt += 1;
        if since_ckpt >= opts.checkpoint_every.max(1) {
            if writer {
                save_checkpoint(out, &policy, &trainer, &mut side)?;
            }
            since_ckpt = 0;
        }
    }
    if writer && (since_ckpt > 0 || !out.join("policy.json").exists()) {
        save_checkpoint(out, &policy, &trainer, &mut side)?;
    }
    Ok(side)
}

/// `result` if it is `Ok` on every rank; an error on every rank otherwise (a rank that failed
/// says why, the others that another rank failed), so that no rank waits for the others.
fn agree<T>(result: Result<T, TrainError>) -> Result<T, TrainError> {
    if placer::ranks::group().size() == 1 {
        return result;
    }
    let failed = placer::ranks::any(result.is_err());
    match result {
        Ok(_) if failed => Err(TrainError::Incompatible(
            "another rank failed (its error is above); stopping".into(),
        )),
        r => r,
    }
}

/// Makes the job's best elite every rank's: its proxy and actions broadcast from the rank
/// that holds it.
fn share_elite(slot: &mut Option<crate::ppo::Elite>) {
    let mine = slot.as_ref().map_or(f64::INFINITY, |e| e.proxy);
    let (best, from) = placer::ranks::argmin_f64(mine);
    let mut len = [slot.as_ref().map_or(0.0, |e| e.actions.len() as f64)];
    placer::ranks::broadcast(from, &mut len);
    let mut actions: Vec<f64> = vec![0.0; len[0] as usize];
    if let Some(e) = slot.as_ref()
        && placer::ranks::group().rank() == from
    {
        for (a, &v) in actions.iter_mut().zip(&e.actions) {
            *a = v as f64;
        }
    }
    placer::ranks::broadcast(from, &mut actions);
    if best.is_finite() {
        *slot = Some(crate::ppo::Elite {
            proxy: best,
            actions: actions.into_iter().map(|v| v as u32).collect(),
        });
    }
}
