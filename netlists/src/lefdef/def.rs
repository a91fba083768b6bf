//! DEF: the design. Read: `DESIGN`, `UNITS DISTANCE MICRONS`, `DIEAREA` (a rectilinear die
//! becomes its bounding box), `ROW`, `COMPONENTS` (`UNPLACED`/`PLACED`/`FIXED`/`COVER`, the
//! eight orientations), `PINS` (placed IO pins become ports), `NETS` (with `WEIGHT`),
//! placement `BLOCKAGES`. `SPECIALNETS` and the other sections are skipped; `REGIONS` and
//! `GROUPS` are skipped with a warning. Coordinates become microns; positions are centres.

use std::collections::HashMap;
use std::path::Path;

use super::lef::Library;
use super::lex::Lexer;
use crate::builder::NetlistBuilder;
use crate::error::{Error, Result};
use crate::io::shorten;
use crate::model::{
    Blockage, CanvasSource, DefExtra, DefPlacementSpan, Design, Extra, Floorplan, NodeKind,
    Orientation, PinDir, Placement, Row, SourceFormat, SourceLine,
};

/// Sections `NAME n ; ... END NAME` skipped whole.
const SKIPPED_SECTIONS: &[&str] = &[
    "SPECIALNETS",
    "VIAS",
    "NONDEFAULTRULES",
    "PROPERTYDEFINITIONS",
    "STYLES",
    "FILLS",
    "SLOTS",
    "SCANCHAINS",
    "PINPROPERTIES",
];

/// Sections skipped with a warning: they constrain placement in ways this reader ignores.
const IGNORED_SECTIONS: &[&str] = &["REGIONS", "GROUPS"];

struct Component {
    name: String,
    model: String,
    line: u32,
    /// `(x, y)` lower-left in DBU and orientation, when placed.
    at: Option<(f64, f64, Orientation)>,
    fixed: bool,
    span: DefPlacementSpan,
}

struct IoPin {
    name: String,
    line: u32,
    /// Centre in DBU.
    at: Option<(f64, f64)>,
    /// The pin drives its net (`DIRECTION INPUT` into the chip).
    drives: bool,
}

