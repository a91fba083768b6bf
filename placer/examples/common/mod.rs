//! What the development examples share: reading a Circuit Training design with a `.plc`, the
//! environment set-up, the movable set of global placement, a seeded generator.

#![allow(dead_code)] // each example uses a part

/// Reads `netlist` with the placement `plc` (panics with the reader's message on bad input:
/// these are development aids, not the tool).
pub fn read_with_plc(netlist: &str, plc: &str) -> netlists::Design {
    let opts = netlists::ReadOptions {
        plc: Some(plc.into()),
        ..Default::default()
    };
    netlists::read_design(std::path::Path::new(netlist), &opts).expect("read")
}

/// The design of `args[1]` with the `.plc` of `args[2]`, its cost parameters, and environment
/// options at the grid of `args[3]` (default 64).
pub fn env_setup(
    args: &[String],
) -> (
    netlists::Design,
    placer::cost::CostParams,
    placer::env::EnvOptions,
) {
    let d = read_with_plc(&args[1], &args[2]);
    let grid = args.get(3).map_or(64, |g| g.parse().expect("grid"));
    let params = placer::cost::CostParams::from_floorplan(d.netlist.floorplan());
    let eo = placer::env::EnvOptions {
        grid,
        ..placer::env::EnvOptions::default()
    };
    (d, params, eo)
}

/// The nodes global placement moves: movable std cells and hard macros.
pub fn movable_cells_and_macros(nl: &netlists::Netlist) -> Vec<bool> {
    (0..nl.num_nodes())
        .map(|n| {
            !nl.node_fixed()[n]
                && matches!(
                    nl.node_kind()[n],
                    netlists::NodeKind::StdCell | netlists::NodeKind::HardMacro
                )
        })
        .collect()
}

/// A seeded uniform [0, 1) generator (64-bit LCG, high bits).
pub fn uniform(mut seed: u64) -> impl FnMut() -> f64 {
    move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 11) as f64 / (1u64 << 53) as f64
    }
}
