//! The Circuit Training object list of any netlist — what a `.plc` node index means: a netlist
//! read from CT keeps its own objects; any other gets objects derived from the model. Shared by
//! the CT writer and the `.plc` writer, so neither format module depends on the other.

use crate::model::{CtObject, CtRole, Extra, Netlist, NodeKind};

/// The CT objects of a netlist: its own (read from CT) or ones derived from the model: every
/// node, then a `MACRO_PIN` for every pin that is on a macro or has a non-zero offset (so pin
/// geometry survives); other pins are their node's object. Returns the objects, each pin's
/// object and each node's object.
pub(crate) fn derive_objects(netlist: &Netlist) -> (Vec<CtObject>, Vec<u32>, Vec<u32>) {
    if let Extra::Ct(ct) = netlist.extra() {
        return (
            ct.objects.clone(),
            ct.pin_object.clone(),
            ct.node_object.clone(),
        );
    }
    let mut objects = Vec::new();
    let mut node_object = Vec::new();
    for n in netlist.nodes() {
        let i = n.idx();
        let kind = netlist.node_kind()[i];
        let type_name = match kind {
            NodeKind::Port => "PORT",
            NodeKind::HardMacro | NodeKind::SoftMacro => "MACRO",
            NodeKind::StdCell => "STDCELL",
        };
        node_object.push(objects.len() as u32);
        objects.push(CtObject {
            name: netlist.node_name()[i].clone(),
            type_name: type_name.into(),
            role: CtRole::Node(n),
            weight: None,
            extra_attrs: Vec::new(),
        });
    }
    let pin_object = (0..netlist.num_pins())
        .map(|p| {
            let node = netlist.pin_node()[p];
            let (dx, dy) = (netlist.pin_dx()[p], netlist.pin_dy()[p]);
            if netlist.node_kind()[node.idx()].is_macro() || dx != 0.0 || dy != 0.0 {
                objects.push(pin_object_for(netlist, p));
                (objects.len() - 1) as u32
            } else {
                node_object[node.idx()]
            }
        })
        .collect();
    (objects, pin_object, node_object)
}

/// A `MACRO_PIN` object standing for model pin `p` alone.
pub(crate) fn pin_object_for(netlist: &Netlist, p: usize) -> CtObject {
    let node = netlist.pin_node()[p];
    CtObject {
        name: format!("{}/P{p}", netlist.node_name()[node.idx()]),
        type_name: "MACRO_PIN".into(),
        role: CtRole::MacroPin {
            node,
            dx: netlist.pin_dx()[p],
            dy: netlist.pin_dy()[p],
        },
        weight: None,
        extra_attrs: Vec::new(),
    }
}

/// The `.plc` node index of every node, for writing placements.
pub fn plc_indices(netlist: &Netlist) -> Vec<u32> {
    derive_objects(netlist).2
}
