//! `macroplace place`: turns the arguments into a flow's options, runs the flow
//! ([`placer::macros::flow`], the policy's search through [`crate::PolicyCommands`],
//! [`placer::full`]), and hands the typed
//! [`Report`] to the one writer ([`crate::output`]). [`run`] is the same job for `compare`,
//! which calls it directly.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use placer::cost::CostParams;
use placer::macros::anneal::Budget;
use placer::macros::flow::{Method, PlaceOptions, PlaceResult};
use placer::report::{FullRun, Report, RunContext, Scores, SearchReport};

use crate::{CostArgs, Input, read_scored};

/// Options of `place` beyond the input and cost settings.
#[derive(clap::Args, Debug, Clone, PartialEq)]
pub struct PlaceArgs {
    /// Placement method.
    #[arg(long, value_enum, default_value = "sa")]
    pub method: MethodArg,
    /// Wall-clock budget in seconds for the whole run (reading and pictures excluded).
    #[arg(value_parser = crate::values::seconds, long, default_value_t = 60.0)]
    pub time_limit: f64,
    /// Budget of the main stage in moves (sa) or candidates (ea): with it the result depends
    /// only on the seed (give a generous --time-limit too).
    #[arg(value_parser = crate::values::steps, long)]
    pub iterations: Option<u64>,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(value_parser = crate::values::count::<1024>, long)]
    pub threads: Option<usize>,
    /// Parallel annealing chains (sa) / 2 × children per generation (ea).
    #[arg(value_parser = crate::values::count::<1024>, long, default_value_t = 2)]
    pub chains: usize,
    /// sa: probability of accepting an average uphill move at the start (default 0.2, also
    /// after a learned policy: on ariane133 at 120 s, cooler starts that keep more of the
    /// policy's placement ended worse — 0.02, 0.05, 0.1, 0.2 gave 0.6046, 0.6057, 0.6054,
    /// 0.6004).
    #[arg(value_parser = crate::values::probability, long)]
    pub start_acceptance: Option<f64>,
    /// Mask grid cells along the longer canvas side (greedy, ea).
    #[arg(value_parser = crate::values::count::<4096>, long, default_value_t = 128)]
    pub mask_grid: usize,
    /// Soft-macro polish moves after greedy and ea.
    #[arg(long, default_value_t = 100_000)]
    pub cluster_moves: u64,
    /// Output directory (created if missing).
    #[arg(long)]
    pub out: PathBuf,
    /// Skip the pictures and report.html.
    #[arg(long)]
    pub no_pictures: bool,
    /// rl: checkpoint directory written by `train` (policy.safetensors + policy.json).
    #[arg(long, required_if_eq("method", "rl"))]
    pub policy: Option<PathBuf>,
    /// rl: sampled decodings (the best is kept).
    #[arg(value_parser = crate::values::count0::<1000000>, long, default_value_t = 16)]
    pub samples: usize,
    /// rl: beam width of the policy-guided beam search on the exact return (0 = none).
    #[arg(value_parser = crate::values::count0::<1024>, long, default_value_t = 4)]
    pub beam: usize,
    /// rl: cells tried per beam entry and step (the policy's most likely ones).
    #[arg(value_parser = crate::values::count0::<1024>, long, default_value_t = 4)]
    pub expand: usize,
    /// rl: tree search (policy priors, value head at the frontier, exact proxy at complete
    /// placements) with this many simulations per macro (0 = none).
    #[arg(value_parser = crate::values::count0::<1000000>, long, default_value_t = 0)]
    pub mcts: usize,
    /// rl: children per tree-search node (the policy's most likely cells).
    #[arg(value_parser = crate::values::count::<1024>, long, default_value_t = 8)]
    pub mcts_expand: usize,
    /// rl: tree-search games (each a complete placement, each with twice the simulations of
    /// the one before; until the search time is up).
    #[arg(value_parser = crate::values::count::<1000000>, long, default_value_t = 1)]
    pub mcts_games: usize,
    /// rl with --refine sa: draw annealing's hard-macro jumps from the policy's N most likely
    /// cells for each macro (given the best decoding's macros before it; 0 = uniform jumps).
    #[arg(value_parser = crate::values::count0::<4096>, long, default_value_t = 0)]
    pub policy_jumps: usize,
    /// rl: what finishes the best decoding: cluster placement only, or local search (sa, ea)
    /// for the rest of --time-limit.
    #[arg(long, value_enum, default_value = "none")]
    pub refine: RefineArg,
    /// rl: seconds for the policy search (default: all of --time-limit without --refine, a
    /// quarter of it with).
    #[arg(value_parser = crate::values::seconds, long)]
    pub search_time: Option<f64>,
    /// rl: `auto` (CUDA when libtorch sees a GPU), `cpu` or `cuda`.
    #[arg(long, default_value = "auto")]
    pub device: String,
    /// `macro`: place the macros (the std cells stay where the input puts them); `full`: place
    /// the macros by --macros, then every std cell (analytic global placement, Abacus
    /// legalization into rows, detailed placement).
    #[arg(long, value_enum, default_value = "macro")]
    pub flow: FlowArg,
    /// full: the macro placer. `analytic` moves macros and cells together (mixed-size), then
    /// legalizes the macros; the others place the macros first (with --method's options).
    #[arg(long, value_enum, default_value = "analytic")]
    pub macros: MacrosArg,
    /// full: seconds for the macro placer when it is not `analytic` (default: half of
    /// --time-limit).
    #[arg(value_parser = crate::values::seconds, long)]
    pub macro_time: Option<f64>,
    /// full: target bin density of global placement (default: 0.9 when macros move, else 1.0).
    #[arg(value_parser = crate::values::fraction, long)]
    pub target_density: Option<f64>,
    /// full: target density when the cells are placed again around the legalized macros
    /// (default: 0.95 when macros moved, else --target-density's value).
    #[arg(value_parser = crate::values::fraction, long)]
    pub cell_target_density: Option<f64>,
    /// full: global placement bins per axis (default: a power of two near √objects).
    #[arg(value_parser = crate::values::count::<4096>, long)]
    pub bins: Option<usize>,
    /// full: detailed-placement passes (at most; it stops when a pass changes nothing).
    #[arg(value_parser = crate::values::count0::<1000>, long, default_value_t = 12)]
    pub detail_passes: usize,
    /// Whether macro placers may flip hard macros (`off`: each keeps its netlist orientation,
    /// so evaluators that keep pins unrotated, such as TILOS's, score what `eval` scores).
    #[arg(long, value_enum, default_value = "on")]
    pub flips: Switch,
    /// full, flat designs: how the std cells are clustered before the macros are placed.
    #[command(flatten)]
    pub cluster: crate::cluster::ClusterArgs,
}

