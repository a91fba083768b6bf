//! `.aux` and the files it names → a [`Design`].

use std::path::{Path, PathBuf};

use rustc_hash::FxHashMap;

use crate::builder::NetlistBuilder;
use crate::error::{Error, Result};
use crate::io::{numbered_lines, parse_f64, parse_u64, read_input, shorten};
use crate::model::{
    BookshelfExtra, BookshelfMove, CanvasSource, Design, Extra, Floorplan, NodeKind, Orientation,
    PinDir, Placement, Row, SourceFormat, SourceLine, footprint,
};

use super::BookshelfOptions;
use super::pl::parse_pl_line;

/// The files an `.aux` names.
#[derive(Debug, Default)]
struct AuxFiles {
    nodes: Option<PathBuf>,
    nets: Option<PathBuf>,
    wts: Option<PathBuf>,
    pl: Option<PathBuf>,
    scl: Option<PathBuf>,
}

pub(super) fn read_text(path: &Path) -> Result<(PathBuf, String)> {
    let input = read_input(path)?;
    let text = String::from_utf8(input.bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let valid = e.utf8_error().valid_up_to();
        let line = 1 + bytes[..valid].iter().filter(|&&b| b == b'\n').count();
        Error::parse(
            &input.path,
            line as u32,
            "expected UTF-8 text, found invalid bytes",
        )
    })?;
    Ok((input.path, text))
}

/// Strips a trailing comment and surrounding space.
pub(super) fn content(line: &str) -> &str {
    match line.find('#') {
        Some(i) => line[..i].trim(),
        None => line.trim(),
    }
}

fn parse_aux(path: &Path) -> Result<AuxFiles> {
    let (real, text) = read_text(path)?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut files = AuxFiles::default();
    let mut seen = false;
    for (ln, line) in numbered_lines(&text) {
        let c = content(line);
        if c.is_empty() {
            continue;
        }
        let Some((_, rest)) = c.split_once(':') else {
            return Err(Error::parse(
                &real,
                ln,
                format!(
                    "expected `RowBasedPlacement : FILES...`, found `{}`",
                    shorten(c)
                ),
            ));
        };
        seen = true;
        for f in rest.split_ascii_whitespace() {
            let p = dir.join(f);
            let ext = f.strip_suffix(".gz").unwrap_or(f);
            let slot = match ext.rsplit('.').next().unwrap_or("") {
                "nodes" => &mut files.nodes,
                "nets" => &mut files.nets,
                "wts" => &mut files.wts,
                "pl" => &mut files.pl,
                "scl" => &mut files.scl,
                _ => continue, // .shapes, .route: not modelled
            };
            *slot = Some(p);
        }
    }
    if !seen {
        return Err(Error::parse(
            &real,
            1,
            "expected `RowBasedPlacement : FILES...`, found an empty file",
        ));
    }
    for (what, f) in [
        ("nodes", &files.nodes),
        ("nets", &files.nets),
        ("scl", &files.scl),
    ] {
        if f.is_none() {
            return Err(Error::parse(
                &real,
                1,
                format!("expected a .{what} file in the list, found none"),
            ));
        }
    }
    Ok(files)
}

/// `Key : value` header lines; returns the value when the key matches (case-insensitively).
pub(super) fn header_value<'a>(c: &'a str, key: &str) -> Option<&'a str> {
    let (k, v) = c.split_once(':')?;
    k.trim().eq_ignore_ascii_case(key).then(|| v.trim())
}

pub(super) fn is_format_line(c: &str) -> bool {
    c.starts_with("UCLA")
}

