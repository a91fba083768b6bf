//! The raw accumulators behind the cost, before normalisation ([`Raw`]: occupancy, routing
//! demand, blockage, HPWL), the two kernels that build them ([`add_node`], [`add_net`]), the
//! routing of one net over the grid (`proxy-cost.md` §6) and the deterministic parallel full
//! evaluation ([`raw_full`]).

use ndarray::Array2;
use netlists::{Netlist, NodeKind, Placement};
use rayon::prelude::*;

use super::{CostParams, pin_xy};

/// The box a macro occupies for density (soft macros squared when asked), relative to the
/// canvas origin: `(x_lo, y_lo, x_hi, y_hi)`.
fn node_box(
    netlist: &Netlist,
    placement: &Placement,
    node: usize,
    params: &CostParams,
) -> (f64, f64, f64, f64) {
    let (mut w, mut h) = (netlist.node_width()[node], netlist.node_height()[node]);
    if params.square_soft && netlist.node_kind()[node] == NodeKind::SoftMacro {
        let s = (w * h).sqrt();
        w = s;
        h = s;
    }
    let cx = placement.x[node] - params.canvas_x;
    let cy = placement.y[node] - params.canvas_y;
    (cx - w / 2.0, cy - h / 2.0, cx + w / 2.0, cy + h / 2.0)
}

/// Cells `[lo, hi]` (inclusive) along one axis that a span `[a, b]` overlaps with positive
/// length, clipped to the grid; `None` when it lies outside.
pub(crate) fn cell_span(a: f64, b: f64, cell: f64, n: usize) -> Option<(usize, usize)> {
    let total = cell * n as f64;
    let a = a.max(0.0);
    let b = b.min(total);
    if b <= a {
        return None;
    }
    let lo = ((a / cell).floor() as usize).min(n - 1);
    let hi = (((b / cell).ceil() as usize).max(1) - 1).min(n - 1);
    Some((lo, hi.max(lo)))
}

/// Overlap length of `[a, b]` with cell `i` of size `cell`.
#[inline]
pub(crate) fn overlap(a: f64, b: f64, i: usize, cell: f64) -> f64 {
    let lo = i as f64 * cell;
    let hi = lo + cell;
    (b.min(hi) - a.max(lo)).max(0.0)
}

/// Grid cell of a point (relative to the canvas origin), clamped into the grid.
#[inline]
pub(crate) fn cell_of(
    x: f64,
    y: f64,
    gw: f64,
    gh: f64,
    rows: usize,
    cols: usize,
) -> (usize, usize) {
    let clamp = |v: f64, n: usize| -> usize {
        if v.is_nan() || v < 0.0 {
            0
        } else {
            (v as usize).min(n - 1)
        }
    };
    // For v ≥ 0 truncation is floor; negative values clamp to 0 either way.
    (clamp(y / gh, rows), clamp(x / gw, cols))
}

/// Adds `w` to the horizontal demand of `row`, columns `[a, b)` (empty when a ≥ b).
#[inline]
fn add_h(dh: &mut Array2<f64>, row: usize, a: usize, b: usize, w: f64) {
    if a >= b {
        return;
    }
    let cols = dh.ncols();
    let cells = dh
        .as_slice_mut()
        .expect("demand maps are built in standard layout");
    for x in &mut cells[row * cols + a..row * cols + b] {
        *x += w;
    }
}

/// Adds `w` to the vertical demand of `col`, rows `[a, b)` (empty when a ≥ b).
#[inline]
fn add_v(dv: &mut Array2<f64>, col: usize, a: usize, b: usize, w: f64) {
    if a >= b {
        return;
    }
    let cols = dv.ncols();
    let cells = dv
        .as_slice_mut()
        .expect("demand maps are built in standard layout");
    for r in a..b {
        cells[r * cols + col] += w;
    }
}

/// The elementary route L(a→b): horizontal on the source row, vertical on the sink column.
#[inline]
fn l_route(
    a: (usize, usize),
    b: (usize, usize),
    w: f64,
    dh: &mut Array2<f64>,
    dv: &mut Array2<f64>,
) {
    add_h(dh, a.0, a.1.min(b.1), a.1.max(b.1), w);
    add_v(dv, b.1, a.0.min(b.0), a.0.max(b.0), w);
}

