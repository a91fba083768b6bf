//! `macroplace-policy`: the `macroplace` command line with the learned policy linked in
//! (libtorch through `policies`). `macroplace` hands it `train`, `eval-policy` and the `place`
//! and `compare` runs that use `rl`; it runs every other command the same way too.
//!
//! Modules: [`train`] (`train`, `eval-policy`), [`rl`] (the policy stage of `place`).

mod rl;
mod train;

/// The commands of this binary.
struct Policy;

impl macroplace::PolicyCommands for Policy {
    fn train(&self, args: &macroplace::train::TrainArgs) -> anyhow::Result<()> {
        train::train(args)
    }

    fn eval_policy(&self, args: &macroplace::train::EvalPolicyArgs) -> anyhow::Result<()> {
        train::eval_policy(args)
    }

    fn place_rl(
        &self,
        run: macroplace::RlRun<'_>,
    ) -> anyhow::Result<(
        placer::macros::flow::PlaceResult,
        placer::report::SearchReport,
    )> {
        rl::place_rl(run)
    }
}

fn main() -> std::process::ExitCode {
    macroplace::main(Some(&Policy))
}

#[cfg(test)]
mod tests {
    /// The command line's default prior gain is the policy's own.
    #[test]
    fn wire_prior_default_is_the_policys() {
        assert_eq!(macroplace::train::WIRE_PRIOR, policies::policy::WIRE_PRIOR);
    }
}
