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
