//! The commands that need the learned policy, and how the binary without libtorch reaches them.
//!
//! `macroplace` does not link libtorch (its static initialisers cost 0.25–0.28 s of every
//! process). [`needs_policy`] names the commands that use the policy; `macroplace` hands those,
//! with its own arguments, to `macroplace-policy` beside it ([`hand_over`]: `exec`, so the exit
//! status, the output and any signal are the sibling's own). `macroplace-policy` installs its
//! [`PolicyCommands`] and runs the same command line.
//!
//! Architecture invariant: nothing in this crate's library names `policies` or `tch`; only
//! `src/bin/macroplace-policy/` does.

use std::process::ExitCode;
use std::sync::OnceLock;

use anyhow::Result;
use placer::cost::CostParams;
use placer::macros::anneal::Progress;
use placer::macros::flow::{PlaceOptions, PlaceResult};
use placer::report::SearchReport;

use crate::Command;
use crate::place::{MacrosArg, MethodArg, PlaceArgs};
use crate::train::{EvalPolicyArgs, TrainArgs};

/// The name of the binary that links the policy, beside `macroplace`.
pub const POLICY_BINARY: &str = "macroplace-policy";

/// One `place` run's policy stage: the arguments and what the flow has prepared.
pub struct RlRun<'a> {
    /// `place`'s options (policy directory, device, search settings, seed).
    pub args: &'a PlaceArgs,
    /// The macro stage's budget in seconds.
    pub time_limit: f64,
    /// The (clustered) design.
    pub netlist: &'a netlists::Netlist,
    /// Its starting placement.
    pub start: &'a netlists::Placement,
    /// Its cost parameters.
    pub params: &'a CostParams,
    /// How the best decoding is finished (method, budget, chains, seed).
    pub finish: &'a PlaceOptions,
    /// The run's worker threads.
    pub pool: &'a rayon::ThreadPool,
    /// Called with the finishing stage's progress.
    pub progress: &'a mut (dyn FnMut(&Progress) + Send),
}

/// What the policy binary supplies.
pub trait PolicyCommands: Sync {
    /// `train`.
    fn train(&self, args: &TrainArgs) -> Result<()>;
    /// `eval-policy`.
    fn eval_policy(&self, args: &EvalPolicyArgs) -> Result<()>;
    /// The macro stage of `place --method rl` (and `--macros rl`): the policy's search, then
    /// the finishing placer; the placement and the search's report.
    fn place_rl(&self, run: RlRun<'_>) -> Result<(PlaceResult, SearchReport)>;
}

static COMMANDS: OnceLock<&'static dyn PolicyCommands> = OnceLock::new();

/// Installs the policy binary's commands (once, at start).
pub(crate) fn install(commands: &'static dyn PolicyCommands) {
    let _ = COMMANDS.set(commands);
}

/// The installed commands; an error in the binary without them (which hands such commands
/// over before they run, so this is a broken installation or a missed case in
/// [`needs_policy`]).
pub(crate) fn commands() -> Result<&'static dyn PolicyCommands> {
    COMMANDS.get().copied().ok_or_else(|| {
        anyhow::anyhow!("this command needs the learned policy: run it with {POLICY_BINARY}")
    })
}

/// Whether `place`'s options use the policy (`--method rl` or `--macros rl`).
pub(crate) fn place_needs_policy(args: &PlaceArgs) -> bool {
    args.method == MethodArg::Rl || args.macros == MacrosArg::Rl
}

/// Whether `command` uses the learned policy (and so libtorch).
pub(crate) fn needs_policy(command: &Command) -> bool {
    match command {
        Command::Train { .. } | Command::EvalPolicy { .. } => true,
        Command::Place { args, .. } => place_needs_policy(args),
        Command::Compare { args, .. } => args
            .methods
            .iter()
            .flat_map(|m| m.split(','))
            .any(|m| m.trim() == "rl"),
        _ => false,
    }
}

/// Replaces this process with `macroplace-policy` beside the running binary, with the same
/// arguments; returns only when that fails (exit 1 with a one-line message).
pub(crate) fn hand_over() -> ExitCode {
    use std::os::unix::process::CommandExt;
    let sibling = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(POLICY_BINARY)));
    let Some(sibling) = sibling else {
        eprintln!(
            "error: cannot find the directory of the running binary to start {POLICY_BINARY}"
        );
        return ExitCode::from(1);
    };
    let err = std::process::Command::new(&sibling)
        .args(std::env::args_os().skip(1))
        .exec();
    eprintln!(
        "error: this command needs the learned policy, in {} ({err}; `cargo build` builds it \
         beside macroplace)",
        sibling.display()
    );
    ExitCode::from(1)
}
