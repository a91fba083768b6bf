//! The slow, obviously correct oracle of the proxy cost, written straight from
//! `proxy-cost.md` with no shared code, and property tests comparing the fast cost model with it
//! on random small netlists and placements.

// The oracle is written to read like the spec, index by index.
#![allow(
    clippy::needless_range_loop,
    clippy::type_complexity,
    clippy::unnecessary_sort_by
)]

use std::collections::BTreeSet;

use netlists::model::SourceLine;
use netlists::{Netlist, NetlistBuilder, NodeKind, Orientation, PinDir, Placement, SourceFormat};
use proptest::prelude::*;

use crate::cost::{CostParams, Weights, proxy_cost_with_maps};

/// Everything the oracle computes.
#[derive(Debug)]
struct Oracle {
    hpwl: f64,
    wirelength_cost: f64,
    density: Vec<Vec<f64>>,
    density_cost: f64,
    h_total: Vec<Vec<f64>>,
    v_total: Vec<Vec<f64>>,
    congestion_cost: f64,
}

fn oracle(nl: &Netlist, pl: &Placement, p: &CostParams) -> Oracle {
    let (rows, cols) = (p.grid_rows, p.grid_cols);
    let gw = p.canvas_width / cols as f64;
    let gh = p.canvas_height / rows as f64;
    // Pin positions (relative to the canvas origin).
    let pin = |i: usize| -> (f64, f64) {
        let n = nl.pin_node()[i].idx();
        let (mut dx, mut dy) = (nl.pin_dx()[i], nl.pin_dy()[i]);
        if nl.node_kind()[n] == NodeKind::SoftMacro && !p.soft_pin_offsets {
            dx = 0.0;
            dy = 0.0;
        }
        let (rx, ry) = match pl.orient[n] {
            Orientation::N => (dx, dy),
            Orientation::FN => (-dx, dy),
            Orientation::S => (-dx, -dy),
            Orientation::FS => (dx, -dy),
            Orientation::E => (dy, -dx),
            Orientation::FE => (-dy, -dx),
            Orientation::W => (-dy, dx),
            Orientation::FW => (dy, dx),
        };
        (pl.x[n] + rx - p.canvas_x, pl.y[n] + ry - p.canvas_y)
    };
    // HPWL.
    let mut hpwl = 0.0;
    for net in 0..nl.num_nets() {
        let pins: Vec<(f64, f64)> = (nl.net_pin_start()[net] as usize
            ..nl.net_pin_start()[net + 1] as usize)
            .map(pin)
            .collect();
        if pins.is_empty() {
            continue;
        }
        let xs: Vec<f64> = pins.iter().map(|q| q.0).collect();
        let ys: Vec<f64> = pins.iter().map(|q| q.1).collect();
        let span = |v: &[f64]| {
            v.iter().cloned().fold(f64::MIN, f64::max) - v.iter().cloned().fold(f64::MAX, f64::min)
        };
        hpwl += nl.net_weight()[net] * (span(&xs) + span(&ys));
    }
    let wsum: f64 = nl.net_weight().iter().sum();
    let wirelength_cost = if wsum > 0.0 {
        hpwl / ((p.canvas_width + p.canvas_height) * wsum)
    } else {
        0.0
    };

    // Rectangles of macros.
    let rect = |n: usize| -> (f64, f64, f64, f64) {
        let (mut w, mut h) = (nl.node_width()[n], nl.node_height()[n]);
        if p.square_soft && nl.node_kind()[n] == NodeKind::SoftMacro {
            w = (w * h).sqrt();
            h = w;
        }
        let (cx, cy) = (pl.x[n] - p.canvas_x, pl.y[n] - p.canvas_y);
        (cx - w / 2.0, cy - h / 2.0, cx + w / 2.0, cy + h / 2.0)
    };
    let inter = |a0: f64, a1: f64, b0: f64, b1: f64| (a1.min(b1) - a0.max(b0)).max(0.0);

    // Density: every cell against every macro.
    let mut density = vec![vec![0.0; cols]; rows];
    for (r, row) in density.iter_mut().enumerate() {
        for (c, cell) in row.iter_mut().enumerate() {
            for n in 0..nl.num_nodes() {
                if nl.node_kind()[n] != NodeKind::Port {
                    let (x0, y0, x1, y1) = rect(n);
                    let a = inter(x0, x1, c as f64 * gw, c as f64 * gw + gw)
                        * inter(y0, y1, r as f64 * gh, r as f64 * gh + gh);
                    *cell += a / (gw * gh);
                }
            }
        }
    }
    let mut all: Vec<f64> = density.iter().flatten().cloned().collect();
    let density_cost = if all.len() < 10 {
        let nz: Vec<f64> = all.iter().cloned().filter(|&v| v != 0.0).collect();
        if nz.is_empty() {
            0.0
        } else {
            0.5 * nz.iter().sum::<f64>() / nz.len() as f64
        }
    } else {
        all.sort_by(|a, b| b.partial_cmp(a).unwrap());
        let k = all.len() / 10;
        0.5 * all[..k].iter().sum::<f64>() / k as f64
    };

    // Net routing as explicit unit segments.
    let cell = |x: f64, y: f64| -> (usize, usize) {
        let r = ((y / gh).floor().max(0.0) as usize).min(rows - 1);
        let c = ((x / gw).floor().max(0.0) as usize).min(cols - 1);
        (r, c)
    };
    let mut segs_h: Vec<(usize, usize, f64)> = Vec::new(); // (row, col, w)
    let mut segs_v: Vec<(usize, usize, f64)> = Vec::new();
    for net in 0..nl.num_nets() {
        let range = nl.net_pin_start()[net] as usize..nl.net_pin_start()[net + 1] as usize;
        if range.is_empty() {
            continue;
        }
        let w = nl.net_weight()[net].max(1.0);
        let driver = {
            let (x, y) = pin(range.start);
            cell(x, y)
        };
        let set: BTreeSet<(usize, usize)> = range
            .map(|i| {
                let (x, y) = pin(i);
                cell(x, y)
            })
            .collect();
        let mut hseg = |row: usize, a: usize, b: usize| {
            for c in a..b {
                segs_h.push((row, c, w));
            }
        };
        let mut vsegs: Vec<(usize, usize, usize)> = Vec::new();
        let cells: Vec<(usize, usize)> = set.iter().cloned().collect();
        match cells.len() {
            0 | 1 => {}
            3 => {
                let mut s = cells.clone();
                s.sort_by(|a, b| (a.1, a.0).cmp(&(b.1, b.0)));
                let (r1, c1, r2, c2, r3, c3) = (s[0].0, s[0].1, s[1].0, s[1].1, s[2].0, s[2].1);
                if c1 < c2 && c2 < c3 && r1.min(r3) < r2 && r2 < r1.max(r3) {
                    hseg(r1, c1, c2);
                    hseg(r2, c2, c3);
                    vsegs.push((c2, r1.min(r2), r1.max(r2)));
                    vsegs.push((c3, r2.min(r3), r2.max(r3)));
                } else if c2 == c3 && c1 < c2 && r1 < r2.min(r3) {
                    hseg(r1, c1, c2);
                    vsegs.push((c2, r1, r2.max(r3)));
                } else if r2 == r3 {
                    hseg(r1, c1, c2);
                    hseg(r2, c2, c3);
                    vsegs.push((c2, r1.min(r2), r1.max(r2)));
                } else {
                    let mut t = cells.clone();
                    t.sort();
                    let cmin = t.iter().map(|q| q.1).min().unwrap();
                    let cmax = t.iter().map(|q| q.1).max().unwrap();
                    hseg(t[1].0, cmin, cmax);
                    vsegs.push((t[0].1, t[0].0.min(t[1].0), t[0].0.max(t[1].0)));
                    vsegs.push((t[2].1, t[1].0.min(t[2].0), t[1].0.max(t[2].0)));
                }
            }
            _ => {
                for &t in &cells {
                    if t != driver {
                        hseg(driver.0, driver.1.min(t.1), driver.1.max(t.1));
                        vsegs.push((t.1, driver.0.min(t.0), driver.0.max(t.0)));
                    }
                }
            }
        }
        for (col, a, b) in vsegs {
            for r in a..b {
                segs_v.push((r, col, w));
            }
        }
    }
    let mut dh = vec![vec![0.0; cols]; rows];
    let mut dv = vec![vec![0.0; cols]; rows];
    for (r, c, w) in segs_h {
        dh[r][c] += w / (gh * p.h_routes_per_um);
    }
    for (r, c, w) in segs_v {
        dv[r][c] += w / (gw * p.v_routes_per_um);
    }
    // Smoothing.
    let k = p.smooth;
    let mut sh = vec![vec![0.0; cols]; rows];
    let mut sv = vec![vec![0.0; cols]; rows];
    for r in 0..rows {
        for c in 0..cols {
            let (lo, hi) = (c.saturating_sub(k), (c + k).min(cols - 1));
            for cc in lo..=hi {
                sv[r][cc] += dv[r][c] / (hi - lo + 1) as f64;
            }
            let (lo, hi) = (r.saturating_sub(k), (r + k).min(rows - 1));
            for rr in lo..=hi {
                sh[rr][c] += dh[r][c] / (hi - lo + 1) as f64;
            }
        }
    }
    // Macro blockage: every hard macro against every cell.
    let mut mh = vec![vec![0.0; cols]; rows];
    let mut mv = vec![vec![0.0; cols]; rows];
    for n in 0..nl.num_nodes() {
        if nl.node_kind()[n] != NodeKind::HardMacro {
            continue;
        }
        let (x0, y0, x1, y1) = rect(n);
        let mut touched: Vec<(usize, usize, f64, f64)> = Vec::new();
        for r in 0..rows {
            for c in 0..cols {
                let dx = inter(x0, x1, c as f64 * gw, c as f64 * gw + gw);
                let dy = inter(y0, y1, r as f64 * gh, r as f64 * gh + gh);
                if dx > 0.0 && dy > 0.0 {
                    touched.push((r, c, dx, dy));
                    mv[r][c] += dx * p.v_macro_alloc / (gw * p.v_routes_per_um);
                    mh[r][c] += dy * p.h_macro_alloc / (gh * p.h_routes_per_um);
                }
            }
        }
        if touched.is_empty() {
            continue;
        }
        let rmin = touched.iter().map(|t| t.0).min().unwrap();
        let rmax = touched.iter().map(|t| t.0).max().unwrap();
        let cmin = touched.iter().map(|t| t.1).min().unwrap();
        let cmax = touched.iter().map(|t| t.1).max().unwrap();
        if rmax > rmin
            && touched
                .iter()
                .any(|t| (t.0 == rmin || t.0 == rmax) && (t.3 - gh).abs() > 1e-5)
        {
            for t in touched.iter().filter(|t| t.0 == rmax) {
                mv[t.0][t.1] -= t.2 * p.v_macro_alloc / (gw * p.v_routes_per_um);
            }
        }
        if cmax > cmin
            && touched
                .iter()
                .any(|t| (t.1 == cmin || t.1 == cmax) && (t.2 - gw).abs() > 1e-5)
        {
            for t in touched.iter().filter(|t| t.1 == cmax) {
                mh[t.0][t.1] -= t.3 * p.h_macro_alloc / (gh * p.h_routes_per_um);
            }
        }
    }
    let h_total: Vec<Vec<f64>> = (0..rows)
        .map(|r| (0..cols).map(|c| sh[r][c] + mh[r][c]).collect())
        .collect();
    let v_total: Vec<Vec<f64>> = (0..rows)
        .map(|r| (0..cols).map(|c| sv[r][c] + mv[r][c]).collect())
        .collect();
    let mut all: Vec<f64> = h_total
        .iter()
        .flatten()
        .chain(v_total.iter().flatten())
        .cloned()
        .collect();
    all.sort_by(|a, b| b.partial_cmp(a).unwrap());
    let m = all.len() / 20;
    let congestion_cost = if m == 0 {
        all[0]
    } else {
        all[..m].iter().sum::<f64>() / m as f64
    };
    Oracle {
        hpwl,
        wirelength_cost,
        density,
        density_cost,
        h_total,
        v_total,
        congestion_cost,
    }
}

