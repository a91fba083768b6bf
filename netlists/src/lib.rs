//! # netlists
//!
//! One validated in-memory model for the netlist formats chip engineers and researchers have:
//! ISPD/ICCAD **Bookshelf** (`.aux .nodes .nets .wts .pl .scl`) and Google **Circuit Training**
//! (`netlist.pb.txt` + `.plc`), plain or gzipped.
//!
//! - [`Netlist`] (in [`model`]): immutable, built and validated by [`NetlistBuilder`]; typed
//!   `u32` ids ([`NodeId`], [`NetId`], [`PinId`]), struct-of-arrays nodes, CSR net→pin and
//!   node→pin arrays, names and source lines in cold side tables.
//! - [`Placement`]: separate and mutable; **centres** for every format (Bookshelf corners are
//!   converted at the boundary).
//! - Readers/writers: [`bookshelf`] and [`ct`] (folders: read, write, and CT's lexer), [`plc`];
//!   [`read_design`] picks by file name. [`objects`] is the CT object list of any netlist
//!   (what a `.plc` index means), shared by the CT and `.plc` writers; [`io`] does gzip and
//!   atomic writes.
//! - [`geom`]: rectangles, the canvas, the box a node occupies at its orientation.
//! - [`graph`]: a petgraph view over macros and ports for learned features.
//! - [`limits`]: the ranges every number read or given must lie in (checked at the boundary).
//! - [`stats`]: the numbers `macroplace info` prints; [`generate`]: synthetic designs.
//!
//! Errors ([`Error`]) name `file:line` and what was expected versus found; nothing panics on bad
//! input, and writers replace their output atomically.

pub mod bookshelf;
pub mod builder;
pub mod ct;
pub mod error;
pub mod generate;
pub mod geom;
pub mod graph;
pub mod ids;
pub mod io;
pub mod lefdef;
pub mod limits;
pub mod model;
pub mod objects;
pub mod plc;
pub mod stats;

#[cfg(test)]
mod tests;

use std::path::Path;

pub use builder::NetlistBuilder;
pub use error::{Error, Location, Result};
pub use ids::{NetId, NodeId, PinId};
pub use model::{
    CanvasSource, Design, Extra, Floorplan, Netlist, NodeKind, Orientation, PinDir, Placement,
    SourceFormat,
};

/// How to read a design.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// A `.plc` to read with a CT netlist (header parameters and placement).
    pub plc: Option<std::path::PathBuf>,
    /// A `.pl` placement to apply after reading (Bookshelf).
    pub pl: Option<std::path::PathBuf>,
    /// Bookshelf options.
    pub bookshelf: bookshelf::BookshelfOptions,
    /// LEF files with the cells of a DEF design.
    pub lef: Vec<std::path::PathBuf>,
}

/// The formats [`read_design`] recognises from a file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// `*.aux[.gz]`.
    Bookshelf,
    /// `*.def[.gz]`.
    Def,
    /// `*.lef[.gz]`: cells, not a design.
    Lef,
    /// `*.pb.txt[.gz]` or any other name.
    CircuitTraining,
}

/// Guesses the format from the file name: `.aux` is Bookshelf, anything else CT.
pub fn input_kind(path: &Path) -> InputKind {
    let name = path.to_string_lossy();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    let lower = name.to_ascii_lowercase();
    if name.ends_with(".aux") {
        InputKind::Bookshelf
    } else if lower.ends_with(".def") {
        InputKind::Def
    } else if lower.ends_with(".lef") {
        InputKind::Lef
    } else {
        InputKind::CircuitTraining
    }
}

/// Reads a design: a Bookshelf `.aux` or a CT `netlist.pb.txt`, with an optional `.plc`/`.pl`.
pub fn read_design(path: &Path, opts: &ReadOptions) -> Result<Design> {
    match input_kind(path) {
        InputKind::Bookshelf => {
            if let Some(plc) = &opts.plc {
                return Err(Error::Invalid(format!(
                    "{}: a .plc placement needs a Circuit Training netlist, not Bookshelf",
                    plc.display()
                )));
            }
            if !opts.lef.is_empty() {
                return Err(Error::Invalid(format!(
                    "{}: --lef goes with a DEF netlist, not Bookshelf",
                    path.display()
                )));
            }
            let mut d = bookshelf::read_bookshelf(path, &opts.bookshelf)?;
            if let Some(pl) = &opts.pl {
                d.placement = bookshelf::read_pl(pl, &d.netlist, &d.placement)?;
            }
            Ok(d)
        }
        InputKind::Lef => Err(Error::Invalid(format!(
            "{}: a LEF file holds cells, not a design: give the DEF as the netlist and this \
             file with --lef",
            path.display()
        ))),
        InputKind::Def => {
            if let Some(plc) = &opts.plc {
                return Err(Error::Invalid(format!(
                    "{}: a .plc placement needs a Circuit Training netlist, not DEF",
                    plc.display()
                )));
            }
            let mut d = lefdef::read_lefdef(path, &opts.lef)?;
            if let Some(pl) = &opts.pl {
                d.placement = bookshelf::read_pl(pl, &d.netlist, &d.placement)?;
            }
            Ok(d)
        }
        InputKind::CircuitTraining => {
            if !opts.lef.is_empty() {
                return Err(Error::Invalid(format!(
                    "{}: --lef goes with a DEF netlist, not this one",
                    path.display()
                )));
            }
            let mut d = ct::read_ct(path, opts.plc.as_deref())?;
            if let Some(pl) = &opts.pl {
                d.placement = bookshelf::read_pl(pl, &d.netlist, &d.placement)?;
            }
            Ok(d)
        }
    }
}
