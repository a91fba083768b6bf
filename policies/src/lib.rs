//! # policies
//!
//! The learned placement policy on libtorch through `tch`. This is the only library crate that
//! links libtorch, and tensors never leave it: callers pass and receive plain Rust data.
//!
//! Today it holds [`device`] selection (`auto|cpu|cuda`: CUDA whenever libtorch sees a GPU) and
//! [`tiny`], a minimal trainable model that proves the libtorch toolchain end to end (forward,
//! backward, optimizer step, save/load) on whatever device is chosen.

pub mod device;
pub mod tiny;

pub use device::{DeviceChoice, DeviceError, resolve_device};
