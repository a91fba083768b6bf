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
//! the same `routes` bookkeeping as [`crate::cost::incremental::CostState`]. The environment uses it for its
//! shaped reward and its density/congestion channels ([`crate::env`]).

use netlists::{Netlist, NodeId, Placement};

use crate::cost::routes::NetRoutes;
use crate::cost::{CostMaps, CostParams, ProxyCost, Raw, Scratch, add_node, finish, finish_cost};

/// Proxy cost of the present nodes of a placement, kept up to date as nodes are placed.
#[derive(Debug, Clone)]
pub struct PartialCost<'a> {
    netlist: &'a Netlist,
    params: CostParams,
    placement: Placement,
    present: Vec<bool>,
    raw: Raw,
    /// Each net's last routing over its present pins.
    routes: NetRoutes,
    weight_sum: f64,
    cost: ProxyCost,
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
        let pin_node = netlist.pin_node();
        let routes = NetRoutes::new(&mut raw, netlist, placement, params, |p| {
            present[pin_node[p].idx()]
        });
        let weight_sum = netlist.net_weight().iter().sum();
        let mut scratch = Scratch::default();
        let cost = finish_cost(&raw, weight_sum, params, &mut scratch);
        PartialCost {
            netlist,
            params: params.clone(),
            placement: placement.clone(),
            present: present.to_vec(),
            raw,
            routes,
            weight_sum,
            cost,
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
        self.routes.touch(nl, [n]);
        self.routes.withdraw(&mut self.raw, nl);
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
        self.routes
            .reroute(&mut self.raw, nl, &self.placement, params, |p| {
                present[pin_node[p].idx()]
            });
        self.cost = finish_cost(&self.raw, self.weight_sum, params, &mut self.scratch);
        self.cost.proxy_cost
    }
}
