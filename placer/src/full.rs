//! Full mixed-size placement: macros, then every standard cell, legal in rows.
//!
//! - **Fixed macros** (`MacroMode::Fixed`): the macros stay where the start placement (any
//!   macro placer's result) puts them, after the macro legalizer has made them legal; the cells
//!   are placed around them by the analytic placer from the canvas centre.
//! - **Mixed-size** (`MacroMode::Mixed`): the analytic placer moves macros and cells together;
//!   the macro legalizer then makes the macros legal and fixes them, and the cells are placed
//!   again around them (from where they were).
//!
//! - **A design without movable macros has its cells placed twice** ([`FullOptions::restart`],
//!   `Mixed` mode): a first global placement from the centre stops at overflow
//!   [`RESTART_OVERFLOW`]; a second one starts from it with the initial (low) density weight,
//!   so the cells contract around the first one's arrangement, and spreads them again to the
//!   same overflow; then it is continued, at the density weight of a spread start, to the
//!   target overflow (ibm03 −2.4%). When the time left is too short for the second placement
//!   ([`RESTART_ROOM`]), or the second stops short of its overflow (a plateau, the time) and
//!   behind the first, the first one is continued instead. (With fixed macros, cells placed
//!   from the centre twice gained 0.7–1.0% on flat mempool_tile and ariane133 for about twice
//!   the time: not done.)
//!
//! In both, the legal macros are then snapped to the rows and slivers between them closed
//! ([`crate::macros::snap`]), so that no row is lost to a macro edge inside it. Then Abacus puts the cells into rows ([`crate::detail::legalize_cells`]) and detailed placement
//! improves them ([`crate::detail::detailed_place`]). Every stage is timed and its HPWL recorded.

use std::time::Instant;

use netlists::{Netlist, NodeKind, Placement};

use crate::detail::{DetailReport, RowError, RowReport, RowViolation};
use crate::global::analytic::{AnalyticOptions, GpPoint, Init, global_place};
use crate::macros::legalize::{LegalizeError, LegalizeReport, legalize};
use crate::macros::snap::{SnapReport, snap_macros};

/// Whether macros move in global placement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MacroMode {
    /// Macros stay (legalized) where the start puts them.
    Fixed,
    /// Macros move with the cells, then are legalized and fixed.
    Mixed,
}

/// Settings of [`place_full`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FullOptions {
    /// Macro handling.
    pub mode: MacroMode,
    /// Global placement settings (the seed and the time limit included).
    pub gp: AnalyticOptions,
    /// Density weight ratio for re-placing the cells around legalized macros (they start spread
    /// already).
    pub replace_lambda: f64,
    /// Detailed-placement passes.
    pub detail_passes: usize,
    /// Target density when re-placing the cells around legalized macros (`None`: the global
    /// placement's).
    pub cell_target_density: Option<f64>,
    /// Bins per axis when re-placing the cells (`None`: the global placement's).
    pub cell_bins: Option<usize>,
    /// Where the cells start with fixed macros: the canvas centre, or where the start
    /// placement puts them (e.g. at their cluster's position after a clustered macro
    /// placement).
    pub cell_init: Init,
    /// The least wall time the cells' global placement gets, whatever is left of the budget
    /// (the overrun is the caller's to report).
    pub min_cell_seconds: f64,
    /// Place the cells of a design without movable macros twice (see the module docs).
    pub restart: bool,
}

/// Overflow at which each of two global placements of the cells stops before the second is
/// continued to the target ([`FullOptions::restart`]). First chosen on ibm03 seed 1 (0.3, 0.15
/// and 0.1 gave 4.325, 4.289 and 4.306e6, when the second ran to the target); with the second
/// stopping here too, ibm01 with its macros fixed gave 2.0698, 2.0705, 2.0693 and 2.0717e6 at
/// 0.1, 0.15, 0.2 and 0.25 (mean of seeds 1–5: no difference), so it stayed.
pub const RESTART_OVERFLOW: f64 = 0.15;

/// The second placement of twice-placed cells runs only when three quarters of the time left
/// is at least this many times the first one's time (with its continuation it took about 1.35
/// of it on ibm03); otherwise the first one is continued from where it stopped, at the density
/// weight of a spread start ([`FullOptions::replace_lambda`]).
pub const RESTART_ROOM: f64 = 1.25;

impl Default for FullOptions {
    fn default() -> Self {
        FullOptions {
            mode: MacroMode::Mixed,
            gp: AnalyticOptions::default(),
            replace_lambda: 0.2,
            detail_passes: 12,
            cell_target_density: None,
            cell_bins: None,
            cell_init: Init::Centre,
            min_cell_seconds: 1.0,
            restart: true,
        }
    }
}

