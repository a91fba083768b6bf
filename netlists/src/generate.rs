//! Synthetic clustered Circuit Training netlists for pre-training and scale tests
//! (`macroplace generate`).
//!
//! Statistics modelled on the shared clustered designs (ariane133: 133 hard macros, 782
//! clusters, 495 ports, ~9 nets per node, degrees mostly 2–10):
//! - **hard macros**: areas log-normal (σ = 0.6, so a ~10× spread), aspect ratios log-uniform in
//!   [1/2, 2], together `hard_util` of the canvas, no side above 30% of it; one pin per net on
//!   the macro's edge;
//! - **clusters** (soft macros, named `Grp_*` as CT names them): log-normal areas (σ = 0.4),
//!   aspect in [0.7, 1.4], together `total_util − hard_util` of the canvas; pins at the centre;
//! - **ports** on the canvas boundary, evenly spread with jitter;
//! - **nets**: degree 2 (50%), 3 (18%), 4–5 (15%), 6–10 (14%), 11–20 (3%); locality in the style
//!   of Rent's rule: every node has a hidden position, a net grows from a driver by picking its
//!   other pins among nodes within a radius drawn from a heavy-tailed distribution (most nets
//!   local, a few spanning the die); every port drives or receives at least one net, and every
//!   macro has at least one net.
//!
//! The starting placement puts every node at its hidden position (so it correlates with
//! connectivity, like a real `initial.plc`, and overlaps like one). The floorplan carries a
//! `.plc`-style header: grid of ~60 µm cells, ariane133's routing capacities, smoothing 0.
//! Deterministic in the seed.

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use crate::model::{CanvasSource, Floorplan, Routing, SourceLine};
use crate::{Error, SourceFormat};
use crate::{Netlist, NetlistBuilder, NodeId, NodeKind, PinDir, Placement, Result};

/// Settings of [`generate`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct GenerateOptions {
    /// Design name.
    pub name: String,
    /// Hard macros.
    pub macros: usize,
    /// Soft macros (std-cell clusters).
    pub clusters: usize,
    /// Ports (default when 0: ~1/3 of macros + clusters, at least 8).
    pub ports: usize,
    /// Seed.
    pub seed: u64,
    /// Hard-macro area over the canvas area.
    pub hard_util: f64,
    /// Hard + soft macro area over the canvas area.
    pub total_util: f64,
    /// Nets per macro or cluster.
    pub nets_per_node: f64,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        GenerateOptions {
            name: "synthetic".into(),
            macros: 64,
            clusters: 400,
            ports: 0,
            seed: 1,
            hard_util: 0.45,
            total_util: 0.68,
            nets_per_node: 8.0,
        }
    }
}

