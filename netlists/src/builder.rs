//! `NetlistBuilder`: the only way to make a [`Netlist`]. Readers and tests add nodes, nets and
//! pins; [`NetlistBuilder::build`] validates everything and lays out the CSR arrays.
//!
//! Validation done here (readers add format-specific checks with better locations):
//! unique non-empty node names; finite, non-negative sizes; finite pin offsets; finite,
//! non-negative net weights; pins naming existing nodes; a canvas of positive finite size.

use std::path::{Path, PathBuf};

use rustc_hash::FxHashMap;

use crate::error::{Error, Result};
use crate::ids::{NetId, NodeId, PinId};
use crate::model::{
    CanvasSource, Extra, Floorplan, Netlist, NodeKind, Orientation, PinDir, SourceFormat,
    SourceLine, SourceMap,
};

/// Accumulates a netlist; see the module docs.
#[derive(Debug)]
pub struct NetlistBuilder {
    design: String,
    format: SourceFormat,
    node_name: Vec<String>,
    node_width: Vec<f64>,
    node_height: Vec<f64>,
    node_kind: Vec<NodeKind>,
    node_fixed: Vec<bool>,
    node_orient: Vec<Orientation>,
    net_name: Vec<String>,
    net_weight: Vec<f64>,
    net_pin_start: Vec<u32>,
    pin_node: Vec<NodeId>,
    pin_dx: Vec<f64>,
    pin_dy: Vec<f64>,
    pin_dir: Vec<PinDir>,
    name_to_node: FxHashMap<String, NodeId>,
    source: SourceMap,
    floorplan: Option<Floorplan>,
    extra: Extra,
}

impl NetlistBuilder {
    /// An empty builder for a design.
    pub fn new(design: impl Into<String>, format: SourceFormat) -> Self {
        NetlistBuilder {
            design: design.into(),
            format,
            node_name: Vec::new(),
            node_width: Vec::new(),
            node_height: Vec::new(),
            node_kind: Vec::new(),
            node_fixed: Vec::new(),
            node_orient: Vec::new(),
            net_name: Vec::new(),
            net_weight: Vec::new(),
            net_pin_start: vec![0],
            pin_node: Vec::new(),
            pin_dx: Vec::new(),
            pin_dy: Vec::new(),
            pin_dir: Vec::new(),
            name_to_node: FxHashMap::default(),
            source: SourceMap::default(),
            floorplan: None,
            extra: Extra::None,
        }
    }

    /// Reserves room for `nodes` nodes, `nets` nets and `pins` pins.
    pub fn reserve(&mut self, nodes: usize, nets: usize, pins: usize) {
        self.node_name.reserve(nodes);
        self.node_width.reserve(nodes);
        self.node_height.reserve(nodes);
        self.node_kind.reserve(nodes);
        self.node_fixed.reserve(nodes);
        self.node_orient.reserve(nodes);
        self.source.node.reserve(nodes);
        self.name_to_node.reserve(nodes);
        self.net_name.reserve(nets);
        self.net_weight.reserve(nets);
        self.net_pin_start.reserve(nets);
        self.source.net.reserve(nets);
        self.pin_node.reserve(pins);
        self.pin_dx.reserve(pins);
        self.pin_dy.reserve(pins);
        self.pin_dir.reserve(pins);
    }

    /// Registers a source file; returns its index for [`SourceLine::file`].
    pub fn add_file(&mut self, path: &Path) -> u16 {
        if let Some(i) = self.source.files.iter().position(|p| p == path) {
            return i as u16;
        }
        self.source.files.push(path.to_path_buf());
        (self.source.files.len() - 1) as u16
    }

    fn err_at(&self, at: SourceLine, msg: String) -> Error {
        let path = self
            .source
            .files
            .get(at.file as usize)
            .cloned()
            .unwrap_or_else(|| PathBuf::from("<memory>"));
        Error::parse(path, at.line, msg)
    }

