//! LEF: the cells a DEF instantiates. Read: `UNITS DATABASE MICRONS`, `SITE` sizes, and each
//! `MACRO`'s `CLASS`, `ORIGIN`, `SIZE` and the bounding-box centre of each `PIN`'s port shapes
//! (`RECT`, `POLYGON`). Layers, vias, `OBS`, properties and the rest are skipped.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::lex::Lexer;
use crate::error::Result;

/// A bounding box `(x0, y0, x1, y1)`.
type BBox = (f64, f64, f64, f64);

/// One LEF macro (a cell or a block), sizes in microns.
#[derive(Debug, Clone)]
pub struct LefMacro {
    /// `CLASS` (its first word: `CORE`, `BLOCK`, `PAD`, `RING`, `COVER`, `ENDCAP`, ...).
    pub class: String,
    /// `CLASS BLOCK SOFT`: a block without layout of its own (a cluster of cells).
    pub soft: bool,
    /// `SIZE w BY h`.
    pub width: f64,
    /// See `width`.
    pub height: f64,
    /// Each pin's offset from the macro's centre (N orientation): the centre of the bounding
    /// box of its port shapes; 0 for a pin without shapes.
    pub pins: HashMap<String, (f64, f64)>,
    /// Pins declared `DIRECTION OUTPUT` (or `INOUT`): the drivers of their nets.
    pub outputs: Vec<String>,
    /// Where it was declared.
    pub file: PathBuf,
    /// Its line.
    pub line: u32,
}

/// The macros and sites of one or more LEF files.
#[derive(Debug, Clone, Default)]
pub struct Library {
    /// `MACRO`s by name (a later file's definition replaces an earlier one).
    pub macros: HashMap<String, LefMacro>,
    /// `SITE` sizes (width, height) in microns.
    pub sites: HashMap<String, (f64, f64)>,
    /// `UNITS DATABASE MICRONS`, when given.
    pub dbu: Option<f64>,
    /// The files read, in order.
    pub files: Vec<PathBuf>,
}

/// Top-level LEF blocks that end with `END <name>` (their name follows the keyword).
const NAMED_BLOCKS: &[&str] = &["LAYER", "VIA", "VIARULE", "NONDEFAULTRULE", "ARRAY"];
/// Top-level LEF blocks that end with `END <keyword>`.
const KEYWORD_BLOCKS: &[&str] = &[
    "PROPERTYDEFINITIONS",
    "SPACING",
    "IRDROP",
    "NOISETABLE",
    "CORRECTIONTABLE",
    "MAXVIASTACK",
];

impl Library {
    /// Reads a LEF file into the library.
    pub fn read(&mut self, path: &Path) -> Result<()> {
        let input = crate::io::read_input(path)?;
        let text = crate::io::as_utf8(&input.path, &input.bytes)?;
        self.files.push(input.path.clone());
        let mut lx = Lexer::new(&input.path, text);
        while let Some(t) = lx.next_tok() {
            match t.text {
                "MACRO" => {
                    let name = lx.next("a macro name")?.text.to_string();
                    let m = read_macro(&mut lx, &name, t.line)?;
                    self.macros.insert(name, m);
                }
                "SITE" => {
                    let name = lx.next("a site name")?.text.to_string();
                    let mut size = None;
                    loop {
                        let k = lx.next(&format!("`END {name}`"))?;
                        match k.text {
                            "SIZE" => {
                                let (w, _) = lx.number("the site width")?;
                                lx.expect("BY")?;
                                let (h, _) = lx.number("the site height")?;
                                lx.expect(";")?;
                                size = Some((w, h));
                            }
                            "END" => {
                                lx.expect(&name)?;
                                break;
                            }
                            _ => lx.skip_statement()?,
                        }
                    }
                    let Some(size) = size else {
                        return Err(lx.err(
                            t.line,
                            format!("expected a SIZE in SITE {name}, found none"),
                        ));
                    };
                    self.sites.insert(name, size);
                }
                "UNITS" => loop {
                    let k = lx.next("`END UNITS`")?;
                    match k.text {
                        "DATABASE" => {
                            lx.expect("MICRONS")?;
                            let (v, n) = lx.number("the database units per micron")?;
                            if v < 1.0 {
                                return Err(lx.err(
                                    n.line,
                                    format!(
                                        "expected positive database units per micron, found {v}"
                                    ),
                                ));
                            }
                            lx.expect(";")?;
                            self.dbu = Some(v);
                        }
                        "END" => {
                            lx.expect("UNITS")?;
                            break;
                        }
                        _ => lx.skip_statement()?,
                    }
                },
                "END" => {
                    // `END LIBRARY`: the rest is ignored.
                    if lx.peek().is_some_and(|n| n.text == "LIBRARY") {
                        break;
                    }
                    return Err(lx.err(t.line, "expected a statement, found a stray `END`"));
                }
                "BEGINEXT" => loop {
                    if lx.next("`ENDEXT`")?.text == "ENDEXT" {
                        break;
                    }
                },
                k if NAMED_BLOCKS.contains(&k) => {
                    let name = lx.next("a name")?.text.to_string();
                    lx.skip_block(&name, t.line)?;
                }
                k if KEYWORD_BLOCKS.contains(&k) => lx.skip_block(k, t.line)?,
                _ => lx.skip_statement()?,
            }
        }
        Ok(())
    }
}

