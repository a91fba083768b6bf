//! `netlist.pb.txt` → a [`Design`]: the objects in file order, then the model (nodes, pins,
//! nets driven by each object with inputs), the canvas, and the `.plc` when one is given.

use std::borrow::Cow;
use std::path::Path;

use rustc_hash::FxHashMap;

use super::lex::{Lexer, Tok};
use crate::builder::NetlistBuilder;
use crate::error::{Error, Result};
use crate::ids::NodeId;
use crate::io::{read_input, shorten};
use crate::model::{
    AttrValue, CanvasSource, CtExtra, CtObject, CtRole, Design, Extra, Floorplan, NodeKind,
    Orientation, PinDir, Placement, SourceFormat, SourceLine,
};
use crate::plc;

/// Error context naming an attribute, formatted only when an error is reported.
struct AttrCtx<'k>(&'static str, &'k str);

impl std::fmt::Display for AttrCtx<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} attr `{}`", self.0, self.1)
    }
}

/// One parsed `node { }` block.
struct RawObj<'a> {
    name: Cow<'a, str>,
    line: u32,
    inputs: std::ops::Range<usize>,
    type_name: Option<(Cow<'a, str>, u32)>,
    width: Option<f64>,
    height: Option<f64>,
    x: Option<f64>,
    y: Option<f64>,
    x_offset: Option<f64>,
    y_offset: Option<f64>,
    weight: Option<f64>,
    orientation: Option<(Cow<'a, str>, u32)>,
    macro_name: Option<(Cow<'a, str>, u32)>,
    extra: Vec<(String, AttrValue)>,
}

struct RawFile<'a> {
    objects: Vec<RawObj<'a>>,
    inputs: Vec<(Cow<'a, str>, u32)>,
    metadata: Vec<(String, AttrValue)>,
    comments: Vec<String>,
}

fn parse_value<'a>(lx: &mut Lexer<'a>, key: &str) -> Result<AttrValue> {
    let ctx = AttrCtx("in the value of", key);
    lx.expect(Tok::LBrace, &AttrCtx("after `value` of", key))?;
    let mut val: Option<AttrValue> = None;
    loop {
        let (t, line) = lx.next()?;
        let v = match t {
            Tok::RBrace => break,
            Tok::Ident("f") => AttrValue::F(lx.number(&ctx)?.0),
            Tok::Ident("i") => {
                let (v, l) = lx.number(&ctx)?;
                if v.fract() != 0.0 {
                    return Err(lx.err(l, format!("expected an integer {ctx}, found {v}")));
                }
                AttrValue::I(v as i64)
            }
            Tok::Ident("placeholder") => AttrValue::Placeholder(lx.string(&ctx)?.0.into_owned()),
            Tok::Ident("s") => AttrValue::S(lx.string(&ctx)?.0.into_owned()),
            other => {
                return Err(lx.err(
                    line,
                    format!(
                        "expected `f`, `i`, `placeholder`, `s` or `}}` {ctx}, found {}",
                        other.describe()
                    ),
                ));
            }
        };
        if val.is_some() {
            return Err(lx.err(
                line,
                format!("expected one value {ctx}, found a second one"),
            ));
        }
        val = Some(v);
    }
    val.ok_or_else(|| lx.err(lx.line, format!("expected a value {ctx}, found `}}`")))
}

/// Parses a whole file. Large files are cut at top-level `\nnode {` boundaries into one chunk
/// per core, lexed in parallel and concatenated in file order, so the result is that of a
/// sequential parse; when any chunk fails, the file is parsed again sequentially to report
/// exactly the sequential error.
fn parse_file<'a>(path: &'a Path, src: &'a [u8]) -> Result<RawFile<'a>> {
    const MIN_CHUNK: usize = 2 << 20;
    let text = crate::io::as_utf8(path, src)?;
    let cores = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    let want = (text.len() / MIN_CHUNK).clamp(1, cores);
    // Chunk starts: after a newline that begins a line `node {` (inside a block every line is
    // indented, and strings cannot span lines, so such a line is always top level).
    let mut starts = vec![0usize];
    for k in 1..want {
        let from = (text.len() * k / want).max(*starts.last().expect("non-empty"));
        match memchr::memmem::find(&src[from..], b"\nnode {") {
            Some(i) if from + i + 1 > *starts.last().expect("non-empty") => {
                starts.push(from + i + 1)
            }
            _ => break,
        }
    }
    if starts.len() == 1 {
        return parse_chunk(path, text, 1, true);
    }
    let mut bounds: Vec<(usize, usize, u32)> = Vec::with_capacity(starts.len());
    let mut line = 1u32;
    for (i, &s0) in starts.iter().enumerate() {
        let e = starts.get(i + 1).copied().unwrap_or(text.len());
        bounds.push((s0, e, line));
        line += memchr::memchr_iter(b'\n', &src[s0..e]).count() as u32;
    }
    let results: Vec<Result<RawFile<'a>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = bounds
            .iter()
            .enumerate()
            .map(|(i, &(s0, e, l))| scope.spawn(move || parse_chunk(path, &text[s0..e], l, i == 0)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    if results.iter().any(Result::is_err) {
        // Report exactly what a sequential parse reports (a chunk boundary may have cut a
        // malformed block differently).
        return parse_chunk(path, text, 1, true);
    }
    let mut it = results.into_iter().flatten();
    let mut file = it.next().expect("one chunk at least");
    for mut part in it {
        let off = file.inputs.len();
        for o in &mut part.objects {
            o.inputs = o.inputs.start + off..o.inputs.end + off;
        }
        file.objects.append(&mut part.objects);
        file.inputs.append(&mut part.inputs);
        if !part.metadata.is_empty() {
            file.metadata = part.metadata;
        }
    }
    Ok(file)
}

/// Parses `node { }` blocks from `text`, whose first line is line `first_line` of the file.
/// Comments before the first block are kept when `leading` (the file's first chunk).
fn parse_chunk<'a>(
    path: &'a Path,
    text: &'a str,
    first_line: u32,
    leading: bool,
) -> Result<RawFile<'a>> {
    let mut lx = Lexer {
        text,
        src: text.as_bytes(),
        pos: 0,
        line: first_line,
        path,
        comments: Vec::new(),
    };
    let mut file = RawFile {
        objects: Vec::new(),
        inputs: Vec::new(),
        metadata: Vec::new(),
        comments: Vec::new(),
    };
    let mut saw_node = !leading;
    loop {
        let (t, line) = lx.next()?;
        if !saw_node {
            file.comments.append(&mut lx.comments);
        }
        match t {
            Tok::Eof => break,
            Tok::Ident("node") => {}
            other => {
                return Err(lx.err(line, format!("expected `node`, found {}", other.describe())));
            }
        }
        saw_node = true;
        lx.expect(Tok::LBrace, &"after `node`")?;
        let mut obj = RawObj {
            name: Cow::Borrowed(""),
            line,
            inputs: file.inputs.len()..file.inputs.len(),
            type_name: None,
            width: None,
            height: None,
            x: None,
            y: None,
            x_offset: None,
            y_offset: None,
            weight: None,
            orientation: None,
            macro_name: None,
            extra: Vec::new(),
        };
        let mut has_name = false;
        loop {
            let (t, fline) = lx.next()?;
            match t {
                Tok::RBrace => break,
                Tok::Ident("name") => {
                    if has_name {
                        return Err(
                            lx.err(fline, "expected one `name` per node, found a second one")
                        );
                    }
                    let (name, l) = lx.string(&"after `name`")?;
                    obj.name = name;
                    obj.line = l;
                    has_name = true;
                }
                Tok::Ident("input") => {
                    let (s, l) = lx.string(&"after `input`")?;
                    file.inputs.push((s, l));
                }
                Tok::Ident("attr") => {
                    lx.expect(Tok::LBrace, &"after `attr`")?;
                    let kl = lx.expect(Tok::Ident("key"), &"as the first field of `attr`")?;
                    let (key, _) = lx.string(&"after `key`")?;
                    lx.expect(Tok::Ident("value"), &AttrCtx("after the key of", &key))?;
                    let v = parse_value(&mut lx, &key)?;
                    lx.expect(Tok::RBrace, &AttrCtx("to close", &key))?;
                    let num = |v: &AttrValue| -> Result<f64> {
                        match *v {
                            AttrValue::F(f) => Ok(f),
                            AttrValue::I(i) => Ok(i as f64),
                            _ => Err(lx.err(
                                kl,
                                format!(
                                    "expected a number (`f:`) for attr `{key}`, found a string"
                                ),
                            )),
                        }
                    };
                    let text = |v: AttrValue| -> Result<(Cow<'a, str>, u32)> {
                        match v {
                            AttrValue::Placeholder(s) | AttrValue::S(s) => Ok((Cow::Owned(s), kl)),
                            _ => Err(lx.err(kl, format!("expected a string (`placeholder:`) for attr `{key}`, found a number"))),
                        }
                    };
                    match &*key {
                        "type" => obj.type_name = Some(text(v)?),
                        "width" => obj.width = Some(num(&v)?),
                        "height" => obj.height = Some(num(&v)?),
                        "x" => obj.x = Some(num(&v)?),
                        "y" => obj.y = Some(num(&v)?),
                        "x_offset" => obj.x_offset = Some(num(&v)?),
                        "y_offset" => obj.y_offset = Some(num(&v)?),
                        "weight" => obj.weight = Some(num(&v)?),
                        "orientation" => obj.orientation = Some(text(v)?),
                        "macro_name" => obj.macro_name = Some(text(v)?),
                        _ => obj.extra.push((key.into_owned(), v)),
                    }
                }
                other => {
                    return Err(lx.err(
                        fline,
                        format!(
                            "expected `name`, `input`, `attr` or `}}` in a node, found {}",
                            other.describe()
                        ),
                    ));
                }
            }
        }
        if !has_name {
            return Err(lx.err(line, "expected a `name` in this node, found none"));
        }
        obj.inputs.end = file.inputs.len();
        if obj.name == "__metadata__" {
            file.inputs.truncate(obj.inputs.start);
            file.metadata = std::mem::take(&mut obj.extra);
            for (k, v) in [
                ("weight", obj.weight),
                ("width", obj.width),
                ("height", obj.height),
                ("x", obj.x),
                ("y", obj.y),
            ] {
                if let Some(v) = v {
                    file.metadata.push((k.into(), AttrValue::F(v)));
                }
            }
            continue;
        }
        file.objects.push(obj);
    }
    Ok(file)
}

fn parse_fp_bbox(comments: &[String]) -> Option<(f64, f64, f64, f64)> {
    for c in comments {
        let c = c.trim();
        if let Some(rest) = c.strip_prefix("FP bbox:") {
            let inner = rest.trim().trim_start_matches('{').trim_end_matches('}');
            let v: Vec<f64> = inner
                .split_ascii_whitespace()
                .filter_map(|t| t.parse().ok())
                .collect();
            if v.len() == 4 {
                return Some((v[0], v[1], v[2], v[3]));
            }
        }
    }
    None
}

/// Reads a CT netlist, and a `.plc` placement (header and body) when given.
pub fn read_ct(netlist_path: &Path, plc_path: Option<&Path>) -> Result<Design> {
    let input = read_input(netlist_path)?;
    let path = input.path.as_path();
    let raw = parse_file(path, &input.bytes)?;
    if raw.objects.is_empty() {
        return Err(Error::parse(
            path,
            1,
            "expected at least one `node { ... }` block, found none",
        ));
    }
    let design = design_name(netlist_path);
    let mut b = NetlistBuilder::new(design, SourceFormat::CircuitTraining);
    let fi = b.add_file(path);
    let n_obj = raw.objects.len();

    // Pass 1: classify, create nodes.
    #[derive(Clone, Copy, PartialEq)]
    enum Class {
        Node(NodeId),
        Pin,
    }
    let mut class = Vec::with_capacity(n_obj);
    let mut obj_index: FxHashMap<&str, u32> = FxHashMap::default();
    obj_index.reserve(n_obj);
    let mut pos: Vec<(f64, f64)> = Vec::new();
    let mut node_object = Vec::new();
    b.reserve(n_obj, n_obj / 2, raw.inputs.len() + n_obj / 2);
    for (i, o) in raw.objects.iter().enumerate() {
        if let Some(prev) = obj_index.insert(&o.name, i as u32) {
            return Err(Error::parse(
                path,
                o.line,
                format!(
                    "expected a unique node name, found `{}` again (first at line {})",
                    shorten(&o.name),
                    raw.objects[prev as usize].line
                ),
            ));
        }
        let Some((ty, tl)) = &o.type_name else {
            return Err(Error::parse(
                path,
                o.line,
                format!(
                    "expected a `type` attr in node `{}`, found none",
                    shorten(&o.name)
                ),
            ));
        };
        let at = SourceLine {
            file: fi,
            line: o.line,
        };
        let kind = if ty.eq_ignore_ascii_case("macro_pin") {
            class.push(Class::Pin);
            continue;
        } else if ty.eq_ignore_ascii_case("port") {
            NodeKind::Port
        } else if ty.eq_ignore_ascii_case("macro") {
            if o.name.starts_with("Grp") {
                NodeKind::SoftMacro
            } else {
                NodeKind::HardMacro
            }
        } else if ty.eq_ignore_ascii_case("stdcell") {
            NodeKind::StdCell
        } else {
            return Err(Error::parse(
                path,
                *tl,
                format!(
                    "expected type PORT, MACRO, MACRO_PIN or STDCELL, found `{}`",
                    shorten(ty)
                ),
            ));
        };
        let (w, h) = match kind {
            NodeKind::Port => (o.width.unwrap_or(0.0), o.height.unwrap_or(0.0)),
            _ => match (o.width, o.height) {
                (Some(w), Some(h)) => (w, h),
                _ => {
                    return Err(Error::parse(
                        path,
                        o.line,
                        format!(
                            "expected `width` and `height` attrs in {} `{}`, found {}",
                            ty,
                            shorten(&o.name),
                            if o.width.is_none() {
                                "no width"
                            } else {
                                "no height"
                            }
                        ),
                    ));
                }
            },
        };
        let orient = match &o.orientation {
            None => Orientation::N,
            Some((s, l)) => Orientation::parse(s).ok_or_else(|| {
                Error::parse(
                    path,
                    *l,
                    format!(
                        "expected an orientation (N, S, W, E, FN, FS, FW, FE), found `{}`",
                        shorten(s)
                    ),
                )
            })?,
        };
        let id = b.add_node(&o.name, w, h, kind, kind == NodeKind::Port, at)?;
        b.set_orient(id, orient);
        pos.push((o.x.unwrap_or(0.0), o.y.unwrap_or(0.0)));
        node_object.push(i as u32);
        class.push(Class::Node(id));
    }

    // Pass 2: roles (pins need their macro).
    let mut objects = Vec::with_capacity(n_obj);
    for (i, o) in raw.objects.iter().enumerate() {
        let role = match class[i] {
            Class::Node(id) => CtRole::Node(id),
            Class::Pin => {
                let Some((m, ml)) = &o.macro_name else {
                    return Err(Error::parse(
                        path,
                        o.line,
                        format!(
                            "expected a `macro_name` attr in MACRO_PIN `{}`, found none",
                            shorten(&o.name)
                        ),
                    ));
                };
                // Google's files put pins on macros only; macroplace also writes pins on std
                // cells and ports (see `write_ct`), so any node is accepted here.
                let node = match obj_index.get(&**m).map(|&j| class[j as usize]) {
                    Some(Class::Node(id)) => id,
                    Some(_) => {
                        return Err(Error::parse(
                            path,
                            *ml,
                            format!(
                                "expected `macro_name` to name a MACRO, found `{}` which is a pin",
                                shorten(m)
                            ),
                        ));
                    }
                    None => {
                        return Err(Error::parse(
                            path,
                            *ml,
                            format!(
                                "expected `macro_name` to name a MACRO of the netlist, found unknown `{}`",
                                shorten(m)
                            ),
                        ));
                    }
                };
                CtRole::MacroPin {
                    node,
                    dx: o.x_offset.unwrap_or(0.0),
                    dy: o.y_offset.unwrap_or(0.0),
                }
            }
        };
        objects.push(CtObject {
            name: o.name.to_string(),
            type_name: o.type_name.as_ref().expect("checked").0.to_string(),
            role,
            weight: o.weight,
            extra_attrs: o.extra.clone(),
        });
    }

    // Pass 3: nets, in driver order.
    let pin_of = |role: CtRole| -> (NodeId, f64, f64) {
        match role {
            CtRole::Node(id) => (id, 0.0, 0.0),
            CtRole::MacroPin { node, dx, dy } => (node, dx, dy),
        }
    };
    let mut pin_object = Vec::with_capacity(raw.inputs.len() + n_obj / 2);
    for (i, o) in raw.objects.iter().enumerate() {
        if o.inputs.is_empty() {
            continue;
        }
        let weight = o.weight.unwrap_or(1.0);
        if !(weight.is_finite() && weight >= 0.0) {
            return Err(Error::parse(
                path,
                o.line,
                format!("expected a non-negative net weight, found {weight}"),
            ));
        }
        b.add_net(
            &o.name,
            weight,
            SourceLine {
                file: fi,
                line: o.line,
            },
        )?;
        let (n, dx, dy) = pin_of(objects[i].role);
        b.add_pin(n, dx, dy, PinDir::Output);
        pin_object.push(i as u32);
        for (sink, sl) in &raw.inputs[o.inputs.clone()] {
            let Some(&j) = obj_index.get(&**sink) else {
                return Err(Error::parse(
                    path,
                    *sl,
                    format!(
                        "expected `input` to name a node of the netlist, found unknown `{}`",
                        shorten(sink)
                    ),
                ));
            };
            let (n, dx, dy) = pin_of(objects[j as usize].role);
            b.add_pin(n, dx, dy, PinDir::Input);
            pin_object.push(j);
        }
    }

    let mut fp = parse_fp_bbox(&raw.comments).map(|(x0, y0, x1, y1)| {
        Floorplan::with_canvas(x0, y0, x1 - x0, y1 - y0, CanvasSource::FpBbox)
    });
    let mut placement_entries = Vec::new();
    let mut plc_file = None;
    if let Some(plc_path) = plc_path {
        let file = plc::parse_plc(plc_path, &objects)?;
        plc_file = Some((file.path.clone(), file.header.counts.clone()));
        let base = fp
            .take()
            .unwrap_or_else(|| Floorplan::with_canvas(0.0, 0.0, 0.0, 0.0, CanvasSource::Default));
        fp = Some(file.header.apply(base));
        b.add_file(&file.path);
        for e in &file.entries {
            b.set_fixed(e.node, e.fixed);
            if let Some(o) = e.orient {
                b.set_orient(e.node, o);
            }
        }
        placement_entries = file.entries;
    }
    if let Some(mut f) = fp {
        if f.canvas_source == CanvasSource::Default {
            // A .plc without a Width/Height line: derive the default canvas.
            let side = b.default_canvas_side();
            f.width = side;
            f.height = side;
        }
        b.set_floorplan(f);
    }
    b.set_extra(Extra::Ct(CtExtra {
        objects,
        pin_object,
        node_object,
        metadata: raw.metadata,
        comments: raw.comments,
    }));
    let netlist = b.build()?;
    let mut warnings = Vec::new();
    if let Some((path, counts)) = plc_file {
        let header = plc::PlcHeader {
            counts,
            ..Default::default()
        };
        plc::check_counts(
            &path,
            &header,
            |k| netlist.count_kind(k),
            &netlist_path.display().to_string(),
        )?;
        let missing = plc::unlisted_nodes(&placement_entries, netlist.node_kind());
        if missing > 0 {
            warnings.push(format!(
                "{}: lists {} of the {} ports and macros; {missing} keep their netlist positions",
                path.display(),
                netlist.num_nodes() - netlist.count_kind(crate::NodeKind::StdCell) - missing,
                netlist.num_nodes() - netlist.count_kind(crate::NodeKind::StdCell)
            ));
        }
    }
    let mut placement = Placement::zeros(netlist.num_nodes());
    for n in netlist.nodes() {
        placement.x[n.idx()] = pos[n.idx()].0;
        placement.y[n.idx()] = pos[n.idx()].1;
        placement.orient[n.idx()] = netlist.node_orient()[n.idx()];
    }
    for e in placement_entries {
        placement.x[e.node.idx()] = e.x;
        placement.y[e.node.idx()] = e.y;
    }
    Ok(Design {
        netlist,
        placement,
        warnings,
    })
}

/// The design name of a CT netlist path: the directory name for `.../NAME/netlist.pb.txt`.
fn design_name(path: &Path) -> String {
    let file = path.file_name().and_then(|s| s.to_str()).unwrap_or("");
    let stem = file
        .trim_end_matches(".gz")
        .trim_end_matches(".pb.txt")
        .trim_end_matches(".txt");
    if stem == "netlist" || stem.is_empty() {
        path.parent()
            .and_then(|p| p.file_name())
            .and_then(|s| s.to_str())
            .unwrap_or("design")
            .to_string()
    } else {
        stem.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A synthetic CT file of about `mb` megabytes: a chain of macros, each driving the next.
    fn big_file(mb: usize) -> String {
        let mut s = String::from("# big\n");
        let mut i = 0;
        while s.len() < mb << 20 {
            s += &format!(
                "node {{\n  name: \"m{i}\"\n  input: \"m{}\"\n  attr {{\n    key: \"type\"\n    value {{\n      placeholder: \"MACRO\"\n    }}\n  }}\n  attr {{\n    key: \"width\"\n    value {{\n      f: {}\n    }}\n  }}\n  attr {{\n    key: \"height\"\n    value {{\n      f: 2.5\n    }}\n  }}\n}}\n",
                i + 1,
                1 + i % 7
            );
            i += 1;
        }
        s += &format!(
            "node {{\n  name: \"m{i}\"\n  attr {{\n    key: \"type\"\n    value {{\n      placeholder: \"PORT\"\n    }}\n  }}\n}}\n"
        );
        s
    }

    #[test]
    fn parallel_chunks_equal_the_sequential_parse() {
        let text = big_file(9);
        let path = Path::new("big.pb.txt");
        let par = parse_file(path, text.as_bytes()).unwrap();
        let seq = parse_chunk(path, &text, 1, true).unwrap();
        assert_eq!(par.objects.len(), seq.objects.len());
        assert_eq!(par.comments, seq.comments);
        assert_eq!(par.inputs, seq.inputs);
        for (a, b) in par.objects.iter().zip(&seq.objects) {
            assert_eq!(
                (&a.name, a.line, &a.inputs, a.width),
                (&b.name, b.line, &b.inputs, b.width)
            );
        }
    }

    #[test]
    fn parallel_parse_reports_the_sequential_error() {
        let mut text = big_file(9);
        // Break a block in the last third: drop one closing brace.
        let at = text.len() * 3 / 4;
        let cut = at + text[at..].find("\n}\n").unwrap();
        text.replace_range(cut..cut + 2, "");
        let path = Path::new("big.pb.txt");
        let par = parse_file(path, text.as_bytes()).err().unwrap().to_string();
        let seq = parse_chunk(path, &text, 1, true).err().unwrap().to_string();
        assert_eq!(par, seq);
    }
}
