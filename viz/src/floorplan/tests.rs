//! Pictures checked on their pixels and SVG text: colours, equal scale, titles, legends.

use super::*;
use netlists::model::SourceLine;
use netlists::{CanvasSource, Floorplan, NetlistBuilder, PinDir, SourceFormat};

/// A 100x100 canvas with two hard macros (one fixed), a soft macro and a port.
/// The netlist of `b` on a `w × h` canvas at the origin.
fn build_on_canvas(mut b: NetlistBuilder, w: f64, h: f64) -> Netlist {
    b.set_floorplan(Floorplan::with_canvas(0.0, 0.0, w, h, CanvasSource::Plc));
    b.build().unwrap()
}

fn toy() -> (Netlist, Placement, CostParams) {
    let mut b = NetlistBuilder::new("toy", SourceFormat::Memory);
    let at = SourceLine::default();
    let m = b
        .add_node("m", 20.0, 20.0, NodeKind::HardMacro, false, at)
        .unwrap();
    let f = b
        .add_node("f", 10.0, 30.0, NodeKind::HardMacro, true, at)
        .unwrap();
    let s = b
        .add_node("s", 15.0, 15.0, NodeKind::SoftMacro, false, at)
        .unwrap();
    let p = b.add_node("p", 0.0, 0.0, NodeKind::Port, true, at).unwrap();
    b.add_net("n", 1.0, at).unwrap();
    b.add_pin(p, 0.0, 0.0, PinDir::Output);
    b.add_pin(m, 5.0, 5.0, PinDir::Input);
    b.add_pin(s, 0.0, 0.0, PinDir::Input);
    b.add_pin(f, 0.0, 0.0, PinDir::Input);
    let nl = build_on_canvas(b, 100.0, 100.0);
    let mut pl = Placement::zeros(4);
    pl.x = vec![30.0, 80.0, 30.0, 0.0];
    pl.y = vec![70.0, 30.0, 25.0, 50.0];
    let params = CostParams::from_floorplan(nl.floorplan());
    (nl, pl, params)
}

