//! The `aptkit` command: parse, resolve settings, run, map the outcome to an
//! exit code (0 ok, 1 a check ran and failed, 2 an error, 75 an error that
//! may pass if the same command is run again later: see
//! [`output::exit_code_of`]).

mod base_indices;
mod cli;
mod clock;
mod commands;
mod output;
mod progress;
mod reference;
mod settings;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Output piped into `head` or `grep -q` may be cut off: end quietly, as
    // other Unix tools do, instead of panicking on the broken pipe.
    // SAFETY: resetting a signal to its default action before any thread starts.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    let cli = cli::Cli::parse();
    match settings::ResolvedCommand::from_cli(cli).and_then(commands::run) {
        Ok(outcome) => outcome.exit_code(),
        Err(err) => {
            output::print_error(&err);
            output::exit_code_of(&err)
        }
    }
}
