//! Parse-time benchmarks on real designs (paths under `$MACROPLACE_SHARED`, default
//! `../shared`): CT ariane133 clustered (11 MB gzipped text, with its `.plc`), flat CT nvdla
//! (623k pins, gzipped) and Bookshelf ibm01 (IBM-MS).

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};

#[path = "../tests/support/mod.rs"]
mod support;

fn parse(c: &mut Criterion) {
    let b = support::shared().join("benchmarks");
    let ariane = b.join("ct/ariane133_ng45/netlist.pb.txt.gz");
    let ariane_plc = b.join("ct/ariane133_ng45/initial.plc");
    let nvdla = b.join("ct-flat/nvdla_ng45/netlist.pb.txt.gz");
    let ibm01 = b.join("bookshelf/ibm01_ms/ibm01.aux");
    let mut g = c.benchmark_group("parse");
    g.warm_up_time(Duration::from_secs(2));
    g.bench_function("ct_ariane133_clustered_with_plc", |bch| {
        bch.iter(|| netlists::ct::read_ct(&ariane, Some(&ariane_plc)).unwrap())
    });
    g.bench_function("bookshelf_ibm01", |bch| {
        bch.iter(|| netlists::bookshelf::read_bookshelf(&ibm01, &Default::default()).unwrap())
    });
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(15));
    g.bench_function("ct_flat_nvdla", |bch| {
        bch.iter(|| netlists::ct::read_ct(&nvdla, None).unwrap())
    });
    g.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
