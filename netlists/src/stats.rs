//! Summary statistics of a netlist (`macroplace info`).

use serde::Serialize;

use crate::model::{CanvasSource, CtRole, Extra, Netlist, NodeKind, SourceFormat};

/// Counts, areas and canvas of a netlist.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Design name.
    pub design: String,
    /// Source format.
    pub format: SourceFormat,
    /// All nodes.
    pub nodes: usize,
    /// Hard macros.
    pub hard_macros: usize,
    /// Fixed hard macros.
    pub fixed_hard_macros: usize,
    /// Soft macros (std-cell clusters).
    pub soft_macros: usize,
    /// Standard cells.
    pub std_cells: usize,
    /// Ports / pads.
    pub ports: usize,
    /// Nets.
    pub nets: usize,
    /// Sum of net weights.
    pub net_weight_sum: f64,
    /// Pins (net incidences).
    pub pins: usize,
    /// Pins on hard macros.
    pub hard_macro_pins: usize,
    /// Pins on soft macros.
    pub soft_macro_pins: usize,
    /// Net-degree histogram: `(label, count)` for degrees 1, 2, 3, 4–5, 6–10, 11–20, 21–50,
    /// 51–100, >100.
    pub net_degree_histogram: Vec<(String, usize)>,
    /// Largest net degree.
    pub max_net_degree: usize,
    /// Canvas lower-left x.
    pub canvas_x: f64,
    /// Canvas lower-left y.
    pub canvas_y: f64,
    /// Canvas width.
    pub canvas_width: f64,
    /// Canvas height.
    pub canvas_height: f64,
    /// Where the canvas came from.
    pub canvas_source: CanvasSource,
    /// Grid columns (`.plc` header; else the 10×10 default).
    pub grid_cols: u32,
    /// Grid rows.
    pub grid_rows: u32,
    /// Whether the grid is the default rather than from a header.
    pub grid_default: bool,
    /// Placement rows (Bookshelf).
    pub rows: usize,
    /// Area of hard macros.
    pub hard_macro_area: f64,
    /// Area of soft macros.
    pub soft_macro_area: f64,
    /// Area of std cells.
    pub std_cell_area: f64,
    /// (hard + soft macro + std cell area) / canvas area.
    pub utilization: f64,
    /// Hard macro area / canvas area.
    pub hard_macro_utilization: f64,
    /// CT only: `node { }` blocks (the `.plc` index space: ports, macros, pins, std cells).
    pub ct_objects: Option<usize>,
    /// CT only: `MACRO_PIN` objects on hard macros (Google's `HARD_MACRO_PINs`).
    pub ct_hard_macro_pins: Option<usize>,
    /// CT only: `MACRO_PIN` objects on soft macros (Google's `SOFT_MACRO_PINs`).
    pub ct_soft_macro_pins: Option<usize>,
}

const BUCKETS: [(usize, usize, &str); 9] = [
    (1, 1, "1"),
    (2, 2, "2"),
    (3, 3, "3"),
    (4, 5, "4-5"),
    (6, 10, "6-10"),
    (11, 20, "11-20"),
    (21, 50, "21-50"),
    (51, 100, "51-100"),
    (101, usize::MAX, ">100"),
];

/// Computes the summary of a netlist.
pub fn summarize(n: &Netlist) -> Summary {
    let fp = n.floorplan();
    let mut hist = vec![0usize; BUCKETS.len()];
    let mut max_deg = 0;
    let mut empty = 0;
    for net in n.nets() {
        let d = n.net_pins(net).len();
        max_deg = max_deg.max(d);
        match BUCKETS.iter().position(|&(lo, hi, _)| d >= lo && d <= hi) {
            Some(b) => hist[b] += 1,
            None => empty += 1,
        }
    }
    let mut histogram: Vec<(String, usize)> = BUCKETS
        .iter()
        .zip(&hist)
        .map(|(b, &c)| (b.2.to_string(), c))
        .collect();
    if empty > 0 {
        histogram.insert(0, ("0".into(), empty));
    }
    let pins_on = |k: NodeKind| {
        n.pin_node()
            .iter()
            .filter(|p| n.node_kind()[p.idx()] == k)
            .count()
    };
    let (hard, soft, std) = (
        n.area_of_kind(NodeKind::HardMacro),
        n.area_of_kind(NodeKind::SoftMacro),
        n.area_of_kind(NodeKind::StdCell),
    );
    let (gc, gr) = fp.grid.unwrap_or((10, 10));
    let (ct_objects, ct_hard, ct_soft) = match n.extra() {
        Extra::Ct(ct) => {
            let on = |k: NodeKind| {
                ct.objects
                    .iter()
                    .filter(|o| matches!(o.role, CtRole::MacroPin { node, .. } if n.node_kind()[node.idx()] == k))
                    .count()
            };
            (
                Some(ct.objects.len()),
                Some(on(NodeKind::HardMacro)),
                Some(on(NodeKind::SoftMacro)),
            )
        }
        _ => (None, None, None),
    };
    Summary {
        design: n.design().to_string(),
        format: n.format(),
        nodes: n.num_nodes(),
        hard_macros: n.count_kind(NodeKind::HardMacro),
        fixed_hard_macros: n
            .nodes()
            .filter(|x| n.node_kind()[x.idx()] == NodeKind::HardMacro && n.node_fixed()[x.idx()])
            .count(),
        soft_macros: n.count_kind(NodeKind::SoftMacro),
        std_cells: n.count_kind(NodeKind::StdCell),
        ports: n.count_kind(NodeKind::Port),
        nets: n.num_nets(),
        net_weight_sum: n.net_weight().iter().sum(),
        pins: n.num_pins(),
        hard_macro_pins: pins_on(NodeKind::HardMacro),
        soft_macro_pins: pins_on(NodeKind::SoftMacro),
        net_degree_histogram: histogram,
        max_net_degree: max_deg,
        canvas_x: fp.x_min,
        canvas_y: fp.y_min,
        canvas_width: fp.width,
        canvas_height: fp.height,
        canvas_source: fp.canvas_source,
        grid_cols: gc,
        grid_rows: gr,
        grid_default: fp.grid.is_none(),
        rows: fp.rows.len(),
        hard_macro_area: hard,
        soft_macro_area: soft,
        std_cell_area: std,
        utilization: (hard + soft + std) / fp.area(),
        hard_macro_utilization: hard / fp.area(),
        ct_objects,
        ct_hard_macro_pins: ct_hard,
        ct_soft_macro_pins: ct_soft,
    }
}
