//! LEF/DEF: the exchange format of physical-design flows (OpenROAD and the commercial tools).
//!
//! - [`lex`]: the tokenizer both share (tokens with line and byte range).
//! - [`lef`]: cells and blocks (`MACRO` class, size, pin offsets), sites, units.
//! - [`def`]: the design (die, rows, components, IO pins, nets, placement blockages) read with
//!   a [`lef::Library`] into the common model, coordinates in microns, positions centres.
//! - [`write_def`]: the input DEF with only the placements of the components that moved
//!   rewritten; every other byte kept, so any DEF tool continues from it.
//! - [`fresh`]: a new DEF and the LEF it needs, for designs read from other formats.

pub mod def;
pub mod fresh;
pub mod lef;
pub mod lex;

use std::path::Path;

pub use fresh::write_fresh_def;

use crate::error::{Error, Result};
use crate::model::{DefPlacementSpan, Design, Extra, Netlist, Placement};

/// Reads a DEF with the LEF files that define its cells.
pub fn read_lefdef(def: &Path, lefs: &[std::path::PathBuf]) -> Result<Design> {
    if lefs.is_empty() {
        return Err(Error::Invalid(format!(
            "{}: a DEF needs the LEF files of its cells (no --lef given)",
            def.display()
        )));
    }
    let mut lib = lef::Library::default();
    for l in lefs {
        lib.read(l)?;
    }
    def::read_def(def, &lib)
}

/// Reads the placement of another DEF of the same design (another tool's result, say) onto
/// `netlist`: every component and IO pin matched by name, each of `netlist`'s nodes required.
pub fn read_def_placement(
    path: &Path,
    lefs: &[std::path::PathBuf],
    netlist: &Netlist,
) -> Result<Placement> {
    let other = read_lefdef(path, lefs)?;
    let mut p = Placement::zeros(netlist.num_nodes());
    let mut found = vec![false; netlist.num_nodes()];
    for n in 0..other.netlist.num_nodes() {
        let name = &other.netlist.node_name()[n];
        let Some(id) = netlist.node_by_name(name) else {
            return Err(Error::Invalid(format!(
                "{}: `{name}` is not a node of {} (a placement of another design?)",
                path.display(),
                netlist.design()
            )));
        };
        let i = id.idx();
        p.x[i] = other.placement.x[n];
        p.y[i] = other.placement.y[n];
        p.orient[i] = other.placement.orient[n];
        found[i] = true;
    }
    if let Some(i) = found.iter().position(|f| !f) {
        return Err(Error::Invalid(format!(
            "{}: expected every node of {}, found no `{}`",
            path.display(),
            netlist.design(),
            netlist.node_name()[i]
        )));
    }
    Ok(p)
}

/// Writes the DEF `netlist` was read from with the placements of `placement`: a component
/// whose position (rounded to database units) or orientation differs from its input is
/// rewritten `PLACED ( x y ) O` (`FIXED` stays `FIXED`); every other byte is the input's, so a
/// placement without moves writes the input file back byte for byte.
pub fn write_def(path: &Path, netlist: &Netlist, placement: &Placement) -> Result<()> {
    let Extra::Def(extra) = netlist.extra() else {
        return Err(Error::Invalid(
            "a DEF is written from a design read from DEF".into(),
        ));
    };
    let input = crate::io::read_input(&extra.source)?;
    let text = crate::io::as_utf8(&input.path, &input.bytes)?;
    let original = def::read_def_positions(&extra.source, text, netlist, extra)?;
    let dbu = extra.dbu;
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    for (n, input_at) in original.iter().enumerate() {
        let span = extra.spans[n];
        if span == DefPlacementSpan::None {
            continue;
        }
        let (x, y, o) = (placement.x[n], placement.y[n], placement.orient[n]);
        if !(x.is_finite() && y.is_finite()) {
            return Err(Error::Invalid(format!(
                "{}: refusing to write a non-finite position for `{}`",
                path.display(),
                netlist.node_name()[n]
            )));
        }
        let (w, h) = crate::model::footprint(netlist, crate::NodeId(n as u32), o, true);
        let llx = ((x - 0.5 * w) * dbu).round() as i64;
        let lly = ((y - 0.5 * h) * dbu).round() as i64;
        if *input_at == Some((llx, lly, o)) {
            continue;
        }
        let status = if netlist.node_fixed()[n] {
            "FIXED"
        } else {
            "PLACED"
        };
        let new = format!("{status} ( {llx} {lly} ) {}", o.as_str());
        match span {
            DefPlacementSpan::Replace(a, b) => edits.push((a, b, new)),
            DefPlacementSpan::Insert(a) => edits.push((a, a, format!("+ {new} "))),
            DefPlacementSpan::None => {}
        }
    }
    edits.sort_by_key(|e| e.0);
    crate::io::write_atomic(path, |w| {
        let mut at = 0;
        for (a, b, new) in &edits {
            w.write_all(&text.as_bytes()[at..*a])?;
            w.write_all(new.as_bytes())?;
            at = *b;
        }
        w.write_all(&text.as_bytes()[at..])
    })
}

