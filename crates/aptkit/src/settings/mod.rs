//! The one step from parsed flags to what commands run on, as ripgrep's
//! `HiArgs::from_low_args`: [`ResolvedCommand::from_cli`] loads aptkit.toml,
//! opens the stores, resolves paths and signing key sources, and parses every
//! value a command needs, so that a bad flag or file is reported before
//! anything is done. One file per command object; commands take these types,
//! never the `cli` structs.

mod build;
mod check;
mod completions;
mod config;
mod deb;
mod distros;
mod gc;
mod index_html;
mod key;
mod man;
mod mirror;
mod package;
mod publish;
mod release;
mod repo;
mod serve;
mod signing;
mod snapshot;
mod source;
mod stores;
mod trust;
mod verify;

pub use build::BuildSettings;
pub use check::CheckSettings;
pub use completions::CompletionsSettings;
pub use config::ConfigFile;
pub use deb::{DebSettings, DebView};
pub use distros::{DistrosAction, DistrosSettings};
pub use gc::GcSettings;
pub use index_html::IndexHtmlSettings;
pub use key::KeySettings;
pub use man::ManSettings;
pub use mirror::MirrorSettings;
pub use package::PackageSettings;
pub use publish::{CdnSettings, DependencyCheck, OnePublish, PublishSettings, PublishTask};
pub use release::ReleaseSettings;
pub use repo::{RepoAction, RepoSettings};
pub use serve::ServeSettings;
pub use signing::KeySources;
pub use snapshot::{SnapshotAction, SnapshotSettings};
pub use source::SourceSettings;
pub use stores::{Planned, Stores};
pub use verify::VerifySettings;

use crate::cli::{Cli, Command, StoreArgs};

/// A command with everything it needs resolved.
// One is made per run: the size of the largest variant (man's clap::Command) costs nothing.
#[allow(clippy::large_enum_variant)]
pub enum ResolvedCommand {
    Source(SourceSettings),
    Build(BuildSettings),
    Package(PackageSettings),
    Deb(DebSettings),
    Distros(DistrosSettings),
    Repo(RepoSettings),
    Snapshot(SnapshotSettings),
    Publish(PublishSettings),
    Release(Box<ReleaseSettings>),
    Key(KeySettings),
    Serve(ServeSettings),
    Verify(VerifySettings),
    Mirror(MirrorSettings),
    Check(CheckSettings),
    Gc(GcSettings),
    IndexHtml(IndexHtmlSettings),
    Completions(CompletionsSettings),
    Man(ManSettings),
}

impl ResolvedCommand {
    /// Each command loads only what it uses: `aptkit package` or `aptkit
    /// man` read no aptkit.toml and open no store.
    pub fn from_cli(cli: Cli) -> anyhow::Result<Self> {
        let stores = &cli.stores;
        Ok(match cli.command {
            Command::Source(args) => Self::Source(SourceSettings::from_args(args, &load_config(stores)?)?),
            Command::Build(args) => Self::Build(BuildSettings::from_args(args, stores, &load_config(stores)?)?),
            Command::Package(args) => Self::Package(PackageSettings::from_args(args)?),
            Command::Deb(cmd) => Self::Deb(DebSettings::from_args(cmd)),
            Command::Distros(cmd) => Self::Distros(DistrosSettings::from_args(cmd, &load_config(stores)?)),
            Command::Repo(cmd) => Self::Repo(RepoSettings::from_args(cmd, &open_stores(stores)?.1)?),
            Command::Snapshot(cmd) => Self::Snapshot(SnapshotSettings::from_args(cmd, &open_stores(stores)?.1)?),
            Command::Publish(cmd) => {
                let (config, opened) = open_stores(stores)?;
                Self::Publish(PublishSettings::from_args(cmd, &config, opened)?.with_store_flags(stores))
            }
            Command::Release(args) => {
                Self::Release(Box::new(ReleaseSettings::from_args(*args, stores, &load_config(stores)?)?))
            }
            Command::Key(cmd) => Self::Key(KeySettings::from_args(cmd, stores)?),
            Command::Serve(args) => Self::Serve(ServeSettings::from_args(args, stores)?),
            Command::Verify(args) => Self::Verify(VerifySettings::from_args(args, &load_config(stores)?)?),
            Command::Mirror(args) => Self::Mirror(MirrorSettings::from_args(args, &load_config(stores)?)?),
            Command::Check(args) => Self::Check(CheckSettings::from_args(args, &open_stores(stores)?.1)),
            Command::Gc(args) => {
                let (config, opened) = open_stores(stores)?;
                Self::Gc(GcSettings::from_args(args, &config, &opened)?)
            }
            Command::IndexHtml(args) => {
                Self::IndexHtml(IndexHtmlSettings::from_args(args, stores, &load_config(stores)?)?)
            }
            Command::Completions(args) => Self::Completions(CompletionsSettings::from_args(args)),
            Command::Man(args) => Self::Man(ManSettings::from_args(args)?),
        })
    }
}

fn load_config(args: &StoreArgs) -> anyhow::Result<ConfigFile> {
    ConfigFile::load(args.config.as_deref())
}

fn open_stores(args: &StoreArgs) -> anyhow::Result<(ConfigFile, Stores)> {
    let config = load_config(args)?;
    let stores = Stores::open(args, &config)?;
    Ok((config, stores))
}
