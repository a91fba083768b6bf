//! Proximal policy optimisation over [`placer::env::PlaceEnv`] episodes.
//!
//! **Rollout**: `E` environments of one design step in lockstep; at each step their
//! observations are stacked and the policy is evaluated once for the batch under `no_grad`;
//! actions are sampled from the masked softmax (libtorch's generator: seed it for
//! reproducibility); the environments step in parallel (rayon). An episode that ends early (a
//! dead end settled by the legalizer) just leaves the batch.
//!
//! **Return scale**: rewards are divided by a running standard deviation of the design's
//! episode returns, and the running mean is subtracted at the episode's last step
//! ([`ReturnScale`]), so value targets are O(1) on every design instead of the value head first
//! having to learn each design's offset (returns are −proxy ≈ −0.8: a value head starting at 0
//! spends thousands of Adam steps on the offset). With live-cost environments the statistics
//! are over every step's return-to-go instead of the episode totals alone: there the
//! return-to-go drifts along the episode by the partial placement's cost (≈ 0.3), a hundred
//! times the spread of episode returns (≈ 0.003), and scaling by the latter made value targets
//! of ±100 whose loss swamped the policy's gradient in the shared layers.
//!
//! **Update**: GAE(λ) advantages with γ (1 by default: the return is −proxy), normalised over
//! the rollout; `epochs` passes over shuffled minibatches of the clipped surrogate
//! `−min(ρA, clip(ρ, 1±ε)A)`, plus `value_coef ×` the squared value error, minus
//! `entropy_coef ×` the policy entropy; Adam with gradient-norm clipping.

use placer::env::{Observation, PlaceEnv};
use rayon::prelude::*;
use tch::{Device, Kind, Tensor};

use crate::policy::{Batch, DesignGraph, Policy};

/// PPO settings.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PpoConfig {
    /// Environments per rollout.
    pub envs: usize,
    /// Passes over each rollout.
    pub epochs: usize,
    /// Minibatch size (transitions).
    pub minibatch: usize,
    /// Clip range ε.
    pub clip: f64,
    /// Value-loss weight.
    pub value_coef: f64,
    /// Entropy-bonus weight.
    pub entropy_coef: f64,
    /// Adam learning rate.
    pub lr: f64,
    /// GAE λ.
    pub lambda: f64,
    /// Discount γ.
    pub gamma: f64,
    /// Gradient-norm clip.
    pub max_grad_norm: f64,
    /// Adam learning rate of the wire-mask prior's (log) gain: the policy's inverse
    /// temperature, one scalar that may move much faster than the network's weights (0.01 =
    /// about 1% per step). 0 = same as `lr`.
    #[serde(default)]
    pub gain_lr: f64,
    /// Weight of self-imitation: after each update, one Adam step on `sil_coef ×` the negative
    /// log-likelihood of the best episode found so far on the design (its actions replayed), so
    /// the policy keeps and refines its best trajectory instead of forgetting it (0 = off).
    #[serde(default)]
    pub sil_coef: f64,
    /// Self-imitation Adam steps per update (each over the whole elite episode); 0 counts as 1.
    #[serde(default = "one")]
    pub sil_steps: usize,
}

fn one() -> usize {
    1
}

impl Default for PpoConfig {
    fn default() -> Self {
        PpoConfig {
            envs: 4,
            epochs: 4,
            minibatch: 128,
            clip: 0.2,
            value_coef: 0.5,
            entropy_coef: 0.001,
            lr: 4e-4,
            lambda: 0.95,
            gamma: 1.0,
            max_grad_norm: 0.5,
            gain_lr: 0.01,
            sil_coef: 0.0,
            sil_steps: 1,
        }
    }
}

/// One transition.
#[derive(Debug, Clone)]
pub struct Transition {
    /// What the policy saw.
    pub obs: Observation,
    /// The action taken.
    pub action: i64,
    /// Its log-probability under the acting policy.
    pub logp: f32,
    /// The value estimate.
    pub value: f32,
    /// The reward.
    pub reward: f32,
    /// GAE advantage (filled by [`Rollout::finish`]).
    pub advantage: f32,
    /// Return target (filled by [`Rollout::finish`]).
    pub ret: f32,
}

/// Running mean and standard deviation of one design's episode returns (or, with live-cost
/// environments, of every step's return-to-go; exponential moving averages, the first rollout
/// sets them).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ReturnScale {
    /// Mean return.
    pub mean: f64,
    /// Standard deviation of returns.
    pub std: f64,
    /// Rollouts seen.
    pub rollouts: u64,
}

