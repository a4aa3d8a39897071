pub mod deb;
pub mod package;

use std::process::ExitCode;

use crate::cli::{Cli, Command, DebCommand};

/// How a command that ran to completion ended.
pub enum Outcome {
    Success,
    /// A check ran and found problems (exit code 1).
    #[allow(dead_code)]
    CheckFailed,
}

impl Outcome {
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Outcome::Success => ExitCode::SUCCESS,
            Outcome::CheckFailed => ExitCode::from(1),
        }
    }
}

pub fn run(cli: Cli) -> anyhow::Result<Outcome> {
    match cli.command {
        Command::Package(args) => package::run(package::Settings::from_args(args)?),
        Command::Deb(DebCommand::Info(args)) => deb::info(&args.deb, args.json),
        Command::Deb(DebCommand::Contents(args)) => deb::contents(&args.deb, args.json),
    }
}
