//! The one writer of a run's outputs, for both flows: the placement in the input's own format
//! (`.plc` with the scores in its header for Circuit Training, `.pl` for Bookshelf),
//! `report.json` (the typed [`Report`]), the pictures (from the run's own scores: no cost is
//! evaluated here) and `report.html`.
//!
//! Every file goes through a temporary name and a rename. A failure here is an output failure
//! (exit status 1), never bad input.

use std::path::Path;

use anyhow::{Context, Result};
use netlists::{Extra, Netlist};
use placer::cost::CostParams;
use placer::report::{Flow, FlowDetails, Report};

use crate::place::Outcome;

/// The placement file's name inside the output folder: `<design>.plc` for a Circuit Training
/// netlist, `<design>.pl` otherwise.
pub fn placement_file_name(netlist: &Netlist) -> String {
    match netlist.extra() {
        Extra::Ct(_) => format!("{}.plc", netlist.design()),
        Extra::Def(_) => format!("{}.def", netlist.design()),
        _ => format!("{}.pl", netlist.design()),
    }
}

/// The `# key : value` lines a `.plc` written by `place` carries.
fn plc_header(r: &Report) -> Vec<(String, String)> {
    let kv = |k: &str, v: String| (format!("macroplace {k}"), v);
    match &r.details {
        FlowDetails::Macro(_) => vec![
            kv("method", r.method.clone()),
            kv("seed", r.seed.to_string()),
            kv("HPWL", r.hpwl.to_string()),
            kv("Wirelength cost", r.wirelength_cost.to_string()),
            kv("Density cost", r.density_cost.to_string()),
            kv("Congestion cost", r.congestion_cost.to_string()),
            kv("Proxy cost", r.proxy_cost.to_string()),
            kv("Legal", r.legal.to_string()),
        ],
        FlowDetails::Full(f) => vec![
            kv("flow", format!("full, macros {}", f.macros)),
            kv("seed", r.seed.to_string()),
            kv("HPWL", r.hpwl.to_string()),
            kv("Legal", r.legal.to_string()),
            kv("Cells legal", f.cells_legal.to_string()),
        ],
    }
}

/// Writes the placement, `report.json` and, with `pictures`, the pictures and `report.html`
/// into `out` (created if missing).
pub fn write_run(
    out: &Path,
    netlist: &Netlist,
    params: &CostParams,
    run: &Outcome,
    pictures: bool,
) -> Result<()> {
    let r = &run.report;
    if let Err(m) = r.check_finite() {
        anyhow::bail!(
            "refusing to write a placement whose {m}: the cost model met a value it cannot \
             score (check the design's sizes, canvas and routing parameters)"
        );
    }
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let file = out.join(&r.placement_file);
    match netlist.extra() {
        Extra::Ct(_) => {
            // The header carries the parameters the run scored with (they may come from
            // options or gridding), so `eval` of the file reproduces the report.
            let mut fp = netlist.floorplan().clone();
            fp.grid = Some((params.grid_cols as u32, params.grid_rows as u32));
            fp.routing = Some(netlists::model::Routing {
                h_routes_per_um: params.h_routes_per_um,
                v_routes_per_um: params.v_routes_per_um,
                h_macro_alloc: params.h_macro_alloc,
                v_macro_alloc: params.v_macro_alloc,
            });
            fp.smoothing = Some(params.smooth as f64);
            netlists::plc::write_plc_with(&file, netlist, &fp, &run.placement, &plc_header(r))
        }
        Extra::Def(_) => netlists::lefdef::write_def(&file, netlist, &run.placement),
        _ => netlists::bookshelf::write_pl(&file, netlist, &run.placement),
    }
    .with_context(|| format!("writing {}", file.display()))?;
    let report_path = out.join("report.json");
    netlists::io::write_atomic(&report_path, |w| {
        serde_json::to_writer_pretty(&mut *w, r).map_err(std::io::Error::other)?;
        writeln!(w)
    })
    .with_context(|| format!("writing {}", report_path.display()))?;
    if pictures {
        write_pictures(out, netlist, params, run)?;
    }
    Ok(())
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_string()
}

