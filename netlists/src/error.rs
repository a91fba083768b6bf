//! Errors of the readers, writers and the netlist builder.
//!
//! Every parse error names the file, the 1-based line and what was expected versus what was found,
//! and prints as one line `path:line: message` (the CLI shows exactly that line).

use std::fmt;
use std::path::PathBuf;

/// Where in a source file something came from or went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file.
    pub path: PathBuf,
    /// 1-based line number; 0 when the error concerns the file as a whole.
    pub line: u32,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.path.display())
        } else {
            write!(f, "{}:{}", self.path.display(), self.line)
        }
    }
}

/// Everything that can go wrong while reading, validating or writing a netlist.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Malformed content at a known place in a file.
    #[error("{location}: {message}")]
    Parse {
        /// File and line.
        location: Location,
        /// What was expected and what was found.
        message: String,
    },
    /// A file could not be opened, read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating-system error.
        #[source]
        source: std::io::Error,
    },
    /// The model violates an invariant that no single source line is to blame for.
    #[error("invalid netlist: {0}")]
    Invalid(String),
}

impl Error {
    /// A parse error at `path:line`.
    pub fn parse(path: impl Into<PathBuf>, line: u32, message: impl Into<String>) -> Self {
        Error::Parse {
            location: Location {
                path: path.into(),
                line,
            },
            message: message.into(),
        }
    }

    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// The location of a parse error, if this is one.
    pub fn location(&self) -> Option<&Location> {
        match self {
            Error::Parse { location, .. } => Some(location),
            _ => None,
        }
    }
}

/// Result alias of this crate.
pub type Result<T> = std::result::Result<T, Error>;
