//! # placer
//!
//! The cost model and every placer built on it. Depends on `netlists` only, never on libtorch.
//! One folder per subsystem, each `mod.rs` a guide to its files:
//!
//! - [`cost`]: the exact Circuit Training proxy cost (full evaluation, the incremental
//!   [`cost::incremental::CostState`], the partial-placement [`cost::partial::PartialCost`]),
//!   HPWL in its flavours ([`mod@cost::hpwl`]) and macro legality ([`cost::legality`]).
//! - [`macros`]: macro placement on the proxy — position and wire masks, the legalizer, wire-mask
//!   greedy, force-directed soft macros, evolutionary search, simulated annealing, and
//!   [`macros::flow`], which strings them into the `place` methods.
//! - [`mod@env`]: the sequential placement environment the learned policy trains in (plain `f32`
//!   buffers; `policies` turns them into tensors).
//! - [`global`]: analytic global placement of every node — smooth wirelength, electrostatic
//!   density, the Nesterov placer.
//! - [`detail`]: std cells in rows — rows and free segments, Abacus legalization, detailed
//!   placement, the row legality check.
//! - [`cluster`]: flat netlists → clustered designs (METIS k-way on the cell graph, break-up by
//!   the input placement, the clustered netlist with one soft macro per cluster).
//! - [`full`]: the full-placement flow (macros, then cells: global → Abacus → detailed).
//! - [`report`]: the typed report every flow produces and the CLI writes.
//! - [`stats`]: ranks, Spearman's rank correlation, mean and standard deviation.
//! - [`ranks`]: the processes of a job (MPI ranks when the binary installs them) and the few
//!   collectives annealing and training use; one process without it.
//!
//! Geometry (rectangles, canvases, orientation-aware boxes) is [`netlists::geom`], shared with
//! the readers and the pictures.

pub mod cluster;
pub mod cost;
pub mod detail;
pub mod env;
pub mod full;
pub mod global;
pub mod macros;
pub mod ranks;
pub mod report;
pub mod stats;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_full;