    /// Adds a node in the N orientation ([`NetlistBuilder::set_orient`] declares another). Fails
    /// on a duplicate or empty name and on a negative or non-finite size.
    pub fn add_node(
        &mut self,
        name: &str,
        width: f64,
        height: f64,
        kind: NodeKind,
        fixed: bool,
        at: SourceLine,
    ) -> Result<NodeId> {
        if name.is_empty() {
            return Err(self.err_at(at, "expected a node name, found an empty one".into()));
        }
        let max = crate::limits::MAX_LENGTH;
        let ok = |v: f64| v.is_finite() && (0.0..=max).contains(&v);
        if !(ok(width) && ok(height)) {
            return Err(self.err_at(
                at,
                format!(
                    "expected a size between 0 and {max:e} for node `{name}`, found {width} x {height}"
                ),
            ));
        }
        let id = NodeId(self.node_kind.len() as u32);
        if let Some(prev) = self.name_to_node.insert(name.to_string(), id) {
            let prev_line = self.source.node[prev.idx()].line;
            return Err(self.err_at(
                at,
                format!(
                    "expected a unique node name, found `{name}` again (first at line {prev_line})"
                ),
            ));
        }
        self.node_name.push(name.to_string());
        self.node_width.push(width);
        self.node_height.push(height);
        self.node_kind.push(kind);
        self.node_fixed.push(fixed);
        self.node_orient.push(Orientation::N);
        self.source.node.push(at);
        Ok(id)
    }

    /// Number of nodes added so far.
    pub fn num_nodes(&self) -> usize {
        self.node_kind.len()
    }

    /// Looks up a node added so far.
    pub fn node_by_name(&self, name: &str) -> Option<NodeId> {
        self.name_to_node.get(name).copied()
    }

    /// Kind of a node added so far.
    pub fn kind_of(&self, node: NodeId) -> NodeKind {
        self.node_kind[node.idx()]
    }

    /// Overrides a node's kind (readers that learn it late).
    pub fn set_kind(&mut self, node: NodeId, kind: NodeKind) {
        self.node_kind[node.idx()] = kind;
    }

    /// Overrides a node's fixed flag (`.pl` `/FIXED`, `.plc` fixed column).
    pub fn set_fixed(&mut self, node: NodeId, fixed: bool) {
        self.node_fixed[node.idx()] = fixed;
    }

    /// Overrides a node's declared orientation.
    pub fn set_orient(&mut self, node: NodeId, orient: Orientation) {
        self.node_orient[node.idx()] = orient;
    }

    /// Name of a node added so far.
    pub fn name_of(&self, node: NodeId) -> &str {
        &self.node_name[node.idx()]
    }

    /// Height of a node added so far.
    pub fn height_of(&self, node: NodeId) -> f64 {
        self.node_height[node.idx()]
    }

    /// Starts a new net; following [`NetlistBuilder::add_pin`] calls add to it.
    pub fn add_net(&mut self, name: &str, weight: f64, at: SourceLine) -> Result<NetId> {
        if !(weight.is_finite() && (0.0..=crate::limits::MAX_NET_WEIGHT).contains(&weight)) {
            return Err(self.err_at(
                at,
                format!(
                    "expected a net weight between 0 and {:e} for net `{name}`, found {weight}",
                    crate::limits::MAX_NET_WEIGHT
                ),
            ));
        }
        let id = NetId(self.net_weight.len() as u32);
        self.net_name.push(name.to_string());
        self.net_weight.push(weight);
        self.net_pin_start.push(self.pin_node.len() as u32);
        self.source.net.push(at);
        Ok(id)
    }

    /// Sets the weight of a net added so far.
    pub fn set_net_weight(&mut self, net: NetId, weight: f64) {
        self.net_weight[net.idx()] = weight;
    }

    /// Names of the nets added so far, in order (callers build their own name → index map).
    pub fn net_names(&self) -> &[String] {
        &self.net_name
    }

    /// Adds a pin of `node` to the last net.
    pub fn add_pin(&mut self, node: NodeId, dx: f64, dy: f64, dir: PinDir) -> PinId {
        assert!(!self.net_weight.is_empty(), "add_pin before add_net");
        let id = PinId(self.pin_node.len() as u32);
        self.pin_node.push(node);
        self.pin_dx.push(dx);
        self.pin_dy.push(dy);
        self.pin_dir.push(dir);
        *self.net_pin_start.last_mut().expect("non-empty") += 1;
        id
    }

    /// Sets the floorplan (else a default canvas is derived at build time).
    pub fn set_floorplan(&mut self, floorplan: Floorplan) {
        self.floorplan = Some(floorplan);
    }

    /// The floorplan set so far, if any.
    pub fn floorplan_mut(&mut self) -> Option<&mut Floorplan> {
        self.floorplan.as_mut()
    }

