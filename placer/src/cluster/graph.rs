//! The partitioning graph: nets over movable std cells → a weighted undirected graph in CSR
//! form (what METIS takes).
//!
//! A net with `p` distinct nodes, `k` of them movable std cells (2 ≤ k), weight `w`:
//! - `k ≤ max_clique`: the clique model, each of the `k(k−1)/2` edges weighing `w/(p−1)`;
//! - larger: a cycle through its cells in node order, each edge weighing `w(k−1)/(2(p−1))`, so
//!   every cell's weighted degree from the net equals the clique's (`w(k−1)/(p−1)`) at `k`
//!   edges instead of `k²/2`;
//! - `p > max_net_degree` (clock, reset, scan): left out, as every partitioning flow does.
//!
//! Parallel edges are merged (weights added); weights are scaled to integers (×100, at least 1).
//! Vertex weights are cell areas scaled to a mean of about 100.

use netlists::{Netlist, NodeId};

use super::ClusterOptions;

/// METIS's index type.
pub type Idx = metis::Idx;

/// A weighted undirected graph in CSR form (each edge stored in both directions).
#[derive(Debug, Clone, PartialEq)]
pub struct Graph {
    /// Row starts, one per vertex plus one.
    pub xadj: Vec<Idx>,
    /// Neighbours.
    pub adjncy: Vec<Idx>,
    /// Edge weights, parallel to `adjncy`.
    pub adjwgt: Vec<Idx>,
    /// Vertex weights.
    pub vwgt: Vec<Idx>,
}

/// Edge weight scale (the float weights are multiplied by it and rounded).
pub const EDGE_SCALE: f64 = 100.0;

/// The weighted edges `(u, v, w)` with `u < v` of the expansion, unmerged, in net order: the
/// definition, used by [`clique_graph`] and by the tests as the oracle's input.
pub fn expanded_edges(
    netlist: &Netlist,
    cells: &[u32],
    opts: &ClusterOptions,
) -> Vec<(u32, u32, f64)> {
    let mut vertex = vec![u32::MAX; netlist.num_nodes()];
    for (v, &n) in cells.iter().enumerate() {
        vertex[n as usize] = v as u32;
    }
    let mut edges = Vec::new();
    let mut nodes: Vec<u32> = Vec::new();
    let mut vs: Vec<u32> = Vec::new();
    for net in netlist.nets() {
        nodes.clear();
        nodes.extend(netlist.net_pins(net).map(|p| netlist.pin_node()[p].0));
        nodes.sort_unstable();
        nodes.dedup();
        let p = nodes.len();
        if p < 2 || p > opts.max_net_degree {
            continue;
        }
        vs.clear();
        vs.extend(
            nodes
                .iter()
                .map(|&n| vertex[n as usize])
                .filter(|&v| v != u32::MAX),
        );
        let k = vs.len();
        if k < 2 {
            continue;
        }
        let w = netlist.net_weight()[net.idx()];
        if k <= opts.max_clique.max(2) {
            let we = w / (p - 1) as f64;
            for i in 0..k {
                for j in i + 1..k {
                    edges.push((vs[i], vs[j], we));
                }
            }
        } else {
            let we = w * (k - 1) as f64 / (2.0 * (p - 1) as f64);
            for i in 0..k {
                let (a, b) = (vs[i], vs[(i + 1) % k]);
                edges.push((a.min(b), a.max(b), we));
            }
        }
    }
    edges
}

/// The partitioning graph of the movable std cells `cells` (vertex `v` is node `cells[v]`).
pub fn clique_graph(netlist: &Netlist, cells: &[u32], opts: &ClusterOptions) -> Graph {
    let mut edges = expanded_edges(netlist, cells, opts);
    edges.sort_unstable_by_key(|e| (e.0, e.1));
    // Merge parallel edges.
    let mut merged: Vec<(u32, u32, f64)> = Vec::with_capacity(edges.len());
    for e in edges {
        match merged.last_mut() {
            Some(m) if m.0 == e.0 && m.1 == e.1 => m.2 += e.2,
            _ => merged.push(e),
        }
    }
    let nv = cells.len();
    let mut degree = vec![0usize; nv + 1];
    for &(u, v, _) in &merged {
        degree[u as usize + 1] += 1;
        degree[v as usize + 1] += 1;
    }
    for i in 0..nv {
        degree[i + 1] += degree[i];
    }
    let mut fill = degree.clone();
    let mut adjncy = vec![0 as Idx; 2 * merged.len()];
    let mut adjwgt = vec![0 as Idx; 2 * merged.len()];
    for &(u, v, w) in &merged {
        let wi = ((w * EDGE_SCALE).round().min(1e6) as Idx).max(1);
        for (a, b) in [(u, v), (v, u)] {
            let slot = fill[a as usize];
            adjncy[slot] = b as Idx;
            adjwgt[slot] = wi;
            fill[a as usize] += 1;
        }
    }
    let areas: Vec<f64> = cells
        .iter()
        .map(|&n| netlist.node_area(NodeId(n)))
        .collect();
    let mean = areas.iter().sum::<f64>() / nv.max(1) as f64;
    let vwgt = areas
        .iter()
        .map(|&a| {
            if mean > 0.0 {
                ((a / mean * 100.0).round() as Idx).max(1)
            } else {
                1
            }
        })
        .collect();
    Graph {
        xadj: degree.iter().map(|&d| d as Idx).collect(),
        adjncy,
        adjwgt,
        vwgt,
    }
}
