//! Development aid: where an environment step's time goes on a CT design (one thread).
mod common;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let d = common::read_with_plc(&args[1], &args[2]);
    let params = placer::cost::CostParams::from_floorplan(d.netlist.floorplan());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    pool.install(|| {
        let mut env = placer::env::PlaceEnv::new(&d.netlist, &d.placement, &params, &Default::default());
        let mut obs = placer::env::Observation::default();
        let (mut t_obs, mut t_step, mut t_last, mut t_reset) = (0.0, 0.0, 0.0, 0.0);
        let eps = std::env::var("EPS").map_or(10, |v| v.parse().unwrap());
        for _ in 0..eps {
            let t = std::time::Instant::now();
            env.reset();
            t_reset += t.elapsed().as_secs_f64();
            while !env.done() {
                let t = std::time::Instant::now();
                env.observe(&mut obs);
                t_obs += t.elapsed().as_secs_f64();
                let a = (0..obs.legal.len()).find(|&k| obs.legal[k]).unwrap_or(0);
                let t = std::time::Instant::now();
                let out = env.step(a).unwrap();
                let dt = t.elapsed().as_secs_f64();
                if out.done { t_last += dt } else { t_step += dt }
            }
        }
        let steps = (eps * env.num_steps()) as f64;
        println!(
            "per step: observe {:.1} us, step {:.1} us; per episode: last step {:.2} ms, reset {:.2} ms",
            1e6 * t_obs / steps,
            1e6 * t_step / (steps - eps as f64),
            1e3 * t_last / eps as f64,
            1e3 * t_reset / eps as f64
        );
    });
}
