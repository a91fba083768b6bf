//! A tiny regression model (two linear layers) and a trainer: the smallest end-to-end use of
//! libtorch — parameters on a device, forward, backward, Adam steps, checkpoint save and load.
//! It exists so CI proves the toolchain; the placement policy proper builds on the same pieces.

use std::path::Path;

use tch::nn::{self, Module, OptimizerConfig};
use tch::{Device, Kind, Tensor};

/// Losses observed while training.
#[derive(Debug, Clone)]
pub struct TrainLog {
    /// Mean squared error before each step.
    pub losses: Vec<f64>,
}

/// A two-layer perceptron fitted to `y = sum(x) ` on random data.
pub struct TinyModel {
    vs: nn::VarStore,
    net: nn::Sequential,
}

impl TinyModel {
    /// A fresh model on `device`, initialised from `seed`.
    pub fn new(device: Device, seed: i64) -> Self {
        tch::manual_seed(seed);
        let vs = nn::VarStore::new(device);
        let root = vs.root();
        let net = nn::seq()
            .add(nn::linear(&root / "l1", 4, 16, Default::default()))
            .add_fn(|x| x.relu())
            .add(nn::linear(&root / "l2", 16, 1, Default::default()));
        TinyModel { vs, net }
    }

    /// Trains `steps` Adam steps on a fixed random batch; returns the loss before each step.
    pub fn train(&mut self, steps: usize, seed: i64) -> TrainLog {
        let device = self.vs.device();
        tch::manual_seed(seed);
        let x = Tensor::randn([64, 4], (Kind::Float, device));
        let y = x.sum_dim_intlist(1, true, Kind::Float);
        let mut opt = nn::Adam::default()
            .build(&self.vs, 1e-2)
            .expect("optimizer");
        let mut losses = Vec::with_capacity(steps);
        for _ in 0..steps {
            let loss = self.net.forward(&x).mse_loss(&y, tch::Reduction::Mean);
            losses.push(loss.double_value(&[]));
            opt.backward_step(&loss);
        }
        TrainLog { losses }
    }

    /// Predicts for a batch of 4-feature rows.
    pub fn predict(&self, rows: &[[f32; 4]]) -> Vec<f32> {
        let flat: Vec<f32> = rows.iter().flatten().copied().collect();
        let x = Tensor::from_slice(&flat)
            .reshape([rows.len() as i64, 4])
            .to_device(self.vs.device());
        let y = tch::no_grad(|| self.net.forward(&x)).to_device(Device::Cpu);
        Vec::<f32>::try_from(y.reshape([-1])).expect("float output")
    }

    /// Saves the parameters.
    pub fn save(&self, path: &Path) -> Result<(), tch::TchError> {
        self.vs.save(path)
    }

    /// Loads parameters saved by [`TinyModel::save`].
    pub fn load(&mut self, path: &Path) -> Result<(), tch::TchError> {
        self.vs.load(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trains_a_few_steps_on_cpu_and_round_trips_a_checkpoint() {
        let mut m = TinyModel::new(Device::Cpu, 7);
        let log = m.train(60, 11);
        let first = log.losses[0];
        let last = *log.losses.last().unwrap();
        assert!(first.is_finite() && last.is_finite());
        assert!(
            last < 0.25 * first,
            "loss did not fall enough: {first} -> {last}"
        );

        let dir = tempfile_dir();
        let path = dir.join("tiny.ot");
        m.save(&path).unwrap();
        let mut other = TinyModel::new(Device::Cpu, 99);
        let rows = [[0.5, -1.0, 2.0, 0.25]];
        assert_ne!(other.predict(&rows), m.predict(&rows));
        other.load(&path).unwrap();
        assert_eq!(other.predict(&rows), m.predict(&rows));
        std::fs::remove_dir_all(dir).unwrap();
    }

    fn tempfile_dir() -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("policies-test-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        d
    }
}
