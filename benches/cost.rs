//! Cost-model benchmarks on real designs (`$MACROPLACE_SHARED`, default `../shared`):
//! full proxy evaluation of ariane133 clustered (44.5k pins, 24×21 grid), one incremental hard
//! macro move on ariane133, and the HPWL of flat nvdla (623k pins) on one thread.

use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use netlists::NodeKind;
use placer::cost::{CostParams, hpwl, proxy_cost};

#[path = "../tests/support/mod.rs"]
mod support;

fn cost(c: &mut Criterion) {
    let d = support::ariane133();
    let params = CostParams::from_floorplan(d.netlist.floorplan());
    let mut g = c.benchmark_group("cost");
    g.warm_up_time(Duration::from_secs(1));
    g.bench_function("proxy_full_ariane133", |bch| {
        bch.iter(|| proxy_cost(&d.netlist, &d.placement, &params))
    });
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    g.bench_function("proxy_full_ariane133_1thread", |bch| {
        bch.iter(|| one.install(|| proxy_cost(&d.netlist, &d.placement, &params)))
    });

    // Incremental: each iteration moves one random hard macro to a random spot and returns the
    // new proxy cost (the state walks on from there, as in annealing).
    let hard: Vec<_> = d
        .netlist
        .nodes()
        .filter(|n| d.netlist.node_kind()[n.idx()] == NodeKind::HardMacro)
        .collect();
    let mut st =
        placer::cost::incremental::CostState::new(&d.netlist, d.placement.clone(), params.clone());
    let mut rng = support::Rng(1);
    let mut rnd = move || rng.unit();
    let (w, h) = (params.canvas_width, params.canvas_height);
    g.bench_function("incremental_move_ariane133", |bch| {
        bch.iter_batched(
            || {
                (
                    hard[(rnd() * hard.len() as f64) as usize % hard.len()],
                    rnd() * w,
                    rnd() * h,
                )
            },
            |(m, x, y)| st.move_node(m, x, y),
            BatchSize::SmallInput,
        )
    });

    // Masks for one hard macro at G = 128 with every other macro and port placed.
    let grid = placer::macros::masks::MaskGrid::over_canvas(&d.netlist, 128, 128);
    let placed = vec![true; d.netlist.num_nodes()];
    let m = hard[hard.len() / 2];
    g.bench_function("position_mask_ariane133_g128", |bch| {
        bch.iter(|| {
            placer::macros::masks::position_mask(&d.netlist, &d.placement, &placed, m, &grid)
        })
    });
    g.bench_function("wire_mask_ariane133_g128", |bch| {
        bch.iter(|| {
            placer::macros::masks::wire_mask(
                &d.netlist,
                &d.placement,
                &placed,
                m,
                netlists::Orientation::N,
                &grid,
            )
        })
    });

    let flat = support::read("ct-flat/nvdla_ng45/netlist.pb.txt.gz", None);
    let fparams = CostParams::from_floorplan(flat.netlist.floorplan());
    g.bench_function("hpwl_flat_nvdla_1thread", |bch| {
        bch.iter(|| hpwl(&flat.netlist, &flat.placement, &fparams))
    });
    g.finish();
}

criterion_group!(benches, cost);
criterion_main!(benches);
