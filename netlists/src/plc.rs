//! Circuit Training placement files (`.plc`): header parameters and body lines.
//!
//! Header lines (`proxy-cost.md` §2): `# Columns : C  Rows : R`, `# Width : W  Height : H`,
//! `# Routes per micron, hor : h  ver : v`, `# Routes used by macros, hor : h  ver : v`,
//! `# Smoothing factor : k`, `# Overlap threshold : t`, `# Blockage : x0 y0 x1 y1 rate`; other
//! `# Key : value` lines before `# Counts of node types` are kept verbatim as metadata (Google's
//! cost lines among them). Body lines: `node_index x y orientation fixed`, x and y the centre,
//! orientation `-` for ports.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::ids::NodeId;
use crate::io::{numbered_lines, parse_f64, parse_u64, read_input, shorten, write_atomic};
use crate::model::{
    Blockage, CanvasSource, CtObject, CtRole, Floorplan, Netlist, NodeKind, Orientation, Placement,
    Routing,
};

/// Parameters read from a `.plc` header.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlcHeader {
    /// `Columns`, `Rows`.
    pub grid: Option<(u32, u32)>,
    /// `Width`, `Height`.
    pub canvas: Option<(f64, f64)>,
    /// Routing parameters.
    pub routing: Option<Routing>,
    /// `Smoothing factor`.
    pub smoothing: Option<f64>,
    /// `Overlap threshold`.
    pub overlap_threshold: Option<f64>,
    /// `Blockage` lines.
    pub blockages: Vec<Blockage>,
    /// Other `Key : value` lines, in order.
    pub metadata: Vec<(String, String)>,
    /// `# Counts of node types` lines (`HARD_MACROs`, `SOFT_MACROs`, `PORTs`, `STDCELLs`) with
    /// their line numbers: checked against the netlist by [`check_counts`].
    pub counts: Vec<(String, u64, u32)>,
    /// Ports and macros of the netlist the file does not list (set by [`read_plc`]; they keep
    /// the base placement's positions).
    pub unlisted: usize,
}

impl PlcHeader {
    /// Overlays the header's parameters on a floorplan.
    pub fn apply(self, mut fp: Floorplan) -> Floorplan {
        if let Some((w, h)) = self.canvas {
            fp.x_min = 0.0;
            fp.y_min = 0.0;
            fp.width = w;
            fp.height = h;
            fp.canvas_source = CanvasSource::Plc;
        }
        fp.grid = self.grid.or(fp.grid);
        fp.routing = self.routing.or(fp.routing);
        fp.smoothing = self.smoothing.or(fp.smoothing);
        fp.overlap_threshold = self.overlap_threshold.or(fp.overlap_threshold);
        fp.blockages = self.blockages;
        fp.plc_metadata = self.metadata;
        fp
    }
}

/// One body line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlcEntry {
    /// The node.
    pub node: NodeId,
    /// Centre x.
    pub x: f64,
    /// Centre y.
    pub y: f64,
    /// Orientation (`None` for `-`).
    pub orient: Option<Orientation>,
    /// Fixed flag.
    pub fixed: bool,
}

/// A parsed `.plc` file.
#[derive(Debug, Clone)]
pub struct PlcFile {
    /// The path read.
    pub path: PathBuf,
    /// Header parameters.
    pub header: PlcHeader,
    /// Body lines, in file order.
    pub entries: Vec<PlcEntry>,
}

/// The header lines that hold what a run measured (costs, area, date): stale once positions
/// change, so a writer given its own measurements drops them.
pub const MEASURED_KEYS: &[&str] = &[
    "Date",
    "Area (stdcell+macros)",
    "Wirelength",
    "Wirelength cost",
    "Congestion cost",
    "Density cost",
    "Fake net cost",
    "90% Congestion metric",
    "Proxy cost",
];

/// Node-type counts of a `.plc` header that must equal the netlist's.
const COUNTED_TYPES: &[(&str, NodeKind)] = &[
    ("HARD_MACROs", NodeKind::HardMacro),
    ("SOFT_MACROs", NodeKind::SoftMacro),
    ("PORTs", NodeKind::Port),
    ("STDCELLs", NodeKind::StdCell),
];

