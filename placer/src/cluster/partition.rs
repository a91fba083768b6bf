//! k-way partitioning of the cell graph with METIS (multilevel: heavy-edge coarsening, initial
//! partitioning, k-way Fiduccia–Mattheyses-style refinement), balanced by cell area; and the
//! exact hyperedge cut of any cluster assignment, the figure the clustering is judged by.

use netlists::Netlist;

use super::graph::{Graph, Idx};
use super::{ClusterError, ClusterOptions, NONE};

/// METIS keeps its random state in globals (GKlib's generator), so two partitions computed at
/// once on different threads draw from one stream and stop being reproducible. Every call goes
/// through this lock.
static METIS_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The partition of each vertex of `g` (vertex `v` is node `cells[v]`) into `opts.clusters`
/// parts. Deterministic in `opts.seed`.
pub fn kway(
    _netlist: &Netlist,
    cells: &[u32],
    g: &Graph,
    opts: &ClusterOptions,
) -> Result<Vec<u32>, ClusterError> {
    let mut part = vec![0 as Idx; cells.len()];
    if opts.clusters > 1 {
        let nparts = Idx::try_from(opts.clusters)
            .map_err(|_| ClusterError::Metis(format!("{} parts is too many", opts.clusters)))?;
        let ufactor = ((opts.imbalance * 1000.0).round() as Idx).max(1);
        let seed = (opts.seed % (Idx::MAX as u64)) as Idx;
        let _one_at_a_time = METIS_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        metis::Graph::new(1, nparts, &g.xadj, &g.adjncy)
            .map_err(|e| ClusterError::Metis(format!("{e:?}")))?
            .set_vwgt(&g.vwgt)
            .set_adjwgt(&g.adjwgt)
            .set_option(metis::option::Seed(seed))
            .set_option(metis::option::UFactor(ufactor))
            .part_kway(&mut part)
            .map_err(|e| ClusterError::Metis(format!("{e:?}")))?;
    }
    Ok(part.into_iter().map(|p| p.max(0) as u32).collect())
}

/// Nets cut by `node_cluster` and their total weight: a net is cut when it touches a cluster
/// and any other node (another cluster, a macro, a port), i.e. when it survives in the
/// clustered netlist with a cluster on it. Nets among macros and ports alone are not counted.
pub fn hyperedge_cut(netlist: &Netlist, node_cluster: &[u32]) -> (usize, f64) {
    let mut count = 0;
    let mut weight = 0.0;
    for net in netlist.nets() {
        let mut first: Option<u64> = None;
        let mut has_cluster = false;
        let mut cut = false;
        for p in netlist.net_pins(net) {
            let n = netlist.pin_node()[p].0;
            // Clusters and unclustered nodes in disjoint key ranges.
            let key = match node_cluster[n as usize] {
                NONE => (1u64 << 32) + u64::from(n),
                c => {
                    has_cluster = true;
                    u64::from(c)
                }
            };
            match first {
                None => first = Some(key),
                Some(f) if f != key => cut = true,
                _ => {}
            }
        }
        // Distinct non-cluster nodes alone are not a cluster cut.
        if cut && has_cluster {
            count += 1;
            weight += netlist.net_weight()[net.idx()];
        }
    }
    (count, weight)
}
