//! MPI ranks (cargo feature `mpi`): [`placer::ranks::Collective`] over `MPI_COMM_WORLD`
//! through the `mpi` crate (rsmpi, Open MPI underneath).
//!
//! MPI is initialised only when the process was started by `mpirun` (its environment names a
//! rank), so the same binary still runs alone. Collectives are called from whichever thread
//! runs the placer (a rayon pool's), one at a time: MPI is initialised `SERIALIZED`. Sums are
//! reduced to rank 0 and broadcast, so every rank holds the same bits.

use mpi::Threading;
use mpi::collective::SystemOperation;
use mpi::environment::Universe;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;

/// `MPI_COMM_WORLD` as the job's ranks.
struct World;

fn world() -> SimpleCommunicator {
    SimpleCommunicator::world()
}

impl placer::ranks::Collective for World {
    fn rank(&self) -> usize {
        world().rank() as usize
    }

    fn size(&self) -> usize {
        world().size() as usize
    }

    fn all_gather_f64(&self, value: f64) -> Vec<f64> {
        let w = world();
        let mut out = vec![0.0f64; w.size() as usize];
        w.all_gather_into(&value, &mut out[..]);
        out
    }

    fn sum_f64(&self, buf: &mut [f64]) {
        let w = world();
        let root = w.process_at_rank(0);
        if w.rank() == 0 {
            let mut out = vec![0.0f64; buf.len()];
            root.reduce_into_root(&buf[..], &mut out[..], SystemOperation::sum());
            buf.copy_from_slice(&out);
        } else {
            root.reduce_into(&buf[..], SystemOperation::sum());
        }
        root.broadcast_into(buf);
    }

    fn broadcast_f64(&self, root: usize, buf: &mut [f64]) {
        world().process_at_rank(root as i32).broadcast_into(buf);
    }

    fn abort(&self, code: i32, message: &str) -> ! {
        eprintln!("{message}");
        world().abort(code)
    }
}

/// Whether `mpirun` (Open MPI, or a PMI launcher) started this process.
fn launched_by_mpirun() -> bool {
    ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"]
        .iter()
        .any(|v| std::env::var_os(v).is_some())
}

/// Initialises MPI and installs the world's ranks when started by `mpirun`; the returned
/// universe finalises MPI when dropped (keep it for the whole run).
pub fn init() -> Option<Universe> {
    if !launched_by_mpirun() {
        return None;
    }
    let (universe, _provided) = mpi::initialize_with_threading(Threading::Serialized)?;
    placer::ranks::install(Box::new(World));
    Some(universe)
}
