//! ISPD/UCLA Bookshelf reader and writer (`.aux .nodes .nets .wts .pl .scl`).
//!
//! Dialects accepted (ISPD 2005, ISPD 2006, ICCAD04/IBM-MS): `NumRows`/`Numrows`,
//! `NumSites`/`Numsites`; `terminal` and `terminal_NI`; `.pl` flags `/FIXED`, `/Fixed`,
//! `/FIXED_NI`; `NetDegree : k [name]`; pin lines `node I|O|B [: dx dy]` (offsets from the node
//! centre, absent = centre); `.wts` naming nets (net weights) or nodes (node weights). Every file
//! may be gzipped, and a file named in the `.aux` may exist only as `NAME.gz`.
//!
//! Kinds: a node taller than `macro_min_height` (default: the first row's height) is a hard
//! macro, fixed if it is a terminal or `/FIXED`; a shorter terminal is a port (pad); the rest
//! are standard cells. Positions: `.pl` holds lower-left corners of the oriented footprint
//! (E/W/FE/FW swap width and height); the model holds centres.

//!
//! Files: `read` ([`read_bookshelf`]: `.aux`, `.nodes`, `.nets`, `.wts`, `.scl`, `.pl`), `pl`
//! ([`read_pl`], [`write_pl`]: placements alone), `write` ([`write_bookshelf`]: a whole design).

mod pl;
mod read;
mod write;

pub use pl::{read_pl, write_pl};
pub use read::read_bookshelf;
pub use write::write_bookshelf;

/// Options of the Bookshelf reader.
#[derive(Debug, Clone, Default)]
pub struct BookshelfOptions {
    /// Nodes strictly taller than this are macros; `None` = the height of the first row.
    pub macro_min_height: Option<f64>,
}
