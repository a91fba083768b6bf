//! `macroplace compare`: runs several placement methods (and seeds) on one design, scores every
//! result with the same evaluator, adds imported placements from other tools, and writes a
//! markdown, CSV and JSON table plus a side-by-side picture of the best run of each.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use placer::cost::CostParams;
use placer::stats::{mean_std, spearman};

use crate::place::{FlowArg, MacrosArg, MethodArg, PlaceArgs};
use crate::{CostArgs, Input, bad_arg, ensure_arg, read_scored};

/// Options of `compare`.
#[derive(clap::Args, Debug, Clone)]
pub struct CompareArgs {
    /// Methods, comma-separated: greedy, ea, sa, rl (needs --policy), analytic (full flow,
    /// mixed-size), coloquinte (Bookshelf only; needs `pip install coloquinte`).
    #[arg(long, value_delimiter = ',', default_value = "greedy,ea,sa")]
    pub methods: Vec<String>,
    /// Wall-clock budget of each run in seconds.
    #[arg(value_parser = crate::values::seconds, long, default_value_t = 60.0)]
    pub time_limit: f64,
    /// Seeds per method (1..=K).
    #[arg(value_parser = crate::values::steps, long, default_value_t = 1)]
    pub seeds: u64,
    /// `macro` (macros only) or `full` (then every std cell) for greedy, ea, sa and rl.
    #[arg(long, value_enum, default_value = "macro")]
    pub flow: FlowArg,
    /// full: seconds of each run for the macro placer (default: half of --time-limit).
    #[arg(value_parser = crate::values::seconds, long)]
    pub macro_time: Option<f64>,
    /// Checkpoint directory for rl.
    #[arg(long)]
    pub policy: Option<PathBuf>,
    /// External placements: `NAME=FILE` (`.pl` or `.plc` written by any tool), checked for
    /// legality and scored like the others.
    #[arg(long = "import", value_name = "NAME=FILE")]
    pub imports: Vec<String>,
    /// Worker threads of each run (default: all cores).
    #[arg(value_parser = crate::values::count::<1024>, long)]
    pub threads: Option<usize>,
    /// Output directory: compare.md, compare.csv, compare.json, compare.png, runs/.
    #[arg(long)]
    pub out: PathBuf,
}

/// One scored placement.
#[derive(Debug, Clone, serde::Serialize)]
struct RunRow {
    method: String,
    seed: Option<u64>,
    file: String,
    proxy_cost: f64,
    wirelength_cost: f64,
    density_cost: f64,
    congestion_cost: f64,
    hpwl: f64,
    legal: bool,
    cells_legal: Option<bool>,
    wall_seconds: Option<f64>,
    /// Full flow on a flat design: the proxy cost of the clustered design the macro placer
    /// left (what it optimised).
    clustered_proxy: Option<f64>,
    note: String,
}

/// Scores the placement in `file` (`.plc` or `.pl`) applied to the design already read: proxy
/// cost, geometric HPWL, macro legality against the input placement, row legality when the
/// design has rows. Only the placement file is read.
fn score(
    design: &netlists::Design,
    params: &CostParams,
    file: &Path,
    lefs: &[PathBuf],
) -> Result<(netlists::Placement, RunRow)> {
    let nl = &design.netlist;
    let placement = crate::read_placement_file(file, nl, &design.placement, lefs)?;
    let c = placer::cost::proxy_cost(nl, &placement, params);
    let legal = placer::cost::legality::check(nl, &placement, Some(&design.placement)).is_empty();
    // Rows of its own, or those `place` synthesizes for a design without (CT netlists).
    let rows = placer::detail::rows_of(nl);
    let cells_legal =
        (!rows.is_empty()).then(|| placer::detail::check_cells(nl, &rows, &placement).is_empty());
    let row = RunRow {
        method: String::new(),
        seed: None,
        file: file.display().to_string(),
        proxy_cost: c.proxy_cost,
        wirelength_cost: c.wirelength_cost,
        density_cost: c.density_cost,
        congestion_cost: c.congestion_cost,
        hpwl: placer::cost::hpwl::geometric_hpwl(nl, &placement),
        legal,
        cells_legal,
        wall_seconds: None,
        clustered_proxy: None,
        note: String::new(),
    };
    Ok((placement, row))
}

