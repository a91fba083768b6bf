//! The `macroplace` command line as a library, shared by its two binaries. Only this crate
//! knows about clap, anyhow, devices and seeds; the libraries take plain values.
//!
//! - `macroplace` (`src/main.rs`) is every command without libtorch: loading libtorch costs
//!   0.25–0.28 s of static initialisers in every process, `--version` included. A command that
//!   needs the learned policy (`train`, `eval-policy`, `place --method rl`, `--macros rl`,
//!   `compare --methods …rl…`) is handed, with the same arguments, to the sibling binary.
//! - `macroplace-policy` (`src/bin/macroplace-policy/`) is the same command line with the
//!   [`PolicyCommands`] that link `policies` and libtorch.
//!
//! Exit status: 0 on success; 2 on bad input — a malformed input file (one line `path:line:
//! what was expected, what was found` on stderr) or a bad option value; 1 on any other failure,
//! writing the outputs included (a full disk is not the user's input).
//!
//! Modules: [`place`] (`place`: arguments → a flow → a typed report), [`output`] (the one
//! writer of a run's files), [`cluster`] (`cluster`), [`compare`], [`train`] (the options of
//! `train` and `eval-policy`), [`policy_hook`] (the commands that need the policy binary).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use netlists::{ReadOptions, bookshelf, ct, plc, stats};

mod cluster;
mod compare;
#[cfg(feature = "mpi")]
mod mpi;
mod output;
mod outset;
pub mod place;
pub mod policy_hook;
pub mod train;
mod values;

pub use policy_hook::{PolicyCommands, RlRun};

#[derive(Parser, Debug)]
#[command(
    name = "macroplace",
    version,
    about = "Macro placement with a learned policy"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Debug, Clone)]
struct Input {
    /// Netlist: a Bookshelf `.aux`, a Circuit Training `netlist.pb.txt` or a DEF (with --lef); any may be `.gz`.
    netlist: PathBuf,
    /// Circuit Training placement (`.plc`): grid, canvas and routing header plus positions.
    #[arg(long, conflicts_with = "pl")]
    plc: Option<PathBuf>,
    /// Bookshelf placement (`.pl`, lower-left corners) applied after reading.
    #[arg(long)]
    pl: Option<PathBuf>,
    /// LEF files with the cells and blocks of a DEF netlist (technology and cells; repeat).
    #[arg(long)]
    lef: Vec<PathBuf>,
    /// Bookshelf: nodes taller than this are macros (default: the first row's height).
    #[arg(value_parser = crate::values::positive, long, value_name = "HEIGHT")]
    macro_height: Option<f64>,
}

impl Input {
    fn read(&self) -> Result<netlists::Design, netlists::Error> {
        let opts = ReadOptions {
            plc: self.plc.clone(),
            pl: self.pl.clone(),
            bookshelf: bookshelf::BookshelfOptions {
                macro_min_height: self.macro_height,
            },
            lef: self.lef.clone(),
        };
        netlists::read_design(&self.netlist, &opts)
    }

    /// A run's context from this input, read in `parse_seconds`.
    fn run_context(&self, parse_seconds: f64) -> placer::report::RunContext {
        placer::report::RunContext {
            netlist: self.netlist.display().to_string(),
            start_placement: self
                .plc
                .as_ref()
                .or(self.pl.as_ref())
                .map(|p| p.display().to_string()),
            parse_seconds,
            ..placer::report::RunContext::default()
        }
    }
}

