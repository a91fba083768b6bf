//! A model → `netlist.pb.txt`: object for object when it was read from CT, derived objects
//! otherwise ([`crate::objects`]).

use std::borrow::Cow;
use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};
use crate::io::write_atomic;
use crate::model::{AttrValue, CtRole, Extra, Netlist, NodeKind, PinDir, Placement};
use crate::objects::{derive_objects, pin_object_for};

fn escape(s: &str) -> Cow<'_, str> {
    if s.bytes().any(|b| matches!(b, b'"' | b'\\' | b'\n')) {
        Cow::Owned(
            s.replace('\\', "\\\\")
                .replace('"', "\\\"")
                .replace('\n', "\\n"),
        )
    } else {
        Cow::Borrowed(s)
    }
}

fn write_attr(w: &mut dyn Write, key: &str, v: &AttrValue) -> std::io::Result<()> {
    writeln!(w, "  attr {{\n    key: \"{}\"\n    value {{", escape(key))?;
    match v {
        AttrValue::F(f) => writeln!(w, "      f: {f}")?,
        AttrValue::I(i) => writeln!(w, "      i: {i}")?,
        AttrValue::Placeholder(s) => writeln!(w, "      placeholder: \"{}\"", escape(s))?,
        AttrValue::S(s) => writeln!(w, "      s: \"{}\"", escape(s))?,
    }
    writeln!(w, "    }}\n  }}")
}

/// Writes `netlist.pb.txt` for a netlist at a placement (atomically).
///
/// A netlist read from CT is written object for object, so `.plc` indices stay valid. Other
/// netlists get the objects of `derive_objects`; each net is driven by its first output pin
/// whose object drives no other net (CT allows one net per driver), and a pin gets an object
/// of its own when there is none. Pins on std cells and ports are then `MACRO_PIN`s of those
/// nodes: a macroplace extension that its reader accepts (Google's tools expect macros).
pub fn write_ct(path: &Path, netlist: &Netlist, placement: &Placement) -> Result<()> {
    let (mut objects, mut pin_object, _) = derive_objects(netlist);
    let is_ct = matches!(netlist.extra(), Extra::Ct(_));
    // Driven net of each object, and the pin chosen as each net's driver. A CT netlist's
    // driver is its first pin; otherwise the first output pin whose object drives nothing yet.
    let mut drives: Vec<Option<u32>> = vec![None; objects.len()];
    let mut net_driver = vec![0usize; netlist.num_nets()];
    for net in netlist.nets() {
        let r = netlist.net_pins(net);
        if r.is_empty() {
            return Err(Error::Invalid(format!(
                "net `{}` has no pins and cannot be written as CT",
                netlist.net_name()[net.idx()]
            )));
        }
        let free = |p: &usize| drives[pin_object[*p] as usize].is_none();
        let chosen = if is_ct {
            Some(r.start)
        } else {
            r.clone()
                .filter(|&p| netlist.pin_dir()[p] == PinDir::Output)
                .find(free)
                .or_else(|| r.clone().find(free))
        };
        // CT allows one net per driving object: when every object of the net already drives
        // one, the driver pin gets an object of its own.
        let driver = chosen.unwrap_or_else(|| {
            let p = r
                .clone()
                .find(|&p| netlist.pin_dir()[p] == PinDir::Output)
                .unwrap_or(r.start);
            pin_object[p] = objects.len() as u32;
            objects.push(pin_object_for(netlist, p));
            drives.push(None);
            p
        });
        let d = pin_object[driver] as usize;
        if drives[d].replace(net.0).is_some() {
            return Err(Error::Invalid(format!(
                "object `{}` drives two nets; CT allows one net per driver",
                objects[d].name
            )));
        }
        net_driver[net.idx()] = driver;
        let w = netlist.net_weight()[net.idx()];
        if w != 1.0 || objects[d].weight.is_some() {
            objects[d].weight = Some(w);
        }
    }
    let comments = match netlist.extra() {
        Extra::Ct(ct) => ct.comments.clone(),
        _ => Vec::new(),
    };
    let metadata = match netlist.extra() {
        Extra::Ct(ct) => ct.metadata.clone(),
        _ => Vec::new(),
    };
    // CT canvases start at the origin.
    let (x0, y0) = (netlist.floorplan().x_min, netlist.floorplan().y_min);
    let (x0, y0) = if is_ct { (0.0, 0.0) } else { (x0, y0) };
    write_atomic(path, |w| {
        for c in &comments {
            writeln!(w, "#{c}")?;
        }
        if !metadata.is_empty() {
            writeln!(w, "node {{\n  name: \"__metadata__\"")?;
            for (k, v) in &metadata {
                write_attr(w, k, v)?;
            }
            writeln!(w, "}}")?;
        }
        for (i, o) in objects.iter().enumerate() {
            writeln!(w, "node {{\n  name: \"{}\"", escape(&o.name))?;
            if let Some(net) = drives[i] {
                let r = netlist.net_pins(crate::ids::NetId(net));
                let driver = net_driver[net as usize];
                for p in r.filter(|&p| p != driver) {
                    writeln!(
                        w,
                        "  input: \"{}\"",
                        escape(&objects[pin_object[p] as usize].name)
                    )?;
                }
            }
            let mut attrs: Vec<(String, AttrValue)> = o.extra_attrs.clone();
            attrs.push(("type".into(), AttrValue::Placeholder(o.type_name.clone())));
            match o.role {
                CtRole::Node(n) => {
                    let k = n.idx();
                    if netlist.node_kind()[k] != NodeKind::Port {
                        attrs.push(("width".into(), AttrValue::F(netlist.node_width()[k])));
                        attrs.push(("height".into(), AttrValue::F(netlist.node_height()[k])));
                    }
                    if netlist.node_kind()[k].is_macro() {
                        attrs.push((
                            "orientation".into(),
                            AttrValue::Placeholder(placement.orient[k].as_str().into()),
                        ));
                    }
                    attrs.push(("x".into(), AttrValue::F(placement.x[k] - x0)));
                    attrs.push(("y".into(), AttrValue::F(placement.y[k] - y0)));
                }
                CtRole::MacroPin { node, dx, dy } => {
                    let k = node.idx();
                    attrs.push((
                        "macro_name".into(),
                        AttrValue::Placeholder(netlist.node_name()[k].clone()),
                    ));
                    attrs.push(("x_offset".into(), AttrValue::F(dx)));
                    attrs.push(("y_offset".into(), AttrValue::F(dy)));
                    let (rx, ry) = placement.orient[k].rotate(dx, dy);
                    attrs.push(("x".into(), AttrValue::F(placement.x[k] + rx - x0)));
                    attrs.push(("y".into(), AttrValue::F(placement.y[k] + ry - y0)));
                }
            }
            if let Some(wt) = o.weight {
                attrs.push(("weight".into(), AttrValue::F(wt)));
            }
            attrs.sort_by(|a, b| a.0.cmp(&b.0));
            for (k, v) in &attrs {
                write_attr(w, k, v)?;
            }
            writeln!(w, "}}")?;
        }
        Ok(())
    })
}
