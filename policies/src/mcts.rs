//! Monte Carlo tree search over partial placements (AlphaZero / EfficientPlace style), the
//! fourth decoder of [`crate::search`].
//!
//! **One game.** From the empty placement, for each hard macro in the environment's order:
//! run simulations from the current root until it has been visited `simulations` times
//! (visits of a reused subtree count), then commit the most visited action (ties: higher prior,
//! then lower cell) and make its child the root, keeping its subtree. The game ends at a
//! complete placement, whose exact proxy is the game's result.
//!
//! **A simulation.** Descend by PUCT, `Q̂(s,a) + c · P(s,a) · √N(s) / (1 + N(s,a))`, to a node
//! not yet expanded (or a complete placement). Expanding a node evaluates the network once:
//! the priors `P` are its probabilities on the `expand` most likely legal cells, renormalised;
//! the **value head** estimates the rest of the episode. A complete placement is scored by the
//! **exact proxy** instead, and offered as an episode of the search. The leaf's estimate of the
//! episode's total return is backed up the path.
//!
//! **Values in proxy units.** The value head predicts the return-to-go in units of a design's
//! return spread, centred on its mean return (training scales returns per design:
//! [`crate::ppo::ReturnScale`]). On a design being searched the same statistics come from the
//! search's own finished episodes (greedy, beam, samples and the complete placements the tree
//! reaches): estimated total return = rewards so far + mean + spread × value, with the spread
//! at least [`MIN_SPREAD`]. Q values are normalised to [0, 1] by the smallest and largest
//! backed-up value seen (MuZero), so `c` does not depend on the design's scale; an unvisited
//! child counts as its parent's mean.
//!
//! **Time.** Out of time mid-game, the remaining macros go to the most visited child (the
//! prior's argmax where none was visited), so a game always returns a complete placement.
//! Memory: every node holds its environment; committing a move drops every node outside the new
//! root's subtree. Deterministic: no randomness, one network evaluation at a time, environments
//! stepped in a fixed order — the same for any thread count.

use std::time::Instant;

use placer::env::{EnvError, Observation, PlaceEnv};
use tch::{Device, Kind};

use crate::policy::{Batch, DesignGraph, Policy};

/// Smallest return spread used to turn value-head outputs into proxy units.
pub const MIN_SPREAD: f64 = 0.005;

/// Settings of one game.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct MctsOptions {
    /// Visits of the root before each move.
    pub simulations: usize,
    /// Children per node: the policy's most likely legal cells.
    pub expand: usize,
    /// Exploration constant `c` of PUCT.
    pub c_puct: f64,
}

impl Default for MctsOptions {
    fn default() -> Self {
        MctsOptions {
            simulations: 16,
            expand: 8,
            c_puct: 1.25,
        }
    }
}

/// Running mean and spread of the finished episodes' returns (−proxy).
#[derive(Debug, Clone, Default)]
pub struct ReturnStats {
    n: f64,
    sum: f64,
    sum2: f64,
}

impl ReturnStats {
    /// Adds an episode's return.
    pub fn push(&mut self, ret: f64) {
        if ret.is_finite() {
            self.n += 1.0;
            self.sum += ret;
            self.sum2 += ret * ret;
        }
    }

    /// Mean return (0 before any episode).
    pub fn mean(&self) -> f64 {
        if self.n > 0.0 { self.sum / self.n } else { 0.0 }
    }

    /// Standard deviation of returns, at least [`MIN_SPREAD`].
    pub fn spread(&self) -> f64 {
        if self.n < 2.0 {
            return MIN_SPREAD;
        }
        let m = self.mean();
        (self.sum2 / self.n - m * m).max(0.0).sqrt().max(MIN_SPREAD)
    }
}

struct Edge {
    action: usize,
    prior: f64,
    child: Option<usize>,
}

struct Node<'a> {
    env: PlaceEnv<'a>,
    /// Rewards from the empty placement to here.
    prefix: f64,
    /// The exact proxy of a complete placement.
    terminal: Option<f64>,
    /// Children (empty until expanded; a complete placement has none).
    edges: Vec<Edge>,
    expanded: bool,
    visits: u32,
    value_sum: f64,
}

/// What a game found.
pub struct Game {
    /// Exact proxies and placements of every complete placement the tree reached, in order
    /// (the committed game's own result among them).
    pub finished: Vec<(f64, netlists::Placement)>,
    /// Network evaluations.
    pub evaluations: u64,
}

