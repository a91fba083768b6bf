//! Choosing the libtorch device: `auto` (CUDA when available, else CPU), `cpu` or `cuda`.

use std::str::FromStr;

/// What the user asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeviceChoice {
    /// CUDA device 0 when libtorch sees one, else the CPU.
    #[default]
    Auto,
    /// The CPU.
    Cpu,
    /// CUDA device 0; an error when none is available.
    Cuda,
}

/// Device selection failures.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DeviceError {
    /// `cuda` was requested but libtorch sees no GPU.
    #[error("CUDA was requested but no CUDA device is available to libtorch")]
    CudaUnavailable,
    /// An unknown device name.
    #[error("expected a device `auto`, `cpu` or `cuda`, found `{0}`")]
    Unknown(String),
}

impl FromStr for DeviceChoice {
    type Err = DeviceError;
    fn from_str(s: &str) -> Result<Self, DeviceError> {
        match s.to_ascii_lowercase().as_str() {
            "auto" => Ok(DeviceChoice::Auto),
            "cpu" => Ok(DeviceChoice::Cpu),
            "cuda" | "gpu" => Ok(DeviceChoice::Cuda),
            _ => Err(DeviceError::Unknown(s.to_string())),
        }
    }
}

/// Resolves a choice against what libtorch sees.
pub fn resolve_device(choice: DeviceChoice) -> Result<tch::Device, DeviceError> {
    resolve_with(choice, tch::Cuda::is_available())
}

/// Resolution given whether CUDA is available (separated for testing).
pub fn resolve_with(
    choice: DeviceChoice,
    cuda_available: bool,
) -> Result<tch::Device, DeviceError> {
    match choice {
        DeviceChoice::Cpu => Ok(tch::Device::Cpu),
        DeviceChoice::Auto if cuda_available => Ok(tch::Device::Cuda(0)),
        DeviceChoice::Auto => Ok(tch::Device::Cpu),
        DeviceChoice::Cuda if cuda_available => Ok(tch::Device::Cuda(0)),
        DeviceChoice::Cuda => Err(DeviceError::CudaUnavailable),
    }
}

/// A one-line description of a device for logs and reports.
pub fn describe(device: tch::Device) -> String {
    match device {
        tch::Device::Cuda(i) => format!(
            "cuda:{i} ({} CUDA device(s) visible)",
            tch::Cuda::device_count()
        ),
        tch::Device::Cpu => format!("cpu ({} threads)", tch::get_num_threads()),
        other => format!("{other:?}"),
    }
}

/// While alive, libtorch runs on one intra-op thread (restored when the last such guard in the
/// process drops). For small batches — the search's one observation at a time, a rollout's few —
/// one thread is faster on a CPU than several: libgomp's workers spin between the tiny parallel
/// regions and starve the rayon threads stepping the environments (measured on 2 cores: greedy
/// decoding of ariane133 0.42 s on one thread against 0.96 s on two, docs/results.md). Guards
/// from several threads nest: the count, not the order of drops, decides the restore.
pub struct OneIntraOpThread(());

static ONE_THREAD: std::sync::Mutex<(usize, i32)> = std::sync::Mutex::new((0, 0));

impl OneIntraOpThread {
    /// Switches to one intra-op thread (on the CPU; a no-op for the count on CUDA, whose
    /// kernels do not use it).
    pub fn new() -> Self {
        let mut g = ONE_THREAD.lock().unwrap_or_else(|e| e.into_inner());
        if g.0 == 0 {
            g.1 = tch::get_num_threads();
            tch::set_num_threads(1);
        }
        g.0 += 1;
        OneIntraOpThread(())
    }
}

impl Default for OneIntraOpThread {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for OneIntraOpThread {
    fn drop(&mut self) {
        let mut g = ONE_THREAD.lock().unwrap_or_else(|e| e.into_inner());
        g.0 -= 1;
        if g.0 == 0 {
            tch::set_num_threads(g.1.max(1));
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_intra_op_thread_holds_while_any_guard_lives() {
        let outer = super::OneIntraOpThread::new();
        assert_eq!(tch::get_num_threads(), 1);
        let inner = super::OneIntraOpThread::new();
        drop(outer);
        // The inner guard still holds (drops in any order).
        assert_eq!(tch::get_num_threads(), 1);
        drop(inner);
    }

    use super::*;

    #[test]
    fn parse_and_resolve() {
        assert_eq!("AUTO".parse::<DeviceChoice>(), Ok(DeviceChoice::Auto));
        assert_eq!("cpu".parse::<DeviceChoice>(), Ok(DeviceChoice::Cpu));
        assert_eq!("cuda".parse::<DeviceChoice>(), Ok(DeviceChoice::Cuda));
        assert!(matches!(
            "tpu".parse::<DeviceChoice>(),
            Err(DeviceError::Unknown(_))
        ));
        assert_eq!(
            resolve_with(DeviceChoice::Auto, true),
            Ok(tch::Device::Cuda(0))
        );
        assert_eq!(
            resolve_with(DeviceChoice::Auto, false),
            Ok(tch::Device::Cpu)
        );
        assert_eq!(
            resolve_with(DeviceChoice::Cuda, false),
            Err(DeviceError::CudaUnavailable)
        );
        assert_eq!(resolve_with(DeviceChoice::Cpu, true), Ok(tch::Device::Cpu));
        // What this machine's libtorch reports is consistent with the resolver.
        let d = resolve_device(DeviceChoice::Auto).unwrap();
        assert_eq!(d.is_cuda(), tch::Cuda::is_available());
    }
}
