//! The sequential placement environment the learned policy trains in (no tensors here: plain
//! `f32` buffers that `policies` copies into tensors).
//!
//! **Episode.** The movable hard macros are placed one per step in [`crate::macros::greedy::macro_order`]
//! (descending connected area) on a `cols × rows` grid of candidate centres over the canvas
//! (`grid` cells along the longer side, square-ish cells, so non-square canvases work). Only
//! cells of the exact position mask are legal actions. Ports, fixed macros, blockages and the
//! soft macros (at their start positions) are there from the start. After the last hard macro
//! the soft macros are spread from their start positions (the force-directed placer's
//! capacity-spreading stage, a few ms) and, with [`EpisodeEnd::Anneal`], annealed for a few
//! thousand moves as `place`'s cluster anneal does, so that the episode's proxy ranks episodes
//! as `place` finally would; the exact proxy cost of the result ends the episode. If a macro has
//! no legal grid cell at all, any action is accepted and the macro goes to the exact nearest
//! legal position from that cell ([`crate::macros::legalize::nearest_legal_centre`]); if there is none
//! (earlier choices left no room), the remaining macros go to that cell, the legalizer settles the
//! whole placement and the episode ends early.
//!
//! **Reward.** Dense: `r_t = −Δwire_t / S`, the weighted HPWL the step adds (its wire-mask value)
//! over `S = (W + H) · Σ net weights`, the normaliser of the wirelength cost — so dense rewards are
//! in wirelength-cost units whatever the design's size. Terminal: `−proxy − Σ_t r_t`, so the
//! return of every episode is exactly `−proxy` (Circuit Training's objective) while the dense
//! part gives each step early credit. Proxy costs are O(1) on every design, so designs of
//! different size train together; the trainer further centres and scales returns per design
//! (`policies::ppo::ReturnScale`).
//!
//! **Live cost** ([`EnvOptions::live_cost`], `train --live-cost`, experimental): the
//! environment also keeps the exact proxy cost Φ of the partial placement
//! ([`PartialCost`]: ports, fixed and soft macros and the macros placed so far; the macros still
//! to place are absent). The dense reward becomes `r_t = −(Φ_{t+1} − Φ_t)`, wirelength *and*
//! density and congestion (86 % of ariane133's proxy, which the wire mask alone never sees), with
//! the same terminal term, so the return is still exactly −proxy: potential-based shaping (Ng et
//! al., 1999), which leaves the best policy unchanged and gives each step the cost it caused now.
//! Two more channels show the partial placement's density and congestion (the larger of H and
//! V) maps. It costs about 70 µs per step (`benches/env.rs`, `_live_cost`).
//!
//! **From a placement to an episode** ([`PlaceEnv::actions_towards`]): the actions that put
//! each macro on the legal cell nearest its centre in a given placement, so that a placement
//! found by a search (annealing, in `train --expert-moves`) becomes an episode the policy can
//! imitate.
//!
//! **Observation** ([`Observation`]): `CHANNELS` maps of `rows × cols` `f32`:
//! 0 position mask of the current macro (1 = legal); 1 its wire mask, min-max normalised over
//! the legal cells (0 = best, illegal cells 1); 2, 3 the same for the next macro (zeros after the
//! last); 4 hard-macro (and blockage) coverage placed so far; 5 soft-macro coverage (start
//! positions); 6 port-pin density (pins per cell over the maximum). Scalars: current macro width
//! and height over the canvas's, progress `t / T`, movable hard-macro area still to place over
//! the canvas area, the macro's net count over the largest among macros, and 1. Plus the
//! current macro's node id (for the graph embedding) and the legal-action mask. With live cost,
//! 7 the partial placement's density and 8 its congestion, per cell of the cost grid under the
//! cell's centre, clipped to [0, 4].
//!
//! **Cost per step** (ariane133, G = 128): the next macro's position mask from the obstacle list
//! the environment keeps (fixed macros, blockages, macros placed so far: a 2-D difference array)
//! and its wire mask in separable form ([`WireTerms`]); the current macro's mask is carried with
//! an O(box) update and its wire mask reused when the macro just placed shares no net with it;
//! the observation copies and normalises 7 maps. `benches/env.rs`: about 165 µs per step
//! (6,000 steps/s on one core) with random legal actions, episode ends included.

