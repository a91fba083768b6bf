//! The typed report of a placement run: what `place` writes as `report.json`, what `compare`
//! reads back from memory, and what the pictures and `report.html` show. Both flows (macros
//! only, and the full flow with every std cell) produce one [`Report`]; the fields they share
//! come first, the flow's own follow ([`FlowDetails`]).
//!
//! [`Scores`] carries what a picture needs beyond the report (the cost maps and every
//! violation), computed once per run: the picture and the report agree by construction.
//!
//! Architecture invariant: a report is built only from a flow's result and the run's context
//! ([`RunContext`]); nothing here reads a file, and the CLI never builds JSON by hand.

use netlists::{Netlist, Placement};
use serde::Serialize;

use crate::cost::hpwl::{geometric_hpwl, macro_hpwl};
use crate::cost::legality::Violation;
use crate::cost::{CostMaps, CostParams, ProxyCost, cost_maps};
use crate::detail::{DetailReport, RowReport, RowViolation};
use crate::full::{FullOptions, FullResult, FullStage};
use crate::macros::anneal::TrajectoryPoint;
use crate::macros::flow::{Counters, PlaceOptions, PlaceResult, Stage};
use crate::macros::legalize::LegalizeReport;

/// Violations listed in a report (the count is always complete).
pub const LISTED_VIOLATIONS: usize = 100;

/// Everything about a run that is not the flow's result: where the input came from and how the
/// run was set up.
#[derive(Debug, Clone, Default)]
pub struct RunContext {
    /// The netlist file, as given.
    pub netlist: String,
    /// The start placement file (`.plc`/`.pl`), if any.
    pub start_placement: Option<String>,
    /// The placement file written beside the report (a name inside the output folder).
    pub placement_file: String,
    /// Worker threads.
    pub threads: usize,
    /// Seconds spent reading the input.
    pub parse_seconds: f64,
    /// Seconds the flow ran.
    pub wall_seconds: f64,
    /// The policy search that came before the macro placer, if any.
    pub search: Option<SearchReport>,
}

/// What a learned policy's search did (filled by `policies`, which placer cannot name).
#[derive(Debug, Clone, Serialize)]
pub struct SearchReport {
    /// The checkpoint folder.
    pub policy: String,
    /// Its update count.
    pub policy_update: u64,
    /// The designs it trained on.
    pub policy_designs: Vec<String>,
    /// The device it ran on.
    pub device: String,
    /// The search settings, as the search serialises them.
    pub options: serde_json::Value,
    /// Which decoding won.
    pub best_decoder: String,
    /// Its exact proxy cost.
    pub best_proxy: f64,
    /// Every finished episode, in order.
    pub episodes: Vec<SearchEpisode>,
}

/// One decoding of the policy search.
#[derive(Debug, Clone, Serialize)]
pub struct SearchEpisode {
    /// Which decoder produced it: `greedy`, `beam` or `sample`.
    pub decoder: String,
    /// Its exact proxy cost.
    pub proxy: f64,
    /// Seconds since the start of the search when it finished.
    pub seconds: f64,
}

/// Which flow ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Flow {
    /// Macros only (std cells, if any, stay where the input put them).
    Macro,
    /// Macros, then every std cell.
    Full,
}

/// The settings the flow ran with.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum RunOptions {
    /// Of the macro flow.
    Macro(PlaceOptions),
    /// Of the full flow.
    Full(FullOptions),
}