/// Refuses a `.plc` whose `# Counts of node types` disagree with the netlist it is read with
/// (a placement written for another version of the design, such as its clustered one).
pub fn check_counts(
    path: &Path,
    header: &PlcHeader,
    count_of: impl Fn(NodeKind) -> usize,
    netlist_name: &str,
) -> Result<()> {
    for (key, n, ln) in &header.counts {
        if let Some(&(_, kind)) = COUNTED_TYPES.iter().find(|(k, _)| k == key) {
            let have = count_of(kind) as u64;
            if have != *n {
                return Err(Error::parse(
                    path,
                    *ln,
                    format!(
                        "expected the netlist's node counts, found {key} {n} where {netlist_name} \
                         has {have}: this .plc belongs to another netlist"
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Splits `# A : a  B : b` into numbers after the two keys.
fn two_values(path: &Path, ln: u32, rest: &str, k2: &str, what: &str) -> Result<(f64, f64)> {
    // rest = " a  K2 : b"
    let Some((a, b)) = rest.split_once(k2) else {
        return Err(Error::parse(
            path,
            ln,
            format!("expected `{what}`, found `{}`", shorten(rest.trim())),
        ));
    };
    let b = b.trim_start().strip_prefix(':').unwrap_or(b).trim();
    let a = a.trim();
    Ok((parse_f64(path, ln, what, a)?, parse_f64(path, ln, what, b)?))
}

/// The model node of a `.plc` node index, or what is wrong with the index.
fn node_of_index(objects: &[CtObject], idx: usize) -> std::result::Result<NodeId, String> {
    match objects.get(idx) {
        None => Err(format!(
            "expected a node index below {}, found {idx}",
            objects.len()
        )),
        Some(CtObject {
            role: CtRole::Node(id),
            ..
        }) => Ok(*id),
        Some(o) => Err(format!(
            "expected the index of a port or macro, found {idx} which is {} `{}`",
            o.type_name,
            shorten(&o.name)
        )),
    }
}

/// Parses a `.plc` file whose node indices refer to `objects` (a CT netlist's blocks).
pub fn parse_plc(path: &Path, objects: &[CtObject]) -> Result<PlcFile> {
    let input = read_input(path)?;
    let real = input.path;
    let text = crate::io::as_utf8(&real, &input.bytes)?;
    let mut header = PlcHeader::default();
    let mut entries = Vec::new();
    let mut in_counts = false;
    let (mut rpm, mut alloc) = (None, None);
    let mut routing_line = 0;
    // Line of each node's entry, to refuse a node listed twice.
    let mut listed_at: std::collections::HashMap<NodeId, u32> = Default::default();
    let mut any_line = false;
    for (ln, line) in numbered_lines(text) {
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        any_line = true;
        if let Some(c) = t.strip_prefix('#') {
            let c = c.trim();
            let Some((key, rest)) = c.split_once(':') else {
                continue;
            };
            let key = key.trim();
            if key == "Counts of node types" {
                in_counts = true;
                continue;
            }
            if in_counts {
                let key = key.to_string();
                if COUNTED_TYPES.iter().any(|(k, _)| *k == key) {
                    let n = parse_u64(&real, ln, &format!("the count of {key}"), rest.trim())?;
                    header.counts.push((key, n, ln));
                }
                continue;
            }
            if key.is_empty() {
                continue;
            }
            match key {
                "Columns" => {
                    let (c, r) = two_values(&real, ln, rest, "Rows", "Columns : C  Rows : R")?;
                    if c < 1.0 || r < 1.0 || c.fract() != 0.0 || r.fract() != 0.0 {
                        return Err(Error::parse(
                            &real,
                            ln,
                            format!("expected positive integer grid sizes, found {c} x {r}"),
                        ));
                    }
                    crate::limits::check_grid(c as u64, r as u64)
                        .map_err(|m| Error::parse(&real, ln, m))?;
                    header.grid = Some((c as u32, r as u32));
                }
                "Width" => {
                    let (w, h) = two_values(&real, ln, rest, "Height", "Width : W  Height : H")?;
                    crate::limits::check_canvas(w, h).map_err(|m| Error::parse(&real, ln, m))?;
                    header.canvas = Some((w, h));
                }
                "Routes per micron, hor" => {
                    let (h, v) = two_values(
                        &real,
                        ln,
                        rest,
                        "ver",
                        "Routes per micron, hor : h  ver : v",
                    )?;
                    crate::limits::check_routes(h, v).map_err(|m| Error::parse(&real, ln, m))?;
                    rpm = Some((h, v));
                    routing_line = ln;
                }
                "Routes used by macros, hor" => {
                    let (h, v) = two_values(
                        &real,
                        ln,
                        rest,
                        "ver",
                        "Routes used by macros, hor : h  ver : v",
                    )?;
                    crate::limits::check_macro_routes(h, v)
                        .map_err(|m| Error::parse(&real, ln, m))?;
                    alloc = Some((h, v));
                    routing_line = ln;
                }
                "Smoothing factor" => {
                    let k = parse_f64(&real, ln, "the smoothing factor", rest.trim())?;
                    crate::limits::check_smoothing(k).map_err(|m| Error::parse(&real, ln, m))?;
                    header.smoothing = Some(k)
                }
                "Overlap threshold" => {
                    let t = parse_f64(&real, ln, "the overlap threshold", rest.trim())?;
                    if t < 0.0 {
                        return Err(Error::parse(
                            &real,
                            ln,
                            format!("expected a non-negative overlap threshold, found {t}"),
                        ));
                    }
                    header.overlap_threshold = Some(t)
                }
                "Blockage" => {
                    let v: Vec<&str> = rest.split_ascii_whitespace().collect();
                    if v.len() != 5 {
                        return Err(Error::parse(
                            &real,
                            ln,
                            format!(
                                "expected `Blockage : x0 y0 x1 y1 rate`, found {} values",
                                v.len()
                            ),
                        ));
                    }
                    let mut f = [0.0; 5];
                    for (o, s) in f.iter_mut().zip(&v) {
                        *o = parse_f64(&real, ln, "a blockage value", s)?;
                    }
                    if !(f[0] <= f[2] && f[1] <= f[3] && (0.0..=1.0).contains(&f[4])) {
                        return Err(Error::parse(
                            &real,
                            ln,
                            format!(
                                "expected `Blockage : x0 y0 x1 y1 rate` with x0 ≤ x1, y0 ≤ y1 and \
                                 rate in [0, 1], found {} {} {} {} {}",
                                f[0], f[1], f[2], f[3], f[4]
                            ),
                        ));
                    }
                    header.blockages.push(Blockage {
                        x_min: f[0],
                        y_min: f[1],
                        x_max: f[2],
                        y_max: f[3],
                        rate: f[4],
                    });
                }
                _ => {
                    if !rest.trim().is_empty() && !key.starts_with("viewer_binary") {
                        header
                            .metadata
                            .push((key.to_string(), rest.trim().to_string()));
                    }
                }
            }
            continue;
        }
        let f: Vec<&str> = t.split_ascii_whitespace().collect();
        if f.len() != 5 {
            return Err(Error::parse(
                &real,
                ln,
                format!(
                    "expected `node_index x y orientation fixed`, found {} fields",
                    f.len()
                ),
            ));
        }
        let idx = parse_u64(&real, ln, "the node index", f[0])?;
        let node = node_of_index(objects, usize::try_from(idx).unwrap_or(usize::MAX))
            .map_err(|m| Error::parse(&real, ln, m))?;
        if let Some(first) = listed_at.insert(node, ln) {
            return Err(Error::parse(
                &real,
                ln,
                format!(
                    "expected each node once, found node index {idx} again (first at line {first})"
                ),
            ));
        }
        let x = parse_f64(&real, ln, "x", f[1])?;
        let y = parse_f64(&real, ln, "y", f[2])?;
        let orient = if f[3] == "-" {
            None
        } else {
            Some(Orientation::parse(f[3]).ok_or_else(|| {
                Error::parse(
                    &real,
                    ln,
                    format!(
                        "expected an orientation (N, S, W, E, FN, FS, FW, FE) or `-`, found `{}`",
                        shorten(f[3])
                    ),
                )
            })?)
        };
        let fixed = match f[4] {
            "0" => false,
            "1" => true,
            other => {
                return Err(Error::parse(
                    &real,
                    ln,
                    format!("expected the fixed flag 0 or 1, found `{}`", shorten(other)),
                ));
            }
        };
        entries.push(PlcEntry {
            node,
            x,
            y,
            orient,
            fixed,
        });
    }
    if !any_line {
        return Err(Error::parse(
            &real,
            1,
            "expected a .plc header or node lines, found an empty file",
        ));
    }
    match (rpm, alloc) {
        (Some((h, v)), Some((mh, mv))) => {
            header.routing = Some(Routing {
                h_routes_per_um: h,
                v_routes_per_um: v,
                h_macro_alloc: mh,
                v_macro_alloc: mv,
            })
        }
        (None, None) => {}
        _ => {
            return Err(Error::parse(
                &real,
                routing_line,
                "expected both `Routes per micron` and `Routes used by macros` header lines, found only this one",
            ));
        }
    }
    Ok(PlcFile {
        path: real,
        header,
        entries,
    })
}

/// How many ports and macros (the nodes a `.plc` places) `entries` leave out: they keep their
/// netlist positions, which the reader says.
pub fn unlisted_nodes(entries: &[PlcEntry], kind: &[NodeKind]) -> usize {
    let mut listed = vec![false; kind.len()];
    for e in entries {
        listed[e.node.idx()] = true;
    }
    (0..kind.len())
        .filter(|&i| !listed[i] && (kind[i] == NodeKind::Port || kind[i].is_macro()))
        .count()
}

/// Reads a `.plc` as a placement of a CT netlist; nodes it doesn't list keep `base`'s values.
pub fn read_plc(
    path: &Path,
    netlist: &Netlist,
    base: &Placement,
) -> Result<(Placement, PlcHeader)> {
    let crate::model::Extra::Ct(ct) = netlist.extra() else {
        return Err(Error::Invalid(
            "a .plc file needs a Circuit Training netlist (its node indices)".into(),
        ));
    };
    let mut file = parse_plc(path, &ct.objects)?;
    check_counts(
        &file.path,
        &file.header,
        |k| netlist.count_kind(k),
        netlist.design(),
    )?;
    file.header.unlisted = unlisted_nodes(&file.entries, netlist.node_kind());
    let mut p = base.clone();
    for e in &file.entries {
        p.x[e.node.idx()] = e.x;
        p.y[e.node.idx()] = e.y;
        if let Some(o) = e.orient {
            p.orient[e.node.idx()] = o;
        }
    }
    Ok((p, file.header))
}

/// Writes a `.plc` file atomically: the standard header lines from the floorplan, the kept
/// metadata, `extra_header` (e.g. our own costs) and one body line per node: ports, macros
/// and std cells (a full placement's `.plc` holds every cell, so `eval` of it reproduces the
/// placement).
pub fn write_plc(
    path: &Path,
    netlist: &Netlist,
    placement: &Placement,
    extra_header: &[(String, String)],
) -> Result<()> {
    write_plc_with(path, netlist, netlist.floorplan(), placement, extra_header)
}

/// [`write_plc`] with the header parameters (grid, canvas size, routing, smoothing, overlap
/// threshold, blockages, metadata) of `fp` instead of the netlist's own: what a run scored
/// with, so that reading the file back scores the same.
pub fn write_plc_with(
    path: &Path,
    netlist: &Netlist,
    fp: &crate::model::Floorplan,
    placement: &Placement,
    extra_header: &[(String, String)],
) -> Result<()> {
    if let Some(i) = (0..netlist.num_nodes())
        .find(|&i| !(placement.x[i].is_finite() && placement.y[i].is_finite()))
    {
        return Err(Error::Invalid(format!(
            "{}: refusing to write a non-finite position ({}, {}) for node `{}`",
            path.display(),
            placement.x[i],
            placement.y[i],
            netlist.node_name()[i]
        )));
    }
    let indices = crate::objects::plc_indices(netlist);
    let is_ct = matches!(netlist.extra(), crate::model::Extra::Ct(_));
    let (x0, y0) = if is_ct {
        (0.0, 0.0)
    } else {
        (fp.x_min, fp.y_min)
    };
    write_atomic(path, |w| {
        writeln!(w, "# Placement file for Circuit Training")?;
        writeln!(w, "# Written by macroplace for design {}", netlist.design())?;
        if let Some((c, r)) = fp.grid {
            writeln!(w, "# Columns : {c}  Rows : {r}")?;
        }
        writeln!(w, "# Width : {}  Height : {}", fp.width, fp.height)?;
        if let Some(r) = fp.routing {
            writeln!(
                w,
                "# Routes per micron, hor : {}  ver : {}",
                r.h_routes_per_um, r.v_routes_per_um
            )?;
            writeln!(
                w,
                "# Routes used by macros, hor : {}  ver : {}",
                r.h_macro_alloc, r.v_macro_alloc
            )?;
        }
        if let Some(s) = fp.smoothing {
            writeln!(w, "# Smoothing factor : {s}")?;
        }
        if let Some(t) = fp.overlap_threshold {
            writeln!(w, "# Overlap threshold : {t}")?;
        }
        for b in &fp.blockages {
            writeln!(
                w,
                "# Blockage : {} {} {} {} {}",
                b.x_min, b.y_min, b.x_max, b.y_max, b.rate
            )?;
        }
        // Our own measurements replace the input's stale ones.
        let stale = |k: &str| !extra_header.is_empty() && MEASURED_KEYS.contains(&k);
        for (k, v) in fp.plc_metadata.iter().filter(|(k, _)| !stale(k)) {
            writeln!(w, "# {k} : {v}")?;
        }
        for (k, v) in extra_header {
            writeln!(w, "# {k} : {v}")?;
        }
        writeln!(w, "#")?;
        writeln!(w, "# Counts of node types:")?;
        for (key, kind) in COUNTED_TYPES {
            writeln!(w, "# {key} : {}", netlist.count_kind(*kind))?;
        }
        writeln!(w, "#")?;
        writeln!(w, "# node_index x y orientation fixed")?;
        for n in netlist.nodes() {
            let i = n.idx();
            let kind = netlist.node_kind()[i];
            let o = if kind == NodeKind::Port {
                "-"
            } else {
                placement.orient[i].as_str()
            };
            writeln!(
                w,
                "{} {} {} {} {}",
                indices[i],
                placement.x[i] - x0,
                placement.y[i] - y0,
                o,
                u8::from(netlist.node_fixed()[i])
            )?;
        }
        Ok(())
    })
}