/// `--flow`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FlowArg {
    /// Macros only.
    Macro,
    /// Macros, then every std cell.
    Full,
}

/// `--macros`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum MacrosArg {
    /// Mixed-size analytic placement.
    Analytic,
    /// Wire-mask greedy.
    Greedy,
    /// Evolutionary search.
    Ea,
    /// Simulated annealing.
    Sa,
    /// The learned policy (--policy).
    Rl,
}

/// `--refine`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum RefineArg {
    /// Cluster placement only.
    None,
    /// Simulated annealing from the policy's placement.
    Sa,
    /// Evolutionary search seeded with the policy's placement.
    Ea,
}

/// `--method`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum MethodArg {
    /// Wire-mask greedy decoding, then cluster placement.
    Greedy,
    /// Evolutionary search over greedy decodings (WireMask-EA style).
    Ea,
    /// Simulated annealing of hard and soft macros.
    Sa,
    /// The learned policy (--policy): greedy, beam and sampled decoding, then --refine.
    Rl,
}

/// An on/off option.
#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Switch {
    /// On.
    On,
    /// Off.
    Off,
}

fn method_name(m: Method) -> &'static str {
    match m {
        Method::Greedy => "greedy",
        Method::Ea => "ea",
        Method::Sa => "sa",
        Method::Clusters => "clusters",
    }
}

/// The rayon pool of `--threads` (default: all cores) and its size.
fn worker_pool(args: &PlaceArgs) -> Result<(rayon::ThreadPool, usize)> {
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .context("starting worker threads")?;
    Ok((pool, threads))
}