/// The report of one run.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Design name.
    pub design: String,
    /// Which flow ran.
    pub flow: Flow,
    /// The method's label (`sa`, `rl+sa`, `full (analytic macros)`, ...).
    pub method: String,
    /// The input netlist file.
    pub netlist: String,
    /// The start placement file, if any.
    pub start_placement: Option<String>,
    /// The placement file written beside the report.
    pub placement_file: String,
    /// Seed of every random choice.
    pub seed: u64,
    /// The flow's settings.
    pub options: RunOptions,
    /// The policy search, if a policy placed the macros.
    pub search: Option<SearchReport>,
    /// Worker threads.
    pub threads: usize,
    /// The job's ranks under MPI (absent in a single process).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ranks: Option<RanksReport>,
    /// Cost-model settings.
    pub params: CostParams,
    /// Seconds the flow ran.
    pub wall_seconds: f64,
    /// Seconds spent reading the input.
    pub parse_seconds: f64,
    /// The headline HPWL: the proxy's (macro flow) or the geometric one of the legal placement
    /// (full flow).
    pub hpwl: f64,
    /// Geometric HPWL (every pin offset applied).
    pub hpwl_geometric: f64,
    /// HPWL of the nets restricted to macro and port pins.
    pub hpwl_macro_only: f64,
    /// Wirelength cost.
    pub wirelength_cost: f64,
    /// Density cost.
    pub density_cost: f64,
    /// Congestion cost.
    pub congestion_cost: f64,
    /// Proxy cost.
    pub proxy_cost: f64,
    /// Weights of wirelength, density and congestion.
    pub weights: [f64; 3],
    /// Whether the macros are legal.
    pub legal: bool,
    /// Macro violations.
    pub violation_count: usize,
    /// The first [`LISTED_VIOLATIONS`] of them.
    pub violations: Vec<Violation>,
    /// What only this flow reports.
    #[serde(flatten)]
    pub details: FlowDetails,
}

/// The part of a report only one flow has.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum FlowDetails {
    /// Macro flow.
    Macro(MacroDetails),
    /// Full flow.
    Full(Box<FullDetails>),
}

/// What the macro flow reports beyond the shared fields.
#[derive(Debug, Clone, Serialize)]
pub struct MacroDetails {
    /// What the first legalization did.
    pub legalize: LegalizeReport,
    /// Stages in order.
    pub stages: Vec<Stage>,
    /// Counters of the main stage.
    pub counters: Counters,
    /// Best cost over time.
    pub trajectory: Vec<TrajectoryPoint>,
}

/// How the ranks of an MPI job shared the run.
#[derive(Debug, Clone, Serialize)]
pub struct RanksReport {
    /// Ranks in the job.
    pub ranks: usize,
    /// Moves (sa) or candidates (ea) each rank tried.
    pub rank_moves: Vec<u64>,
    /// Rank 0's collective calls.
    pub comm_calls: u64,
    /// Bytes rank 0 contributed to them.
    pub comm_bytes: u64,
    /// Seconds rank 0 spent in them (waiting for the slowest rank included).
    pub comm_seconds: f64,
}

/// The rows the std cells went into.
#[derive(Debug, Clone, Serialize)]
pub struct RowsInfo {
    /// Row count.
    pub count: usize,
    /// Height of the first row.
    pub height: Option<f64>,
    /// Site width of the first row.
    pub site_width: Option<f64>,
    /// Whether the rows were synthesized (the design has none).
    pub synthesized: bool,
}

/// One global-placement iteration on the run's clock (stages one after the other).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct GpTracePoint {
    /// Seconds since the first global placement started.
    pub seconds: f64,
    /// Iteration within its stage.
    pub iteration: usize,
    /// Exact HPWL.
    pub hpwl: f64,
    /// Overflow.
    pub overflow: f64,
    /// Density weight.
    pub lambda: f64,
    /// WA smoothness.
    pub gamma: f64,
}