/// A random design: (macro specs, port count, nets as (weight, pins as (node, dx, dy))).
#[derive(Debug, Clone)]
struct Spec {
    nodes: Vec<(NodeKind, f64, f64, f64, f64, Orientation)>, // kind, w, h, x, y, orient
    nets: Vec<(f64, Vec<(usize, f64, f64)>)>,
    canvas: (f64, f64),
    grid: (usize, usize),
    smooth: usize,
    square_soft: bool,
    soft_pin_offsets: bool,
}

fn kind() -> impl Strategy<Value = NodeKind> {
    prop::sample::select(vec![
        NodeKind::HardMacro,
        NodeKind::SoftMacro,
        NodeKind::Port,
        NodeKind::StdCell,
    ])
}

fn spec() -> impl Strategy<Value = Spec> {
    let canvas = (50.0f64..400.0, 50.0f64..400.0);
    (
        canvas,
        1usize..7,
        1usize..7,
        0usize..3,
        any::<bool>(),
        any::<bool>(),
        2usize..10,
    )
        .prop_flat_map(|(canvas, gc, gr, smooth, sq, spo, n_nodes)| {
            let node = (
                kind(),
                1.0f64..120.0,
                1.0f64..120.0,
                -0.2f64..1.2,
                -0.2f64..1.2,
                prop::sample::select(Orientation::ALL.to_vec()),
            );
            let nodes = prop::collection::vec(node, n_nodes);
            let pin = (0..n_nodes, -20.0f64..20.0, -20.0f64..20.0);
            let net = (
                prop::sample::select(vec![0.5, 1.0, 1.0, 2.0, 3.5]),
                prop::collection::vec(pin, 1..9),
            );
            let nets = prop::collection::vec(net, 0..12);
            (
                Just(canvas),
                Just((gc, gr)),
                Just(smooth),
                Just(sq),
                Just(spo),
                nodes,
                nets,
            )
        })
        .prop_map(
            |(canvas, grid, smooth, square_soft, soft_pin_offsets, nodes, nets)| Spec {
                nodes: nodes
                    .into_iter()
                    .map(|(k, w, h, fx, fy, o)| (k, w, h, fx * canvas.0, fy * canvas.1, o))
                    .collect(),
                nets,
                canvas,
                grid,
                smooth,
                square_soft,
                soft_pin_offsets,
            },
        )
}

fn build(s: &Spec) -> (Netlist, Placement, CostParams) {
    let mut b = NetlistBuilder::new("random", SourceFormat::Memory);
    let at = SourceLine::default();
    for (i, n) in s.nodes.iter().enumerate() {
        let (w, h) = if n.0 == NodeKind::Port {
            (0.0, 0.0)
        } else {
            (n.1, n.2)
        };
        b.add_node(&format!("n{i}"), w, h, n.0, false, at).unwrap();
    }
    for (i, (w, pins)) in s.nets.iter().enumerate() {
        b.add_net(&format!("net{i}"), *w, at).unwrap();
        for (j, &(node, dx, dy)) in pins.iter().enumerate() {
            let dir = if j == 0 {
                PinDir::Output
            } else {
                PinDir::Input
            };
            b.add_pin(netlists::NodeId(node as u32), dx, dy, dir);
        }
    }
    let nl = b.build().unwrap();
    let mut pl = Placement::zeros(nl.num_nodes());
    for (i, n) in s.nodes.iter().enumerate() {
        pl.x[i] = n.3;
        pl.y[i] = n.4;
        pl.orient[i] = n.5;
    }
    let mut p = CostParams::from_floorplan(nl.floorplan());
    p.canvas_width = s.canvas.0;
    p.canvas_height = s.canvas.1;
    p.canvas_x = 0.0;
    p.canvas_y = 0.0;
    p.grid_cols = s.grid.0;
    p.grid_rows = s.grid.1;
    p.h_routes_per_um = 7.5;
    p.v_routes_per_um = 9.0;
    p.h_macro_alloc = 3.0;
    p.v_macro_alloc = 4.5;
    p.smooth = s.smooth;
    p.square_soft = s.square_soft;
    p.soft_pin_offsets = s.soft_pin_offsets;
    p.weights = Weights::default();
    (nl, pl, p)
}

/// Equal up to rounding: relative 1e-9 of the larger magnitude, and absolute 1e-9 below 1.
/// Incremental sums subtract terms as large as a canvas span (hundreds of µm), so a quantity
/// that returns to 0 keeps an error of a few ulps of those terms (seen: HPWL -1.6e-12 vs 0);
/// a purely relative test cannot accept that and an absolute floor of 1e-12 was too tight.
/// A real bookkeeping error is at least a pin offset or one cell's demand, far above 1e-9.
/// `f` on a rayon pool of `threads` threads (the thread-count independence checks).
pub(crate) fn on_threads<R: Send>(threads: usize, f: impl FnOnce() -> R + Send) -> R {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn fast_cost_equals_oracle(s in spec()) {
        let (nl, pl, p) = build(&s);
        let (fast, maps) = proxy_cost_with_maps(&nl, &pl, &p);
        let o = oracle(&nl, &pl, &p);
        prop_assert!(close(fast.hpwl, o.hpwl), "hpwl {} vs {}", fast.hpwl, o.hpwl);
        prop_assert!(close(fast.wirelength_cost, o.wirelength_cost));
        prop_assert!(close(fast.density_cost, o.density_cost), "density {} vs {}", fast.density_cost, o.density_cost);
        prop_assert!(close(fast.congestion_cost, o.congestion_cost), "congestion {} vs {}", fast.congestion_cost, o.congestion_cost);
        let (h, v) = (maps.h_congestion(), maps.v_congestion());
        for r in 0..p.grid_rows {
            for c in 0..p.grid_cols {
                prop_assert!(close(maps.density[[r, c]], o.density[r][c]));
                prop_assert!(close(h[[r, c]], o.h_total[r][c]), "H[{r},{c}] {} vs {}", h[[r, c]], o.h_total[r][c]);
                prop_assert!(close(v[[r, c]], o.v_total[r][c]), "V[{r},{c}] {} vs {}", v[[r, c]], o.v_total[r][c]);
            }
        }
        let w = fast.weights;
        prop_assert!(close(fast.proxy_cost, w.wirelength * o.wirelength_cost + w.density * o.density_cost + w.congestion * o.congestion_cost));
    }
}

