//! Helpers shared by the integration tests and the benches (one copy, included with
//! `mod support;` or `#[path = "../tests/support/mod.rs"] mod support;`): where the shared
//! benchmarks are, reading one, a seeded generator, and the `macroplace` binary run as a user
//! runs it, with its output checked and parsed.
//!
//! The benchmarks are read from `$MACROPLACE_SHARED/benchmarks` (default `../shared` beside the
//! project root).

#![allow(dead_code)] // each includer uses a part

use std::path::{Path, PathBuf};
use std::process::Command;

use netlists::{Design, ReadOptions, read_design};

/// The shared folder (panics with a hint when it is missing).
pub fn shared() -> PathBuf {
    let p = std::env::var_os("MACROPLACE_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    assert!(
        p.join("benchmarks/README.md").exists(),
        "shared benchmarks not found at {} (set MACROPLACE_SHARED)",
        p.display()
    );
    p
}

/// A path under the shared benchmarks.
pub fn bench(rel: &str) -> PathBuf {
    shared().join("benchmarks").join(rel)
}

/// Reads a shared benchmark (`plc`: a `.plc` under the benchmarks too).
pub fn read(rel: &str, plc: Option<&str>) -> Design {
    let opts = ReadOptions {
        plc: plc.map(bench),
        ..Default::default()
    };
    read_design(&bench(rel), &opts).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Circuit Training's clustered ariane133 with its `initial.plc`.
pub fn ariane133() -> Design {
    read(
        "ct/ariane133_ng45/netlist.pb.txt.gz",
        Some("ct/ariane133_ng45/initial.plc"),
    )
}

/// A small deterministic generator (splitmix64) for test moves and random inputs.
#[derive(Debug, Clone)]
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Whether `a` is within relative tolerance `tol` of `b`.
pub fn rel_close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * b.abs().max(1e-300)
}

/// The `macroplace` binary of this build.
pub fn macroplace() -> Command {
    Command::new(env!("CARGO_BIN_EXE_macroplace"))
}

/// `macroplace generate --macros M --clusters C --seed S --out DIR`: a synthetic clustered CT
/// design (`netlist.pb.txt`, `initial.plc`) in `dir`.
#[allow(dead_code)] // not every test binary generates
pub fn generate(dir: &Path, macros: u32, clusters: u32, seed: u64) {
    macroplace()
        .args(["generate", "--macros", &macros.to_string()])
        .args([
            "--clusters",
            &clusters.to_string(),
            "--seed",
            &seed.to_string(),
        ])
        .arg("--out")
        .arg(dir)
        .run_ok();
}