/// Reads `def` with the cells of `lib`.
pub fn read_def(path: &Path, lib: &Library) -> Result<Design> {
    let input = crate::io::read_input(path)?;
    let text = crate::io::as_utf8(&input.path, &input.bytes)?;
    let real = input.path.clone();
    let mut lx = Lexer::new(&real, text);
    let mut design = None;
    let mut dbu: Option<f64> = None;
    let mut die: Option<(f64, f64, f64, f64)> = None;
    let mut rows = Vec::new();
    let mut comps: Vec<Component> = Vec::new();
    let mut pins: Vec<IoPin> = Vec::new();
    let mut nets: Vec<DefNet> = Vec::new();
    let mut blockages = Vec::new();
    let mut warnings = Vec::new();
    let mut ended = false;
    while let Some(t) = lx.next_tok() {
        let scale = dbu.unwrap_or(1.0);
        match t.text {
            "DESIGN" => {
                design = Some(lx.next("the design name")?.text.to_string());
                lx.expect(";")?;
            }
            "UNITS" => {
                lx.expect("DISTANCE")?;
                lx.expect("MICRONS")?;
                let (v, n) = lx.number("the distance units per micron")?;
                if v < 1.0 || v.fract() != 0.0 {
                    return Err(lx.err(
                        n.line,
                        format!("expected a positive whole number of units per micron, found {v}"),
                    ));
                }
                lx.expect(";")?;
                dbu = Some(v);
            }
            "DIEAREA" => {
                let pts = read_points(&mut lx)?;
                if pts.len() < 2 {
                    return Err(lx.err(
                        t.line,
                        format!("expected at least two DIEAREA points, found {}", pts.len()),
                    ));
                }
                let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
                for (x, y) in pts {
                    x0 = x0.min(x);
                    y0 = y0.min(y);
                    x1 = x1.max(x);
                    y1 = y1.max(y);
                }
                if x1 <= x0 || y1 <= y0 {
                    return Err(lx.err(
                        t.line,
                        "expected a DIEAREA of positive size, found a degenerate one",
                    ));
                }
                die = Some((x0, y0, x1, y1));
            }
            "ROW" => rows.push(read_row(&mut lx, lib, scale, t.line)?),
            "COMPONENTS" => {
                let n = declared(&mut lx, "components")?;
                comps.reserve(n.min(10_000_000) as usize);
                read_components(&mut lx, &mut comps)?;
                as_declared(&lx, t.line, "components", n, comps.len())?;
            }
            "PINS" => {
                let n = declared(&mut lx, "pins")?;
                read_pins(&mut lx, &mut pins)?;
                as_declared(&lx, t.line, "pins", n, pins.len())?;
            }
            "NETS" => {
                let n = declared(&mut lx, "nets")?;
                read_nets(&mut lx, &mut nets)?;
                as_declared(&lx, t.line, "nets", n, nets.len())?;
            }
            "BLOCKAGES" => {
                lx.count("the number of blockages")?;
                lx.expect(";")?;
                read_blockages(&mut lx, &mut blockages)?;
            }
            "END" => {
                lx.expect_end_of("DESIGN")?;
                ended = true;
                break;
            }
            k if SKIPPED_SECTIONS.contains(&k) || IGNORED_SECTIONS.contains(&k) => {
                if IGNORED_SECTIONS.contains(&k) {
                    warnings.push(format!("{}:{}: {k} ignored", real.display(), t.line));
                }
                lx.skip_block(k, t.line)?;
            }
            _ => lx.skip_statement()?,
        }
    }
    if !ended {
        let line = lx.line();
        return Err(lx.err(line, "expected `END DESIGN`, found the end of the file"));
    }
    let dbu = dbu.ok_or_else(|| lx.err(1, "expected `UNITS DISTANCE MICRONS n ;`, found none"))?;
    let Some((dx0, dy0, dx1, dy1)) = die else {
        return Err(lx.err(1, "expected a DIEAREA, found none"));
    };
    let um = |v: f64| v / dbu;
    let name = design.unwrap_or_else(|| "design".into());
    let mut b = NetlistBuilder::new(name, SourceFormat::Def);
    let file = b.add_file(&real);
    let at = |line| SourceLine { file, line };
    let mut node_of: HashMap<&str, crate::ids::NodeId> =
        HashMap::with_capacity(comps.len() + pins.len());
    let mut pos = Vec::with_capacity(comps.len() + pins.len());
    let mut odd_classes: HashMap<String, usize> = HashMap::new();
    let mut spans = Vec::with_capacity(comps.len() + pins.len());
    for c in &comps {
        let Some(m) = lib.macros.get(&c.model) else {
            return Err(Error::parse(
                &real,
                c.line,
                format!(
                    "expected a macro of the LEF files for component `{}`, found `{}` in none of {}",
                    shorten(&c.name),
                    shorten(&c.model),
                    if lib.files.is_empty() {
                        "them (no --lef given)".to_string()
                    } else {
                        lib.files
                            .iter()
                            .map(|f| f.display().to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    }
                ),
            ));
        };
        let kind = match m.class.as_str() {
            "BLOCK" if m.soft => NodeKind::SoftMacro,
            "BLOCK" | "PAD" | "RING" => NodeKind::HardMacro,
            "CORE" => NodeKind::StdCell,
            other => {
                *odd_classes.entry(other.to_string()).or_default() += 1;
                NodeKind::StdCell
            }
        };
        let id = b.add_node(&c.name, m.width, m.height, kind, c.fixed, at(c.line))?;
        let (x, y, o) = match c.at {
            Some((x, y, o)) => {
                let (w, h) = if o.swaps_footprint() {
                    (m.height, m.width)
                } else {
                    (m.width, m.height)
                };
                (um(x) + 0.5 * w, um(y) + 0.5 * h, o)
            }
            None => (um(0.5 * (dx0 + dx1)), um(0.5 * (dy0 + dy1)), Orientation::N),
        };
        b.set_orient(id, o);
        node_of.insert(c.name.as_str(), id);
        pos.push((x, y));
        spans.push(c.span);
    }
    let mut unplaced_pins = 0;
    for p in &pins {
        let id = b.add_node(&p.name, 0.0, 0.0, NodeKind::Port, true, at(p.line))?;
        let (x, y) = match p.at {
            Some(a) => a,
            None => {
                unplaced_pins += 1;
                (dx0, dy0)
            }
        };
        node_of.insert(p.name.as_str(), id);
        pos.push((um(x), um(y)));
        spans.push(DefPlacementSpan::None);
    }
    let io_drives: HashMap<&str, bool> = pins.iter().map(|p| (p.name.as_str(), p.drives)).collect();
    for (net, line, weight, conns) in &nets {
        b.add_net(net, *weight, at(*line))?;
        // The driver first (the congestion model routes from a net's first pin).
        let mut ends = Vec::with_capacity(conns.len());
        for (comp, pin) in conns {
            if comp == "PIN" {
                let Some(&id) = node_of.get(pin.as_str()) else {
                    return Err(Error::parse(
                        &real,
                        *line,
                        format!(
                            "expected an IO pin of PINS in net `{}`, found unknown `{}`",
                            shorten(net),
                            shorten(pin)
                        ),
                    ));
                };
                ends.push((
                    id,
                    0.0,
                    0.0,
                    io_drives.get(pin.as_str()).copied().unwrap_or(false),
                ));
                continue;
            }
            let Some(&id) = node_of.get(comp.as_str()) else {
                return Err(Error::parse(
                    &real,
                    *line,
                    format!(
                        "expected a component of COMPONENTS in net `{}`, found unknown `{}`",
                        shorten(net),
                        shorten(comp)
                    ),
                ));
            };
            let model = &comps[id.idx()].model;
            let m = &lib.macros[model];
            let Some(&(dx, dy)) = m.pins.get(pin.as_str()) else {
                return Err(Error::parse(
                    &real,
                    *line,
                    format!(
                        "expected a pin of macro `{}` for `{}` in net `{}`, found unknown `{}`",
                        shorten(model),
                        shorten(comp),
                        shorten(net),
                        shorten(pin)
                    ),
                ));
            };
            ends.push((id, dx, dy, m.outputs.iter().any(|o| o == pin)));
        }
        if let Some(d) = ends.iter().position(|e| e.3) {
            ends[..=d].rotate_right(1);
        }
        for (k, (id, dx, dy, _)) in ends.into_iter().enumerate() {
            b.add_pin(
                id,
                dx,
                dy,
                if k == 0 {
                    PinDir::Output
                } else {
                    PinDir::Input
                },
            );
        }
    }
    let mut fp = Floorplan::with_canvas(
        um(dx0),
        um(dy0),
        um(dx1 - dx0),
        um(dy1 - dy0),
        CanvasSource::DieArea,
    );
    fp.rows = rows;
    fp.blockages = blockages
        .into_iter()
        .map(
            |(x0, y0, x1, y1, rate): (f64, f64, f64, f64, f64)| Blockage {
                x_min: um(x0),
                y_min: um(y0),
                x_max: um(x1),
                y_max: um(y1),
                rate,
            },
        )
        .collect();
    b.set_floorplan(fp);
    b.set_extra(Extra::Def(DefExtra {
        source: real.clone(),
        dbu,
        spans,
    }));
    let netlist = b.build()?;
    let mut placement = Placement::zeros(netlist.num_nodes());
    for (i, &(x, y)) in pos.iter().enumerate() {
        placement.x[i] = x;
        placement.y[i] = y;
        placement.orient[i] = netlist.node_orient()[i];
    }
    let mut classes: Vec<_> = odd_classes.into_iter().collect();
    classes.sort();
    for (class, n) in classes {
        warnings.push(format!(
            "{}: {n} components of LEF class {class} placed as std cells",
            real.display()
        ));
    }
    if unplaced_pins > 0 {
        warnings.push(format!(
            "{}: {unplaced_pins} IO pins are not placed: put at the die's corner",
            real.display()
        ));
    }
    Ok(Design {
        netlist,
        placement,
        warnings,
    })
}

/// A section's declared count: `n ;`.
fn declared(lx: &mut Lexer<'_>, what: &str) -> Result<u64> {
    let n = lx.count(&format!("the number of {what}"))?;
    lx.expect(";")?;
    Ok(n)
}

/// Refuses a section whose entries do not number what its header declared.
fn as_declared(lx: &Lexer<'_>, line: u32, what: &str, n: u64, found: usize) -> Result<()> {
    if found as u64 == n {
        Ok(())
    } else {
        Err(lx.err(
            line,
            format!("expected {n} {what} as declared, found {found}"),
        ))
    }
}

fn read_points(lx: &mut Lexer<'_>) -> Result<Vec<(f64, f64)>> {
    let mut pts: Vec<(f64, f64)> = Vec::new();
    loop {
        let t = lx.next("`(` or `;`")?;
        match t.text {
            ";" => return Ok(pts),
            "(" => {
                let x = lx.next("x")?;
                let y = lx.next("y")?;
                // `*` repeats the previous point's coordinate (DEF's shorthand).
                let prev = pts.last().copied();
                let val = |tok: super::lex::Tok<'_>, i: usize| -> Result<f64> {
                    if tok.text == "*" {
                        prev.map(|p| if i == 0 { p.0 } else { p.1 }).ok_or_else(|| {
                            lx.err(
                                tok.line,
                                "expected a coordinate, found `*` with no point before it",
                            )
                        })
                    } else {
                        crate::io::parse_f64(lx.path(), tok.line, "a coordinate", tok.text)
                    }
                };
                let p = (val(x, 0)?, val(y, 1)?);
                pts.push(p);
                lx.expect(")")?;
            }
            other => {
                return Err(lx.err(
                    t.line,
                    format!("expected `(` or `;`, found `{}`", shorten(other)),
                ));
            }
        }
    }
}

