//! The validated, immutable netlist and its floorplan.
//!
//! Layout (DREAMPlace `PlaceDB` style): node data in struct-of-arrays; pins sorted by net with a
//! CSR index `net_pin_start` (len = nets + 1) and the reverse CSR `node_pin_start`/`node_pins`;
//! names, source lines and format-specific extras in cold side tables. A `Netlist` is only made by
//! [`crate::NetlistBuilder::build`], which validates it; nothing mutates it afterwards.
//!
//! Units are the design's own: microns for Circuit Training, database units for Bookshelf.
//! Pin offsets are from the node *centre* in the node's N (unrotated) frame.

use std::path::PathBuf;

use rustc_hash::FxHashMap;

use crate::ids::{NetId, NodeId, PinId};

/// What a node is, for placement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum NodeKind {
    /// A hard macro (SRAM, IP block): placed without overlap.
    HardMacro,
    /// A soft macro: a cluster of standard cells (Circuit Training `Grp_*`); may overlap.
    SoftMacro,
    /// A single standard cell.
    StdCell,
    /// An I/O port or pad (zero or small area, usually fixed on the boundary).
    Port,
}

impl NodeKind {
    /// All kinds, in display order.
    pub const ALL: [NodeKind; 4] = [
        NodeKind::HardMacro,
        NodeKind::SoftMacro,
        NodeKind::StdCell,
        NodeKind::Port,
    ];

    /// Whether the kind is a macro (hard or soft).
    pub fn is_macro(self) -> bool {
        matches!(self, NodeKind::HardMacro | NodeKind::SoftMacro)
    }
}

/// The eight LEF/DEF orientations.
///
/// Circuit Training (per `proxy-cost.md` §3) rotates pin offsets but never swaps a macro's
/// width and height; Bookshelf E/W/FE/FW footprints are turned by 90° (see
/// [`Orientation::swaps_footprint`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
pub enum Orientation {
    /// North: as drawn.
    #[default]
    N,
    /// South: rotated 180°.
    S,
    /// West: rotated 90° counter-clockwise.
    W,
    /// East: rotated 90° clockwise.
    E,
    /// Flipped about the vertical axis.
    FN,
    /// Flipped about the horizontal axis.
    FS,
    /// Flipped and rotated (west).
    FW,
    /// Flipped and rotated (east).
    FE,
}

impl Orientation {
    /// All orientations.
    pub const ALL: [Orientation; 8] = [
        Orientation::N,
        Orientation::S,
        Orientation::W,
        Orientation::E,
        Orientation::FN,
        Orientation::FS,
        Orientation::FW,
        Orientation::FE,
    ];

    /// Parses `N`, `S`, `W`, `E`, `FN`, `FS`, `FW`, `FE`.
    pub fn parse(s: &str) -> Option<Orientation> {
        Some(match s {
            "N" => Orientation::N,
            "S" => Orientation::S,
            "W" => Orientation::W,
            "E" => Orientation::E,
            "FN" => Orientation::FN,
            "FS" => Orientation::FS,
            "FW" => Orientation::FW,
            "FE" => Orientation::FE,
            _ => return None,
        })
    }

    /// The canonical spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Orientation::N => "N",
            Orientation::S => "S",
            Orientation::W => "W",
            Orientation::E => "E",
            Orientation::FN => "FN",
            Orientation::FS => "FS",
            Orientation::FW => "FW",
            Orientation::FE => "FE",
        }
    }

    /// Whether the orientation turns the footprint by 90° (Bookshelf semantics).
    pub fn swaps_footprint(self) -> bool {
        matches!(
            self,
            Orientation::W | Orientation::E | Orientation::FW | Orientation::FE
        )
    }

    /// Rotates an offset `(ox, oy)` given in the N frame into this orientation
    /// (`proxy-cost.md` §3).
    #[inline]
    pub fn rotate(self, ox: f64, oy: f64) -> (f64, f64) {
        match self {
            Orientation::N => (ox, oy),
            Orientation::FN => (-ox, oy),
            Orientation::S => (-ox, -oy),
            Orientation::FS => (ox, -oy),
            Orientation::E => (oy, -ox),
            Orientation::FE => (-oy, -ox),
            Orientation::W => (-oy, ox),
            Orientation::FW => (oy, ox),
        }
    }
}

