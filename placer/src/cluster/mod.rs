//! # Clustering: std cells → soft macros (the Circuit Training flow on flat netlists)
//!
//! The macro placers optimise the proxy cost of hard macros *and* soft macros. A flat netlist
//! has no soft macros, only std cells; this module groups them the way the CT flow does
//! (TILOS MacroPlacement's grouping → partitioning → break-up), so a flat design becomes a
//! clustered one the macro placers can move, and the cells can later start where their
//! cluster ended ([`spread_cells`]).
//!
//! - [`graph`]: the hypergraph (nets over movable std cells) → a weighted graph: the clique
//!   model for small nets, a cycle for larger ones, huge nets left out.
//! - [`partition`]: multilevel k-way partitioning of that graph with METIS (balance by cell
//!   area), and the exact hyperedge cut of any assignment.
//! - [`breakup`]: clusters whose cells spread over more than a grid cell (by the input
//!   placement) are split by grid cell; splinters join their nearest part.
//! - [`build`]: the clustered netlist — hard macros and ports as they were, one soft macro
//!   `Grp_k` per cluster (area = its cells' area, pins for the nets it cuts, net weights kept),
//!   written by the CT writer object for object.
//! - [`gridding`]: Circuit Training's choice of the placement grid for a design whose input
//!   gives none.
//!
//! Architecture invariant: hard macros, ports and fixed nodes are never absorbed; every
//! movable std cell is in exactly one cluster; the result depends on the netlist, the
//! placement and the options only (METIS is serial and seeded, and one call runs at a time:
//! its random state is global), never on the thread count or on concurrent clusterings.

pub mod breakup;
pub mod build;
pub mod graph;
pub mod gridding;
pub mod partition;

use std::time::Instant;

use netlists::{Netlist, NodeKind, Placement};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;

use crate::cost::CostParams;

/// A node that belongs to no cluster (hard macro, port, fixed node).
pub const NONE: u32 = u32::MAX;

/// Settings of [`cluster`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClusterOptions {
    /// Partitions asked of the partitioner (before break-up). The TILOS flow's default is 500.
    pub clusters: usize,
    /// Seed of the partitioner.
    pub seed: u64,
    /// Allowed imbalance of the partitions' areas (0.05: 5% above the mean, TILOS `ubfactor 5`).
    pub imbalance: f64,
    /// Nets with at most this many std cells become cliques; larger ones a cycle.
    pub max_clique: usize,
    /// Nets with more pins than this are left out of the partitioning graph.
    pub max_net_degree: usize,
    /// Break up a cluster whose cells' bounding box is wider or taller than this many grid
    /// cells (`None`: no break-up). Needs a meaningful input placement.
    pub breakup: Option<f64>,
    /// A break-up piece with fewer than this fraction of its cluster's cells joins the nearest
    /// larger piece.
    pub min_piece: f64,
    /// Std-cell utilization the soft macros stand for: a cluster's area is its cells' area
    /// divided by it. Default 1 (the sum of its cells' areas, as the TILOS flow writes it);
    /// Circuit Training's own clustered ariane133 has soft macros of twice the cells' area
    /// (0.5), which keeps room for the cells in the density term.
    pub cell_utilization: f64,
}

impl Default for ClusterOptions {
    fn default() -> Self {
        ClusterOptions {
            clusters: 500,
            seed: 1,
            imbalance: 0.05,
            max_clique: 16,
            max_net_degree: 500,
            breakup: Some(2.0),
            min_piece: 0.1,
            cell_utilization: 1.0,
        }
    }
}

/// Why clustering failed.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// Nothing to cluster.
    #[error("the design has no movable std cells to cluster")]
    NoStdCells,
    /// Zero clusters asked.
    #[error("--clusters: expected at least 1 cluster, found 0")]
    ZeroClusters,
    /// More clusters than cells.
    #[error(
        "--clusters: expected at most {cells} clusters (one per movable std cell), found {asked}"
    )]
    TooManyClusters {
        /// What was asked.
        asked: usize,
        /// Movable std cells.
        cells: usize,
    },
    /// A bad option value.
    #[error("{0}")]
    Option(String),
    /// The partitioner failed.
    #[error("METIS failed: {0}")]
    Metis(String),
    /// The clustered netlist is invalid.
    #[error("building the clustered netlist: {0}")]
    Build(#[from] netlists::Error),
}

