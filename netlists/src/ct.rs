//! Circuit Training netlist reader and writer (`netlist.pb.txt`, TensorFlow GraphDef text).
//!
//! Semantics (`proxy-cost.md` §1): each `node { }` block except `__metadata__` is one object;
//! its 0-based position is the `.plc` node index. `PORT`, `MACRO` and `STDCELL` objects become
//! model nodes (a `MACRO` named `Grp*` is a soft macro); a `MACRO_PIN` is a pin on the macro
//! named by its `macro_name`, at `x_offset, y_offset` from the macro centre. Every object with at
//! least one `input` drives one net: driver first, then each listed sink, in order; the net's
//! weight is the driver's `weight` attribute (default 1). Type names are matched without regard
//! to case. A flat netlist's `# FP bbox: {x0 y0 x1 y1}` comment gives the canvas.
//!
//! The lexer works on bytes and tracks lines, so every error names `file:line`.

use std::borrow::Cow;
use std::io::Write;
use std::path::Path;

use rustc_hash::FxHashMap;

use crate::builder::NetlistBuilder;
use crate::error::{Error, Result};
use crate::ids::NodeId;
use crate::io::{read_input, shorten, write_atomic};
use crate::model::{
    AttrValue, CanvasSource, CtExtra, CtObject, CtRole, Design, Extra, Floorplan, Netlist,
    NodeKind, Orientation, PinDir, Placement, SourceFormat, SourceLine,
};
use crate::plc;

#[derive(Debug, Clone, PartialEq)]
enum Tok<'a> {
    Ident(&'a str),
    Colon,
    LBrace,
    RBrace,
    Str(Cow<'a, str>),
    Num(&'a str),
    Eof,
}

impl Tok<'_> {
    fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => format!("`{}`", shorten(s)),
            Tok::Colon => "`:`".into(),
            Tok::LBrace => "`{`".into(),
            Tok::RBrace => "`}`".into(),
            Tok::Str(s) => format!("\"{}\"", shorten(s)),
            Tok::Num(s) => format!("`{}`", shorten(s)),
            Tok::Eof => "the end of the file".into(),
        }
    }
}

/// Byte classes for the lexer's scanning loops.
const IDENT: u8 = 1;
const NUMBER: u8 = 2;
const SPACE: u8 = 4;
static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        if b.is_ascii_alphanumeric() || b == b'_' {
            t[i] |= IDENT;
        }
        if b.is_ascii_alphanumeric() || b == b'-' || b == b'+' || b == b'.' {
            t[i] |= NUMBER;
        }
        if b == b' ' || b == b'\n' || b == b'\t' || b == b'\r' {
            t[i] |= SPACE;
        }
        i += 1;
    }
    t
};

/// End of the run of bytes of class `class` starting at `start`.
#[inline]
fn scan(src: &[u8], start: usize, class: u8) -> usize {
    let mut i = start;
    while i < src.len() && CLASS[src[i] as usize] & class != 0 {
        i += 1;
    }
    i
}

struct Lexer<'a> {
    /// The whole input, validated as UTF-8 once up front.
    text: &'a str,
    src: &'a [u8],
    pos: usize,
    line: u32,
    path: &'a Path,
    comments: Vec<String>,
}

impl<'a> Lexer<'a> {
    fn err(&self, line: u32, msg: impl Into<String>) -> Error {
        Error::parse(self.path, line, msg)
    }

