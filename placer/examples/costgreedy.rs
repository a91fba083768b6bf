//! Development aid: does the live-cost shaping point the right way? Decodes ariane133 in the
//! environment's protocol choosing, among the K legal cells with the smallest wire mask, the one
//! with the smallest partial-placement proxy (`PartialCost`), and prints the final proxy for
//! several K (K = 1 is wire-mask greedy). Usage: `costgreedy NETLIST PLC [GRID]`.
mod common;

use netlists::NodeId;
use placer::cost::partial::PartialCost;
use placer::env::PlaceEnv;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (d, params, eo) = common::env_setup(&args);
    let mut env = PlaceEnv::new(&d.netlist, &d.placement, &params, &eo);
    let mut present = vec![true; d.netlist.num_nodes()];
    for &n in env.order() {
        present[n] = false;
    }
    let spread_mode = std::env::var("SPREAD_PHI").is_ok();
    let soft: Vec<usize> = (0..d.netlist.num_nodes())
        .filter(|&n| {
            d.netlist.node_kind()[n] == netlists::NodeKind::SoftMacro && !d.netlist.node_fixed()[n]
        })
        .collect();
    let offsets = placer::macros::force::spread_offsets(&params);
    let target = placer::macros::force::ForceOptions::default().spread;
    let phi_spread = |pc: &PartialCost| -> f64 {
        let mut pl = pc.placement().clone();
        for n in 0..pl.x.len() {
            if !pc.present()[n] {
                pl.x[n] = -1e7;
                pl.y[n] = -1e7;
            }
        }
        placer::macros::force::spread_with(&d.netlist, &mut pl, &params, &soft, target, &offsets);
        PartialCost::new(&d.netlist, &pl, &params, pc.present())
            .cost()
            .proxy_cost
    };
    let ks: Vec<usize> = std::env::var("KS").map_or(vec![1, 4, 16, 64, 256, 100_000], |v| {
        v.split(',').map(|x| x.parse().unwrap()).collect()
    });
    for k in ks {
        let t = std::time::Instant::now();
        env.reset();
        let mut pc = PartialCost::new(&d.netlist, &d.placement, &params, &present);
        let mut proxy = f64::NAN;
        let mut phi_end = f64::NAN;
        while !env.done() {
            let n = env.order()[env.step_index()];
            let mut legal: Vec<usize> =
                (0..env.legal().len()).filter(|&a| env.legal()[a]).collect();
            legal.sort_by(|&a, &b| env.wire_at(a).total_cmp(&env.wire_at(b)).then(a.cmp(&b)));
            legal.truncate(k);
            let g = *env.grid();
            let a = legal
                .iter()
                .map(|&a| {
                    let mut c = pc.place(NodeId(n as u32), g.cx(a % g.cols), g.cy(a / g.cols));
                    if spread_mode {
                        c = phi_spread(&pc);
                    }
                    pc.remove(NodeId(n as u32));
                    (c, a)
                })
                .min_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)))
                .map_or(0, |x| x.1);
            let out = env.step(a).expect("step");
            if let Some(c) = out.cost {
                proxy = c.proxy_cost;
            } else {
                let p = env.placement();
                phi_end = pc.place(NodeId(n as u32), p.x[n], p.y[n]);
            }
        }
        println!(
            "K {k:6}: final proxy {proxy:.4}  (partial proxy before the last macro {phi_end:.4})  {:.1} s",
            t.elapsed().as_secs_f64()
        );
    }
}
