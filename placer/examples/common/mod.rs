//! What the development examples share: reading a Circuit Training design with a `.plc`.

/// Reads `netlist` with the placement `plc` (panics with the reader's message on bad input:
/// these are development aids, not the tool).
pub fn read_with_plc(netlist: &str, plc: &str) -> netlists::Design {
    let opts = netlists::ReadOptions {
        plc: Some(plc.into()),
        ..Default::default()
    };
    netlists::read_design(std::path::Path::new(netlist), &opts).expect("read")
}