use netlists::{Netlist, NodeId, NodeKind, Placement};

use crate::cost::partial::PartialCost;
use crate::cost::{CostParams, ProxyCost, proxy_cost};
use crate::macros::force::ForceOptions;
use crate::macros::legalize::{LegalizeError, nearest_legal_centre};
use crate::macros::masks::{
    MaskGrid, Obstacle, WireTerms, forbid_box, obstacles, position_mask_among, wire_terms,
};

mod observe;
pub use observe::Observation;

/// Number of observation channels without [`EnvOptions::live_cost`].
pub const CHANNELS: usize = 7;
/// Extra channels with [`EnvOptions::live_cost`]: density and congestion of the partial
/// placement.
pub const LIVE_CHANNELS: usize = 2;
/// Number of scalar features.
pub const SCALARS: usize = 6;

/// Settings of the environment.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EnvOptions {
    /// Grid cells along the canvas's longer side.
    pub grid: usize,
    /// How the soft macros are placed when the last hard macro is down.
    pub end: EpisodeEnd,
    /// Keep the exact proxy cost of the partial placement ([`PartialCost`]): the dense reward
    /// becomes its change (wirelength, density and congestion) instead of the wire mask's alone,
    /// and the observation gets its density and congestion maps as channels 7 and 8.
    pub live_cost: bool,
}

impl EnvOptions {
    /// Observation channels under these options.
    pub fn channels(&self) -> usize {
        if self.live_cost {
            CHANNELS + LIVE_CHANNELS
        } else {
            CHANNELS
        }
    }
}

impl Default for EnvOptions {
    fn default() -> Self {
        EnvOptions {
            grid: 128,
            end: EpisodeEnd::Spread,
            live_cost: false,
        }
    }
}

/// How an episode places the soft macros (std-cell clusters) before its exact proxy is taken.
/// `place` ends with the force-directed placer and a cluster anneal; the closer the episode's
/// end comes to that, the better its proxy ranks episodes as `place` would (measured in
/// docs/results.md with `cargo run --release -p placer --example episode_end`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EpisodeEnd {
    /// The capacity-spreading stage only (a few ms per episode): clusters spread from their
    /// start positions, not placed.
    #[default]
    Spread,
    /// The spreading, then `place`'s cluster anneal in short: `moves` moves of soft macros only
    /// (exact proxy, hard macros as the episode put them, one chain seeded 1, start acceptance
    /// 0.05, this process only), the best placement kept. Deterministic for a placement.
    Anneal {
        /// Moves of the cluster anneal.
        moves: u64,
    },
}

impl EpisodeEnd {
    /// The anneal of [`EpisodeEnd::Anneal`] (`None` for [`EpisodeEnd::Spread`]).
    pub fn anneal_options(self) -> Option<crate::macros::anneal::AnnealOptions> {
        match self {
            EpisodeEnd::Spread => None,
            EpisodeEnd::Anneal { moves } => Some(crate::macros::anneal::AnnealOptions {
                seed: 1,
                budget: crate::macros::anneal::Budget {
                    seconds: None,
                    iterations: Some(moves),
                },
                chains: 1,
                soft_moves: 1.0,
                start_acceptance: 0.05,
                solo: true,
                ..Default::default()
            }),
        }
    }
}

/// The result of a step.
#[derive(Debug, Clone, PartialEq)]
pub struct StepOutcome {
    /// Reward of this step (dense, plus the terminal part on the last step).
    pub reward: f64,
    /// Whether the episode is over.
    pub done: bool,
    /// The exact cost of the finished placement (last step only).
    pub cost: Option<ProxyCost>,
}