    /// Token text; `s` and `e` always sit next to ASCII delimiters, so on char boundaries.
    fn text(&self, s: usize, e: usize) -> Result<&'a str> {
        self.text
            .get(s..e)
            .ok_or_else(|| self.err(self.line, "expected UTF-8 text, found a split character"))
    }

    /// Next token and the line it starts on.
    #[inline]
    fn next(&mut self) -> Result<(Tok<'a>, u32)> {
        let src = self.src;
        let mut pos = self.pos;
        loop {
            // Whitespace: a tight loop over blanks and newlines first.
            while pos < src.len() && CLASS[src[pos] as usize] & SPACE != 0 {
                self.line += u32::from(src[pos] == b'\n');
                pos += 1;
            }
            let Some(&c) = src.get(pos) else {
                self.pos = pos;
                return Ok((Tok::Eof, self.line));
            };
            match c {
                b'\n' => {
                    self.line += 1;
                    pos += 1;
                }
                b'\t' | b'\r' => pos += 1,
                b'#' => {
                    let end = memchr::memchr(b'\n', &src[pos..]).map_or(src.len(), |i| pos + i);
                    let t = self.text(pos + 1, end)?;
                    self.comments.push(t.trim_end_matches('\r').to_string());
                    pos = end;
                }
                _ => break,
            }
        }
        self.pos = pos;
        let line = self.line;
        let c = src[self.pos];
        let tok = match c {
            b':' => {
                self.pos += 1;
                Tok::Colon
            }
            b'{' => {
                self.pos += 1;
                Tok::LBrace
            }
            b'}' => {
                self.pos += 1;
                Tok::RBrace
            }
            b'"' => {
                let start = self.pos + 1;
                let Some(i) = memchr::memchr3(b'"', b'\\', b'\n', &src[start..]) else {
                    return Err(
                        self.err(line, "expected a closing `\"`, found the end of the file")
                    );
                };
                match src[start + i] {
                    b'"' => {
                        self.pos = start + i + 1;
                        Tok::Str(Cow::Borrowed(self.text(start, start + i)?))
                    }
                    b'\n' => {
                        return Err(
                            self.err(line, "expected a closing `\"`, found the end of the line")
                        );
                    }
                    _ => Tok::Str(Cow::Owned(self.escaped_string(start, line)?)),
                }
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                let start = self.pos;
                self.pos = scan(src, start, IDENT);
                Tok::Ident(self.text(start, self.pos)?)
            }
            b'0'..=b'9' | b'-' | b'+' | b'.' => {
                let start = self.pos;
                self.pos = scan(src, start, NUMBER);
                Tok::Num(self.text(start, self.pos)?)
            }
            _ => {
                let shown = if c.is_ascii_graphic() {
                    format!("`{}`", c as char)
                } else {
                    format!("byte 0x{c:02x}")
                };
                return Err(self.err(
                    line,
                    format!("expected a field name, `{{`, `}}`, `:` or a value, found {shown}"),
                ));
            }
        };
        Ok((tok, line))
    }

    fn escaped_string(&mut self, start: usize, line: u32) -> Result<String> {
        let mut out = Vec::new();
        let mut i = start;
        loop {
            let Some(&c) = self.src.get(i) else {
                return Err(self.err(line, "expected a closing `\"`, found the end of the file"));
            };
            match c {
                b'"' => break,
                b'\n' => {
                    return Err(
                        self.err(line, "expected a closing `\"`, found the end of the line")
                    );
                }
                b'\\' => {
                    let Some(&e) = self.src.get(i + 1) else {
                        return Err(self.err(
                            line,
                            "expected an escaped character, found the end of the file",
                        ));
                    };
                    out.push(match e {
                        b'n' => b'\n',
                        b't' => b'\t',
                        b'r' => b'\r',
                        other => other,
                    });
                    i += 2;
                }
                _ => {
                    out.push(c);
                    i += 1;
                }
            }
        }
        self.pos = i + 1;
        String::from_utf8(out)
            .map_err(|_| self.err(line, "expected UTF-8 text, found invalid bytes"))
    }

    fn expect(&mut self, want: Tok<'static>, ctx: &dyn std::fmt::Display) -> Result<u32> {
        let (t, line) = self.next()?;
        let same = match (&t, &want) {
            (Tok::Colon, Tok::Colon) | (Tok::LBrace, Tok::LBrace) | (Tok::RBrace, Tok::RBrace) => {
                true
            }
            (Tok::Ident(a), Tok::Ident(b)) => a == b,
            _ => false,
        };
        if !same {
            return Err(self.err(
                line,
                format!("expected {} {ctx}, found {}", want.describe(), t.describe()),
            ));
        }
        Ok(line)
    }

    fn string(&mut self, ctx: &dyn std::fmt::Display) -> Result<(Cow<'a, str>, u32)> {
        self.expect(Tok::Colon, ctx)?;
        match self.next()? {
            (Tok::Str(s), l) => Ok((s, l)),
            (t, l) => Err(self.err(
                l,
                format!("expected a quoted string {ctx}, found {}", t.describe()),
            )),
        }
    }

    fn number(&mut self, ctx: &dyn std::fmt::Display) -> Result<(f64, u32)> {
        self.expect(Tok::Colon, ctx)?;
        match self.next()? {
            (Tok::Num(s), l) => match s.parse::<f64>() {
                Ok(v) if v.is_finite() => Ok((v, l)),
                _ => Err(self.err(
                    l,
                    format!("expected a finite number {ctx}, found `{}`", shorten(s)),
                )),
            },
            (Tok::Ident(s), l) => Err(self.err(
                l,
                format!("expected a finite number {ctx}, found `{}`", shorten(s)),
            )),
            (t, l) => Err(self.err(
                l,
                format!("expected a number {ctx}, found {}", t.describe()),
            )),
        }
    }
}

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
        let id = b.add_node(&o.name, w, h, kind, kind == NodeKind::Port, orient, at)?;
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
    if let Some(plc_path) = plc_path {
        let file = plc::parse_plc(plc_path, &objects)?;
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
    Ok(Design { netlist, placement })
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

fn escape(s: &str) -> Cow<'_, str> {
    if s.bytes().any(|b| matches!(b, b'"' | b'\\' | b'\n')) {
        Cow::Owned(
            s.replace('\\', "\\\\")
                .replace('"', "\\\"")
                .replace('\n', "\\n"),
        )
    } else {
        Cow::Borrowed(s)
    }
}

