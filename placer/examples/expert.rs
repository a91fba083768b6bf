//! Development aid: annealing as the expert of expert iteration. Decodes ariane133 with
//! wire-mask greedy in the environment, anneals that placement for S seconds at several start
//! acceptances, maps the result back to an episode (`PlaceEnv::actions_towards`) and prints the
//! episode's proxy. Usage: `expert NETLIST PLC SECONDS ACC[,ACC...]`.
mod common;

use placer::env::{EnvOptions, PlaceEnv, decode_baseline};
use placer::macros::anneal::{AnnealOptions, Budget, anneal};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let d = common::read_with_plc(&args[1], &args[2]);
    let seconds: f64 = args[3].parse().expect("seconds");
    let params = placer::cost::CostParams::from_floorplan(d.netlist.floorplan());
    let mut env = PlaceEnv::new(&d.netlist, &d.placement, &params, &EnvOptions::default());
    let greedy = decode_baseline(&mut env, None).expect("decode");
    let start = env.placement().clone();
    println!("wire greedy {greedy:.4}");
    for acc in args[4].split(',') {
        let ao = AnnealOptions {
            budget: Budget {
                seconds: Some(seconds),
                iterations: None,
            },
            start_acceptance: acc.parse().expect("acceptance"),
            ..AnnealOptions::default()
        };
        let out = anneal(&d.netlist, &start, &params, &ao, &mut |_| {});
        let (_, proxy) = env.actions_towards(&out.placement).expect("map");
        println!(
            "acceptance {acc}: annealed {:.4} ({} moves); as an episode {proxy:.4}",
            out.proxy, out.iterations
        );
    }
}