/// Hand-computed case: one 3-cell net in an L/T configuration and a macro straddling cells.
#[test]
fn hand_computed_three_pin_net_and_partial_macro() {
    // 4x4 grid on a 40x40 canvas (cells 10x10), routes 1/um both ways, alloc 1, no smoothing.
    let s = Spec {
        nodes: vec![
            (NodeKind::Port, 0.0, 0.0, 5.0, 5.0, Orientation::N), // cell (0,0), driver
            (NodeKind::Port, 0.0, 0.0, 25.0, 35.0, Orientation::N), // cell (3,2)
            (NodeKind::Port, 0.0, 0.0, 35.0, 15.0, Orientation::N), // cell (1,3)
            (NodeKind::HardMacro, 15.0, 10.0, 20.0, 20.0, Orientation::N), // x 12.5..27.5, y 15..25
        ],
        nets: vec![(1.0, vec![(0, 0.0, 0.0), (1, 0.0, 0.0), (2, 0.0, 0.0)])],
        canvas: (40.0, 40.0),
        grid: (4, 4),
        smooth: 0,
        square_soft: false,
        soft_pin_offsets: false,
    };
    let (nl, pl, mut p) = build(&s);
    p.h_routes_per_um = 1.0;
    p.v_routes_per_um = 1.0;
    p.h_macro_alloc = 1.0;
    p.v_macro_alloc = 1.0;
    let (_, maps) = proxy_cost_with_maps(&nl, &pl, &p);
    // Sorted by (col, row): (0,0), (3,2), (1,3): c1<c2<c3 and min(0,1) < 3? no (r2=3 is not
    // between 0 and 1) → not A; c2 != c3 → not B; r2 != r3 → not C; so D (T shape): re-sorted by
    // (row, col): (0,0), (1,3), (3,2): H on row 1 over cols [0,3); V col 0 rows [0,1);
    // V col 2 rows [1,3).
    let mut dh = ndarray::Array2::<f64>::zeros((4, 4));
    let mut dv = ndarray::Array2::<f64>::zeros((4, 4));
    for c in 0..3 {
        dh[[1, c]] = 1.0 / 10.0;
    }
    dv[[0, 0]] = 1.0 / 10.0;
    dv[[1, 2]] = 1.0 / 10.0;
    dv[[2, 2]] = 1.0 / 10.0;
    assert_eq!(maps.h_net, dh);
    assert_eq!(maps.v_net, dv);
    // Macro x 12.5..27.5 (cols 1,2: dx 7.5 each), y 15..25 (rows 1,2: dy 5 each). Partial in
    // both directions: vertical blockage removed from top row 2, horizontal from right col 2.
    let mut mv = ndarray::Array2::<f64>::zeros((4, 4));
    let mut mh = ndarray::Array2::<f64>::zeros((4, 4));
    for c in 1..3 {
        mv[[1, c]] = 7.5 / 10.0;
    }
    for r in 1..3 {
        mh[[r, 1]] = 5.0 / 10.0;
    }
    assert_eq!(maps.v_macro, mv);
    assert_eq!(maps.h_macro, mh);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 150, failure_persistence: None, ..ProptestConfig::default() })]

    /// Random moves, flips, swaps and undos keep the incremental cost equal to a full
    /// evaluation (and, through `fast_cost_equals_oracle`, to the oracle).
    #[test]
    fn incremental_equals_full(s in spec(), ops in prop::collection::vec((0u8..4, any::<u32>(), any::<u32>(), -0.2f64..1.2, -0.2f64..1.2), 1..40)) {
        let (nl, pl, p) = build(&s);
        let mut st = crate::cost::incremental::CostState::new(&nl, pl, p.clone());
        let n = nl.num_nodes() as u32;
        for (op, a, b, fx, fy) in ops {
            let (a, b) = (netlists::NodeId(a % n), netlists::NodeId(b % n));
            match op {
                0 => { st.move_node(a, fx * p.canvas_width, fy * p.canvas_height); }
                1 => { st.flip(a, Orientation::ALL[(b.0 % 8) as usize]); }
                2 => { st.swap(a, b); }
                _ => { st.undo(); }
            }
            let full = crate::cost::proxy_cost(&nl, st.placement(), &p);
            let inc = st.cost();
            prop_assert!(close(inc.hpwl, full.hpwl), "hpwl {} vs {}", inc.hpwl, full.hpwl);
            prop_assert!(close(inc.density_cost, full.density_cost));
            prop_assert!(close(inc.congestion_cost, full.congestion_cost), "cong {} vs {}", inc.congestion_cost, full.congestion_cost);
            prop_assert!(close(inc.proxy_cost, full.proxy_cost));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 100, failure_persistence: None, ..ProptestConfig::default() })]

    /// The partial cost kept through random placements of absent and present nodes equals a
    /// fresh evaluation of the same presence and positions at every step; with every node present
    /// it is exactly the proxy cost.
    #[test]
    fn partial_cost_incremental_equals_fresh(
        s in spec(),
        absent in prop::collection::vec(any::<bool>(), 64),
        ops in prop::collection::vec((any::<u32>(), -0.2f64..1.2, -0.2f64..1.2), 1..30),
    ) {
        use crate::cost::partial::PartialCost;
        let (nl, pl, p) = build(&s);
        let all = vec![true; nl.num_nodes()];
        let full = crate::cost::proxy_cost(&nl, &pl, &p);
        let whole = PartialCost::new(&nl, &pl, &p, &all);
        prop_assert_eq!(whole.cost(), &full);
        let present: Vec<bool> = (0..nl.num_nodes()).map(|i| !absent[i % absent.len()]).collect();
        let mut st = PartialCost::new(&nl, &pl, &p, &present);
        let n = nl.num_nodes() as u32;
        for (a, fx, fy) in ops {
            let a = netlists::NodeId(a % n);
            let c = if fx > 1.1 {
                st.remove(a)
            } else {
                st.place(a, fx * p.canvas_width, fy * p.canvas_height)
            };
            let fresh = PartialCost::new(&nl, st.placement(), &p, st.present());
            let (inc, f) = (st.cost(), fresh.cost());
            prop_assert_eq!(c, inc.proxy_cost);
            prop_assert!(close(inc.hpwl, f.hpwl), "hpwl {} vs {}", inc.hpwl, f.hpwl);
            prop_assert!(close(inc.density_cost, f.density_cost));
            prop_assert!(close(inc.congestion_cost, f.congestion_cost), "cong {} vs {}", inc.congestion_cost, f.congestion_cost);
            prop_assert!(close(inc.proxy_cost, f.proxy_cost));
        }
        for i in 0..nl.num_nodes() {
            if !st.present()[i] {
                let (x, y) = (st.placement().x[i], st.placement().y[i]);
                st.place(netlists::NodeId(i as u32), x, y);
            }
        }
        let full = crate::cost::proxy_cost(&nl, st.placement(), &p);
        prop_assert!(close(st.cost().proxy_cost, full.proxy_cost), "{} vs {}", st.cost().proxy_cost, full.proxy_cost);
        prop_assert!(close(st.cost().congestion_cost, full.congestion_cost));
    }
}

/// Absent nodes count for nothing: a hand-made case. Two 10×10 macros on a 40×40 canvas of
/// 4×4 cells of 10×10 joined by one net; with the second absent, the density map has the first
/// macro's one full cell, the net (one present pin) no demand and no wirelength.
#[test]
fn partial_cost_leaves_absent_nodes_out() {
    use crate::cost::partial::PartialCost;
    let mut b = NetlistBuilder::new("partial", SourceFormat::Memory);
    let at = SourceLine::default();
    for name in ["m0", "m1"] {
        b.add_node(name, 10.0, 10.0, NodeKind::HardMacro, false, at)
            .unwrap();
    }
    b.add_net("n", 1.0, at).unwrap();
    b.add_pin(netlists::NodeId(0), 0.0, 0.0, PinDir::Output);
    b.add_pin(netlists::NodeId(1), 0.0, 0.0, PinDir::Input);
    let nl = b.build().unwrap();
    let mut pl = Placement::zeros(nl.num_nodes());
    (pl.x[0], pl.y[0]) = (5.0, 5.0);
    (pl.x[1], pl.y[1]) = (35.0, 35.0);
    let mut p = CostParams::from_floorplan(nl.floorplan());
    (p.canvas_x, p.canvas_y, p.canvas_width, p.canvas_height) = (0.0, 0.0, 40.0, 40.0);
    (p.grid_cols, p.grid_rows) = (4, 4);
    let st = PartialCost::new(&nl, &pl, &p, &[true, false]);
    let maps = st.maps();
    assert_eq!(maps.density[[0, 0]], 1.0);
    assert_eq!(maps.density.sum(), 1.0);
    assert_eq!(st.cost().hpwl, 0.0);
    assert_eq!(maps.h_net.sum() + maps.v_net.sum(), 0.0);
    // Placing the second macro makes the net route and the cost equal the full one.
    let mut st = st;
    st.place(netlists::NodeId(1), 35.0, 35.0);
    assert_eq!(st.cost(), &crate::cost::proxy_cost(&nl, &pl, &p));
    assert_eq!(st.cost().hpwl, 60.0);
}