/// Direction of a pin on its net.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum PinDir {
    /// Sink.
    Input,
    /// Driver.
    Output,
    /// Bidirectional or unspecified.
    Bidir,
}

/// One placement row from a Bookshelf `.scl` file.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// y of the row's bottom edge.
    pub y: f64,
    /// Row height.
    pub height: f64,
    /// Site width.
    pub site_width: f64,
    /// Site spacing (pitch).
    pub site_spacing: f64,
    /// Site orientation token as written (`N`, `FS`, `1`, ...).
    pub site_orient: String,
    /// Site symmetry token as written (`Y`, `1`, ...).
    pub site_symmetry: String,
    /// x of the first site.
    pub x: f64,
    /// Number of sites.
    pub num_sites: u32,
}

impl Row {
    /// x of the row's right end.
    pub fn x_end(&self) -> f64 {
        self.x + f64::from(self.num_sites) * self.site_spacing
    }
}

/// Placement blockage from a `.plc` header (`# Blockage : x0 y0 x1 y1 rate`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Blockage {
    /// Lower-left x.
    pub x_min: f64,
    /// Lower-left y.
    pub y_min: f64,
    /// Upper-right x.
    pub x_max: f64,
    /// Upper-right y.
    pub y_max: f64,
    /// Blockage rate (1.0 = fully blocked).
    pub rate: f64,
}

/// Where the canvas size came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum CanvasSource {
    /// A `.plc` header (`# Width : W  Height : H`).
    Plc,
    /// The `# FP bbox: {x0 y0 x1 y1}` comment of a flat CT netlist.
    FpBbox,
    /// The bounding box of the Bookshelf `.scl` rows.
    Rows,
    /// No source gave one: a square of area (total macro area / 0.6), the rule of
    /// `proxy-cost.md`.
    Default,
    /// The user's `--canvas W,H`, replacing any other source.
    Option,
    /// A DEF `DIEAREA` (its bounding box).
    DieArea,
}

/// Routing capacity parameters (Circuit Training `.plc` header).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Routing {
    /// Horizontal routing tracks per micron.
    pub h_routes_per_um: f64,
    /// Vertical routing tracks per micron.
    pub v_routes_per_um: f64,
    /// Horizontal tracks per micron used by a macro over its area.
    pub h_macro_alloc: f64,
    /// Vertical tracks per micron used by a macro over its area.
    pub v_macro_alloc: f64,
}

/// The canvas and its placement/grid parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Floorplan {
    /// Canvas lower-left x (0 for Circuit Training).
    pub x_min: f64,
    /// Canvas lower-left y.
    pub y_min: f64,
    /// Canvas width.
    pub width: f64,
    /// Canvas height.
    pub height: f64,
    /// Where `width`/`height` came from.
    pub canvas_source: CanvasSource,
    /// Bookshelf rows (empty for CT).
    pub rows: Vec<Row>,
    /// Grid `(columns, rows)` from a `.plc` header.
    pub grid: Option<(u32, u32)>,
    /// Routing parameters from a `.plc` header.
    pub routing: Option<Routing>,
    /// Congestion smoothing factor from a `.plc` header.
    pub smoothing: Option<f64>,
    /// Overlap threshold from a `.plc` header.
    pub overlap_threshold: Option<f64>,
    /// Placement blockages from a `.plc` header.
    pub blockages: Vec<Blockage>,
    /// The other `# Key : value` lines of a `.plc` header, verbatim and in order (Google's own
    /// cost lines, project, block, ...): metadata kept for the writer.
    pub plc_metadata: Vec<(String, String)>,
}

impl Floorplan {
    /// A floorplan with only a canvas.
    pub fn with_canvas(x_min: f64, y_min: f64, width: f64, height: f64, src: CanvasSource) -> Self {
        Floorplan {
            x_min,
            y_min,
            width,
            height,
            canvas_source: src,
            rows: Vec::new(),
            grid: None,
            routing: None,
            smoothing: None,
            overlap_threshold: None,
            blockages: Vec::new(),
            plc_metadata: Vec::new(),
        }
    }