impl Default for PlaceArgs {
    /// The values clap gives when only `--out` is set (a test keeps the two equal), with
    /// `--out` empty: for `compare`, which sets what it varies.
    fn default() -> Self {
        PlaceArgs {
            method: MethodArg::Sa,
            time_limit: 60.0,
            iterations: None,
            seed: 1,
            threads: None,
            chains: 2,
            start_acceptance: None,
            mask_grid: 128,
            cluster_moves: 100_000,
            out: PathBuf::new(),
            no_pictures: false,
            policy: None,
            samples: 16,
            beam: 4,
            expand: 4,
            mcts: 0,
            mcts_expand: 8,
            mcts_games: 1,
            policy_jumps: 0,
            refine: RefineArg::None,
            search_time: None,
            device: "auto".into(),
            flow: FlowArg::Macro,
            macros: MacrosArg::Analytic,
            macro_time: None,
            target_density: None,
            cell_target_density: None,
            bins: None,
            detail_passes: 12,
            flips: Switch::On,
            cluster: crate::cluster::ClusterArgs::default(),
        }
    }
}

/// A finished run: the placement, its report and what its pictures need.
pub struct Outcome {
    /// The placement.
    pub placement: netlists::Placement,
    /// Its report.
    pub report: Report,
    /// Its scores (cost maps, every violation).
    pub scores: Scores,
}

/// Runs `place`: reads the input, runs the flow, writes every output, prints a summary.
pub(crate) fn place(input: &Input, cost: &CostArgs, args: &PlaceArgs) -> Result<()> {
    let (d, parse_secs) = read_scored(input, cost)?;
    let params = if clusters(args) {
        cost.params_clustering(&d.netlist)?
    } else {
        cost.params(d.netlist.floorplan())?
    };
    let ctx = input.run_context(parse_secs);
    // --out is checked (and its staging folder made) before any work; under MPI only rank 0
    // writes.
    let group = placer::ranks::group();
    let set = if group.rank() == 0 {
        Some(crate::outset::OutputSet::begin(&args.out, "place")?)
    } else {
        None
    };
    let mut outcome = run(&d, &params, args, ctx)?;
    if group.size() > 1 {
        let comm = placer::ranks::stats();
        let rank_moves = match &outcome.report.details {
            placer::report::FlowDetails::Macro(m) => m.counters.rank_iterations.clone(),
            placer::report::FlowDetails::Full(_) => Vec::new(),
        };
        outcome.report.ranks = Some(placer::report::RanksReport {
            ranks: group.size(),
            rank_moves,
            comm_calls: comm.calls,
            comm_bytes: comm.bytes,
            comm_seconds: comm.seconds,
        });
    }
    let Some(set) = set else {
        return Ok(());
    };
    crate::output::write_run(set.dir(), &d.netlist, &params, &outcome, !args.no_pictures)?;
    set.commit()?;
    print_summary(&outcome.report);
    println!("wrote {}", args.out.display());
    Ok(())
}

/// Runs the flow `args` asks for on `design` and reports it (nothing is written).
pub(crate) fn run(
    design: &netlists::Design,
    params: &CostParams,
    args: &PlaceArgs,
    mut ctx: RunContext,
) -> Result<Outcome> {
    crate::ensure_arg(
        args.time_limit > 0.0 && args.time_limit.is_finite(),
        format!(
            "--time-limit: expected a positive number of seconds, found {}",
            args.time_limit
        ),
    )?;
    let (pool, threads) = worker_pool(args)?;
    ctx.threads = threads;
    ctx.placement_file = crate::output::placement_file_name(&design.netlist);
    if args.flow == FlowArg::Full {
        return run_full(design, params, args, ctx, &pool);
    }
    let t = Instant::now();
    let run = run_macro_flow(design, params, args, args.method, args.time_limit, &pool)?;
    ctx.wall_seconds = t.elapsed().as_secs_f64();
    ctx.search = run.search;
    let (report, scores) = Report::macro_flow(
        &design.netlist,
        params,
        ctx,
        &run.label,
        &run.opts,
        &run.result,
    );
    Ok(Outcome {
        placement: run.result.placement,
        report,
        scores,
    })
}