/// Reads a JSON file (a run's `report.json`).
pub fn json_file(path: &Path) -> serde_json::Value {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Running a built `macroplace` command and checking how it ended.
pub trait Run {
    /// Runs it, asserts success, returns its standard output.
    fn run_ok(&mut self) -> String;
    /// Runs it, asserts success, returns its standard output and standard error.
    fn run_ok_both(&mut self) -> (String, String);
    /// Runs it (it prints JSON), asserts success, returns the parsed output.
    fn run_json(&mut self) -> serde_json::Value;
    /// Runs it, asserts failure, returns its exit status and standard error.
    fn run_fail(&mut self) -> (i32, String);
}

impl Run for Command {
    fn run_ok(&mut self) -> String {
        self.run_ok_both().0
    }

    fn run_ok_both(&mut self) -> (String, String) {
        let o = self.output().expect("running macroplace");
        assert!(
            o.status.success(),
            "macroplace failed ({}):\n{}\n{}",
            o.status,
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        (
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    }

    fn run_json(&mut self) -> serde_json::Value {
        let out = self.run_ok();
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}):\n{out}"))
    }

    fn run_fail(&mut self) -> (i32, String) {
        let o = self.output().expect("running macroplace");
        assert!(
            !o.status.success(),
            "expected a failure, got success:\n{}",
            String::from_utf8_lossy(&o.stdout)
        );
        (
            o.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    }
}

/// Whether `b` holds the design of `a` with nodes matched by name (a conversion may reorder
/// them: DEF lists components before IO pins): kinds (a port that is not an IO pin may come
/// back a fixed std cell), sizes, fixedness, centres and pin offsets within `tol_um`,
/// orientations, nets in order with their weights and pins (node, offset) in order, canvas,
/// rows and blockages. The first difference, named.
pub fn same_design_by_name(a: &Design, b: &Design, tol_um: f64) -> Result<(), String> {
    use netlists::NodeKind;
    let (na, nb) = (&a.netlist, &b.netlist);
    let close = |u: f64, v: f64| (u - v).abs() <= tol_um;
    if na.num_nodes() != nb.num_nodes() || na.num_nets() != nb.num_nets() {
        return Err(format!(
            "counts: {} nodes / {} nets vs {} / {}",
            na.num_nodes(),
            na.num_nets(),
            nb.num_nodes(),
            nb.num_nets()
        ));
    }
    let mut map = Vec::with_capacity(na.num_nodes());
    for (i, name) in na.node_name().iter().enumerate() {
        let j = nb
            .node_by_name(name)
            .ok_or_else(|| format!("node `{name}` missing"))?
            .idx();
        map.push(j);
        let (ka, kb) = (na.node_kind()[i], nb.node_kind()[j]);
        let kind_ok = ka == kb || (ka == NodeKind::Port && kb == NodeKind::StdCell);
        if !kind_ok
            || na.node_width()[i] != nb.node_width()[j]
            || na.node_height()[i] != nb.node_height()[j]
            || (na.node_fixed()[i] != nb.node_fixed()[j] && ka != NodeKind::Port)
            || a.placement.orient[i] != b.placement.orient[j]
            || !close(a.placement.x[i], b.placement.x[j])
            || !close(a.placement.y[i], b.placement.y[j])
        {
            return Err(format!(
                "node `{name}`: {ka:?} {}x{} fixed {} at ({}, {}) {:?} vs {kb:?} {}x{} fixed {} at ({}, {}) {:?}",
                na.node_width()[i],
                na.node_height()[i],
                na.node_fixed()[i],
                a.placement.x[i],
                a.placement.y[i],
                a.placement.orient[i],
                nb.node_width()[j],
                nb.node_height()[j],
                nb.node_fixed()[j],
                b.placement.x[j],
                b.placement.y[j],
                b.placement.orient[j]
            ));
        }
    }
    for net in na.nets() {
        let k = net.idx();
        if na.net_name()[k] != nb.net_name()[k] || na.net_weight()[k] != nb.net_weight()[k] {
            return Err(format!("net {k}: `{}` differs", na.net_name()[k]));
        }
        let (pa, pb) = (na.net_pins(net), nb.net_pins(net));
        if pa.len() != pb.len() {
            return Err(format!("net `{}`: pin counts differ", na.net_name()[k]));
        }
        for (p, q) in pa.zip(pb) {
            if map[na.pin_node()[p].idx()] != nb.pin_node()[q].idx()
                || !close(na.pin_dx()[p], nb.pin_dx()[q])
                || !close(na.pin_dy()[p], nb.pin_dy()[q])
            {
                return Err(format!("net `{}`: pin {p} differs", na.net_name()[k]));
            }
        }
    }
    let (fa, fb) = (na.floorplan(), nb.floorplan());
    for (u, v, what) in [
        (fa.x_min, fb.x_min, "canvas x"),
        (fa.y_min, fb.y_min, "canvas y"),
        (fa.width, fb.width, "canvas width"),
        (fa.height, fb.height, "canvas height"),
    ] {
        if !close(u, v) {
            return Err(format!("{what}: {u} vs {v}"));
        }
    }
    if fa.rows.len() != fb.rows.len() || fa.blockages.len() != fb.blockages.len() {
        return Err("row or blockage counts differ".into());
    }
    for (r, s) in fa.rows.iter().zip(&fb.rows) {
        if !(close(r.x, s.x)
            && close(r.y, s.y)
            && r.height == s.height
            && r.site_width == s.site_width
            && close(r.site_spacing, s.site_spacing)
            && r.num_sites == s.num_sites)
        {
            return Err(format!("row at y {} differs", r.y));
        }
    }
    for (r, s) in fa.blockages.iter().zip(&fb.blockages) {
        if !(close(r.x_min, s.x_min)
            && close(r.y_min, s.y_min)
            && close(r.x_max, s.x_max)
            && close(r.y_max, s.y_max)
            && (r.rate - s.rate).abs() < 1e-12)
        {
            return Err(format!("blockage at ({}, {}) differs", r.x_min, r.y_min));
        }
    }
    Ok(())
}