    /// The canvas area.
    pub fn area(&self) -> f64 {
        self.width * self.height
    }
}

/// The file format a netlist was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum SourceFormat {
    /// ISPD/UCLA Bookshelf (`.aux`).
    Bookshelf,
    /// Circuit Training protobuf text (`netlist.pb.txt`).
    CircuitTraining,
    /// DEF with its LEF cells (microns; E/W orientations swap a footprint, as in Bookshelf).
    Def,
    /// Built in code.
    Memory,
}

impl SourceFormat {
    /// Whether an E/W-family orientation swaps a node's footprint (Bookshelf and DEF do,
    /// Circuit Training never does).
    pub fn swaps_footprint(self) -> bool {
        matches!(self, SourceFormat::Bookshelf | SourceFormat::Def)
    }
}

/// Source file and line of every node and net (cold side table, for error messages).
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    /// The files, indexed by the `file` field of a [`SourceLine`].
    pub files: Vec<PathBuf>,
    /// Where each node was declared.
    pub node: Vec<SourceLine>,
    /// Where each net was declared.
    pub net: Vec<SourceLine>,
}

/// A (file index, 1-based line) pair; line 0 = unknown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SourceLine {
    /// Index into [`SourceMap::files`].
    pub file: u16,
    /// 1-based line.
    pub line: u32,
}

/// How a Bookshelf node was declared in `.nodes` (for faithful writing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BookshelfMove {
    /// A movable node.
    #[default]
    Movable,
    /// `terminal`.
    Terminal,
    /// `terminal_NI` (ISPD 2006: fixed, other cells may overlap it).
    TerminalNi,
}

/// Bookshelf-only data kept for writing the design back.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BookshelfExtra {
    /// Declaration of each node in `.nodes`.
    pub node_move: Vec<BookshelfMove>,
    /// Node weights from a `.wts` file naming nodes, if any (else empty).
    pub node_weight: Vec<f64>,
    /// Whether `.wts` gave net weights (else all net weights are 1 from the reader).
    pub has_net_weights: bool,
    /// Whether the `.pl` marked each node `/FIXED_NI` rather than `/FIXED`.
    pub node_fixed_ni: Vec<bool>,
}

/// A value of a CT `attr`.
#[derive(Debug, Clone, PartialEq)]
pub enum AttrValue {
    /// `f: <number>`.
    F(f64),
    /// `i: <integer>`.
    I(i64),
    /// `placeholder: "<string>"`.
    Placeholder(String),
    /// `s: "<string>"`.
    S(String),
}

/// What a CT object (a `node { }` block) became in the model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CtRole {
    /// A port, macro or std cell: a node of the model (its pin, if any, is at its centre).
    Node(NodeId),
    /// A `MACRO_PIN` on a macro, with its offset from the macro centre.
    MacroPin {
        /// The macro.
        node: NodeId,
        /// x offset from the macro centre (N frame).
        dx: f64,
        /// y offset from the macro centre (N frame).
        dy: f64,
    },
}

/// One CT `node { }` block, in file order; its position is the `.plc` node index.
#[derive(Debug, Clone, PartialEq)]
pub struct CtObject {
    /// The block's `name`.
    pub name: String,
    /// The `type` attribute as spelled in the file (`MACRO`, `macro_pin`, ...).
    pub type_name: String,
    /// What it became.
    pub role: CtRole,
    /// The `weight` attribute, if any (a driver's weight is its net's weight).
    pub weight: Option<f64>,
    /// Attributes not otherwise modelled (`side`, `ref_name`, ...), in file order.
    pub extra_attrs: Vec<(String, AttrValue)>,
}

/// Circuit Training data kept for `.plc` indices and faithful writing.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CtExtra {
    /// Every block except `__metadata__`, in file order (= `.plc` node index).
    pub objects: Vec<CtObject>,
    /// For each model pin, the CT object it stands for.
    pub pin_object: Vec<u32>,
    /// For each node, its CT object index.
    pub node_object: Vec<u32>,
    /// Attributes of the `__metadata__` block.
    pub metadata: Vec<(String, AttrValue)>,
    /// Leading `#` comment lines of the netlist file (without the `#`), e.g. `FP bbox`.
    pub comments: Vec<String>,
}

