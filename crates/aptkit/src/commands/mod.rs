//! One file per command object; each `run` takes its resolved settings.

pub mod build;
pub mod check;
pub mod completions;
pub mod deb;
pub mod distros;
pub mod gc;
pub mod index_html;
pub mod key;
pub mod man;
pub mod mirror;
pub mod package;
pub mod publish;
mod purge;
pub mod release;
pub mod repo;
pub mod serve;
pub mod snapshot;
pub mod source;
pub mod verify;

use std::process::ExitCode;

use crate::settings::ResolvedCommand;

/// How a command that ran to completion ended.
pub enum Outcome {
    Success,
    /// A check ran and found problems (exit code 1).
    CheckFailed,
    /// The command failed and has said why (exit code 2, or 75 when every
    /// failure may pass if run again later).
    Failed {
        retryable: bool,
    },
}

impl Outcome {
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Outcome::Success => ExitCode::SUCCESS,
            Outcome::CheckFailed => ExitCode::from(1),
            Outcome::Failed { retryable: true } => ExitCode::from(crate::output::EXIT_RETRY_LATER),
            Outcome::Failed { retryable: false } => ExitCode::from(2),
        }
    }
}

pub fn run(command: ResolvedCommand) -> anyhow::Result<Outcome> {
    match command {
        ResolvedCommand::Source(settings) => source::run(settings),
        ResolvedCommand::Build(settings) => build::run(settings),
        ResolvedCommand::Package(settings) => package::run(settings),
        ResolvedCommand::Deb(settings) => deb::run(settings),
        ResolvedCommand::Distros(settings) => distros::run(settings),
        ResolvedCommand::Repo(settings) => repo::run(settings),
        ResolvedCommand::Snapshot(settings) => snapshot::run(settings),
        ResolvedCommand::Publish(settings) => publish::run(settings),
        ResolvedCommand::Release(settings) => release::run(*settings),
        ResolvedCommand::Key(settings) => key::run(settings),
        ResolvedCommand::Serve(settings) => serve::run(settings),
        ResolvedCommand::Verify(settings) => verify::run(settings),
        ResolvedCommand::Mirror(settings) => mirror::run(settings),
        ResolvedCommand::Check(settings) => check::run(settings),
        ResolvedCommand::Gc(settings) => gc::run(settings),
        ResolvedCommand::IndexHtml(settings) => index_html::run(settings),
        ResolvedCommand::Completions(settings) => completions::run(settings),
        ResolvedCommand::Man(settings) => man::run(settings),
    }
}