    /// Sets the format-specific extras.
    pub fn set_extra(&mut self, extra: Extra) {
        self.extra = extra;
    }

    /// Side of the default square canvas (`proxy-cost.md`): area = total macro area / 0.6; with
    /// no macros, the total node area / 0.6; with no area at all, 1.
    pub fn default_canvas_side(&self) -> f64 {
        let area_of = |macros_only: bool| -> f64 {
            (0..self.node_kind.len())
                .filter(|&i| !macros_only || self.node_kind[i].is_macro())
                .map(|i| self.node_width[i] * self.node_height[i])
                .fold(0.0, |a, b| a + b)
        };
        let mut area = area_of(true);
        if area <= 0.0 {
            area = area_of(false);
        }
        if area > 0.0 { (area / 0.6).sqrt() } else { 1.0 }
    }

    /// Validates and lays out the netlist.
    pub fn build(self) -> Result<Netlist> {
        let n_nodes = self.node_kind.len();
        let n_pins = self.pin_node.len();
        if n_nodes > u32::MAX as usize - 1 || n_pins > u32::MAX as usize - 1 {
            return Err(Error::Invalid("more than 2^32 nodes or pins".into()));
        }
        for (p, (&node, (&dx, &dy))) in self
            .pin_node
            .iter()
            .zip(self.pin_dx.iter().zip(&self.pin_dy))
            .enumerate()
        {
            if node.idx() >= n_nodes {
                return Err(Error::Invalid(format!(
                    "pin {p} names node {} of {n_nodes}",
                    node.0
                )));
            }
            if crate::limits::check_length(dx).is_err() || crate::limits::check_length(dy).is_err()
            {
                let net = self.net_pin_start.partition_point(|&s| s as usize <= p) - 1;
                return Err(self.err_at(
                    self.source.net[net],
                    format!(
                        "expected finite pin offsets of magnitude at most {:e}, found ({dx}, {dy})",
                        crate::limits::MAX_LENGTH
                    ),
                ));
            }
        }
        // Reverse CSR: pins grouped by node, in pin order (counting sort).
        let mut node_pin_start = vec![0u32; n_nodes + 1];
        for &node in &self.pin_node {
            node_pin_start[node.idx() + 1] += 1;
        }
        for i in 0..n_nodes {
            node_pin_start[i + 1] += node_pin_start[i];
        }
        let mut fill = node_pin_start.clone();
        let mut node_pins = vec![PinId(0); n_pins];
        for (p, &node) in self.pin_node.iter().enumerate() {
            node_pins[fill[node.idx()] as usize] = PinId(p as u32);
            fill[node.idx()] += 1;
        }
        let floorplan = match self.floorplan {
            Some(f) => f,
            None => {
                let side = self.default_canvas_side();
                Floorplan::with_canvas(0.0, 0.0, side, side, CanvasSource::Default)
            }
        };
        let fp = &floorplan;
        if let Err(m) = crate::limits::check_canvas(fp.width, fp.height)
            .and(crate::limits::check_length(fp.x_min))
            .and(crate::limits::check_length(fp.y_min))
        {
            return Err(Error::Invalid(format!(
                "{m} (canvas {} x {} at ({}, {}) from {:?})",
                fp.width, fp.height, fp.x_min, fp.y_min, fp.canvas_source
            )));
        }
        if let Some((c, r)) = fp.grid {
            crate::limits::check_grid(c as u64, r as u64).map_err(Error::Invalid)?;
        }
        let mut pin_net = Vec::with_capacity(self.pin_node.len());
        for (e, w) in self.net_pin_start.windows(2).enumerate() {
            pin_net.extend(std::iter::repeat_n(NetId(e as u32), (w[1] - w[0]) as usize));
        }
        Ok(Netlist {
            design: self.design,
            format: self.format,
            node_name: self.node_name,
            node_width: self.node_width,
            node_height: self.node_height,
            node_kind: self.node_kind,
            node_fixed: self.node_fixed,
            node_orient: self.node_orient,
            net_name: self.net_name,
            net_weight: self.net_weight,
            net_pin_start: self.net_pin_start,
            pin_node: self.pin_node,
            pin_dx: self.pin_dx,
            pin_dy: self.pin_dy,
            pin_dir: self.pin_dir,
            node_pin_start,
            node_pins,
            pin_net,
            floorplan,
            name_to_node: self.name_to_node,
            extra: self.extra,
            source: self.source,
        })
    }
}