struct Tree<'a, 'p> {
    policy: &'p Policy,
    graph: &'p DesignGraph,
    opts: MctsOptions,
    nodes: Vec<Option<Node<'a>>>,
    q_min: f64,
    q_max: f64,
    obs: Observation,
    stats: &'p mut ReturnStats,
    game: Game,
}

impl<'a> Tree<'a, '_> {
    fn node(&self, i: usize) -> &Node<'a> {
        self.nodes[i].as_ref().expect("live node")
    }

    fn node_mut(&mut self, i: usize) -> &mut Node<'a> {
        self.nodes[i].as_mut().expect("live node")
    }

    fn note_value(&mut self, v: f64) {
        self.q_min = self.q_min.min(v);
        self.q_max = self.q_max.max(v);
    }

    fn normalised(&self, v: f64) -> f64 {
        if self.q_max > self.q_min {
            (v - self.q_min) / (self.q_max - self.q_min)
        } else {
            0.5
        }
    }

    /// A new node for `env` reached with rewards `prefix`; scores it if complete.
    fn push(&mut self, env: PlaceEnv<'a>, prefix: f64, terminal: Option<f64>) -> usize {
        if let Some(proxy) = terminal {
            self.stats.push(-proxy);
            self.game.finished.push((proxy, env.placement().clone()));
        }
        self.nodes.push(Some(Node {
            env,
            prefix,
            terminal,
            edges: Vec::new(),
            expanded: terminal.is_some(),
            visits: 0,
            value_sum: 0.0,
        }));
        self.nodes.len() - 1
    }

    /// Evaluates the network at node `i`: its children's priors, and its estimated total
    /// return.
    fn expand(&mut self, i: usize) -> f64 {
        let node = self.nodes[i].as_ref().expect("live node");
        node.env.observe(&mut self.obs);
        let device = self.policy.vs.device();
        let batch = Batch::from_observations(&[&self.obs], self.graph, device);
        let (lp, value) = tch::no_grad(|| {
            let (logits, value) = self.policy.forward(&batch, self.graph);
            (
                logits.log_softmax(1, Kind::Float).to_device(Device::Cpu),
                value.to_device(Device::Cpu).double_value(&[0]),
            )
        });
        self.game.evaluations += 1;
        let k = self.opts.expand.max(1) as i64;
        let (top_lp, top_a) = lp.topk(k, 1, true, true);
        let top_lp = Vec::<f32>::try_from(top_lp.reshape([-1])).unwrap_or_default();
        let top_a = Vec::<i64>::try_from(top_a.reshape([-1])).unwrap_or_default();
        let legal = node.env.legal();
        let any = legal.iter().any(|&l| l);
        let mut edges: Vec<Edge> = top_lp
            .iter()
            .zip(&top_a)
            .enumerate()
            .filter(|&(j, (&l, &a))| {
                // Masked cells have log-probability ≈ −1e9; with no legal cell at all the
                // environment accepts any action (keep the first).
                (l > -1e8 && (!any || legal[a as usize])) || (j == 0 && !any)
            })
            .map(|(_, (&l, &a))| Edge {
                action: a as usize,
                prior: (l as f64).exp(),
                child: None,
            })
            .collect();
        let total: f64 = edges.iter().map(|e| e.prior).sum();
        for e in &mut edges {
            e.prior = if total > 0.0 {
                e.prior / total
            } else {
                1.0 / k as f64
            };
        }
        let estimate = node.prefix + self.stats.mean() + self.stats.spread() * value;
        let node = self.node_mut(i);
        node.edges = edges;
        node.expanded = true;
        estimate
    }

    /// The PUCT choice among node `i`'s edges.
    fn select(&self, i: usize) -> usize {
        let node = self.node(i);
        let parent_mean = if node.visits > 0 {
            node.value_sum / node.visits as f64
        } else {
            0.0
        };
        let sqrt_n = (node.visits.max(1) as f64).sqrt();
        let mut best = (f64::NEG_INFINITY, 0);
        for (j, e) in node.edges.iter().enumerate() {
            let (q, n) = match e.child.map(|c| self.node(c)) {
                Some(c) if c.visits > 0 => (c.value_sum / c.visits as f64, c.visits),
                _ => (parent_mean, 0),
            };
            let score = self.normalised(q) + self.opts.c_puct * e.prior * sqrt_n / (1.0 + n as f64);
            if score > best.0 {
                best = (score, j);
            }
        }
        best.1
    }

    /// One simulation from `root`.
    fn simulate(&mut self, root: usize) -> Result<(), EnvError> {
        let mut path = vec![root];
        let mut i = root;
        let value = loop {
            let node = self.node(i);
            if let Some(proxy) = node.terminal {
                break -proxy;
            }
            if !node.expanded {
                break self.expand(i);
            }
            if node.edges.is_empty() {
                // Nothing to try (cannot happen with a legal environment): score the prefix.
                break node.prefix + self.stats.mean();
            }
            let j = self.select(i);
            match self.node(i).edges[j].child {
                Some(c) => {
                    i = c;
                    path.push(i);
                }
                None => {
                    let c = self.child(i, j)?;
                    path.push(c);
                    let n = self.node(c);
                    break match n.terminal {
                        Some(proxy) => -proxy,
                        None => self.expand(c),
                    };
                }
            }
        };
        self.note_value(value);
        for &k in &path {
            let n = self.node_mut(k);
            n.visits += 1;
            n.value_sum += value;
        }
        Ok(())
    }

    /// Creates node `i`'s child along edge `j`.
    fn child(&mut self, i: usize, j: usize) -> Result<usize, EnvError> {
        let node = self.node(i);
        let mut env = node.env.clone();
        let action = node.edges[j].action;
        let prefix = node.prefix;
        let out = env.step(action)?;
        let c = self.push(env, prefix + out.reward, out.cost.map(|c| c.proxy_cost));
        self.node_mut(i).edges[j].child = Some(c);
        Ok(c)
    }

    /// The move from `root`: the most visited edge (ties: higher prior, then lower cell).
    fn best_edge(&self, root: usize) -> usize {
        let node = self.node(root);
        let visits = |e: &Edge| e.child.map_or(0, |c| self.node(c).visits);
        (0..node.edges.len())
            .max_by(|&a, &b| {
                let (ea, eb) = (&node.edges[a], &node.edges[b]);
                visits(ea)
                    .cmp(&visits(eb))
                    .then(ea.prior.total_cmp(&eb.prior))
                    .then(eb.action.cmp(&ea.action))
            })
            .unwrap_or(0)
    }

    /// Drops every node outside `root`'s subtree.
    fn prune_to(&mut self, root: usize) {
        let mut keep = vec![false; self.nodes.len()];
        let mut stack = vec![root];
        while let Some(i) = stack.pop() {
            keep[i] = true;
            stack.extend(self.node(i).edges.iter().filter_map(|e| e.child));
        }
        for (i, k) in keep.iter().enumerate() {
            if !k {
                self.nodes[i] = None;
            }
        }
    }
}

