//! `NetRoutes`: what the incremental cost states remember about each net's last routing, and
//! the bookkeeping of a change that touches a few nets.
//!
//! Moving a node changes the routing demand of its nets. To take a net's old demand out of the
//! maps without its old pin positions, each net's last routing is kept: its HPWL, its distinct
//! grid cells and its driver cell (exactly what [`crate::cost::route_net`] needs to replay it
//! with the opposite sign). A change then runs in three steps around the node updates:
//! [`NetRoutes::touch`] collects the nets of the changed nodes, each once;
//! [`NetRoutes::withdraw`] takes their demand and weighted HPWL out of the accumulators; after
//! the nodes have moved, [`NetRoutes::reroute`] routes them again and remembers the result.
//!
//! Shared by [`crate::cost::incremental::CostState`] (every pin counts) and
//! [`crate::cost::partial::PartialCost`] (only pins of present nodes count), which differ only in the
//! pin filter they pass.

use netlists::{Netlist, Placement};

use crate::cost::{At, CostParams, Demand, Raw, add_net_where, route_net};

/// Each net's last routing, plus scratch for the nets touched by a change.
#[derive(Debug, Clone)]
pub(crate) struct NetRoutes {
    /// HPWL of each net as last routed (unweighted).
    net_hpwl: Vec<f64>,
    /// Distinct grid cells `(row, col)` of each net as last routed.
    net_cells: Vec<Vec<(usize, usize)>>,
    /// Driver cell of each net as last routed.
    net_driver: Vec<(usize, usize)>,
    /// Net of each pin (the netlist's CSR answers this by binary search; this is O(1)).
    pin_net: Vec<u32>,
    /// `stamp[net] == epoch` marks a net already collected by the current `touch`.
    stamp: Vec<u32>,
    epoch: u32,
    /// The nets collected by the last `touch`.
    touched: Vec<u32>,
    cells: Vec<(usize, usize)>,
}

impl NetRoutes {
    /// Routes every net over the pins `keep` accepts (by pin index), adding the demand and the
    /// weighted HPWL to `raw`, and remembers each routing.
    pub(crate) fn new(
        raw: &mut Raw,
        netlist: &Netlist,
        placement: &Placement,
        params: &CostParams,
        keep: impl Fn(usize) -> bool,
    ) -> Self {
        let nets = netlist.num_nets();
        let mut pin_net = vec![0u32; netlist.num_pins()];
        for net in netlist.nets() {
            for p in netlist.net_pins(net) {
                pin_net[p] = net.0;
            }
        }
        let mut routes = NetRoutes {
            net_hpwl: vec![0.0; nets],
            net_cells: vec![Vec::new(); nets],
            net_driver: vec![(0, 0); nets],
            pin_net,
            stamp: vec![0; nets],
            epoch: 0,
            touched: (0..nets as u32).collect(),
            cells: Vec::new(),
        };
        routes.reroute(raw, netlist, placement, params, keep);
        routes.touched.clear();
        routes
    }

    /// Collects the nets of `nodes`, each once, as the nets of the coming change.
    pub(crate) fn touch(&mut self, netlist: &Netlist, nodes: impl IntoIterator<Item = usize>) {
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            self.stamp.fill(0);
            self.epoch = 1;
        }
        self.touched.clear();
        for n in nodes {
            for &p in netlist.pins_of_node(netlists::NodeId(n as u32)) {
                let net = self.pin_net[p.idx()];
                if self.stamp[net as usize] != self.epoch {
                    self.stamp[net as usize] = self.epoch;
                    self.touched.push(net);
                }
            }
        }
    }

    /// Takes the touched nets' remembered demand and weighted HPWL out of `raw`.
    pub(crate) fn withdraw(&self, raw: &mut Raw, netlist: &Netlist) {
        for &net in &self.touched {
            let net = net as usize;
            let w = netlist.net_weight()[net];
            route_net(
                &self.net_cells[net],
                self.net_driver[net],
                -w.max(1.0),
                &mut raw.dh,
                &mut raw.dv,
            );
            raw.hpwl -= w * self.net_hpwl[net];
        }
    }

    /// Routes the touched nets again over the pins `keep` accepts, adds them to `raw` and
    /// remembers the new routings.
    pub(crate) fn reroute(
        &mut self,
        raw: &mut Raw,
        netlist: &Netlist,
        placement: &Placement,
        params: &CostParams,
        keep: impl Fn(usize) -> bool,
    ) {
        for &net in &self.touched {
            let net = net as usize;
            let demand = Demand {
                dh: &mut raw.dh,
                dv: &mut raw.dv,
            };
            let at = At {
                netlist,
                placement,
                params,
            };
            let (h, d) = add_net_where(demand, at, net, 1.0, &mut self.cells, &keep);
            self.net_hpwl[net] = h;
            self.net_driver[net] = d;
            self.net_cells[net].clear();
            self.net_cells[net].extend_from_slice(&self.cells);
            raw.hpwl += netlist.net_weight()[net] * h;
        }
    }
}
