//! MPI (feature `mpi`; `make test` installs Open MPI and runs these): `mpirun -np 2` as a user
//! runs it. Annealing and evolution over two ranks are deterministic for a seed whatever the
//! thread count, legal, and report every rank's moves; one rank gives what a plain run gives;
//! training on two ranks keeps every rank's weights bit-identical after every update and
//! resumes exactly; a rank that fails ends the job with its error and writes nothing.

#![cfg(feature = "mpi")]

mod support;

use std::path::Path;
use std::process::Command;

use support::{Run, json_file, macroplace};

/// `mpirun -np k macroplace args…` (as root too; more ranks than cores allowed).
fn mpirun(k: usize, args: &[&str]) -> Command {
    let mut c = Command::new("mpirun");
    c.args([
        "--allow-run-as-root",
        "--oversubscribe",
        "-np",
        &k.to_string(),
    ])
    .arg(env!("CARGO_BIN_EXE_macroplace"))
    .args(args);
    c
}

/// A small generated design (8 macros, 20 clusters) in `dir`.
fn design(dir: &Path) -> (String, String) {
    let g = dir.join("g");
    macroplace()
        .args([
            "generate",
            "--macros",
            "8",
            "--clusters",
            "20",
            "--ports",
            "6",
        ])
        .args(["--seed", "3", "--out"])
        .arg(&g)
        .run_ok();
    (
        g.join("netlist.pb.txt").display().to_string(),
        g.join("initial.plc").display().to_string(),
    )
}

fn as_strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn sa_and_ea_over_two_ranks_are_deterministic_legal_and_one_rank_is_a_plain_run() {
    let dir = tempfile::tempdir().unwrap();
    let (nl, plc) = design(dir.path());
    for (method, budget) in [("sa", "30000"), ("ea", "60")] {
        let out = |name: &str| dir.path().join(format!("{method}-{name}"));
        let args = |o: &Path, threads: &str| -> Vec<String> {
            [
                "place",
                &nl,
                "--plc",
                &plc,
                "--method",
                method,
                "--iterations",
                budget,
                "--time-limit",
                "120",
                "--seed",
                "5",
                "--threads",
                threads,
                "--out",
            ]
            .iter()
            .map(|s| s.to_string())
            .chain([o.display().to_string()])
            .collect()
        };
        let plain = args(&out("plain"), "1");
        macroplace().args(&plain).run_ok();
        let one = args(&out("np1"), "1");
        mpirun(1, &as_strs(&one)).run_ok();
        let two_a = args(&out("np2a"), "1");
        let printed = mpirun(2, &as_strs(&two_a)).run_ok();
        let two_b = args(&out("np2b"), "2");
        mpirun(2, &as_strs(&two_b)).run_ok();
        let plc_of = |o: &Path| read(&o.join("g.plc"));
        assert_eq!(plc_of(&out("plain")), plc_of(&out("np1")), "{method}: np 1");
        assert_eq!(plc_of(&out("np2a")), plc_of(&out("np2b")), "{method}: np 2");
        let r = json_file(&out("np2a").join("report.json"));
        assert_eq!(r["legal"], true, "{method}");
        assert_eq!(r["ranks"]["ranks"], 2, "{method}");
        assert!(r["ranks"]["comm_calls"].as_u64().unwrap() > 0, "{method}");
        if method == "sa" {
            let moves = r["ranks"]["rank_moves"].as_array().unwrap();
            assert_eq!(moves.len(), 2);
            assert!(moves.iter().all(|m| m.as_u64() == Some(30_000)), "{r}");
            assert!(printed.contains("ranks            2"), "{printed}");
        }
        // `eval` of the written file reproduces the report.
        let e = macroplace()
            .args(["eval", &nl, "--plc"])
            .arg(out("np2a").join("g.plc"))
            .arg("--json")
            .run_json();
        assert!(
            (e["proxy_cost"].as_f64().unwrap() - r["proxy_cost"].as_f64().unwrap()).abs() < 1e-9
        );
    }
}

#[test]
fn training_on_two_ranks_keeps_weights_identical_and_resumes_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let (nl, plc) = design(dir.path());
    let train = |out: &Path, updates: &str, resume: bool| {
        let o = out.display().to_string();
        let mut a = vec![
            "train",
            &nl,
            "--plc",
            &plc,
            "--grid",
            "6",
            "--envs",
            "2",
            "--epochs",
            "1",
            "--device",
            "cpu",
            "--deterministic",
            "--checkpoint-every",
            "1",
            "--updates",
            updates,
            "--out",
            &o,
        ];
        if resume {
            a.push("--resume");
        }
        mpirun(2, &a).run_ok();
    };
    let whole = dir.path().join("whole");
    train(&whole, "10", false);
    let rows: Vec<serde_json::Value> = std::fs::read_to_string(whole.join("train.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 10);
    for r in &rows {
        let h = r["rank_weight_hashes"]
            .as_array()
            .expect("hashes in the log");
        assert_eq!(h.len(), 2, "{r}");
        assert_eq!(h[0], h[1], "ranks diverged at update {}", r["update"]);
    }
    // The weights change from update to update (the hash is not a constant).
    assert_ne!(
        rows[0]["rank_weight_hashes"][0],
        rows[9]["rank_weight_hashes"][0]
    );
    let split = dir.path().join("split");
    train(&split, "4", false);
    train(&split, "10", true);
    assert_eq!(
        read(&whole.join("policy-000010.safetensors")),
        read(&split.join("policy-000010.safetensors"))
    );
    // The log rows agree on everything but the clocks.
    let figures = |dir: &Path| -> Vec<String> {
        std::fs::read_to_string(dir.join("train.jsonl"))
            .unwrap()
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                format!(
                    "{} {} {} {} {}",
                    v["update"],
                    v["mean_proxy"],
                    v["best_proxy"],
                    v["stats"],
                    v["rank_weight_hashes"]
                )
            })
            .collect()
    };
    assert_eq!(figures(&whole), figures(&split));
}

#[test]
fn a_rank_that_fails_ends_the_job_with_its_error_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let (nl, _) = design(dir.path());
    let bad = dir.path().join("bad.pb.txt");
    std::fs::write(&bad, "garbage\n").unwrap();
    let out = dir.path().join("out");
    let bin = env!("CARGO_BIN_EXE_macroplace");
    // Rank 1 reads a broken file; rank 0 a good one and starts annealing a long budget.
    let script = format!(
        "if [ \"$OMPI_COMM_WORLD_RANK\" = 1 ]; then f={bad}; else f={nl}; fi; \
         exec {bin} place $f --method sa --iterations 100000000 --time-limit 300 --out {out}",
        bad = bad.display(),
        out = out.display()
    );
    let t = std::time::Instant::now();
    let (code, stderr) = Command::new("mpirun")
        .args([
            "--allow-run-as-root",
            "--oversubscribe",
            "-np",
            "2",
            "bash",
            "-c",
            &script,
        ])
        .run_fail();
    assert!(t.elapsed().as_secs_f64() < 60.0, "the job did not stop");
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("rank 1 of 2: error:") && stderr.contains("bad.pb.txt:1:"),
        "{stderr}"
    );
    assert!(!out.exists(), "a partial output was written");
    // A command that does not run on ranks is refused on every rank, before any work.
    let (code, stderr) = mpirun(2, &["info", &nl]).run_fail();
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("expected `place` or `train`"), "{stderr}");
}
