pub mod deb;
pub mod key;
pub mod package;
pub mod publish;
pub mod repo;
pub mod serve;
pub mod verify;

use std::process::ExitCode;

use aptkit_repo::Repository;

use crate::cli::{Cli, Command, DebCommand};
use crate::settings::{self, Settings};

/// How a command that ran to completion ended.
pub enum Outcome {
    Success,
    /// A check ran and found problems (exit code 1).
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
        Command::Repo(cmd) => {
            let settings = Settings::resolve(&cli.stores)?;
            repo::run(&repository(&settings), cmd)
        }
        Command::Snapshot(cmd) => {
            let settings = Settings::resolve(&cli.stores)?;
            repo::run_snapshot(&repository(&settings), cmd)
        }
        Command::Publish(cmd) => {
            let settings = Settings::resolve(&cli.stores)?;
            publish::run(&repository(&settings), &settings, cmd)
        }
        Command::Key(cmd) => key::run(&Settings::resolve(&cli.stores)?, cmd),
        Command::Serve(args) => serve::run(&Settings::resolve(&cli.stores)?, args),
        Command::Verify(args) => verify::run(args, &settings::load_config(cli.stores.config.as_deref())?),
        Command::Mirror(args) => verify::mirror(args, &settings::load_config(cli.stores.config.as_deref())?),
        Command::Check { distribution, target, base_indices, json } => {
            let settings = Settings::resolve(&cli.stores)?;
            publish::check(&repository(&settings), &target.prefix, &distribution, &base_indices, json)
        }
        Command::Gc { dry_run, min_age, json } => {
            let settings = Settings::resolve(&cli.stores)?;
            repo::run_gc(&repository(&settings), dry_run, min_age, json)
        }
    }
}

fn repository(settings: &Settings) -> Repository {
    Repository::new(settings.state.clone(), settings.public.clone())
}
