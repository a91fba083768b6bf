//! Times the phases of reading a CT netlist (development aid): best of 15 runs each.
fn main() {
    let p = std::path::PathBuf::from(
        std::env::args()
            .nth(1)
            .expect("path to netlist.pb.txt[.gz]"),
    );
    let best = |f: &dyn Fn()| {
        (0..15)
            .map(|_| {
                let t = std::time::Instant::now();
                f();
                t.elapsed()
            })
            .min()
            .expect("runs")
    };
    let gunzip = best(&|| {
        netlists::io::read_input(&p).expect("read");
    });
    let total = best(&|| {
        netlists::ct::read_ct(&p, None).expect("parse");
    });
    println!("read+gunzip {gunzip:?}, read_ct total {total:?}");
}