/// Plays one game from `proto` (reset first) and returns every complete placement it reached.
/// `stats` holds the returns of the episodes finished before (it gains the game's); past
/// `deadline` no further simulation starts.
pub fn play(
    policy: &Policy,
    graph: &DesignGraph,
    proto: &PlaceEnv,
    opts: &MctsOptions,
    stats: &mut ReturnStats,
    deadline: Option<Instant>,
) -> Result<Game, EnvError> {
    let mut env = proto.clone();
    env.reset();
    let mut tree = Tree {
        policy,
        graph,
        opts: *opts,
        nodes: Vec::new(),
        q_min: f64::INFINITY,
        q_max: f64::NEG_INFINITY,
        obs: Observation::default(),
        stats,
        game: Game {
            finished: Vec::new(),
            evaluations: 0,
        },
    };
    let out_of_time = || deadline.is_some_and(|d| Instant::now() >= d);
    let mut root = tree.push(env, 0.0, None);
    loop {
        if tree.node(root).terminal.is_some() {
            break;
        }
        if !tree.node(root).expanded {
            let v = tree.expand(root);
            tree.note_value(v);
            let n = tree.node_mut(root);
            n.visits += 1;
            n.value_sum += v;
        }
        while (tree.node(root).visits as usize) < opts.simulations.max(1) && !out_of_time() {
            tree.simulate(root)?;
        }
        if tree.node(root).edges.is_empty() {
            break;
        }
        let j = tree.best_edge(root);
        let next = match tree.node(root).edges[j].child {
            Some(c) => c,
            None => tree.child(root, j)?,
        };
        tree.prune_to(next);
        root = next;
    }
    Ok(tree.game)
}
