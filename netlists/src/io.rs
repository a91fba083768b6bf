//! File access shared by the readers and writers.
//!
//! - [`read_input`] reads a whole file into memory, gunzipping it when it starts with the gzip
//!   magic bytes, and falls back to `NAME.gz` when `NAME` does not exist.
//! - [`write_atomic`] writes through a temporary file in the target directory and renames it into
//!   place, so a failed write never leaves a partial output file.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The contents of an input file and the path actually read.
#[derive(Debug)]
pub struct Input {
    /// The path read (`NAME` or `NAME.gz`).
    pub path: PathBuf,
    /// The (decompressed) bytes.
    pub bytes: Vec<u8>,
}

/// Resolves `path`, or `path.gz` when `path` does not exist.
pub fn resolve(path: &Path) -> Option<PathBuf> {
    if path.exists() {
        return Some(path.to_path_buf());
    }
    let mut gz = path.as_os_str().to_owned();
    gz.push(".gz");
    let gz = PathBuf::from(gz);
    gz.exists().then_some(gz)
}

/// Reads a whole input file, transparently decompressing gzip; see the module docs.
pub fn read_input(path: &Path) -> Result<Input> {
    let real = resolve(path).ok_or_else(|| {
        Error::io(
            path,
            std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no such file (nor a .gz of it)",
            ),
        )
    })?;
    let mut raw = Vec::new();
    File::open(&real)
        .and_then(|mut f| f.read_to_end(&mut raw))
        .map_err(|e| Error::io(&real, e))?;
    let bytes = if raw.starts_with(&[0x1f, 0x8b]) {
        // The gzip trailer's ISIZE is the uncompressed size mod 2^32 (of the last member):
        // reserve it exactly when plausible, so decompression neither reallocates nor copies.
        let isize = raw.len().checked_sub(4).map_or(0, |i| {
            u32::from_le_bytes([raw[i], raw[i + 1], raw[i + 2], raw[i + 3]]) as usize
        });
        let cap = if isize > 0 && isize / 1100 <= raw.len() {
            isize + 1
        } else {
            raw.len() * 6
        };
        let mut out = Vec::with_capacity(cap);
        flate2::read::MultiGzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .map_err(|e| Error::parse(&real, 0, format!("expected valid gzip data: {e}")))?;
        out
    } else {
        raw
    };
    Ok(Input { path: real, bytes })
}

/// Interprets input bytes as UTF-8, naming the first bad line on failure.
pub fn as_utf8<'a>(path: &Path, bytes: &'a [u8]) -> Result<&'a str> {
    std::str::from_utf8(bytes).map_err(|e| {
        let line = 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        Error::parse(
            path,
            line as u32,
            "expected UTF-8 text, found invalid bytes",
        )
    })
}

/// Writes `path` atomically: the content goes to a temporary file beside it, which is renamed
/// over `path` only after `write` succeeded and the data was flushed.
pub fn write_atomic(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".macroplace-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| Error::io(dir, e))?;
    {
        let mut w = std::io::BufWriter::with_capacity(1 << 16, tmp.as_file_mut());
        write(&mut w).map_err(|e| Error::io(path, e))?;
        w.flush().map_err(|e| Error::io(path, e))?;
    }
    // Temporary files are created private (0600); outputs are ordinary files.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o644))
            .map_err(|e| Error::io(tmp.path(), e))?;
    }
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}

/// Lines of a text with 1-based numbers, `\r` stripped.
pub fn numbered_lines(text: &str) -> impl Iterator<Item = (u32, &str)> {
    text.split('\n').enumerate().map(|(i, l)| {
        let l = l.strip_suffix('\r').unwrap_or(l);
        (i as u32 + 1, l)
    })
}

/// Parses a finite `f64` of magnitude at most [`crate::limits::MAX_LENGTH`] (every number in
/// the formats we read is a length, an offset, a weight or a rate), or says what was found.
pub fn parse_f64(path: &Path, line: u32, what: &str, tok: &str) -> Result<f64> {
    match tok.parse::<f64>() {
        Ok(v) if v.is_finite() && v.abs() <= crate::limits::MAX_LENGTH => Ok(v),
        _ => Err(Error::parse(
            path,
            line,
            format!(
                "expected a finite number of magnitude at most {:e} for {what}, found `{}`",
                crate::limits::MAX_LENGTH,
                shorten(tok)
            ),
        )),
    }
}

/// Parses a `u64`, or says what was found.
pub fn parse_u64(path: &Path, line: u32, what: &str, tok: &str) -> Result<u64> {
    tok.parse::<u64>().map_err(|_| {
        Error::parse(
            path,
            line,
            format!(
                "expected a non-negative integer for {what}, found `{}`",
                shorten(tok)
            ),
        )
    })
}

/// Truncates a token for an error message.
pub fn shorten(s: &str) -> String {
    const MAX: usize = 60;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        let head: String = s.chars().take(MAX).collect();
        format!("{head}...")
    }
}