impl Default for ReturnScale {
    fn default() -> Self {
        ReturnScale {
            mean: 0.0,
            std: 1.0,
            rollouts: 0,
        }
    }
}

impl ReturnScale {
    /// Weight of a new rollout in the moving averages.
    pub const RATE: f64 = 0.2;
    /// Smallest standard deviation used (returns are proxy costs, O(1)).
    pub const MIN_STD: f64 = 1e-3;

    /// Folds in a rollout's returns.
    pub fn observe(&mut self, returns: &[f64]) {
        if returns.is_empty() {
            return;
        }
        let n = returns.len() as f64;
        let mean = returns.iter().sum::<f64>() / n;
        let var = returns.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / n;
        if self.rollouts == 0 {
            self.mean = mean;
            self.std = var.sqrt();
        } else {
            let a = Self::RATE;
            let new_mean = (1.0 - a) * self.mean + a * mean;
            let old_var = self.std * self.std + (self.mean - new_mean).powi(2);
            let batch_var = var + (mean - new_mean).powi(2);
            self.mean = new_mean;
            self.std = ((1.0 - a) * old_var + a * batch_var).sqrt();
        }
        self.rollouts += 1;
    }

    /// The standard deviation used for scaling.
    pub fn scale(&self) -> f64 {
        self.std.max(Self::MIN_STD)
    }
}

/// Transitions of a set of episodes.
#[derive(Debug, Clone, Default)]
pub struct Rollout {
    /// Transitions, episode after episode.
    pub transitions: Vec<Transition>,
    /// Return of each episode.
    pub episode_returns: Vec<f64>,
    /// Proxy cost of each episode's placement.
    pub episode_proxies: Vec<f64>,
    /// The best episode's placement.
    pub best_placement: Option<netlists::Placement>,
    /// The actions of each episode, in order (for self-imitation).
    pub episode_actions: Vec<Vec<u32>>,
}

impl Rollout {
    fn finish(
        &mut self,
        episodes: Vec<Vec<Transition>>,
        gamma: f64,
        lambda: f64,
        scale: &ReturnScale,
    ) {
        let s = scale.scale();
        for mut ep in episodes {
            let mut next_value = 0.0f64;
            let mut gae = 0.0f64;
            let last = ep.len().saturating_sub(1);
            for t in (0..ep.len()).rev() {
                let tr = &mut ep[t];
                // Scaled reward; the last step also carries minus the mean return.
                let offset = if t == last { scale.mean } else { 0.0 };
                let reward = (tr.reward as f64 - offset) / s;
                let delta = reward + gamma * next_value - tr.value as f64;
                gae = delta + gamma * lambda * gae;
                tr.advantage = gae as f32;
                tr.ret = (gae + tr.value as f64) as f32;
                next_value = tr.value as f64;
            }
            self.transitions.extend(ep);
        }
    }
}

/// Runs one episode in each environment with the policy sampling actions; advantages and value
/// targets are scaled by statistics of these episodes alone (see [`collect_scaled`]).
pub fn collect(
    policy: &Policy,
    graph: &DesignGraph,
    envs: &mut [PlaceEnv],
    cfg: &PpoConfig,
) -> Result<Rollout, placer::env::EnvError> {
    collect_scaled(policy, graph, envs, cfg, &mut ReturnScale::default())
}

