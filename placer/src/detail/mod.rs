//! Standard cells in rows: the row segments left free by macros and fixed objects, Abacus
//! legalization, a detailed-placement pass, and the row legality check behind `eval`.
//!
//! - **Rows**: the design's (Bookshelf `.scl`) or synthesized for designs without any
//!   ([`rows_of`]).
//! - **Segments**: each row minus every obstacle (hard macros, fixed nodes of positive area,
//!   blockages) that overlaps it vertically, trimmed inward to the site grid.
//! - **Abacus** (Spindler et al., ISPD 2008): cells in order of their global-placement left
//!   edge; each tries the rows near its position, and in each row the segments near its x, by a
//!   trial insertion that collapses clusters exactly as the real insertion would; the cheapest
//!   (|Δx| + |Δy|) wins. Clusters end on the site grid.
//! - **Detailed placement**: swaps of neighbouring cells, shifts of single cells within the
//!   free space around them, each segment's cells moved together to the optimum of their order
//!   ([`clump`]), and global moves of a cell into a free gap near its optimal point
//!   (the medians of its nets' other pins) in the rows around it, or exchanges with a cell there
//!   of any width when each fits the other's space; each accepted only when the
//!   exact HPWL of the nets involved falls; repeated for a few passes. The global moves of a
//!   chunk of cells are proposed in parallel and committed in order after a re-check.
//! - **Tall cells** (double- and triple-height): legalized first, each to the nearest
//!   site-aligned place free in every row it covers ([`tall`]); they then cut the segments of
//!   the single-row cells, which Abacus and detailed placement move.
//! - **Check**: every std cell's bottom on a row, its left edge on a site of that row and inside
//!   it, no overlap with another cell or with an obstacle.
//!
//! One file each: [`rows`] (rows, free segments, obstacles), [`abacus`], [`detailed`] (with
//! [`clump`], the segment optimum), [`check`].
//!
//! Architecture invariant: Abacus and detailed placement only ever produce positions that
//! [`check::check_cells`] accepts; detailed placement accepts a move only when the exact HPWL of
//! the nets involved falls, so it never worsens the legal placement it is given.

pub mod abacus;
pub mod check;
pub mod clump;
pub mod detailed;
pub mod rows;
pub mod tall;

pub use abacus::{RowReport, legalize_cells};
pub use check::{RowViolation, check_cells};
pub use detailed::{DetailReport, detailed_place};
pub use rows::{
    RowError, Segment, cell_segments, obstacles, pull_off_obstacles, rows_of, segments,
};
