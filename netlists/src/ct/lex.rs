//! The byte lexer over the TensorFlow GraphDef text format: tokens with their line, so every
//! parse error names `file:line`.

use std::borrow::Cow;
use std::path::Path;

use crate::error::{Error, Result};
use crate::io::shorten;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok<'a> {
    Ident(&'a str),
    Colon,
    LBrace,
    RBrace,
    Str(Cow<'a, str>),
    Num(&'a str),
    Eof,
}

impl Tok<'_> {
    pub(super) fn describe(&self) -> String {
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
pub(super) const IDENT: u8 = 1;
pub(super) const NUMBER: u8 = 2;
pub(super) const SPACE: u8 = 4;
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

pub(super) struct Lexer<'a> {
    /// The whole input, validated as UTF-8 once up front.
    pub(super) text: &'a str,
    pub(super) src: &'a [u8],
    pub(super) pos: usize,
    pub(super) line: u32,
    pub(super) path: &'a Path,
    pub(super) comments: Vec<String>,
}

impl<'a> Lexer<'a> {
    pub(super) fn err(&self, line: u32, msg: impl Into<String>) -> Error {
        Error::parse(self.path, line, msg)
    }

    /// Token text; `s` and `e` always sit next to ASCII delimiters, so on char boundaries.
    pub(super) fn text(&self, s: usize, e: usize) -> Result<&'a str> {
        self.text
            .get(s..e)
            .ok_or_else(|| self.err(self.line, "expected UTF-8 text, found a split character"))
    }

    /// Next token and the line it starts on.
    #[inline]
    pub(super) fn next(&mut self) -> Result<(Tok<'a>, u32)> {
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

    pub(super) fn escaped_string(&mut self, start: usize, line: u32) -> Result<String> {
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

    pub(super) fn expect(
        &mut self,
        want: Tok<'static>,
        ctx: &dyn std::fmt::Display,
    ) -> Result<u32> {
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

    pub(super) fn string(&mut self, ctx: &dyn std::fmt::Display) -> Result<(Cow<'a, str>, u32)> {
        self.expect(Tok::Colon, ctx)?;
        match self.next()? {
            (Tok::Str(s), l) => Ok((s, l)),
            (t, l) => Err(self.err(
                l,
                format!("expected a quoted string {ctx}, found {}", t.describe()),
            )),
        }
    }

    pub(super) fn number(&mut self, ctx: &dyn std::fmt::Display) -> Result<(f64, u32)> {
        self.expect(Tok::Colon, ctx)?;
        match self.next()? {
            (Tok::Num(s), l) => match s.parse::<f64>() {
                Ok(v) if v.is_finite() && v.abs() <= crate::limits::MAX_LENGTH => Ok((v, l)),
                _ => Err(self.err(
                    l,
                    format!(
                        "expected a finite number of magnitude at most {:e} {ctx}, found `{}`",
                        crate::limits::MAX_LENGTH,
                        shorten(s)
                    ),
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