fn read_row(lx: &mut Lexer<'_>, lib: &Library, scale: f64, line: u32) -> Result<Row> {
    lx.next("a row name")?;
    let site = lx.next("a site name")?;
    let (x, _) = lx.number("the row x")?;
    let (y, _) = lx.number("the row y")?;
    let orient = lx.next("a row orientation")?;
    if Orientation::parse(orient.text).is_none() {
        return Err(lx.err(
            orient.line,
            format!(
                "expected a row orientation (N, S, FN, FS, ...), found `{}`",
                shorten(orient.text)
            ),
        ));
    }
    let Some(&(sw, sh)) = lib.sites.get(site.text) else {
        return Err(lx.err(
            site.line,
            format!(
                "expected a SITE of the LEF files, found unknown `{}`",
                shorten(site.text)
            ),
        ));
    };
    let (mut nx, mut step) = (1u64, sw * scale);
    if lx.peek().is_some_and(|t| t.text == "DO") {
        lx.next_tok();
        nx = lx.count("the number of sites")?;
        lx.expect("BY")?;
        lx.count("the number of rows")?;
        if lx.peek().is_some_and(|t| t.text == "STEP") {
            lx.next_tok();
            step = lx.number("the site step")?.0;
            lx.number("the row step")?;
        }
    }
    lx.skip_statement()?;
    if nx == 0 || nx > u32::MAX as u64 {
        return Err(lx.err(
            line,
            format!("expected 1 to 2^32 sites in the row, found {nx}"),
        ));
    }
    Ok(Row {
        y: y / scale,
        height: sh,
        site_width: sw,
        site_spacing: step / scale,
        site_orient: orient.text.to_string(),
        site_symmetry: String::new(),
        x: x / scale,
        num_sites: nx as u32,
    })
}

