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

#[cfg(test)]
mod tests {
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
