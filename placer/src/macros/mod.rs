//! Macro placement on the proxy cost. Files in the order a placement passes through them:
//!
//! - [`masks`]: the position mask (where a macro's centre may go without overlap) and the
//!   separable wire mask (HPWL increase per candidate cell) on a grid.
//! - [`legalize`]: any positions → a legal macro placement (nearest legal position, largest
//!   first; corner packing as the last resort).
//! - [`snap`]: legal macros onto row and site boundaries, slivers between them closed (designs
//!   with rows, before the std cells are placed around them).
//! - [`greedy`]: wire-mask greedy decoding (connected-area order).
//! - [`force`]: soft macros (std-cell clusters) by capacity spreading and force-directed steps.
//! - [`evolve`]: WireMask-EA-style (μ+λ) search over decoding order and targets.
//! - [`anneal`]: simulated annealing on the incremental cost, parallel chains.
//! - [`flow`]: the `place` methods built from the above, with stage timings and a trajectory.
//!
//! Architecture invariant: every placer here returns a placement that
//! [`crate::cost::legality::check`] accepts, or an error; none returns an illegal placement.

pub mod anneal;
pub mod evolve;
pub mod flow;
pub mod force;
pub mod greedy;
pub mod legalize;
pub mod masks;
pub mod snap;