/// Why a step was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EnvError {
    /// The action is not a legal cell.
    #[error("action {action} is not a legal cell for macro {node}")]
    IllegalAction {
        /// The action.
        action: usize,
        /// The macro's name.
        node: String,
    },
    /// The episode is over; call `reset`.
    #[error("the episode is over")]
    Done,
    /// No legal position anywhere.
    #[error(transparent)]
    NoRoom(#[from] LegalizeError),
    /// The agent driving the environment chose from NaN or infinite probabilities (a
    /// diverged policy): refused before any step is taken.
    #[error("{0}")]
    NonFinite(String),
}

/// The environment over one design.
#[derive(Debug, Clone)]
pub struct PlaceEnv<'a> {
    netlist: &'a Netlist,
    params: CostParams,
    opts: EnvOptions,
    start: Placement,
    order: Vec<usize>,
    /// Movable soft macros (spread at the episode end).
    soft: Vec<usize>,
    grid: MaskGrid,
    placement: Placement,
    placed: Vec<bool>,
    t: usize,
    cur_pos: Vec<bool>,
    cur_wire: WireTerms,
    next_pos: Vec<bool>,
    next_wire: WireTerms,
    /// Fixed hard macros and blockages.
    base_obstacles: Vec<Obstacle>,
    /// `base_obstacles` plus the macros placed so far in this episode.
    obstacles: Vec<Obstacle>,
    /// Nets of each macro in `order` (sorted, each once).
    order_nets: Vec<Vec<u32>>,
    spread_offsets: Vec<(f64, i64, i64)>,
    placed_cover: Vec<f32>,
    base_cover: Vec<f32>,
    soft_cover: Vec<f32>,
    port_density: Vec<f32>,
    degree: Vec<f32>,
    wl_norm: f64,
    dense_sum: f64,
    area_left: f64,
    /// Identity of the static channels (start placement and design), see
    /// [`Observation::static_of`].
    static_id: u64,
    /// The partial placement's exact cost, with [`EnvOptions::live_cost`].
    live: Option<Box<Live<'a>>>,
}

/// The exact cost of the partial placement ([`EnvOptions::live_cost`]).
#[derive(Debug, Clone)]
struct Live<'a> {
    /// Ports, fixed macros and soft macros present; movable hard macros absent.
    start: PartialCost<'a>,
    /// The current episode's.
    cur: PartialCost<'a>,
    /// Cost-grid cell (row-major) of each environment cell's centre.
    cell_map: Vec<usize>,
}

static NEXT_STATIC_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// Adds the coverage fraction of rectangle `(x0, y0, x1, y1)` to each cell of `cover`.
fn rasterize(cover: &mut [f32], grid: &MaskGrid, x0: f64, y0: f64, x1: f64, y1: f64) {
    let cell = grid.cell_w * grid.cell_h;
    let span = |lo: f64, hi: f64, o: f64, s: f64, n: usize| {
        let a = ((lo - o) / s).floor().max(0.0) as usize;
        let b = (((hi - o) / s).ceil().max(0.0) as usize).min(n);
        (a.min(n), b)
    };
    let (c0, c1) = span(x0, x1, grid.x0, grid.cell_w, grid.cols);
    let (r0, r1) = span(y0, y1, grid.y0, grid.cell_h, grid.rows);
    for r in r0..r1 {
        let (cy0, cy1) = (
            grid.y0 + r as f64 * grid.cell_h,
            grid.y0 + (r + 1) as f64 * grid.cell_h,
        );
        let dy = (y1.min(cy1) - y0.max(cy0)).max(0.0);
        for c in c0..c1 {
            let (cx0, cx1) = (
                grid.x0 + c as f64 * grid.cell_w,
                grid.x0 + (c + 1) as f64 * grid.cell_w,
            );
            let dx = (x1.min(cx1) - x0.max(cx0)).max(0.0);
            cover[r * grid.cols + c] += (dx * dy / cell) as f32;
        }
    }
}

