//! A tokenizer shared by LEF and DEF: whitespace-separated words, `;`, `(`, `)` and quoted
//! strings as their own tokens, `#` comments to the end of the line. Every token carries its
//! line and byte range, so errors name `file:line` and the DEF writer can splice.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::io::shorten;

/// One token: its text, 1-based line and byte range in the input.
#[derive(Debug, Clone, Copy)]
pub struct Tok<'a> {
    /// The text (quotes kept for strings).
    pub text: &'a str,
    /// 1-based line.
    pub line: u32,
    /// Byte offset of the first character.
    pub start: usize,
    /// Byte offset one past the last character.
    pub end: usize,
}

/// A cursor over the tokens of one file.
pub struct Lexer<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    line: u32,
    path: PathBuf,
    peeked: Option<Tok<'a>>,
}

impl<'a> Lexer<'a> {
    /// A lexer over `text`, read from `path`.
    pub fn new(path: &Path, text: &'a str) -> Lexer<'a> {
        Lexer {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            line: 1,
            path: path.to_path_buf(),
            peeked: None,
        }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// An error at `line`.
    pub fn err(&self, line: u32, msg: impl Into<String>) -> Error {
        Error::parse(&self.path, line, msg)
    }

    /// The line of the next token (or of the end).
    pub fn line(&mut self) -> u32 {
        match self.peek() {
            Some(t) => t.line,
            None => self.line,
        }
    }

    fn scan(&mut self) -> Option<Tok<'a>> {
        let b = self.bytes;
        loop {
            while self.pos < b.len() && b[self.pos].is_ascii_whitespace() {
                if b[self.pos] == b'\n' {
                    self.line += 1;
                }
                self.pos += 1;
            }
            if self.pos < b.len() && b[self.pos] == b'#' {
                while self.pos < b.len() && b[self.pos] != b'\n' {
                    self.pos += 1;
                }
                continue;
            }
            break;
        }
        if self.pos >= b.len() {
            return None;
        }
        let start = self.pos;
        let line = self.line;
        match b[start] {
            b';' | b'(' | b')' => self.pos += 1,
            b'"' => {
                self.pos += 1;
                while self.pos < b.len() && b[self.pos] != b'"' {
                    if b[self.pos] == b'\n' {
                        self.line += 1;
                    }
                    self.pos += 1;
                }
                self.pos = (self.pos + 1).min(b.len());
            }
            _ => {
                while self.pos < b.len()
                    && !b[self.pos].is_ascii_whitespace()
                    && !matches!(b[self.pos], b';' | b'(' | b')')
                {
                    self.pos += 1;
                }
            }
        }
        Some(Tok {
            text: &self.text[start..self.pos],
            line,
            start,
            end: self.pos,
        })
    }

    /// The next token without consuming it.
    pub fn peek(&mut self) -> Option<Tok<'a>> {
        if self.peeked.is_none() {
            self.peeked = self.scan();
        }
        self.peeked
    }

    /// The next token, or `None` at the end.
    pub fn next_tok(&mut self) -> Option<Tok<'a>> {
        match self.peeked.take() {
            Some(t) => Some(t),
            None => self.scan(),
        }
    }

    /// The next token; the end of the file is an error saying what was expected.
    pub fn next(&mut self, expected: &str) -> Result<Tok<'a>> {
        let line = self.line;
        self.next_tok().ok_or_else(|| {
            self.err(
                line,
                format!("expected {expected}, found the end of the file"),
            )
        })
    }

    /// Consumes `word` (case-sensitive), or says what was found.
    pub fn expect(&mut self, word: &str) -> Result<Tok<'a>> {
        let t = self.next(&format!("`{word}`"))?;
        if t.text == word {
            Ok(t)
        } else {
            Err(self.err(
                t.line,
                format!("expected `{word}`, found `{}`", shorten(t.text)),
            ))
        }
    }

    /// After an `END`, consumes the name of the block it closes, or says which `END` was found.
    pub fn expect_end_of(&mut self, name: &str) -> Result<()> {
        let n = self.next(&format!("`{name}`"))?;
        if n.text == name {
            Ok(())
        } else {
            Err(self.err(
                n.line,
                format!("expected `END {name}`, found `END {}`", shorten(n.text)),
            ))
        }
    }

    /// A finite number within [`crate::limits::MAX_LENGTH`].
    pub fn number(&mut self, what: &str) -> Result<(f64, Tok<'a>)> {
        let t = self.next(what)?;
        crate::io::parse_f64(&self.path, t.line, what, t.text).map(|v| (v, t))
    }

    /// A non-negative integer.
    pub fn count(&mut self, what: &str) -> Result<u64> {
        let t = self.next(what)?;
        crate::io::parse_u64(&self.path, t.line, what, t.text)
    }

    /// Skips tokens up to and including the next `;`.
    pub fn skip_statement(&mut self) -> Result<()> {
        loop {
            if self.next("`;`")?.text == ";" {
                return Ok(());
            }
        }
    }

    /// Skips a block up to and including `END <name>` (or a bare `END` when `name` is empty).
    pub fn skip_block(&mut self, name: &str, opened_at: u32) -> Result<()> {
        loop {
            let Some(t) = self.next_tok() else {
                return Err(self.err(
                    opened_at,
                    format!(
                        "expected `END {name}` for the block opened here, found the end of the file"
                    ),
                ));
            };
            if t.text == "END" {
                if name.is_empty() {
                    return Ok(());
                }
                if self.peek().is_some_and(|n| n.text == name) {
                    self.next_tok();
                    return Ok(());
                }
            }
        }
    }
}
