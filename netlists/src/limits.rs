//! The ranges every number read from a file (or given on the command line) must lie in, so
//! that no later product, sum or allocation overflows: checked at the boundary, documented
//! here once, used by the readers, the cost parameters and the CLI.
//!
//! The caps are far above any real design (the largest benchmark here is about 1e4 µm across
//! and 1e7 database units in Bookshelf), and low enough that squares of lengths summed over
//! ten million objects stay finite in `f64`.

/// Largest magnitude of any length, coordinate or offset read from a file (design units).
pub const MAX_LENGTH: f64 = 1e12;

/// Smallest canvas side (design units): below it a grid cell's area underflows the cost.
pub const MIN_CANVAS_SIDE: f64 = 1e-6;

/// Largest net weight.
pub const MAX_NET_WEIGHT: f64 = 1e6;

/// Largest number of grid columns (or rows).
pub const MAX_GRID_SIDE: u32 = 4096;

/// Largest number of grid cells (columns × rows): the cost model keeps about a dozen `f64`
/// arrays per cell, so this caps them at about 100 MB.
pub const MAX_GRID_CELLS: u64 = 1 << 20;

/// Smallest and largest routing tracks per unit length (`Routes per micron`).
pub const ROUTES_RANGE: (f64, f64) = (1e-6, 1e6);

/// Largest congestion smoothing range (grid cells).
pub const MAX_SMOOTHING: u32 = 1024;

/// Largest number of nodes of each kind a synthetic design may ask for (`generate`).
pub const MAX_GENERATED_NODES: usize = 1_000_000;

/// `Err(what is wrong)` unless `cols × rows` is a grid the cost model accepts.
pub fn check_grid(cols: u64, rows: u64) -> Result<(), String> {
    if cols == 0 || rows == 0 {
        return Err(format!(
            "expected a grid of at least 1 x 1, found {cols} x {rows}"
        ));
    }
    if cols > MAX_GRID_SIDE as u64
        || rows > MAX_GRID_SIDE as u64
        || cols.saturating_mul(rows) > MAX_GRID_CELLS
    {
        return Err(format!(
            "expected a grid of at most {MAX_GRID_SIDE} columns and rows and {MAX_GRID_CELLS} \
             cells, found {cols} x {rows}"
        ));
    }
    Ok(())
}

/// `Err(what is wrong)` unless `v` is a finite length of magnitude at most [`MAX_LENGTH`].
pub fn check_length(v: f64) -> Result<(), String> {
    if v.is_finite() && v.abs() <= MAX_LENGTH {
        Ok(())
    } else {
        Err(format!(
            "expected a finite number of magnitude at most {MAX_LENGTH:e}, found {v}"
        ))
    }
}

/// `Err(what is wrong)` unless `w × h` is a canvas the cost model accepts.
pub fn check_canvas(w: f64, h: f64) -> Result<(), String> {
    let ok = |v: f64| v.is_finite() && (MIN_CANVAS_SIDE..=MAX_LENGTH).contains(&v);
    if ok(w) && ok(h) {
        Ok(())
    } else {
        Err(format!(
            "expected a canvas between {MIN_CANVAS_SIDE:e} and {MAX_LENGTH:e} each way, found \
             {w} x {h}"
        ))
    }
}

/// `Err(what is wrong)` unless `h, v` are routing tracks per unit length in [`ROUTES_RANGE`].
pub fn check_routes(h: f64, v: f64) -> Result<(), String> {
    let (lo, hi) = ROUTES_RANGE;
    let ok = |x: f64| x.is_finite() && (lo..=hi).contains(&x);
    if ok(h) && ok(v) {
        Ok(())
    } else {
        Err(format!(
            "expected routes per unit length between {lo:e} and {hi:e}, found {h}, {v}"
        ))
    }
}

/// `Err(what is wrong)` unless `h, v` are tracks used by macros: finite, `0 ≤ x ≤` the
/// largest routes per unit length.
pub fn check_macro_routes(h: f64, v: f64) -> Result<(), String> {
    let hi = ROUTES_RANGE.1;
    let ok = |x: f64| x.is_finite() && (0.0..=hi).contains(&x);
    if ok(h) && ok(v) {
        Ok(())
    } else {
        Err(format!(
            "expected routes used by macros between 0 and {hi:e}, found {h}, {v}"
        ))
    }
}

/// `Err(what is wrong)` unless `k` is a smoothing factor in `0..=`[`MAX_SMOOTHING`] (the cost
/// uses its floor, as Circuit Training does).
pub fn check_smoothing(k: f64) -> Result<u32, String> {
    if k.is_finite() && (0.0..=MAX_SMOOTHING as f64).contains(&k) {
        Ok(k.floor() as u32)
    } else {
        Err(format!(
            "expected a smoothing factor between 0 and {MAX_SMOOTHING}, found {k}"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_accept_real_values_and_refuse_the_hostile_ones() {
        assert!(check_grid(24, 21).is_ok());
        assert!(check_grid(128, 128).is_ok());
        assert!(check_grid(0, 3).is_err());
        assert!(check_grid(100_000, 100_000).is_err());
        assert!(check_grid(4096, 4096).is_err(), "16M cells is over the cap");
        assert!(check_length(-1599.2).is_ok());
        assert!(check_length(1e300).is_err());
        assert!(check_length(f64::NAN).is_err());
        assert!(check_canvas(1433.4, 1433.4).is_ok());
        assert!(check_canvas(0.0, 5.0).is_err());
        assert!(check_canvas(1e300, 5.0).is_err());
        assert!(check_routes(57.031, 56.818).is_ok());
        assert!(check_routes(0.0, 1.0).is_err());
        assert!(check_macro_routes(0.0, 30.3).is_ok());
        assert!(check_macro_routes(-10.0, -10.0).is_err());
        assert_eq!(check_smoothing(2.0), Ok(2));
        assert!(check_smoothing(-2.0).is_err());
        assert_eq!(check_smoothing(1.5), Ok(1));
        assert!(check_smoothing(f64::INFINITY).is_err());
    }
}
