//! Development aid: the full flow (analytic global placement, macro legalization, Abacus,
//! detailed placement) on a design; `FIXED=1` keeps the macros where the input puts them.
mod common;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let d =
        netlists::read_design(std::path::Path::new(&args[1]), &Default::default()).expect("read");
    let nl = &d.netlist;
    let env = |k: &str| std::env::var(k).ok();
    let opts = placer::full::FullOptions {
        mode: if env("FIXED").is_some() {
            placer::full::MacroMode::Fixed
        } else {
            placer::full::MacroMode::Mixed
        },
        gp: placer::global::analytic::AnalyticOptions {
            bins: env("BINS").map(|b| b.parse().unwrap()),
            target_density: env("TD").map_or(1.0, |b| b.parse().unwrap()),
            target_overflow: env("TO").map_or(0.07, |b| b.parse().unwrap()),
            max_iterations: env("ITERS").map_or(2000, |b| b.parse().unwrap()),
            seed: env("SEED").map_or(1, |b| b.parse().unwrap()),
            ..Default::default()
        },
        replace_lambda: env("RL").map_or(8e-5, |b| b.parse().unwrap()),
        cell_target_density: env("CTD").map(|b| b.parse().unwrap()),
        cell_bins: env("CBINS").map(|b| b.parse().unwrap()),
        ..Default::default()
    };
    if env("GPONLY").is_some() {
        let movable = common::movable_cells_and_macros(nl);
        let t = std::time::Instant::now();
        let g = placer::global::analytic::global_place(nl, &d.placement, &movable, &opts.gp);
        println!(
            "{} iterations in {:.2} s, bins {:?}, fillers {}, ovf {:.3}",
            g.iterations,
            t.elapsed().as_secs_f64(),
            g.bins,
            g.fillers,
            g.overflow
        );
        return;
    }
    if env("DEBUG").is_some() {
        let movable = common::movable_cells_and_macros(nl);
        let g = placer::global::analytic::global_place(nl, &d.placement, &movable, &opts.gp);
        let mut pl = g.placement;
        placer::macros::legalize::legalize(nl, &mut pl).unwrap();
        placer::detail::pull_off_obstacles(nl, &placer::detail::rows_of(nl), &mut pl);
        println!(
            "after macro legalization: cell area on macros {:.4}",
            on_obstacles(nl, &pl)
        );
        let segs = placer::detail::segments(nl, &placer::detail::rows_of(nl), &pl);
        let cap: f64 = segs.iter().map(|s| (s.x1 - s.x0) * 16.0).sum();
        let narrow = segs.iter().filter(|s| s.x1 - s.x0 < 30.0).count();
        println!(
            "segments {} (narrower than 30: {narrow}), capacity {cap:.4e}",
            segs.len()
        );
        let cells: Vec<bool> = (0..nl.num_nodes())
            .map(|n| !nl.node_fixed()[n] && nl.node_kind()[n] == netlists::NodeKind::StdCell)
            .collect();
        let g = placer::global::analytic::global_place(
            nl,
            &pl,
            &cells,
            &placer::global::analytic::AnalyticOptions {
                init: placer::global::analytic::Init::Keep,
                ..opts.gp.clone()
            },
        );
        println!(
            "after cell gp: ovf {:.4} cell area on macros {:.4} hpwl {:.4e}",
            g.overflow,
            on_obstacles(nl, &g.placement),
            g.hpwl
        );
        for p in g.trajectory.iter().step_by(10) {
            println!(
                "  {} hpwl {:.4e} ovf {:.3} lambda {:.2e} gamma {:.1}",
                p.iteration, p.hpwl, p.overflow, p.lambda, p.gamma
            );
        }
        println!("fillers {} bins {:?}", g.fillers, g.bins);
        let gp = g.placement.clone();
        netlists::bookshelf::write_pl(std::path::Path::new("/tmp/gp.pl"), nl, &gp).unwrap();
        let mut pl = g.placement;
        let rep =
            placer::detail::legalize_cells(nl, &placer::detail::rows_of(nl), &mut pl).unwrap();
        println!("{rep:?}");
        let obs = placer::detail::obstacles(nl, &gp);
        let mut hist = [0usize; 6];
        let mut on_big = 0;
        for n in 0..nl.num_nodes() {
            if nl.node_kind()[n] != netlists::NodeKind::StdCell {
                continue;
            }
            let dsp = (pl.x[n] - gp.x[n]).abs() + (pl.y[n] - gp.y[n]).abs();
            let k = [8.0, 16.0, 32.0, 64.0, 128.0]
                .iter()
                .position(|&t| dsp < t)
                .unwrap_or(5);
            hist[k] += 1;
            if dsp > 300.0 && hist[5] % 200 == 1 {
                println!(
                    "  {} gp ({:.1},{:.1}) -> ({:.1},{:.1}) w {}",
                    nl.node_name()[n],
                    gp.x[n],
                    gp.y[n],
                    pl.x[n],
                    pl.y[n],
                    nl.node_width()[n]
                );
            }
            if dsp >= 64.0
                && obs.iter().any(|o| {
                    gp.x[n] > o.rect.x0
                        && gp.x[n] < o.rect.x1
                        && gp.y[n] > o.rect.y0
                        && gp.y[n] < o.rect.y1
                })
            {
                on_big += 1;
            }
        }
        println!(
            "displacement <8 <16 <32 <64 <128 more: {hist:?}; of >=64, centre on an obstacle: {on_big}"
        );
        let mut again = pl.clone();
        let rep2 =
            placer::detail::legalize_cells(nl, &placer::detail::rows_of(nl), &mut again).unwrap();
        netlists::bookshelf::write_pl(std::path::Path::new("/tmp/lg.pl"), nl, &pl).unwrap();
        println!("re-legalizing a legal placement: {rep2:?}");
        return;
    }
    let t = std::time::Instant::now();
    let r = placer::full::place_full(nl, &d.placement, &opts).expect("flow");
    for s in &r.stages {
        println!(
            "{:<34} {:7.2} s  hpwl {:.5e}  ovf {:?} it {:?}",
            s.name, s.seconds, s.hpwl, s.overflow, s.iterations
        );
    }
    println!("rows {:?}\ndetail {:?}", r.rows, r.detail);
    let (mv, cv) = placer::full::check_full(nl, &r.placement, Some(&d.placement));
    println!(
        "macro violations {}, cell violations {} {:?}",
        mv.len(),
        cv.len(),
        cv.iter().take(3).collect::<Vec<_>>()
    );
    println!("total {:.2} s", t.elapsed().as_secs_f64());
}

/// Debug: the fraction of std-cell area on obstacles.
#[allow(dead_code)]
pub fn on_obstacles(nl: &netlists::Netlist, pl: &netlists::Placement) -> f64 {
    let obs = placer::detail::obstacles(nl, pl);
    let (mut tot, mut on) = (0.0, 0.0);
    for n in 0..nl.num_nodes() {
        if nl.node_kind()[n] != netlists::NodeKind::StdCell {
            continue;
        }
        let (w, h) = (nl.node_width()[n], nl.node_height()[n]);
        let (x0, y0, x1, y1) = (
            pl.x[n] - w / 2.0,
            pl.y[n] - h / 2.0,
            pl.x[n] + w / 2.0,
            pl.y[n] + h / 2.0,
        );
        tot += w * h;
        for o in &obs {
            let ox = (x1.min(o.rect.x1) - x0.max(o.rect.x0)).max(0.0);
            let oy = (y1.min(o.rect.y1) - y0.max(o.rect.y0)).max(0.0);
            on += ox * oy;
        }
    }
    on / tot
}
