//! Typed `u32` indices into the struct-of-arrays tables of a [`crate::Netlist`].
//!
//! A `NodeId` indexes the `node_*` arrays, a `NetId` the `net_*` arrays and a `PinId` the `pin_*`
//! arrays. They are plain indices: they stay valid as long as the netlist they came from.

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        pub struct $name(pub u32);

        impl $name {
            /// The index as `usize`, for slicing.
            #[inline]
            pub fn idx(self) -> usize {
                self.0 as usize
            }
        }

        impl From<$name> for usize {
            #[inline]
            fn from(id: $name) -> usize {
                id.0 as usize
            }
        }
    };
}

id_type!(
    /// A node: hard macro, soft macro (std-cell cluster), std cell or port.
    NodeId
);
id_type!(
    /// A net (hyperedge over pins).
    NetId
);
id_type!(
    /// A pin: one incidence of a node on a net, with an offset from the node centre.
    PinId
);