/// The next entry of a section: `Some(line)` of its `-`, or `None` at `END <section>`.
fn next_entry(lx: &mut Lexer<'_>, section: &str) -> Result<Option<u32>> {
    let t = lx.next(&format!("`-` or `END {section}`"))?;
    match t.text {
        "-" => Ok(Some(t.line)),
        "END" => {
            lx.expect(section)?;
            Ok(None)
        }
        other => Err(lx.err(
            t.line,
            format!(
                "expected `-` or `END {section}`, found `{}`",
                shorten(other)
            ),
        )),
    }
}

/// `( x y ) O` after `PLACED`/`FIXED`/`COVER`: the point, the orientation, and the byte where
/// the orientation ends.
fn read_location(lx: &mut Lexer<'_>) -> Result<(f64, f64, Orientation, usize)> {
    lx.expect("(")?;
    let (x, _) = lx.number("x")?;
    let (y, _) = lx.number("y")?;
    lx.expect(")")?;
    let o = lx.next("an orientation")?;
    let Some(orient) = Orientation::parse(o.text) else {
        return Err(lx.err(
            o.line,
            format!(
                "expected an orientation (N, S, W, E, FN, FS, FW, FE), found `{}`",
                shorten(o.text)
            ),
        ));
    };
    Ok((x, y, orient, o.end))
}

