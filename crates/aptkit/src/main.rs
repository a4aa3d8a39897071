//! The `aptkit` command: parse, run, map the outcome to an exit code
//! (0 ok, 1 a check ran and failed, 2 an error).

mod cli;
mod commands;
mod output;
mod settings;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match commands::run(cli) {
        Ok(outcome) => outcome.exit_code(),
        Err(err) => {
            output::print_error(&err);
            ExitCode::from(2)
        }
    }
}