#[test]
fn png_has_size_macro_colours_and_background() {
    let (nl, pl, params) = toy();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("toy.png");
    let opts = PlotOptions {
        width: 600,
        height: 500,
        heatmap: None,
        nets: 1,
        method: "test".into(),
    };
    let map = render_floorplan(&path, &nl, &pl, &params, &opts).unwrap();
    let img = image::open(&path).unwrap().to_rgb8();
    assert_eq!(img.dimensions(), (600, 500));
    let px = |x: f64, y: f64| {
        let (u, v) = map.to_px(x, y);
        img.get_pixel(u as u32, v as u32).0
    };
    let rgb = |c: RGBColor| [c.0, c.1, c.2];
    // Centre of the movable and of the fixed hard macro (away from the orientation mark).
    assert_eq!(px(32.0, 72.0), rgb(colors::HARD));
    assert_eq!(px(81.0, 35.0), rgb(colors::HARD_FIXED));
    // Empty canvas.
    assert_eq!(px(63.0, 87.0), rgb(colors::CANVAS));
    // Soft macro: translucent blue over the canvas colour, neither background nor opaque.
    let soft = px(30.0, 25.0);
    assert!(
        soft[2] > soft[0] && soft != rgb(colors::SOFT) && soft != rgb(colors::CANVAS),
        "{soft:?}"
    );
    // Not blank: many distinct colours.
    let mut seen = std::collections::HashSet::new();
    for p in img.pixels() {
        seen.insert(p.0);
    }
    assert!(seen.len() > 10);
    // No temporary file left beside it.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

/// Bounding box `(x0, y0, x1, y1)` in pixels of the pixels of colour `c`.
fn bbox_of(img: &image::RgbImage, c: RGBColor) -> (u32, u32, u32, u32) {
    let mut b = (u32::MAX, u32::MAX, 0, 0);
    for (x, y, p) in img.enumerate_pixels() {
        if p.0 == [c.0, c.1, c.2] {
            b = (b.0.min(x), b.1.min(y), b.2.max(x), b.3.max(y));
        }
    }
    b
}

#[test]
fn square_canvas_is_square_in_png_and_svg() {
    let (nl, pl, params) = toy();
    let dir = tempfile::tempdir().unwrap();
    // Wide, tall and nearly square pictures, with and without a colour bar.
    for (w, h, heat) in [
        (1200, 600, None),
        (500, 900, None),
        (1200, 1050, None),
        (900, 800, Some(Heatmap::Density)),
    ] {
        let opts = PlotOptions {
            width: w,
            height: h,
            heatmap: heat,
            nets: 1,
            method: "a method name long enough to need a second title line".into(),
        };
        let png = dir.path().join("sq.png");
        let map = render_floorplan(&png, &nl, &pl, &params, &opts).unwrap();
        let (a, b) = (map.to_px(0.0, 0.0), map.to_px(100.0, 100.0));
        let (pw, ph) = ((b.0 - a.0).abs(), (b.1 - a.1).abs());
        assert!((pw - ph).abs() <= 1, "{w}x{h}: canvas {pw} x {ph} px");
        if heat.is_none() {
            // Measured on the pixels: the canvas colour spans a square.
            let img = image::open(&png).unwrap().to_rgb8();
            let bb = bbox_of(&img, colors::CANVAS);
            let (bw, bh) = (bb.2 - bb.0, bb.3 - bb.1);
            assert!(bw.abs_diff(bh) <= 2, "{w}x{h}: canvas pixels {bw} x {bh}");
            assert!(bw as i32 >= pw - 4, "{w}x{h}: {bw} vs {pw}");
        }
        let svg_path = dir.path().join("sq.svg");
        render_floorplan(&svg_path, &nl, &pl, &params, &opts).unwrap();
        let svg = std::fs::read_to_string(&svg_path).unwrap();
        let canvas_fill = format!(
            "fill=\"#{:02X}{:02X}{:02X}\"",
            colors::CANVAS.0,
            colors::CANVAS.1,
            colors::CANVAS.2
        );
        let rect = svg
            .split("<rect")
            .find(|r| r.contains(&canvas_fill))
            .unwrap_or_else(|| panic!("no canvas rectangle in the SVG"));
        let attr = |k: &str| -> f64 {
            let i = rect.find(&format!(" {k}=\"")).unwrap() + k.len() + 3;
            rect[i..].split('"').next().unwrap().parse().unwrap()
        };
        let (sw, sh) = (attr("width"), attr("height"));
        assert!((sw - sh).abs() <= 1.0, "{w}x{h} svg: canvas {sw} x {sh}");
    }
}

#[test]
fn titles_wrap_to_the_picture_width() {
    ensure_font().unwrap();
    let mut buf = vec![0u8; 300 * 100 * 3];
    let root = BitMapBackend::with_buffer(&mut buf, (300, 100)).into_drawing_area();
    let font = ("sans-serif", 14).into_font().color(&BLACK);
    let parts: Vec<String> = [
        "design",
        "method",
        "HPWL 1.2345e6",
        "proxy 0.6123",
        "= 1·WL 0.1 + 0.5·den 0.6 + 0.5·cong 0.9",
        "legal",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let lines = wrap_title(&root, &parts, " · ", &font, 200);
    assert!(lines.len() >= 2, "{lines:?}");
    for l in &lines {
        let w = root.estimate_text_size(l, &font).unwrap().0;
        // A single part wider than the limit stays whole; every joined line fits.
        assert!(w <= 200 || !l.contains(" · "), "{l}: {w} px");
    }
    assert_eq!(lines.join(" · "), parts.join(" · "));
}

#[test]
fn heatmap_png_renders() {
    let (nl, pl, params) = toy();
    let dir = tempfile::tempdir().unwrap();
    for (name, h) in [
        ("d.png", Heatmap::Density),
        ("h.png", Heatmap::HCongestion),
        ("v.svg", Heatmap::VCongestion),
    ] {
        let path = dir.path().join(name);
        let opts = PlotOptions {
            heatmap: Some(h),
            ..PlotOptions::default()
        };
        render_floorplan(&path, &nl, &pl, &params, &opts).unwrap();
        assert!(std::fs::metadata(&path).unwrap().len() > 1000);
    }
}

#[test]
fn flylines_skip_huge_nets_and_axes_name_the_unit() {
    // A Bookshelf-format design with one 2-pin net and one net over the flyline limit.
    let mut b = NetlistBuilder::new("big", SourceFormat::Bookshelf);
    let at = SourceLine::default();
    let m = b
        .add_node("m", 10.0, 10.0, NodeKind::HardMacro, false, at)
        .unwrap();
    let cells: Vec<_> = (0..MAX_FLYLINE_PINS + 1)
        .map(|i| {
            b.add_node(&format!("c{i}"), 1.0, 1.0, NodeKind::StdCell, false, at)
                .unwrap()
        })
        .collect();
    b.add_net("small", 1.0, at).unwrap();
    b.add_pin(m, 0.0, 0.0, PinDir::Output);
    b.add_pin(cells[0], 0.0, 0.0, PinDir::Input);
    b.add_net("clock", 1.0, at).unwrap();
    b.add_pin(m, 0.0, 0.0, PinDir::Output);
    for &c in &cells {
        b.add_pin(c, 0.0, 0.0, PinDir::Input);
    }
    let nl = build_on_canvas(b, 100.0, 100.0);
    let mut pl = Placement::zeros(nl.num_nodes());
    for i in 0..nl.num_nodes() {
        pl.x[i] = 5.0 + (i % 9) as f64 * 10.0;
        pl.y[i] = 5.0 + (i / 9) as f64 * 10.0;
    }
    let params = CostParams::from_floorplan(nl.floorplan());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.svg");
    let opts = PlotOptions {
        nets: 5,
        ..PlotOptions::default()
    };
    render_floorplan(&path, &nl, &pl, &params, &opts).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("x (DBU)") && text.contains("y (DBU)"),
        "{text}"
    );
    assert!(text.contains(&format!("nets of ≤ {MAX_FLYLINE_PINS} pins")));
    assert!(text.contains(&format!(
        "flylines skip 1 nets over {MAX_FLYLINE_PINS} pins"
    )));
    // One flyline (the small net), none for the clock.
    let flylines = text.matches("stroke=\"#961E96\"").count();
    assert_eq!(flylines, 1, "{text}");
    // Without flylines the legend says nothing about skipping.
    render_floorplan(&path, &nl, &pl, &params, &PlotOptions::default()).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains("flylines skip"));
}