#[derive(Copy, Clone, Debug, ValueEnum)]
enum Format {
    /// ISPD Bookshelf (`.aux .nodes .nets .wts .pl .scl`).
    Bookshelf,
    /// Circuit Training (`netlist.pb.txt` + `.plc`).
    Ct,
    /// DEF: a DEF input with its placements, every other byte kept; from other formats a
    /// fresh DEF and the LEF of its macros and cells.
    Def,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Counts, areas, canvas and grid of a netlist.
    Info {
        #[command(flatten)]
        input: Input,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Scores a placement: HPWL and the Circuit Training proxy cost, with legality.
    Eval {
        #[command(flatten)]
        input: Input,
        #[command(flatten)]
        cost: CostArgs,
        /// Also score as another evaluator does: `tilos` keeps every hard macro's pins in the
        /// netlist's orientation (the TILOS evaluator restoring a `.plc` as-is).
        #[arg(long = "as", value_enum)]
        as_: Option<AsArg>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Draws the floorplan (PNG or SVG by extension), optionally over a heat map.
    Plot {
        #[command(flatten)]
        input: Input,
        #[command(flatten)]
        cost: CostArgs,
        /// Output picture: `FILE.png` or `FILE.svg`.
        #[arg(long)]
        out: PathBuf,
        /// Heat map under the floorplan.
        #[arg(long, value_enum)]
        heatmap: Option<HeatmapArg>,
        /// Draw flylines of the N heaviest nets.
        #[arg(long, default_value_t = 0)]
        nets: usize,
        /// Image width and height in pixels.
        #[arg(long, value_parser = parse_pair, default_value = "1200,1050")]
        size: (f64, f64),
        /// Further placements (`.plc` for CT, `.pl` for Bookshelf) drawn side by side with the
        /// first, each with its metrics.
        #[arg(long)]
        compare: Vec<PathBuf>,
    },
    /// Draws curves: a placer's `report.json` trajectory or a JSON-lines training log.
    PlotCurve {
        /// `report.json` or a `.jsonl` log.
        input: PathBuf,
        /// Output picture: `FILE.png` or `FILE.svg`.
        #[arg(long)]
        out: PathBuf,
        /// Fields to plot (default: every numeric field).
        #[arg(long = "field")]
        fields: Vec<String>,
        /// Image width and height in pixels.
        #[arg(long, value_parser = parse_pair, default_value = "1000,800")]
        size: (f64, f64),
    },
    /// Places the macros (greedy, ea, sa or rl), or with `--flow full` every object, and writes
    /// the placement, report.json, pictures and report.html into --out.
    Place {
        #[command(flatten)]
        input: Input,
        #[command(flatten)]
        cost: CostArgs,
        #[command(flatten)]
        args: place::PlaceArgs,
    },
    /// Runs several methods (and seeds) on one design, scores them all with one evaluator, and
    /// writes a markdown/CSV/JSON table and a side-by-side picture.
    Compare {
        #[command(flatten)]
        input: Input,
        #[command(flatten)]
        cost: CostArgs,
        #[command(flatten)]
        args: compare::CompareArgs,
    },
    /// Trains the placement policy (PPO) on one or several designs.
    Train {
        #[command(flatten)]
        args: train::TrainArgs,
    },
    /// Scores a trained policy's decodings against random and wire-mask greedy decoding.
    EvalPolicy {
        #[command(flatten)]
        args: train::EvalPolicyArgs,
    },
    /// Generates a synthetic clustered Circuit Training design (`netlist.pb.txt` and
    /// `initial.plc` in --out) with realistic statistics, for training and scale tests.
    Generate {
        /// Hard macros.
        #[arg(value_parser = crate::values::count0::<{ netlists::limits::MAX_GENERATED_NODES }>, long, default_value_t = 64)]
        macros: usize,
        /// Soft macros (std-cell clusters).
        #[arg(value_parser = crate::values::count0::<{ netlists::limits::MAX_GENERATED_NODES }>, long, default_value_t = 400)]
        clusters: usize,
        /// Ports (default: a third of macros + clusters, at least 8).
        #[arg(value_parser = crate::values::count0::<{ netlists::limits::MAX_GENERATED_NODES }>, long, default_value_t = 0)]
        ports: usize,
        /// Seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Design name (default: synthetic_<macros>m_<clusters>c_s<seed>).
        #[arg(long)]
        name: Option<String>,
        /// Output directory (created if missing).
        #[arg(long)]
        out: PathBuf,
    },
    /// Groups the std cells of a flat netlist into soft macros (METIS k-way partitioning,
    /// then break-up of spread clusters by the input placement) and writes the clustered
    /// design (`netlist.pb.txt`, `initial.plc`, `clusters.json`) into --out.
    Cluster {
        #[command(flatten)]
        input: Input,
        #[command(flatten)]
        cost: CostArgs,
        #[command(flatten)]
        args: cluster::ClusterArgs,
        /// Seed of the partitioner.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output directory (created if missing).
        #[arg(long)]
        out: PathBuf,
    },
    /// Writes a netlist and its placement in another (or the same) format.
    Convert {
        #[command(flatten)]
        input: Input,
        /// Output format.
        #[arg(long)]
        to: Format,
        /// Output directory (created if missing).
        #[arg(long)]
        out: PathBuf,
    },
}

/// Cost-model options shared by the commands that score placements.
#[derive(clap::Args, Debug, Clone)]
struct CostArgs {
    /// Weights of wirelength, density and congestion.
    #[arg(long, value_parser = parse_triple, default_value = "1,0.5,0.5")]
    weights: (f64, f64, f64),
    /// Make soft macros square (same area) before scoring, as Google's flow does.
    #[arg(long)]
    square_soft: bool,
    /// Apply soft-macro pin offsets, as Google's binary does (the TILOS reference does not).
    #[arg(long)]
    soft_pin_offsets: bool,
    /// Canvas `W,H` (default: `.plc` header, FP bbox, rows, else the spec's square).
    #[arg(long, value_parser = parse_pair)]
    canvas: Option<(f64, f64)>,
    /// Grid `COLS,ROWS` (default: `.plc` header, else 10,10).
    #[arg(long, value_parser = parse_pair)]
    grid: Option<(f64, f64)>,
    /// Routing tracks per micron `H,V` (default: `.plc` header, else 10,10).
    #[arg(long, value_parser = parse_pair)]
    routes: Option<(f64, f64)>,
    /// Tracks per micron used by hard macros `H,V` (default: `.plc` header, else 5,5).
    #[arg(long, value_parser = parse_pair)]
    macro_routes: Option<(f64, f64)>,
    /// Congestion smoothing range (default: `.plc` header, else 2).
    #[arg(long)]
    smooth: Option<usize>,
}

impl CostArgs {
    /// Whether `--grid` was given.
    fn grid_given(&self) -> bool {
        self.grid.is_some()
    }

    /// [`CostArgs::params`] for a run that clusters `netlist` when it is flat: where neither
    /// the input nor `--grid` gives a grid, Circuit Training's gridding chooses it (said on
    /// the terminal).
    fn params_clustering(&self, netlist: &netlists::Netlist) -> Result<placer::cost::CostParams> {
        let mut p = self.params(netlist.floorplan())?;
        if !self.grid_given()
            && netlist.floorplan().grid.is_none()
            && place::is_flat(netlist)
            && let Some(g) = placer::cluster::gridding::suggest_grid(
                netlist,
                p.canvas_width,
                p.canvas_height,
                &Default::default(),
            )
        {
            p.grid_cols = g.cols;
            p.grid_rows = g.rows;
            eprintln!(
                "note: no grid in the input: Circuit Training's gridding chose {} x {} \
                 (empty {:.3}, waste {:.3} / {:.3}; --grid overrides)",
                g.cols, g.rows, g.empty_ratio, g.hor_waste, g.ver_waste
            );
        }
        Ok(p)
    }

    fn params(&self, fp: &netlists::Floorplan) -> Result<placer::cost::CostParams> {
        use netlists::limits;
        let mut p = placer::cost::CostParams::from_floorplan(fp);
        let (a, b, c) = self.weights;
        ensure_arg(
            [a, b, c]
                .iter()
                .all(|w| (0.0..=limits::MAX_NET_WEIGHT).contains(w)),
            format!(
                "--weights: expected three weights between 0 and {:e}, found {a},{b},{c}",
                limits::MAX_NET_WEIGHT
            ),
        )?;
        p.weights = placer::cost::Weights {
            wirelength: a,
            density: b,
            congestion: c,
        };
        p.square_soft = self.square_soft;
        p.soft_pin_offsets = self.soft_pin_offsets;
        let flag = |name: &str, r: Result<(), String>| -> Result<(), BadArg> {
            r.map_err(|m| bad_arg(format!("{name}: {m}")))
        };
        if let Some((w, h)) = self.canvas {
            flag("--canvas", limits::check_canvas(w, h))?;
            p.canvas_width = w;
            p.canvas_height = h;
        }
        if let Some((c, r)) = self.grid {
            ensure_arg(
                c >= 1.0 && r >= 1.0 && c.fract() == 0.0 && r.fract() == 0.0,
                format!("--grid: expected positive integers, found {c},{r}"),
            )?;
            flag("--grid", limits::check_grid(c as u64, r as u64))?;
            p.grid_cols = c as usize;
            p.grid_rows = r as usize;
        }
        if let Some((h, v)) = self.routes {
            flag("--routes", limits::check_routes(h, v))?;
            p.h_routes_per_um = h;
            p.v_routes_per_um = v;
        }
        if let Some((h, v)) = self.macro_routes {
            flag("--macro-routes", limits::check_macro_routes(h, v))?;
            p.h_macro_alloc = h;
            p.v_macro_alloc = v;
        }
        if let Some(k) = self.smooth {
            flag("--smooth", limits::check_smoothing(k as f64).map(|_| ()))?;
            p.smooth = k;
        }
        Ok(p)
    }
}

fn parse_numbers(s: &str, n: usize) -> Result<Vec<f64>, String> {
    let v: Vec<f64> = s
        .split(',')
        .map(|t| {
            t.trim()
                .parse::<f64>()
                .map_err(|_| format!("expected a number, found `{t}`"))
        })
        .collect::<Result<_, _>>()?;
    if v.len() != n || v.iter().any(|x| !x.is_finite()) {
        return Err(format!(
            "expected {n} finite comma-separated numbers, found `{s}`"
        ));
    }
    Ok(v)
}

fn parse_pair(s: &str) -> Result<(f64, f64), String> {
    let v = parse_numbers(s, 2)?;
    Ok((v[0], v[1]))
}

fn parse_triple(s: &str) -> Result<(f64, f64, f64), String> {
    let v = parse_numbers(s, 3)?;
    Ok((v[0], v[1], v[2]))
}

#[derive(Copy, Clone, Debug, ValueEnum)]
enum AsArg {
    /// TILOS MacroPlacement's evaluator as-is: pins unrotated.
    Tilos,
}

/// `eval --json`: our evaluation, and with `--as tilos` the as-is scores beside it.
#[derive(serde::Serialize)]
struct EvalJson<'a> {
    #[serde(flatten)]
    ours: &'a placer::report::Evaluation,
    #[serde(skip_serializing_if = "Option::is_none")]
    tilos_as_is: Option<AsIs>,
}

/// Scores under another evaluator's convention.
#[derive(serde::Serialize)]
struct AsIs {
    convention: &'static str,
    hpwl: f64,
    wirelength_cost: f64,
    density_cost: f64,
    congestion_cost: f64,
    proxy_cost: f64,
}

/// The scores TILOS's evaluator gives `placement` as-is: every hard macro's pins in the
/// netlist file's orientation `netlist_orient` (before any `.plc`; a footprint is the same
/// either way in Circuit Training).
fn tilos_as_is(
    nl: &netlists::Netlist,
    placement: &netlists::Placement,
    netlist_orient: &[netlists::Orientation],
    params: &placer::cost::CostParams,
) -> AsIs {
    let mut p = placement.clone();
    for (n, &o) in netlist_orient.iter().enumerate() {
        if nl.node_kind()[n] == netlists::NodeKind::HardMacro {
            p.orient[n] = o;
        }
    }
    let c = placer::cost::proxy_cost(nl, &p, params);
    AsIs {
        convention: "TILOS as-is: hard-macro pins in the netlist's orientation",
        hpwl: placer::cost::hpwl::hpwl(nl, &p, params),
        wirelength_cost: c.wirelength_cost,
        density_cost: c.density_cost,
        congestion_cost: c.congestion_cost,
        proxy_cost: c.proxy_cost,
    }
}

#[derive(Copy, Clone, Debug, ValueEnum)]
enum HeatmapArg {
    /// Cell density.
    Density,
    /// Horizontal congestion.
    Hcong,
    /// Vertical congestion.
    Vcong,
}

/// An error caused by the user's input: reported as one line with exit status 2.
#[derive(Debug)]
pub struct InputError(pub netlists::Error);

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::error::Error for InputError {}

/// A bad option value: reported as one line with exit status 2, like bad input files.
#[derive(Debug)]
pub struct BadArg(String);

impl std::fmt::Display for BadArg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::error::Error for BadArg {}

/// A bad option value (`--flag: expected …, found …`).
pub fn bad_arg(msg: impl Into<String>) -> BadArg {
    BadArg(msg.into())
}

/// `Err(bad_arg(msg))` unless `ok`.
pub fn ensure_arg(ok: bool, msg: String) -> Result<(), BadArg> {
    if ok { Ok(()) } else { Err(BadArg(msg)) }
}

/// The exit status of a failure: 2 for bad input (a file or an option value), 1 otherwise.
fn exit_status(e: &anyhow::Error) -> u8 {
    if e.downcast_ref::<InputError>().is_some() || e.downcast_ref::<BadArg>().is_some() {
        2
    } else {
        1
    }
}

/// [`read`], then `--canvas` (when given) replaces the design's canvas: one canvas for the
/// proxy, legality and the written files.
/// A placement file of `netlist` by its kind: a `.plc` (CT), a `.def` (read with `lefs`, nodes
/// matched by name) or a Bookshelf `.pl`; `base` gives the nodes a `.plc`/`.pl` leaves out.
fn read_placement_file(
    file: &Path,
    netlist: &netlists::Netlist,
    base: &netlists::Placement,
    lefs: &[PathBuf],
) -> Result<netlists::Placement> {
    let name = file.to_string_lossy().to_ascii_lowercase();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    let p = if name.ends_with(".def") {
        netlists::lefdef::read_def_placement(file, lefs, netlist)
    } else if name.ends_with(".plc")
        || (matches!(netlist.extra(), netlists::Extra::Ct(_)) && !name.ends_with(".pl"))
    {
        netlists::plc::read_plc(file, netlist, base).map(|(p, header)| {
            if header.unlisted > 0 {
                eprintln!(
                    "warning: {}: {} ports and macros are not listed and keep the input's \
                     positions",
                    file.display(),
                    header.unlisted
                );
            }
            p
        })
    } else {
        netlists::bookshelf::read_pl(file, netlist, base)
    };
    Ok(p.map_err(InputError)?)
}

/// `--out` of a picture: a `.png` or `.svg` name (checked before any work).
fn ensure_picture_name(out: &Path) -> Result<(), BadArg> {
    let ext = out
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    ensure_arg(
        matches!(ext.as_deref(), Some("png" | "svg")),
        format!(
            "--out: expected a .png or .svg file name, found {}",
            out.display()
        ),
    )
}

fn read_scored(input: &Input, cost: &CostArgs) -> Result<(netlists::Design, f64)> {
    let (mut d, secs) = read(input)?;
    if let Some((w, h)) = cost.canvas {
        netlists::limits::check_canvas(w, h).map_err(|m| bad_arg(format!("--canvas: {m}")))?;
        d.netlist = d
            .netlist
            .with_canvas_size(w, h)
            .map_err(|e| bad_arg(format!("--canvas: {e}")))?;
    }
    Ok((d, secs))
}

fn read(input: &Input) -> Result<(netlists::Design, f64)> {
    let t = Instant::now();
    let d = input.read().map_err(InputError)?;
    for w in &d.warnings {
        eprintln!("warning: {w}");
    }
    Ok((d, t.elapsed().as_secs_f64()))
}

/// `info --json`: the design's numbers, where they came from and how long reading took.
#[derive(serde::Serialize)]
struct InfoJson<'a> {
    #[serde(flatten)]
    summary: &'a stats::Summary,
    parse_seconds: f64,
    netlist: String,
}