/// Skips an attribute's values up to the next `+` or `;`.
fn skip_attribute(lx: &mut Lexer<'_>) {
    while lx.peek().is_some_and(|n| n.text != "+" && n.text != ";") {
        lx.next_tok();
    }
}

fn read_components(lx: &mut Lexer<'_>, comps: &mut Vec<Component>) -> Result<()> {
    loop {
        let Some(line) = next_entry(lx, "COMPONENTS")? else {
            return Ok(());
        };
        let name = lx.next("a component name")?.text.to_string();
        let model = lx.next("a macro name")?.text.to_string();
        let mut c = Component {
            name,
            model,
            line,
            at: None,
            fixed: false,
            span: DefPlacementSpan::None,
        };
        loop {
            let k = lx.next("`+` or `;`")?;
            match k.text {
                ";" => {
                    if matches!(c.span, DefPlacementSpan::None) {
                        c.span = DefPlacementSpan::Insert(k.start);
                    }
                    break;
                }
                "+" => {
                    let key = lx.next("a component attribute")?;
                    match key.text {
                        "PLACED" | "FIXED" | "COVER" => {
                            let (x, y, orient, end) = read_location(lx)?;
                            c.fixed = key.text != "PLACED";
                            c.at = Some((x, y, orient));
                            c.span = DefPlacementSpan::Replace(key.start, end);
                        }
                        "UNPLACED" => c.span = DefPlacementSpan::Replace(key.start, key.end),
                        _ => skip_attribute(lx),
                    }
                }
                other => {
                    return Err(lx.err(
                        k.line,
                        format!(
                            "expected `+` or `;` in component `{}`, found `{}`",
                            shorten(&c.name),
                            shorten(other)
                        ),
                    ));
                }
            }
        }
        comps.push(c);
    }
}

fn read_pins(lx: &mut Lexer<'_>, pins: &mut Vec<IoPin>) -> Result<()> {
    loop {
        let Some(line) = next_entry(lx, "PINS")? else {
            return Ok(());
        };
        let name = lx.next("a pin name")?.text.to_string();
        let mut p = IoPin {
            name,
            line,
            at: None,
            drives: false,
        };
        let mut rect_centre = (0.0, 0.0);
        loop {
            let k = lx.next("`+` or `;`")?;
            match k.text {
                ";" => break,
                "+" => {
                    let key = lx.next("a pin attribute")?;
                    match key.text {
                        "DIRECTION" => p.drives = lx.next("a direction")?.text == "INPUT",
                        "LAYER" => {
                            lx.next("a layer")?;
                            while lx.peek().is_some_and(|n| n.text != "(") {
                                lx.next_tok();
                            }
                            let pts = read_two_points(lx)?;
                            rect_centre = (0.5 * (pts.0 + pts.2), 0.5 * (pts.1 + pts.3));
                        }
                        "PLACED" | "FIXED" | "COVER" => {
                            let (x, y, orient, _) = read_location(lx)?;
                            if p.at.is_none() {
                                let (rx, ry) = orient.rotate(rect_centre.0, rect_centre.1);
                                p.at = Some((x + rx, y + ry));
                            }
                        }
                        _ => skip_attribute(lx),
                    }
                }
                other => {
                    return Err(lx.err(
                        k.line,
                        format!(
                            "expected `+` or `;` in pin `{}`, found `{}`",
                            shorten(&p.name),
                            shorten(other)
                        ),
                    ));
                }
            }
        }
        pins.push(p);
    }
}

fn read_two_points(lx: &mut Lexer<'_>) -> Result<(f64, f64, f64, f64)> {
    let mut v = [0.0; 4];
    for k in 0..2 {
        lx.expect("(")?;
        v[2 * k] = lx.number("x")?.0;
        v[2 * k + 1] = lx.number("y")?.0;
        lx.expect(")")?;
    }
    Ok((v[0], v[1], v[2], v[3]))
}

