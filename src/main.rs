//! `macroplace`: every command of the command line ([`macroplace`], the library beside this
//! file). This binary does not link libtorch; the commands that use the learned policy are
//! handed to `macroplace-policy`.

fn main() -> std::process::ExitCode {
    macroplace::main(None)
}
