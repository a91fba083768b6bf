//! `macroplace`: the command-line front end. Only this crate knows about clap, anyhow, devices
//! and seeds; the libraries take plain values.
//!
//! Exit status: 0 on success, 2 on bad input (one line `path:line: what was expected, what was
//! found` on stderr), 1 on any other failure.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use netlists::{ReadOptions, bookshelf, ct, plc, stats};

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

#[derive(clap::Args, Debug)]
struct Input {
    /// Netlist: a Bookshelf `.aux` or a Circuit Training `netlist.pb.txt` (either may be `.gz`).
    netlist: PathBuf,
    /// Circuit Training placement (`.plc`): grid, canvas and routing header plus positions.
    #[arg(long, conflicts_with = "pl")]
    plc: Option<PathBuf>,
    /// Bookshelf placement (`.pl`, lower-left corners) applied after reading.
    #[arg(long)]
    pl: Option<PathBuf>,
    /// Bookshelf: nodes taller than this are macros (default: the first row's height).
    #[arg(long, value_name = "HEIGHT")]
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
        };
        netlists::read_design(&self.netlist, &opts)
    }
}

#[derive(Copy, Clone, Debug, ValueEnum)]
enum Format {
    /// ISPD Bookshelf (`.aux .nodes .nets .wts .pl .scl`).
    Bookshelf,
    /// Circuit Training (`netlist.pb.txt` + `.plc`).
    Ct,
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

/// An error caused by the user's input: reported as one line with exit status 2.
#[derive(Debug)]
struct InputError(netlists::Error);

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::error::Error for InputError {}

fn read(input: &Input) -> Result<(netlists::Design, f64)> {
    let t = Instant::now();
    let d = input.read().map_err(InputError)?;
    Ok((d, t.elapsed().as_secs_f64()))
}

fn info(input: &Input, json: bool) -> Result<()> {
    let (d, secs) = read(input)?;
    let s = stats::summarize(&d.netlist);
    if json {
        let mut v = serde_json::to_value(&s)?;
        v["parse_seconds"] = serde_json::json!(secs);
        v["netlist"] = serde_json::json!(input.netlist.display().to_string());
        println!("{}", serde_json::to_string_pretty(&v)?);
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

fn convert(input: &Input, to: Format, out: &Path) -> Result<()> {
    let (d, _) = read(input)?;
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let name = d.netlist.design().to_string();
    match to {
        Format::Bookshelf => {
            bookshelf::write_bookshelf(out, &name, &d.netlist, &d.placement)?;
            println!("wrote {}", out.join(format!("{name}.aux")).display());
        }
        Format::Ct => {
            let nl = out.join("netlist.pb.txt");
            ct::write_ct(&nl, &d.netlist, &d.placement)?;
            let p = out.join(format!("{name}.plc"));
            plc::write_plc(&p, &d.netlist, &d.placement, &[])?;
            println!("wrote {} and {}", nl.display(), p.display());
        }
    }
    Ok(())
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Info { input, json } => info(&input, json),
        Command::Convert { input, to, out } => convert(&input, to, &out),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if let Some(InputError(inner)) = e.downcast_ref::<InputError>() {
                eprintln!("error: {inner}");
                ExitCode::from(2)
            } else {
                eprintln!("error: {e:#}");
                ExitCode::from(1)
            }
        }
    }
}
