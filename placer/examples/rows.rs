//! Development aid: the rows std cells go into (the design's, or synthesized) and their free
//! segments at the input placement.
fn main() {
    let path = std::env::args().nth(1).expect("usage: rows DESIGN");
    let d = netlists::read_design(std::path::Path::new(&path), &Default::default()).expect("read");
    let rows = placer::detail::rows_of(&d.netlist);
    let segs = placer::detail::segments(&d.netlist, &rows, &d.placement);
    match rows.first() {
        Some(r) => println!(
            "{} rows (synthesized: {}), height {}, site width {}, {} sites; {} free segments",
            rows.len(),
            d.netlist.floorplan().rows.is_empty(),
            r.height,
            r.site_width,
            r.num_sites,
            segs.len()
        ),
        None => println!("no rows (no std cells)"),
    }
}