/// RUDY oracle: every net against every cell, written from the definition.
fn rudy_oracle(nl: &Netlist, pl: &Placement, p: &CostParams) -> Vec<Vec<f64>> {
    let (rows, cols) = (p.grid_rows, p.grid_cols);
    let gw = p.canvas_width / cols as f64;
    let gh = p.canvas_height / rows as f64;
    let mut out = vec![vec![0.0; cols]; rows];
    for net in nl.nets() {
        let pins: Vec<(f64, f64)> = nl
            .net_pins(net)
            .map(|i| crate::cost::pin_xy(nl, pl, i, p.soft_pin_offsets))
            .collect();
        if pins.len() < 2 {
            continue;
        }
        let xmin = pins.iter().map(|q| q.0).fold(f64::MAX, f64::min);
        let xmax = pins.iter().map(|q| q.0).fold(f64::MIN, f64::max);
        let ymin = pins.iter().map(|q| q.1).fold(f64::MAX, f64::min);
        let ymax = pins.iter().map(|q| q.1).fold(f64::MIN, f64::max);
        let (cx, cy) = ((xmin + xmax) / 2.0, (ymin + ymax) / 2.0);
        let bw = (xmax - xmin).max(gw);
        let bh = (ymax - ymin).max(gh);
        let (x0, x1) = if xmax - xmin >= gw {
            (xmin, xmax)
        } else {
            (cx - bw / 2.0, cx + bw / 2.0)
        };
        let (y0, y1) = if ymax - ymin >= gh {
            (ymin, ymax)
        } else {
            (cy - bh / 2.0, cy + bh / 2.0)
        };
        let dens = nl.net_weight()[net.idx()] * (bw + bh) / (bw * bh);
        for (r, row) in out.iter_mut().enumerate() {
            for (c, v) in row.iter_mut().enumerate() {
                let ox = (x1.min((c + 1) as f64 * gw) - x0.max(c as f64 * gw)).max(0.0);
                let oy = (y1.min((r + 1) as f64 * gh) - y0.max(r as f64 * gh)).max(0.0);
                *v += dens * ox * oy / (gw * gh);
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn rudy_equals_oracle(s in spec()) {
        let (nl, pl, p) = build(&s);
        let fast = crate::cost::rudy_map(&nl, &pl, &p);
        let slow = rudy_oracle(&nl, &pl, &p);
        for r in 0..p.grid_rows {
            for c in 0..p.grid_cols {
                prop_assert!(close(fast[[r, c]], slow[r][c]), "[{r},{c}] {} vs {}", fast[[r, c]], slow[r][c]);
            }
        }
    }
}

/// RUDY of one two-pin net spanning exactly two cells: density w·(bw+bh)/(bw·bh) per unit area.
#[test]
fn rudy_hand_computed() {
    let s = Spec {
        nodes: vec![
            (NodeKind::Port, 0.0, 0.0, 5.0, 5.0, Orientation::N),
            (NodeKind::Port, 0.0, 0.0, 15.0, 15.0, Orientation::N),
        ],
        nets: vec![(2.0, vec![(0, 0.0, 0.0), (1, 0.0, 0.0)])],
        canvas: (40.0, 40.0),
        grid: (4, 4),
        smooth: 0,
        square_soft: false,
        soft_pin_offsets: false,
    };
    let (nl, pl, p) = build(&s);
    let m = crate::cost::rudy_map(&nl, &pl, &p);
    // Box [5,15]x[5,15]: density 2·20/100 = 0.4; each of the 4 cells it touches gets 25/100 of
    // its area covered: 0.4·25/100 = 0.1.
    for (r, c) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
        assert!((m[[r, c]] - 0.1).abs() < 1e-15, "{r},{c}: {}", m[[r, c]]);
    }
    assert!((m.sum() - 0.4).abs() < 1e-14);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

    /// The single-threaded HPWL kernel agrees with the oracle.
    #[test]
    fn hpwl_kernel_equals_oracle(s in spec()) {
        let (nl, pl, p) = build(&s);
        let o = oracle(&nl, &pl, &p);
        prop_assert!(close(crate::cost::hpwl(&nl, &pl, &p), o.hpwl));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 100, failure_persistence: None, ..ProptestConfig::default() })]

    /// The geometric HPWL equals the sum of per-net HPWLs and the cost HPWL with offsets on.
    #[test]
    fn geometric_hpwl_is_the_sum_of_net_hpwls(s in spec()) {
        let (nl, pl, mut p) = build(&s);
        let per_net: f64 = nl.nets().map(|n| nl.net_weight()[n.idx()] * crate::cost::hpwl::net_hpwl(&nl, &pl, n)).sum();
        prop_assert!(close(crate::cost::hpwl::geometric_hpwl(&nl, &pl), per_net));
        p.soft_pin_offsets = true;
        prop_assert!(close(crate::cost::hpwl::geometric_hpwl(&nl, &pl), oracle(&nl, &pl, &p).hpwl));
    }
}

// ---------------------------------------------------------------------------------------------
// Masks against brute force.

fn brute_position_mask(
    nl: &Netlist,
    pl: &Placement,
    placed: &[bool],
    node: usize,
    g: &crate::macros::masks::MaskGrid,
) -> Vec<bool> {
    let fp = nl.floorplan();
    let (w, h) = (nl.node_width()[node], nl.node_height()[node]);
    let mut obstacles: Vec<(f64, f64, f64, f64)> = Vec::new(); // centre x, y, width, height
    for i in 0..nl.num_nodes() {
        if i != node && placed[i] && nl.node_kind()[i] == NodeKind::HardMacro {
            obstacles.push((pl.x[i], pl.y[i], nl.node_width()[i], nl.node_height()[i]));
        }
    }
    for b in &fp.blockages {
        obstacles.push((
            (b.x_min + b.x_max) / 2.0,
            (b.y_min + b.y_max) / 2.0,
            b.x_max - b.x_min,
            b.y_max - b.y_min,
        ));
    }
    let mut out = Vec::new();
    for r in 0..g.rows {
        for c in 0..g.cols {
            let (cx, cy) = (g.cx(c), g.cy(r));
            let inside = cx - w / 2.0 >= fp.x_min
                && cx + w / 2.0 <= fp.x_min + fp.width
                && cy - h / 2.0 >= fp.y_min
                && cy + h / 2.0 <= fp.y_min + fp.height;
            let free = obstacles.iter().all(|&(ox, oy, ow, oh)| {
                !(ox - (w + ow) / 2.0 < cx
                    && cx < ox + (w + ow) / 2.0
                    && oy - (h + oh) / 2.0 < cy
                    && cy < oy + (h + oh) / 2.0)
            });
            out.push(inside && free);
        }
    }
    out
}