fn read_macro(lx: &mut Lexer<'_>, name: &str, line: u32) -> Result<LefMacro> {
    let mut class = None;
    let mut soft = false;
    let mut size = None;
    let mut origin = (0.0, 0.0);
    let mut shapes: Vec<(String, Option<BBox>)> = Vec::new();
    let mut outputs = Vec::new();
    loop {
        let t = lx.next(&format!("`END {name}`"))?;
        match t.text {
            "CLASS" => {
                let c = lx.next("a macro class")?.text.to_string();
                soft = c == "BLOCK" && lx.peek().is_some_and(|t| t.text == "SOFT");
                class = Some(c);
                lx.skip_statement()?;
            }
            "SIZE" => {
                let (w, wt) = lx.number("the macro width")?;
                lx.expect("BY")?;
                let (h, _) = lx.number("the macro height")?;
                lx.expect(";")?;
                if w <= 0.0 || h <= 0.0 {
                    return Err(lx.err(
                        wt.line,
                        format!("expected a positive SIZE, found {w} BY {h}"),
                    ));
                }
                size = Some((w, h));
            }
            "ORIGIN" => {
                let (x, _) = lx.number("the origin x")?;
                let (y, _) = lx.number("the origin y")?;
                lx.expect(";")?;
                origin = (x, y);
            }
            "PIN" => {
                let pin = lx.next("a pin name")?.text.to_string();
                let (bbox, output) = read_pin(lx, &pin, t.line)?;
                if output {
                    outputs.push(pin.clone());
                }
                shapes.push((pin, bbox));
            }
            "OBS" | "DENSITY" => lx.skip_block("", t.line)?,
            "END" => {
                lx.expect_end_of(name)?;
                break;
            }
            _ => lx.skip_statement()?,
        }
    }
    let Some((width, height)) = size else {
        return Err(lx.err(line, format!("expected a SIZE in MACRO {name}, found none")));
    };
    let pins = shapes
        .into_iter()
        .map(|(pin, bbox)| {
            let off = bbox.map_or((0.0, 0.0), |(x0, y0, x1, y1)| {
                (
                    0.5 * (x0 + x1) + origin.0 - 0.5 * width,
                    0.5 * (y0 + y1) + origin.1 - 0.5 * height,
                )
            });
            (pin, off)
        })
        .collect();
    Ok(LefMacro {
        class: class.unwrap_or_else(|| "CORE".into()),
        soft,
        width,
        height,
        pins,
        outputs,
        file: lx.path().to_path_buf(),
        line,
    })
}

/// A pin's shapes' bounding box and whether it drives (`OUTPUT`/`INOUT`).
fn read_pin(lx: &mut Lexer<'_>, pin: &str, line: u32) -> Result<(Option<BBox>, bool)> {
    let mut bbox: Option<BBox> = None;
    let mut output = false;
    loop {
        let t = lx.next(&format!("`END {pin}` (pin opened at line {line})"))?;
        match t.text {
            "DIRECTION" => {
                let d = lx.next("a direction")?;
                output = matches!(d.text, "OUTPUT" | "INOUT");
                lx.skip_statement()?;
            }
            "PORT" => loop {
                let k = lx.next("`END` of the PORT")?;
                match k.text {
                    "END" => break,
                    "RECT" | "POLYGON" => {
                        let mut vals = Vec::new();
                        loop {
                            let v = lx.next("`;`")?;
                            if v.text == ";" {
                                break;
                            }
                            if v.text == "MASK" {
                                lx.next("a mask number")?;
                                continue;
                            }
                            vals.push(crate::io::parse_f64(
                                lx.path(),
                                v.line,
                                "a shape coordinate",
                                v.text,
                            )?);
                        }
                        if vals.len() < 4 || vals.len() % 2 != 0 {
                            return Err(lx.err(
                                k.line,
                                format!("expected {} with an even number (≥ 4) of coordinates, found {}", k.text, vals.len()),
                            ));
                        }
                        for p in vals.chunks(2) {
                            let (x, y) = (p[0], p[1]);
                            bbox = Some(match bbox {
                                None => (x, y, x, y),
                                Some((a, b, c, d)) => (a.min(x), b.min(y), c.max(x), d.max(y)),
                            });
                        }
                    }
                    _ => lx.skip_statement()?,
                }
            },
            "END" => {
                lx.expect_end_of(pin)?;
                return Ok((bbox, output));
            }
            _ => lx.skip_statement()?,
        }
    }
}
