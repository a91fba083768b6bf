//! Development aid: how close can the environment's protocol get to a given placement? Maps
//! each macro of a target placement (e.g. an `sa` result) to the legal grid cell nearest its
//! centre, in the environment's order, and prints the episode's proxy. Usage:
//! `mapplc NETLIST START_PLC TARGET_PLC [GRID]`.
mod common;

use placer::env::{EnvOptions, PlaceEnv};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let d = common::read_with_plc(&args[1], &args[2]);
    let target = common::read_with_plc(&args[1], &args[3]).placement;
    let grid = args.get(4).map_or(128, |g| g.parse().expect("grid"));
    let params = placer::cost::CostParams::from_floorplan(d.netlist.floorplan());
    let target_cost = placer::cost::proxy_cost(&d.netlist, &target, &params);
    let eo = EnvOptions {
        grid,
        ..EnvOptions::default()
    };
    let mut env = PlaceEnv::new(&d.netlist, &d.placement, &params, &eo);
    let (actions, _) = env.actions_towards(&target).expect("map");
    let mut proxy = f64::NAN;
    env.reset();
    for a in actions {
        if let Some(c) = env.step(a).expect("step").cost {
            proxy = c.proxy_cost;
        }
    }
    println!(
        "target proxy {:.4}; env replay proxy {proxy:.4}",
        target_cost.proxy_cost
    );
    // The target's macros with the env's episode end (clusters from the start, spread).
    let mut pl = d.placement.clone();
    for &n in env.order() {
        pl.x[n] = target.x[n];
        pl.y[n] = target.y[n];
        pl.orient[n] = target.orient[n];
    }
    let soft: Vec<usize> = (0..d.netlist.num_nodes())
        .filter(|&n| {
            d.netlist.node_kind()[n] == netlists::NodeKind::SoftMacro && !d.netlist.node_fixed()[n]
        })
        .collect();
    placer::macros::force::spread_with(
        &d.netlist,
        &mut pl,
        &params,
        &soft,
        placer::macros::force::ForceOptions::default().spread,
        &placer::macros::force::spread_offsets(&params),
    );
    println!(
        "target macros, clusters spread from the start: {:.4}",
        placer::cost::proxy_cost(&d.netlist, &pl, &params).proxy_cost
    );
}