/// The `place` settings of one compare run: method `m`, `seed`, the compare's budget, threads
/// and flow; the rest at `place`'s defaults.
fn run_args(m: &str, seed: u64, args: &CompareArgs, dir: PathBuf) -> Result<PlaceArgs> {
    let method = |m: &str| match m {
        "greedy" => MethodArg::Greedy,
        "ea" => MethodArg::Ea,
        "rl" => MethodArg::Rl,
        _ => MethodArg::Sa,
    };
    let full = m == "analytic" || args.flow == FlowArg::Full;
    let policy = if m == "rl" {
        Some(
            args.policy
                .clone()
                .ok_or_else(|| bad_arg("--methods rl needs --policy DIR"))?,
        )
    } else {
        None
    };
    Ok(PlaceArgs {
        method: method(m),
        flow: if full { FlowArg::Full } else { FlowArg::Macro },
        macros: match m {
            "analytic" => MacrosArg::Analytic,
            "greedy" => MacrosArg::Greedy,
            "ea" => MacrosArg::Ea,
            "rl" => MacrosArg::Rl,
            _ => MacrosArg::Sa,
        },
        policy,
        time_limit: args.time_limit,
        macro_time: args.macro_time,
        seed,
        threads: args.threads,
        no_pictures: true,
        out: dir,
        ..PlaceArgs::default()
    })
}

/// One method's line of the summary.
#[derive(Debug, Clone, Default, serde::Serialize)]
struct MethodSummary {
    method: String,
    runs: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    proxy_mean: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    proxy_std: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hpwl_mean: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hpwl_std: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    legal: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cells_legal: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    wall_mean: Option<f64>,
}

/// `compare.json`.
#[derive(Debug, Clone, serde::Serialize)]
struct CompareReport {
    design: String,
    time_limit: f64,
    seeds: u64,
    summary: Vec<MethodSummary>,
    /// Full flow on a flat design: Spearman's rank correlation between the clustered proxy and
    /// the full legal HPWL over every run that has both (does a better proxy mean a better
    /// placement?).
    #[serde(skip_serializing_if = "Option::is_none")]
    spearman_clustered_proxy_hpwl: Option<f64>,
    runs: Vec<RunRow>,
}

/// Runs Coloquinte on a Bookshelf design when its Python package is installed; returns the
/// written `.pl` and its wall seconds, or why it was skipped.
fn run_coloquinte(
    input: &Input,
    dir: &Path,
) -> Result<std::result::Result<(PathBuf, f64), String>> {
    if input.netlist.extension().is_none_or(|e| e != "aux") {
        return Ok(Err("coloquinte runs on Bookshelf (.aux) input only".into()));
    }
    // The Python that has coloquinte: $COLOQUINTE_PYTHON, else python3 on PATH.
    let python = std::env::var("COLOQUINTE_PYTHON").unwrap_or_else(|_| "python3".into());
    let probe = std::process::Command::new(&python)
        .args(["-c", "import coloquinte"])
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        return Ok(Err(format!(
            "coloquinte is not installed for {python} (pip install coloquinte, or set \
             COLOQUINTE_PYTHON): skipped"
        )));
    }
    std::fs::create_dir_all(dir)?;
    let pl = dir.join("coloquinte.pl");
    // Global placement, legalization and detailed placement at the default effort (3), as its
    // own command line does.
    let script = "import sys, coloquinte\n\
                  c = coloquinte.Circuit.read_ispd(sys.argv[1])\n\
                  c.place_global(3)\n\
                  c.legalize(3)\n\
                  c.place_detailed(3)\n\
                  c.write_placement(sys.argv[2])\n";
    let t = Instant::now();
    let out = std::process::Command::new(&python)
        .arg("-c")
        .arg(script)
        .arg(&input.netlist)
        .arg(&pl)
        .output()
        .context("running coloquinte")?;
    if !out.status.success() {
        return Ok(Err(format!(
            "coloquinte failed: {}",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("")
        )));
    }
    if !pl.exists() {
        return Ok(Err(format!("coloquinte wrote no {}", pl.display())));
    }
    Ok(Ok((pl, t.elapsed().as_secs_f64())))
}

