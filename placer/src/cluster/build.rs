//! The clustered netlist of a [`Clustering`]: every node that is not clustered (hard macros,
//! ports, fixed nodes) as it was, then one soft macro `Grp_k` per cluster — square, of its
//! cells' total area, at their area-weighted centroid. Each flat net is mapped pin by pin (a
//! cell's pin becomes its cluster's, at the cluster centre); pins of one cluster on one net
//! merge into one; nets left with fewer than two nodes (inside a cluster) vanish; weights are
//! kept. The driver stays first.
//!
//! From a CT netlist the result carries CT objects of its own: kept nodes and macro pins keep
//! their names, types and attributes; cluster `k` gets `Grp_k/Pinput` (every net it sinks) and
//! `Grp_k/Poutput_multi_i` (one per net it drives), as Circuit Training names them, so
//! `write_ct` writes a netlist Google's and TILOS's tools read. Nets are ordered by driver
//! object, as the CT reader orders them, so write → read gives the same tables.

use netlists::model::{CtExtra, CtObject, CtRole, Extra, Routing};
use netlists::{Netlist, NetlistBuilder, NodeId, NodeKind, PinDir, Placement, SourceFormat};

use super::{ClusterError, Clustering, NONE};
use crate::cost::CostParams;

/// A clustered design and how it maps to the flat one.
#[derive(Debug, Clone)]
pub struct Clustered {
    /// The clustered netlist.
    pub netlist: Netlist,
    /// Its placement (kept nodes where the flat placement has them, clusters at their cells'
    /// centroid).
    pub placement: Placement,
    /// Flat node → clustered node (`u32::MAX` for a clustered cell: see `cluster_node`).
    pub node_map: Vec<u32>,
    /// Cluster → its soft macro's node.
    pub cluster_node: Vec<u32>,
}

/// One mapped pin: node, offsets, the flat pin's CT object (for kept nodes).
struct MappedPin {
    node: u32,
    dx: f64,
    dy: f64,
    flat_pin: usize,
    cluster: u32,
}

