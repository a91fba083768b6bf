//! Development aid: legalize + force-directed clusters on a CT design, printing costs and times.
mod common;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let d = common::read_with_plc(&args[1], &args[2]);
    let params = placer::cost::CostParams::from_floorplan(d.netlist.floorplan());
    let mut pl = d.placement.clone();
    let c0 = placer::cost::proxy_cost(&d.netlist, &pl, &params);
    let t = std::time::Instant::now();
    let r = placer::macros::legalize::legalize(&d.netlist, &mut pl).expect("legalize");
    let c1 = placer::cost::proxy_cost(&d.netlist, &pl, &params);
    println!(
        "legalize {:.3} s {r:?}\n  proxy {:.6} -> {:.6} ({:?})",
        t.elapsed().as_secs_f64(),
        c0.proxy_cost,
        c1.proxy_cost,
        (c1.wirelength_cost, c1.density_cost, c1.congestion_cost)
    );
    let t = std::time::Instant::now();
    let f = placer::macros::force::place_soft_macros(
        &d.netlist,
        &mut pl,
        &params,
        &placer::macros::force::ForceOptions {
            repel: std::env::var("REPEL").map_or(1.0, |v| v.parse().unwrap()),
            attract: std::env::var("ATTRACT").map_or(0.05, |v| v.parse().unwrap()),
            spread: std::env::var("SPREAD").map_or(1.0, |v| v.parse().unwrap()),
            ..Default::default()
        },
    );
    let c2 = placer::cost::proxy_cost(&d.netlist, &pl, &params);
    println!(
        "force {:.3} s {f:?}\n  terms {:?}",
        t.elapsed().as_secs_f64(),
        (c2.wirelength_cost, c2.density_cost, c2.congestion_cost)
    );
    println!(
        "violations {}",
        placer::cost::legality::check(&d.netlist, &pl, None).len()
    );
    let t = std::time::Instant::now();
    let g = placer::macros::greedy::grid_dims(&d.netlist, 128);
    let mut gp = placer::macros::greedy::greedy(&d.netlist, &pl, g.0, g.1).expect("greedy");
    let cg = placer::cost::proxy_cost(&d.netlist, &gp, &params);
    let tg = t.elapsed().as_secs_f64();
    let f =
        placer::macros::force::place_soft_macros(&d.netlist, &mut gp, &params, &Default::default());
    println!(
        "greedy {tg:.3} s proxy {:.6} terms {:?}, after force {:.6} total {:.3} s, violations {}",
        cg.proxy_cost,
        (cg.wirelength_cost, cg.density_cost, cg.congestion_cost),
        f.proxy,
        t.elapsed().as_secs_f64(),
        placer::cost::legality::check(&d.netlist, &gp, None).len()
    );
    let secs: f64 = std::env::var("SECS").map_or(30.0, |v| v.parse().unwrap());
    let opts = placer::macros::anneal::AnnealOptions {
        budget: placer::macros::anneal::Budget {
            seconds: Some(secs),
            iterations: None,
        },
        start_acceptance: std::env::var("ACC").map_or(0.2, |v| v.parse().unwrap()),
        ..Default::default()
    };
    let mut last = 0.0;
    let o = placer::macros::anneal::anneal(&d.netlist, &pl, &params, &opts, &mut |p| {
        if p.point.seconds > last + 5.0 {
            last = p.point.seconds;
            eprintln!(
                "{:.1}s it {} best {:.5} cur {:.5}",
                p.point.seconds, p.point.iterations, p.point.best, p.point.current
            );
        }
    });
    let c3 = placer::cost::proxy_cost(&d.netlist, &o.placement, &params);
    println!(
        "anneal: it {} acc {} illegal {} T0 {:.3e} proxy {:.6} (full {:.6}) terms {:?} violations {}",
        o.iterations,
        o.accepted,
        o.illegal,
        o.start_temperature,
        o.proxy,
        c3.proxy_cost,
        (c3.wirelength_cost, c3.density_cost, c3.congestion_cost),
        placer::cost::legality::check(&d.netlist, &o.placement, None).len()
    );
}