/// What the full flow reports beyond the shared fields.
#[derive(Debug, Clone, Serialize)]
pub struct FullDetails {
    /// The macro placer's label.
    pub macros: String,
    /// Overflow at the end of the last global placement.
    pub overflow: f64,
    /// Whether a design without movable macros had its cells placed twice (the second
    /// placement kept; see `full::FullOptions::restart`).
    pub cells_placed_twice: bool,
    /// Whether every std cell is legal in its row.
    pub cells_legal: bool,
    /// Std-cell violations.
    pub cell_violation_count: usize,
    /// The first [`LISTED_VIOLATIONS`] of them.
    pub cell_violations: Vec<RowViolation>,
    /// Stages of the macro placer when it was not the mixed-size analytic one.
    pub macro_stages: Vec<Stage>,
    /// The rows.
    pub rows: RowsInfo,
    /// Stages in order.
    pub stages: Vec<FullStage>,
    /// What the macro legalizer did.
    pub macro_legalize: LegalizeReport,
    /// What snapping the macros to the rows did.
    pub macro_snap: crate::macros::snap::SnapReport,
    /// What Abacus did.
    pub cell_legalize: RowReport,
    /// What detailed placement did.
    pub detail: DetailReport,
    /// Global placement, iteration by iteration.
    pub trajectory: Vec<GpTracePoint>,
    /// The clustered design the macros were placed on, for a flat design.
    pub clustering: Option<ClusteredRun>,
    /// What the report's congestion cost measures.
    pub congestion_measure: String,
    /// What the flow wants the user to know (defaults used, budget overruns, no convergence).
    pub warnings: Vec<String>,
}

/// What the pictures need beyond the report, computed once per run.
#[derive(Debug, Clone)]
pub struct Scores {
    /// The proxy cost.
    pub cost: ProxyCost,
    /// The maps behind it.
    pub maps: CostMaps,
    /// Every macro violation (against the run's reference placement).
    pub violations: Vec<Violation>,
}

/// One curve of a run (or of a log): a name, the x quantity's name, points in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Field name (panel title and y label).
    pub name: String,
    /// Name of the x quantity.
    pub x_name: String,
    /// Points in order.
    pub points: Vec<(f64, f64)>,
}

/// The fields a report shares between flows, from a placement and its scores.
struct Shared {
    hpwl_geometric: f64,
    hpwl_macro_only: f64,
    legal: bool,
    violation_count: usize,
    violations: Vec<Violation>,
}

impl Shared {
    fn of(netlist: &Netlist, placement: &Placement, violations: &[Violation]) -> Shared {
        Shared {
            hpwl_geometric: geometric_hpwl(netlist, placement),
            hpwl_macro_only: macro_hpwl(netlist, placement),
            legal: violations.is_empty(),
            violation_count: violations.len(),
            violations: violations.iter().take(LISTED_VIOLATIONS).cloned().collect(),
        }
    }
}

/// The headline of a report: which flow, method and settings, and the placement's scores.
struct Head<'a> {
    flow: Flow,
    method: String,
    seed: u64,
    options: RunOptions,
    hpwl: f64,
    cost: &'a ProxyCost,
    shared: Shared,
}

impl Head<'_> {
    /// The report: this headline, the run's context and the flow's own details.
    fn assemble(
        self,
        netlist: &Netlist,
        params: &CostParams,
        ctx: RunContext,
        details: FlowDetails,
    ) -> Report {
        let c = self.cost;
        Report {
            design: netlist.design().to_string(),
            flow: self.flow,
            method: self.method,
            netlist: ctx.netlist,
            start_placement: ctx.start_placement,
            placement_file: ctx.placement_file,
            seed: self.seed,
            options: self.options,
            search: ctx.search,
            threads: ctx.threads,
            ranks: None,
            params: params.clone(),
            wall_seconds: ctx.wall_seconds,
            parse_seconds: ctx.parse_seconds,
            hpwl: self.hpwl,
            hpwl_geometric: self.shared.hpwl_geometric,
            hpwl_macro_only: self.shared.hpwl_macro_only,
            wirelength_cost: c.wirelength_cost,
            density_cost: c.density_cost,
            congestion_cost: c.congestion_cost,
            proxy_cost: c.proxy_cost,
            weights: [
                c.weights.wirelength,
                c.weights.density,
                c.weights.congestion,
            ],
            legal: self.shared.legal,
            violation_count: self.shared.violation_count,
            violations: self.shared.violations,
            details,
        }
    }
}