/// What clustering measured.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ClusterStats {
    /// Movable std cells clustered.
    pub cells: usize,
    /// Partitions from the partitioner (non-empty).
    pub partitions: usize,
    /// Clusters after break-up.
    pub clusters: usize,
    /// Partitions broken up.
    pub broken_up: usize,
    /// Vertices and (undirected) edges of the partitioning graph.
    pub graph_vertices: usize,
    /// Undirected edges.
    pub graph_edges: usize,
    /// Nets cut by the final clusters (a net is cut when its std cells lie in two or more
    /// clusters, or a cluster shares it with a macro or port).
    pub cut_nets: usize,
    /// Their total weight.
    pub cut_weight: f64,
    /// Largest cluster area over the mean.
    pub max_area_ratio: f64,
    /// Seconds of the whole clustering.
    pub seconds: f64,
}

/// Every movable std cell's cluster.
#[derive(Debug, Clone, PartialEq)]
pub struct Clustering {
    /// For every node its cluster, or [`NONE`].
    pub node_cluster: Vec<u32>,
    /// Number of clusters (all non-empty, numbered 0..).
    pub num_clusters: usize,
    /// The std-cell utilization a soft macro stands for ([`ClusterOptions::cell_utilization`]).
    pub cell_utilization: f64,
    /// What it measured.
    pub stats: ClusterStats,
}

impl Clustering {
    /// The members of every cluster, in node order.
    pub fn members(&self) -> Vec<Vec<u32>> {
        let mut m = vec![Vec::new(); self.num_clusters];
        for (n, &c) in self.node_cluster.iter().enumerate() {
            if c != NONE {
                m[c as usize].push(n as u32);
            }
        }
        m
    }
}

/// Whether a node is clustered: a movable std cell.
pub fn is_clusterable(netlist: &Netlist, node: usize) -> bool {
    netlist.node_kind()[node] == NodeKind::StdCell && !netlist.node_fixed()[node]
}

/// Whether the placement says anything about the std cells (they are not all at one point, as
/// in a Bookshelf design whose movable nodes all start at the origin).
pub fn placement_is_informative(netlist: &Netlist, placement: &Placement) -> bool {
    let mut first: Option<(f64, f64)> = None;
    for n in 0..netlist.num_nodes() {
        if is_clusterable(netlist, n) {
            let p = (placement.x[n], placement.y[n]);
            match first {
                None => first = Some(p),
                Some(f) if f != p => return true,
                _ => {}
            }
        }
    }
    false
}

