//! The observation: the channels, scalars and legal-action mask the policy sees before a step
//! (their layout is in the module overview of [`super`]).

use super::{PlaceEnv, SCALARS};
use crate::macros::masks::WireTerms;

/// What the policy sees before a step.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observation {
    /// Grid rows.
    pub rows: usize,
    /// Grid columns.
    pub cols: usize,
    /// `CHANNELS × rows × cols`, channel-major, row 0 at the bottom.
    pub channels: Vec<f32>,
    /// Scalar features.
    pub scalars: [f32; SCALARS],
    /// Node id of the macro to place.
    pub macro_node: u32,
    /// Legal actions (`rows × cols`); all false only when the macro fits no grid cell (then any
    /// action is accepted, see the module docs).
    pub legal: Vec<bool>,
    /// Which environment's static channels (5 and 6) the buffer already holds (0: none), so
    /// reusing the buffer for the same environment skips copying them.
    pub static_of: u64,
}

impl PlaceEnv<'_> {
    /// Writes the observation of the current step into `obs` (reusing its buffers).
    pub fn observe(&self, obs: &mut Observation) {
        let (rows, cols) = (self.grid.rows, self.grid.cols);
        let cells = rows * cols;
        obs.rows = rows;
        obs.cols = cols;
        let channels = self.opts.channels();
        if obs.channels.len() != channels * cells {
            obs.channels.clear();
            obs.channels.resize(channels * cells, 0.0);
            obs.static_of = 0;
        }
        obs.legal.clear();
        if self.done() {
            obs.channels.fill(0.0);
            obs.static_of = 0;
            obs.scalars = [0.0; SCALARS];
            obs.macro_node = u32::MAX;
            obs.legal.resize(cells, false);
            return;
        }
        let fill_masks = |out: &mut [f32], pos: &[bool], wire: &WireTerms| {
            let (pos_out, wire_out) = out.split_at_mut(cells);
            // Min and max over legal cells of fx[c] + fy[r]: per row, the extremes of fx over
            // the row's legal cells, then + fy[r] (rounding is monotone, so this is exactly the
            // extreme of the sums). The columns sorted by fx once: a row's extremes are its
            // first and last legal columns in that order, usually a few probes from each end.
            let (fx, fy) = (&wire.fx, &wire.fy);
            let mut by_fx: Vec<usize> = (0..cols).collect();
            by_fx.sort_unstable_by(|&a, &b| fx[a].total_cmp(&fx[b]));
            let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
            for (r, row) in pos.chunks_exact(cols).enumerate() {
                let Some(&first) = by_fx.iter().find(|&&c| row[c]) else {
                    continue;
                };
                let last = by_fx.iter().rev().find(|&&c| row[c]).unwrap_or(&first);
                lo = lo.min(fx[first] + fy[r]);
                hi = hi.max(fx[*last] + fy[r]);
            }
            let scale = if hi > lo { 1.0 / (hi - lo) } else { 0.0 };
            for (r, ((prow, wrow), row)) in pos_out
                .chunks_exact_mut(cols)
                .zip(wire_out.chunks_exact_mut(cols))
                .zip(pos.chunks_exact(cols))
                .enumerate()
            {
                let y = fy[r];
                for (wo, &x) in wrow.iter_mut().zip(fx) {
                    *wo = (((x + y) - lo) * scale) as f32;
                }
                for ((po, wo), &ok) in prow.iter_mut().zip(wrow.iter_mut()).zip(row) {
                    *po = f32::from(u8::from(ok));
                    *wo = if ok { *wo } else { 1.0 };
                }
            }
        };
        let ch = &mut obs.channels;
        fill_masks(&mut ch[..2 * cells], &self.cur_pos, &self.cur_wire);
        if self.t + 1 < self.order.len() {
            fill_masks(
                &mut ch[2 * cells..4 * cells],
                &self.next_pos,
                &self.next_wire,
            );
        } else {
            ch[2 * cells..4 * cells].fill(0.0);
        }
        ch[4 * cells..5 * cells].copy_from_slice(&self.placed_cover);
        if obs.static_of != self.static_id {
            ch[5 * cells..6 * cells].copy_from_slice(&self.soft_cover);
            ch[6 * cells..7 * cells].copy_from_slice(&self.port_density);
            obs.static_of = self.static_id;
        }
        if let Some(live) = &self.live {
            // Density and congestion (the larger of H and V) of the partial placement, each
            // environment cell reading the cost-grid cell under its centre, clipped to [0, 4].
            let maps = live.cur.maps();
            let (den, hn, hm, vn, vm) = (
                maps.density.as_slice().unwrap_or(&[]),
                maps.h_net.as_slice().unwrap_or(&[]),
                maps.h_macro.as_slice().unwrap_or(&[]),
                maps.v_net.as_slice().unwrap_or(&[]),
                maps.v_macro.as_slice().unwrap_or(&[]),
            );
            let (d_out, c_out) = ch[7 * cells..9 * cells].split_at_mut(cells);
            for ((d, c), &g) in d_out.iter_mut().zip(c_out.iter_mut()).zip(&live.cell_map) {
                *d = den[g].clamp(0.0, 4.0) as f32;
                *c = (hn[g] + hm[g]).max(vn[g] + vm[g]).clamp(0.0, 4.0) as f32;
            }
        }
        let n = self.order[self.t];
        let fp = self.netlist.floorplan();
        obs.scalars = [
            (self.netlist.node_width()[n] / fp.width) as f32,
            (self.netlist.node_height()[n] / fp.height) as f32,
            (self.t as f64 / self.order.len() as f64) as f32,
            (self.area_left / (fp.width * fp.height)) as f32,
            self.degree[self.t],
            1.0,
        ];
        obs.macro_node = n as u32;
        obs.legal.extend_from_slice(&self.cur_pos);
    }
}