/// Runs one episode in each environment with the policy sampling actions, folds the episode
/// returns into `scale` (the design's running statistics) and computes advantages and value
/// targets in its units. `Transition::reward` keeps the environment's unscaled reward.
pub fn collect_scaled(
    policy: &Policy,
    graph: &DesignGraph,
    envs: &mut [PlaceEnv],
    cfg: &PpoConfig,
    scale: &mut ReturnScale,
) -> Result<Rollout, placer::env::EnvError> {
    // A few observations per network call while rayon steps the environments: one intra-op
    // thread is faster (see `OneIntraOpThread`).
    let _one_thread = crate::device::OneIntraOpThread::new();
    let device = policy.vs.device();
    envs.par_iter_mut().for_each(|e| e.reset());
    let n = envs.len();
    let mut episodes: Vec<Vec<Transition>> = vec![Vec::new(); n];
    let mut returns = vec![0.0f64; n];
    let mut proxies = vec![f64::NAN; n];
    let mut obs: Vec<Observation> = vec![Observation::default(); n];
    loop {
        let active: Vec<usize> = (0..n).filter(|&i| !envs[i].done()).collect();
        if active.is_empty() {
            break;
        }
        envs.par_iter()
            .zip(obs.par_iter_mut())
            .filter(|(e, _)| !e.done())
            .for_each(|(e, o)| e.observe(o));
        let refs: Vec<&Observation> = active.iter().map(|&i| &obs[i]).collect();
        let batch = Batch::from_observations(&refs, graph, device);
        let (actions, logps, values) = tch::no_grad(|| {
            let (logits, values) = policy.forward(&batch, graph);
            let logp_all = logits.log_softmax(1, Kind::Float);
            let probs = logp_all.exp();
            if !bool::try_from(probs.isfinite().all()).unwrap_or(false) {
                return Err(placer::env::EnvError::NonFinite(
                    "the policy's action probabilities are NaN or infinite (diverged weights; \
                     lower --lr)"
                        .into(),
                ));
            }
            let actions = probs.multinomial(1, true);
            let logp = logp_all.gather(1, &actions, false).squeeze_dim(1);
            Ok((
                actions.squeeze_dim(1).to_device(Device::Cpu),
                logp.to_device(Device::Cpu),
                values.to_device(Device::Cpu),
            ))
        })?;
        let actions = Vec::<i64>::try_from(&actions).unwrap_or_default();
        let logps = Vec::<f32>::try_from(&logps).unwrap_or_default();
        let values = Vec::<f32>::try_from(&values).unwrap_or_default();
        // Step the active environments in parallel.
        let mut slots: Vec<(usize, &mut PlaceEnv)> = envs
            .iter_mut()
            .enumerate()
            .filter(|(i, _)| active.contains(i))
            .collect();
        let outcomes: Vec<Result<placer::env::StepOutcome, placer::env::EnvError>> = slots
            .par_iter_mut()
            .enumerate()
            .map(|(k, (_, e))| e.step(actions[k] as usize))
            .collect();
        for (k, out) in outcomes.into_iter().enumerate() {
            let i = active[k];
            let out = out?;
            returns[i] += out.reward;
            if let Some(c) = &out.cost {
                proxies[i] = c.proxy_cost;
            }
            episodes[i].push(Transition {
                obs: obs[i].clone(),
                action: actions[k],
                logp: logps[k],
                value: values[k],
                reward: out.reward as f32,
                advantage: 0.0,
                ret: 0.0,
            });
        }
    }
    let mut r = Rollout {
        episode_returns: returns,
        episode_proxies: proxies.clone(),
        ..Rollout::default()
    };
    let best = (0..n).min_by(|&a, &b| proxies[a].total_cmp(&proxies[b]));
    r.best_placement = best.map(|i| envs[i].placement().clone());
    r.episode_actions = episodes
        .iter()
        .map(|ep| ep.iter().map(|t| t.action as u32).collect())
        .collect();
    let mut to_go = Vec::with_capacity(episodes.iter().map(Vec::len).sum());
    for ep in &episodes {
        let mut g = 0.0f64;
        let start = to_go.len();
        for tr in ep.iter().rev() {
            g = tr.reward as f64 + cfg.gamma * g;
            to_go.push(g);
        }
        to_go[start..].reverse();
    }
    if envs.iter().any(|e| e.live_cost()) {
        scale.observe(&to_go);
    } else {
        scale.observe(&r.episode_returns);
    }
    r.finish(episodes, cfg.gamma, cfg.lambda, scale);
    Ok(r)
}

/// Losses of one update.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct UpdateStats {
    /// Clipped surrogate loss (mean over minibatches).
    pub policy_loss: f64,
    /// Value loss.
    pub value_loss: f64,
    /// Policy entropy.
    pub entropy: f64,
    /// Approximate KL(old ‖ new).
    pub approx_kl: f64,
    /// Fraction of clipped ratios.
    pub clip_fraction: f64,
}

/// The optimiser state around a policy.
pub struct Trainer {
    /// Adam (its state is saved with checkpoints).
    pub opt: crate::adam::Adam,
    /// Settings.
    pub cfg: PpoConfig,
}

impl Trainer {
    /// Adam over `policy`'s parameters.
    pub fn new(policy: &Policy, cfg: PpoConfig) -> Result<Trainer, tch::TchError> {
        let opt = crate::adam::Adam::new(policy, cfg.lr, cfg.gain_lr);
        Ok(Trainer { opt, cfg })
    }

