//! Development aid: random hard-macro moves on a CT design, for profiling `CostState`.
mod common;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let d = common::read_with_plc(&args[1], &args[2]);
    let params = placer::cost::CostParams::from_floorplan(d.netlist.floorplan());
    let hard = placer::cost::legality::hard_macros(&d.netlist);
    let mut st =
        placer::cost::incremental::CostState::new(&d.netlist, d.placement.clone(), params.clone());
    let mut rnd = common::uniform(1);
    let n: usize = args.get(3).map_or(20000, |s| s.parse().expect("count"));
    let t = std::time::Instant::now();
    let mut acc = 0.0;
    for _ in 0..n {
        let m = hard[(rnd() * hard.len() as f64) as usize % hard.len()];
        acc += st.move_node(m, rnd() * params.canvas_width, rnd() * params.canvas_height);
    }
    println!(
        "{:.2} us per move ({acc})",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
}
