//! The placement policy network: a convolutional encoder/decoder over the environment's
//! observation channels producing one logit per grid cell (masked to the legal cells), fused
//! with a graph embedding of the current macro, plus a value head.
//!
//! - **Encoder**: 3×3 conv (C → w) at full resolution, two stride-2 3×3 convs (w → 2w → 2w).
//! - **Global**: mean of the coarse map ‖ scalar features ‖ the macro's graph embedding → MLP
//!   (64) → value, and a per-channel bias added to the coarse map (FiLM-style fusion).
//! - **Decoder**: two stride-2 4×4 transposed convs (2w → w → w), resized to the grid exactly
//!   (odd sizes), concatenated with the full-resolution encoder map (skip) → 1×1 conv → logits.
//! - **Graph embedding**: two rounds of message passing `H ← relu(Â H W)` over the netlist graph
//!   of macros and ports ([`netlists::graph::NetGraph`], symmetric-normalised with self loops,
//!   held as a sparse COO tensor), from per-node features (width, height, kind, degree).
//!
//! A learnable gain (initially [`WIRE_PRIOR`]) subtracts the normalised wire mask of the current
//! macro from the logits: the untrained policy is a soft wire-mask greedy, and PPO learns where
//! to depart from it (the policy proposes, the exact cost disposes).
//!
//! Illegal cells get logit −1e9 (softmax ≈ 0), so sampling or argmax never picks them while any
//! cell is legal. Sizes are small (w = 16, ~60k parameters) so one CPU core can train it.

use netlists::graph::{GraphOptions, NetGraph};
use netlists::{Netlist, NodeKind};
use tch::nn::{self, Module};
use tch::{Device, Kind, Tensor};

/// Shapes of the network (saved in the checkpoint sidecar).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PolicyConfig {
    /// Observation channels.
    pub channels: i64,
    /// Scalar features.
    pub scalars: i64,
    /// Base width of the convolutions.
    pub width: i64,
    /// Graph embedding size.
    pub gnn: i64,
    /// Hidden size of the global MLP.
    pub hidden: i64,
    /// Initial gain of the wire-mask prior (see [`WIRE_PRIOR`]).
    #[serde(default = "default_wire_prior")]
    pub wire_prior: f64,
    /// Whether the gain is learned on the log scale (`gain = exp(s)`, variable `log_wire_gain`),
    /// so Adam's steps change it by a proportion rather than by a fixed amount: with a gain of
    /// 100 and a step of 4e-4 a linear gain cannot move, and the policy cannot learn its own
    /// temperature. Checkpoints written before this field existed have a linear `wire_gain`.
    #[serde(default)]
    pub log_gain: bool,
    /// How the environment ends an episode (the soft macros' placement before the exact
    /// proxy); checkpoints written before this field existed were trained with
    /// [`placer::env::EpisodeEnd::Spread`].
    #[serde(default)]
    pub episode_end: placer::env::EpisodeEnd,
}

fn default_wire_prior() -> f64 {
    WIRE_PRIOR
}

impl Default for PolicyConfig {
    fn default() -> Self {
        PolicyConfig {
            channels: placer::env::CHANNELS as i64,
            scalars: placer::env::SCALARS as i64,
            width: 16,
            gnn: 16,
            hidden: 64,
            wire_prior: WIRE_PRIOR,
            log_gain: true,
            episode_end: placer::env::EpisodeEnd::Spread,
        }
    }
}

impl PolicyConfig {
    /// The environment options a network of this shape reads: grid `grid`, its episode end,
    /// and the partial placement's live cost (channels 7–8 and the shaped reward) when it has
    /// those channels.
    pub fn env_options(&self, grid: usize) -> placer::env::EnvOptions {
        placer::env::EnvOptions {
            grid,
            end: self.episode_end,
            live_cost: self.channels as usize > placer::env::CHANNELS,
        }
    }
}

/// Initial gain of the wire-mask prior (logit difference between the cheapest and the dearest
/// legal cell).
pub const WIRE_PRIOR: f64 = 20.0;

/// Optimiser group of the wire-mask prior's gain (every other parameter is in group 0).
pub const GAIN_GROUP: usize = 1;

/// Node features per graph node.
const NODE_FEATURES: i64 = 5;

/// The netlist graph of one design as tensors.
#[derive(Debug)]
pub struct DesignGraph {
    /// Sparse normalised adjacency `[n, n]`.
    adjacency: Tensor,
    /// Node features `[n, NODE_FEATURES]`.
    features: Tensor,
    /// Graph row of each netlist node (−1 when not in the graph).
    row_of: Vec<i64>,
}