/// A standard normal sample (Box–Muller).
fn normal(rng: &mut SmallRng) -> f64 {
    let u: f64 = rng.random::<f64>().max(1e-300);
    let v: f64 = rng.random();
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

/// Generates a design and its starting placement (see the module docs).
pub fn generate(opts: &GenerateOptions) -> Result<(Netlist, Placement)> {
    if opts.macros + opts.clusters == 0 {
        return Err(Error::Invalid(
            "generate: expected at least one macro or cluster".into(),
        ));
    }
    if !(opts.hard_util >= 0.0 && opts.total_util > opts.hard_util && opts.total_util < 1.0) {
        return Err(Error::Invalid(format!(
            "generate: expected 0 ≤ hard utilization < total utilization < 1, found {} and {}",
            opts.hard_util, opts.total_util
        )));
    }
    let mut rng = SmallRng::seed_from_u64(opts.seed);
    let (nm, nc) = (opts.macros, opts.clusters);
    let np = if opts.ports > 0 {
        opts.ports
    } else {
        ((nm + nc) / 3).max(8)
    };
    // Canvas: ~100 µm macros on average for 100 macros per mm².
    let side = 1000.0 * (((nm + nc / 4) as f64) / 100.0).sqrt().max(0.3);
    let area = side * side;
    let lognormal_sizes =
        |rng: &mut SmallRng, n: usize, sigma: f64, total: f64, aspect: (f64, f64)| {
            let raw: Vec<f64> = (0..n).map(|_| (sigma * normal(rng)).exp()).collect();
            let s: f64 = raw.iter().sum();
            raw.iter()
                .map(|&r| {
                    let a = total * r / s;
                    let asp = (aspect.0.ln()
                        + rng.random::<f64>() * (aspect.1.ln() - aspect.0.ln()))
                    .exp();
                    let (w, h) = ((a * asp).sqrt(), (a / asp).sqrt());
                    (w.min(0.3 * side), h.min(0.3 * side))
                })
                .collect::<Vec<_>>()
        };
    let hard = lognormal_sizes(&mut rng, nm, 0.6, opts.hard_util * area, (0.5, 2.0));
    let soft = lognormal_sizes(
        &mut rng,
        nc,
        0.4,
        (opts.total_util - opts.hard_util) * area,
        (0.7, 1.4),
    );
    let mut b = NetlistBuilder::new(opts.name.clone(), SourceFormat::Memory);
    let at = SourceLine::default();
    let mut pos: Vec<(f64, f64)> = Vec::new();
    let mut dims: Vec<(f64, f64)> = Vec::new();
    for (i, &(w, h)) in hard.iter().enumerate() {
        b.add_node(&format!("macro_{i}"), w, h, NodeKind::HardMacro, false, at)?;
        pos.push((rng.random::<f64>() * side, rng.random::<f64>() * side));
        dims.push((w, h));
    }
    for (i, &(w, h)) in soft.iter().enumerate() {
        b.add_node(&format!("Grp_{i}"), w, h, NodeKind::SoftMacro, false, at)?;
        pos.push((rng.random::<f64>() * side, rng.random::<f64>() * side));
        dims.push((w, h));
    }
    for i in 0..np {
        let id = b.add_node(&format!("port_{i}"), 0.0, 0.0, NodeKind::Port, true, at)?;
        b.set_fixed(id, true);
        // Around the boundary, evenly with jitter.
        let t = ((i as f64 + 0.5 + 0.4 * (rng.random::<f64>() - 0.5)) / np as f64) * 4.0 * side;
        let (x, y) = match (t / side) as usize {
            0 => (t, 0.0),
            1 => (side, t - side),
            2 => (3.0 * side - t, side),
            _ => (0.0, (4.0 * side - t).max(0.0)),
        };
        pos.push((x.clamp(0.0, side), y.clamp(0.0, side)));
        dims.push((0.0, 0.0));
    }
    let n_nodes = nm + nc + np;
    // A bucket grid over hidden positions for neighbour picks.
    let buckets = ((n_nodes as f64).sqrt().ceil() as usize).clamp(1, 256);
    let cell = side / buckets as f64;
    let bucket_of = |(x, y): (f64, f64)| {
        let c = ((x / cell) as usize).min(buckets - 1);
        let r = ((y / cell) as usize).min(buckets - 1);
        (r, c)
    };
    let mut grid: Vec<Vec<u32>> = vec![Vec::new(); buckets * buckets];
    for (i, &p) in pos.iter().enumerate() {
        let (r, c) = bucket_of(p);
        grid[r * buckets + c].push(i as u32);
    }
    let pin_offset = |rng: &mut SmallRng, n: usize| -> (f64, f64) {
        if n >= nm {
            return (0.0, 0.0);
        }
        let (w, h) = dims[n];
        let t: f64 = rng.random::<f64>() - 0.5;
        match rng.random_range(0..4) {
            0 => (t * w, -h / 2.0),
            1 => (w / 2.0, t * h),
            2 => (t * w, h / 2.0),
            _ => (-w / 2.0, t * h),
        }
    };
    let mut has_net = vec![false; n_nodes];
    let n_nets = (opts.nets_per_node * (nm + nc) as f64).round() as usize + np;
    let mut members: Vec<usize> = Vec::new();
    for e in 0..n_nets {
        // Drivers: each port once first, then macros/clusters (clusters 4× as likely per node).
        let driver = if e < np {
            nm + nc + e
        } else if nm > 0 && rng.random::<f64>() < nm as f64 / (nm as f64 + 4.0 * nc as f64) {
            rng.random_range(0..nm)
        } else if nc > 0 {
            nm + rng.random_range(0..nc)
        } else {
            rng.random_range(0..nm)
        };
        let u: f64 = rng.random();
        let k = if u < 0.50 {
            2
        } else if u < 0.68 {
            3
        } else if u < 0.83 {
            rng.random_range(4..=5)
        } else if u < 0.97 {
            rng.random_range(6..=10)
        } else {
            rng.random_range(11..=20)
        };
        // Heavy-tailed radius: most nets local, a few die-spanning.
        let radius = side * (0.03 * (-(rng.random::<f64>().max(1e-12)).ln() * 1.5).exp()).min(1.5);
        members.clear();
        members.push(driver);
        let (dx, dy) = pos[driver];
        let span = (radius / cell).ceil() as i64;
        let (r0, c0) = bucket_of((dx, dy));
        let mut tries = 0;
        while members.len() < k && tries < 40 * k {
            tries += 1;
            let r = r0 as i64 + rng.random_range(-span..=span);
            let c = c0 as i64 + rng.random_range(-span..=span);
            if r < 0 || c < 0 || r >= buckets as i64 || c >= buckets as i64 {
                continue;
            }
            let bucket = &grid[r as usize * buckets + c as usize];
            if bucket.is_empty() {
                continue;
            }
            let m = bucket[rng.random_range(0..bucket.len())] as usize;
            // Ports rarely share a net with each other.
            if m >= nm + nc && driver >= nm + nc {
                continue;
            }
            if !members.contains(&m) {
                members.push(m);
            }
        }
        if members.len() < 2 {
            // Fallback: any non-port node.
            let m = rng.random_range(0..nm + nc);
            if m == driver {
                continue;
            }
            members.push(m);
        }
        let net = b.add_net(&format!("net_{e}"), 1.0, at)?;
        let _ = net;
        for (j, &m) in members.iter().enumerate() {
            has_net[m] = true;
            let (ox, oy) = pin_offset(&mut rng, m);
            let dir = if j == 0 {
                PinDir::Output
            } else {
                PinDir::Input
            };
            b.add_pin(NodeId(m as u32), ox, oy, dir);
        }
    }
    // Every macro and cluster on at least one net.
    let mut extra = n_nets;
    for (n, _) in has_net
        .iter()
        .enumerate()
        .take(nm + nc)
        .filter(|(_, h)| !**h)
    {
        {
            let mut m = rng.random_range(0..nm + nc);
            if m == n {
                m = (m + 1) % (nm + nc);
            }
            if m == n {
                continue;
            }
            b.add_net(&format!("net_{extra}"), 1.0, at)?;
            extra += 1;
            let (ox, oy) = pin_offset(&mut rng, n);
            b.add_pin(NodeId(n as u32), ox, oy, PinDir::Output);
            let (ox, oy) = pin_offset(&mut rng, m);
            b.add_pin(NodeId(m as u32), ox, oy, PinDir::Input);
        }
    }
    let mut fp = Floorplan::with_canvas(0.0, 0.0, side, side, CanvasSource::Plc);
    let g = ((side / 60.0).round() as u32).clamp(4, 128);
    fp.grid = Some((g, g));
    fp.routing = Some(Routing {
        h_routes_per_um: 57.031,
        v_routes_per_um: 56.818,
        h_macro_alloc: 39.583,
        v_macro_alloc: 30.303,
    });
    fp.smoothing = Some(0.0);
    fp.overlap_threshold = Some(0.004);
    b.set_floorplan(fp);
    let nl = b.build()?;
    let mut pl = Placement::zeros(nl.num_nodes());
    for (i, &(x, y)) in pos.iter().enumerate() {
        let (w, h) = dims[i];
        pl.x[i] = x.clamp(w / 2.0, side - w / 2.0);
        pl.y[i] = y.clamp(h / 2.0, side - h / 2.0);
    }
    Ok((nl, pl))
}