type DefNet = (String, u32, f64, Vec<(String, String)>);

fn read_nets(lx: &mut Lexer<'_>, nets: &mut Vec<DefNet>) -> Result<()> {
    loop {
        let Some(line) = next_entry(lx, "NETS")? else {
            return Ok(());
        };
        let name = lx.next("a net name")?.text.to_string();
        let mut conns = Vec::new();
        let mut weight = 1.0;
        // Connections come first, then `+` attributes (routing among them: skipped).
        loop {
            let k = lx.next("`(`, `+` or `;`")?;
            match k.text {
                "(" => {
                    let comp = lx.next("a component or PIN")?.text.to_string();
                    let pin = lx.next("a pin name")?.text.to_string();
                    while lx.peek().is_some_and(|n| n.text != ")") {
                        lx.next_tok(); // `+ SYNTHESIZED`
                    }
                    lx.expect(")")?;
                    conns.push((comp, pin));
                }
                ";" => break,
                "+" => {
                    let key = lx.next("a net attribute")?;
                    if key.text == "WEIGHT" {
                        let (w, wt) = lx.number("the net weight")?;
                        if !(0.0..=crate::limits::MAX_NET_WEIGHT).contains(&w) {
                            return Err(lx.err(
                                wt.line,
                                format!(
                                    "expected a net weight between 0 and {:e}, found {w}",
                                    crate::limits::MAX_NET_WEIGHT
                                ),
                            ));
                        }
                        weight = w;
                    }
                    // Everything after the first attribute is attributes: skip to `;`,
                    // reading any later WEIGHT.
                    loop {
                        let n = lx.next("`;`")?;
                        if n.text == ";" {
                            break;
                        }
                        if n.text == "WEIGHT" {
                            weight = lx.number("the net weight")?.0;
                        }
                    }
                    break;
                }
                other => {
                    return Err(lx.err(
                        k.line,
                        format!(
                            "expected `(`, `+` or `;` in net `{}`, found `{}`",
                            shorten(&name),
                            shorten(other)
                        ),
                    ));
                }
            }
        }
        nets.push((name, line, weight, conns));
    }
}

fn read_blockages(lx: &mut Lexer<'_>, out: &mut Vec<(f64, f64, f64, f64, f64)>) -> Result<()> {
    loop {
        let Some(_) = next_entry(lx, "BLOCKAGES")? else {
            return Ok(());
        };
        let kind = lx.next("PLACEMENT or LAYER")?;
        let placement = kind.text == "PLACEMENT";
        let mut rate = 1.0;
        loop {
            let k = lx.next("`;`")?;
            match k.text {
                ";" => break,
                "SOFT" => rate = 0.0,
                "PARTIAL" => rate = (lx.number("the partial density")?.0 / 100.0).clamp(0.0, 1.0),
                "RECT" if placement => {
                    let r = read_two_points(lx)?;
                    out.push((r.0.min(r.2), r.1.min(r.3), r.0.max(r.2), r.1.max(r.3), rate));
                }
                _ => {}
            }
        }
    }
}

/// The input placement of every component of `netlist` as written in `text` (lower-left in
/// DBU and orientation; `None` for unplaced ones and IO pins), read back through the spans.
pub(super) fn read_def_positions(
    path: &Path,
    text: &str,
    netlist: &crate::Netlist,
    extra: &DefExtra,
) -> Result<Vec<Option<(i64, i64, Orientation)>>> {
    let mut out = Vec::with_capacity(netlist.num_nodes());
    for span in &extra.spans {
        let DefPlacementSpan::Replace(a, b) = *span else {
            out.push(None);
            continue;
        };
        let Some(seg) = text.get(a..b) else {
            return Err(Error::Invalid(format!(
                "{}: changed since it was read",
                path.display()
            )));
        };
        let w: Vec<&str> = seg
            .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
            .filter(|s| !s.is_empty())
            .collect();
        let parsed = match w.as_slice() {
            [_, x, y, o] => match (x.parse::<f64>(), y.parse::<f64>(), Orientation::parse(o)) {
                (Ok(x), Ok(y), Some(o)) => Some((x.round() as i64, y.round() as i64, o)),
                _ => None,
            },
            _ => None,
        };
        out.push(parsed);
    }
    Ok(out)
}
