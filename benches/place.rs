//! Full-placement kernels on ibm01 (`$MACROPLACE_SHARED`, default `../shared`), as a bench binary
//! that prints per-item costs: one global-placement iteration (cells around the legal macros,
//! the flow's second stage), one Abacus pass and one detailed-placement pass, each the fastest
//! of a few repetitions, on the threads rayon gives (all cores unless `RAYON_NUM_THREADS`).
//!
//! `cargo bench --bench place`. The start is the flow's own: mixed-size global placement,
//! macros legalized and snapped to the rows, cells re-placed (about 7 s, not timed).

use std::time::Instant;

use netlists::NodeKind;
use placer::detail::{detailed_place, legalize_cells, rows_of};
use placer::global::analytic::{AnalyticOptions, Init, global_place};

#[path = "../tests/support/mod.rs"]
mod support;

/// The fastest of `reps` runs of `f`, in seconds.
fn fastest(reps: usize, mut f: impl FnMut()) -> f64 {
    (0..reps)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    let d = support::read("bookshelf/ibm01_ms/ibm01.aux", None);
    let nl = &d.netlist;
    let cells: Vec<bool> = (0..nl.num_nodes())
        .map(|n| nl.node_kind()[n] == NodeKind::StdCell && !nl.node_fixed()[n])
        .collect();
    let n_cells = cells.iter().filter(|&&c| c).count();
    let pins = nl.num_pins();
    let rows = rows_of(nl);

    // The flow's start for the cells: its own stages, untimed.
    let opts = placer::full::FullOptions {
        detail_passes: 0,
        gp: AnalyticOptions {
            target_density: 0.9,
            ..AnalyticOptions::default()
        },
        cell_target_density: Some(0.95),
        ..placer::full::FullOptions::default()
    };
    let placed = placer::full::place_full(nl, &d.placement, &opts).expect("full flow");
    let gp_opts = AnalyticOptions {
        init: Init::Keep,
        target_density: 0.95,
        initial_lambda: opts.replace_lambda,
        target_overflow: 0.0,
        ..AnalyticOptions::default()
    };
    let start = placed.placement.clone();

    // Global placement: 40 iterations less 0 (the set-up: bins, fillers, first evaluations).
    let iters = 40;
    let t0 = fastest(3, || {
        global_place(
            nl,
            &start,
            &cells,
            &AnalyticOptions {
                max_iterations: 0,
                ..gp_opts.clone()
            },
        );
    });
    let t1 = fastest(3, || {
        global_place(
            nl,
            &start,
            &cells,
            &AnalyticOptions {
                max_iterations: iters,
                ..gp_opts.clone()
            },
        );
    });
    let per_iter = (t1 - t0) / iters as f64;

    // Abacus on the legal result (cells put back where global placement left them).
    let gp = global_place(
        nl,
        &start,
        &cells,
        &AnalyticOptions {
            max_iterations: 200,
            ..gp_opts.clone()
        },
    );
    let abacus = fastest(5, || {
        let mut p = gp.placement.clone();
        legalize_cells(nl, &rows, &mut p).expect("abacus");
    });
    let mut legal = gp.placement.clone();
    legalize_cells(nl, &rows, &mut legal).expect("abacus");
    let dp = fastest(3, || {
        let mut p = legal.clone();
        detailed_place(nl, &rows, &mut p, 1, None);
    });
    let threads = rayon::current_num_threads();
    println!("ibm01: {n_cells} movable std cells, {pins} pins, {threads} threads");
    println!(
        "global placement iteration (cells)   {:8.3} ms   {:7.1} ns/cell  {:6.1} ns/pin  (set-up {:.3} s)",
        per_iter * 1e3,
        per_iter * 1e9 / n_cells as f64,
        per_iter * 1e9 / pins as f64,
        t0
    );
    println!(
        "Abacus pass                          {:8.3} ms   {:7.1} ns/cell",
        abacus * 1e3,
        abacus * 1e9 / n_cells as f64
    );
    println!(
        "detailed-placement pass              {:8.3} ms   {:7.1} ns/cell",
        dp * 1e3,
        dp * 1e9 / n_cells as f64
    );
}
