//! Tests of clustering on small random flat designs (the full-flow test generator) against
//! naive oracles: coverage, areas, kept nets and weights, determinism, the exact cut.

use std::collections::BTreeMap;

use netlists::{NodeId, NodeKind};

use super::{ClusterError, ClusterOptions, NONE, build, cluster, partition};
use crate::cost::CostParams;

fn flat(seed: u64) -> (netlists::Netlist, netlists::Placement) {
    crate::tests_full::design(seed, 12, 3, 90, false)
}

fn opts(k: usize, seed: u64) -> ClusterOptions {
    ClusterOptions {
        clusters: k,
        seed,
        ..ClusterOptions::default()
    }
}

/// Clustered node sets of every flat net (sorted, distinct) that keeps two or more nodes, with
/// the summed weight of the flat nets that map to each set: what the clustered netlist must
/// hold, net for net.
fn expected_nets(
    nl: &netlists::Netlist,
    c: &super::Clustering,
    cd: &build::Clustered,
) -> BTreeMap<Vec<u32>, f64> {
    let mut m = BTreeMap::new();
    for net in nl.nets() {
        let mut set: Vec<u32> = nl
            .net_pins(net)
            .map(|p| {
                let n = nl.pin_node()[p].idx();
                match c.node_cluster[n] {
                    NONE => cd.node_map[n],
                    k => cd.cluster_node[k as usize],
                }
            })
            .collect();
        set.sort_unstable();
        set.dedup();
        if set.len() >= 2 {
            *m.entry(set).or_insert(0.0) += nl.net_weight()[net.idx()];
        }
    }
    m
}

fn actual_nets(nl: &netlists::Netlist) -> BTreeMap<Vec<u32>, f64> {
    let mut m = BTreeMap::new();
    for net in nl.nets() {
        let mut set: Vec<u32> = nl.net_pins(net).map(|p| nl.pin_node()[p].0).collect();
        set.sort_unstable();
        set.dedup();
        *m.entry(set).or_insert(0.0) += nl.net_weight()[net.idx()];
    }
    m
}

#[test]
fn every_cell_in_one_cluster_areas_add_up_and_macros_and_ports_are_kept() {
    for seed in 1..=4 {
        let (nl, pl) = flat(seed);
        let params = CostParams::from_floorplan(nl.floorplan());
        for (k, util) in [(1, 1.0), (6, 1.0), (6, 0.5), (20, 1.0)] {
            let o = ClusterOptions {
                cell_utilization: util,
                ..opts(k, seed)
            };
            let c = cluster(&nl, Some(&pl), &params, &o).unwrap();
            assert!(c.num_clusters >= 1);
            let mut members = vec![0usize; c.num_clusters];
            for n in 0..nl.num_nodes() {
                let kind = nl.node_kind()[n];
                if kind == NodeKind::StdCell {
                    assert!((c.node_cluster[n] as usize) < c.num_clusters);
                    members[c.node_cluster[n] as usize] += 1;
                } else {
                    assert_eq!(c.node_cluster[n], NONE, "{kind:?} {n} absorbed");
                }
            }
            assert!(members.iter().all(|&m| m > 0), "an empty cluster");
            assert_eq!(members.iter().sum::<usize>(), c.stats.cells);
            let cd = build::clustered_design(&nl, &pl, &c, &params).unwrap();
            let cn = &cd.netlist;
            let mut area = vec![0.0; c.num_clusters];
            for n in 0..nl.num_nodes() {
                match c.node_cluster[n] {
                    NONE => {
                        // Kept as it was, where it was.
                        let m = cd.node_map[n] as usize;
                        assert_eq!(cn.node_name()[m], nl.node_name()[n]);
                        assert_eq!(cn.node_kind()[m], nl.node_kind()[n]);
                        assert_eq!(cn.node_fixed()[m], nl.node_fixed()[n]);
                        assert_eq!(cn.node_width()[m], nl.node_width()[n]);
                        assert_eq!(cn.node_height()[m], nl.node_height()[n]);
                        assert_eq!((cd.placement.x[m], cd.placement.y[m]), (pl.x[n], pl.y[n]));
                    }
                    k => area[k as usize] += nl.node_area(NodeId(n as u32)),
                }
            }
            assert_eq!(
                cn.num_nodes(),
                nl.num_nodes() - c.stats.cells + c.num_clusters
            );
            for (k, &a) in area.iter().enumerate() {
                let s = cd.cluster_node[k] as usize;
                assert_eq!(cn.node_kind()[s], NodeKind::SoftMacro);
                let got = cn.node_area(NodeId(s as u32));
                assert!(
                    (got - a / util).abs() <= 1e-9 * a,
                    "cluster {k}: {got} vs {a}"
                );
            }
        }
    }
}

