//! # policies
//!
//! The learned placement policy on libtorch through `tch`. This is the only library crate that
//! links libtorch, and tensors never leave it: callers pass and receive plain Rust data.
//!
//! It holds [`device`] selection (`auto|cpu|cuda`: CUDA whenever libtorch sees a GPU), the
//! placement [`policy`] network (conv encoder/decoder + graph embedding + value head), [`ppo`]
//! (rollouts over `placer::env`, clipped-surrogate updates, greedy decoding), [`train`]
//! (the training loop and its checkpoints), [`search`] (greedy, beam and sampled decoding and
//! the `rl` placement flow), [`mcts`] (tree search over partial placements) and [`tiny`], a
//! minimal trainable model that proves the libtorch toolchain end to end.

pub mod adam;
pub mod device;
pub mod mcts;
pub mod policy;
pub mod ppo;
pub mod search;
pub mod tiny;
pub mod train;

#[cfg(test)]
mod tests;

pub use device::{DeviceChoice, DeviceError, resolve_device};
