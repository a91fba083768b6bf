//! Development aid (issue 15, "ours against Circuit Training's own clustering"): the std cells
//! of a flat design placed around the hard macros of a placement of Circuit Training's
//! *clustered* version of it, which has no cell→cluster map. Usage:
//! `ctcells FLAT_NETLIST CT_NETLIST CT_PLC SECONDS SEED [CANVAS]`.
//!
//! The hard macros take the CT placement's positions and orientations, matched by name. The
//! cells start from their macros' connectivity: Jacobi sweeps in which each cell not yet
//! positioned goes to the mean, over its nets of at most 100 pins, of the mean position of the
//! net's already positioned nodes (macros and ports first, then the cells reached by earlier
//! sweeps), until a sweep reaches no new cell; cells never reached start at the canvas centre. Then the full flow's cell stages run with the
//! macros fixed (`place_full`, `MacroMode::Fixed`, kept start), as `place --flow full` runs
//! them after a clustered macro placement. Prints the stages and the legal HPWL.
mod common;

use netlists::NodeKind;
use placer::full::{FullOptions, MacroMode, place_full};
use placer::global::analytic::{AnalyticOptions, Init};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mut flat =
        netlists::read_design(std::path::Path::new(&args[1]), &Default::default()).expect("flat");
    if let Some(c) = args.get(6) {
        let (w, h) = c.split_once(',').expect("CANVAS as W,H");
        flat.netlist = flat
            .netlist
            .with_canvas_size(w.parse().expect("W"), h.parse().expect("H"))
            .expect("canvas");
    }
    let ct = common::read_with_plc(&args[2], &args[3]);
    let seconds: f64 = args[4].parse().expect("SECONDS");
    let seed: u64 = args[5].parse().expect("SEED");
    let nl = &flat.netlist;
    let mut start = flat.placement.clone();
    let mut known = vec![false; nl.num_nodes()];
    let mut matched = 0;
    for (n, known_n) in known.iter_mut().enumerate() {
        match nl.node_kind()[n] {
            NodeKind::HardMacro => {
                let m = ct
                    .netlist
                    .node_by_name(&nl.node_name()[n])
                    .unwrap_or_else(|| panic!("{} not in the CT netlist", nl.node_name()[n]))
                    .idx();
                start.x[n] = ct.placement.x[m];
                start.y[n] = ct.placement.y[m];
                start.orient[n] = ct.placement.orient[m];
                *known_n = true;
                matched += 1;
            }
            NodeKind::StdCell => {}
            _ => *known_n = true,
        }
    }
    eprintln!("{matched} hard macros placed as the CT placement has them");
    let fp = nl.floorplan();
    let (cx, cy) = (fp.x_min + fp.width / 2.0, fp.y_min + fp.height / 2.0);
    let mut sweeps = 0;
    loop {
        let was = known.clone();
        sweeps += 1;
        for n in 0..nl.num_nodes() {
            if was[n] || nl.node_kind()[n] != NodeKind::StdCell {
                continue;
            }
            let (mut sx, mut sy, mut k) = (0.0, 0.0, 0.0);
            for &p in nl.pins_of_node(netlists::NodeId(n as u32)) {
                let net = nl.pin_net(p);
                let pins = nl.net_pins(net);
                if pins.len() > 100 {
                    continue;
                }
                let (mut nx, mut ny, mut nk) = (0.0, 0.0, 0.0);
                for q in pins {
                    let m = nl.pin_node()[q].idx();
                    if m != n && was[m] {
                        nx += start.x[m];
                        ny += start.y[m];
                        nk += 1.0;
                    }
                }
                if nk > 0.0 {
                    sx += nx / nk;
                    sy += ny / nk;
                    k += 1.0;
                }
            }
            if k > 0.0 {
                start.x[n] = sx / k;
                start.y[n] = sy / k;
                known[n] = true;
            }
        }
        if known == was {
            break;
        }
    }
    eprintln!("{sweeps} sweeps");
    let mut unreached = 0;
    for (n, &k) in known.iter().enumerate() {
        if !k {
            start.x[n] = cx;
            start.y[n] = cy;
            unreached += 1;
        }
    }
    eprintln!("{unreached} cells not reached from a macro or port start at the centre");
    let fo = FullOptions {
        mode: MacroMode::Fixed,
        cell_init: Init::Keep,
        cell_target_density: Some(1.0),
        gp: AnalyticOptions {
            target_density: 1.0,
            seed,
            seconds: Some(seconds),
            ..AnalyticOptions::default()
        },
        ..FullOptions::default()
    };
    let r = place_full(nl, &start, &fo).expect("full flow");
    for s in &r.stages {
        println!(
            "{:<32} {:>7.2} s  hpwl {:.4e}  overflow {:?}  iterations {:?}",
            s.name, s.seconds, s.hpwl, s.overflow, s.iterations
        );
    }
    let (mv, cv) = placer::full::check_full(nl, &r.placement, None);
    println!(
        "legal HPWL {:.4e} (macro violations {}, cell violations {})",
        placer::cost::hpwl::geometric_hpwl(nl, &r.placement),
        mv.len(),
        cv.len()
    );
}