/// The summary `place` prints.
fn print_summary(r: &Report) {
    use placer::report::FlowDetails;
    println!("design           {}", r.design);
    match &r.details {
        FlowDetails::Macro(m) => {
            println!(
                "method           {} (seed {}, {} threads)",
                r.method, r.seed, r.threads
            );
            for s in &m.stages {
                println!(
                    "  {:<24} {:>8.3} s  proxy {:.6}",
                    s.name, s.seconds, s.proxy
                );
            }
            println!("hpwl             {:.6}", r.hpwl);
            println!("wirelength cost  {:.10}", r.wirelength_cost);
            println!("density cost     {:.10}", r.density_cost);
            println!("congestion cost  {:.10}", r.congestion_cost);
            println!("proxy cost       {:.10}", r.proxy_cost);
            if r.legal {
                println!("legal            yes");
            } else {
                println!("legal            no: {} violations", r.violation_count);
            }
        }
        FlowDetails::Full(f) => {
            println!(
                "flow             full, macros {} (seed {}, {} threads)",
                f.macros, r.seed, r.threads
            );
            for s in &f.macro_stages {
                println!(
                    "  {:<34} {:>8.3} s  proxy {:.6}",
                    s.name, s.seconds, s.proxy
                );
            }
            for s in &f.stages {
                println!("  {:<34} {:>8.3} s  hpwl {:.6e}", s.name, s.seconds, s.hpwl);
            }
            println!(
                "hpwl             {:.6e} (macro-only {:.6e})",
                r.hpwl, r.hpwl_macro_only
            );
            println!("overflow         {:.4}", f.overflow);
            println!("proxy cost       {:.6}", r.proxy_cost);
            println!(
                "legal            macros {}, std cells {}",
                if r.legal { "yes" } else { "no" },
                if f.cells_legal { "yes" } else { "no" }
            );
        }
    }
    if let Some(k) = &r.ranks {
        let moves: Vec<String> = k.rank_moves.iter().map(u64::to_string).collect();
        println!(
            "ranks            {} (moves per rank: {}; rank 0 in collectives {:.3} s, {} calls, {} bytes)",
            k.ranks,
            if moves.is_empty() {
                "-".to_string()
            } else {
                moves.join(", ")
            },
            k.comm_seconds,
            k.comm_calls,
            k.comm_bytes
        );
    }
    println!("wall time        {:.3} s", r.wall_seconds);
}

/// A macro flow's outcome.
struct MacroRun {
    result: PlaceResult,
    label: String,
    opts: PlaceOptions,
    search: Option<SearchReport>,
}

/// Runs the macro placer `method_arg` on `d` within `time_limit` seconds (in `pool`).
fn run_macro_flow(
    d: &netlists::Design,
    params: &CostParams,
    args: &PlaceArgs,
    method_arg: MethodArg,
    time_limit: f64,
    pool: &rayon::ThreadPool,
) -> Result<MacroRun> {
    let nl = &d.netlist;
    let rl = matches!(method_arg, MethodArg::Rl);
    let method = match (method_arg, args.refine) {
        (MethodArg::Greedy, _) => Method::Greedy,
        (MethodArg::Ea, _) | (MethodArg::Rl, RefineArg::Ea) => Method::Ea,
        (MethodArg::Sa, _) | (MethodArg::Rl, RefineArg::Sa) => Method::Sa,
        (MethodArg::Rl, RefineArg::None) => Method::Clusters,
    };
    let label = if !rl {
        method_name(method).to_string()
    } else if args.refine == RefineArg::None {
        "rl".to_string()
    } else {
        format!("rl+{}", method_name(method))
    };
    let opts = PlaceOptions {
        method,
        seed: args.seed,
        budget: Budget {
            seconds: Some(time_limit),
            iterations: args.iterations,
        },
        chains: args.chains.max(1),
        grid: args.mask_grid.clamp(4, 1024),
        cluster_moves: args.cluster_moves,
        // The start temperature: --start-acceptance, else sa's own, also after a policy.
        start_acceptance: args
            .start_acceptance
            .unwrap_or(PlaceOptions::default().start_acceptance)
            .clamp(1e-6, 0.999),
        flips: args.flips == Switch::On,
        ..PlaceOptions::default()
    };
    let bar = if std::io::stderr().is_terminal() {
        let b = indicatif::ProgressBar::new(1000);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} {elapsed_precise} [{bar:30}] {percent:>3}% {msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        b
    } else {
        indicatif::ProgressBar::hidden()
    };
    let mut on_progress = |p: &placer::macros::anneal::Progress| {
        bar.set_position((p.fraction * 1000.0) as u64);
        bar.set_message(format!(
            "best {:.5}  current {:.5}  {} it",
            p.point.best, p.point.current, p.point.iterations
        ));
    };
    let mut search_report = None;
    let result = if rl {
        let r = crate::policy_hook::commands()?.place_rl(crate::RlRun {
            args,
            time_limit,
            netlist: nl,
            start: &d.placement,
            params,
            finish: &opts,
            pool,
            progress: &mut on_progress,
        });
        bar.finish_and_clear();
        let (r, found) = r?;
        search_report = Some(found);
        r
    } else {
        let r = pool.install(|| {
            placer::macros::flow::place(nl, &d.placement, params, &opts, &mut on_progress)
        });
        bar.finish_and_clear();
        r.with_context(|| format!("{label} placement failed"))?
    };
    Ok(MacroRun {
        result,
        label,
        opts,
        search: search_report,
    })
}