impl DesignGraph {
    /// Builds the graph tensors of `netlist` on `device`.
    pub fn new(netlist: &Netlist, device: Device) -> DesignGraph {
        let g = NetGraph::build(netlist, GraphOptions::default());
        let n = g.objects.len();
        let mut row_of = vec![-1i64; netlist.num_nodes()];
        for (i, id) in g.objects.iter().enumerate() {
            row_of[id.idx()] = i as i64;
        }
        // Â = D^-1/2 (A + I) D^-1/2.
        let mut deg = vec![1.0f64; n];
        let mut edges: Vec<(i64, i64, f64)> = Vec::new();
        for e in g.graph.edge_indices() {
            if let Some((a, b)) = g.graph.edge_endpoints(e) {
                let w = g.graph[e];
                let (a, b) = (a.index(), b.index());
                deg[a] += w;
                deg[b] += w;
                edges.push((a as i64, b as i64, w));
                edges.push((b as i64, a as i64, w));
            }
        }
        for i in 0..n {
            edges.push((i as i64, i as i64, 1.0));
        }
        let (mut rows, mut cols, mut vals) = (Vec::new(), Vec::new(), Vec::new());
        for &(a, b, w) in &edges {
            rows.push(a);
            cols.push(b);
            vals.push((w / (deg[a as usize] * deg[b as usize]).sqrt()) as f32);
        }
        let nnz = rows.len() as i64;
        rows.extend_from_slice(&cols);
        let idx = Tensor::from_slice(&rows).reshape([2, nnz]);
        let adjacency = Tensor::sparse_coo_tensor_indices_size(
            &idx,
            &Tensor::from_slice(&vals),
            [n as i64, n as i64],
            (Kind::Float, Device::Cpu),
            false,
        )
        .coalesce()
        .to_device(device);
        let fp = netlist.floorplan();
        let mut feats = Vec::with_capacity(n * NODE_FEATURES as usize);
        let dmax = deg.iter().copied().fold(1.0f64, f64::max);
        for (i, id) in g.objects.iter().enumerate() {
            let k = id.idx();
            let kind = netlist.node_kind()[k];
            feats.extend_from_slice(&[
                (netlist.node_width()[k] / fp.width) as f32,
                (netlist.node_height()[k] / fp.height) as f32,
                f32::from(u8::from(kind == NodeKind::HardMacro)),
                f32::from(u8::from(kind == NodeKind::Port)),
                (deg[i] / dmax) as f32,
            ]);
        }
        let features = Tensor::from_slice(&feats)
            .reshape([n as i64, NODE_FEATURES])
            .to_device(device);
        DesignGraph {
            adjacency,
            features,
            row_of,
        }
    }

    /// Graph row of netlist node `node` (0 when it is not in the graph, which does not happen
    /// for hard macros).
    pub fn row(&self, node: u32) -> i64 {
        self.row_of.get(node as usize).copied().unwrap_or(-1).max(0)
    }
}

/// The network.
#[derive(Debug)]
pub struct Policy {
    /// Parameters.
    pub vs: nn::VarStore,
    /// Shapes.
    pub config: PolicyConfig,
    c1: nn::Conv2D,
    c2: nn::Conv2D,
    c3: nn::Conv2D,
    fc: nn::Linear,
    value: nn::Linear,
    film: nn::Linear,
    d1: nn::ConvTranspose2D,
    d2: nn::ConvTranspose2D,
    head: nn::Conv2D,
    g0: nn::Linear,
    g1: nn::Linear,
    wire_gain: Tensor,
}

/// A batch of observations as tensors.
#[derive(Debug)]
pub struct Batch {
    /// `[B, C, R, Cc]`.
    pub maps: Tensor,
    /// `[B, S]`.
    pub scalars: Tensor,
    /// `[B]` graph rows of the current macros.
    pub rows: Tensor,
    /// `[B, R·Cc]` legal cells.
    pub legal: Tensor,
}

impl Batch {
    /// Stacks observations (all of one grid size) onto `device`.
    pub fn from_observations(
        obs: &[&placer::env::Observation],
        graph: &DesignGraph,
        device: Device,
    ) -> Batch {
        let b = obs.len() as i64;
        let (r, c) = (obs[0].rows as i64, obs[0].cols as i64);
        let ch = (obs[0].channels.len() / obs[0].rows.max(1) / obs[0].cols.max(1)) as i64;
        let maps: Vec<f32> = obs
            .iter()
            .flat_map(|o| o.channels.iter().copied())
            .collect();
        let scalars: Vec<f32> = obs.iter().flat_map(|o| o.scalars).collect();
        let rows: Vec<i64> = obs.iter().map(|o| graph.row(o.macro_node)).collect();
        let legal: Vec<u8> = obs
            .iter()
            .flat_map(|o| {
                let any = o.legal.iter().any(|&l| l);
                // No legal cell: the environment accepts any action; unmask everything.
                o.legal.iter().map(move |&l| u8::from(l || !any))
            })
            .collect();
        Batch {
            maps: Tensor::from_slice(&maps)
                .reshape([b, ch, r, c])
                .to_device(device),
            scalars: Tensor::from_slice(&scalars)
                .reshape([b, placer::env::SCALARS as i64])
                .to_device(device),
            rows: Tensor::from_slice(&rows).to_device(device),
            legal: Tensor::from_slice(&legal)
                .reshape([b, r * c])
                .to_kind(Kind::Bool)
                .to_device(device),
        }
    }
}