/// The first of `values` that is NaN or infinite, as `name = value`.
fn first_non_finite(values: &[(&str, f64)]) -> Option<String> {
    values
        .iter()
        .find(|(_, v)| !v.is_finite())
        .map(|(n, v)| format!("{n} = {v}"))
}

impl Report {
    /// `Err(which score)` when a score is NaN or infinite: nothing non-finite is written.
    pub fn check_finite(&self) -> Result<(), String> {
        first_non_finite(&[
            ("HPWL", self.hpwl),
            ("macro-only HPWL", self.hpwl_macro_only),
            ("wirelength cost", self.wirelength_cost),
            ("density cost", self.density_cost),
            ("congestion cost", self.congestion_cost),
            ("proxy cost", self.proxy_cost),
        ])
        .map_or(Ok(()), Err)
    }

    /// The proxy cost of the clustered design the macro placer optimised (full flow on a flat
    /// design), else `None`.
    pub fn clustered_proxy(&self) -> Option<f64> {
        match &self.details {
            FlowDetails::Full(f) => f.clustering.as_ref().map(|c| c.proxy.proxy_cost),
            FlowDetails::Macro(_) => None,
        }
    }

    /// The report of a macro flow (`label` names the method, e.g. `rl+sa`) and the scores its
    /// pictures need (one cost-map evaluation; cost and violations are the flow's own).
    pub fn macro_flow(
        netlist: &Netlist,
        params: &CostParams,
        ctx: RunContext,
        label: &str,
        opts: &PlaceOptions,
        result: &PlaceResult,
    ) -> (Report, Scores) {
        let c = &result.cost;
        let shared = Shared::of(netlist, &result.placement, &result.violations);
        let head = Head {
            flow: Flow::Macro,
            method: label.to_string(),
            seed: opts.seed,
            options: RunOptions::Macro(opts.clone()),
            hpwl: c.hpwl,
            cost: c,
            shared,
        };
        let report = head.assemble(
            netlist,
            params,
            ctx,
            FlowDetails::Macro(MacroDetails {
                legalize: result.legalize.clone(),
                stages: result.stages.clone(),
                counters: result.counters.clone(),
                trajectory: result.trajectory.clone(),
            }),
        );
        let scores = Scores {
            cost: c.clone(),
            maps: cost_maps(netlist, &result.placement, params),
            violations: result.violations.clone(),
        };
        (report, scores)
    }

    /// The report of a full flow. Scores the placement once: cost and maps, macro legality
    /// against `run.reference`, row legality.
    pub fn full_flow(
        netlist: &Netlist,
        params: &CostParams,
        ctx: RunContext,
        run: FullRun,
    ) -> (Report, Scores) {
        let r = run.result;
        let pl = &r.placement;
        // The rows once, for the row check and the report (check_full would build them again).
        let rows = crate::detail::rows_of(netlist);
        let violations = crate::cost::legality::check(netlist, pl, Some(run.reference));
        let cell_violations = crate::detail::check_cells(netlist, &rows, pl);
        let (c, maps) = crate::cost::proxy_cost_with_maps(netlist, pl, params);
        let shared = Shared::of(netlist, pl, &violations);
        // The global placement trajectories, one after the other, on one clock.
        let mut trajectory = Vec::new();
        let mut base = 0.0;
        for traj in &r.gp_trajectories {
            for p in traj {
                trajectory.push(GpTracePoint {
                    seconds: base + p.seconds,
                    iteration: p.iteration,
                    hpwl: p.hpwl,
                    overflow: p.overflow,
                    lambda: p.lambda,
                    gamma: p.gamma,
                });
            }
            base += traj.last().map_or(0.0, |p| p.seconds);
        }
        let head = Head {
            flow: Flow::Full,
            method: format!("full ({} macros)", run.macros),
            seed: run.options.gp.seed,
            options: RunOptions::Full(run.options.clone()),
            hpwl: shared.hpwl_geometric,
            cost: &c,
            shared,
        };
        let report = head.assemble(
            netlist,
            params,
            ctx,
            FlowDetails::Full(Box::new(FullDetails {
                macros: run.macros.to_string(),
                overflow: r.overflow,
                cells_placed_twice: r.placed_twice,
                cells_legal: cell_violations.is_empty(),
                cell_violation_count: cell_violations.len(),
                cell_violations: cell_violations
                    .into_iter()
                    .take(LISTED_VIOLATIONS)
                    .collect(),
                macro_stages: run.macro_stages.to_vec(),
                rows: RowsInfo {
                    count: rows.len(),
                    height: rows.first().map(|r| r.height),
                    site_width: rows.first().map(|r| r.site_width),
                    synthesized: netlist.floorplan().rows.is_empty(),
                },
                stages: r.stages.clone(),
                macro_legalize: r.macro_legalize.clone(),
                macro_snap: r.macro_snap.clone(),
                cell_legalize: r.rows.clone(),
                detail: r.detail.clone(),
                trajectory,
                clustering: run.clustering,
                congestion_measure: "the proxy's congestion term over the full netlist (every \
                                     std cell routed on the grid)"
                    .to_string(),
                warnings: run.warnings,
            })),
        );
        let scores = Scores {
            cost: c,
            maps,
            violations,
        };
        (report, scores)
    }