    /// The PPO loss and its parts on transitions `idx` of `rollout` (advantages normalised with
    /// `mean`, `std`).
    fn loss(
        &self,
        policy: &Policy,
        graph: &DesignGraph,
        rollout: &Rollout,
        idx: &[usize],
        norm: (f32, f32),
    ) -> (Tensor, UpdateStats) {
        let device = policy.vs.device();
        let trs: Vec<&Transition> = idx.iter().map(|&i| &rollout.transitions[i]).collect();
        let obs: Vec<&Observation> = trs.iter().map(|t| &t.obs).collect();
        let batch = Batch::from_observations(&obs, graph, device);
        let f = |v: Vec<f32>| Tensor::from_slice(&v).to_device(device);
        let actions = Tensor::from_slice(&trs.iter().map(|t| t.action).collect::<Vec<_>>())
            .to_device(device)
            .unsqueeze(1);
        let old_logp = f(trs.iter().map(|t| t.logp).collect());
        let adv = f(trs
            .iter()
            .map(|t| (t.advantage - norm.0) / norm.1)
            .collect());
        let ret = f(trs.iter().map(|t| t.ret).collect());
        let (logits, values) = policy.forward(&batch, graph);
        let logp_all = logits.log_softmax(1, Kind::Float);
        let logp = logp_all.gather(1, &actions, false).squeeze_dim(1);
        let ratio = (&logp - &old_logp).exp();
        let c = self.cfg.clip;
        let surr = (&ratio * &adv).min_other(&(ratio.clamp(1.0 - c, 1.0 + c) * &adv));
        let policy_loss = -surr.mean(Kind::Float);
        let value_loss = (&values - &ret).square().mean(Kind::Float);
        let p = logp_all.exp();
        let entropy = -(p * logp_all.clamp_min(-1e4))
            .sum_dim_intlist(1, false, Kind::Float)
            .mean(Kind::Float);
        let loss =
            &policy_loss + self.cfg.value_coef * &value_loss - self.cfg.entropy_coef * &entropy;
        let stats = tch::no_grad(|| UpdateStats {
            policy_loss: policy_loss.double_value(&[]),
            value_loss: value_loss.double_value(&[]),
            entropy: entropy.double_value(&[]),
            approx_kl: (&old_logp - &logp).mean(Kind::Float).double_value(&[]),
            clip_fraction: ((&ratio - 1.0).abs().gt(c))
                .to_kind(Kind::Float)
                .mean(Kind::Float)
                .double_value(&[]),
        });
        (loss, stats)
    }

    fn adv_norm(rollout: &Rollout) -> (f32, f32) {
        let n = rollout.transitions.len().max(1) as f64;
        let mean = rollout
            .transitions
            .iter()
            .map(|t| t.advantage as f64)
            .sum::<f64>()
            / n;
        let var = rollout
            .transitions
            .iter()
            .map(|t| (t.advantage as f64 - mean).powi(2))
            .sum::<f64>()
            / n;
        (mean as f32, (var.sqrt() + 1e-8) as f32)
    }

    /// The loss on the whole rollout (no update), for tests and logs.
    pub fn evaluate(&self, policy: &Policy, graph: &DesignGraph, rollout: &Rollout) -> f64 {
        let idx: Vec<usize> = (0..rollout.transitions.len()).collect();
        let norm = Self::adv_norm(rollout);
        tch::no_grad(|| {
            self.loss(policy, graph, rollout, &idx, norm)
                .0
                .double_value(&[])
        })
    }

    /// One PPO update on `rollout`; minibatch order from libtorch's generator.
    pub fn update(
        &mut self,
        policy: &Policy,
        graph: &DesignGraph,
        rollout: &Rollout,
    ) -> UpdateStats {
        let n = rollout.transitions.len();
        let norm = Self::adv_norm(rollout);
        let mut acc = UpdateStats::default();
        let mut count = 0.0;
        // Under MPI every rank takes the same number of steps (the fewest minibatches of any
        // rank's rollout), each on the mean of the ranks' gradients.
        let mb = self.cfg.minibatch.max(1);
        let mut chunks_per_epoch = n.div_ceil(mb);
        if placer::ranks::group().size() > 1 {
            chunks_per_epoch = -placer::ranks::max_f64(-(chunks_per_epoch as f64)) as usize;
        }
        for _ in 0..self.cfg.epochs {
            let perm = Vec::<i64>::try_from(Tensor::randperm(n as i64, (Kind::Int64, Device::Cpu)))
                .unwrap_or_else(|_| (0..n as i64).collect());
            for chunk in perm.chunks(mb).take(chunks_per_epoch) {
                let idx: Vec<usize> = chunk.iter().map(|&i| i as usize).collect();
                let (loss, s) = self.loss(policy, graph, rollout, &idx, norm);
                self.opt.zero_grad();
                loss.backward();
                self.opt.average_grads_over_ranks();
                self.opt.clip_grad_norm(self.cfg.max_grad_norm);
                self.opt.step();
                acc.policy_loss += s.policy_loss;
                acc.value_loss += s.value_loss;
                acc.entropy += s.entropy;
                acc.approx_kl += s.approx_kl;
                acc.clip_fraction += s.clip_fraction;
                count += 1.0;
            }
        }
        if count > 0.0 {
            acc.policy_loss /= count;
            acc.value_loss /= count;
            acc.entropy /= count;
            acc.approx_kl /= count;
            acc.clip_fraction /= count;
        }
        acc
    }
}

