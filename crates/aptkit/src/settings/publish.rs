//! `aptkit publish …`: the opened stores, signing key sources and the
//! dependency check, resolved.

use std::path::PathBuf;

use aptkit_repo::{Repository, Source};

use super::{ConfigFile, KeySources, Stores};
use crate::cli::{DependencyArgs, PublishCommand, PublishNewArgs, SigningArgs};

pub struct PublishSettings {
    pub repository: Repository,
    /// The publish store's directory, when it is one: what was published is
    /// verified there, and the apt sources line printed names it.
    pub public_dir: Option<PathBuf>,
    pub action: PublishAction,
}

pub enum PublishAction {
    /// `publish repo` and `publish snapshot`.
    New(NewPublication),
    Switch {
        distribution: String,
        snapshot: String,
        prefix: String,
        keys: KeySources,
        deps: DependencyCheck,
        json: bool,
    },
    Update {
        distribution: String,
        prefix: String,
        keys: KeySources,
        deps: DependencyCheck,
        json: bool,
    },
    List {
        json: bool,
    },
    Drop {
        distribution: String,
        prefix: String,
    },
}

pub struct NewPublication {
    pub source: Source,
    pub distribution: String,
    pub component: String,
    pub prefix: String,
    /// Empty: those of the packages.
    pub architectures: Vec<String>,
    pub origin: Option<String>,
    pub label: Option<String>,
    /// Days until Valid-Until.
    pub valid_for: Option<u32>,
    pub contents: bool,
    pub keys: KeySources,
    pub deps: DependencyCheck,
    pub json: bool,
}

/// Whether a publish first checks that every Depends/Pre-Depends can be
/// satisfied, from its own packages and these base Packages files.
pub enum DependencyCheck {
    Skip,
    Against(Vec<PathBuf>),
}

impl PublishSettings {
    pub fn from_args(cmd: PublishCommand, config: &ConfigFile, stores: Stores) -> anyhow::Result<Self> {
        let keys = |signing: &SigningArgs| KeySources::resolve(signing, config);
        let action = match cmd {
            PublishCommand::Repo(args) => {
                let source = Source::Repo(args.name.clone());
                PublishAction::New(NewPublication::from_args(args, source, config)?)
            }
            PublishCommand::Snapshot(args) => {
                let source = Source::Snapshot(args.name.clone());
                PublishAction::New(NewPublication::from_args(args, source, config)?)
            }
            PublishCommand::Switch { distribution, snapshot, target, signing, deps, json } => PublishAction::Switch {
                distribution,
                snapshot,
                prefix: target.prefix,
                keys: keys(&signing)?,
                deps: deps.into(),
                json,
            },
            PublishCommand::Update { distribution, target, signing, deps, json } => PublishAction::Update {
                distribution,
                prefix: target.prefix,
                keys: keys(&signing)?,
                deps: deps.into(),
                json,
            },
            PublishCommand::List { json } => PublishAction::List { json },
            PublishCommand::Drop { distribution, target } => {
                PublishAction::Drop { distribution, prefix: target.prefix }
            }
        };
        Ok(PublishSettings { repository: stores.repository(), public_dir: stores.public_dir, action })
    }
}

impl NewPublication {
    fn from_args(args: PublishNewArgs, source: Source, config: &ConfigFile) -> anyhow::Result<Self> {
        Ok(NewPublication {
            source,
            distribution: args.distribution,
            component: args.component,
            prefix: args.target.prefix,
            architectures: args.architectures,
            origin: args.origin,
            label: args.label,
            valid_for: args.valid_for,
            contents: args.contents,
            keys: KeySources::resolve(&args.signing, config)?,
            deps: args.deps.into(),
            json: args.json,
        })
    }
}

impl From<DependencyArgs> for DependencyCheck {
    fn from(args: DependencyArgs) -> Self {
        if args.skip_dependency_check {
            DependencyCheck::Skip
        } else {
            DependencyCheck::Against(args.base_indices)
        }
    }
}