/// The pictures and `report.html`, from the run's own scores.
fn write_pictures(out: &Path, nl: &Netlist, params: &CostParams, run: &Outcome) -> Result<()> {
    let r = &run.report;
    // Flylines only where the std cells are not placed (a full flow draws them all as shading).
    let nets = match r.flow {
        Flow::Macro => 20,
        Flow::Full => 0,
    };
    let plot = |file: &str, heatmap: Option<viz::Heatmap>, nets: usize, size: (u32, u32)| {
        let opts = viz::PlotOptions {
            width: size.0,
            height: size.1,
            heatmap,
            nets,
            method: r.method.clone(),
        };
        viz::render_scored(
            &out.join(file),
            nl,
            &run.placement,
            params,
            &opts,
            &run.scores,
        )
        .map(|_| ())
    };
    plot("floorplan.png", None, nets, (1200, 1050))?;
    plot("floorplan.svg", None, 0, (1200, 1050))?;
    plot("density.png", Some(viz::Heatmap::Density), 0, (900, 800))?;
    plot("hcong.png", Some(viz::Heatmap::HCongestion), 0, (900, 800))?;
    plot("vcong.png", Some(viz::Heatmap::VCongestion), 0, (900, 800))?;
    let curves = r.curves();
    let curve_title = match &r.details {
        FlowDetails::Macro(_) => "best proxy cost over time",
        FlowDetails::Full(_) => "global placement: HPWL and overflow",
    };
    let has_points = curves.iter().any(|c| !c.points.is_empty());
    if has_points {
        viz::render_curves(
            &out.join("trajectory.png"),
            &format!("{} — {}", r.design, r.method),
            &curves,
            900,
            500,
        )?;
    }
    let c = &r.weights;
    let mut metrics = vec![
        ("HPWL".to_string(), format!("{:.6e}", r.hpwl)),
        (
            "macro-only HPWL".into(),
            format!("{:.6e}", r.hpwl_macro_only),
        ),
        (
            "wirelength cost".into(),
            format!("{:.6}", r.wirelength_cost),
        ),
        ("density cost".into(), format!("{:.6}", r.density_cost)),
        (
            "congestion cost".into(),
            format!("{:.6}", r.congestion_cost),
        ),
        (
            format!(
                "proxy cost ({}·WL + {}·density + {}·congestion)",
                c[0], c[1], c[2]
            ),
            format!("{:.6}", r.proxy_cost),
        ),
        ("macros legal".into(), yes_no(r.legal)),
    ];
    if let FlowDetails::Full(f) = &r.details {
        metrics.push(("std cells legal".into(), yes_no(f.cells_legal)));
        metrics.push(("overflow".into(), format!("{:.4}", f.overflow)));
    }
    metrics.push(("wall time".into(), format!("{:.2} s", r.wall_seconds)));
    let floorplan_caption = if nets > 0 {
        format!("floorplan ({nets} heaviest nets as flylines)")
    } else {
        "floorplan".to_string()
    };
    let mut pictures = vec![
        (floorplan_caption, "floorplan.png".to_string()),
        ("density".into(), "density.png".into()),
        ("horizontal congestion".into(), "hcong.png".into()),
        ("vertical congestion".into(), "vcong.png".into()),
    ];
    if has_points {
        pictures.push((curve_title.into(), "trajectory.png".into()));
    }
    let html = viz::HtmlReport {
        title: format!("{} — {}", r.design, r.method),
        metrics,
        pictures,
        files: vec![
            r.placement_file.clone(),
            "report.json".into(),
            "floorplan.svg".into(),
        ],
    };
    viz::write_report_html(&out.join("report.html"), &html)?;
    Ok(())
}
