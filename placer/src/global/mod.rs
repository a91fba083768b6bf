//! Analytic global placement of every node (ePlace style):
//!
//! - [`wirelength`]: the weighted-average smooth wirelength and its exact gradient.
//! - [`density`]: the electrostatic density — bin grid, charges, the spectral Poisson solve.
//! - [`analytic`]: the Nesterov placer that minimises wirelength + λ·density.
//!
//! Architecture invariant: results are bit-identical for any thread count (nets and bins are
//! processed in fixed groups whose sums are combined in order).

pub mod analytic;
pub mod density;
pub mod wirelength;

/// Per-node coordinates as two parallel slices (centres, fields, ...).
#[derive(Debug, Clone, Copy)]
pub struct Xy<'a> {
    /// x values.
    pub x: &'a [f64],
    /// y values.
    pub y: &'a [f64],
}

/// Per-node outputs as two parallel mutable slices (gradients).
#[derive(Debug)]
pub struct XyMut<'a> {
    /// x values.
    pub x: &'a mut [f64],
    /// y values.
    pub y: &'a mut [f64],
}
