//! Masks for sequential macro placement (MaskPlace, WireMask-BBO): for the next macro and a
//! grid of candidate centres over the canvas,
//! - the **position mask**: where its centre may go — inside the canvas and without positive-area
//!   overlap with any placed hard macro or blockage (touching is fine);
//! - the **wire mask**: the weighted HPWL increase if its centre goes to each cell centre, given
//!   the pins already placed.
//!
//! Both are exact and O(obstacles + cells), resp. O(pins of the macro's nets + cells): a placed
//! rectangle forbids an open box of centres, marked with a 2-D difference array; and the HPWL
//! increase separates into a column term plus a row term, each a sum over nets of a piecewise
//! linear function evaluated per column (row).

use netlists::{Netlist, NodeId, NodeKind, Orientation, Placement};

/// A grid of candidate centres over the canvas: cell `(r, c)` has centre
/// `(x0 + (c + ½)·cell_w, y0 + (r + ½)·cell_h)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MaskGrid {
    /// Columns.
    pub cols: usize,
    /// Rows.
    pub rows: usize,
    /// Canvas lower-left x.
    pub x0: f64,
    /// Canvas lower-left y.
    pub y0: f64,
    /// Cell width.
    pub cell_w: f64,
    /// Cell height.
    pub cell_h: f64,
}

impl MaskGrid {
    /// A `cols × rows` grid over a netlist's canvas.
    pub fn over_canvas(netlist: &Netlist, cols: usize, rows: usize) -> MaskGrid {
        MaskGrid::over_floorplan(netlist.floorplan(), cols, rows)
    }

    /// A `cols × rows` grid over a floorplan's canvas.
    pub fn over_floorplan(fp: &netlists::Floorplan, cols: usize, rows: usize) -> MaskGrid {
        MaskGrid {
            cols,
            rows,
            x0: fp.x_min,
            y0: fp.y_min,
            cell_w: fp.width / cols as f64,
            cell_h: fp.height / rows as f64,
        }
    }

    /// Centre x of column `c`.
    #[inline]
    pub fn cx(&self, c: usize) -> f64 {
        self.x0 + (c as f64 + 0.5) * self.cell_w
    }

    /// Centre y of row `r`.
    #[inline]
    pub fn cy(&self, r: usize) -> f64 {
        self.y0 + (r as f64 + 0.5) * self.cell_h
    }

    /// Row-major index of the cell holding the point `(x, y)`, clamped into the grid.
    #[inline]
    pub fn cell_at(&self, x: f64, y: f64) -> usize {
        let c = (((x - self.x0) / self.cell_w).floor().max(0.0) as usize).min(self.cols - 1);
        let r = (((y - self.y0) / self.cell_h).floor().max(0.0) as usize).min(self.rows - 1);
        r * self.cols + c
    }
}

/// Indices `i` in `0..n` with `lo < centre(i) < hi` (strict), as a half-open range.
fn open_range(
    n: usize,
    centre: impl Fn(usize) -> f64,
    lo: f64,
    hi: f64,
    step: f64,
    origin: f64,
) -> (usize, usize) {
    // Estimate from the formula, then settle exactly with the same comparisons as the oracle.
    let est = |v: f64| ((v - origin) / step - 0.5).floor().clamp(-1.0, n as f64) as i64;
    let mut a = (est(lo) + 1).clamp(0, n as i64) as usize;
    while a > 0 && centre(a - 1) > lo {
        a -= 1;
    }
    while a < n && centre(a) <= lo {
        a += 1;
    }
    let mut b = (est(hi) + 1).clamp(0, n as i64) as usize;
    while b < n && centre(b) < hi {
        b += 1;
    }
    while b > a && centre(b - 1) >= hi {
        b -= 1;
    }
    (a, b.max(a))
}

/// A rectangle that a macro's centre may not come near: centre and size, in µm.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Obstacle {
    /// Centre x.
    pub x: f64,
    /// Centre y.
    pub y: f64,
    /// Width.
    pub w: f64,
    /// Height.
    pub h: f64,
}