#[cfg(test)]
mod tests {
    use crate::tests::mutate;
    use proptest::prelude::*;

    const LEF: &str = include_str!("fixtures/tiny.lef");
    const DEF: &str = include_str!("fixtures/tiny.def");

    fn fuzz(def: &[u8], lef: &[u8]) {
        let dir = tempfile::tempdir().unwrap();
        let (d, l) = (dir.path().join("t.def"), dir.path().join("t.lef"));
        std::fs::write(&d, def).unwrap();
        std::fs::write(&l, lef).unwrap();
        if let Ok(design) = super::read_lefdef(&d, &[l]) {
            // Whatever reads also writes back without a panic.
            let _ = super::write_def(
                &dir.path().join("o.def"),
                &design.netlist,
                &design.placement,
            );
            // A fresh DEF + LEF written from it reads back with the same counts.
            let (fd, fl) = (dir.path().join("f.def"), dir.path().join("f.lef"));
            if super::write_fresh_def(&fd, &fl, &design.netlist, &design.placement).is_ok() {
                let back = super::read_lefdef(&fd, &[fl]).unwrap_or_else(|e| panic!("{e}"));
                assert_eq!(back.netlist.num_nodes(), design.netlist.num_nodes());
                assert_eq!(back.netlist.num_pins(), design.netlist.num_pins());
            }
        }
    }

    #[test]
    fn the_fixture_reads() {
        let dir = tempfile::tempdir().unwrap();
        let (d, l) = (dir.path().join("t.def"), dir.path().join("t.lef"));
        std::fs::write(&d, DEF).unwrap();
        std::fs::write(&l, LEF).unwrap();
        let design = super::read_lefdef(&d, &[l]).unwrap();
        assert_eq!(design.netlist.num_nodes(), 4);
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn def_parser_never_panics_on_mutations(edits in prop::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..8)) {
            fuzz(&mutate(DEF.as_bytes(), &edits), LEF.as_bytes());
        }

        #[test]
        fn lef_parser_never_panics_on_mutations(edits in prop::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..8)) {
            fuzz(DEF.as_bytes(), &mutate(LEF.as_bytes(), &edits));
        }

        #[test]
        fn lefdef_parsers_never_panic_on_random_bytes(a in prop::collection::vec(any::<u8>(), 0..300), b in prop::collection::vec(any::<u8>(), 0..300)) {
            fuzz(&a, LEF.as_bytes());
            fuzz(DEF.as_bytes(), &b);
        }

        #[test]
        fn def_parser_never_panics_on_token_soup(toks in prop::collection::vec(prop::sample::select(vec!["COMPONENTS", "1", ";", "-", "u1", "INV", "+", "PLACED", "(", ")", "0", "N", "END", "NETS", "PINS", "DIEAREA", "UNITS", "DISTANCE", "MICRONS", "100", "DESIGN", "\n", "#c\n", "*", "nan", "WEIGHT", "PIN", "A"]), 0..80)) {
            fuzz(toks.join(" ").as_bytes(), LEF.as_bytes());
        }
    }
}
