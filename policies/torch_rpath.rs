// Shared by the build scripts of `policies` and of the root package (included with `include!`).
// Finds libtorch's library directory the way torch-sys does — `$LIBTORCH/lib`, or, with
// `LIBTORCH_USE_PYTORCH=1`, the `lib/` beside the `torch` package of `$PYTHON` (or `python3`) —
// and embeds it as an rpath, so binaries and tests run without `LD_LIBRARY_PATH`.

fn main() {
    println!("cargo:rerun-if-env-changed=LIBTORCH");
    println!("cargo:rerun-if-env-changed=LIBTORCH_USE_PYTORCH");
    println!("cargo:rerun-if-env-changed=PYTHON");
    if let Some(dir) = torch_lib_dir() {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
    }
}

fn torch_lib_dir() -> Option<String> {
    if let Ok(l) = std::env::var("LIBTORCH") {
        return Some(format!("{l}/lib"));
    }
    std::env::var_os("LIBTORCH_USE_PYTORCH")?;
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let out = std::process::Command::new(python)
        .args([
            "-c",
            "import os, torch; print(os.path.join(os.path.dirname(torch.__file__), 'lib'))",
        ])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}