fn parse_scl(path: &Path) -> Result<(PathBuf, Vec<Row>)> {
    let (real, text) = read_text(path)?;
    let mut rows = Vec::new();
    let mut declared: Option<(u32, u64)> = None;
    let mut cur: Option<(u32, Row)> = None;
    for (ln, line) in numbered_lines(&text) {
        let c = content(line);
        if c.is_empty() || is_format_line(c) {
            continue;
        }
        if let Some(v) = header_value(c, "NumRows") {
            declared = Some((ln, parse_u64(&real, ln, "NumRows", v)?));
            continue;
        }
        let first = c.split_ascii_whitespace().next().unwrap_or("");
        if first.eq_ignore_ascii_case("CoreRow") {
            if cur.is_some() {
                return Err(Error::parse(
                    &real,
                    ln,
                    "expected `End` before the next `CoreRow`, found `CoreRow`",
                ));
            }
            cur = Some((
                ln,
                Row {
                    y: f64::NAN,
                    height: f64::NAN,
                    site_width: 1.0,
                    site_spacing: f64::NAN,
                    site_orient: String::new(),
                    site_symmetry: String::new(),
                    x: f64::NAN,
                    num_sites: 0,
                },
            ));
            continue;
        }
        if first.eq_ignore_ascii_case("End") {
            let Some((start, mut row)) = cur.take() else {
                return Err(Error::parse(
                    &real,
                    ln,
                    "expected `CoreRow` before `End`, found `End`",
                ));
            };
            if row.site_spacing.is_nan() {
                row.site_spacing = row.site_width;
            }
            for (name, v) in [
                ("Coordinate", row.y),
                ("Height", row.height),
                ("SubrowOrigin", row.x),
            ] {
                if v.is_nan() {
                    return Err(Error::parse(
                        &real,
                        start,
                        format!("expected `{name}` in this CoreRow, found none"),
                    ));
                }
            }
            if row.height <= 0.0 {
                return Err(Error::parse(
                    &real,
                    start,
                    format!("expected a positive row height, found {}", row.height),
                ));
            }
            rows.push(row);
            continue;
        }
        let Some((_, row)) = cur.as_mut() else {
            return Err(Error::parse(
                &real,
                ln,
                format!(
                    "expected `NumRows`, `CoreRow` or `End`, found `{}`",
                    shorten(c)
                ),
            ));
        };
        // `SubrowOrigin : x NumSites : n` carries two pairs on one line.
        let toks: Vec<&str> = c
            .split(|ch: char| ch == ':' || ch.is_ascii_whitespace())
            .filter(|t| !t.is_empty())
            .collect();
        let mut i = 0;
        while i < toks.len() {
            let key = toks[i];
            let Some(&val) = toks.get(i + 1) else {
                return Err(Error::parse(
                    &real,
                    ln,
                    format!("expected a value after `{key}`, found the end of the line"),
                ));
            };
            match key.to_ascii_lowercase().as_str() {
                "coordinate" => row.y = parse_f64(&real, ln, "Coordinate", val)?,
                "height" => row.height = parse_f64(&real, ln, "Height", val)?,
                "sitewidth" => row.site_width = parse_f64(&real, ln, "Sitewidth", val)?,
                "sitespacing" => row.site_spacing = parse_f64(&real, ln, "Sitespacing", val)?,
                "siteorient" => row.site_orient = val.to_string(),
                "sitesymmetry" => row.site_symmetry = val.to_string(),
                "subroworigin" => row.x = parse_f64(&real, ln, "SubrowOrigin", val)?,
                "numsites" => {
                    let n = parse_u64(&real, ln, "NumSites", val)?;
                    row.num_sites = u32::try_from(n).map_err(|_| {
                        Error::parse(
                            &real,
                            ln,
                            format!("expected NumSites below 2^32, found {n}"),
                        )
                    })?;
                }
                _ => {
                    return Err(Error::parse(
                        &real,
                        ln,
                        format!(
                            "expected a CoreRow field (Coordinate, Height, Sitewidth, Sitespacing, Siteorient, Sitesymmetry, SubrowOrigin, NumSites), found `{}`",
                            shorten(key)
                        ),
                    ));
                }
            }
            i += 2;
        }
    }
    if let Some((start, _)) = cur {
        return Err(Error::parse(
            &real,
            start,
            "expected `End` to close this CoreRow, found the end of the file",
        ));
    }
    if let Some((ln, n)) = declared
        && n != rows.len() as u64
    {
        return Err(Error::parse(
            &real,
            ln,
            format!("expected {n} rows as declared, found {}", rows.len()),
        ));
    }
    if rows.is_empty() {
        return Err(Error::parse(
            &real,
            0,
            "expected at least one CoreRow, found none",
        ));
    }
    Ok((real, rows))
}