fn write_attr(w: &mut dyn Write, key: &str, v: &AttrValue) -> std::io::Result<()> {
    writeln!(w, "  attr {{\n    key: \"{}\"\n    value {{", escape(key))?;
    match v {
        AttrValue::F(f) => writeln!(w, "      f: {f}")?,
        AttrValue::I(i) => writeln!(w, "      i: {i}")?,
        AttrValue::Placeholder(s) => writeln!(w, "      placeholder: \"{}\"", escape(s))?,
        AttrValue::S(s) => writeln!(w, "      s: \"{}\"", escape(s))?,
    }
    writeln!(w, "    }}\n  }}")
}

/// The CT objects of a netlist: its own (read from CT) or ones derived from the model: every
/// node, then a `MACRO_PIN` for every pin that is on a macro or has a non-zero offset (so pin
/// geometry survives); other pins are their node's object. Returns the objects, each pin's
/// object and each node's object.
fn derive_objects(netlist: &Netlist) -> (Vec<CtObject>, Vec<u32>, Vec<u32>) {
    if let Extra::Ct(ct) = netlist.extra() {
        return (
            ct.objects.clone(),
            ct.pin_object.clone(),
            ct.node_object.clone(),
        );
    }
    let mut objects = Vec::new();
    let mut node_object = Vec::new();
    for n in netlist.nodes() {
        let i = n.idx();
        let kind = netlist.node_kind()[i];
        let type_name = match kind {
            NodeKind::Port => "PORT",
            NodeKind::HardMacro | NodeKind::SoftMacro => "MACRO",
            NodeKind::StdCell => "STDCELL",
        };
        node_object.push(objects.len() as u32);
        objects.push(CtObject {
            name: netlist.node_name()[i].clone(),
            type_name: type_name.into(),
            role: CtRole::Node(n),
            weight: None,
            extra_attrs: Vec::new(),
        });
    }
    let pin_object = (0..netlist.num_pins())
        .map(|p| {
            let node = netlist.pin_node()[p];
            let (dx, dy) = (netlist.pin_dx()[p], netlist.pin_dy()[p]);
            if netlist.node_kind()[node.idx()].is_macro() || dx != 0.0 || dy != 0.0 {
                objects.push(pin_object_for(netlist, p));
                (objects.len() - 1) as u32
            } else {
                node_object[node.idx()]
            }
        })
        .collect();
    (objects, pin_object, node_object)
}

/// A `MACRO_PIN` object standing for model pin `p` alone.
fn pin_object_for(netlist: &Netlist, p: usize) -> CtObject {
    let node = netlist.pin_node()[p];
    CtObject {
        name: format!("{}/P{p}", netlist.node_name()[node.idx()]),
        type_name: "MACRO_PIN".into(),
        role: CtRole::MacroPin {
            node,
            dx: netlist.pin_dx()[p],
            dy: netlist.pin_dy()[p],
        },
        weight: None,
        extra_attrs: Vec::new(),
    }
}

