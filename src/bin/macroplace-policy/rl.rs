//! The policy stage of `place --method rl` (and `--macros rl`): the checkpoint is read, the
//! policy searches for `--search-time` ([`policies::search::place_rl`]), and the best decoding
//! is finished by the placer `--refine` names.

use anyhow::{Context, Result};
use macroplace::RlRun;
use macroplace::bad_arg;
use macroplace::place::RefineArg;
use placer::macros::flow::PlaceResult;
use placer::report::SearchReport;

/// Runs the policy stage of `run`.
pub(crate) fn place_rl(run: RlRun<'_>) -> Result<(PlaceResult, SearchReport)> {
    let RlRun {
        args,
        time_limit,
        netlist,
        start,
        params,
        finish,
        pool,
        progress,
    } = run;
    let choice: policies::DeviceChoice = args
        .device
        .parse()
        .map_err(|e| bad_arg(format!("--device: {e}")))?;
    let device = policies::resolve_device(choice)?;
    let dir = args
        .policy
        .as_ref()
        .context("--method rl needs --policy DIR")?;
    // A checkpoint that cannot be read or used is bad input (exit 2), said before any work.
    let side = policies::train::read_sidecar(dir).map_err(|e| bad_arg(format!("--policy: {e}")))?;
    // Without refinement, leave time for the cluster stages (about 3 s per 100k polish
    // moves on ariane133), at most half the budget.
    let reserve = (0.5 + 3e-5 * args.cluster_moves as f64).min(0.5 * time_limit);
    let search_time = args
        .search_time
        .unwrap_or(if args.refine == RefineArg::None {
            time_limit - reserve
        } else {
            0.25 * time_limit
        });
    let so = policies::search::SearchOptions {
        grid: side.options.grid,
        samples: args.samples,
        beam: args.beam,
        expand: args.expand.max(1),
        seed: args.seed,
        seconds: Some(search_time.min(time_limit)),
        mcts: args.mcts,
        mcts_expand: args.mcts_expand.max(1),
        mcts_games: args.mcts_games.max(1),
        policy_jumps: args.policy_jumps,
    };
    // The network is not shareable between threads: load it inside the pool.
    let r = pool.install(|| -> Result<_> {
        let (policy, _) = policies::train::load_policy(dir, device)
            .map_err(|e| bad_arg(format!("--policy: {e}")))?;
        Ok(policies::search::place_rl(
            &policy, netlist, start, params, &so, finish, progress,
        )?)
    });
    let (r, found) = r.with_context(|| "rl placement failed")?;
    let report = found.report(dir, &side, &policies::device::describe(device), &so);
    Ok((r, report))
}