/// Clusters the movable std cells of `netlist`. `placement` drives the break-up (pass `None`
/// when it carries no information); `params` gives the grid it breaks up by.
pub fn cluster(
    netlist: &Netlist,
    placement: Option<&Placement>,
    params: &CostParams,
    opts: &ClusterOptions,
) -> Result<Clustering, ClusterError> {
    let t = Instant::now();
    let cells: Vec<u32> = (0..netlist.num_nodes())
        .filter(|&n| is_clusterable(netlist, n))
        .map(|n| n as u32)
        .collect();
    if cells.is_empty() {
        return Err(ClusterError::NoStdCells);
    }
    if opts.clusters == 0 {
        return Err(ClusterError::ZeroClusters);
    }
    if opts.clusters > cells.len() {
        return Err(ClusterError::TooManyClusters {
            asked: opts.clusters,
            cells: cells.len(),
        });
    }
    if !(opts.imbalance.is_finite() && opts.imbalance > 0.0 && opts.imbalance < 10.0) {
        return Err(ClusterError::Option(format!(
            "--imbalance: expected a fraction in (0, 10), found {}",
            opts.imbalance
        )));
    }
    if let Some(b) = opts.breakup
        && !(b.is_finite() && b > 0.0)
    {
        return Err(ClusterError::Option(format!(
            "--breakup: expected a positive number of grid cells, found {b}"
        )));
    }
    if !(opts.cell_utilization.is_finite()
        && opts.cell_utilization > 0.0
        && opts.cell_utilization <= 1.0)
    {
        return Err(ClusterError::Option(format!(
            "--cell-utilization: expected a fraction in (0, 1], found {}",
            opts.cell_utilization
        )));
    }
    let g = graph::clique_graph(netlist, &cells, opts);
    let part = partition::kway(netlist, &cells, &g, opts)?;
    let mut node_cluster = vec![NONE; netlist.num_nodes()];
    for (v, &c) in cells.iter().zip(&part) {
        node_cluster[*v as usize] = c;
    }
    let partitions = renumber(&mut node_cluster);
    let mut broken_up = 0;
    let num_clusters = match (placement, opts.breakup) {
        (Some(pl), Some(limit)) => {
            let r = breakup::break_up(pl, params, &mut node_cluster, limit, opts.min_piece);
            broken_up = r;
            renumber(&mut node_cluster)
        }
        _ => partitions,
    };
    let (cut_nets, cut_weight) = partition::hyperedge_cut(netlist, &node_cluster);
    let mut area = vec![0.0; num_clusters];
    for &v in &cells {
        area[node_cluster[v as usize] as usize] += netlist.node_area(netlists::NodeId(v));
    }
    let mean = area.iter().sum::<f64>() / num_clusters as f64;
    let max_area_ratio = if mean > 0.0 {
        area.iter().cloned().fold(0.0, f64::max) / mean
    } else {
        1.0
    };
    Ok(Clustering {
        node_cluster,
        num_clusters,
        cell_utilization: opts.cell_utilization,
        stats: ClusterStats {
            cells: cells.len(),
            partitions,
            clusters: num_clusters,
            broken_up,
            graph_vertices: cells.len(),
            graph_edges: g.adjncy.len() / 2,
            cut_nets,
            cut_weight,
            max_area_ratio,
            seconds: t.elapsed().as_secs_f64(),
        },
    })
}

/// Renumbers clusters 0.. in order of their first member (empty ones vanish); returns the
/// count.
pub(crate) fn renumber(node_cluster: &mut [u32]) -> usize {
    let mut new_of: Vec<u32> = Vec::new();
    let mut count = 0u32;
    for c in node_cluster.iter_mut().filter(|c| **c != NONE) {
        let i = *c as usize;
        if i >= new_of.len() {
            new_of.resize(i + 1, NONE);
        }
        if new_of[i] == NONE {
            new_of[i] = count;
            count += 1;
        }
        *c = new_of[i];
    }
    count as usize
}

/// The flat placement the cells start from after the macros were placed on the clustered
/// design: every clustered cell at a seeded random point inside its cluster's final footprint,
/// every other node where `clustered` put it (`node_map`: flat node → clustered node).
pub fn spread_cells(
    flat: &Netlist,
    flat_start: &Placement,
    c: &Clustering,
    clustered: &build::Clustered,
    clustered_placement: &Placement,
    seed: u64,
) -> Placement {
    let mut pl = flat_start.clone();
    let mut rng = SmallRng::seed_from_u64(seed ^ 0x005e_edc1_u64);
    let cn = &clustered.netlist;
    for n in 0..flat.num_nodes() {
        let k = c.node_cluster[n];
        let target = if k == NONE {
            clustered.node_map[n]
        } else {
            clustered.cluster_node[k as usize]
        };
        let t = target as usize;
        let (x, y) = (clustered_placement.x[t], clustered_placement.y[t]);
        if k == NONE {
            pl.x[n] = x;
            pl.y[n] = y;
            pl.orient[n] = clustered_placement.orient[t];
        } else {
            let (w, h) = (cn.node_width()[t], cn.node_height()[t]);
            pl.x[n] = x + (rng.random::<f64>() - 0.5) * w;
            pl.y[n] = y + (rng.random::<f64>() - 0.5) * h;
        }
    }
    pl
}

#[cfg(test)]
mod tests;
