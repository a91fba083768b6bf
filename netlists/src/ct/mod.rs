//! Circuit Training netlist reader and writer (`netlist.pb.txt`, TensorFlow GraphDef text).
//!
//! Semantics (`proxy-cost.md` §1): each `node { }` block except `__metadata__` is one object;
//! its 0-based position is the `.plc` node index. `PORT`, `MACRO` and `STDCELL` objects become
//! model nodes (a `MACRO` named `Grp*` is a soft macro); a `MACRO_PIN` is a pin on the macro
//! named by its `macro_name`, at `x_offset, y_offset` from the macro centre. Every object with at
//! least one `input` drives one net: driver first, then each listed sink, in order; the net's
//! weight is the driver's `weight` attribute (default 1). Type names are matched without regard
//! to case. A flat netlist's `# FP bbox: {x0 y0 x1 y1}` comment gives the canvas.
//!
//! The lexer works on bytes and tracks lines, so every error names `file:line`.

//!
//! Files: `lex` (the byte lexer), `read` ([`read_ct`]), `write` ([`write_ct`]). The object list
//! that `.plc` indices refer to is [`crate::objects`].

mod lex;
mod read;
mod write;

pub use read::read_ct;
pub use write::write_ct;
