//! Ranks: the processes of one job (MPI ranks under `mpirun`; one process otherwise).
//!
//! The placers and the trainer call the few collective operations they need through
//! [`Collective`], so `placer` and `policies` never depend on MPI: the binary built with the
//! `mpi` feature [`install`]s an implementation over `MPI_COMM_WORLD` before any work starts;
//! without one, [`group`] is [`Single`] and every collective is the identity.
//!
//! Architecture invariant: every rank makes the same sequence of collective calls. Callers
//! agree on every decision that could differ between ranks (a time budget's end, a NaN on one
//! rank) through a collective before acting on it, so no rank waits for a call another rank
//! skipped. All reductions are in a fixed rank order, so results are the same for a seed
//! whatever the timing.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// The collective operations of a job's ranks. Calls are made from one thread at a time.
pub trait Collective: Send + Sync {
    /// This process's rank, `0..size()`.
    fn rank(&self) -> usize;
    /// The number of ranks.
    fn size(&self) -> usize;
    /// Every rank's `value`, in rank order, on every rank.
    fn all_gather_f64(&self, value: f64) -> Vec<f64>;
    /// The element-wise sum over ranks of `buf`, in place on every rank, added in rank order
    /// (so the same bits on every rank).
    fn sum_f64(&self, buf: &mut [f64]);
    /// `buf` of rank `root` on every rank (every rank passes a buffer of the same length).
    fn broadcast_f64(&self, root: usize, buf: &mut [f64]);
    /// Ends the whole job with `code` after printing `message` (one rank failing must not
    /// leave the others waiting).
    fn abort(&self, code: i32, message: &str) -> !;
}

/// One process: rank 0 of 1.
#[derive(Debug, Default, Clone, Copy)]
pub struct Single;

impl Collective for Single {
    fn rank(&self) -> usize {
        0
    }
    fn size(&self) -> usize {
        1
    }
    fn all_gather_f64(&self, value: f64) -> Vec<f64> {
        vec![value]
    }
    fn sum_f64(&self, _buf: &mut [f64]) {}
    fn broadcast_f64(&self, _root: usize, _buf: &mut [f64]) {}
    fn abort(&self, code: i32, message: &str) -> ! {
        eprintln!("{message}");
        std::process::exit(code)
    }
}

static GROUP: OnceLock<Box<dyn Collective>> = OnceLock::new();

/// Makes `group` the job's ranks for the rest of the process; returns `false` (and changes
/// nothing) when one was installed already.
pub fn install(group: Box<dyn Collective>) -> bool {
    GROUP.set(group).is_ok()
}

/// The job's ranks ([`Single`] unless [`install`] was called).
pub fn group() -> &'static dyn Collective {
    match GROUP.get() {
        Some(g) => g.as_ref(),
        None => &Single,
    }
}

/// Communication counters of this process: calls, bytes sent and seconds spent in collectives
/// made through the helpers of this module.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct CommStats {
    /// Collective calls.
    pub calls: u64,
    /// Bytes this rank contributed.
    pub bytes: u64,
    /// Seconds spent in them (waiting for the slowest rank included).
    pub seconds: f64,
}

static CALLS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);
static NANOS: AtomicU64 = AtomicU64::new(0);

/// The counters so far.
pub fn stats() -> CommStats {
    CommStats {
        calls: CALLS.load(Ordering::Relaxed),
        bytes: BYTES.load(Ordering::Relaxed),
        seconds: NANOS.load(Ordering::Relaxed) as f64 * 1e-9,
    }
}

fn timed<T>(bytes: usize, f: impl FnOnce() -> T) -> T {
    if group().size() == 1 {
        return f();
    }
    let t = Instant::now();
    let out = f();
    CALLS.fetch_add(1, Ordering::Relaxed);
    BYTES.fetch_add(bytes as u64, Ordering::Relaxed);
    NANOS.fetch_add(t.elapsed().as_nanos() as u64, Ordering::Relaxed);
    out
}

/// The largest `value` over ranks (the same on every rank).
pub fn max_f64(value: f64) -> f64 {
    timed(8, || {
        group()
            .all_gather_f64(value)
            .into_iter()
            .fold(f64::NEG_INFINITY, f64::max)
    })
}

/// The lowest `value` over ranks and the first rank holding it (NaN counts as +∞).
pub fn argmin_f64(value: f64) -> (f64, usize) {
    timed(8, || {
        let all = group().all_gather_f64(value);
        let key = |v: f64| if v.is_nan() { f64::INFINITY } else { v };
        let mut best = (key(all[0]), 0);
        for (r, &v) in all.iter().enumerate().skip(1) {
            if key(v) < best.0 {
                best = (key(v), r);
            }
        }
        best
    })
}

/// Whether `flag` holds on any rank.
pub fn any(flag: bool) -> bool {
    max_f64(if flag { 1.0 } else { 0.0 }) > 0.5
}

/// Every rank's `value`, in rank order.
pub fn all_gather(value: f64) -> Vec<f64> {
    timed(8, || group().all_gather_f64(value))
}

/// The mean over ranks of `buf`, in place.
pub fn mean_f64(buf: &mut [f64]) {
    let k = group().size();
    if k == 1 {
        return;
    }
    timed(8 * buf.len(), || group().sum_f64(buf));
    let inv = 1.0 / k as f64;
    for v in buf.iter_mut() {
        *v *= inv;
    }
}

/// `buf` of rank `root` on every rank.
pub fn broadcast(root: usize, buf: &mut [f64]) {
    timed(8 * buf.len(), || group().broadcast_f64(root, buf));
}

/// `placement` of rank `root` on every rank (positions and orientations; every rank passes a
/// placement of the same design).
pub fn broadcast_placement(root: usize, placement: &mut netlists::Placement) {
    use netlists::Orientation;
    let n = placement.len();
    let mut buf = vec![0.0; 3 * n];
    if group().rank() == root {
        buf[..n].copy_from_slice(&placement.x);
        buf[n..2 * n].copy_from_slice(&placement.y);
        for (b, o) in buf[2 * n..].iter_mut().zip(&placement.orient) {
            *b = Orientation::ALL.iter().position(|a| a == o).unwrap_or(0) as f64;
        }
    }
    broadcast(root, &mut buf);
    placement.x.copy_from_slice(&buf[..n]);
    placement.y.copy_from_slice(&buf[n..2 * n]);
    for (o, &b) in placement.orient.iter_mut().zip(&buf[2 * n..]) {
        *o = Orientation::ALL[(b as usize).min(7)];
    }
}

/// A 64-bit FNV-1a hash of `values`' bits (to compare state across ranks cheaply).
pub fn hash_f64(values: impl IntoIterator<Item = f64>) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for v in values {
        for b in v.to_bits().to_le_bytes() {
            h ^= b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_single_process_is_rank_0_of_1_and_collectives_are_identities() {
        assert_eq!((group().rank(), group().size()), (0, 1));
        assert_eq!(max_f64(3.5), 3.5);
        assert_eq!(argmin_f64(f64::NAN), (f64::INFINITY, 0));
        assert!(any(true) && !any(false));
        let mut v = vec![1.0, 2.0];
        mean_f64(&mut v);
        broadcast(0, &mut v);
        assert_eq!(v, vec![1.0, 2.0]);
        assert_eq!(stats().calls, 0);
        assert_ne!(hash_f64([1.0, 2.0]), hash_f64([2.0, 1.0]));
    }
}