/// Adds the routing demand of one net, given its distinct cells `(row, col)` and its driver's
/// cell (`proxy-cost.md` §6), to `dh`/`dv`.
pub(crate) fn route_net(
    cells: &[(usize, usize)],
    driver: (usize, usize),
    w: f64,
    dh: &mut Array2<f64>,
    dv: &mut Array2<f64>,
) {
    match cells.len() {
        0 | 1 => {}
        2 => {
            let t = if cells[0] == driver {
                cells[1]
            } else {
                cells[0]
            };
            l_route(driver, t, w, dh, dv);
        }
        3 => {
            let mut s = [cells[0], cells[1], cells[2]];
            s.sort_by_key(|&(r, c)| (c, r));
            let [(r1, c1), (r2, c2), (r3, c3)] = s;
            if c1 < c2 && c2 < c3 && r1.min(r3) < r2 && r2 < r1.max(r3) {
                add_h(dh, r1, c1, c2, w);
                add_h(dh, r2, c2, c3, w);
                add_v(dv, c2, r1.min(r2), r1.max(r2), w);
                add_v(dv, c3, r2.min(r3), r2.max(r3), w);
            } else if c2 == c3 && c1 < c2 && r1 < r2.min(r3) {
                add_h(dh, r1, c1, c2, w);
                add_v(dv, c2, r1, r2.max(r3), w);
            } else if r2 == r3 {
                add_h(dh, r1, c1, c2, w);
                add_h(dh, r2, c2, c3, w);
                add_v(dv, c2, r1.min(r2), r1.max(r2), w);
            } else {
                // T shape: re-sorted by (row, col).
                s.sort();
                let [(r1, c1), (r2, _), (r3, c3)] = s;
                let cmin = s.iter().map(|x| x.1).min().expect("three cells");
                let cmax = s.iter().map(|x| x.1).max().expect("three cells");
                add_h(dh, r2, cmin, cmax, w);
                add_v(dv, c1, r1.min(r2), r1.max(r2), w);
                add_v(dv, c3, r2.min(r3), r2.max(r3), w);
            }
        }
        _ => {
            for &t in cells {
                if t != driver {
                    l_route(driver, t, w, dh, dv);
                }
            }
        }
    }
}

/// The raw accumulators behind the cost, before normalisation: macro area per cell, routing
/// demand per cell in units of routing weight, blockage per cell in tracks·length, and the
/// weighted HPWL. The full evaluation and the incremental [`crate::cost::incremental::CostState`]
/// both build them with the kernels below and turn them into costs with [`finish`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Raw {
    pub(crate) occ: Array2<f64>,
    pub(crate) dh: Array2<f64>,
    pub(crate) dv: Array2<f64>,
    pub(crate) mh: Array2<f64>,
    pub(crate) mv: Array2<f64>,
    pub(crate) hpwl: f64,
}

impl Raw {
    pub(crate) fn zeros(params: &CostParams) -> Raw {
        let z = Array2::<f64>::zeros((params.grid_rows, params.grid_cols));
        Raw {
            occ: z.clone(),
            dh: z.clone(),
            dv: z.clone(),
            mh: z.clone(),
            mv: z,
            hpwl: 0.0,
        }
    }
}

/// Adds `sign` × the area of node `n` to the occupancy (every node but ports: hard and soft
/// macros, and the std cells of flat and Bookshelf designs) and, for a hard macro, its routing
/// blockage with the partial-coverage rule (`proxy-cost.md` §5–6).
pub(crate) fn add_node(
    raw: &mut Raw,
    netlist: &Netlist,
    placement: &Placement,
    n: usize,
    params: &CostParams,
    sign: f64,
) {
    let kind = netlist.node_kind()[n];
    if kind == NodeKind::Port {
        return;
    }
    let (rows, cols) = (params.grid_rows, params.grid_cols);
    let (gw, gh) = (params.cell_width(), params.cell_height());
    let (x0, y0, x1, y1) = node_box(netlist, placement, n, params);
    let (Some((c0, c1)), Some((r0, r1))) =
        (cell_span(x0, x1, gw, cols), cell_span(y0, y1, gh, rows))
    else {
        return;
    };
    for r in r0..=r1 {
        let dy = overlap(y0, y1, r, gh);
        for c in c0..=c1 {
            raw.occ[[r, c]] += sign * (overlap(x0, x1, c, gw) * dy);
        }
    }
    if kind != NodeKind::HardMacro {
        return;
    }
    // Blockage uses the unsquared box (squaring applies to soft macros only).
    let (va, ha) = (sign * params.v_macro_alloc, sign * params.h_macro_alloc);
    for r in r0..=r1 {
        let dy = overlap(y0, y1, r, gh);
        for c in c0..=c1 {
            let dx = overlap(x0, x1, c, gw);
            if dx > 0.0 && dy > 0.0 {
                raw.mv[[r, c]] += dx * va;
                raw.mh[[r, c]] += dy * ha;
            }
        }
    }
    // Partial coverage: a macro spanning several rows whose bottom or top row is not fully
    // covered gives up its vertical blockage in its top row; likewise for columns.
    if r1 > r0 {
        let partial = [r0, r1].iter().any(|&r| {
            let dy = overlap(y0, y1, r, gh);
            (c0..=c1).any(|c| overlap(x0, x1, c, gw) > 0.0 && (dy - gh).abs() > 1e-5)
        });
        if partial {
            let dy = overlap(y0, y1, r1, gh);
            for c in c0..=c1 {
                let dx = overlap(x0, x1, c, gw);
                if dx > 0.0 && dy > 0.0 {
                    raw.mv[[r1, c]] -= dx * va;
                }
            }
        }
    }
    if c1 > c0 {
        let partial = [c0, c1].iter().any(|&c| {
            let dx = overlap(x0, x1, c, gw);
            (r0..=r1).any(|r| overlap(y0, y1, r, gh) > 0.0 && (dx - gw).abs() > 1e-5)
        });
        if partial {
            let dx = overlap(x0, x1, c1, gw);
            for r in r0..=r1 {
                let dy = overlap(y0, y1, r, gh);
                if dx > 0.0 && dy > 0.0 {
                    raw.mh[[r, c1]] -= dy * ha;
                }
            }
        }
    }
}