#[test]
fn every_net_that_crosses_clusters_is_kept_with_its_weight() {
    for seed in 1..=4 {
        let (nl, pl) = flat(seed);
        let params = CostParams::from_floorplan(nl.floorplan());
        for k in [2, 7, 30] {
            let c = cluster(&nl, Some(&pl), &params, &opts(k, seed)).unwrap();
            let cd = build::clustered_design(&nl, &pl, &c, &params).unwrap();
            let want = expected_nets(&nl, &c, &cd);
            let got = actual_nets(&cd.netlist);
            assert_eq!(
                want.keys().collect::<Vec<_>>(),
                got.keys().collect::<Vec<_>>()
            );
            for (set, w) in &want {
                assert!((got[set] - w).abs() < 1e-9, "{set:?}: {} vs {w}", got[set]);
            }
            // The cut the stats report, against the naive count of flat nets whose clustered
            // node set has a cluster and another node.
            let naive: Vec<f64> = nl
                .nets()
                .filter_map(|net| {
                    let mut keys: Vec<(bool, u32)> = nl
                        .net_pins(net)
                        .map(|p| {
                            let n = nl.pin_node()[p].idx();
                            match c.node_cluster[n] {
                                NONE => (false, n as u32),
                                k => (true, k),
                            }
                        })
                        .collect();
                    keys.sort_unstable();
                    keys.dedup();
                    (keys.len() >= 2 && keys.iter().any(|k| k.0))
                        .then(|| nl.net_weight()[net.idx()])
                })
                .collect();
            let (count, weight) = partition::hyperedge_cut(&nl, &c.node_cluster);
            assert_eq!(count, naive.len());
            assert!((weight - naive.iter().sum::<f64>()).abs() < 1e-9);
        }
    }
}

#[test]
fn same_seed_same_clusters_for_any_thread_count() {
    let (nl, pl) = flat(9);
    let params = CostParams::from_floorplan(nl.floorplan());
    let run = |threads: usize, seed: u64| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| cluster(&nl, Some(&pl), &params, &opts(8, seed)).unwrap())
    };
    let a = run(1, 3);
    let b = run(2, 3);
    assert_eq!(a.node_cluster, b.node_cluster);
    assert_eq!(a.num_clusters, b.num_clusters);
    let ca = build::clustered_design(&nl, &pl, &a, &params).unwrap();
    let cb = build::clustered_design(&nl, &pl, &b, &params).unwrap();
    assert_eq!(actual_nets(&ca.netlist), actual_nets(&cb.netlist));
    assert_eq!(ca.placement.x, cb.placement.x);
}

#[test]
fn bad_options_and_designs_without_cells_are_refused() {
    let (nl, pl) = flat(2);
    let params = CostParams::from_floorplan(nl.floorplan());
    assert!(matches!(
        cluster(&nl, Some(&pl), &params, &opts(0, 1)),
        Err(ClusterError::ZeroClusters)
    ));
    assert!(matches!(
        cluster(&nl, Some(&pl), &params, &opts(91, 1)),
        Err(ClusterError::TooManyClusters {
            asked: 91,
            cells: 90
        })
    ));
    let o = ClusterOptions {
        cell_utilization: 0.0,
        ..opts(4, 1)
    };
    assert!(matches!(
        cluster(&nl, Some(&pl), &params, &o),
        Err(ClusterError::Option(_))
    ));
    let (macros_only, pl0) = crate::tests_full::design(2, 12, 3, 0, false);
    assert!(matches!(
        cluster(
            &macros_only,
            Some(&pl0),
            &CostParams::from_floorplan(macros_only.floorplan()),
            &opts(1, 1)
        ),
        Err(ClusterError::NoStdCells)
    ));
}

#[test]
fn clusterings_computed_at_once_on_many_threads_equal_the_serial_ones() {
    // METIS's random state is global; without the lock in `partition::kway` these differ.
    let (nl, pl) = crate::tests_full::design(4, 12, 3, 3000, false);
    let params = CostParams::from_floorplan(nl.floorplan());
    let serial: Vec<Vec<u32>> = (0..6)
        .map(|s| {
            cluster(&nl, Some(&pl), &params, &opts(60, s))
                .unwrap()
                .node_cluster
        })
        .collect();
    let parallel: Vec<Vec<u32>> = std::thread::scope(|sc| {
        let hs: Vec<_> = (0..6)
            .map(|s| {
                let (nl, pl, params) = (&nl, &pl, &params);
                sc.spawn(move || {
                    cluster(nl, Some(pl), params, &opts(60, s))
                        .unwrap()
                        .node_cluster
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (s, (a, b)) in serial.iter().zip(&parallel).enumerate() {
        assert!(
            a == b,
            "seed {s}: concurrent clustering differs from the serial one"
        );
    }
}