fn brute_wire_mask(
    nl: &Netlist,
    pl: &Placement,
    placed: &[bool],
    node: usize,
    o: Orientation,
    g: &crate::macros::masks::MaskGrid,
) -> Vec<f64> {
    let nets: BTreeSet<usize> = nl
        .pins_of_node(netlists::NodeId(node as u32))
        .iter()
        .map(|&p| nl.pin_net(p).idx())
        .collect();
    let span = |pts: &[(f64, f64)]| -> f64 {
        if pts.is_empty() {
            return 0.0;
        }
        let xs = pts.iter().map(|p| p.0);
        let ys = pts.iter().map(|p| p.1);
        (xs.clone().fold(f64::MIN, f64::max) - xs.fold(f64::MAX, f64::min))
            + (ys.clone().fold(f64::MIN, f64::max) - ys.fold(f64::MAX, f64::min))
    };
    let mut out = Vec::new();
    for r in 0..g.rows {
        for c in 0..g.cols {
            let mut trial = pl.clone();
            trial.x[node] = g.cx(c);
            trial.y[node] = g.cy(r);
            trial.orient[node] = o;
            let mut total = 0.0;
            for &net in &nets {
                let range = nl.net_pin_start()[net] as usize..nl.net_pin_start()[net + 1] as usize;
                let others: Vec<(f64, f64)> = range
                    .clone()
                    .filter(|&q| {
                        let m = nl.pin_node()[q].idx();
                        m != node && placed[m]
                    })
                    .map(|q| trial.pin_position(nl, netlists::PinId(q as u32)))
                    .collect();
                let mut with = others.clone();
                with.extend(
                    range
                        .filter(|&q| nl.pin_node()[q].idx() == node)
                        .map(|q| trial.pin_position(nl, netlists::PinId(q as u32))),
                );
                total += nl.net_weight()[net] * (span(&with) - span(&others));
            }
            out.push(total);
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn masks_equal_brute_force(s in spec(), which in any::<u32>(), placed_bits in any::<u64>(), gc in 1usize..20, gr in 1usize..20, o in 0usize..8, snap in any::<bool>()) {
        let (_, mut pl, p) = build(&s);
        // The same design with the canvas as its floorplan (the masks read it) and a blockage.
        let nl = {
            let mut b = NetlistBuilder::new("random", SourceFormat::Memory);
            let at = SourceLine::default();
            for (i, n) in s.nodes.iter().enumerate() {
                let (w, h) = if n.0 == NodeKind::Port { (0.0, 0.0) } else { (n.1, n.2) };
                b.add_node(&format!("n{i}"), w, h, n.0, false, at).unwrap();
            }
            for (i, (w, pins)) in s.nets.iter().enumerate() {
                b.add_net(&format!("net{i}"), *w, at).unwrap();
                for &(node, dx, dy) in pins {
                    b.add_pin(netlists::NodeId(node as u32), dx, dy, PinDir::Input);
                }
            }
            let mut fp = netlists::Floorplan::with_canvas(0.0, 0.0, p.canvas_width, p.canvas_height, netlists::CanvasSource::Plc);
            fp.blockages.push(netlists::model::Blockage { x_min: 0.0, y_min: 0.0, x_max: p.canvas_width / 5.0, y_max: p.canvas_height / 7.0, rate: 1.0 });
            b.set_floorplan(fp);
            b.build().unwrap()
        };
        let g = crate::macros::masks::MaskGrid::over_canvas(&nl, gc, gr);
        if snap {
            // Obstacles on cell boundaries exercise the strict inequalities.
            for i in 0..pl.len() {
                pl.x[i] = (pl.x[i] / g.cell_w).round() * g.cell_w;
                pl.y[i] = (pl.y[i] / g.cell_h).round() * g.cell_h;
            }
        }
        let placed: Vec<bool> = (0..nl.num_nodes()).map(|i| placed_bits >> (i % 64) & 1 == 1).collect();
        let node = (which as usize) % nl.num_nodes();
        let id = netlists::NodeId(node as u32);
        let fast = crate::macros::masks::position_mask(&nl, &pl, &placed, id, &g);
        prop_assert_eq!(fast, brute_position_mask(&nl, &pl, &placed, node, &g));
        let o = Orientation::ALL[o];
        let fast = crate::macros::masks::wire_mask(&nl, &pl, &placed, id, o, &g);
        let slow = brute_wire_mask(&nl, &pl, &placed, node, o, &g);
        for (a, b) in fast.iter().zip(&slow) {
            prop_assert!(close(*a, *b), "{} vs {}", a, b);
        }
    }
}

/// A random macro set: `(width, height, x, y, fixed)` on a canvas, hard-macro utilization at most
/// `util` of the canvas, fixed macros pairwise disjoint (as a real floorplan's are), one blockage.
fn macro_set() -> impl Strategy<Value = (f64, f64, f64, Vec<(f64, f64, f64, f64, bool)>, bool)> {
    (
        100.0f64..1000.0,
        100.0f64..1000.0,
        0.05f64..0.6,
        prop::collection::vec(
            (
                0.02f64..1.0,
                0.02f64..1.0,
                -0.3f64..1.3,
                -0.3f64..1.3,
                0u8..8,
            ),
            1..40,
        ),
        any::<bool>(),
    )
        .prop_map(|(cw, ch, util, raw, blockage)| {
            // Sides at most 45% of the canvas; scale areas down to the utilization.
            let mut m: Vec<(f64, f64, f64, f64, bool)> = raw
                .iter()
                .map(|&(a, b, x, y, f)| (a * 0.45 * cw, b * 0.45 * ch, x * cw, y * ch, f == 0))
                .collect();
            let area: f64 = m.iter().map(|t| t.0 * t.1).sum();
            let budget = util * cw * ch - if blockage { cw * ch / 25.0 } else { 0.0 };
            if area > budget {
                let s = (budget.max(0.0) / area).sqrt();
                for t in &mut m {
                    t.0 = (t.0 * s).max(1e-3);
                    t.1 = (t.1 * s).max(1e-3);
                }
            }
            // Fixed macros: inside the canvas, disjoint from earlier fixed ones and the
            // blockage; otherwise movable.
            let mut fixed: Vec<(f64, f64, f64, f64)> = Vec::new();
            if blockage {
                fixed.push((0.0, 0.0, cw / 5.0, ch / 5.0));
            }
            for t in &mut m {
                if t.4 {
                    t.2 = t.2.clamp(t.0 / 2.0, cw - t.0 / 2.0);
                    t.3 = t.3.clamp(t.1 / 2.0, ch - t.1 / 2.0);
                    let r = (
                        t.2 - t.0 / 2.0,
                        t.3 - t.1 / 2.0,
                        t.2 + t.0 / 2.0,
                        t.3 + t.1 / 2.0,
                    );
                    let hit = fixed.iter().any(|f| {
                        r.2.min(f.2) - r.0.max(f.0) > 0.0 && r.3.min(f.3) - r.1.max(f.1) > 0.0
                    });
                    if hit {
                        t.4 = false;
                    } else {
                        fixed.push(r);
                    }
                }
            }
            (cw, ch, util, m, blockage)
        })
}

fn build_macros(
    cw: f64,
    ch: f64,
    m: &[(f64, f64, f64, f64, bool)],
    blockage: bool,
    soft: usize,
) -> (Netlist, Placement) {
    let mut b = NetlistBuilder::new("macros", SourceFormat::Memory);
    let at = SourceLine::default();
    add_macros(&mut b, m);
    for i in 0..soft {
        b.add_node(
            &format!("s{i}"),
            cw / 10.0,
            ch / 10.0,
            NodeKind::SoftMacro,
            false,
            at,
        )
        .unwrap();
    }
    let fp = canvas_with_blockage(cw, ch, blockage);
    b.set_floorplan(fp);
    let nl = b.build().unwrap();
    let mut pl = Placement::zeros(nl.num_nodes());
    for (i, t) in m.iter().enumerate() {
        pl.x[i] = t.2;
        pl.y[i] = t.3;
    }
    for i in 0..soft {
        pl.x[m.len() + i] = -cw + 3.0 * cw * (i as f64 / soft.max(1) as f64);
        pl.y[m.len() + i] = 2.0 * ch;
    }
    (nl, pl)
}

/// A `cw × ch` canvas, with a blockage over its lower-left fifth when asked.
fn canvas_with_blockage(cw: f64, ch: f64, blockage: bool) -> netlists::Floorplan {
    let mut fp = netlists::Floorplan::with_canvas(0.0, 0.0, cw, ch, netlists::CanvasSource::Plc);
    if blockage {
        fp.blockages.push(netlists::model::Blockage {
            x_min: 0.0,
            y_min: 0.0,
            x_max: cw / 5.0,
            y_max: ch / 5.0,
            rate: 1.0,
        });
    }
    fp
}

/// The hard macros of a `macro_set` (`(w, h, x, y, fixed)`), named `m0`, `m1`, ...
fn add_macros(b: &mut NetlistBuilder, m: &[(f64, f64, f64, f64, bool)]) {
    let at = SourceLine::default();
    for (i, t) in m.iter().enumerate() {
        let id = b
            .add_node(&format!("m{i}"), t.0, t.1, NodeKind::HardMacro, t.4, at)
            .unwrap();
        b.set_fixed(id, t.4);
    }
}

/// Brute force: can the `k` largest movable macros of a `macro_set` be placed at once, clear
/// of each other, the fixed macros and the blockage? Exact; when it says no, the whole set has
/// no legal placement either. Sliding macros left and down until nothing moves keeps a legal
/// packing legal and leaves each left edge at 0 or an obstacle's right edge plus the widths of a
/// chain of distinct movable macros (each touching the next), and likewise bottom edges; the
/// search tries every such coordinate for every macro, largest first (so a hopeless case fails
/// near the root). Meant for `k` ≤ 4: the candidates grow as 2^k per axis.
fn packable(cw: f64, ch: f64, m: &[(f64, f64, f64, f64, bool)], blockage: bool, k: usize) -> bool {
    type R = (f64, f64, f64, f64);
    let mut obstacles: Vec<R> = m
        .iter()
        .filter(|t| t.4)
        .map(|t| {
            (
                t.2 - t.0 / 2.0,
                t.3 - t.1 / 2.0,
                t.2 + t.0 / 2.0,
                t.3 + t.1 / 2.0,
            )
        })
        .collect();
    if blockage {
        obstacles.push((0.0, 0.0, cw / 5.0, ch / 5.0));
    }
    let mut sizes: Vec<(f64, f64)> = m.iter().filter(|t| !t.4).map(|t| (t.0, t.1)).collect();
    sizes.sort_by(|a, b| (b.0 * b.1).total_cmp(&(a.0 * a.1)));
    sizes.truncate(k);
    let base_x: Vec<f64> = std::iter::once(0.0)
        .chain(obstacles.iter().map(|o| o.2))
        .collect();
    let base_y: Vec<f64> = std::iter::once(0.0)
        .chain(obstacles.iter().map(|o| o.3))
        .collect();
    // Candidate lower-left corners of macro i: a base plus the sizes of a subset of the others.
    let candidates = |i: usize| -> Vec<(f64, f64)> {
        let others: Vec<usize> = (0..sizes.len()).filter(|&j| j != i).collect();
        let sums = |axis: usize, bases: &[f64]| -> Vec<f64> {
            let mut v = Vec::new();
            for mask in 0..1usize << others.len() {
                let add: f64 = (0..others.len())
                    .filter(|b| mask >> b & 1 == 1)
                    .map(|b| {
                        if axis == 0 {
                            sizes[others[b]].0
                        } else {
                            sizes[others[b]].1
                        }
                    })
                    .sum();
                v.extend(bases.iter().map(|b| b + add));
            }
            v
        };
        let (xs, ys) = (sums(0, &base_x), sums(1, &base_y));
        let (w, h) = sizes[i];
        let mut c = Vec::new();
        for &x in &xs {
            for &y in &ys {
                if x + w <= cw && y + h <= ch {
                    c.push((x, y));
                }
            }
        }
        c
    };
    let cands: Vec<Vec<(f64, f64)>> = (0..sizes.len()).map(candidates).collect();
    // Depth-first: macro i at each candidate clear of everything placed so far.
    fn search(
        i: usize,
        placed: &mut Vec<R>,
        sizes: &[(f64, f64)],
        cands: &[Vec<(f64, f64)>],
    ) -> bool {
        if i == sizes.len() {
            return true;
        }
        for &(x, y) in &cands[i] {
            let r = (x, y, x + sizes[i].0, y + sizes[i].1);
            let clear =
                |p: &R| r.2.min(p.2) - r.0.max(p.0) <= 0.0 || r.3.min(p.3) - r.1.max(p.1) <= 0.0;
            if placed.iter().all(clear) {
                placed.push(r);
                if search(i + 1, placed, sizes, cands) {
                    return true;
                }
                placed.pop();
            }
        }
        false
    }
    search(0, &mut obstacles, &sizes, &cands)
}

/// The fixed macros of a `macro_set` and its movable macro `i` only.
fn alone(m: &[(f64, f64, f64, f64, bool)], i: usize) -> Vec<(f64, f64, f64, f64, bool)> {
    m.iter()
        .enumerate()
        .filter(|&(j, t)| t.4 || j == i)
        .map(|(_, t)| *t)
        .collect()
}

/// Whether legalizing a `macro_set` design failed rightly. The generator bounds utilization,
/// not feasibility: a fixed macro in the middle can leave every free strip narrower than a large
/// movable macro. Giving up is right only when the macro it names fits nowhere even among the
/// fixed obstacles alone, or when the four largest movable macros have no packing at all.
fn proven_infeasible(
    cw: f64,
    ch: f64,
    m: &[(f64, f64, f64, f64, bool)],
    blockage: bool,
    err: &crate::macros::legalize::LegalizeError,
) -> bool {
    let crate::macros::legalize::LegalizeError::NoRoom { node, .. } = err else {
        return false;
    };
    let Some(i) = node.strip_prefix('m').and_then(|i| i.parse::<usize>().ok()) else {
        return false;
    };
    !packable(cw, ch, &alone(m, i), blockage, 1) || !packable(cw, ch, m, blockage, 4)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    /// Any overlapping, out-of-canvas start with hard-macro utilization ≤ 60% legalizes unless
    /// it is proven to have no legal placement at all (`proven_infeasible`): no violation at all,
    /// fixed macros exactly where they were, already-legal macros unmoved.
    #[test]
    fn legalizer_always_legal((cw, ch, _util, m, blockage) in macro_set()) {
        let (nl, start) = build_macros(cw, ch, &m, blockage, 3);
        let mut pl = start.clone();
        let report = crate::macros::legalize::legalize(&nl, &mut pl);
        if let Err(e) = &report {
            prop_assert!(proven_infeasible(cw, ch, &m, blockage, e), "{:?}", e);
            return Ok(());
        }
        let v = crate::cost::legality::check(&nl, &pl, Some(&start));
        prop_assert!(v.is_empty(), "{:?}", v);
        // And clear of the blockage.
        for (i, t) in m.iter().enumerate() {
            if t.4 {
                prop_assert_eq!((pl.x[i], pl.y[i]), (start.x[i], start.y[i]));
            }
            if blockage {
                let (x0, y0) = (pl.x[i] - t.0 / 2.0, pl.y[i] - t.1 / 2.0);
                prop_assert!(!(x0 < cw / 5.0 && y0 < ch / 5.0), "macro {} in the blockage", i);
            }
        }
        // Idempotent: a legal placement does not move.
        let mut again = pl.clone();
        let r2 = crate::macros::legalize::legalize(&nl, &mut again).unwrap();
        prop_assert_eq!(r2.moved, 0);
        prop_assert_eq!(again.x, pl.x);
    }
}

/// Found by `make soak`: on a 100×100 canvas a fixed 21.8×26.5 macro in the middle leaves free
/// strips 35.0, 43.2, 35.2 and 38.3 wide, none enough for a 44.5×42.1 macro. The legalizer
/// reports no room, and the brute-force check agrees; a 40×40 macro (fits in the right strip,
/// 43.2 wide, and the top strip, 38.3 tall) is legalized and the check agrees too.
#[test]
fn legalizer_reports_no_room_exactly_when_a_fixed_macro_leaves_none() {
    let fixed = (
        21.772002623808902,
        26.509544162067826,
        45.924491353061214,
        48.440371098203435,
        true,
    );
    let big = [
        fixed,
        (44.45155050910735, 42.12584906405185, 22.2, 21.1, false),
    ];
    assert!(!packable(100.0, 100.0, &alone(&big, 1), false, 1));
    let (nl, mut pl) = build_macros(100.0, 100.0, &big, false, 0);
    let err = crate::macros::legalize::legalize(&nl, &mut pl).unwrap_err();
    assert!(
        matches!(err, crate::macros::legalize::LegalizeError::NoRoom { ref node, .. } if node == "m1"),
        "{err:?}"
    );
    assert!(!packable(100.0, 100.0, &big, false, 4));
    let smaller = [fixed, (40.0, 40.0, 22.2, 21.1, false)];
    assert!(packable(100.0, 100.0, &smaller, false, 4));
    assert!(packable(100.0, 100.0, &alone(&smaller, 1), false, 1));
    let (nl, mut pl) = build_macros(100.0, 100.0, &smaller, false, 0);
    crate::macros::legalize::legalize(&nl, &mut pl).unwrap();
    assert!(crate::cost::legality::check(&nl, &pl, None).is_empty());
}

/// The exhaustive packing check on hand-made cases: two 60×40 macros stack on a 100×100 canvas,
/// two 60×60 do not; three 50×50 fit around a fixed 50×50 in one corner, but not around one in
/// the middle (every free strip is 25 wide).
#[test]
fn packable_decides_small_cases() {
    let mv = |w: f64, h: f64| (w, h, 0.0, 0.0, false);
    assert!(packable(
        100.0,
        100.0,
        &[mv(60.0, 40.0), mv(60.0, 40.0)],
        false,
        4
    ));
    assert!(!packable(
        100.0,
        100.0,
        &[mv(60.0, 60.0), mv(60.0, 60.0)],
        false,
        4
    ));
    // Only the k largest count: the two 60×60 do not fit together, one of them alone does.
    let mixed = [mv(1.0, 1.0), mv(60.0, 60.0), mv(60.0, 60.0)];
    assert!(!packable(100.0, 100.0, &mixed, false, 2));
    assert!(packable(100.0, 100.0, &mixed, false, 1));
    let three = |fx: f64, fy: f64| {
        [
            (50.0, 50.0, fx, fy, true),
            mv(50.0, 50.0),
            mv(50.0, 50.0),
            mv(50.0, 50.0),
        ]
    };
    assert!(packable(100.0, 100.0, &three(75.0, 75.0), false, 4));
    assert!(!packable(100.0, 100.0, &three(50.0, 50.0), false, 4));
}

/// Found by `make soak`: two thin fixed macros (a wall 0.9×35.2 from the bottom at x = 27.5 and
/// a 0.9 square above it) and three movable macros of 38.1×40.4, 39.4×42.2 and 34.2×34.2 on a
/// 100×100 canvas. Nothing fits left of the wall (27 wide) and no gap across it is 34.2 tall, so
/// all three must share the 71.7-wide right part, where no two fit side by side and the three
/// stacked are 116.8 tall: no placement exists, and both the legalizer and the search say so.
/// With a 0.9 square instead of the wall it is feasible (the 34.2 macro spans the wall's column
/// between the squares) and the legalizer finds a placement.
#[test]
fn legalizer_and_packing_search_agree_on_a_wall() {
    let movable = [
        (38.09971293409141, 40.385401493334086, 0.0, 0.0, false),
        (39.40536284012372, 42.23932005474592, 0.0, 0.0, false),
        (
            34.232861124142296,
            34.24932056908143,
            17.116430562071148,
            17.124660284540717,
            false,
        ),
    ];
    let dot = (0.9, 0.9, 27.839324582820712, 66.57896956432845, true);
    let wall = (
        0.9,
        35.16000410878048,
        27.531834250497795,
        17.58000205439024,
        true,
    );
    let square = (0.9, 0.9, 27.531834250497795, 30.66226036352946, true);
    for (second, feasible) in [(wall, false), (square, true)] {
        let m = [movable[0], dot, movable[1], second, movable[2]];
        assert_eq!(packable(100.0, 100.0, &m, false, 4), feasible);
        let (nl, mut pl) = build_macros(100.0, 100.0, &m, false, 0);
        let r = crate::macros::legalize::legalize(&nl, &mut pl);
        assert_eq!(r.is_ok(), feasible, "{r:?}");
        if feasible {
            assert!(crate::cost::legality::check(&nl, &pl, None).is_empty());
        }
    }
}

#[test]
fn legalizer_moves_an_overlap_to_the_nearest_spot_and_reports_no_room() {
    // Two 10×10 macros on a 40×20 canvas, both at (10, 10): the second (same area, higher id)
    // goes to the nearest legal spot, right next to the first.
    let m = [
        (10.0, 10.0, 10.0, 10.0, false),
        (10.0, 10.0, 10.0, 10.0, false),
    ];
    let (nl, mut pl) = build_macros(40.0, 20.0, &m, false, 0);
    let r = crate::macros::legalize::legalize(&nl, &mut pl).unwrap();
    assert_eq!(r.moved, 1);
    assert_eq!((pl.x[0], pl.y[0]), (10.0, 10.0));
    assert!(
        (pl.x[1] - 20.0).abs() < 1e-5 && pl.y[1] == 10.0,
        "{:?}",
        (pl.x[1], pl.y[1])
    );
    assert!(crate::cost::legality::check(&nl, &pl, None).is_empty());
    // Three 15×15 macros cannot fit on a 40×20 canvas.
    let m = [(15.0, 15.0, 10.0, 10.0, false); 3];
    let (nl, mut pl) = build_macros(40.0, 20.0, &m, false, 0);
    let e = crate::macros::legalize::legalize(&nl, &mut pl).unwrap_err();
    assert!(
        matches!(e, crate::macros::legalize::LegalizeError::NoRoom { .. }),
        "{e}"
    );
    assert!(e.to_string().contains("m"), "{e}");
}

/// A random small design for the placers: the macro set of [`macro_set`] plus soft macros and
/// ports, with random 2–4-pin nets among them.
fn build_design(
    cw: f64,
    ch: f64,
    m: &[(f64, f64, f64, f64, bool)],
    blockage: bool,
    nets: &[(u32, u32, u32)],
) -> (Netlist, Placement) {
    let mut b = NetlistBuilder::new("design", SourceFormat::Memory);
    let at = SourceLine::default();
    add_macros(&mut b, m);
    let soft = 4;
    for i in 0..soft {
        b.add_node(
            &format!("s{i}"),
            cw / 12.0,
            ch / 12.0,
            NodeKind::SoftMacro,
            false,
            at,
        )
        .unwrap();
    }
    for i in 0..2 {
        let id = b
            .add_node(&format!("p{i}"), 0.0, 0.0, NodeKind::Port, true, at)
            .unwrap();
        b.set_fixed(id, true);
    }
    let n = m.len() + soft + 2;
    for (k, &(a, bb, c)) in nets.iter().enumerate() {
        b.add_net(&format!("net{k}"), 1.0, at).unwrap();
        let mut seen = Vec::new();
        for (j, v) in [a, bb, c].iter().enumerate() {
            let node = *v as usize % n;
            if seen.contains(&node) {
                continue;
            }
            seen.push(node);
            let dir = if j == 0 {
                PinDir::Output
            } else {
                PinDir::Input
            };
            b.add_pin(netlists::NodeId(node as u32), 0.5, -0.5, dir);
        }
    }
    let mut fp = canvas_with_blockage(cw, ch, blockage);
    fp.grid = Some((5, 4));
    b.set_floorplan(fp);
    let nl = b.build().unwrap();
    let mut pl = Placement::zeros(nl.num_nodes());
    for (i, t) in m.iter().enumerate() {
        pl.x[i] = t.2;
        pl.y[i] = t.3;
    }
    for i in 0..soft {
        pl.x[m.len() + i] = cw * (i as f64 + 0.5) / soft as f64;
        pl.y[m.len() + i] = ch / 2.0;
    }
    pl.x[m.len() + soft] = 0.0;
    pl.y[m.len() + soft] = ch / 3.0;
    pl.x[m.len() + soft + 1] = cw;
    pl.y[m.len() + soft + 1] = ch;
    (nl, pl)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    /// Every flow on random designs: a legal result whose reported cost is the full evaluation
    /// of the returned placement, fixed nodes in place, and the same result for the same seed
    /// on 1 and 2 threads.
    #[test]
    fn every_flow_is_legal_exact_and_reproducible(
        (cw, ch, _u, m, blockage) in macro_set(),
        nets in prop::collection::vec((any::<u32>(), any::<u32>(), any::<u32>()), 1..30),
        seed in any::<u64>(),
    ) {
        use crate::macros::flow::{Method, PlaceOptions, place};
        let (nl, start) = build_design(cw, ch, &m, blockage, &nets);
        let params = crate::cost::CostParams::from_floorplan(nl.floorplan());
        for method in [Method::Greedy, Method::Ea, Method::Sa, Method::Clusters] {
            let opts = PlaceOptions {
                method,
                seed,
                budget: crate::macros::anneal::Budget { seconds: Some(300.0), iterations: Some(if method == Method::Ea { 6 } else { 3000 }) },
                grid: 32,
                cluster_moves: 500,
                ..PlaceOptions::default()
            };
            let run = |threads: usize| on_threads(threads, || place(&nl, &start, &params, &opts, &mut |_| {}));
            let r = match run(2) {
                Ok(r) => r,
                Err(e) => {
                    prop_assert!(proven_infeasible(cw, ch, &m, blockage, &e), "{:?}: {:?}", method, e);
                    return Ok(());
                }
            };
            prop_assert!(r.violations.is_empty(), "{:?}: {:?}", method, r.violations);
            prop_assert!(crate::cost::legality::check(&nl, &r.placement, Some(&start)).is_empty());
            let full = crate::cost::proxy_cost(&nl, &r.placement, &params);
            prop_assert_eq!(full.proxy_cost, r.cost.proxy_cost);
            prop_assert_eq!(r.stages.last().unwrap().proxy, r.cost.proxy_cost);
            let r1 = run(1).unwrap();
            prop_assert_eq!(&r1.placement.x, &r.placement.x, "{:?}", method);
            prop_assert_eq!(&r1.placement.y, &r.placement.y);
            prop_assert_eq!(&r1.placement.orient, &r.placement.orient);
        }
    }
}

#[test]
fn anneal_never_returns_worse_than_its_start_and_tracks_the_exact_cost() {
    let m: Vec<(f64, f64, f64, f64, bool)> = (0..12)
        .map(|i| {
            (
                20.0 + i as f64,
                15.0,
                30.0 + 25.0 * (i % 4) as f64,
                30.0 + 30.0 * (i / 4) as f64,
                false,
            )
        })
        .collect();
    let nets: Vec<(u32, u32, u32)> = (0..40u32).map(|k| (k * 7, k * 13 + 1, k * 3 + 2)).collect();
    let (nl, mut start) = build_design(200.0, 160.0, &m, false, &nets);
    crate::macros::legalize::legalize(&nl, &mut start).unwrap();
    let params = crate::cost::CostParams::from_floorplan(nl.floorplan());
    let c0 = crate::cost::proxy_cost(&nl, &start, &params).proxy_cost;
    let opts = crate::macros::anneal::AnnealOptions {
        budget: crate::macros::anneal::Budget {
            seconds: None,
            iterations: Some(20_000),
        },
        ..Default::default()
    };
    let mut calls = 0;
    let out = crate::macros::anneal::anneal(&nl, &start, &params, &opts, &mut |_| calls += 1);
    assert!(calls > 0);
    assert_eq!(out.iterations, 20_000);
    assert!(out.proxy <= c0, "{} > {c0}", out.proxy);
    assert!(out.proxy < c0, "20k moves found nothing better than {c0}");
    let full = crate::cost::proxy_cost(&nl, &out.placement, &params).proxy_cost;
    assert!(close(full, out.proxy), "{full} vs {}", out.proxy);
    assert!(crate::cost::legality::check(&nl, &out.placement, None).is_empty());
    // The trajectory's best never increases.
    for w in out.trajectory.windows(2) {
        assert!(w[1].best <= w[0].best);
    }
}

#[test]
fn jump_targets_draw_by_probability_and_annealing_with_them_stays_legal_and_reproducible() {
    use crate::macros::anneal::{AnnealOptions, Budget, JumpTargets, anneal};
    // The table: draws follow the probabilities, zero and NaN entries are never drawn, a node
    // without targets has none.
    let mut t = JumpTargets::new(3);
    t.set(
        1,
        &[
            (0.2, 1.0, 1.0),
            (0.0, 9.0, 9.0),
            (f64::NAN, 8.0, 8.0),
            (0.6, 2.0, 2.0),
        ],
    );
    assert_eq!(t.draw(0, 0.5), None);
    let p = t.targets(1);
    assert_eq!(p.len(), 2);
    assert!((p[0].0 - 0.25).abs() < 1e-12 && (p[1].0 - 0.75).abs() < 1e-12);
    let n = 10_000;
    let ones = (0..n)
        .filter(|&i| t.draw(1, (i as f64 + 0.5) / n as f64) == Some((1.0, 1.0)))
        .count();
    assert!((ones as f64 / n as f64 - 0.25).abs() < 1e-3, "{ones}");
    assert!((0..n).all(|i| matches!(
        t.draw(1, i as f64 / n as f64),
        Some((1.0, 1.0)) | Some((2.0, 2.0))
    )));
    // Annealing with every macro's jumps aimed at a few spots (some overlapping others): the
    // result is legal, exact and the same on 1 and 2 threads.
    let m: Vec<(f64, f64, f64, f64, bool)> = (0..10)
        .map(|i| {
            (
                18.0,
                14.0,
                30.0 + 30.0 * (i % 4) as f64,
                30.0 + 35.0 * (i / 4) as f64,
                false,
            )
        })
        .collect();
    let nets: Vec<(u32, u32, u32)> = (0..30u32).map(|k| (k * 7, k * 13 + 1, k * 3 + 2)).collect();
    let (nl, mut start) = build_design(200.0, 160.0, &m, false, &nets);
    crate::macros::legalize::legalize(&nl, &mut start).unwrap();
    let params = crate::cost::CostParams::from_floorplan(nl.floorplan());
    let mut table = JumpTargets::new(nl.num_nodes());
    for n in 0..nl.num_nodes() {
        if nl.node_kind()[n] == NodeKind::HardMacro {
            table.set(
                n,
                &[
                    (0.5, 40.0, 40.0),
                    (0.3, 150.0, 120.0),
                    (0.2, 100.0 + n as f64, 80.0),
                ],
            );
        }
    }
    let opts = AnnealOptions {
        budget: Budget {
            seconds: None,
            iterations: Some(20_000),
        },
        jumps: Some(std::sync::Arc::new(table)),
        ..Default::default()
    };
    let run =
        |threads: usize| on_threads(threads, || anneal(&nl, &start, &params, &opts, &mut |_| {}));
    let (a, b) = (run(1), run(2));
    assert_eq!(a.placement, b.placement);
    assert!(crate::cost::legality::check(&nl, &a.placement, None).is_empty());
    let full = crate::cost::proxy_cost(&nl, &a.placement, &params).proxy_cost;
    assert!(close(full, a.proxy), "{full} vs {}", a.proxy);
}

/// With an iteration budget and seconds both given, the seconds still end the run: 50 million
/// moves (about three minutes here) with 0.3 s stop near 0.3 s. Before, the iterations alone
/// ended it, and the cluster polish after ea overran `--time-limit` by 22%. The result is
/// legal and scored exactly.
#[test]
fn anneal_stops_at_its_seconds_even_with_moves_left() {
    let (nl, start) = netlists::generate::generate(&netlists::generate::GenerateOptions {
        macros: 8,
        clusters: 40,
        seed: 5,
        ..Default::default()
    })
    .unwrap();
    let params = crate::cost::CostParams::from_floorplan(nl.floorplan());
    let opts = crate::macros::anneal::AnnealOptions {
        budget: crate::macros::anneal::Budget {
            seconds: Some(0.3),
            iterations: Some(50_000_000),
        },
        ..Default::default()
    };
    let t = std::time::Instant::now();
    let out = crate::macros::anneal::anneal(&nl, &start, &params, &opts, &mut |_| {});
    let secs = t.elapsed().as_secs_f64();
    assert!(secs < 5.0, "ran {secs} s of a 0.3 s budget");
    assert!(crate::cost::legality::check(&nl, &out.placement, None).is_empty());
    let full = crate::cost::proxy_cost(&nl, &out.placement, &params).proxy_cost;
    assert!(close(full, out.proxy), "{full} vs {}", out.proxy);
}

#[test]
fn anneal_episode_end_keeps_the_macros_never_scores_worse_than_spreading_and_returns_minus_proxy() {
    use crate::env::{EnvOptions, EpisodeEnd, PlaceEnv};
    let (nl, pl) = netlists::generate::generate(&netlists::generate::GenerateOptions {
        macros: 8,
        clusters: 40,
        seed: 3,
        ..Default::default()
    })
    .unwrap();
    let params = crate::cost::CostParams::from_floorplan(nl.floorplan());
    let episode = |end: EpisodeEnd| {
        let opts = EnvOptions {
            grid: 16,
            end,
            ..EnvOptions::default()
        };
        let mut env = PlaceEnv::new(&nl, &pl, &params, &opts);
        env.reset();
        let (mut ret, mut proxy, mut k) = (0.0, f64::NAN, 0usize);
        while !env.done() {
            let legal: Vec<usize> = (0..env.legal().len()).filter(|&a| env.legal()[a]).collect();
            k = k.wrapping_mul(31).wrapping_add(7);
            let out = env.step(legal[k % legal.len()]).unwrap();
            ret += out.reward;
            if let Some(c) = out.cost {
                proxy = c.proxy_cost;
            }
        }
        (ret, proxy, env.placement().clone())
    };
    let (r0, p0, pl0) = episode(EpisodeEnd::Spread);
    let end = EpisodeEnd::Anneal { moves: 3000 };
    let (r1, p1, pl1) = episode(end);
    assert!(p1 <= p0 + 1e-12, "{p1} > {p0}");
    assert!(
        p1 < p0,
        "3000 cluster moves found nothing better than spreading ({p0})"
    );
    assert!((r1 + p1).abs() < 1e-9 && (r0 + p0).abs() < 1e-9);
    assert!((crate::cost::proxy_cost(&nl, &pl1, &params).proxy_cost - p1).abs() < 1e-9);
    for n in 0..nl.num_nodes() {
        if nl.node_kind()[n] != NodeKind::SoftMacro {
            assert_eq!((pl1.x[n], pl1.y[n]), (pl0.x[n], pl0.y[n]), "node {n} moved");
        }
    }
    assert_eq!(episode(end).2, pl1, "the anneal end is deterministic");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    /// The environment's carried masks equal fresh ones at every step, random legal actions give
    /// a legal placement, the observation agrees with the masks, and the return is −proxy of the
    /// finished placement.
    #[test]
    fn env_masks_are_exact_and_return_is_minus_proxy(
        (cw, ch, _u, m, blockage) in macro_set(),
        nets in prop::collection::vec((any::<u32>(), any::<u32>(), any::<u32>()), 1..30),
        picks in prop::collection::vec(any::<u32>(), 40),
        g in 4usize..40,
        live in any::<bool>(),
    ) {
        use crate::env::{EnvOptions, Observation, PlaceEnv};
        use crate::cost::partial::PartialCost;
        let (nl, mut start) = build_design(cw, ch, &m, blockage, &nets);
        // Fixed macros must be legal among themselves for any episode to be.
        if let Err(e) = crate::macros::legalize::legalize(&nl, &mut start) {
            prop_assert!(proven_infeasible(cw, ch, &m, blockage, &e), "{:?}", e);
            return Ok(());
        }
        let params = crate::cost::CostParams::from_floorplan(nl.floorplan());
        let opts = EnvOptions { grid: g, live_cost: live, ..EnvOptions::default() };
        let mut env = PlaceEnv::new(&nl, &start, &params, &opts);
        env.reset();
        let mut obs = Observation::default();
        let mut ret = 0.0;
        let mut last = None;
        let cells = env.grid().rows * env.grid().cols;
        let mut taken = Vec::new();
        let mut always_legal = true;
        while !env.done() {
            let t = env.step_index();
            let node = netlists::NodeId(env.order()[t] as u32);
            // Fresh masks with exactly the macros placed so far.
            let mut placed = vec![true; nl.num_nodes()];
            for &n in &env.order()[t..] {
                placed[n] = false;
            }
            let fresh = crate::macros::masks::position_mask(&nl, env.placement(), &placed, node, env.grid());
            prop_assert_eq!(env.legal(), &fresh[..], "step {}", t);
            let wire = crate::macros::masks::wire_mask(&nl, env.placement(), &placed, node, env.placement().orient[node.idx()], env.grid());
            prop_assert_eq!(&env.wire_values(), &wire);
            env.observe(&mut obs);
            prop_assert_eq!(obs.channels.len(), opts.channels() * cells);
            // Live cost: the partial placement's proxy (present: all but the macros to come).
            let phi = PartialCost::new(&nl, env.placement(), &params, &placed);
            if live {
                let maps = phi.maps();
                let k = cells / 2;
                prop_assert!(obs.channels[7 * cells..].iter().all(|v| (0.0..=4.0).contains(v)));
                let (cx, cy) = (env.grid().cx(k % env.grid().cols), env.grid().cy(k / env.grid().cols));
                let col = (((cx - params.canvas_x) / params.cell_width()).floor() as usize).min(params.grid_cols - 1);
                let row = (((cy - params.canvas_y) / params.cell_height()).floor() as usize).min(params.grid_rows - 1);
                prop_assert_eq!(obs.channels[7 * cells + k], maps.density[[row, col]].clamp(0.0, 4.0) as f32);
            }
            prop_assert_eq!(obs.macro_node, node.0);
            // The wire channel, naively: min–max normalised over the legal cells, 1 elsewhere.
            let (lo, hi) = (0..cells).filter(|&k| fresh[k]).fold(
                (f64::INFINITY, f64::NEG_INFINITY),
                |(a, b), k| (a.min(wire[k]), b.max(wire[k])),
            );
            let scale = if hi > lo { 1.0 / (hi - lo) } else { 0.0 };
            for k in 0..cells {
                prop_assert_eq!(obs.channels[k] == 1.0, fresh[k]);
                prop_assert!((0.0..=1.0).contains(&obs.channels[cells + k]));
                let want = if fresh[k] { ((wire[k] - lo) * scale) as f32 } else { 1.0 };
                prop_assert_eq!(obs.channels[cells + k], want, "cell {}", k);
            }
            let legal: Vec<usize> = (0..cells).filter(|&k| fresh[k]).collect();
            let a = if legal.is_empty() { picks[t % picks.len()] as usize % cells } else { legal[picks[t % picks.len()] as usize % legal.len()] };
            always_legal &= !legal.is_empty();
            taken.push(a);
            if let Some(bad) = (0..cells).find(|k| !fresh[*k])
                && !legal.is_empty()
            {
                let before = env.placement().clone();
                prop_assert!(env.clone().step(bad).is_err());
                prop_assert_eq!(&env.placement().x, &before.x);
            }
            let out = env.step(a).unwrap();
            if live && !out.done {
                // Shaped reward: minus the change of the partial placement's proxy.
                let mut now = placed.clone();
                now[node.idx()] = true;
                let after = PartialCost::new(&nl, env.placement(), &params, &now);
                let want = phi.cost().proxy_cost - after.cost().proxy_cost;
                prop_assert!(close(out.reward, want) || (out.reward - want).abs() < 1e-12, "{} vs {}", out.reward, want);
            }
            ret += out.reward;
            last = out.cost;
        }
        let pl = env.placement().clone();
        prop_assert!(crate::cost::legality::check(&nl, &pl, Some(&start)).is_empty());
        let cost = crate::cost::proxy_cost(&nl, &pl, &params);
        if env.num_steps() > 0 {
            let c = last.unwrap();
            prop_assert_eq!(c.proxy_cost, cost.proxy_cost);
            prop_assert!(close(ret, -cost.proxy_cost), "{} vs {}", ret, -cost.proxy_cost);
        }
        // Mapping the finished placement back to an episode gives back its actions and cost
        // (each macro's centre is its own cell's, legal at that step).
        let (back, proxy) = env.actions_towards(&pl).unwrap();
        prop_assert!(env.done());
        if always_legal {
            prop_assert_eq!(&back, &taken);
            prop_assert_eq!(env.placement(), &pl);
            if env.num_steps() > 0 {
                prop_assert_eq!(proxy, cost.proxy_cost);
            }
        }
        // Any target (here the start) maps to an episode whose proxy is its placement's.
        let (_, proxy) = env.actions_towards(&start).unwrap();
        if env.num_steps() > 0 {
            prop_assert_eq!(proxy, crate::cost::proxy_cost(&nl, env.placement(), &params).proxy_cost);
        }
        // Reset gives the same first observation again.
        env.reset();
        let mut o2 = Observation::default();
        env.observe(&mut o2);
        let mut env2 = PlaceEnv::new(&nl, &start, &params, &opts);
        env2.reset();
        let mut o3 = Observation::default();
        env2.observe(&mut o3);
        prop_assert_eq!(&o2.channels, &o3.channels);
        prop_assert_eq!(o2.scalars, o3.scalars);
        prop_assert_eq!(&o2.legal, &o3.legal);
        prop_assert_eq!(o2.macro_node, o3.macro_node);
        // A reused buffer (static channels skipped) equals a fresh one at every step.
        let mut reused = Observation::default();
        env2.observe(&mut reused);
        while !env2.done() {
            let a = reused.legal.iter().position(|&l| l).unwrap_or(0);
            env2.step(a).unwrap();
            let mut fresh = Observation::default();
            env2.observe(&mut fresh);
            env2.observe(&mut reused);
            prop_assert_eq!(&fresh.channels, &reused.channels);
        }
    }
}
