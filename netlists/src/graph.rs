//! A `petgraph` view of the netlist over placeable objects (hard macros, soft macros, ports),
//! for the learned policy's graph features.
//!
//! Each net is restricted to its distinct placeable nodes (std cells are skipped); a net with
//! k ≥ 2 such nodes contributes, scaled by the net weight:
//! - k ≤ `clique_max` (default 8): a clique, each edge weight `1/(k−1)`;
//! - larger: a star from the first node (the driver when the net has one), each edge weight
//!   `1/(k−1)`, so a net adds the same total weight per node in both models.
//!
//! Parallel contributions are summed into one undirected edge.

use petgraph::graph::{NodeIndex, UnGraph};
use rustc_hash::FxHashMap;

use crate::ids::NodeId;
use crate::model::{Netlist, NodeKind};

/// Options of [`NetGraph::build`].
#[derive(Debug, Clone, Copy)]
pub struct GraphOptions {
    /// Nets with at most this many placeable nodes become cliques; larger ones stars.
    pub clique_max: usize,
}

impl Default for GraphOptions {
    fn default() -> Self {
        GraphOptions { clique_max: 8 }
    }
}

/// The object graph: graph node `i` is netlist node `objects[i]`.
#[derive(Debug, Clone)]
pub struct NetGraph {
    /// The undirected weighted graph.
    pub graph: UnGraph<NodeId, f64>,
    /// Graph node → netlist node.
    pub objects: Vec<NodeId>,
    /// Netlist node → graph node (`None` for std cells).
    pub index_of: Vec<Option<NodeIndex>>,
}

impl NetGraph {
    /// Builds the graph; deterministic (edges in first-seen order).
    pub fn build(netlist: &Netlist, opts: GraphOptions) -> NetGraph {
        let mut graph = UnGraph::default();
        let mut index_of = vec![None; netlist.num_nodes()];
        let mut objects = Vec::new();
        for n in netlist.nodes() {
            if matches!(
                netlist.node_kind()[n.idx()],
                NodeKind::HardMacro | NodeKind::SoftMacro | NodeKind::Port
            ) {
                index_of[n.idx()] = Some(graph.add_node(n));
                objects.push(n);
            }
        }
        let mut edge_w: FxHashMap<(u32, u32), f64> = FxHashMap::default();
        let mut order: Vec<(u32, u32)> = Vec::new();
        let mut add = |a: NodeIndex, b: NodeIndex, w: f64| {
            let key = if a.index() < b.index() {
                (a.index() as u32, b.index() as u32)
            } else {
                (b.index() as u32, a.index() as u32)
            };
            let e = edge_w.entry(key).or_insert_with(|| {
                order.push(key);
                0.0
            });
            *e += w;
        };
        let mut members: Vec<NodeIndex> = Vec::new();
        // stamp[g] == net + 1 when graph node g is already a member of the current net.
        let mut stamp = vec![0u32; objects.len()];
        for net in netlist.nets() {
            members.clear();
            for p in netlist.net_pins(net) {
                if let Some(g) = index_of[netlist.pin_node()[p].idx()]
                    && stamp[g.index()] != net.0 + 1
                {
                    stamp[g.index()] = net.0 + 1;
                    members.push(g);
                }
            }
            let k = members.len();
            if k < 2 {
                continue;
            }
            let w = netlist.net_weight()[net.idx()] / (k - 1) as f64;
            if k <= opts.clique_max {
                for i in 0..k {
                    for j in i + 1..k {
                        add(members[i], members[j], w);
                    }
                }
            } else {
                for &m in &members[1..] {
                    add(members[0], m, w);
                }
            }
        }
        for key in order {
            graph.add_edge(
                NodeIndex::new(key.0 as usize),
                NodeIndex::new(key.1 as usize),
                edge_w[&key],
            );
        }
        NetGraph {
            graph,
            objects,
            index_of,
        }
    }
}