/// Builds the clustered design. `params` gives the canvas, grid and routing the clustered
/// floorplan records (so its `.plc` header states what the proxy will use).
pub fn clustered_design(
    flat: &Netlist,
    pl: &Placement,
    c: &Clustering,
    params: &CostParams,
) -> Result<Clustered, ClusterError> {
    let ct = match flat.extra() {
        Extra::Ct(ct) => Some(ct),
        _ => None,
    };
    let format = if ct.is_some() {
        SourceFormat::CircuitTraining
    } else {
        SourceFormat::Memory
    };
    let mut b = NetlistBuilder::new(flat.design().to_string(), format);
    let at = netlists::model::SourceLine::default();
    let mut node_map = vec![u32::MAX; flat.num_nodes()];
    let mut x = Vec::new();
    let mut y = Vec::new();
    let mut orient = Vec::new();
    for n in (0..flat.num_nodes()).filter(|&n| c.node_cluster[n] == NONE) {
        let id = b.add_node(
            &flat.node_name()[n],
            flat.node_width()[n],
            flat.node_height()[n],
            flat.node_kind()[n],
            flat.node_fixed()[n],
            at,
        )?;
        b.set_orient(id, flat.node_orient()[n]);
        node_map[n] = id.0;
        x.push(pl.x[n]);
        y.push(pl.y[n]);
        orient.push(pl.orient[n]);
    }
    // Clusters: area and area-weighted centroid.
    let k = c.num_clusters;
    let mut area = vec![0.0; k];
    let mut sx = vec![0.0; k];
    let mut sy = vec![0.0; k];
    let mut wsum = vec![0.0; k];
    for n in 0..flat.num_nodes() {
        let cl = c.node_cluster[n];
        if cl == NONE {
            continue;
        }
        let a = flat.node_area(NodeId(n as u32));
        let i = cl as usize;
        area[i] += a;
        // Zero-area cells still count (weight 1e-12) so the centroid is defined.
        let w = a.max(1e-12);
        sx[i] += w * pl.x[n];
        sy[i] += w * pl.y[n];
        wsum[i] += w;
    }
    let mut cluster_node = Vec::with_capacity(k);
    for i in 0..k {
        let mut name = format!("Grp_{i}");
        while flat.node_by_name(&name).is_some() {
            name.push('_');
        }
        let side = (area[i] / c.cell_utilization).sqrt();
        let id = b.add_node(&name, side, side, NodeKind::SoftMacro, false, at)?;
        cluster_node.push(id.0);
        x.push(sx[i] / wsum[i].max(1e-300));
        y.push(sy[i] / wsum[i].max(1e-300));
        orient.push(netlists::Orientation::N);
    }
    // Objects (CT input only): kept node objects in node order, each followed by the pins it
    // uses; cluster objects after.
    let mut objects: Vec<CtObject> = Vec::new();
    let mut node_object = vec![0u32; b.num_nodes()];
    let mut new_object_of_flat: Vec<u32> = Vec::new();
    if let Some(ct) = ct {
        new_object_of_flat = vec![u32::MAX; ct.objects.len()];
        // Flat pin objects per kept node, in object order.
        let mut pins_of_node: Vec<Vec<u32>> = vec![Vec::new(); flat.num_nodes()];
        for (o, obj) in ct.objects.iter().enumerate() {
            if let CtRole::MacroPin { node, .. } = obj.role
                && node_map[node.idx()] != u32::MAX
            {
                pins_of_node[node.idx()].push(o as u32);
            }
        }
        for n in 0..flat.num_nodes() {
            let new = node_map[n];
            if new == u32::MAX {
                continue;
            }
            let o = ct.node_object[n] as usize;
            node_object[new as usize] = objects.len() as u32;
            new_object_of_flat[o] = objects.len() as u32;
            objects.push(CtObject {
                role: CtRole::Node(NodeId(new)),
                ..ct.objects[o].clone()
            });
            for &po in &pins_of_node[n] {
                let obj = &ct.objects[po as usize];
                let CtRole::MacroPin { dx, dy, .. } = obj.role else {
                    continue;
                };
                new_object_of_flat[po as usize] = objects.len() as u32;
                objects.push(CtObject {
                    role: CtRole::MacroPin {
                        node: NodeId(new),
                        dx,
                        dy,
                    },
                    ..obj.clone()
                });
            }
        }
    }
    // Nets: map every flat net; merge nets whose mapped pins are identical (same driver, same
    // sinks: their cost terms are the same, so one net of the summed weight scores the same,
    // as Circuit Training's clustered netlists do).
    struct NewNet {
        name: String,
        weight: f64,
        pins: Vec<MappedPin>,
        /// Driver object (CT) for ordering.
        driver_object: u32,
    }
    let mut mapped: Vec<(Vec<MappedPin>, f64, usize)> = Vec::new();
    let mut index_of_key: std::collections::HashMap<Vec<u64>, usize> =
        std::collections::HashMap::new();
    let mut seen_cluster: Vec<u32> = vec![u32::MAX; k];
    let identity = |p: &MappedPin| -> [u64; 3] {
        if p.cluster != NONE {
            [1, u64::from(p.cluster), 0]
        } else if let Some(ct) = ct {
            [2, u64::from(ct.pin_object[p.flat_pin]), 0]
        } else {
            [3 + u64::from(p.node), p.dx.to_bits(), p.dy.to_bits()]
        }
    };
    for net in flat.nets() {
        let r = flat.net_pins(net);
        // The driver: CT's first pin; otherwise the first output pin, else the first pin.
        let driver = if ct.is_some() {
            r.start
        } else {
            r.clone()
                .find(|&p| flat.pin_dir()[p] == PinDir::Output)
                .unwrap_or(r.start)
        };
        let order = std::iter::once(driver).chain(r.clone().filter(|&p| p != driver));
        let mut pins: Vec<MappedPin> = Vec::new();
        for p in order {
            let n = flat.pin_node()[p].idx();
            let cl = c.node_cluster[n];
            if cl == NONE {
                pins.push(MappedPin {
                    node: node_map[n],
                    dx: flat.pin_dx()[p],
                    dy: flat.pin_dy()[p],
                    flat_pin: p,
                    cluster: NONE,
                });
            } else if seen_cluster[cl as usize] != net.0 {
                seen_cluster[cl as usize] = net.0;
                pins.push(MappedPin {
                    node: cluster_node[cl as usize],
                    dx: 0.0,
                    dy: 0.0,
                    flat_pin: p,
                    cluster: cl,
                });
            }
        }
        let mut distinct: Vec<u32> = pins.iter().map(|p| p.node).collect();
        distinct.sort_unstable();
        distinct.dedup();
        if distinct.len() < 2 {
            continue;
        }
        let mut sinks: Vec<[u64; 3]> = pins.iter().skip(1).map(identity).collect();
        sinks.sort_unstable();
        let key: Vec<u64> = std::iter::once(identity(&pins[0]))
            .chain(sinks)
            .flatten()
            .collect();
        let w = flat.net_weight()[net.idx()];
        match index_of_key.get(&key) {
            Some(&i) => mapped[i].1 += w,
            None => {
                index_of_key.insert(key, mapped.len());
                mapped.push((pins, w, net.idx()));
            }
        }
    }
    // CT objects of the clusters' pins, created in net order.
    let mut nets: Vec<NewNet> = Vec::with_capacity(mapped.len());
    let mut cluster_in_obj = vec![u32::MAX; k];
    let mut cluster_out_count = vec![0u32; k];
    let mut pending_cluster_objects: Vec<(u32, CtObject)> = Vec::new();
    for (pins, weight, flat_net) in mapped {
        let (name, driver_object) = match ct {
            Some(ct) => {
                let d = &pins[0];
                if d.cluster == NONE {
                    let o = new_object_of_flat[ct.pin_object[d.flat_pin] as usize];
                    (objects[o as usize].name.clone(), o)
                } else {
                    let cl = d.cluster as usize;
                    let i = cluster_out_count[cl];
                    cluster_out_count[cl] += 1;
                    let name = format!("{}/Poutput_multi_{i}", b.name_of(NodeId(cluster_node[cl])));
                    // Cluster objects are numbered after the kept ones, in creation order.
                    let o = (objects.len() + pending_cluster_objects.len()) as u32;
                    pending_cluster_objects.push((d.cluster, pin_object(&name, cluster_node[cl])));
                    (name, o)
                }
            }
            None => (flat.net_name()[flat_net].clone(), 0),
        };
        // Sink objects of clusters, created on first use.
        if ct.is_some() {
            for p in pins.iter().skip(1) {
                let cl = p.cluster;
                if cl != NONE && cluster_in_obj[cl as usize] == u32::MAX {
                    let cname = b.name_of(NodeId(cluster_node[cl as usize])).to_string();
                    cluster_in_obj[cl as usize] =
                        (objects.len() + pending_cluster_objects.len()) as u32;
                    pending_cluster_objects.push((
                        cl,
                        pin_object(&format!("{cname}/Pinput"), cluster_node[cl as usize]),
                    ));
                }
            }
        }
        nets.push(NewNet {
            name,
            weight,
            pins,
            driver_object,
        });
    }
    // Cluster node objects and their pins: each cluster's node object, then its pins in
    // creation order. Renumber the pending objects accordingly.
    let mut renumber = vec![0u32; pending_cluster_objects.len()];
    if ct.is_some() {
        let base = objects.len() as u32;
        let mut by_cluster: Vec<Vec<usize>> = vec![Vec::new(); k];
        for (i, (cl, _)) in pending_cluster_objects.iter().enumerate() {
            by_cluster[*cl as usize].push(i);
        }
        for (cl, list) in by_cluster.iter().enumerate() {
            let node = cluster_node[cl];
            node_object[node as usize] = objects.len() as u32;
            objects.push(CtObject {
                name: b.name_of(NodeId(node)).to_string(),
                type_name: "MACRO".into(),
                role: CtRole::Node(NodeId(node)),
                weight: None,
                extra_attrs: Vec::new(),
            });
            for &i in list {
                renumber[i] = objects.len() as u32;
                objects.push(pending_cluster_objects[i].1.clone());
            }
        }
        let fix = |o: u32| -> u32 {
            if o >= base {
                renumber[(o - base) as usize]
            } else {
                o
            }
        };
        for net in &mut nets {
            net.driver_object = fix(net.driver_object);
        }
        for o in &mut cluster_in_obj {
            if *o != u32::MAX {
                *o = fix(*o);
            }
        }
        // CT's reader orders nets by driver object.
        nets.sort_by_key(|n| n.driver_object);
    }
    let mut pin_object_list: Vec<u32> = Vec::new();
    for net in &nets {
        b.add_net(&net.name, net.weight, at)?;
        for (j, p) in net.pins.iter().enumerate() {
            let dir = if j == 0 {
                PinDir::Output
            } else {
                PinDir::Input
            };
            b.add_pin(NodeId(p.node), p.dx, p.dy, dir);
            if let Some(ct) = ct {
                let o = if j == 0 {
                    net.driver_object
                } else if p.cluster != NONE {
                    cluster_in_obj[p.cluster as usize]
                } else {
                    new_object_of_flat[ct.pin_object[p.flat_pin] as usize]
                };
                pin_object_list.push(o);
            }
        }
    }
    // Objects' weights as the writer and reader keep them: on drivers of nets weighing ≠ 1.
    if ct.is_some() {
        for o in &mut objects {
            o.weight = None;
        }
        for net in &nets {
            if net.weight != 1.0 {
                objects[net.driver_object as usize].weight = Some(net.weight);
            }
        }
    }
    let mut fp = flat.floorplan().clone();
    fp.x_min = params.canvas_x;
    fp.y_min = params.canvas_y;
    fp.width = params.canvas_width;
    fp.height = params.canvas_height;
    fp.grid = Some((params.grid_cols as u32, params.grid_rows as u32));
    fp.routing = Some(Routing {
        h_routes_per_um: params.h_routes_per_um,
        v_routes_per_um: params.v_routes_per_um,
        h_macro_alloc: params.h_macro_alloc,
        v_macro_alloc: params.v_macro_alloc,
    });
    fp.smoothing = Some(params.smooth as f64);
    fp.rows.clear();
    b.set_floorplan(fp);
    if let Some(ct) = ct {
        b.set_extra(Extra::Ct(CtExtra {
            objects,
            pin_object: pin_object_list,
            node_object,
            metadata: ct.metadata.clone(),
            comments: ct.comments.clone(),
        }));
    }
    let netlist = b.build()?;
    Ok(Clustered {
        netlist,
        placement: Placement { x, y, orient },
        node_map,
        cluster_node,
    })
}

/// A `MACRO_PIN` object at the centre of soft macro `node`.
fn pin_object(name: &str, node: u32) -> CtObject {
    CtObject {
        name: name.to_string(),
        type_name: "MACRO_PIN".into(),
        role: CtRole::MacroPin {
            node: NodeId(node),
            dx: 0.0,
            dy: 0.0,
        },
        weight: None,
        extra_attrs: Vec::new(),
    }
}
