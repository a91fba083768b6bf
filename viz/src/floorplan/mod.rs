//! The floorplan picture; see the crate docs for what it shows.

use std::path::Path;

use ndarray::Array2;
use netlists::{Netlist, NodeKind, Placement};
use placer::cost::{CostParams, proxy_cost_with_maps};
use placer::report::Scores;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::{VizError, ensure_font};

/// Which per-cell map to draw under the floorplan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Heatmap {
    /// Cell density (occupied area / cell area).
    Density,
    /// Horizontal congestion (net demand + macro blockage, normalised by capacity).
    HCongestion,
    /// Vertical congestion.
    VCongestion,
}

impl Heatmap {
    fn label(self) -> &'static str {
        match self {
            Heatmap::Density => "density",
            Heatmap::HCongestion => "H congestion",
            Heatmap::VCongestion => "V congestion",
        }
    }
}

/// Flylines are drawn only for nets of at most this many pins: a larger net (a clock, a reset)
/// is a solid fan that hides the floorplan. The legend says so when it skipped one.
pub const MAX_FLYLINE_PINS: usize = 64;

/// Scores `placement` for a picture when the caller has none: cost, maps and violations
/// against no reference (fixed macros are checked in place).
pub fn score(netlist: &Netlist, placement: &Placement, params: &CostParams) -> Scores {
    let (cost, maps) = proxy_cost_with_maps(netlist, placement, params);
    let violations = placer::cost::legality::check(netlist, placement, None);
    Scores {
        cost,
        maps,
        violations,
    }
}

/// The unit of a design's coordinates, for axis labels.
pub fn unit_of(netlist: &Netlist) -> &'static str {
    match netlist.format() {
        netlists::SourceFormat::CircuitTraining | netlists::SourceFormat::Def => "µm",
        netlists::SourceFormat::Bookshelf => "DBU",
        _ => "design units",
    }
}

/// What to draw.
#[derive(Debug, Clone)]
pub struct PlotOptions {
    /// Image width in pixels.
    pub width: u32,
    /// Image height in pixels.
    pub height: u32,
    /// Heat map under the floorplan, if any.
    pub heatmap: Option<Heatmap>,
    /// Number of heaviest nets drawn as flylines.
    pub nets: usize,
    /// Method name for the title (e.g. `initial`, `sa`).
    pub method: String,
}

impl Default for PlotOptions {
    fn default() -> Self {
        PlotOptions {
            width: 1000,
            height: 900,
            heatmap: None,
            nets: 0,
            method: "input".into(),
        }
    }
}

/// Colours, public so that tests and legends agree with the picture.
pub mod colors {
    use plotters::style::RGBColor;
    /// Page background.
    pub const BACKGROUND: RGBColor = RGBColor(255, 255, 255);
    /// Canvas interior.
    pub const CANVAS: RGBColor = RGBColor(246, 246, 240);
    /// Movable hard macro.
    pub const HARD: RGBColor = RGBColor(222, 120, 31);
    /// Fixed hard macro.
    pub const HARD_FIXED: RGBColor = RGBColor(120, 94, 70);
    /// Soft macro (drawn at 30% opacity).
    pub const SOFT: RGBColor = RGBColor(40, 110, 200);
    /// Ports.
    pub const PORT: RGBColor = RGBColor(20, 20, 20);
    /// Violations (overlap, outside the canvas).
    pub const VIOLATION: RGBColor = RGBColor(220, 0, 0);
}

/// Maps design coordinates to pixels of the rendered image.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PixelMap {
    x0: f64,
    sx: f64,
    y0: f64,
    sy: f64,
}

impl PixelMap {
    /// Pixel of a design point.
    pub fn to_px(&self, x: f64, y: f64) -> (i32, i32) {
        (
            (self.x0 + self.sx * x).round() as i32,
            (self.y0 + self.sy * y).round() as i32,
        )
    }
}

