//! Development aid: wire-mask greedy with a packing bonus. Each legal cell scores its
//! normalised wire mask (0 best .. 1 worst over the legal cells) minus β × the fraction of its
//! four neighbours that are illegal or off the grid (the macro would touch an obstacle or the
//! canvas edge there); prints the final proxy in the environment's protocol for several β.
//! Usage: `contact NETLIST PLC [GRID]`.
mod common;

use placer::env::PlaceEnv;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (d, params, eo) = common::env_setup(&args);
    let mut env = PlaceEnv::new(&d.netlist, &d.placement, &params, &eo);
    let betas: Vec<f64> = std::env::var("BETAS")
        .map_or(vec![0.0, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0], |v| {
            v.split(',').map(|x| x.parse().unwrap()).collect()
        });
    for beta in betas {
        env.reset();
        let mut proxy = f64::NAN;
        while !env.done() {
            let (rows, cols) = (env.grid().rows, env.grid().cols);
            let legal = env.legal().to_vec();
            let w = env.wire_values();
            let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
            for k in 0..legal.len() {
                if legal[k] {
                    lo = lo.min(w[k]);
                    hi = hi.max(w[k]);
                }
            }
            let s = if hi > lo { 1.0 / (hi - lo) } else { 0.0 };
            let ok = |r: i64, c: i64| {
                r >= 0
                    && c >= 0
                    && r < rows as i64
                    && c < cols as i64
                    && legal[r as usize * cols + c as usize]
            };
            let mut best = (f64::INFINITY, 0usize);
            for k in 0..legal.len() {
                if !legal[k] {
                    continue;
                }
                let (r, c) = ((k / cols) as i64, (k % cols) as i64);
                let contact = [(r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)]
                    .iter()
                    .filter(|&&(a, b)| !ok(a, b))
                    .count() as f64
                    / 4.0;
                let v = (w[k] - lo) * s - beta * contact;
                if v < best.0 {
                    best = (v, k);
                }
            }
            if let Some(c) = env.step(best.1).expect("step").cost {
                proxy = c.proxy_cost;
            }
        }
        println!("beta {beta:5}: final proxy {proxy:.4}");
    }
}