/// Format-specific extras.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Extra {
    /// Built in memory.
    #[default]
    None,
    /// Read from Bookshelf.
    Bookshelf(BookshelfExtra),
    /// Read from Circuit Training.
    Ct(CtExtra),
    /// Read from DEF.
    Def(DefExtra),
}

/// Where a DEF component's placement is written in its source file, for the writer that
/// changes only placements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefPlacementSpan {
    /// Bytes `start..end` hold `PLACED|FIXED|COVER ( x y ) O` or `UNPLACED`.
    Replace(usize, usize),
    /// No placement: ` + PLACED ( x y ) O` goes before the `;` at this byte.
    Insert(usize),
    /// Not a component (an IO pin).
    None,
}

/// What a DEF netlist needs to be written back: its source file, its units and where each
/// component's placement is in it (in node order).
#[derive(Debug, Clone, PartialEq)]
pub struct DefExtra {
    /// The DEF read (its text is re-read by the writer).
    pub source: PathBuf,
    /// `UNITS DISTANCE MICRONS`.
    pub dbu: f64,
    /// Each node's placement span.
    pub spans: Vec<DefPlacementSpan>,
}

/// A validated, immutable netlist. See the module docs for the layout.
#[derive(Debug, Clone)]
pub struct Netlist {
    pub(crate) design: String,
    pub(crate) format: SourceFormat,
    pub(crate) node_name: Vec<String>,
    pub(crate) node_width: Vec<f64>,
    pub(crate) node_height: Vec<f64>,
    pub(crate) node_kind: Vec<NodeKind>,
    pub(crate) node_fixed: Vec<bool>,
    pub(crate) node_orient: Vec<Orientation>,
    pub(crate) net_name: Vec<String>,
    pub(crate) net_weight: Vec<f64>,
    pub(crate) net_pin_start: Vec<u32>,
    pub(crate) pin_node: Vec<NodeId>,
    pub(crate) pin_dx: Vec<f64>,
    pub(crate) pin_dy: Vec<f64>,
    pub(crate) pin_dir: Vec<PinDir>,
    pub(crate) node_pin_start: Vec<u32>,
    pub(crate) node_pins: Vec<PinId>,
    /// Net of each pin (derived from `net_pin_start` at build time, for O(1) lookups).
    pub(crate) pin_net: Vec<NetId>,
    pub(crate) floorplan: Floorplan,
    pub(crate) name_to_node: FxHashMap<String, NodeId>,
    pub(crate) extra: Extra,
    pub(crate) source: SourceMap,
}