impl Policy {
    /// A fresh network on `device` (parameters from libtorch's generator: seed it first).
    pub fn new(device: Device, config: PolicyConfig) -> Policy {
        let vs = nn::VarStore::new(device);
        let p = vs.root();
        let w = config.width;
        let conv = |s: i64, p: i64| nn::ConvConfig {
            stride: s,
            padding: p,
            ..Default::default()
        };
        let up = nn::ConvTransposeConfig {
            stride: 2,
            padding: 1,
            ..Default::default()
        };
        let c1 = nn::conv2d(&p / "c1", config.channels, w, 3, conv(1, 1));
        let c2 = nn::conv2d(&p / "c2", w, 2 * w, 3, conv(2, 1));
        let c3 = nn::conv2d(&p / "c3", 2 * w, 2 * w, 3, conv(2, 1));
        let fc = nn::linear(
            &p / "fc",
            2 * w + config.scalars + config.gnn,
            config.hidden,
            Default::default(),
        );
        let value = nn::linear(&p / "value", config.hidden, 1, Default::default());
        let film = nn::linear(&p / "film", config.hidden, 2 * w, Default::default());
        let d1 = nn::conv_transpose2d(&p / "d1", 2 * w, w, 4, up);
        let d2 = nn::conv_transpose2d(&p / "d2", w, w, 4, up);
        let head = nn::conv2d(&p / "head", 2 * w, 1, 1, Default::default());
        let g0 = nn::linear(&p / "g0", NODE_FEATURES, config.gnn, Default::default());
        let g1 = nn::linear(&p / "g1", config.gnn, config.gnn, Default::default());
        // The gain is in optimiser group 1 (its own learning rate, see
        // `PpoConfig::gain_lr`).
        let gp = p.set_group(GAIN_GROUP);
        let wire_gain = if config.log_gain {
            gp.var(
                "log_wire_gain",
                &[1],
                nn::Init::Const(config.wire_prior.max(1e-6).ln()),
            )
        } else {
            gp.var("wire_gain", &[1], nn::Init::Const(config.wire_prior))
        };
        Policy {
            vs,
            config,
            c1,
            c2,
            c3,
            fc,
            value,
            film,
            d1,
            d2,
            head,
            g0,
            g1,
            wire_gain,
        }
    }

    /// The gain of the wire-mask prior, as a tensor in the graph (`[1]`).
    fn gain(&self) -> Tensor {
        if self.config.log_gain {
            self.wire_gain.exp()
        } else {
            self.wire_gain.shallow_clone()
        }
    }

    /// The current gain of the wire-mask prior.
    pub fn wire_gain(&self) -> f64 {
        tch::no_grad(|| self.gain().double_value(&[0]))
    }

    /// Graph embeddings of every node `[n, gnn]`.
    fn embed(&self, g: &DesignGraph) -> Tensor {
        let h = g.adjacency.mm(&self.g0.forward(&g.features)).relu();
        g.adjacency.mm(&self.g1.forward(&h)).relu()
    }

    /// Masked logits `[B, R·Cc]` and values `[B]`.
    pub fn forward(&self, batch: &Batch, graph: &DesignGraph) -> (Tensor, Tensor) {
        let size = batch.maps.size();
        let (r, c) = (size[2], size[3]);
        let e1 = self.c1.forward(&batch.maps).relu();
        let e2 = self.c2.forward(&e1).relu();
        let e3 = self.c3.forward(&e2).relu();
        let pooled = e3.mean_dim([2i64, 3].as_slice(), false, Kind::Float);
        let emb = self.embed(graph).index_select(0, &batch.rows);
        let z = self
            .fc
            .forward(&Tensor::cat(
                &[pooled, batch.scalars.shallow_clone(), emb],
                1,
            ))
            .relu();
        let value = self.value.forward(&z).squeeze_dim(1);
        let bias = self.film.forward(&z).unsqueeze(2).unsqueeze(3);
        let d = self.d1.forward(&(e3 + bias)).relu();
        let d = self.d2.forward(&d).relu();
        let d = d.upsample_bilinear2d([r, c], false, None, None);
        let logits = self
            .head
            .forward(&Tensor::cat(&[d, e1], 1))
            .reshape([size[0], r * c]);
        // Wire-mask prior: a learnable gain on the current macro's normalised wire mask
        // (channel 1, 0 = cheapest legal cell), so the untrained policy is a soft wire-mask
        // greedy and learning starts from there.
        let wire = batch.maps.select(1, 1).reshape([size[0], r * c]);
        let logits = logits - self.gain() * wire;
        let masked = logits.masked_fill(&batch.legal.logical_not(), -1e9);
        (masked, value)
    }
}