/// Writes `netlist.pb.txt` for a netlist at a placement (atomically).
///
/// A netlist read from CT is written object for object, so `.plc` indices stay valid. Other
/// netlists get the objects of `derive_objects`; each net is driven by its first output pin
/// whose object drives no other net (CT allows one net per driver), and a pin gets an object
/// of its own when there is none. Pins on std cells and ports are then `MACRO_PIN`s of those
/// nodes: a macroplace extension that its reader accepts (Google's tools expect macros).
pub fn write_ct(path: &Path, netlist: &Netlist, placement: &Placement) -> Result<()> {
    let (mut objects, mut pin_object, _) = derive_objects(netlist);
    let is_ct = matches!(netlist.extra(), Extra::Ct(_));
    // Driven net of each object, and the pin chosen as each net's driver. A CT netlist's
    // driver is its first pin; otherwise the first output pin whose object drives nothing yet.
    let mut drives: Vec<Option<u32>> = vec![None; objects.len()];
    let mut net_driver = vec![0usize; netlist.num_nets()];
    for net in netlist.nets() {
        let r = netlist.net_pins(net);
        if r.is_empty() {
            return Err(Error::Invalid(format!(
                "net `{}` has no pins and cannot be written as CT",
                netlist.net_name()[net.idx()]
            )));
        }
        let free = |p: &usize| drives[pin_object[*p] as usize].is_none();
        let chosen = if is_ct {
            Some(r.start)
        } else {
            r.clone()
                .filter(|&p| netlist.pin_dir()[p] == PinDir::Output)
                .find(free)
                .or_else(|| r.clone().find(free))
        };
        // CT allows one net per driving object: when every object of the net already drives
        // one, the driver pin gets an object of its own.
        let driver = chosen.unwrap_or_else(|| {
            let p = r
                .clone()
                .find(|&p| netlist.pin_dir()[p] == PinDir::Output)
                .unwrap_or(r.start);
            pin_object[p] = objects.len() as u32;
            objects.push(pin_object_for(netlist, p));
            drives.push(None);
            p
        });
        let d = pin_object[driver] as usize;
        if drives[d].replace(net.0).is_some() {
            return Err(Error::Invalid(format!(
                "object `{}` drives two nets; CT allows one net per driver",
                objects[d].name
            )));
        }
        net_driver[net.idx()] = driver;
        let w = netlist.net_weight()[net.idx()];
        if w != 1.0 || objects[d].weight.is_some() {
            objects[d].weight = Some(w);
        }
    }
    let comments = match netlist.extra() {
        Extra::Ct(ct) => ct.comments.clone(),
        _ => Vec::new(),
    };
    let metadata = match netlist.extra() {
        Extra::Ct(ct) => ct.metadata.clone(),
        _ => Vec::new(),
    };
    // CT canvases start at the origin.
    let (x0, y0) = (netlist.floorplan().x_min, netlist.floorplan().y_min);
    let (x0, y0) = if is_ct { (0.0, 0.0) } else { (x0, y0) };
    write_atomic(path, |w| {
        for c in &comments {
            writeln!(w, "#{c}")?;
        }
        if !metadata.is_empty() {
            writeln!(w, "node {{\n  name: \"__metadata__\"")?;
            for (k, v) in &metadata {
                write_attr(w, k, v)?;
            }
            writeln!(w, "}}")?;
        }
        for (i, o) in objects.iter().enumerate() {
            writeln!(w, "node {{\n  name: \"{}\"", escape(&o.name))?;
            if let Some(net) = drives[i] {
                let r = netlist.net_pins(crate::ids::NetId(net));
                let driver = net_driver[net as usize];
                for p in r.filter(|&p| p != driver) {
                    writeln!(
                        w,
                        "  input: \"{}\"",
                        escape(&objects[pin_object[p] as usize].name)
                    )?;
                }
            }
            let mut attrs: Vec<(String, AttrValue)> = o.extra_attrs.clone();
            attrs.push(("type".into(), AttrValue::Placeholder(o.type_name.clone())));
            match o.role {
                CtRole::Node(n) => {
                    let k = n.idx();
                    if netlist.node_kind()[k] != NodeKind::Port {
                        attrs.push(("width".into(), AttrValue::F(netlist.node_width()[k])));
                        attrs.push(("height".into(), AttrValue::F(netlist.node_height()[k])));
                    }
                    if netlist.node_kind()[k].is_macro() {
                        attrs.push((
                            "orientation".into(),
                            AttrValue::Placeholder(placement.orient[k].as_str().into()),
                        ));
                    }
                    attrs.push(("x".into(), AttrValue::F(placement.x[k] - x0)));
                    attrs.push(("y".into(), AttrValue::F(placement.y[k] - y0)));
                }
                CtRole::MacroPin { node, dx, dy } => {
                    let k = node.idx();
                    attrs.push((
                        "macro_name".into(),
                        AttrValue::Placeholder(netlist.node_name()[k].clone()),
                    ));
                    attrs.push(("x_offset".into(), AttrValue::F(dx)));
                    attrs.push(("y_offset".into(), AttrValue::F(dy)));
                    let (rx, ry) = placement.orient[k].rotate(dx, dy);
                    attrs.push(("x".into(), AttrValue::F(placement.x[k] + rx - x0)));
                    attrs.push(("y".into(), AttrValue::F(placement.y[k] + ry - y0)));
                }
            }
            if let Some(wt) = o.weight {
                attrs.push(("weight".into(), AttrValue::F(wt)));
            }
            attrs.sort_by(|a, b| a.0.cmp(&b.0));
            for (k, v) in &attrs {
                write_attr(w, k, v)?;
            }
            writeln!(w, "}}")?;
        }
        Ok(())
    })
}

/// The `.plc` node index of every node, for writing placements.
pub fn plc_indices(netlist: &Netlist) -> Vec<u32> {
    derive_objects(netlist).2
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