impl<'a> PlaceEnv<'a> {
    /// An environment starting from `start` (soft macros, ports and fixed macros stay there;
    /// movable hard macros are placed by the episode). Call [`PlaceEnv::reset`] before stepping.
    pub fn new(
        netlist: &'a Netlist,
        start: &Placement,
        params: &CostParams,
        opts: &EnvOptions,
    ) -> Self {
        let (cols, rows) = crate::macros::greedy::grid_dims(netlist, opts.grid);
        let grid = MaskGrid::over_canvas(netlist, cols, rows);
        let order = crate::macros::greedy::macro_order(netlist);
        let cells = rows * cols;
        let (nw, nh) = (netlist.node_width(), netlist.node_height());
        let box_of = |pl: &Placement, n: usize| {
            (
                pl.x[n] - nw[n] / 2.0,
                pl.y[n] - nh[n] / 2.0,
                pl.x[n] + nw[n] / 2.0,
                pl.y[n] + nh[n] / 2.0,
            )
        };
        let mut base_cover = vec![0.0f32; cells];
        let mut soft_cover = vec![0.0f32; cells];
        let mut port_density = vec![0.0f32; cells];
        for b in &netlist.floorplan().blockages {
            rasterize(&mut base_cover, &grid, b.x_min, b.y_min, b.x_max, b.y_max);
        }
        for n in 0..netlist.num_nodes() {
            let (x0, y0, x1, y1) = box_of(start, n);
            match netlist.node_kind()[n] {
                NodeKind::HardMacro if netlist.node_fixed()[n] => {
                    rasterize(&mut base_cover, &grid, x0, y0, x1, y1)
                }
                NodeKind::SoftMacro => rasterize(&mut soft_cover, &grid, x0, y0, x1, y1),
                NodeKind::Port => {
                    for &p in netlist.pins_of_node(NodeId(n as u32)) {
                        let (x, y) = start.pin_position(netlist, p);
                        port_density[grid.cell_at(x, y)] += 1.0;
                    }
                }
                _ => {}
            }
        }
        let pmax = port_density.iter().copied().fold(0.0f32, f32::max);
        if pmax > 0.0 {
            port_density.iter_mut().for_each(|v| *v /= pmax);
        }
        let nets_of = |n: usize| {
            let mut v: Vec<u32> = netlist
                .pins_of_node(NodeId(n as u32))
                .iter()
                .map(|&p| netlist.pin_net(p).0)
                .collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        let order_nets: Vec<Vec<u32>> = order.iter().map(|&n| nets_of(n)).collect();
        let mut degree: Vec<f32> = order_nets.iter().map(|v| v.len() as f32).collect();
        let dmax = degree.iter().copied().fold(1.0f32, f32::max);
        degree.iter_mut().for_each(|d| *d /= dmax);
        let fp = netlist.floorplan();
        let wsum: f64 = netlist.net_weight().iter().sum();
        let mut placed = vec![true; netlist.num_nodes()];
        for &n in &order {
            placed[n] = false;
        }
        let base_obstacles = obstacles(netlist, start, &placed, None);
        let live = opts.live_cost.then(|| {
            let p = PartialCost::new(netlist, start, params, &placed);
            let (gw, gh) = (params.cell_width(), params.cell_height());
            let cell_map = (0..rows)
                .flat_map(|r| (0..cols).map(move |c| (r, c)))
                .map(|(r, c)| {
                    let (row, col) = crate::cost::cell_of(
                        grid.cx(c) - params.canvas_x,
                        grid.cy(r) - params.canvas_y,
                        gw,
                        gh,
                        params.grid_rows,
                        params.grid_cols,
                    );
                    row * params.grid_cols + col
                })
                .collect();
            Box::new(Live {
                cur: p.clone(),
                start: p,
                cell_map,
            })
        });
        PlaceEnv {
            netlist,
            params: params.clone(),
            opts: opts.clone(),
            start: start.clone(),
            order,
            soft: (0..netlist.num_nodes())
                .filter(|&n| {
                    netlist.node_kind()[n] == NodeKind::SoftMacro && !netlist.node_fixed()[n]
                })
                .collect(),
            grid,
            placement: start.clone(),
            placed: vec![true; netlist.num_nodes()],
            t: 0,
            cur_pos: vec![false; cells],
            cur_wire: WireTerms::default(),
            next_pos: vec![false; cells],
            next_wire: WireTerms::default(),
            obstacles: base_obstacles.clone(),
            base_obstacles,
            order_nets,
            spread_offsets: crate::macros::force::spread_offsets(params),
            placed_cover: base_cover.clone(),
            base_cover,
            soft_cover,
            port_density,
            degree,
            wl_norm: ((fp.width + fp.height) * wsum).max(f64::MIN_POSITIVE),
            dense_sum: 0.0,
            area_left: 0.0,
            static_id: NEXT_STATIC_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            live,
        }
    }

    /// Whether the environment keeps the live cost ([`EnvOptions::live_cost`]).
    pub fn live_cost(&self) -> bool {
        self.opts.live_cost
    }

    /// The mask grid.
    pub fn grid(&self) -> &MaskGrid {
        &self.grid
    }

    /// Steps per episode (movable hard macros).
    pub fn num_steps(&self) -> usize {
        self.order.len()
    }

    /// Steps taken in this episode.
    pub fn step_index(&self) -> usize {
        self.t
    }

    /// The placement so far (the finished one after the last step).
    pub fn placement(&self) -> &Placement {
        &self.placement
    }

    /// The macro order.
    pub fn order(&self) -> &[usize] {
        &self.order
    }

    /// Legal actions of the current step.
    pub fn legal(&self) -> &[bool] {
        &self.cur_pos
    }

    /// Wire-mask value (weighted HPWL increase) of the current step's cell `k`.
    pub fn wire_at(&self, k: usize) -> f64 {
        self.cur_wire.at(k)
    }

    /// Wire-mask values of all the current step's cells, row-major.
    pub fn wire_values(&self) -> Vec<f64> {
        self.cur_wire.expand()
    }

    /// Computes the position and wire masks of `order[i]` into `pos` and `wire`.
    fn masks_into(&self, i: usize, pos: &mut Vec<bool>, wire: &mut WireTerms) {
        let n = self.order[i];
        let nl = self.netlist;
        position_mask_among(
            &self.obstacles,
            nl.node_width()[n],
            nl.node_height()[n],
            nl.floorplan(),
            &self.grid,
            pos,
        );
        wire_terms(
            nl,
            &self.placement,
            &self.placed,
            NodeId(n as u32),
            self.placement.orient[n],
            &self.grid,
            wire,
        );
    }

    /// Recomputes the next macro's masks (`order[t + 1]`).
    fn next_masks(&mut self) {
        let (mut pos, mut wire) = (
            std::mem::take(&mut self.next_pos),
            std::mem::take(&mut self.next_wire),
        );
        self.masks_into(self.t + 1, &mut pos, &mut wire);
        (self.next_pos, self.next_wire) = (pos, wire);
    }

    /// Starts a new episode.
    pub fn reset(&mut self) {
        self.placement.clone_from(&self.start);
        self.placed.fill(true);
        for &n in &self.order {
            self.placed[n] = false;
        }
        self.t = 0;
        self.obstacles.clone_from(&self.base_obstacles);
        self.placed_cover.clone_from(&self.base_cover);
        self.dense_sum = 0.0;
        if let Some(live) = &mut self.live {
            live.cur.clone_from(&live.start);
        }
        let nl = self.netlist;
        self.area_left = self
            .order
            .iter()
            .map(|&n| nl.node_width()[n] * nl.node_height()[n])
            .sum();
        if !self.order.is_empty() {
            let (mut pos, mut wire) = (
                std::mem::take(&mut self.cur_pos),
                std::mem::take(&mut self.cur_wire),
            );
            self.masks_into(0, &mut pos, &mut wire);
            (self.cur_pos, self.cur_wire) = (pos, wire);
        }
        if self.order.len() > 1 {
            self.next_masks();
        }
    }

    /// Whether the episode is over.
    pub fn done(&self) -> bool {
        self.t >= self.order.len()
    }

    /// Places the current macro at cell `action` (row-major `r * cols + c`).
    pub fn step(&mut self, action: usize) -> Result<StepOutcome, EnvError> {
        if self.done() {
            return Err(EnvError::Done);
        }
        let nl = self.netlist;
        let n = self.order[self.t];
        let cells = self.grid.rows * self.grid.cols;
        let any_legal = self.cur_pos.iter().any(|&b| b);
        if action >= cells || (any_legal && !self.cur_pos[action]) {
            return Err(EnvError::IllegalAction {
                action,
                node: nl.node_name()[n].clone(),
            });
        }
        let (ax, ay) = (
            self.grid.cx(action % self.grid.cols),
            self.grid.cy(action / self.grid.cols),
        );
        let (x, y, delta) = if any_legal {
            (ax, ay, self.cur_wire.at(action))
        } else {
            let before = crate::cost::hpwl::geometric_hpwl(nl, &self.placement);
            match nearest_legal_centre(nl, &self.placement, &self.placed, n, ax, ay) {
                Some((x, y)) => {
                    // Placed now to measure its HPWL increase (set again below, same values).
                    self.placement.x[n] = x;
                    self.placement.y[n] = y;
                    (
                        x,
                        y,
                        crate::cost::hpwl::geometric_hpwl(nl, &self.placement) - before,
                    )
                }
                None => {
                    // A dead end: the rest go to the action's cell and the legalizer settles
                    // everything (moving earlier macros if it must); the episode ends here.
                    for &m in &self.order[self.t..] {
                        self.placement.x[m] = ax;
                        self.placement.y[m] = ay;
                        self.placed[m] = true;
                    }
                    crate::macros::legalize::legalize(nl, &mut self.placement)?;
                    self.t = self.order.len();
                    let dense = -(crate::cost::hpwl::geometric_hpwl(nl, &self.placement) - before)
                        / self.wl_norm;
                    self.dense_sum += dense;
                    return Ok(self.finish(dense));
                }
            }
        };
        self.placement.x[n] = x;
        self.placement.y[n] = y;
        self.placed[n] = true;
        let (w, h) = (nl.node_width()[n], nl.node_height()[n]);
        self.obstacles.push(Obstacle { x, y, w, h });
        rasterize(
            &mut self.placed_cover,
            &self.grid,
            x - w / 2.0,
            y - h / 2.0,
            x + w / 2.0,
            y + h / 2.0,
        );
        self.area_left -= w * h;
        let reward = match &mut self.live {
            // Shaping by the partial placement's exact proxy cost: r = −ΔΦ.
            Some(live) => {
                let before = live.cur.cost().proxy_cost;
                -(live.cur.place(NodeId(n as u32), x, y) - before)
            }
            None => -delta / self.wl_norm,
        };
        self.dense_sum += reward;
        self.t += 1;
        if self.t < self.order.len() {
            // The carried mask of the new current macro: one more obstacle.
            let m = self.order[self.t];
            std::mem::swap(&mut self.cur_pos, &mut self.next_pos);
            forbid_box(
                &mut self.cur_pos,
                &self.grid,
                nl.node_width()[m],
                nl.node_height()[m],
                &Obstacle { x, y, w, h },
            );
            // Its wire mask was computed a step ago; it changed only if the macro just placed
            // shares a net with it.
            let shares = {
                let (a, b) = (&self.order_nets[self.t - 1], &self.order_nets[self.t]);
                let (mut i, mut j) = (0, 0);
                let mut any = false;
                while i < a.len() && j < b.len() {
                    match a[i].cmp(&b[j]) {
                        std::cmp::Ordering::Less => i += 1,
                        std::cmp::Ordering::Greater => j += 1,
                        std::cmp::Ordering::Equal => {
                            any = true;
                            break;
                        }
                    }
                }
                any
            };
            if shares {
                let mut wire = std::mem::take(&mut self.cur_wire);
                wire_terms(
                    nl,
                    &self.placement,
                    &self.placed,
                    NodeId(m as u32),
                    self.placement.orient[m],
                    &self.grid,
                    &mut wire,
                );
                self.cur_wire = wire;
            } else {
                std::mem::swap(&mut self.cur_wire, &mut self.next_wire);
            }
            if self.t + 1 < self.order.len() {
                self.next_masks();
            }
            return Ok(StepOutcome {
                reward,
                done: false,
                cost: None,
            });
        }
        Ok(self.finish(reward))
    }

    /// Places the soft macros, scores, and adds the terminal reward to `reward`.
    fn finish(&mut self, reward: f64) -> StepOutcome {
        let nl = self.netlist;
        // The spreading stage of the force-directed placer (no need for its keep-the-best
        // evaluations).
        crate::macros::force::spread_with(
            nl,
            &mut self.placement,
            &self.params,
            &self.soft,
            ForceOptions::default().spread,
            &self.spread_offsets,
        );
        if let Some(ao) = self.opts.end.anneal_options()
            && !self.soft.is_empty()
        {
            let out =
                crate::macros::anneal::anneal(nl, &self.placement, &self.params, &ao, &mut |_| {});
            self.placement = out.placement;
        }
        let cost = proxy_cost(nl, &self.placement, &self.params);
        StepOutcome {
            reward: reward - cost.proxy_cost - self.dense_sum,
            done: true,
            cost: Some(cost),
        }
    }
}

impl PlaceEnv<'_> {
    /// The actions that bring the episode closest to `target`'s macro centres: from a reset,
    /// each macro in order goes to the legal cell whose centre is nearest its centre in
    /// `target` (Euclidean; ties to the lowest index; when the macro fits no cell, the cell
    /// under its target centre). Plays the episode to the end (the environment is left done,
    /// [`PlaceEnv::placement`] is its result) and returns the actions, which replay it exactly
    /// from a reset, and the episode's proxy cost. This is how a placement found by a search
    /// (e.g. annealing) becomes an episode a policy can imitate.
    pub fn actions_towards(&mut self, target: &Placement) -> Result<(Vec<usize>, f64), EnvError> {
        self.reset();
        let g = self.grid;
        let mut actions = Vec::with_capacity(self.order.len());
        let mut proxy = f64::NAN;
        while !self.done() {
            let n = self.order[self.t];
            let (tx, ty) = (target.x[n], target.y[n]);
            let d2 = |k: usize| {
                let (dx, dy) = (g.cx(k % g.cols) - tx, g.cy(k / g.cols) - ty);
                dx * dx + dy * dy
            };
            let a = (0..self.cur_pos.len())
                .filter(|&k| self.cur_pos[k])
                .min_by(|&a, &b| d2(a).total_cmp(&d2(b)).then(a.cmp(&b)))
                .unwrap_or_else(|| g.cell_at(tx, ty));
            if let Some(c) = self.step(a)?.cost {
                proxy = c.proxy_cost;
            }
            actions.push(a);
        }
        Ok((actions, proxy))
    }
}

/// Baseline decoders in the environment's own protocol (same order, grid and episode end), for
/// comparing a policy with: a uniformly random legal cell, or the legal cell with the smallest
/// wire-mask value (ties to the lowest index). Returns the episode's proxy cost.
pub fn decode_baseline(env: &mut PlaceEnv, random_seed: Option<u64>) -> Result<f64, EnvError> {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::SmallRng::seed_from_u64(random_seed.unwrap_or(0));
    env.reset();
    let mut proxy = f64::NAN;
    while !env.done() {
        let legal: Vec<usize> = (0..env.legal().len()).filter(|&k| env.legal()[k]).collect();
        let a = if legal.is_empty() {
            0
        } else if random_seed.is_some() {
            legal[rng.random_range(0..legal.len())]
        } else {
            *legal
                .iter()
                .min_by(|&&a, &&b| env.wire_at(a).total_cmp(&env.wire_at(b)).then(a.cmp(&b)))
                .unwrap_or(&0)
        };
        if let Some(c) = env.step(a)?.cost {
            proxy = c.proxy_cost;
        }
    }
    Ok(proxy)
}
