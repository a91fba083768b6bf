//! Embeds libtorch's library directory as an rpath so the `macroplace` binary and its tests run
//! without `LD_LIBRARY_PATH` (the logic is shared with `policies`, see
//! `policies/torch_rpath.rs`).
include!("policies/torch_rpath.rs");