    /// The run's curves: best proxy over time (macro flow), or HPWL and overflow over global
    /// placement time (full flow).
    pub fn curves(&self) -> Vec<Series> {
        let series = |name: &str, points: Vec<(f64, f64)>| Series {
            name: name.to_string(),
            x_name: "seconds".to_string(),
            points,
        };
        match &self.details {
            FlowDetails::Macro(m) => vec![series(
                "best",
                m.trajectory.iter().map(|p| (p.seconds, p.best)).collect(),
            )],
            FlowDetails::Full(f) => vec![
                series(
                    "hpwl",
                    f.trajectory.iter().map(|p| (p.seconds, p.hpwl)).collect(),
                ),
                series(
                    "overflow",
                    f.trajectory
                        .iter()
                        .map(|p| (p.seconds, p.overflow))
                        .collect(),
                ),
            ],
        }
    }
}

/// A full flow's result and what a report of it needs besides the run context.
#[derive(Debug, Clone)]
pub struct FullRun<'a> {
    /// The macro placer's label (`analytic`, `sa`, `rl+sa`, ...).
    pub macros: &'a str,
    /// Its stages when it ran before the cells (empty for `analytic`).
    pub macro_stages: &'a [Stage],
    /// The full flow's settings.
    pub options: &'a FullOptions,
    /// Its result.
    pub result: &'a FullResult,
    /// The input placement (fixed nodes must not have moved).
    pub reference: &'a Placement,
    /// The clustered design the macros were placed on (flat designs).
    pub clustering: Option<ClusteredRun>,
    /// What the flow wants the user to know (defaults used, budget overruns, no convergence).
    pub warnings: Vec<String>,
}

/// The clustered stage of the full flow on a flat design: the std cells were grouped into soft
/// macros ([`crate::cluster`]) and the macro placer ran on that clustered design.
#[derive(Debug, Clone, Serialize)]
pub struct ClusteredRun {
    /// What clustering did.
    pub stats: crate::cluster::ClusterStats,
    /// The clustered design's proxy cost (and its terms) where the macro placer left it.
    pub proxy: ProxyCost,
    /// Seconds the macro placer ran on the clustered design.
    pub macro_seconds: f64,
}

