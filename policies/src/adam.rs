//! Adam with gradient-norm clipping, written over the policy's variables so that its state
//! (first and second moments, step count) can be saved with a checkpoint and restored: a
//! resumed run then continues exactly as the uninterrupted one would (libtorch's own optimiser
//! hides its state). The update is PyTorch's `Adam` (β = 0.9, 0.999, ε = 1e-8, no weight
//! decay), `clip_grad_norm` is PyTorch's (total 2-norm, coefficient `max / (norm + 1e-6)`).

use std::path::Path;

use tch::{Kind, Tensor};

use crate::policy::Policy;

const BETA1: f64 = 0.9;
const BETA2: f64 = 0.999;
const EPS: f64 = 1e-8;

struct Slot {
    name: String,
    param: Tensor,
    m: Tensor,
    v: Tensor,
    lr: f64,
}

/// The optimiser state over one policy's trainable variables (in name order).
pub struct Adam {
    slots: Vec<Slot>,
    /// Steps taken.
    pub steps: u64,
}

impl Adam {
    /// Fresh state for `policy`: learning rate `lr`, and `gain_lr` for the wire-mask gain
    /// (when positive).
    pub fn new(policy: &Policy, lr: f64, gain_lr: f64) -> Adam {
        let mut vars: Vec<(String, Tensor)> = policy.vs.variables().into_iter().collect();
        vars.sort_by(|a, b| a.0.cmp(&b.0));
        let slots = vars
            .into_iter()
            .filter(|(_, t)| t.requires_grad())
            .map(|(name, param)| {
                let gain = name.ends_with("wire_gain");
                Slot {
                    m: param.zeros_like(),
                    v: param.zeros_like(),
                    lr: if gain && gain_lr > 0.0 { gain_lr } else { lr },
                    name,
                    param,
                }
            })
            .collect();
        Adam { slots, steps: 0 }
    }

    /// Clears every gradient.
    pub fn zero_grad(&mut self) {
        for s in &mut self.slots {
            s.param.zero_grad();
        }
    }

    /// Replaces every gradient by its mean over the job's ranks ([`placer::ranks`]); nothing
    /// to do in a single process. Every rank then takes the same step from the same weights.
    pub fn average_grads_over_ranks(&mut self) {
        if placer::ranks::group().size() == 1 {
            return;
        }
        tch::no_grad(|| {
            let grads: Vec<Tensor> = self
                .slots
                .iter()
                .map(|s| s.param.grad())
                .filter(Tensor::defined)
                .collect();
            let mut buf: Vec<f64> = grads.iter().flat_map(as_f64s).collect();
            placer::ranks::mean_f64(&mut buf);
            let mut at = 0;
            for mut g in grads {
                let n = g.numel();
                set_from_f64s(&mut g, &buf[at..(at + n).min(buf.len())]);
                at += n;
            }
        });
    }

    /// Gives every rank rank 0's weights (so that ranks start identical whatever their
    /// generators did).
    pub fn broadcast_weights(&mut self) {
        if placer::ranks::group().size() == 1 {
            return;
        }
        tch::no_grad(|| {
            for s in &mut self.slots {
                let mut buf = as_f64s(&s.param);
                placer::ranks::broadcast(0, &mut buf);
                set_from_f64s(&mut s.param, &buf);
            }
        });
    }

    /// A hash of every weight's bits (to check that ranks hold the same parameters).
    pub fn weights_hash(&self) -> u64 {
        placer::ranks::hash_f64(self.slots.iter().flat_map(|s| as_f64s(&s.param)))
    }

    /// Scales the gradients down so that their total 2-norm is at most `max_norm`.
    pub fn clip_grad_norm(&mut self, max_norm: f64) {
        tch::no_grad(|| {
            let grads: Vec<Tensor> = self
                .slots
                .iter()
                .map(|s| s.param.grad())
                .filter(Tensor::defined)
                .collect();
            let total: f64 = grads
                .iter()
                .map(|g| g.square().sum(Kind::Double).double_value(&[]))
                .sum::<f64>()
                .sqrt();
            let coef = max_norm / (total + 1e-6);
            if coef < 1.0 {
                for mut g in grads {
                    let _ = g.f_mul_scalar_(coef);
                }
            }
        });
    }

    /// One Adam step with the current gradients.
    pub fn step(&mut self) {
        self.steps += 1;
        let t = self.steps as i32;
        let bc1 = 1.0 - BETA1.powi(t);
        let bc2 = 1.0 - BETA2.powi(t);
        tch::no_grad(|| {
            for s in &mut self.slots {
                let g = s.param.grad();
                if !g.defined() {
                    continue;
                }
                s.m = &s.m * BETA1 + &g * (1.0 - BETA1);
                s.v = &s.v * BETA2 + g.square() * (1.0 - BETA2);
                let denom = s.v.sqrt() / bc2.sqrt() + EPS;
                let update = (&s.m / denom) * (s.lr / bc1);
                let _ = s.param.f_sub_(&update);
            }
        });
    }

    /// Writes the moments to `path` (safetensors); the step count goes in the sidecar.
    pub fn save(&self, path: &Path) -> Result<(), tch::TchError> {
        let mut named: Vec<(String, &Tensor)> = Vec::with_capacity(2 * self.slots.len());
        for s in &self.slots {
            named.push((format!("m.{}", s.name), &s.m));
            named.push((format!("v.{}", s.name), &s.v));
        }
        Tensor::write_safetensors(&named, path)
    }

    /// Restores the moments saved by [`Adam::save`] and the step count.
    pub fn load(&mut self, path: &Path, steps: u64) -> Result<(), tch::TchError> {
        let saved: std::collections::HashMap<String, Tensor> =
            Tensor::read_safetensors(path)?.into_iter().collect();
        for s in &mut self.slots {
            let (Some(m), Some(v)) = (
                saved.get(&format!("m.{}", s.name)),
                saved.get(&format!("v.{}", s.name)),
            ) else {
                return Err(tch::TchError::FileFormat(format!(
                    "{}: no moments for `{}`",
                    path.display(),
                    s.name
                )));
            };
            if m.size() != s.param.size() || v.size() != s.param.size() {
                return Err(tch::TchError::FileFormat(format!(
                    "{}: moments of `{}` have the wrong shape",
                    path.display(),
                    s.name
                )));
            }
            let device = s.param.device();
            s.m = m.to_device(device);
            s.v = v.to_device(device);
        }
        self.steps = steps;
        Ok(())
    }
}

/// A tensor's values as `f64`, in order, on the CPU (for collectives and hashes).
fn as_f64s(t: &Tensor) -> Vec<f64> {
    let flat = t.to_kind(Kind::Double).flatten(0, -1).to(tch::Device::Cpu);
    Vec::<f64>::try_from(&flat).unwrap_or_default()
}

/// Overwrites `t` (its kind, device and shape kept) with `values` ([`as_f64s`]'s order).
fn set_from_f64s(t: &mut Tensor, values: &[f64]) {
    let v = Tensor::from_slice(values)
        .to_kind(t.kind())
        .to(t.device())
        .reshape(t.size());
    t.copy_(&v);
}