/// A design at a placement under cost parameters: what every kernel reads.
#[derive(Clone, Copy)]
pub(crate) struct At<'a> {
    pub(crate) netlist: &'a Netlist,
    pub(crate) placement: &'a Placement,
    pub(crate) params: &'a CostParams,
}

/// The horizontal and vertical routing-demand maps a kernel adds to.
pub(crate) struct Demand<'a> {
    pub(crate) dh: &'a mut Array2<f64>,
    pub(crate) dv: &'a mut Array2<f64>,
}

/// Adds `sign` × the routing demand of one net to `demand` and returns its (unweighted) HPWL
/// and its driver's cell; leaves the net's distinct cells in `cells`.
pub(crate) fn add_net(
    demand: Demand,
    at: At,
    net: usize,
    sign: f64,
    cells: &mut Vec<(usize, usize)>,
) -> (f64, (usize, usize)) {
    add_net_where(demand, at, net, sign, cells, |_| true)
}

/// [`add_net`] over the pins that `keep` accepts (by pin index) only; the first kept pin is the
/// driver. A net with no kept pin adds nothing and has HPWL 0. Used by
/// [`crate::cost::partial::PartialCost`], where unplaced macros are absent.
#[inline]
pub(crate) fn add_net_where(
    demand: Demand,
    at: At,
    net: usize,
    sign: f64,
    cells: &mut Vec<(usize, usize)>,
    keep: impl Fn(usize) -> bool,
) -> (f64, (usize, usize)) {
    let Demand { dh, dv } = demand;
    let At {
        netlist,
        placement,
        params,
    } = at;
    let start = netlist.net_pin_start()[net] as usize;
    let end = netlist.net_pin_start()[net + 1] as usize;
    cells.clear();
    if start == end {
        return (0.0, (0, 0));
    }
    let (rows, cols) = (params.grid_rows, params.grid_cols);
    let (gw, gh) = (params.cell_width(), params.cell_height());
    let (mut x0, mut x1, mut y0, mut y1) = (
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
    );
    cells.clear();
    let mut driver = None;
    for p in start..end {
        if !keep(p) {
            continue;
        }
        let (x, y) = pin_xy(netlist, placement, p, params.soft_pin_offsets);
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
        let cell = cell_of(x - params.canvas_x, y - params.canvas_y, gw, gh, rows, cols);
        if driver.is_none() {
            driver = Some(cell);
        }
        if !cells.contains(&cell) {
            cells.push(cell);
        }
    }
    let Some(driver) = driver else {
        return (0.0, (0, 0));
    };
    let w = netlist.net_weight()[net].max(1.0);
    route_net(cells, driver, sign * w, dh, dv);
    ((x1 - x0) + (y1 - y0), driver)
}

/// Nets per chunk of the parallel evaluation: fixed by the net count alone (never by the thread
/// count), and partial sums are combined in chunk order, so results are bit-identical for any
/// number of threads.
fn net_chunk(num_nets: usize) -> usize {
    (num_nets / 64).max(1024)
}

/// The raw accumulators of a whole placement (nets in parallel chunks, deterministic).
pub(crate) fn raw_full(netlist: &Netlist, placement: &Placement, params: &CostParams) -> Raw {
    let at = At {
        netlist,
        placement,
        params,
    };
    let mut raw = Raw::zeros(params);
    for n in 0..netlist.num_nodes() {
        add_node(&mut raw, netlist, placement, n, params, 1.0);
    }
    let nets = netlist.num_nets();
    let chunk = net_chunk(nets);
    let starts: Vec<usize> = (0..nets).step_by(chunk).collect();
    let parts: Vec<(f64, Array2<f64>, Array2<f64>)> = starts
        .par_iter()
        .map(|&s| {
            let mut dh = Array2::<f64>::zeros((params.grid_rows, params.grid_cols));
            let mut dv = dh.clone();
            let mut cells = Vec::new();
            let mut hpwl = 0.0;
            for net in s..(s + chunk).min(nets) {
                let demand = Demand {
                    dh: &mut dh,
                    dv: &mut dv,
                };
                let (h, _) = add_net(demand, at, net, 1.0, &mut cells);
                hpwl += netlist.net_weight()[net] * h;
            }
            (hpwl, dh, dv)
        })
        .collect();
    for (h, dh, dv) in parts {
        raw.hpwl += h;
        raw.dh += &dh;
        raw.dv += &dv;
    }
    raw
}
