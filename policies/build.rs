//! Embeds libtorch's library directory as an rpath so this crate's tests run without
//! `LD_LIBRARY_PATH` (see `torch_rpath.rs`).
include!("torch_rpath.rs");