/// One stage.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FullStage {
    /// What ran.
    pub name: String,
    /// Wall time.
    pub seconds: f64,
    /// HPWL after it (all nets, pin offsets applied).
    pub hpwl: f64,
    /// Overflow after it (global placement stages).
    pub overflow: Option<f64>,
    /// Iterations (global placement stages).
    pub iterations: Option<usize>,
}

/// The result of [`place_full`].
#[derive(Debug, Clone)]
pub struct FullResult {
    /// The placement.
    pub placement: Placement,
    /// Stages in order.
    pub stages: Vec<FullStage>,
    /// What the macro legalizer did.
    pub macro_legalize: LegalizeReport,
    /// What snapping the macros to the rows did.
    pub macro_snap: SnapReport,
    /// What Abacus did.
    pub rows: RowReport,
    /// What detailed placement did.
    pub detail: DetailReport,
    /// Global placement trajectories, one per global placement stage.
    pub gp_trajectories: Vec<Vec<GpPoint>>,
    /// Overflow at the end of the last global placement.
    pub overflow: f64,
    /// Whether the cells were placed twice ([`FullOptions::restart`]): the second placement
    /// ran and was kept. It is kept when it reaches [`RESTART_OVERFLOW`] (within
    /// [`crate::global::analytic::BAND_SLACK`]) or the first one's overflow; otherwise the first
    /// one is continued.
    pub placed_twice: bool,
}

