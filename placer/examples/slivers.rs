//! Development aid: free row segments by width at a given placement (`.pl`): how much of the
//! free row area lies in narrow slivers between obstacles.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let opts = netlists::ReadOptions {
        pl: args.get(2).map(Into::into),
        ..Default::default()
    };
    let d = netlists::read_design(std::path::Path::new(&args[1]), &opts).expect("read");
    let rows = placer::detail::rows_of(&d.netlist);
    let segs = placer::detail::segments(&d.netlist, &rows, &d.placement);
    let site = rows[0].site_width;
    let h = rows[0].height;
    let total: f64 = segs.iter().map(|s| s.x1 - s.x0).sum::<f64>() * h;
    for lim in [5.0, 10.0, 30.0, 100.0] {
        let narrow: Vec<_> = segs.iter().filter(|s| s.x1 - s.x0 < lim * site).collect();
        let area: f64 = narrow.iter().map(|s| s.x1 - s.x0).sum::<f64>() * h;
        println!(
            "segments < {lim} sites: {} of {}, {:.2}% of the free row area",
            narrow.len(),
            segs.len(),
            100.0 * area / total
        );
    }
}
