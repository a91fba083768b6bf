//! An output folder written as one set: every file of a run goes into a hidden staging folder
//! beside `--out`, and [`OutputSet::commit`] swaps it into place in one atomic step
//! (`renameat2(RENAME_EXCHANGE)` on Linux), so a run killed at any moment leaves `--out` holding
//! the previous set or the new one, never a mix. A run that fails removes its staging folder;
//! one killed outright leaves it hidden beside `--out`, and the next run there removes it.
//!
//! `--out` is checked before any work: it must be a new path, an empty folder, or a folder a
//! previous run wrote (it holds [`MANIFEST`]); a file, a folder of someone else's files or an
//! unwritable parent is refused up front as a bad `--out` (exit 2).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::{BadArg, bad_arg};

/// The file that marks a folder as a macroplace output set, written last into the staging
/// folder: which command wrote it and the files it holds.
pub const MANIFEST: &str = ".macroplace-set.json";

#[derive(serde::Serialize, serde::Deserialize)]
struct Manifest {
    command: String,
    files: Vec<String>,
}

/// A staging folder for the set that will replace `--out`.
pub struct OutputSet {
    out: PathBuf,
    staging: PathBuf,
    command: String,
    committed: bool,
}

fn staging_prefix(out: &Path) -> String {
    let name = out
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    format!(".{name}.macroplace-tmp-")
}

impl OutputSet {
    /// Checks `out` and creates the staging folder beside it (removing stale ones of killed
    /// runs). Errors are bad `--out` values.
    pub fn begin(out: &Path, command: &str) -> Result<OutputSet> {
        let flag = |m: String| -> anyhow::Error { anyhow::Error::new::<BadArg>(bad_arg(m)) };
        let shown = out.display();
        if out.as_os_str().is_empty() {
            return Err(flag("--out: expected a folder, found an empty path".into()));
        }
        if out.exists() {
            if !out.is_dir() {
                return Err(flag(format!(
                    "--out: expected a folder, found the file {shown}"
                )));
            }
            // Sets written before the manifest existed hold a report.json.
            let ours = out.join(MANIFEST).is_file() || out.join("report.json").is_file();
            let empty = std::fs::read_dir(out)
                .map_err(|e| flag(format!("--out: cannot read {shown}: {e}")))?
                .next()
                .is_none();
            if !ours && !empty {
                return Err(flag(format!(
                    "--out: {shown} holds files macroplace did not write; give a new or empty \
                     folder, or one an earlier run wrote"
                )));
            }
        }
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent).map_err(|e| {
            flag(format!(
                "--out: cannot create the folder {} for {shown}: {e}",
                parent.display()
            ))
        })?;
        let prefix = staging_prefix(out);
        // Stale staging folders of runs killed before they committed.
        if let Ok(entries) = std::fs::read_dir(&parent) {
            for e in entries.flatten() {
                let n = e.file_name().to_string_lossy().into_owned();
                if n.starts_with(&prefix) {
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
        let staging = parent.join(format!("{prefix}{}", std::process::id()));
        std::fs::create_dir(&staging).map_err(|e| {
            flag(format!(
                "--out: cannot write beside {shown} (creating {}): {e}",
                staging.display()
            ))
        })?;
        Ok(OutputSet {
            out: out.to_path_buf(),
            staging,
            command: command.to_string(),
            committed: false,
        })
    }

    /// Where the run writes its files until [`OutputSet::commit`].
    pub fn dir(&self) -> &Path {
        &self.staging
    }

    /// Writes the manifest and puts the staged set at `--out` in one atomic step; the
    /// previous set (if any) is then removed.
    pub fn commit(mut self) -> Result<()> {
        let mut files: Vec<String> = std::fs::read_dir(&self.staging)
            .with_context(|| format!("reading {}", self.staging.display()))?
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        files.sort();
        let manifest = Manifest {
            command: self.command.clone(),
            files,
        };
        let path = self.staging.join(MANIFEST);
        netlists::io::write_atomic(&path, |w| {
            serde_json::to_writer_pretty(&mut *w, &manifest).map_err(std::io::Error::other)?;
            writeln!(w)
        })
        .with_context(|| format!("writing {}", path.display()))?;
        if self.out.exists() {
            exchange(&self.staging, &self.out).with_context(|| {
                format!(
                    "replacing {} with {}",
                    self.out.display(),
                    self.staging.display()
                )
            })?;
            // The staging path now holds the previous set.
            self.committed = true;
            std::fs::remove_dir_all(&self.staging)
                .with_context(|| format!("removing the previous set {}", self.staging.display()))?;
        } else {
            std::fs::rename(&self.staging, &self.out).with_context(|| {
                format!(
                    "moving {} to {}",
                    self.staging.display(),
                    self.out.display()
                )
            })?;
            self.committed = true;
        }
        Ok(())
    }
}

impl Drop for OutputSet {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.staging);
        }
    }
}

/// Swaps two paths atomically (`renameat2` with `RENAME_EXCHANGE`, through `nix`).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use nix::fcntl::{AT_FDCWD, RenameFlags, renameat2};
    renameat2(AT_FDCWD, a, AT_FDCWD, b, RenameFlags::RENAME_EXCHANGE).map_err(std::io::Error::from)
}

/// Swaps two paths: two renames through a third name (not atomic where the OS has no exchange).
#[cfg(not(target_os = "linux"))]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    let mid = a.with_extension("swap");
    std::fs::rename(b, &mid)?;
    std::fs::rename(a, b)?;
    std::fs::rename(&mid, a)
}