/// Viridis-like colour for `t` in [0, 1].
fn heat_color(t: f64) -> RGBColor {
    const STOPS: [(f64, f64, f64); 5] = [
        (68.0, 1.0, 84.0),
        (59.0, 82.0, 139.0),
        (33.0, 145.0, 140.0),
        (94.0, 201.0, 98.0),
        (253.0, 231.0, 37.0),
    ];
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    } * (STOPS.len() - 1) as f64;
    let i = (t.floor() as usize).min(STOPS.len() - 2);
    let f = t - i as f64;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    let mix = |u: f64, v: f64| (u + (v - u) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Renders the floorplan of `placement` into `path` (`.png` or `.svg`); returns the pixel map.
pub fn render_floorplan(
    path: &Path,
    netlist: &Netlist,
    placement: &Placement,
    params: &CostParams,
    opts: &PlotOptions,
) -> Result<PixelMap, VizError> {
    let scored = score(netlist, placement, params);
    render_scored(path, netlist, placement, params, opts, &scored)
}

/// [`render_floorplan`] with the scores already computed (no cost evaluation here).
pub fn render_scored(
    path: &Path,
    netlist: &Netlist,
    placement: &Placement,
    params: &CostParams,
    opts: &PlotOptions,
    scored: &Scores,
) -> Result<PixelMap, VizError> {
    ensure_font()?;
    let pic = Picture {
        nl: netlist,
        pl: placement,
        params,
        scored,
    };
    crate::write_picture(
        path,
        (opts.width, opts.height),
        |root| draw(root, &pic, opts),
        |root| draw(root, &pic, opts),
    )
}

/// One placement to draw, with its scores.
struct Picture<'a> {
    nl: &'a Netlist,
    pl: &'a Placement,
    params: &'a CostParams,
    scored: &'a Scores,
}

/// Draws two or more placements of one design side by side, each with its metrics in its title
/// (`placements[i].0` names `placements[i].1`).
pub fn render_side_by_side(
    path: &Path,
    netlist: &Netlist,
    placements: &[(&str, &Placement)],
    params: &CostParams,
    width: u32,
    height: u32,
) -> Result<(), VizError> {
    ensure_font()?;
    crate::write_picture(
        path,
        (width, height),
        |root| draw_panels(root, netlist, placements, params, width, height),
        |root| draw_panels(root, netlist, placements, params, width, height),
    )
}

/// One floorplan panel per placement, left to right.
fn draw_panels<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    netlist: &Netlist,
    placements: &[(&str, &Placement)],
    params: &CostParams,
    width: u32,
    height: u32,
) -> Result<(), VizError> {
    root.fill(&colors::BACKGROUND)
        .map_err(|e| VizError::Draw(e.to_string()))?;
    let n = placements.len().max(1);
    for ((label, pl), area) in placements.iter().zip(root.split_evenly((1, n)).iter()) {
        let opts = PlotOptions {
            width: width / n as u32,
            height,
            method: label.to_string(),
            ..PlotOptions::default()
        };
        let scored = score(netlist, pl, params);
        let pic = Picture {
            nl: netlist,
            pl,
            params,
            scored: &scored,
        };
        draw(area, &pic, &opts)?;
    }
    Ok(())
}

/// A drawing result on backend `DB`.
pub(crate) type DrawResult<T, DB> =
    Result<T, plotters::drawing::DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// Draws `parts` joined by `sep` as a centred title wrapped to the area's width (font size
/// `font_px`); returns the title's height and the area below it.
pub(crate) fn draw_title<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    parts: &[String],
    sep: &str,
    font_px: u32,
) -> DrawResult<(u32, DrawingArea<DB, Shift>), DB> {
    let (w, _) = area.dim_in_pixel();
    let font = ("sans-serif", font_px).into_font().color(&BLACK);
    let lines = wrap_title(area, parts, sep, &font, w.saturating_sub(16));
    let line_h = font_px + 4;
    let title_h = 8 + line_h * lines.len() as u32;
    let (title_area, rest) = area.split_vertically(title_h);
    for (k, line) in lines.iter().enumerate() {
        let tw = title_area
            .estimate_text_size(line, &font)
            .map_or(0, |s| s.0);
        let x = (w.saturating_sub(tw) / 2) as i32;
        title_area.draw(&Text::new(
            line.clone(),
            (x, 6 + (k as u32 * line_h) as i32),
            font.clone(),
        ))?;
    }
    Ok((title_h, rest))
}