impl Netlist {
    /// Design name (file stem of the source).
    pub fn design(&self) -> &str {
        &self.design
    }
    /// Format the netlist was read from.
    pub fn format(&self) -> SourceFormat {
        self.format
    }
    /// Number of nodes.
    pub fn num_nodes(&self) -> usize {
        self.node_kind.len()
    }
    /// Number of nets.
    pub fn num_nets(&self) -> usize {
        self.net_weight.len()
    }
    /// Number of pins (net incidences).
    pub fn num_pins(&self) -> usize {
        self.pin_node.len()
    }
    /// All node ids.
    pub fn nodes(&self) -> impl ExactSizeIterator<Item = NodeId> + use<> {
        (0..self.num_nodes() as u32).map(NodeId)
    }
    /// All net ids.
    pub fn nets(&self) -> impl ExactSizeIterator<Item = NetId> + use<> {
        (0..self.num_nets() as u32).map(NetId)
    }
    /// Node names.
    pub fn node_name(&self) -> &[String] {
        &self.node_name
    }
    /// Node widths (N frame).
    pub fn node_width(&self) -> &[f64] {
        &self.node_width
    }
    /// Node heights (N frame).
    pub fn node_height(&self) -> &[f64] {
        &self.node_height
    }
    /// Node kinds.
    pub fn node_kind(&self) -> &[NodeKind] {
        &self.node_kind
    }
    /// Whether each node is fixed.
    pub fn node_fixed(&self) -> &[bool] {
        &self.node_fixed
    }
    /// Orientation of each node as declared by the source files (the initial placement's).
    pub fn node_orient(&self) -> &[Orientation] {
        &self.node_orient
    }
    /// Net names.
    pub fn net_name(&self) -> &[String] {
        &self.net_name
    }
    /// Net weights.
    pub fn net_weight(&self) -> &[f64] {
        &self.net_weight
    }
    /// CSR start of each net's pins; len = nets + 1.
    pub fn net_pin_start(&self) -> &[u32] {
        &self.net_pin_start
    }
    /// Node of each pin.
    pub fn pin_node(&self) -> &[NodeId] {
        &self.pin_node
    }
    /// x offset of each pin from its node's centre (N frame).
    pub fn pin_dx(&self) -> &[f64] {
        &self.pin_dx
    }
    /// y offset of each pin from its node's centre (N frame).
    pub fn pin_dy(&self) -> &[f64] {
        &self.pin_dy
    }
    /// Direction of each pin. For CT nets the first pin of a net is its driver.
    pub fn pin_dir(&self) -> &[PinDir] {
        &self.pin_dir
    }
    /// CSR start of each node's pins in [`Netlist::node_pins`]; len = nodes + 1.
    pub fn node_pin_start(&self) -> &[u32] {
        &self.node_pin_start
    }
    /// Pins grouped by node.
    pub fn node_pins(&self) -> &[PinId] {
        &self.node_pins
    }
    /// The pins of one net.
    pub fn net_pins(&self, net: NetId) -> std::ops::Range<usize> {
        self.net_pin_start[net.idx()] as usize..self.net_pin_start[net.idx() + 1] as usize
    }
    /// The pins of one node.
    pub fn pins_of_node(&self, node: NodeId) -> &[PinId] {
        let s = self.node_pin_start[node.idx()] as usize;
        let e = self.node_pin_start[node.idx() + 1] as usize;
        &self.node_pins[s..e]
    }
    /// Net of a pin (a table derived from the CSR when the netlist was built).
    #[inline]
    pub fn pin_net(&self, pin: PinId) -> NetId {
        self.pin_net[pin.idx()]
    }
    /// Canvas and grid parameters.
    pub fn floorplan(&self) -> &Floorplan {
        &self.floorplan
    }
    /// The same netlist on a canvas of `width × height` (lower-left corner kept): the one
    /// canvas that scoring, legality and the writers then all use.
    pub fn with_canvas_size(mut self, width: f64, height: f64) -> crate::Result<Netlist> {
        crate::limits::check_canvas(width, height).map_err(crate::Error::Invalid)?;
        self.floorplan.width = width;
        self.floorplan.height = height;
        self.floorplan.canvas_source = CanvasSource::Option;
        Ok(self)
    }
    /// Looks a node up by name.
    pub fn node_by_name(&self, name: &str) -> Option<NodeId> {
        self.name_to_node.get(name).copied()
    }
    /// Format-specific extras.
    pub fn extra(&self) -> &Extra {
        &self.extra
    }
    /// Source file and line of nodes and nets.
    pub fn source(&self) -> &SourceMap {
        &self.source
    }
    /// Node area (width × height).
    pub fn node_area(&self, node: NodeId) -> f64 {
        self.node_width[node.idx()] * self.node_height[node.idx()]
    }
    /// Number of nodes of a kind.
    pub fn count_kind(&self, kind: NodeKind) -> usize {
        self.node_kind.iter().filter(|&&k| k == kind).count()
    }
    /// Total area of nodes of a kind.
    pub fn area_of_kind(&self, kind: NodeKind) -> f64 {
        self.nodes()
            .filter(|n| self.node_kind[n.idx()] == kind)
            .map(|n| self.node_area(n))
            .fold(0.0, |a, b| a + b)
    }