/// Runs `compare`.
pub fn compare(input: &Input, cost: &CostArgs, args: &CompareArgs) -> Result<()> {
    ensure_arg(
        args.time_limit > 0.0 && args.time_limit.is_finite(),
        format!(
            "--time-limit: expected a positive number of seconds, found {}",
            args.time_limit
        ),
    )?;
    ensure_arg(args.seeds >= 1, "--seeds: expected at least 1".into())?;
    let known = ["greedy", "ea", "sa", "rl", "analytic", "coloquinte"];
    for m in &args.methods {
        ensure_arg(
            known.contains(&m.as_str()),
            format!(
                "--methods: unknown method `{m}` (expected some of {})",
                known.join(", ")
            ),
        )?;
    }
    let mut imports = Vec::new();
    for spec in &args.imports {
        let Some((name, file)) = spec.split_once('=') else {
            return Err(bad_arg(format!("--import: expected NAME=FILE, found `{spec}`")).into());
        };
        imports.push((name.to_string(), PathBuf::from(file)));
    }
    let (design, parse_secs) = read_scored(input, cost)?;
    let params = if args.flow == FlowArg::Full {
        cost.params_clustering(&design.netlist)?
    } else {
        cost.params(design.netlist.floorplan())?
    };
    // Every input is read, and --out checked, before any method runs.
    let mut imported = Vec::new();
    for (name, file) in &imports {
        let (p, mut row) = score(&design, &params, file, &input.lef)
            .with_context(|| format!("--import {name}={}", file.display()))?;
        row.method = name.clone();
        row.note = "imported".into();
        imported.push((name.clone(), p, row));
    }
    let set = crate::outset::OutputSet::begin(&args.out, "compare")?;
    let out_dir = set.dir().to_path_buf();
    let mut rows: Vec<RunRow> = Vec::new();
    let mut placements: Vec<(String, netlists::Placement, f64)> = Vec::new();
    for m in &args.methods {
        if m == "coloquinte" {
            let dir = out_dir.join("runs").join("coloquinte");
            match run_coloquinte(input, &dir)? {
                Ok((pl, seconds)) => {
                    let (p, mut row) = score(&design, &params, &pl, &input.lef)?;
                    row.method = m.clone();
                    row.wall_seconds = Some(seconds);
                    placements.push((m.clone(), p, row.hpwl));
                    rows.push(row);
                }
                Err(why) => {
                    eprintln!("{why}");
                    rows.push(RunRow {
                        method: m.clone(),
                        seed: None,
                        file: String::new(),
                        proxy_cost: f64::NAN,
                        wirelength_cost: f64::NAN,
                        density_cost: f64::NAN,
                        congestion_cost: f64::NAN,
                        hpwl: f64::NAN,
                        legal: false,
                        cells_legal: None,
                        wall_seconds: None,
                        clustered_proxy: None,
                        note: why,
                    });
                }
            }
            continue;
        }
        for seed in 1..=args.seeds {
            let dir = out_dir.join("runs").join(format!("{m}-s{seed}"));
            let place_args = run_args(m, seed, args, dir.clone())?;
            eprintln!(">> {m} seed {seed}");
            let ctx = input.run_context(parse_secs);
            let run = crate::place::run(&design, &params, &place_args, ctx)
                .with_context(|| format!("{m} (seed {seed})"))?;
            crate::output::write_run(&dir, &design.netlist, &params, &run, false)?;
            // Scored from the written file, so the table is what a user gets.
            let file = dir.join(&run.report.placement_file);
            let (p, mut row) = score(&design, &params, &file, &input.lef)?;
            row.method = m.clone();
            row.seed = Some(seed);
            row.wall_seconds = Some(run.report.wall_seconds);
            row.clustered_proxy = run.report.clustered_proxy();
            placements.push((m.clone(), p, row.proxy_cost));
            rows.push(row);
        }
    }
    for (name, p, row) in imported {
        placements.push((name, p, row.proxy_cost));
        rows.push(row);
    }
    // Files are named where they will be once the set is in place.
    let (staged, final_dir) = (
        out_dir.display().to_string(),
        args.out.display().to_string(),
    );
    for r in &mut rows {
        if let Some(rest) = r.file.strip_prefix(&staged) {
            r.file = format!("{final_dir}{rest}");
        }
    }

    // Summary per method (in the order given, imports last).
    let mut names: Vec<String> = Vec::new();
    for r in &rows {
        if !names.contains(&r.method) {
            names.push(r.method.clone());
        }
    }
    let mut md = String::new();
    md.push_str(&format!(
        "# {} — compare ({} s per run, {} seed(s))\n\n",
        design.netlist.design(),
        args.time_limit,
        args.seeds
    ));
    md.push_str("| method | runs | proxy cost | HPWL | legal | std cells legal | wall s |\n");
    md.push_str("|---|---|---|---|---|---|---|\n");
    let mut summary = Vec::new();
    for name in &names {
        let rs: Vec<&RunRow> = rows.iter().filter(|r| &r.method == name).collect();
        let ok: Vec<&RunRow> = rs
            .iter()
            .copied()
            .filter(|r| r.proxy_cost.is_finite())
            .collect();
        if ok.is_empty() {
            let note = rs.first().map_or("", |r| r.note.as_str());
            md.push_str(&format!("| {name} | 0 | — | — | — | — | {note} |\n"));
            summary.push(MethodSummary {
                method: name.clone(),
                runs: 0,
                note: Some(note.to_string()),
                ..MethodSummary::default()
            });
            continue;
        }
        let (pm, ps) = mean_std(&ok.iter().map(|r| r.proxy_cost).collect::<Vec<_>>());
        let (hm, hs) = mean_std(&ok.iter().map(|r| r.hpwl).collect::<Vec<_>>());
        let walls: Vec<f64> = ok.iter().filter_map(|r| r.wall_seconds).collect();
        let legal = ok.iter().filter(|r| r.legal).count();
        let cells: Vec<bool> = ok.iter().filter_map(|r| r.cells_legal).collect();
        let cells_txt = if cells.is_empty() {
            "—".to_string()
        } else {
            format!("{}/{}", cells.iter().filter(|&&c| c).count(), cells.len())
        };
        let wall_txt = if walls.is_empty() {
            "—".to_string()
        } else {
            format!("{:.1}", mean_std(&walls).0)
        };
        md.push_str(&format!(
            "| {name} | {} | {pm:.4} ± {ps:.4} | {hm:.4e} ± {hs:.2e} | {legal}/{} | {cells_txt} | {wall_txt} |\n",
            ok.len(),
            ok.len()
        ));
        summary.push(MethodSummary {
            method: name.clone(),
            runs: ok.len(),
            note: None,
            proxy_mean: Some(pm),
            proxy_std: Some(ps),
            hpwl_mean: Some(hm),
            hpwl_std: Some(hs),
            legal: Some(legal),
            cells_legal: Some(cells.iter().filter(|&&c| c).count()),
            wall_mean: (!walls.is_empty()).then(|| mean_std(&walls).0),
        });
    }
    let paired: Vec<(f64, f64)> = rows
        .iter()
        .filter_map(|r| r.clustered_proxy.map(|c| (c, r.hpwl)))
        .filter(|(c, h)| c.is_finite() && h.is_finite())
        .collect();
    let rho = spearman(
        &paired.iter().map(|p| p.0).collect::<Vec<_>>(),
        &paired.iter().map(|p| p.1).collect::<Vec<_>>(),
    );
    if !paired.is_empty() {
        md.push_str("\n| method | seed | clustered proxy | full HPWL |\n|---|---|---|---|\n");
        for r in rows.iter().filter(|r| r.clustered_proxy.is_some()) {
            md.push_str(&format!(
                "| {} | {} | {:.4} | {:.4e} |\n",
                r.method,
                r.seed.map_or(String::new(), |s| s.to_string()),
                r.clustered_proxy.unwrap_or(f64::NAN),
                r.hpwl
            ));
        }
        md.push_str(&format!(
            "\nSpearman rank correlation, clustered proxy vs full legal HPWL over {} runs: {}\n",
            paired.len(),
            rho.map_or(
                "— (fewer than 3 runs or a constant column)".to_string(),
                |r| format!("{r:.3}")
            )
        ));
    }
    md.push_str("\nScored by `macroplace eval`'s evaluator (proxy = 1·WL + 0.5·density + 0.5·congestion unless --weights); std dev over seeds.\n");
    let out = &out_dir;
    let write = |name: &str, f: &mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>| {
        let path = out.join(name);
        netlists::io::write_atomic(&path, |w| f(w))
            .with_context(|| format!("writing {}", path.display()))
    };
    write("compare.md", &mut |w| w.write_all(md.as_bytes()))?;
    let mut csv = String::from(
        "method,seed,proxy_cost,wirelength_cost,density_cost,congestion_cost,hpwl,legal,cells_legal,wall_seconds,clustered_proxy,file,note\n",
    );
    for r in &rows {
        csv.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
            r.method,
            r.seed.map_or(String::new(), |s| s.to_string()),
            r.proxy_cost,
            r.wirelength_cost,
            r.density_cost,
            r.congestion_cost,
            r.hpwl,
            r.legal,
            r.cells_legal.map_or(String::new(), |c| c.to_string()),
            r.wall_seconds.map_or(String::new(), |s| s.to_string()),
            r.clustered_proxy.map_or(String::new(), |s| s.to_string()),
            r.file,
            r.note.replace(',', ";"),
        ));
    }
    write("compare.csv", &mut |w| w.write_all(csv.as_bytes()))?;
    let json = CompareReport {
        design: design.netlist.design().to_string(),
        time_limit: args.time_limit,
        seeds: args.seeds,
        summary,
        spearman_clustered_proxy_hpwl: rho,
        runs: rows.clone(),
    };
    write("compare.json", &mut |w| {
        serde_json::to_writer_pretty(&mut *w, &json).map_err(std::io::Error::other)?;
        writeln!(w)
    })?;
    // Best run of each method, side by side (at most six panels).
    let mut best: Vec<(String, &netlists::Placement)> = Vec::new();
    for name in &names {
        if let Some((_, p, _)) = placements
            .iter()
            .filter(|(n, _, _)| n == name)
            .min_by(|a, b| a.2.total_cmp(&b.2))
        {
            best.push((name.clone(), p));
        }
    }
    best.truncate(6);
    if !best.is_empty() {
        let panels: Vec<(&str, &netlists::Placement)> =
            best.iter().map(|(n, p)| (n.as_str(), *p)).collect();
        let w = 600 * panels.len() as u32;
        viz::render_side_by_side(
            &out.join("compare.png"),
            &design.netlist,
            &panels,
            &params,
            w,
            620,
        )?;
    }
    set.commit()?;
    print!("{md}");
    println!("wrote {}", args.out.display());
    Ok(())
}