/// Why the full flow failed.
#[derive(Debug, thiserror::Error)]
pub enum FullError {
    /// The macros could not be legalized.
    #[error(transparent)]
    Macros(#[from] LegalizeError),
    /// The cells could not be legalized.
    #[error(transparent)]
    Rows(#[from] RowError),
}

fn movable_cells(netlist: &Netlist) -> Vec<bool> {
    (0..netlist.num_nodes())
        .map(|n| netlist.node_kind()[n] == NodeKind::StdCell && !netlist.node_fixed()[n])
        .collect()
}

/// Whether the time left (`opts`' limit, counted from `t_all`) holds a second placement of
/// the cells after a first one that took `t_first`'s elapsed time ([`RESTART_ROOM`]).
fn room_for_restart(opts: &FullOptions, t_first: &Instant, t_all: &Instant) -> bool {
    let first = t_first.elapsed().as_secs_f64();
    opts.gp
        .seconds
        .is_none_or(|s| 0.75 * (s - t_all.elapsed().as_secs_f64()) >= RESTART_ROOM * first)
}

/// Runs the full flow from `start`.
pub fn place_full(
    netlist: &Netlist,
    start: &Placement,
    opts: &FullOptions,
) -> Result<FullResult, FullError> {
    let t_all = Instant::now();
    let mut stages = Vec::new();
    let mut trajectories = Vec::new();
    let mut pl = start.clone();
    let mut t = Instant::now();
    // `gp`: overflow and iterations of a global placement stage.
    let mut stage = |name: &str, t: &mut Instant, pl: &Placement, gp: Option<(f64, usize)>| {
        stages.push(FullStage {
            name: name.to_string(),
            seconds: t.elapsed().as_secs_f64(),
            hpwl: crate::cost::hpwl::geometric_hpwl(netlist, pl),
            overflow: gp.map(|g| g.0),
            iterations: gp.map(|g| g.1),
        });
        *t = Instant::now();
    };
    let remaining = |t_all: &Instant| {
        opts.gp
            .seconds
            .map(|s| (s - t_all.elapsed().as_secs_f64()).max(1.0))
    };
    let cells = movable_cells(netlist);
    let row_list = crate::detail::rows_of(netlist);
    let macro_legalize;
    let macro_snap;
    let mut cells_placed = None;
    let mut placed_twice = false;
    // The first placement of twice-placed cells and its overflow.
    let mut first: Option<(Placement, f64)> = None;
    let cell_opts = if opts.mode == MacroMode::Mixed {
        let movable: Vec<bool> = (0..netlist.num_nodes())
            .map(|n| {
                cells[n]
                    || (netlist.node_kind()[n] == NodeKind::HardMacro && !netlist.node_fixed()[n])
            })
            .collect();
        let cells_only = !(0..netlist.num_nodes()).any(|n| movable[n] && !cells[n]);
        let g = global_place(
            netlist,
            &pl,
            &movable,
            &AnalyticOptions {
                init: Init::Centre,
                seconds: remaining(&t_all).map(|s| 0.6 * s),
                target_overflow: if cells_only && opts.restart {
                    RESTART_OVERFLOW.max(opts.gp.target_overflow)
                } else {
                    opts.gp.target_overflow
                },
                ..opts.gp.clone()
            },
        );
        pl = g.placement;
        trajectories.push(g.trajectory);
        // Placed twice only when the first reached its stop (not a plateau above it) and the
        // time left holds a second.
        let restarting = cells_only
            && opts.restart
            && g.overflow <= RESTART_OVERFLOW + crate::global::analytic::BAND_SLACK
            && room_for_restart(opts, &t, &t_all);
        placed_twice = restarting;
        if cells_only && !opts.restart {
            cells_placed = Some(g.overflow);
        }
        stage(
            "global placement (mixed-size)",
            &mut t,
            &pl,
            Some((g.overflow, g.iterations)),
        );
        macro_legalize = legalize(netlist, &mut pl)?;
        macro_snap = snap_macros(netlist, &row_list, &mut pl);
        // Cells left on a macro go to the nearest free row space first.
        crate::detail::pull_off_obstacles(netlist, &row_list, &mut pl);
        stage("macro legalization", &mut t, &pl, None);
        if restarting {
            first = Some((pl.clone(), g.overflow));
        }
        // The cells placed again from a spread start: around the legalized macros, or the
        // cells' own placement continued.
        AnalyticOptions {
            init: Init::Keep,
            initial_lambda: opts.replace_lambda,
            target_density: opts.cell_target_density.unwrap_or(opts.gp.target_density),
            bins: opts.cell_bins.or(opts.gp.bins),
            ..opts.gp.clone()
        }
    } else {
        macro_legalize = legalize(netlist, &mut pl)?;
        macro_snap = snap_macros(netlist, &row_list, &mut pl);
        if opts.cell_init == Init::Keep {
            crate::detail::pull_off_obstacles(netlist, &row_list, &mut pl);
        }
        stage("macro legalization", &mut t, &pl, None);
        AnalyticOptions {
            init: opts.cell_init,
            initial_lambda: if opts.cell_init == Init::Keep {
                opts.replace_lambda
            } else {
                opts.gp.initial_lambda
            },
            ..opts.gp.clone()
        }
    };
    // The cells' global placement from `from`: a quarter of the time left is kept for
    // legalization and detailed placement, never less than the minimum.
    let place_cells = |from: &Placement, o: AnalyticOptions| {
        global_place(
            netlist,
            from,
            &cells,
            &AnalyticOptions {
                seconds: remaining(&t_all).map(|s| (0.75 * s).max(opts.min_cell_seconds)),
                ..o
            },
        )
    };
    // Mixed-size without a movable macro (a std-cell design): the cells are placed already.
    let overflow = if let Some(o) = cells_placed {
        o
    } else {
        if let Some((first, first_overflow)) = first {
            // The second placement: from the first at the initial density weight (the cells
            // contract around it), spread again to the first one's stop.
            let stop = RESTART_OVERFLOW.max(opts.gp.target_overflow);
            let g = place_cells(
                &first,
                AnalyticOptions {
                    init: Init::Keep,
                    target_overflow: stop,
                    ..opts.gp.clone()
                },
            );
            trajectories.push(g.trajectory);
            stage(
                "global placement (cells, placed again)",
                &mut t,
                &g.placement,
                Some((g.overflow, g.iterations)),
            );
            // Kept when it reached the stop (or spread the cells at least as far as the
            // first); otherwise (a plateau, the time) the first one goes on.
            placed_twice = g.overflow <= stop + crate::global::analytic::BAND_SLACK
                || g.overflow <= first_overflow;
            pl = if placed_twice { g.placement } else { first };
        }
        let g = place_cells(&pl, cell_opts);
        pl = g.placement;
        trajectories.push(g.trajectory);
        stage(
            "global placement (cells)",
            &mut t,
            &pl,
            Some((g.overflow, g.iterations)),
        );
        g.overflow
    };
    let rows = crate::detail::legalize_cells(netlist, &row_list, &mut pl)?;
    stage("cell legalization (Abacus)", &mut t, &pl, None);
    // Detailed placement gets what is left of the time limit (at least 2 s).
    let deadline =
        remaining(&t_all).map(|s| Instant::now() + std::time::Duration::from_secs_f64(s.max(2.0)));
    let detail =
        crate::detail::detailed_place(netlist, &row_list, &mut pl, opts.detail_passes, deadline);
    stage("detailed placement", &mut t, &pl, None);
    Ok(FullResult {
        placement: pl,
        stages,
        macro_legalize,
        macro_snap,
        rows,
        detail,
        gp_trajectories: trajectories,
        overflow,
        placed_twice,
    })
}

/// Violations of a full placement: macro legality ([`crate::cost::legality::check`]) as strings, and
/// std-cell row legality.
pub fn check_full(
    netlist: &Netlist,
    placement: &Placement,
    reference: Option<&Placement>,
) -> (Vec<crate::cost::legality::Violation>, Vec<RowViolation>) {
    (
        crate::cost::legality::check(netlist, placement, reference),
        crate::detail::check_cells(netlist, &crate::detail::rows_of(netlist), placement),
    )
}