    /// A 64-bit FNV-1a digest of the model's structure — node names, kinds, sizes, fixedness,
    /// net weights and the net→pin→node tables with pin offsets; not the provenance (file
    /// paths, design name) nor the placement. Two reads of the same netlist agree whatever the
    /// file is called; a different design (or another clustering of one) differs. Used to tell
    /// whether a policy has trained on a design.
    pub fn fingerprint(&self) -> u64 {
        let mut h = 0xcbf2_9ce4_8422_2325u64;
        let mut eat = |bytes: &[u8]| {
            for &b in bytes {
                h ^= b as u64;
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
        };
        for n in 0..self.num_nodes() {
            eat(self.node_name[n].as_bytes());
            eat(&[0xff, self.node_kind[n] as u8, self.node_fixed[n] as u8]);
            eat(&self.node_width[n].to_bits().to_le_bytes());
            eat(&self.node_height[n].to_bits().to_le_bytes());
        }
        for e in 0..self.num_nets() {
            eat(&self.net_weight[e].to_bits().to_le_bytes());
            for p in self.net_pins(NetId(e as u32)) {
                eat(&self.pin_node[p].0.to_le_bytes());
                eat(&self.pin_dx[p].to_bits().to_le_bytes());
                eat(&self.pin_dy[p].to_bits().to_le_bytes());
            }
            eat(&[0xfe]);
        }
        h
    }

    /// Whether two netlists hold the same model: every table except the provenance — the source
    /// map and the design name, which derive from file paths and legitimately differ after a
    /// write/read round trip.
    /// Returns the name of the first differing table.
    pub fn model_diff(&self, other: &Netlist) -> Option<&'static str> {
        macro_rules! cmp {
            ($($f:ident),*) => {
                $( if self.$f != other.$f { return Some(stringify!($f)); } )*
            };
        }
        cmp!(
            node_name,
            node_width,
            node_height,
            node_kind,
            node_fixed,
            node_orient,
            net_name,
            net_weight,
            net_pin_start,
            pin_node,
            pin_dx,
            pin_dy,
            pin_dir,
            node_pin_start,
            node_pins,
            floorplan,
            extra
        );
        None
    }
}

/// A mutable placement: the centre and orientation of every node.
///
/// Convention: **centres** in the design's units, for every format. Circuit Training files store
/// centres already; Bookshelf `.pl` files store lower-left corners (of the oriented footprint)
/// and are converted by the Bookshelf reader and writer.
#[derive(Debug, Clone, PartialEq)]
pub struct Placement {
    /// Centre x of each node.
    pub x: Vec<f64>,
    /// Centre y of each node.
    pub y: Vec<f64>,
    /// Orientation of each node.
    pub orient: Vec<Orientation>,
}

impl Placement {
    /// All nodes at the origin, orientation N.
    pub fn zeros(num_nodes: usize) -> Self {
        Placement {
            x: vec![0.0; num_nodes],
            y: vec![0.0; num_nodes],
            orient: vec![Orientation::N; num_nodes],
        }
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.x.len()
    }

    /// Whether the placement has no nodes.
    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }

    /// Absolute position of a pin.
    #[inline]
    pub fn pin_position(&self, netlist: &Netlist, pin: PinId) -> (f64, f64) {
        let p = pin.idx();
        let n = netlist.pin_node[p].idx();
        let (dx, dy) = self.orient[n].rotate(netlist.pin_dx[p], netlist.pin_dy[p]);
        (self.x[n] + dx, self.y[n] + dy)
    }

    /// Lower-left corner of a node's footprint, turning it by 90° for E/W orientations when
    /// `swap_footprint` (Bookshelf semantics).
    pub fn lower_left(&self, netlist: &Netlist, node: NodeId, swap_footprint: bool) -> (f64, f64) {
        let (w, h) = footprint(netlist, node, self.orient[node.idx()], swap_footprint);
        (self.x[node.idx()] - w / 2.0, self.y[node.idx()] - h / 2.0)
    }
}

/// Width and height of a node's footprint in an orientation.
pub fn footprint(netlist: &Netlist, node: NodeId, o: Orientation, swap: bool) -> (f64, f64) {
    let (w, h) = (
        netlist.node_width[node.idx()],
        netlist.node_height[node.idx()],
    );
    if swap && o.swaps_footprint() {
        (h, w)
    } else {
        (w, h)
    }
}

/// A netlist with the placement its files gave.
#[derive(Debug, Clone)]
pub struct Design {
    /// The netlist.
    pub netlist: Netlist,
    /// Its initial placement (netlist positions, overridden by `.pl`/`.plc`).
    pub placement: Placement,
    /// What the reader accepted but the user should know (a `.plc` that leaves nodes out).
    pub warnings: Vec<String>,
}
