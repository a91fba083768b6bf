//! # viz
//!
//! Pictures of placements: floorplans, density/congestion heat maps and curves, drawn with
//! `plotters`. Reads `netlists` and `placer`; never links libtorch. The renderers arrive with the
//! "Pictures" issue; until then this crate only fixes its place in the crate graph.