/// The obstacles of [`position_mask`]: hard macros with `placed[i]` other than `skip`, then the
/// floorplan's blockages.
pub fn obstacles(
    netlist: &Netlist,
    placement: &Placement,
    placed: &[bool],
    skip: Option<NodeId>,
) -> Vec<Obstacle> {
    let mut out: Vec<Obstacle> = placed
        .iter()
        .enumerate()
        .filter(|&(i, &p)| {
            p && Some(i) != skip.map(|s| s.idx()) && netlist.node_kind()[i] == NodeKind::HardMacro
        })
        .map(|(i, _)| Obstacle {
            x: placement.x[i],
            y: placement.y[i],
            w: netlist.node_width()[i],
            h: netlist.node_height()[i],
        })
        .collect();
    out.extend(blockage_obstacles(netlist.floorplan()));
    out
}

/// The floorplan's blockages as obstacles.
pub fn blockage_obstacles(fp: &netlists::Floorplan) -> impl Iterator<Item = Obstacle> + '_ {
    fp.blockages.iter().map(|b| Obstacle {
        x: (b.x_min + b.x_max) / 2.0,
        y: (b.y_min + b.y_max) / 2.0,
        w: b.x_max - b.x_min,
        h: b.y_max - b.y_min,
    })
}

/// Where the centre of `node` (N-frame width and height; CT never swaps them) may go: row-major
/// `rows × cols`, true = legal. Obstacles: hard macros with `placed[i]` (other than `node`) and
/// the floorplan's blockages.
pub fn position_mask(
    netlist: &Netlist,
    placement: &Placement,
    placed: &[bool],
    node: NodeId,
    grid: &MaskGrid,
) -> Vec<bool> {
    let obs = obstacles(netlist, placement, placed, Some(node));
    let mut out = Vec::new();
    position_mask_among(
        &obs,
        netlist.node_width()[node.idx()],
        netlist.node_height()[node.idx()],
        netlist.floorplan(),
        grid,
        &mut out,
    );
    out
}

/// [`position_mask`] of a `w × h` macro given its obstacles, written into `out` (reused).
pub fn position_mask_among(
    obstacles: &[Obstacle],
    w: f64,
    h: f64,
    fp: &netlists::Floorplan,
    grid: &MaskGrid,
    out: &mut Vec<bool>,
) {
    let (cols, rows) = (grid.cols, grid.rows);
    // Difference array of forbidden boxes.
    let mut diff = vec![0i32; (rows + 1) * (cols + 1)];
    for o in obstacles {
        let (c0, c1, r0, r1) = forbidden_range(grid, w, h, o);
        if c0 < c1 && r0 < r1 {
            diff[r0 * (cols + 1) + c0] += 1;
            diff[r0 * (cols + 1) + c1] -= 1;
            diff[r1 * (cols + 1) + c0] -= 1;
            diff[r1 * (cols + 1) + c1] += 1;
        }
    }
    let (x1, y1) = (fp.x_min + fp.width, fp.y_min + fp.height);
    let col_ok: Vec<bool> = (0..cols)
        .map(|c| grid.cx(c) - w / 2.0 >= fp.x_min && grid.cx(c) + w / 2.0 <= x1)
        .collect();
    out.clear();
    out.resize(rows * cols, false);
    let mut acc = vec![0i32; cols + 1];
    for r in 0..rows {
        let row_ok = grid.cy(r) - h / 2.0 >= fp.y_min && grid.cy(r) + h / 2.0 <= y1;
        let d = &diff[r * (cols + 1)..(r + 1) * (cols + 1)];
        let o = &mut out[r * cols..(r + 1) * cols];
        let mut run = 0;
        for c in 0..cols {
            acc[c] += d[c];
            run += acc[c];
            o[c] = run == 0 && col_ok[c] && row_ok;
        }
    }
}