/// Greedy word wrap of `parts` (joined by `sep`) into lines no wider than `max_px` as the
/// backend measures them with `font`.
fn wrap_title<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    parts: &[String],
    sep: &str,
    font: &TextStyle,
    max_px: u32,
) -> Vec<String> {
    let fits = |s: &str| {
        area.estimate_text_size(s, font)
            .map_or(s.chars().count() as u32 * 8 <= max_px, |(w, _)| w <= max_px)
    };
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    for p in parts {
        let cand = if cur.is_empty() {
            p.clone()
        } else {
            format!("{cur}{sep}{p}")
        };
        if cur.is_empty() || fits(&cand) {
            cur = cand;
        } else {
            lines.push(std::mem::take(&mut cur));
            cur = p.clone();
        }
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

/// Widens `view` (x0, y0, x1, y1) around its centre so that one design unit spans the same
/// number of pixels on both axes of a `w_px × h_px` plotting area.
pub fn equal_scale_view(view: (f64, f64, f64, f64), w_px: f64, h_px: f64) -> (f64, f64, f64, f64) {
    let (vw, vh) = (view.2 - view.0, view.3 - view.1);
    if !(vw > 0.0 && vh > 0.0 && w_px > 0.0 && h_px > 0.0) {
        return view;
    }
    let scale = (vw / w_px).max(vh / h_px);
    let (cx, cy) = ((view.0 + view.2) / 2.0, (view.1 + view.3) / 2.0);
    let (hw, hh) = (scale * w_px / 2.0, scale * h_px / 2.0);
    (cx - hw, cy - hh, cx + hw, cy + hh)
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    pic: &Picture,
    opts: &PlotOptions,
) -> Result<PixelMap, VizError> {
    let (nl, pl, params) = (pic.nl, pic.pl, pic.params);
    let de =
        |e: plotters::drawing::DrawingAreaErrorKind<DB::ErrorType>| VizError::Draw(e.to_string());
    root.fill(&colors::BACKGROUND).map_err(de)?;
    let (cost, maps, violations) = (&pic.scored.cost, &pic.scored.maps, &pic.scored.violations);
    let (x0, y0) = (params.canvas_x, params.canvas_y);
    let (x1, y1) = (x0 + params.canvas_width, y0 + params.canvas_height);
    // The view: the canvas, widened to show objects outside it.
    let mut view = (x0, y0, x1, y1);
    for n in nl
        .nodes()
        .filter(|n| nl.node_kind()[n.idx()] != NodeKind::StdCell)
    {
        let i = n.idx();
        let (hw, hh) = (nl.node_width()[i] / 2.0, nl.node_height()[i] / 2.0);
        if pl.x[i].is_finite() && pl.y[i].is_finite() {
            view = (
                view.0.min(pl.x[i] - hw),
                view.1.min(pl.y[i] - hh),
                view.2.max(pl.x[i] + hw),
                view.3.max(pl.y[i] + hh),
            );
        }
    }
    let bar_w = if opts.heatmap.is_some() { 110 } else { 0 };
    let legend_h = 26u32;
    let (panel_w, panel_h) = root.dim_in_pixel();
    let (upper, legend) = root.split_vertically(panel_h.saturating_sub(legend_h));
    let skipped = draw_legend(&legend, nl, opts).map_err(de)?;
    let (main, bar) = upper.split_horizontally(panel_w.saturating_sub(bar_w));
    let w = cost.weights;
    let legal = if violations.is_empty() {
        "legal".to_string()
    } else {
        format!("{} violations", violations.len())
    };
    let mut parts = vec![
        nl.design().to_string(),
        opts.method.clone(),
        format!("HPWL {:.4e}", cost.hpwl),
        format!("proxy {:.4}", cost.proxy_cost),
        format!(
            "= {}·WL {:.4} + {}·den {:.4} + {}·cong {:.4}",
            w.wirelength,
            cost.wirelength_cost,
            w.density,
            cost.density_cost,
            w.congestion,
            cost.congestion_cost
        ),
        legal,
    ];
    if skipped > 0 {
        parts.push(format!(
            "flylines skip {skipped} nets over {MAX_FLYLINE_PINS} pins"
        ));
    }
    let (main_w, main_h) = main.dim_in_pixel();
    let font_px = (main_w / 60).clamp(11, 18);
    let (title_h, plot_area) = draw_title(&main, &parts, " · ", font_px).map_err(de)?;
    // Equal scale: the view is widened so that a design unit is as many pixels across as up.
    let (margin, x_label, y_label) = (12u32, 40u32, 70u32);
    let plot_w = main_w.saturating_sub(2 * margin + y_label) as f64;
    let plot_h = main_h.saturating_sub(title_h + 2 * margin + x_label) as f64;
    let view = equal_scale_view(view, plot_w, plot_h);
    let mut chart = ChartBuilder::on(&plot_area)
        .margin(margin)
        .x_label_area_size(x_label)
        .y_label_area_size(y_label)
        .build_cartesian_2d(view.0..view.2, view.1..view.3)
        .map_err(de)?;
    let unit = unit_of(nl);
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc(format!("x ({unit})"))
        .y_desc(format!("y ({unit})"))
        .label_style(("sans-serif", 12))
        .draw()
        .map_err(de)?;
    chart
        .draw_series(std::iter::once(Rectangle::new(
            [(x0, y0), (x1, y1)],
            colors::CANVAS.filled(),
        )))
        .map_err(de)?;

    let (rows, cols) = (params.grid_rows, params.grid_cols);
    let (gw, gh) = (params.cell_width(), params.cell_height());
    // Heat map with the cost-setting cells outlined.
    if let Some(kind) = opts.heatmap {
        let map: Array2<f64> = match kind {
            Heatmap::Density => maps.density.clone(),
            Heatmap::HCongestion => maps.h_congestion(),
            Heatmap::VCongestion => maps.v_congestion(),
        };
        let vmax = map.iter().copied().fold(0.0f64, f64::max).max(1e-12);
        let (top_n, pool): (usize, Vec<f64>) = match kind {
            Heatmap::Density => ((map.len() / 10).max(1), map.iter().copied().collect()),
            _ => {
                let all: Vec<f64> = maps
                    .h_congestion()
                    .iter()
                    .chain(maps.v_congestion().iter())
                    .copied()
                    .collect();
                ((all.len() / 20).max(1), all)
            }
        };
        let mut sorted = pool;
        sorted.sort_by(|a, b| b.total_cmp(a));
        let threshold = sorted[top_n.min(sorted.len()) - 1];
        chart
            .draw_series(
                (0..rows)
                    .flat_map(|r| (0..cols).map(move |c| (r, c)))
                    .map(|(r, c)| {
                        let (cx, cy) = (x0 + c as f64 * gw, y0 + r as f64 * gh);
                        Rectangle::new(
                            [(cx, cy), (cx + gw, cy + gh)],
                            heat_color(map[[r, c]] / vmax).filled(),
                        )
                    }),
            )
            .map_err(de)?;
        chart
            .draw_series(
                (0..rows)
                    .flat_map(|r| (0..cols).map(move |c| (r, c)))
                    .filter(|&(r, c)| map[[r, c]] >= threshold && map[[r, c]] > 0.0)
                    .map(|(r, c)| {
                        let (cx, cy) = (x0 + c as f64 * gw, y0 + r as f64 * gh);
                        Rectangle::new([(cx, cy), (cx + gw, cy + gh)], WHITE.stroke_width(2))
                    }),
            )
            .map_err(de)?;
        draw_color_bar(&bar, kind, vmax).map_err(de)?;
    }
    // Grid.
    let grid_style = RGBColor(200, 200, 200).stroke_width(1);
    chart
        .draw_series((1..cols).map(|c| {
            PathElement::new(
                vec![(x0 + c as f64 * gw, y0), (x0 + c as f64 * gw, y1)],
                grid_style,
            )
        }))
        .map_err(de)?;
    chart
        .draw_series((1..rows).map(|r| {
            PathElement::new(
                vec![(x0, y0 + r as f64 * gh), (x1, y0 + r as f64 * gh)],
                grid_style,
            )
        }))
        .map_err(de)?;
    // Std cells as a density shading on a fine bin grid.
    if nl.count_kind(NodeKind::StdCell) > 0 {
        let bins = 200usize;
        let (bw, bh) = ((x1 - x0) / bins as f64, (y1 - y0) / bins as f64);
        let mut area = vec![0.0f64; bins * bins];
        for n in nl
            .nodes()
            .filter(|n| nl.node_kind()[n.idx()] == NodeKind::StdCell)
        {
            let i = n.idx();
            let bx = ((pl.x[i] - x0) / bw).floor();
            let by = ((pl.y[i] - y0) / bh).floor();
            if bx >= 0.0 && by >= 0.0 && (bx as usize) < bins && (by as usize) < bins {
                area[by as usize * bins + bx as usize] += nl.node_area(n);
            }
        }
        chart
            .draw_series(
                area.iter()
                    .enumerate()
                    .filter(|(_, a)| **a > 0.0)
                    .map(|(k, a)| {
                        let (bx, by) = ((k % bins) as f64, (k / bins) as f64);
                        let t = (a / (bw * bh)).min(1.0);
                        let g = (235.0 - 150.0 * t) as u8;
                        Rectangle::new(
                            [
                                (x0 + bx * bw, y0 + by * bh),
                                (x0 + (bx + 1.0) * bw, y0 + (by + 1.0) * bh),
                            ],
                            RGBColor(g, g, g).filled(),
                        )
                    }),
            )
            .map_err(de)?;
    }
    // Violating hard macros (overlap or outside the canvas) get red outlines.
    let mut bad = vec![false; nl.num_nodes()];
    for v in violations {
        match v {
            placer::cost::legality::Violation::Overlap { a, b, .. } => {
                for name in [a, b] {
                    if let Some(id) = nl.node_by_name(name) {
                        bad[id.idx()] = true;
                    }
                }
            }
            placer::cost::legality::Violation::OutsideCanvas { node, .. } => {
                if let Some(id) = nl.node_by_name(node) {
                    bad[id.idx()] = true;
                }
            }
            _ => {}
        }
    }
    let boxes = |kind: NodeKind| {
        nl.nodes()
            .filter(move |n| nl.node_kind()[n.idx()] == kind)
            .map(|n| {
                let i = n.idx();
                let (w, h) = (nl.node_width()[i], nl.node_height()[i]);
                (
                    i,
                    (pl.x[i] - w / 2.0, pl.y[i] - h / 2.0),
                    (pl.x[i] + w / 2.0, pl.y[i] + h / 2.0),
                )
            })
    };
    chart
        .draw_series(
            boxes(NodeKind::SoftMacro)
                .map(|(_, a, b)| Rectangle::new([a, b], colors::SOFT.mix(0.3).filled())),
        )
        .map_err(de)?;
    chart
        .draw_series(boxes(NodeKind::HardMacro).map(|(i, a, b)| {
            let c = if nl.node_fixed()[i] {
                colors::HARD_FIXED
            } else {
                colors::HARD
            };
            Rectangle::new([a, b], c.filled())
        }))
        .map_err(de)?;
    chart
        .draw_series(boxes(NodeKind::HardMacro).map(|(i, a, b)| {
            let style = if bad[i] {
                colors::VIOLATION.stroke_width(2)
            } else {
                BLACK.mix(0.6).stroke_width(1)
            };
            Rectangle::new([a, b], style)
        }))
        .map_err(de)?;
    // Orientation mark: a triangle at the corner that is lower-left in the N frame.
    chart
        .draw_series(boxes(NodeKind::HardMacro).map(|(i, _, _)| {
            let (w, h) = (nl.node_width()[i], nl.node_height()[i]);
            let s = 0.3 * w.min(h);
            let o = pl.orient[i];
            let corner = o.rotate(-w / 2.0, -h / 2.0);
            let along_x = o.rotate(s, 0.0);
            let along_y = o.rotate(0.0, s);
            let (cx, cy) = (pl.x[i] + corner.0, pl.y[i] + corner.1);
            Polygon::new(
                vec![
                    (cx, cy),
                    (cx + along_x.0, cy + along_x.1),
                    (cx + along_y.0, cy + along_y.1),
                ],
                BLACK.mix(0.55).filled(),
            )
        }))
        .map_err(de)?;
    // Ports.
    let port_r = ((x1 - x0).max(y1 - y0) / 250.0).max(1e-9);
    chart
        .draw_series(boxes(NodeKind::Port).map(|(i, _, _)| {
            Rectangle::new(
                [
                    (pl.x[i] - port_r, pl.y[i] - port_r),
                    (pl.x[i] + port_r, pl.y[i] + port_r),
                ],
                colors::PORT.filled(),
            )
        }))
        .map_err(de)?;
    // Flylines of the heaviest nets (weight, then degree) of 2..=MAX_FLYLINE_PINS pins.
    if opts.nets > 0 {
        let mut nets: Vec<usize> = (0..nl.num_nets())
            .filter(|&n| {
                (2..=MAX_FLYLINE_PINS).contains(&nl.net_pins(netlists::NetId(n as u32)).len())
            })
            .collect();
        nets.sort_by(|&a, &b| {
            let key = |n: usize| {
                (
                    nl.net_weight()[n],
                    nl.net_pin_start()[n + 1] - nl.net_pin_start()[n],
                )
            };
            let (ka, kb) = (key(a), key(b));
            kb.0.total_cmp(&ka.0).then(kb.1.cmp(&ka.1)).then(a.cmp(&b))
        });
        let style = RGBColor(150, 30, 150).mix(0.5).stroke_width(1);
        for &n in nets.iter().take(opts.nets) {
            let r = nl.net_pins(netlists::NetId(n as u32));
            let d = pl.pin_position(nl, netlists::PinId(r.start as u32));
            chart
                .draw_series(r.skip(1).map(|p| {
                    PathElement::new(
                        vec![d, pl.pin_position(nl, netlists::PinId(p as u32))],
                        style,
                    )
                }))
                .map_err(de)?;
        }
    }
    // Canvas outline on top.
    chart
        .draw_series(std::iter::once(Rectangle::new(
            [(x0, y0), (x1, y1)],
            BLACK.stroke_width(2),
        )))
        .map_err(de)?;
    let a = chart.backend_coord(&(x0, y0));
    let b = chart.backend_coord(&(x1, y1));
    let sx = (b.0 - a.0) as f64 / (x1 - x0);
    let sy = (b.1 - a.1) as f64 / (y1 - y0);
    Ok(PixelMap {
        x0: a.0 as f64 - sx * x0,
        sx,
        y0: a.1 as f64 - sy * y0,
        sy,
    })
}

/// One row under the chart: a swatch and a name per kind of object the picture can show (only
/// those the design has, plus flylines when drawn and the violation outline).
/// Returns how many nets flylines skip for their size (0 when none are drawn).
fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    nl: &Netlist,
    opts: &PlotOptions,
) -> Result<usize, plotters::drawing::DrawingAreaErrorKind<DB::ErrorType>> {
    let skipped = if opts.nets > 0 {
        (0..nl.num_nets())
            .filter(|&n| nl.net_pins(netlists::NetId(n as u32)).len() > MAX_FLYLINE_PINS)
            .count()
    } else {
        0
    };
    let flyline_label = if skipped > 0 {
        format!("flyline (nets of ≤ {MAX_FLYLINE_PINS} pins)")
    } else {
        "flyline".to_string()
    };
    let has = |k: NodeKind| nl.node_kind().contains(&k);
    let has_fixed_hard =
        (0..nl.num_nodes()).any(|i| nl.node_kind()[i] == NodeKind::HardMacro && nl.node_fixed()[i]);
    let mut items: Vec<(&str, ShapeStyle)> = Vec::new();
    if has(NodeKind::HardMacro) {
        items.push(("movable hard macro", colors::HARD.filled()));
    }
    if has_fixed_hard {
        items.push(("fixed hard macro", colors::HARD_FIXED.filled()));
    }
    if has(NodeKind::SoftMacro) {
        items.push(("soft macro (cluster)", colors::SOFT.mix(0.3).filled()));
    }
    if has(NodeKind::StdCell) {
        items.push(("std-cell density", RGBColor(150, 150, 150).filled()));
    }
    if has(NodeKind::Port) {
        items.push(("port", colors::PORT.filled()));
    }
    if opts.nets > 0 {
        items.push((&flyline_label, RGBColor(150, 30, 150).filled()));
    }
    items.push(("violation", colors::VIOLATION.stroke_width(2)));
    let font = ("sans-serif", 12).into_font().color(&BLACK);
    let mut x = 60i32;
    let y = 6i32;
    for (label, style) in items {
        area.draw(&Rectangle::new([(x, y), (x + 14, y + 14)], style))?;
        area.draw(&Text::new(label.to_string(), (x + 19, y + 1), font.clone()))?;
        x += 19 + 7 * label.chars().count() as i32 + 18;
    }
    Ok(skipped)
}

fn draw_color_bar<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    kind: Heatmap,
    vmax: f64,
) -> Result<(), plotters::drawing::DrawingAreaErrorKind<DB::ErrorType>> {
    let mut bar = ChartBuilder::on(area)
        .caption(kind.label(), ("sans-serif", 13))
        .margin_top(50)
        .margin_bottom(52)
        .margin_right(8)
        .y_label_area_size(50)
        .build_cartesian_2d(0.0..1.0, 0.0..vmax)?;
    bar.configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .label_style(("sans-serif", 11))
        .y_label_formatter(&|v| format!("{v:.2}"))
        .draw()?;
    let steps = 100;
    bar.draw_series((0..steps).map(|k| {
        let (a, b) = (
            vmax * k as f64 / steps as f64,
            vmax * (k + 1) as f64 / steps as f64,
        );
        Rectangle::new(
            [(0.0, a), (1.0, b)],
            heat_color((k as f64 + 0.5) / steps as f64).filled(),
        )
    }))?;
    Ok(())
}

#[cfg(test)]
mod tests;