#[test]
fn a_last_net_without_pins_draws_no_flyline_and_does_not_panic() {
    let mut b = NetlistBuilder::new("empty-net", SourceFormat::Bookshelf);
    let at = SourceLine::default();
    let m = b
        .add_node("m", 10.0, 10.0, NodeKind::HardMacro, false, at)
        .unwrap();
    let p = b.add_node("p", 0.0, 0.0, NodeKind::Port, true, at).unwrap();
    b.add_net("a", 1.0, at).unwrap();
    b.add_pin(m, 0.0, 0.0, PinDir::Output);
    b.add_pin(p, 0.0, 0.0, PinDir::Input);
    // `NetDegree : 0` as the last net of a Bookshelf file.
    b.add_net("empty", 5.0, at).unwrap();
    let nl = build_on_canvas(b, 50.0, 50.0);
    let mut pl = Placement::zeros(2);
    pl.x = vec![20.0, 0.0];
    pl.y = vec![20.0, 25.0];
    let params = CostParams::from_floorplan(nl.floorplan());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("e.svg");
    let opts = PlotOptions {
        nets: 5,
        ..PlotOptions::default()
    };
    render_floorplan(&path, &nl, &pl, &params, &opts).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.matches("stroke=\"#961E96\"").count(), 1);
}

#[test]
fn svg_parses_and_has_one_rectangle_per_hard_macro() {
    let (nl, pl, params) = toy();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("toy.svg");
    render_floorplan(&path, &nl, &pl, &params, &PlotOptions::default()).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let fill = |c: RGBColor| format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2);
    // Rectangles of a colour in the chart, and in the legend strip at the bottom.
    let height = PlotOptions::default().height as f64;
    let count = |c: RGBColor, legend: bool| {
        doc.descendants()
            .filter(|n| {
                n.has_tag_name("rect")
                    && n.attribute("fill")
                        .is_some_and(|f| f.eq_ignore_ascii_case(&fill(c)))
                    && n.attribute("y")
                        .and_then(|y| y.parse::<f64>().ok())
                        .is_some_and(|y| (y >= height - 26.0) == legend)
            })
            .count()
    };
    assert_eq!(count(colors::HARD, false), 1, "{text}");
    assert_eq!(count(colors::HARD_FIXED, false), 1);
    // The legend names both kinds, with their colours.
    assert_eq!(count(colors::HARD, true), 1);
    assert_eq!(count(colors::HARD_FIXED, true), 1);
    assert!(text.contains("movable hard macro") && text.contains("fixed hard macro"));
}

#[test]
fn side_by_side_shows_both_placements() {
    let (nl, pl, params) = toy();
    let mut moved = pl.clone();
    moved.x[0] = 70.0; // the movable macro moves right
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("both.png");
    render_side_by_side(
        &path,
        &nl,
        &[("before", &pl), ("after", &moved)],
        &params,
        1200,
        500,
    )
    .unwrap();
    let img = image::open(&path).unwrap().to_rgb8();
    assert_eq!(img.dimensions(), (1200, 500));
    let hard = [colors::HARD.0, colors::HARD.1, colors::HARD.2];
    let count = |x0: u32, x1: u32| {
        (x0..x1)
            .flat_map(|x| (0..500).map(move |y| (x, y)))
            .filter(|&(x, y)| img.get_pixel(x, y).0 == hard)
            .count()
    };
    // Both halves show the movable macro.
    assert!(count(0, 600) > 100 && count(600, 1200) > 100);
}

#[test]
fn bad_extension_is_an_error() {
    let (nl, pl, params) = toy();
    let dir = tempfile::tempdir().unwrap();
    let err = render_floorplan(
        &dir.path().join("x.jpg"),
        &nl,
        &pl,
        &params,
        &PlotOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(err, VizError::Format(_)));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}
