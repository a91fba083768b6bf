//! Proximal policy optimisation over [`placer::env::PlaceEnv`] episodes.
//!
//! **Rollout**: `E` environments of one design step in lockstep; at each step their
//! observations are stacked and the policy is evaluated once for the batch under `no_grad`;
//! actions are sampled from the masked softmax (libtorch's generator: seed it for
//! reproducibility); the environments step in parallel (rayon). An episode that ends early (a
//! dead end settled by the legalizer) just leaves the batch.
//!
//! **Update**: GAE(λ) advantages with γ (1 by default: the return is −proxy), normalised over
//! the rollout; `epochs` passes over shuffled minibatches of the clipped surrogate
//! `−min(ρA, clip(ρ, 1±ε)A)`, plus `value_coef ×` the squared value error, minus
//! `entropy_coef ×` the policy entropy; Adam with gradient-norm clipping.

use placer::env::{Observation, PlaceEnv};
use rayon::prelude::*;
use tch::nn::{self, OptimizerConfig};
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
}

impl Default for PpoConfig {
    fn default() -> Self {
        PpoConfig {
            envs: 4,
            epochs: 4,
            minibatch: 128,
            clip: 0.2,
            value_coef: 0.5,
            entropy_coef: 0.01,
            lr: 4e-4,
            lambda: 0.95,
            gamma: 1.0,
            max_grad_norm: 0.5,
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
}

impl Rollout {
    fn finish(&mut self, episodes: Vec<Vec<Transition>>, gamma: f64, lambda: f64) {
        for mut ep in episodes {
            let mut next_value = 0.0f64;
            let mut gae = 0.0f64;
            for t in (0..ep.len()).rev() {
                let tr = &mut ep[t];
                let delta = tr.reward as f64 + gamma * next_value - tr.value as f64;
                gae = delta + gamma * lambda * gae;
                tr.advantage = gae as f32;
                tr.ret = (gae + tr.value as f64) as f32;
                next_value = tr.value as f64;
            }
            self.transitions.extend(ep);
        }
    }
}

/// Runs one episode in each environment with the policy sampling actions.
pub fn collect(
    policy: &Policy,
    graph: &DesignGraph,
    envs: &mut [PlaceEnv],
    cfg: &PpoConfig,
) -> Result<Rollout, placer::env::EnvError> {
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
            let actions = logp_all.exp().multinomial(1, true);
            let logp = logp_all.gather(1, &actions, false).squeeze_dim(1);
            (
                actions.squeeze_dim(1).to_device(Device::Cpu),
                logp.to_device(Device::Cpu),
                values.to_device(Device::Cpu),
            )
        });
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
    r.finish(episodes, cfg.gamma, cfg.lambda);
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
    /// Adam.
    pub opt: nn::Optimizer,
    /// Settings.
    pub cfg: PpoConfig,
}

impl Trainer {
    /// Adam over `policy`'s parameters.
    pub fn new(policy: &Policy, cfg: PpoConfig) -> Result<Trainer, tch::TchError> {
        let opt = nn::Adam::default().build(&policy.vs, cfg.lr)?;
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
        for _ in 0..self.cfg.epochs {
            let perm = Vec::<i64>::try_from(Tensor::randperm(n as i64, (Kind::Int64, Device::Cpu)))
                .unwrap_or_else(|_| (0..n as i64).collect());
            for chunk in perm.chunks(self.cfg.minibatch.max(1)) {
                let idx: Vec<usize> = chunk.iter().map(|&i| i as usize).collect();
                let (loss, s) = self.loss(policy, graph, rollout, &idx, norm);
                self.opt.zero_grad();
                loss.backward();
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

/// Greedy decoding: the most likely legal cell at every step; returns the episode's proxy cost.
pub fn decode_greedy(
    policy: &Policy,
    graph: &DesignGraph,
    env: &mut PlaceEnv,
) -> Result<f64, placer::env::EnvError> {
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