/// Whether `args` asks for the full flow with a macro placer, which clusters a flat design.
pub(crate) fn clusters(args: &PlaceArgs) -> bool {
    args.flow == FlowArg::Full && args.macros != MacrosArg::Analytic
}

/// Whether `--flow full` with a macro placer clusters the design first: it has movable std
/// cells and no soft macros (a flat netlist).
pub(crate) fn is_flat(nl: &netlists::Netlist) -> bool {
    use netlists::NodeKind;
    nl.count_kind(NodeKind::SoftMacro) == 0
        && (0..nl.num_nodes()).any(|n| placer::cluster::is_clusterable(nl, n))
}

/// The least wall time the cells' global placement needs on `nl` (about 600 iterations at
/// the measured cost per pin and iteration on 2 cores, with a margin), in seconds.
fn min_cell_seconds(nl: &netlists::Netlist) -> f64 {
    // Measured: flat ariane133 (381k pins) and ibm01 (50k pins) run global placement at
    // ~25 ns per pin and iteration; 600 iterations are what the cells need from a clustered
    // start.
    (600.0 * 25e-9 * nl.num_pins() as f64).max(1.0)
}

/// `--flow full`: macros by --macros, then every std cell. On a flat design the std cells are
/// clustered first and the macro placer runs on the clustered design (Circuit Training's
/// flow); the cells then start at their cluster's final position.
fn run_full(
    d: &netlists::Design,
    params: &CostParams,
    args: &PlaceArgs,
    mut ctx: RunContext,
    pool: &rayon::ThreadPool,
) -> Result<Outcome> {
    let nl = &d.netlist;
    let t = Instant::now();
    let mut macro_stages = Vec::new();
    let mut warnings = Vec::new();
    let mut clustering = None;
    let mut cell_init = placer::global::analytic::Init::Centre;
    let min_cells = min_cell_seconds(nl);
    let (start, mode, label) = match args.macros {
        MacrosArg::Analytic => (
            d.placement.clone(),
            placer::full::MacroMode::Mixed,
            "analytic".to_string(),
        ),
        m => {
            let method = match m {
                MacrosArg::Greedy => MethodArg::Greedy,
                MacrosArg::Ea => MethodArg::Ea,
                MacrosArg::Sa => MethodArg::Sa,
                _ => MethodArg::Rl,
            };
            let budget = args.macro_time.unwrap_or(0.5 * args.time_limit);
            crate::ensure_arg(
                budget > 0.0 && budget.is_finite(),
                format!("--macro-time: expected a positive number of seconds, found {budget}"),
            )?;
            // The cells need their minimum after the macros: refuse a budget that cannot
            // leave it, before anything runs.
            crate::ensure_arg(
                budget + min_cells <= args.time_limit,
                format!(
                    "--macro-time {budget} leaves {:.1} s of --time-limit {} for the std cells; \
                     this design's cells need at least {min_cells:.1} s (raise --time-limit or \
                     lower --macro-time)",
                    args.time_limit - budget,
                    args.time_limit
                ),
            )?;
            if is_flat(nl) {
                let tc = Instant::now();
                let (c, clustered) = crate::cluster::cluster_design(
                    std::path::Path::new(&ctx.netlist),
                    d,
                    params,
                    &args.cluster,
                    args.seed,
                )?;
                let cd = netlists::Design {
                    netlist: clustered.netlist.clone(),
                    placement: clustered.placement.clone(),
                    warnings: Vec::new(),
                };
                let cluster_secs = tc.elapsed().as_secs_f64();
                let tm = Instant::now();
                let run = run_macro_flow(&cd, params, args, method, budget, pool)?;
                let macro_seconds = tm.elapsed().as_secs_f64();
                let start = placer::cluster::spread_cells(
                    nl,
                    &d.placement,
                    &c,
                    &clustered,
                    &run.result.placement,
                    args.seed,
                );
                macro_stages.push(placer::macros::flow::Stage {
                    name: format!("clustering ({} clusters)", c.num_clusters),
                    seconds: cluster_secs,
                    proxy: placer::cost::proxy_cost(&cd.netlist, &cd.placement, params).proxy_cost,
                });
                macro_stages.extend(run.result.stages.iter().cloned());
                clustering = Some(placer::report::ClusteredRun {
                    stats: c.stats.clone(),
                    proxy: run.result.cost.clone(),
                    macro_seconds,
                });
                ctx.search = run.search;
                // Measured on flat ariane133 (sa macros): starting the cells at their
                // clusters gave 3.11e6 µm, from the centre 3.21e6.
                cell_init = placer::global::analytic::Init::Keep;
                (start, placer::full::MacroMode::Fixed, run.label)
            } else {
                let run = run_macro_flow(d, params, args, method, budget, pool)?;
                macro_stages = run.result.stages.clone();
                ctx.search = run.search;
                (
                    run.result.placement,
                    placer::full::MacroMode::Fixed,
                    run.label,
                )
            }
        }
    };
    let macros_moving = mode == placer::full::MacroMode::Mixed
        && (0..nl.num_nodes())
            .any(|n| nl.node_kind()[n] == netlists::NodeKind::HardMacro && !nl.node_fixed()[n]);
    // Defaults chosen on ibm01 (seeds 1–5): a lower target while macros move leaves them room
    // to pass each other; the cells then settle at 0.95 around the fixed macros.
    let target_density = args
        .target_density
        .unwrap_or(if macros_moving { 0.9 } else { 1.0 });
    let left = args.time_limit - t.elapsed().as_secs_f64();
    let fo = placer::full::FullOptions {
        mode,
        cell_target_density: Some(args.cell_target_density.unwrap_or(if macros_moving {
            0.95
        } else {
            target_density
        })),
        gp: placer::global::analytic::AnalyticOptions {
            bins: args.bins,
            target_density,
            seed: args.seed,
            seconds: Some(left.max(min_cells)),
            ..placer::global::analytic::AnalyticOptions::default()
        },
        detail_passes: args.detail_passes,
        cell_init,
        min_cell_seconds: min_cells,
        ..placer::full::FullOptions::default()
    };
    let r = pool
        .install(|| placer::full::place_full(nl, &start, &fo))
        .context("full placement failed")?;
    ctx.wall_seconds = t.elapsed().as_secs_f64();
    if ctx.wall_seconds > args.time_limit + 1.0 {
        warnings.push(format!(
            "the run took {:.1} s, {:.1} s over --time-limit {}: the std cells got their \
             minimum ({min_cells:.1} s of global placement)",
            ctx.wall_seconds,
            ctx.wall_seconds - args.time_limit,
            args.time_limit
        ));
    }
    // Unconverged global placement is said, never returned silently.
    let target = fo.gp.target_overflow;
    if r.overflow > 2.0 * target.max(0.1) {
        warnings.push(format!(
            "global placement stopped at overflow {:.3} (target {target}): the cells were \
             legalized from an unconverged placement; give it more --time-limit",
            r.overflow
        ));
    }
    let default_routes = params.h_routes_per_um == placer::cost::DEFAULT_ROUTES_PER_UM
        && params.v_routes_per_um == placer::cost::DEFAULT_ROUTES_PER_UM;
    if nl.floorplan().routing.is_none() && default_routes {
        warnings.push(format!(
            "no routing parameters in the input: congestion uses the defaults ({} / {} routes \
             per µm, {} / {} used by macros); give --routes and --macro-routes, or a .plc \
             header, for this technology",
            params.h_routes_per_um,
            params.v_routes_per_um,
            params.h_macro_alloc,
            params.v_macro_alloc
        ));
    }
    if nl.floorplan().grid.is_none()
        && (params.grid_cols, params.grid_rows) == placer::cost::DEFAULT_GRID
    {
        warnings.push(format!(
            "no grid in the input: the proxy uses {} x {} (give --grid or a .plc header)",
            params.grid_cols, params.grid_rows
        ));
    }
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    let run = FullRun {
        macros: &label,
        macro_stages: &macro_stages,
        options: &fo,
        result: &r,
        reference: &d.placement,
        clustering,
        warnings,
    };
    let (report, scores) = Report::full_flow(nl, params, ctx, run);
    Ok(Outcome {
        placement: r.placement,
        report,
        scores,
    })
}