/// The best episode found so far on one design, kept for self-imitation: its proxy and its
/// actions (the observations are regenerated by replaying them, so a checkpoint stores a few
/// hundred numbers instead of the observations).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Elite {
    /// Proxy cost of the episode.
    pub proxy: f64,
    /// Its actions, step by step.
    pub actions: Vec<u32>,
}

impl Elite {
    /// Replaces this elite by the rollout's best episode when that one is better (or when
    /// there is none yet); returns whether it did.
    pub fn offer(slot: &mut Option<Elite>, rollout: &Rollout) -> bool {
        let best = (0..rollout.episode_proxies.len())
            .filter(|&i| rollout.episode_proxies[i].is_finite())
            .min_by(|&a, &b| rollout.episode_proxies[a].total_cmp(&rollout.episode_proxies[b]));
        let Some(i) = best else {
            return false;
        };
        let p = rollout.episode_proxies[i];
        if slot.as_ref().is_some_and(|e| e.proxy <= p) {
            return false;
        }
        *slot = Some(Elite {
            proxy: p,
            actions: rollout.episode_actions.get(i).cloned().unwrap_or_default(),
        });
        true
    }

    /// Plays the episode in `env` (reset first) without building observations, leaving its
    /// result in [`PlaceEnv::placement`]; stops early if an action is refused.
    pub fn play(&self, env: &mut PlaceEnv) {
        env.reset();
        for &a in &self.actions {
            if env.done() || env.step(a as usize).is_err() {
                break;
            }
        }
    }

    /// The observations of the episode, replayed in `env` (reset first); stops early if an
    /// action is refused (the environment changed), returning what it has.
    pub fn replay(&self, env: &mut PlaceEnv) -> Vec<(Observation, u32)> {
        env.reset();
        let mut out = Vec::with_capacity(self.actions.len());
        for &a in &self.actions {
            if env.done() {
                break;
            }
            let mut o = Observation::default();
            env.observe(&mut o);
            if env.step(a as usize).is_err() {
                break;
            }
            out.push((o, a));
        }
        out
    }
}

impl Trainer {
    /// One Adam step on `sil_coef ×` the mean negative log-likelihood of `steps` (observation,
    /// action) under `policy`; returns the likelihood term before the step (0 when off or
    /// empty).
    pub fn imitate(
        &mut self,
        policy: &Policy,
        graph: &DesignGraph,
        steps: &[(Observation, u32)],
    ) -> f64 {
        if self.cfg.sil_coef <= 0.0 || steps.is_empty() {
            return 0.0;
        }
        let device = policy.vs.device();
        let obs: Vec<&Observation> = steps.iter().map(|s| &s.0).collect();
        let batch = Batch::from_observations(&obs, graph, device);
        let actions = Tensor::from_slice(&steps.iter().map(|s| s.1 as i64).collect::<Vec<_>>())
            .to_device(device)
            .unsqueeze(1);
        let (logits, _) = policy.forward(&batch, graph);
        let nll = -logits
            .log_softmax(1, Kind::Float)
            .gather(1, &actions, false)
            .mean(Kind::Float);
        let loss = self.cfg.sil_coef * &nll;
        self.opt.zero_grad();
        loss.backward();
        self.opt.average_grads_over_ranks();
        self.opt.clip_grad_norm(self.cfg.max_grad_norm);
        self.opt.step();
        tch::no_grad(|| nll.double_value(&[]))
    }
}

/// Greedy decoding: the most likely legal cell at every step; returns the episode's proxy cost.
pub fn decode_greedy(
    policy: &Policy,
    graph: &DesignGraph,
    env: &mut PlaceEnv,
) -> Result<f64, placer::env::EnvError> {
    let _one_thread = crate::device::OneIntraOpThread::new();
    let device = policy.vs.device();
    env.reset();
    let mut obs = Observation::default();
    let mut proxy = f64::NAN;
    while !env.done() {
        env.observe(&mut obs);
        let batch = Batch::from_observations(&[&obs], graph, device);
        let a = tch::no_grad(|| policy.forward(&batch, graph).0.argmax(1, false)).int64_value(&[0]);
        if let Some(c) = env.step(a as usize)?.cost {
            proxy = c.proxy_cost;
        }
    }
    Ok(proxy)
}