/// Columns `c0..c1` and rows `r0..r1` of centres where a `w × h` macro overlaps (positive
/// area) obstacle `o`.
fn forbidden_range(grid: &MaskGrid, w: f64, h: f64, o: &Obstacle) -> (usize, usize, usize, usize) {
    let (ox, oy, ow, oh) = (o.x, o.y, o.w, o.h);
    let (c0, c1) = open_range(
        grid.cols,
        |c| grid.cx(c),
        ox - (w + ow) / 2.0,
        ox + (w + ow) / 2.0,
        grid.cell_w,
        grid.x0,
    );
    let (r0, r1) = open_range(
        grid.rows,
        |r| grid.cy(r),
        oy - (h + oh) / 2.0,
        oy + (h + oh) / 2.0,
        grid.cell_h,
        grid.y0,
    );
    (c0, c1, r0, r1)
}

/// Clears, in a position mask of a `w × h` macro, the centres that would overlap (positive area)
/// `obstacle`: the incremental update of
/// [`position_mask`] when one more macro is placed. Same comparisons, so the result equals a
/// full recomputation.
pub fn forbid_box(mask: &mut [bool], grid: &MaskGrid, w: f64, h: f64, obstacle: &Obstacle) {
    let (c0, c1, r0, r1) = forbidden_range(grid, w, h, obstacle);
    for r in r0..r1 {
        mask[r * grid.cols + c0..r * grid.cols + c1].fill(false);
    }
}

/// A wire mask in separable form: the value at cell `(r, c)` is `fx[c] + fy[r]` (the HPWL
/// increase is a column term plus a row term).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WireTerms {
    /// Column terms (`cols`).
    pub fx: Vec<f64>,
    /// Row terms (`rows`).
    pub fy: Vec<f64>,
}

impl WireTerms {
    /// The value at row-major cell `k`.
    #[inline]
    pub fn at(&self, k: usize) -> f64 {
        let cols = self.fx.len();
        self.fx[k % cols] + self.fy[k / cols]
    }

    /// All `rows × cols` values, row-major.
    pub fn expand(&self) -> Vec<f64> {
        self.fy
            .iter()
            .flat_map(|&y| self.fx.iter().map(move |&x| x + y))
            .collect()
    }
}

/// Weighted HPWL increase if `node`'s centre goes to each cell centre (row-major
/// `rows × cols`), in orientation `orient`, counting on each of its nets the pins of nodes with
/// `placed[i]` (other than `node`). A net with no other placed pin adds the span of the node's own
/// pins on it.
pub fn wire_mask(
    netlist: &Netlist,
    placement: &Placement,
    placed: &[bool],
    node: NodeId,
    orient: Orientation,
    grid: &MaskGrid,
) -> Vec<f64> {
    let mut t = WireTerms::default();
    wire_terms(netlist, placement, placed, node, orient, grid, &mut t);
    t.expand()
}

/// [`wire_mask`] in separable form, written into `out` (buffers reused).
pub fn wire_terms(
    netlist: &Netlist,
    placement: &Placement,
    placed: &[bool],
    node: NodeId,
    orient: Orientation,
    grid: &MaskGrid,
    out: &mut WireTerms,
) {
    let n = node.idx();
    let (cols, rows) = (grid.cols, grid.rows);
    out.fx.clear();
    out.fx.resize(cols, 0.0);
    out.fy.clear();
    out.fy.resize(rows, 0.0);
    let (fx, fy) = (&mut out.fx, &mut out.fy);
    let (mut hx, mut hy) = (Hinges::default(), Hinges::default());
    // Nets of the node, each once, with the node's own pin offset extents on it.
    let mut seen: Vec<usize> = Vec::new();
    for &p in netlist.pins_of_node(node) {
        let net = netlist.pin_net(p).idx();
        if seen.contains(&net) {
            continue;
        }
        seen.push(net);
        let (mut ox0, mut ox1, mut oy0, mut oy1) = (
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
        );
        let (mut bx0, mut bx1, mut by0, mut by1) = (
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
        );
        for q in netlist.net_pins(netlists::NetId(net as u32)) {
            let m = netlist.pin_node()[q].idx();
            if m == n {
                let (dx, dy) = orient.rotate(netlist.pin_dx()[q], netlist.pin_dy()[q]);
                ox0 = ox0.min(dx);
                ox1 = ox1.max(dx);
                oy0 = oy0.min(dy);
                oy1 = oy1.max(dy);
            } else if placed[m] {
                let (x, y) = placement.pin_position(netlist, netlists::PinId(q as u32));
                bx0 = bx0.min(x);
                bx1 = bx1.max(x);
                by0 = by0.min(y);
                by1 = by1.max(y);
            }
        }
        let w = netlist.net_weight()[net];
        hx.add(w, bx0, bx1, ox0, ox1);
        hy.add(w, by0, by1, oy0, oy1);
    }
    hx.write(grid.x0, grid.cell_w, fx);
    hy.write(grid.y0, grid.cell_h, fy);
}

