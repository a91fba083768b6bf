//! Legality of a macro placement (`proxy-cost.md` §8, the 2026 challenge's rule): every hard and
//! soft macro inside the canvas; no two hard macros overlapping with positive area (touching is
//! fine); fixed nodes where the reference placement has them (and not otherwise judged: a fixed
//! macro the design puts outside the canvas is not a violation); hard macros only in N, FN, FS
//! or S.
//!
//! [`check`] returns every violation with names and amounts, not just a flag.

use netlists::{Netlist, NodeId, NodeKind, Orientation, Placement};

/// One violation.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum Violation {
    /// Two hard macros overlap.
    Overlap {
        /// First macro.
        a: String,
        /// Second macro.
        b: String,
        /// Overlap area.
        area: f64,
    },
    /// A macro sticks out of the canvas.
    OutsideCanvas {
        /// The macro.
        node: String,
        /// Area outside the canvas.
        area: f64,
    },
    /// A fixed node is not where the reference placement has it.
    FixedMoved {
        /// The node.
        node: String,
        /// Distance moved (Euclidean, centre).
        distance: f64,
    },
    /// A hard macro is rotated by 90° (E, W, FE, FW).
    BadOrientation {
        /// The macro.
        node: String,
        /// Its orientation.
        orientation: Orientation,
    },
}

impl Violation {
    /// A size to rank violations by (area or distance; 1 for orientations).
    pub fn amount(&self) -> f64 {
        match self {
            Violation::Overlap { area, .. } | Violation::OutsideCanvas { area, .. } => *area,
            Violation::FixedMoved { distance, .. } => *distance,
            Violation::BadOrientation { .. } => 1.0,
        }
    }
}

/// Box of a node `(x0, y0, x1, y1)` (CT semantics: width and height never swap).
fn bbox(nl: &Netlist, pl: &Placement, n: usize) -> (f64, f64, f64, f64) {
    let (w, h) = (nl.node_width()[n], nl.node_height()[n]);
    (
        pl.x[n] - w / 2.0,
        pl.y[n] - h / 2.0,
        pl.x[n] + w / 2.0,
        pl.y[n] + h / 2.0,
    )
}

/// All violations of `placement`; `reference` (e.g. the input placement) is where fixed nodes
/// must stay. Overlaps are found by a sweep over x, so the cost is O(n log n + overlapping
/// pairs in x).
pub fn check(
    netlist: &Netlist,
    placement: &Placement,
    reference: Option<&Placement>,
) -> Vec<Violation> {
    let fp = netlist.floorplan();
    let canvas = fp.canvas();
    let (cx0, cy0, cx1, cy1) = (canvas.x0, canvas.y0, canvas.x1, canvas.y1);
    let name = |n: usize| netlist.node_name()[n].clone();
    let mut out = Vec::new();
    let overlap_eps = 1e-12 * ((cx1 - cx0) + (cy1 - cy0));
    let mut hard: Vec<(f64, f64, f64, f64, usize)> = Vec::new();
    for n in 0..netlist.num_nodes() {
        let kind = netlist.node_kind()[n];
        if kind.is_macro() {
            let (x0, y0, x1, y1) = bbox(netlist, placement, n);
            let inside =
                (x1.min(cx1) - x0.max(cx0)).max(0.0) * (y1.min(cy1) - y0.max(cy0)).max(0.0);
            let outside = (x1 - x0) * (y1 - y0) - inside;
            // A fixed node outside the canvas is the design's doing (e.g. the toy Bookshelf
            // design's terminal o9): fixed nodes are judged by `FixedMoved` only.
            if outside > 1e-9 * (x1 - x0) * (y1 - y0) && !netlist.node_fixed()[n] {
                out.push(Violation::OutsideCanvas {
                    node: name(n),
                    area: outside,
                });
            }
            if kind == NodeKind::HardMacro {
                hard.push((x0, y0, x1, y1, n));
                if placement.orient[n].swaps_footprint() {
                    out.push(Violation::BadOrientation {
                        node: name(n),
                        orientation: placement.orient[n],
                    });
                }
            }
        }
        if let Some(r) = reference
            && netlist.node_fixed()[n]
        {
            let d = (placement.x[n] - r.x[n]).hypot(placement.y[n] - r.y[n]);
            if d > 0.0 {
                out.push(Violation::FixedMoved {
                    node: name(n),
                    distance: d,
                });
            }
        }
    }
    hard.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.4.cmp(&b.4)));
    for i in 0..hard.len() {
        let a = hard[i];
        for b in &hard[i + 1..] {
            if b.0 >= a.2 {
                break;
            }
            let w = a.2.min(b.2) - a.0.max(b.0);
            let h = a.3.min(b.3) - a.1.max(b.1);
            // Abutting boxes read back from integer database units differ from exact
            // abutment by rounding only (~1e-14 µm): that is not an overlap.
            if w > overlap_eps && h > overlap_eps {
                let (p, q) = if a.4 < b.4 { (a.4, b.4) } else { (b.4, a.4) };
                out.push(Violation::Overlap {
                    a: name(p),
                    b: name(q),
                    area: w * h,
                });
            }
        }
    }
    out
}