fn info(input: &Input, json: bool) -> Result<()> {
    let (d, secs) = read(input)?;
    let s = stats::summarize(&d.netlist);
    if json {
        let out = InfoJson {
            summary: &s,
            parse_seconds: secs,
            netlist: input.netlist.display().to_string(),
        };
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    println!(
        "design         {} ({:?}, read in {:.3} s)",
        s.design, s.format, secs
    );
    println!("nodes          {}", s.nodes);
    println!(
        "  hard macros  {} ({} fixed)",
        s.hard_macros, s.fixed_hard_macros
    );
    println!("  soft macros  {}", s.soft_macros);
    println!("  std cells    {}", s.std_cells);
    println!("  ports        {}", s.ports);
    println!(
        "nets           {} (weight sum {})",
        s.nets, s.net_weight_sum
    );
    println!(
        "pins           {} ({} on hard macros, {} on soft macros)",
        s.pins, s.hard_macro_pins, s.soft_macro_pins
    );
    if let (Some(o), Some(h), Some(sp)) = (s.ct_objects, s.ct_hard_macro_pins, s.ct_soft_macro_pins)
    {
        println!("CT objects     {o} ({h} hard-macro pins, {sp} soft-macro pins)");
    }
    println!("net degrees    max {}", s.max_net_degree);
    for (label, count) in &s.net_degree_histogram {
        println!("  {label:>7}      {count}");
    }
    println!(
        "canvas         {} x {} at ({}, {}) from {:?}",
        s.canvas_width, s.canvas_height, s.canvas_x, s.canvas_y, s.canvas_source
    );
    println!(
        "grid           {} cols x {} rows{}",
        s.grid_cols,
        s.grid_rows,
        if s.grid_default { " (default)" } else { "" }
    );
    if s.rows > 0 {
        println!("rows           {}", s.rows);
    }
    println!(
        "area           hard macros {:.6e}, soft macros {:.6e}, std cells {:.6e}",
        s.hard_macro_area, s.soft_macro_area, s.std_cell_area
    );
    println!(
        "utilization    {:.2}% (hard macros {:.2}%)",
        100.0 * s.utilization,
        100.0 * s.hard_macro_utilization
    );
    Ok(())
}

fn eval(input: &Input, args: &CostArgs, as_: Option<AsArg>, json: bool) -> Result<()> {
    let (d, parse_secs) = read_scored(input, args)?;
    let params = args.params(d.netlist.floorplan())?;
    // Fixed nodes are checked against the netlist's own positions (before any .plc/.pl).
    let reference = if input.plc.is_some() || input.pl.is_some() {
        let bare = Input {
            plc: None,
            pl: None,
            ..input.clone()
        };
        bare.read().ok().map(|d| d.placement)
    } else {
        None
    };
    let mut e =
        placer::report::Evaluation::of(&d.netlist, &d.placement, &params, reference.as_ref());
    e.parse_seconds = parse_secs;
    if let Err(m) = e.check_finite() {
        anyhow::bail!(
            "the evaluation gave {m}: the cost model met a value it cannot score (check the \
             design's sizes, canvas and routing parameters)"
        );
    }
    let as_is = as_.map(|AsArg::Tilos| {
        let orient = reference
            .as_ref()
            .map_or(&d.placement.orient, |r| &r.orient);
        tilos_as_is(&d.netlist, &d.placement, orient, &params)
    });
    if json {
        let out = EvalJson {
            ours: &e,
            tilos_as_is: as_is,
        };
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    let w = e.weights;
    println!("design           {}", e.design);
    println!(
        "canvas           {} x {}, grid {} cols x {} rows, smoothing {}",
        params.canvas_width,
        params.canvas_height,
        params.grid_cols,
        params.grid_rows,
        params.smooth
    );
    println!("hpwl             {:.6}", e.hpwl);
    println!("wirelength cost  {:.10}", e.wirelength_cost);
    println!("density cost     {:.10}", e.density_cost);
    println!("congestion cost  {:.10}", e.congestion_cost);
    println!(
        "proxy cost       {:.10}  (= {}·WL + {}·density + {}·congestion)",
        e.proxy_cost, w[0], w[1], w[2]
    );
    if let Some(t) = &as_is {
        println!(
            "tilos as-is      proxy {:.10} (WL {:.10}, density {:.10}, congestion {:.10}; \
             hard-macro pins in the netlist's orientation)",
            t.proxy_cost, t.wirelength_cost, t.density_cost, t.congestion_cost
        );
    }
    if e.legal {
        println!("legal            yes");
    } else {
        println!(
            "legal            no: {} violations, worst:",
            e.violation_count
        );
        for v in e.violations.iter().take(5) {
            println!("  {}", serde_json::to_string(v)?);
        }
    }
    let rows = if e.rows_synthesized {
        "rows synthesized for this design (it has none), as `place` legalizes into"
    } else {
        "rows"
    };
    match (&e.cell_violations, e.cell_violation_count) {
        (Some(v), Some(n)) if n > 0 => {
            println!("std cells        not legal in {rows}: {n} violations, first:");
            for x in v.iter().take(5) {
                println!("  {}: {}", x.cell, x.what);
            }
        }
        (Some(_), _) => println!("std cells        legal in {rows}"),
        _ => println!("std cells        none, or no rows: row legality not checked"),
    }
    println!(
        "time             parse {parse_secs:.3} s, evaluation {:.3} ms",
        e.eval_seconds * 1e3
    );
    Ok(())
}

fn plot(
    input: &Input,
    args: &CostArgs,
    out: &Path,
    heatmap: Option<HeatmapArg>,
    nets: usize,
    size: (f64, f64),
    compare: &[PathBuf],
) -> Result<()> {
    ensure_picture_name(out)?;
    let (d, _) = read_scored(input, args)?;
    let params = args.params(d.netlist.floorplan())?;
    ensure_arg(
        size.0 >= 200.0 && size.1 >= 200.0 && size.0 <= 20000.0 && size.1 <= 20000.0,
        format!(
            "--size: expected 200..20000 pixels each way, found {},{}",
            size.0, size.1
        ),
    )?;
    let opts = viz::PlotOptions {
        width: size.0 as u32,
        height: size.1 as u32,
        heatmap: heatmap.map(|h| match h {
            HeatmapArg::Density => viz::Heatmap::Density,
            HeatmapArg::Hcong => viz::Heatmap::HCongestion,
            HeatmapArg::Vcong => viz::Heatmap::VCongestion,
        }),
        nets,
        method: if input.plc.is_some() || input.pl.is_some() {
            "placement file".into()
        } else {
            "netlist positions".into()
        },
    };
    let t = Instant::now();
    if !compare.is_empty() {
        let mut others = Vec::new();
        for f in compare {
            let p = read_placement_file(f, &d.netlist, &d.placement, &input.lef)?;
            let name = f.file_name().map_or_else(
                || f.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            others.push((name, p));
        }
        let first = input.plc.as_ref().or(input.pl.as_ref()).map_or_else(
            || "netlist positions".to_string(),
            |f| {
                f.file_name()
                    .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
            },
        );
        let mut all: Vec<(&str, &netlists::Placement)> = vec![(first.as_str(), &d.placement)];
        all.extend(others.iter().map(|(n, p)| (n.as_str(), p)));
        viz::render_side_by_side(out, &d.netlist, &all, &params, opts.width, opts.height)?;
        println!(
            "wrote {} in {:.3} s",
            out.display(),
            t.elapsed().as_secs_f64()
        );
        return Ok(());
    }
    viz::render_floorplan(out, &d.netlist, &d.placement, &params, &opts)?;
    println!(
        "wrote {} in {:.3} s",
        out.display(),
        t.elapsed().as_secs_f64()
    );
    Ok(())
}

fn convert(input: &Input, to: Format, out: &Path) -> Result<()> {
    let (d, _) = read(input)?;
    let set = outset::OutputSet::begin(out, "convert")?;
    let (shown, out) = (out, set.dir());
    let name = d.netlist.design().to_string();
    match to {
        Format::Bookshelf => {
            bookshelf::write_bookshelf(out, &name, &d.netlist, &d.placement)?;
            set.commit()?;
            println!("wrote {}", shown.join(format!("{name}.aux")).display());
        }
        Format::Def if matches!(d.netlist.extra(), netlists::Extra::Def(_)) => {
            let f = out.join(format!("{name}.def"));
            netlists::lefdef::write_def(&f, &d.netlist, &d.placement)?;
            set.commit()?;
            println!("wrote {}", shown.join(format!("{name}.def")).display());
        }
        Format::Def => {
            let (def, lef) = (format!("{name}.def"), format!("{name}.lef"));
            netlists::lefdef::write_fresh_def(
                &out.join(&def),
                &out.join(&lef),
                &d.netlist,
                &d.placement,
            )?;
            set.commit()?;
            println!(
                "wrote {} and {}",
                shown.join(def).display(),
                shown.join(lef).display()
            );
        }
        Format::Ct => {
            let nl = out.join("netlist.pb.txt");
            ct::write_ct(&nl, &d.netlist, &d.placement)
                .with_context(|| format!("writing {}", shown.join("netlist.pb.txt").display()))?;
            let p = out.join(format!("{name}.plc"));
            plc::write_plc(&p, &d.netlist, &d.placement, &[])?;
            set.commit()?;
            println!(
                "wrote {} and {}",
                shown.join("netlist.pb.txt").display(),
                shown.join(format!("{name}.plc")).display()
            );
        }
    }
    Ok(())
}

fn run(cli: Cli) -> Result<()> {
    let ranks = placer::ranks::group().size();
    ensure_arg(
        ranks == 1 || matches!(cli.command, Command::Place { .. } | Command::Train { .. }),
        format!(
            "mpirun: expected `place` or `train` (the commands that run on ranks), found \
             another command on {ranks} ranks; run it without mpirun"
        ),
    )?;
    match cli.command {
        Command::Info { input, json } => info(&input, json),
        Command::Eval {
            input,
            cost,
            as_,
            json,
        } => eval(&input, &cost, as_, json),
        Command::Plot {
            input,
            cost,
            out,
            heatmap,
            nets,
            size,
            compare,
        } => plot(&input, &cost, &out, heatmap, nets, size, &compare),
        Command::PlotCurve {
            input,
            out,
            fields,
            size,
        } => {
            ensure_picture_name(&out)?;
            let series = viz::load_curves(&input, &fields)?;
            let title = input
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            let (w, h) = (size.0.clamp(200.0, 20000.0), size.1.clamp(200.0, 20000.0));
            viz::render_curves(&out, &title, &series, w as u32, h as u32)?;
            println!("wrote {}", out.display());
            Ok(())
        }
        Command::Convert { input, to, out } => convert(&input, to, &out),
        Command::Cluster {
            input,
            cost,
            args,
            seed,
            out,
        } => cluster::run(&input, &cost, &args, seed, &out),
        Command::Place { input, cost, args } => place::place(&input, &cost, &args),
        Command::Compare { input, cost, args } => compare::compare(&input, &cost, &args),
        Command::Train { args } => policy_hook::commands()?.train(&args),
        Command::EvalPolicy { args } => policy_hook::commands()?.eval_policy(&args),
        Command::Generate {
            macros,
            clusters,
            ports,
            seed,
            name,
            out,
        } => {
            let opts = netlists::generate::GenerateOptions {
                name: name.unwrap_or_else(|| format!("synthetic_{macros}m_{clusters}c_s{seed}")),
                macros,
                clusters,
                ports,
                seed,
                ..Default::default()
            };
            let set = outset::OutputSet::begin(&out, "generate")?;
            let (nl, pl) = netlists::generate::generate(&opts).map_err(InputError)?;
            let (nf, pf) = (
                set.dir().join("netlist.pb.txt"),
                set.dir().join("initial.plc"),
            );
            ct::write_ct(&nf, &nl, &pl).with_context(|| format!("writing {}", nf.display()))?;
            plc::write_plc(
                &pf,
                &nl,
                &pl,
                &[("macroplace generate seed".into(), seed.to_string())],
            )
            .with_context(|| format!("writing {}", pf.display()))?;
            set.commit()?;
            println!(
                "wrote {} and {} ({} hard macros, {} clusters, {} ports, {} nets)",
                out.join("netlist.pb.txt").display(),
                out.join("initial.plc").display(),
                nl.count_kind(netlists::NodeKind::HardMacro),
                nl.count_kind(netlists::NodeKind::SoftMacro),
                nl.count_kind(netlists::NodeKind::Port),
                nl.num_nets()
            );
            Ok(())
        }
    }
}

/// The command line, with values that start with `-` accepted by options (so that `--weights
/// -1,0,0` reaches the range check and its one-line message), parsed; a parse error is one
/// line.
fn parse_cli() -> Result<Cli, ExitCode> {
    use clap::{CommandFactory, FromArgMatches};
    let cmd = Cli::command().mut_subcommands(|sc| {
        sc.mut_args(|a| {
            if a.get_action().takes_values() && !a.is_positional() {
                a.allow_hyphen_values(true)
            } else {
                a
            }
        })
    });
    let parsed = cmd
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m));
    parsed.map_err(|e| {
        use clap::error::ErrorKind;
        match e.kind() {
            ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => e.exit(),
            _ => {
                // One line: the message and what it lists, without usage and tips.
                let text = e.render().to_string();
                let line: Vec<&str> = text
                    .lines()
                    .map(str::trim)
                    .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more"))
                    .filter(|l| !l.is_empty() && !l.starts_with("tip:"))
                    .collect();
                eprintln!("{}", line.join(" "));
                ExitCode::from(2)
            }
        }
    })
}

/// Runs the command line: `policy` is `Some` in the binary that links the learned policy;
/// without it a command that needs the policy is handed to the sibling binary.
pub fn main(policy: Option<&'static dyn PolicyCommands>) -> ExitCode {
    // A closed pipe on stdout (`macroplace info … | head -1`) ends the process quietly with
    // the shell's status for SIGPIPE, as other command-line tools do, instead of a panic
    // message from `println!`. Output files are unaffected (temporary name, then rename).
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let text = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if text.starts_with("failed printing to stdout") && text.contains("Broken pipe") {
            std::process::exit(141);
        }
        default_hook(info);
    }));
    let cli = match parse_cli() {
        Ok(c) => c,
        Err(code) => return code,
    };
    // Before MPI starts: the policy binary starts it itself.
    match policy {
        Some(p) => policy_hook::install(p),
        None if policy_hook::needs_policy(&cli.command) => return policy_hook::hand_over(),
        None => {}
    }
    // Under `mpirun` (feature `mpi`): the ranks are installed before anything runs, and MPI is
    // finalised when this is dropped at the end of `main`.
    #[cfg(feature = "mpi")]
    let _universe = mpi::init();
    let group = placer::ranks::group();
    if group.rank() > 0 {
        quiet_stdout();
    }
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let code = exit_status(&e);
            let message = if let Some(InputError(inner)) = e.downcast_ref::<InputError>() {
                format!("error: {inner}")
            } else {
                format!("error: {e:#}")
            };
            if group.size() > 1 {
                // The other ranks may be waiting in a collective: end the whole job.
                group.abort(
                    code as i32,
                    &format!("rank {} of {}: {message}", group.rank(), group.size()),
                );
            }
            eprintln!("{message}");
            ExitCode::from(code)
        }
    }
}

/// Ranks other than 0 print nothing on standard output (rank 0 speaks for the job; errors
/// and warnings still go to standard error).
fn quiet_stdout() {
    if let Ok(null) = std::fs::OpenOptions::new().write(true).open("/dev/null") {
        let _ = nix::unistd::dup2_stdout(&null);
    }
}

#[cfg(test)]
mod tests;