/// One axis of [`wire_terms`]: the sum over the node's nets of each net's HPWL increase along
/// the axis as a function of the node's centre `v`. With the other placed pins spanning
/// `[b0, b1]` and the node's own pins at offsets `[o0, o1]`, a net adds
/// `(max(b1, v + o1) − min(b0, v + o0)) − (b1 − b0) = max(0, v − (b1 − o1)) + max(0, (b0 − o0) − v)`:
/// two hinges (or the constant `o1 − o0` when no other pin is placed). The sum over all nets at
/// every grid centre comes from prefix sums of the hinges' weights and weighted positions, in
/// O(nets + cells) instead of O(nets × cells). `tests::masks_equal_brute_force` checks it
/// against the HPWL of every trial position.
#[derive(Debug, Default)]
struct Hinges {
    /// Constant part.
    k: f64,
    /// `(position, weight)` of hinges rising to the right: `w · max(0, v − a)`.
    up: Vec<(f64, f64)>,
    /// `(position, weight)` of hinges rising to the left: `w · max(0, d − v)`.
    down: Vec<(f64, f64)>,
}

impl Hinges {
    fn add(&mut self, w: f64, b0: f64, b1: f64, o0: f64, o1: f64) {
        if b0 > b1 {
            self.k += w * (o1 - o0);
        } else {
            self.up.push((b1 - o1, w));
            self.down.push((b0 - o0, w));
        }
    }

    /// The sum at the centres `v_c = origin + (c + 0.5) · step` (as [`MaskGrid::cx`] computes
    /// them), written into `out` (one value per centre).
    fn write(&self, origin: f64, step: f64, out: &mut [f64]) {
        let n = out.len();
        let at = |c: usize| origin + (c as f64 + 0.5) * step;
        // The first centre strictly right of `a` (n when none), and the last strictly left of
        // `d` (plus one; 0 when none): a first guess by division, then exact by comparison.
        let first_right = |a: f64| {
            let mut c = (((a - origin) / step - 0.5).floor() + 1.0).clamp(0.0, n as f64) as usize;
            while c > 0 && at(c - 1) > a {
                c -= 1;
            }
            while c < n && at(c) <= a {
                c += 1;
            }
            c
        };
        // Buckets: (weight, weight × position) of the up hinges turning on at each centre, and
        // of the down hinges turning off after each centre.
        let mut up = vec![(0.0, 0.0); n + 1];
        for &(a, w) in &self.up {
            let e = &mut up[first_right(a)];
            e.0 += w;
            e.1 += w * a;
        }
        let mut down = vec![(0.0, 0.0); n + 1];
        for &(d, w) in &self.down {
            // Active at the centres left of d: c < first centre ≥ d.
            let mut c = first_right(d);
            while c > 0 && at(c - 1) >= d {
                c -= 1;
            }
            let e = &mut down[c];
            e.0 += w;
            e.1 += w * d;
        }
        let (mut wu, mut su) = (0.0, 0.0);
        for (c, o) in out.iter_mut().enumerate() {
            wu += up[c].0;
            su += up[c].1;
            *o = self.k + (at(c) * wu - su);
        }
        let (mut wd, mut sd) = (0.0, 0.0);
        for c in (0..n).rev() {
            wd += down[c + 1].0;
            sd += down[c + 1].1;
            out[c] += sd - at(c) * wd;
        }
    }
}