/// Reads a Bookshelf design from its `.aux` file.
pub fn read_bookshelf(aux: &Path, opts: &BookshelfOptions) -> Result<Design> {
    let files = parse_aux(aux)?;
    let design = aux
        .file_name()
        .and_then(|s| s.to_str())
        .map(|s| {
            s.trim_end_matches(".gz")
                .trim_end_matches(".aux")
                .to_string()
        })
        .unwrap_or_default();
    let mut b = NetlistBuilder::new(design, SourceFormat::Bookshelf);

    let (scl_path, rows) = parse_scl(files.scl.as_ref().expect("checked"))?;
    b.add_file(&scl_path);
    let threshold = opts.macro_min_height.unwrap_or(rows[0].height);
    let x_min = rows.iter().map(|r| r.x).fold(f64::INFINITY, f64::min);
    let x_max = rows
        .iter()
        .map(Row::x_end)
        .fold(f64::NEG_INFINITY, f64::max);
    let y_min = rows.iter().map(|r| r.y).fold(f64::INFINITY, f64::min);
    let y_max = rows
        .iter()
        .map(|r| r.y + r.height)
        .fold(f64::NEG_INFINITY, f64::max);
    let mut fp = Floorplan::with_canvas(
        x_min,
        y_min,
        x_max - x_min,
        y_max - y_min,
        CanvasSource::Rows,
    );
    fp.rows = rows;
    b.set_floorplan(fp);

    // .nodes
    let (nodes_path, text) = read_text(files.nodes.as_ref().expect("checked"))?;
    let fi = b.add_file(&nodes_path);
    let mut node_move = Vec::new();
    let mut num_nodes: Option<(u32, u64)> = None;
    let mut num_terms: Option<(u32, u64)> = None;
    for (ln, line) in numbered_lines(&text) {
        let c = content(line);
        if c.is_empty() || is_format_line(c) {
            continue;
        }
        if let Some(v) = header_value(c, "NumNodes") {
            let n = parse_u64(&nodes_path, ln, "NumNodes", v)?;
            b.reserve(n.min(1 << 24) as usize, 0, 0);
            num_nodes = Some((ln, n));
            continue;
        }
        if let Some(v) = header_value(c, "NumTerminals") {
            num_terms = Some((ln, parse_u64(&nodes_path, ln, "NumTerminals", v)?));
            continue;
        }
        let mut t = c.split_ascii_whitespace();
        let name = t.next().expect("non-empty");
        let (Some(w), Some(h)) = (t.next(), t.next()) else {
            return Err(Error::parse(
                &nodes_path,
                ln,
                format!(
                    "expected `NAME WIDTH HEIGHT [terminal|terminal_NI]`, found `{}`",
                    shorten(c)
                ),
            ));
        };
        let w = parse_f64(&nodes_path, ln, "the node width", w)?;
        let h = parse_f64(&nodes_path, ln, "the node height", h)?;
        let mv = match t.next() {
            None => BookshelfMove::Movable,
            Some(s) if s.eq_ignore_ascii_case("terminal") => BookshelfMove::Terminal,
            Some(s) if s.eq_ignore_ascii_case("terminal_NI") => BookshelfMove::TerminalNi,
            Some(s) => {
                return Err(Error::parse(
                    &nodes_path,
                    ln,
                    format!(
                        "expected `terminal`, `terminal_NI` or the end of the line, found `{}`",
                        shorten(s)
                    ),
                ));
            }
        };
        if let Some(s) = t.next() {
            return Err(Error::parse(
                &nodes_path,
                ln,
                format!("expected the end of the line, found `{}`", shorten(s)),
            ));
        }
        let terminal = mv != BookshelfMove::Movable;
        let kind = if h > threshold {
            NodeKind::HardMacro
        } else if terminal {
            NodeKind::Port
        } else {
            NodeKind::StdCell
        };
        b.add_node(
            name,
            w,
            h,
            kind,
            terminal,
            SourceLine { file: fi, line: ln },
        )?;
        node_move.push(mv);
    }
    let n = b.num_nodes();
    if n == 0 && num_nodes.is_none() {
        return Err(Error::parse(
            &nodes_path,
            1,
            "expected `NumNodes` and node lines, found an empty file",
        ));
    }
    if let Some((ln, d)) = num_nodes
        && d != n as u64
    {
        return Err(Error::parse(
            &nodes_path,
            ln,
            format!("expected {d} nodes as declared, found {n}"),
        ));
    }
    let terms = node_move
        .iter()
        .filter(|m| **m != BookshelfMove::Movable)
        .count();
    if let Some((ln, d)) = num_terms
        && d != terms as u64
    {
        return Err(Error::parse(
            &nodes_path,
            ln,
            format!("expected {d} terminals as declared, found {terms}"),
        ));
    }

    // .pl (lower-left corners) — kept as corners until the netlist is built.
    let mut ll = vec![(0.0f64, 0.0f64); n];
    let mut orient = vec![Orientation::N; n];
    let mut fixed_ni = vec![false; n];
    if let Some(pl) = &files.pl {
        let (pl_path, text) = read_text(pl)?;
        b.add_file(&pl_path);
        for (ln, line) in numbered_lines(&text) {
            let c = content(line);
            if c.is_empty() || is_format_line(c) {
                continue;
            }
            let rec = parse_pl_line(&pl_path, ln, c)?;
            let Some(id) = b.node_by_name(rec.name) else {
                return Err(Error::parse(
                    &pl_path,
                    ln,
                    format!(
                        "expected a node declared in the .nodes file, found `{}`",
                        shorten(rec.name)
                    ),
                ));
            };
            ll[id.idx()] = (rec.x, rec.y);
            orient[id.idx()] = rec.orient;
            b.set_orient(id, rec.orient);
            if rec.fixed {
                b.set_fixed(id, true);
            }
            fixed_ni[id.idx()] = rec.fixed_ni;
        }
    }

    // .nets
    let (nets_path, text) = read_text(files.nets.as_ref().expect("checked"))?;
    let fi = b.add_file(&nets_path);
    let mut num_nets: Option<(u32, u64)> = None;
    let mut num_pins: Option<(u32, u64)> = None;
    // (line of NetDegree, declared degree, pins seen)
    let mut open: Option<(u32, u64, u64)> = None;
    let mut net_count = 0u64;
    let mut pin_count = 0u64;
    let close = |open: &Option<(u32, u64, u64)>| -> Result<()> {
        if let Some((ln, d, seen)) = *open
            && d != seen
        {
            return Err(Error::parse(
                &nets_path,
                ln,
                format!("expected {d} pins for this net as declared, found {seen}"),
            ));
        }
        Ok(())
    };
    for (ln, line) in numbered_lines(&text) {
        let c = content(line);
        if c.is_empty() || is_format_line(c) {
            continue;
        }
        if let Some(v) = header_value(c, "NumNets") {
            let k = parse_u64(&nets_path, ln, "NumNets", v)?;
            num_nets = Some((ln, k));
            continue;
        }
        if let Some(v) = header_value(c, "NumPins") {
            let k = parse_u64(&nets_path, ln, "NumPins", v)?;
            b.reserve(
                0,
                num_nets.map_or(0, |x| x.1.min(1 << 24) as usize),
                k.min(1 << 26) as usize,
            );
            num_pins = Some((ln, k));
            continue;
        }
        if let Some(v) = header_value(c, "NetDegree") {
            close(&open)?;
            let mut t = v.split_ascii_whitespace();
            let d = parse_u64(&nets_path, ln, "NetDegree", t.next().unwrap_or(""))?;
            let name = match t.next() {
                Some(s) => s.to_string(),
                None => format!("n{net_count}"),
            };
            b.add_net(&name, 1.0, SourceLine { file: fi, line: ln })?;
            open = Some((ln, d, 0));
            net_count += 1;
            continue;
        }
        let Some(o) = open.as_mut() else {
            return Err(Error::parse(
                &nets_path,
                ln,
                format!(
                    "expected `NumNets`, `NumPins` or `NetDegree`, found `{}`",
                    shorten(c)
                ),
            ));
        };
        if o.2 == o.1 {
            return Err(Error::parse(
                &nets_path,
                ln,
                format!(
                    "expected `NetDegree` (the net above has its {} pins), found `{}`",
                    o.1,
                    shorten(c)
                ),
            ));
        }
        let mut t = c.split_ascii_whitespace();
        let node_name = t.next().expect("non-empty");
        let Some(node) = b.node_by_name(node_name) else {
            return Err(Error::parse(
                &nets_path,
                ln,
                format!(
                    "expected a node declared in the .nodes file, found `{}`",
                    shorten(node_name)
                ),
            ));
        };
        let mut dir = PinDir::Bidir;
        let mut next = t.next();
        if let Some(d) = next
            && d != ":"
        {
            dir = match d {
                "I" | "i" => PinDir::Input,
                "O" | "o" => PinDir::Output,
                "B" | "b" => PinDir::Bidir,
                _ => {
                    return Err(Error::parse(
                        &nets_path,
                        ln,
                        format!("expected a pin direction I, O or B, found `{}`", shorten(d)),
                    ));
                }
            };
            next = t.next();
        }
        let (mut dx, mut dy) = (0.0, 0.0);
        if let Some(colon) = next {
            if colon != ":" {
                return Err(Error::parse(
                    &nets_path,
                    ln,
                    format!(
                        "expected `:` before the pin offsets, found `{}`",
                        shorten(colon)
                    ),
                ));
            }
            let (Some(sx), Some(sy)) = (t.next(), t.next()) else {
                return Err(Error::parse(
                    &nets_path,
                    ln,
                    "expected two pin offsets after `:`, found fewer",
                ));
            };
            dx = parse_f64(&nets_path, ln, "the pin x offset", sx)?;
            dy = parse_f64(&nets_path, ln, "the pin y offset", sy)?;
            if let Some(s) = t.next() {
                return Err(Error::parse(
                    &nets_path,
                    ln,
                    format!("expected the end of the pin line, found `{}`", shorten(s)),
                ));
            }
        }
        b.add_pin(node, dx, dy, dir);
        o.2 += 1;
        pin_count += 1;
    }
    close(&open)?;
    if net_count == 0 && num_nets.is_none() {
        return Err(Error::parse(
            &nets_path,
            1,
            "expected `NumNets` and nets, found an empty file",
        ));
    }
    if let Some((ln, d)) = num_nets
        && d != net_count
    {
        return Err(Error::parse(
            &nets_path,
            ln,
            format!("expected {d} nets as declared, found {net_count}"),
        ));
    }
    if let Some((ln, d)) = num_pins
        && d != pin_count
    {
        return Err(Error::parse(
            &nets_path,
            ln,
            format!("expected {d} pins as declared, found {pin_count}"),
        ));
    }

    // .wts: net weights or node weights.
    let mut node_weight = Vec::new();
    let mut has_net_weights = false;
    if let Some(wts) = &files.wts {
        let (wts_path, text) = read_text(wts)?;
        b.add_file(&wts_path);
        let mut net_index: Option<FxHashMap<String, u32>> = None;
        for (ln, line) in numbered_lines(&text) {
            let c = content(line);
            if c.is_empty() || is_format_line(c) {
                continue;
            }
            let mut t = c.split_ascii_whitespace();
            let name = t.next().expect("non-empty");
            let Some(w) = t.next() else {
                return Err(Error::parse(
                    &wts_path,
                    ln,
                    format!("expected `NAME WEIGHT`, found `{}`", shorten(c)),
                ));
            };
            let w = parse_f64(&wts_path, ln, "the weight", w)?;
            if let Some(id) = b.node_by_name(name) {
                if node_weight.is_empty() {
                    node_weight = vec![1.0; n];
                }
                node_weight[id.idx()] = w;
                continue;
            }
            let idx = net_index.get_or_insert_with(|| {
                b.net_names()
                    .iter()
                    .enumerate()
                    .map(|(i, s)| (s.clone(), i as u32))
                    .collect()
            });
            let Some(&net) = idx.get(name) else {
                return Err(Error::parse(
                    &wts_path,
                    ln,
                    format!("expected a node or net name, found `{}`", shorten(name)),
                ));
            };
            if w < 0.0 {
                return Err(Error::parse(
                    &wts_path,
                    ln,
                    format!("expected a non-negative net weight, found {w}"),
                ));
            }
            b.set_net_weight(crate::ids::NetId(net), w);
            has_net_weights = true;
        }
    }
    b.set_extra(Extra::Bookshelf(BookshelfExtra {
        node_move,
        node_weight,
        has_net_weights,
        node_fixed_ni: fixed_ni,
    }));
    let netlist = b.build()?;
    let mut placement = Placement::zeros(n);
    for node in netlist.nodes() {
        let i = node.idx();
        let (w, h) = footprint(&netlist, node, orient[i], true);
        placement.x[i] = ll[i].0 + w / 2.0;
        placement.y[i] = ll[i].1 + h / 2.0;
        placement.orient[i] = orient[i];
    }
    Ok(Design {
        netlist,
        placement,
        warnings: Vec::new(),
    })
}