/// What `eval` reports about a placement: the proxy cost with its terms and maxima, macro
/// legality (every violation, worst first) and, when the design has rows, row legality.
#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    /// Design name.
    pub design: String,
    /// HPWL under the cost model's pin rules.
    pub hpwl: f64,
    /// Wirelength cost.
    pub wirelength_cost: f64,
    /// Density cost.
    pub density_cost: f64,
    /// Congestion cost.
    pub congestion_cost: f64,
    /// Proxy cost.
    pub proxy_cost: f64,
    /// Weights of wirelength, density and congestion.
    pub weights: [f64; 3],
    /// Largest cell density.
    pub max_density: f64,
    /// Largest horizontal congestion.
    pub max_h_congestion: f64,
    /// Largest vertical congestion.
    pub max_v_congestion: f64,
    /// Cost-model settings.
    pub params: CostParams,
    /// Whether the macros are legal.
    pub legal: bool,
    /// Macro violations.
    pub violation_count: usize,
    /// Every macro violation, the largest amount first.
    pub violations: Vec<Violation>,
    /// Whether every std cell is legal in its row (`None`: the design has no std cells, or
    /// no rows and none can be synthesized).
    pub cells_legal: Option<bool>,
    /// Whether the rows checked were synthesized ([`crate::detail::rows_of`]: the input has
    /// none, as CT netlists do): the rows `place` legalizes into on such a design.
    pub rows_synthesized: bool,
    /// Std-cell violations.
    pub cell_violation_count: Option<usize>,
    /// The first [`LISTED_VIOLATIONS`] of them.
    pub cell_violations: Option<Vec<RowViolation>>,
    /// Seconds spent reading the input (set by the caller).
    pub parse_seconds: f64,
    /// Seconds the proxy evaluation took.
    pub eval_seconds: f64,
}

impl Evaluation {
    /// `Err(which score)` when a score is NaN or infinite.
    pub fn check_finite(&self) -> Result<(), String> {
        first_non_finite(&[
            ("HPWL", self.hpwl),
            ("wirelength cost", self.wirelength_cost),
            ("density cost", self.density_cost),
            ("congestion cost", self.congestion_cost),
            ("proxy cost", self.proxy_cost),
        ])
        .map_or(Ok(()), Err)
    }

    /// Scores `placement`; fixed nodes are checked against `reference` when given (the
    /// netlist's own positions, before a `.plc`/`.pl` moved them).
    pub fn of(
        netlist: &Netlist,
        placement: &Placement,
        params: &CostParams,
        reference: Option<&Placement>,
    ) -> Evaluation {
        let t = std::time::Instant::now();
        let c = crate::cost::proxy_cost(netlist, placement, params);
        let eval_seconds = t.elapsed().as_secs_f64();
        let mut violations = crate::cost::legality::check(netlist, placement, reference);
        violations.sort_by(|a, b| b.amount().total_cmp(&a.amount()));
        // A design without rows of its own is checked in the rows `place` synthesizes for it.
        let rows = crate::detail::rows_of(netlist);
        let rows_synthesized = netlist.floorplan().rows.is_empty() && !rows.is_empty();
        let cells =
            (!rows.is_empty()).then(|| crate::detail::check_cells(netlist, &rows, placement));
        Evaluation {
            design: netlist.design().to_string(),
            hpwl: c.hpwl,
            wirelength_cost: c.wirelength_cost,
            density_cost: c.density_cost,
            congestion_cost: c.congestion_cost,
            proxy_cost: c.proxy_cost,
            weights: [
                c.weights.wirelength,
                c.weights.density,
                c.weights.congestion,
            ],
            max_density: c.max_density,
            max_h_congestion: c.max_h_congestion,
            max_v_congestion: c.max_v_congestion,
            params: params.clone(),
            legal: violations.is_empty(),
            violation_count: violations.len(),
            violations,
            cells_legal: cells.as_ref().map(|v| v.is_empty()),
            cell_violation_count: cells.as_ref().map(|v| v.len()),
            cell_violations: cells.map(|v| v.into_iter().take(LISTED_VIOLATIONS).collect()),
            rows_synthesized,
            parse_seconds: 0.0,
            eval_seconds,
        }
    }
}
