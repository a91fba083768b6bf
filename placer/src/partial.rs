//! `PartialCost`: the proxy cost of a partial placement, in which some nodes are absent.
//!
//! The learned policy places hard macros one at a time; before the last step, the macros still
//! to place have no position. This module scores what *is* there with exactly the proxy-cost
//! definition (`proxy-cost.md`), restricted to the present nodes: absent nodes add no occupancy
//! and no routing blockage, their pins are left out of every net (a net's first present pin is
//! its driver; a net with fewer than two present cells adds no demand), and the wirelength
//! normaliser keeps the whole design's net weights, so the costs are in the same units as the
//! finished placement's. With every node present it *is* the proxy cost (tested bit-for-bit
//! against [`crate::cost::proxy_cost`]).
//!
//! [`PartialCost::place`] puts one node (absent or present) at a position in O(pins of its nets,
//! cells under it and grid cells): the node's nets are taken out of the demand maps from their
//! cached cells, the node's area moves, and the nets are routed again over their present pins —
//! the same kernels as [`crate::incremental::CostState`]. The environment uses it for its
//! shaped reward and its density/congestion channels ([`crate::env`]).

use netlists::{Netlist, NodeId, Placement};

use crate::cost::{
    CostMaps, CostParams, ProxyCost, Raw, Scratch, add_net_where, add_node, finish, finish_cost,
    route_net,
};

/// Proxy cost of the present nodes of a placement, kept up to date as nodes are placed.
#[derive(Debug, Clone)]
pub struct PartialCost<'a> {
    netlist: &'a Netlist,
    params: CostParams,
    placement: Placement,
    present: Vec<bool>,
    raw: Raw,
    net_hpwl: Vec<f64>,
    net_cells: Vec<Vec<(usize, usize)>>,
    net_driver: Vec<(usize, usize)>,
    weight_sum: f64,
    cost: ProxyCost,
    // Scratch.
    stamp: Vec<u32>,
    epoch: u32,
    nets: Vec<u32>,
    cells: Vec<(usize, usize)>,
    scratch: Scratch,
}

impl<'a> PartialCost<'a> {
    /// The cost of the nodes with `present[n]` at their positions in `placement` (evaluated in
    /// full once).
    pub fn new(
        netlist: &'a Netlist,
        placement: &Placement,
        params: &CostParams,
        present: &[bool],
    ) -> Self {
        assert_eq!(present.len(), netlist.num_nodes(), "one flag per node");
        let mut raw = Raw::zeros(params);
        for (n, &p) in present.iter().enumerate() {
            if p {
                add_node(&mut raw, netlist, placement, n, params, 1.0);
            }
        }
        let nets = netlist.num_nets();
        let (mut net_hpwl, mut net_cells, mut net_driver) =
            (vec![0.0; nets], vec![Vec::new(); nets], vec![(0, 0); nets]);
        let mut cells = Vec::new();
        let pin_node = netlist.pin_node();
        for net in 0..nets {
            let (h, d) = add_net_where(
                &mut raw.dh,
                &mut raw.dv,
                netlist,
                placement,
                net,
                params,
                1.0,
                &mut cells,
                |p| present[pin_node[p].idx()],
            );
            raw.hpwl += netlist.net_weight()[net] * h;
            net_hpwl[net] = h;
            net_driver[net] = d;
            net_cells[net].extend_from_slice(&cells);
        }
        let weight_sum = netlist.net_weight().iter().sum();
        let mut scratch = Scratch::default();
        let cost = finish_cost(&raw, weight_sum, params, &mut scratch);
        PartialCost {
            netlist,
            params: params.clone(),
            placement: placement.clone(),
            present: present.to_vec(),
            raw,
            net_hpwl,
            net_cells,
            net_driver,
            weight_sum,
            cost,
            stamp: vec![0; nets],
            epoch: 0,
            nets: Vec::new(),
            cells,
            scratch,
        }
    }

    /// The current cost of the present nodes.
    pub fn cost(&self) -> &ProxyCost {
        &self.cost
    }

    /// The placement (absent nodes keep whatever position they had).
    pub fn placement(&self) -> &Placement {
        &self.placement
    }

    /// Which nodes are present.
    pub fn present(&self) -> &[bool] {
        &self.present
    }

    /// The per-cell maps behind the current cost (computed on demand).
    pub fn maps(&self) -> CostMaps {
        finish(&self.raw, self.weight_sum, &self.params).1
    }

    /// Puts node `node`'s centre at `(x, y)` and makes it present; returns the new proxy cost.
    pub fn place(&mut self, node: NodeId, x: f64, y: f64) -> f64 {
        self.set(node, Some((x, y)))
    }

    /// Makes node `node` absent (it keeps its position); returns the new proxy cost. Placing a
    /// node and removing it again restores the previous cost (up to rounding).
    pub fn remove(&mut self, node: NodeId) -> f64 {
        self.set(node, None)
    }

    fn set(&mut self, node: NodeId, at: Option<(f64, f64)>) -> f64 {
        let (nl, params) = (self.netlist, &self.params);
        let n = node.idx();
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            self.stamp.fill(0);
            self.epoch = 1;
        }
        self.nets.clear();
        for &p in nl.pins_of_node(node) {
            let net = nl.pin_net(p).0;
            if self.stamp[net as usize] != self.epoch {
                self.stamp[net as usize] = self.epoch;
                self.nets.push(net);
            }
        }
        for &net in &self.nets {
            let net = net as usize;
            let w = nl.net_weight()[net];
            route_net(
                &self.net_cells[net],
                self.net_driver[net],
                -w.max(1.0),
                &mut self.raw.dh,
                &mut self.raw.dv,
            );
            self.raw.hpwl -= w * self.net_hpwl[net];
        }
        if self.present[n] {
            add_node(&mut self.raw, nl, &self.placement, n, params, -1.0);
        }
        if let Some((x, y)) = at {
            self.placement.x[n] = x;
            self.placement.y[n] = y;
            self.present[n] = true;
            add_node(&mut self.raw, nl, &self.placement, n, params, 1.0);
        } else {
            self.present[n] = false;
        }
        let (present, pin_node) = (&self.present, nl.pin_node());
        for &net in &self.nets {
            let net = net as usize;
            let (h, d) = add_net_where(
                &mut self.raw.dh,
                &mut self.raw.dv,
                nl,
                &self.placement,
                net,
                params,
                1.0,
                &mut self.cells,
                |p| present[pin_node[p].idx()],
            );
            self.net_hpwl[net] = h;
            self.net_driver[net] = d;
            self.net_cells[net].clear();
            self.net_cells[net].extend_from_slice(&self.cells);
            self.raw.hpwl += nl.net_weight()[net] * h;
        }
        self.cost = finish_cost(&self.raw, self.weight_sum, params, &mut self.scratch);
        self.cost.proxy_cost
    }
}