/// Ids of hard macros, for callers that iterate them often.
pub fn hard_macros(netlist: &Netlist) -> Vec<NodeId> {
    netlist
        .nodes()
        .filter(|n| netlist.node_kind()[n.idx()] == NodeKind::HardMacro)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use netlists::model::SourceLine;
    use netlists::{NetlistBuilder, SourceFormat};

    fn toy() -> (Netlist, Placement) {
        let mut b = NetlistBuilder::new("t", SourceFormat::Memory);
        let at = SourceLine::default();
        for (name, w, h, kind, fixed) in [
            ("a", 10.0, 10.0, NodeKind::HardMacro, false),
            ("b", 10.0, 10.0, NodeKind::HardMacro, false),
            ("c", 4.0, 4.0, NodeKind::HardMacro, true),
            ("s", 30.0, 30.0, NodeKind::SoftMacro, false),
        ] {
            b.add_node(name, w, h, kind, fixed, at).unwrap();
        }
        b.set_floorplan(netlists::Floorplan::with_canvas(
            0.0,
            0.0,
            100.0,
            100.0,
            netlists::CanvasSource::Plc,
        ));
        let nl = b.build().unwrap();
        let mut pl = Placement::zeros(4);
        pl.x = vec![10.0, 20.0, 50.0, 50.0];
        pl.y = vec![10.0, 10.0, 50.0, 50.0];
        (nl, pl)
    }

    #[test]
    fn touching_is_legal_and_soft_overlap_is_allowed() {
        let (nl, pl) = toy();
        // a [5,15] and b [15,25] touch; s overlaps c (soft may overlap).
        assert_eq!(check(&nl, &pl, Some(&pl)), vec![]);
    }

    #[test]
    fn rounding_noise_is_no_overlap_but_a_real_sliver_is() {
        let (nl, ref_pl) = toy();
        let mut pl = ref_pl.clone();
        // b's left edge 1e-14 inside a's right edge: what integer database units read back
        // as microns leave of an exact abutment.
        pl.x[1] = 20.0 - 1e-14;
        assert_eq!(check(&nl, &pl, Some(&ref_pl)), vec![]);
        pl.x[1] = 20.0 - 1e-6;
        assert_eq!(check(&nl, &pl, Some(&ref_pl)).len(), 1);
    }

    #[test]
    fn each_violation_is_reported_with_its_amount() {
        let (nl, ref_pl) = toy();
        let mut pl = ref_pl.clone();
        pl.x[1] = 18.0; // overlaps a by 2 x 10
        pl.x[2] = 53.0; // fixed moved by 3
        pl.orient[0] = Orientation::E;
        pl.x[3] = 95.0; // soft macro x [80, 110]: 10 x 30 outside
        let v = check(&nl, &pl, Some(&ref_pl));
        assert!(
            v.contains(&Violation::Overlap {
                a: "a".into(),
                b: "b".into(),
                area: 20.0
            }),
            "{v:?}"
        );
        assert!(
            v.contains(&Violation::FixedMoved {
                node: "c".into(),
                distance: 3.0
            }),
            "{v:?}"
        );
        assert!(v.contains(&Violation::BadOrientation {
            node: "a".into(),
            orientation: Orientation::E
        }));
        assert!(
            v.contains(&Violation::OutsideCanvas {
                node: "s".into(),
                area: 300.0
            }),
            "{v:?}"
        );
        assert_eq!(v.len(), 4);
    }

    #[test]
    fn sweep_finds_the_same_overlaps_as_all_pairs() {
        // Deterministic pseudo-random boxes; compare with an O(n^2) scan.
        let mut b = NetlistBuilder::new("t", SourceFormat::Memory);
        let at = SourceLine::default();
        let mut seed = 12345u64;
        let mut rnd = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as f64 / (1u64 << 31) as f64
        };
        let n = 200;
        let mut pl = Placement::zeros(n);
        for i in 0..n {
            b.add_node(
                &format!("m{i}"),
                1.0 + 20.0 * rnd(),
                1.0 + 20.0 * rnd(),
                NodeKind::HardMacro,
                false,
                at,
            )
            .unwrap();
            pl.x[i] = 300.0 * rnd();
            pl.y[i] = 300.0 * rnd();
        }
        b.set_floorplan(netlists::Floorplan::with_canvas(
            -50.0,
            -50.0,
            400.0,
            400.0,
            netlists::CanvasSource::Plc,
        ));
        let nl = b.build().unwrap();
        let fast: Vec<Violation> = check(&nl, &pl, None);
        let mut naive = 0;
        for i in 0..n {
            for j in i + 1..n {
                let (a, c) = (bbox(&nl, &pl, i), bbox(&nl, &pl, j));
                if a.2.min(c.2) > a.0.max(c.0) && a.3.min(c.3) > a.1.max(c.1) {
                    naive += 1;
                }
            }
        }
        assert!(naive > 10);
        assert_eq!(
            fast.iter()
                .filter(|v| matches!(v, Violation::Overlap { .. }))
                .count(),
            naive
        );
    }
}
