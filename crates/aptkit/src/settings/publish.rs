//! `aptkit publish …`: the opened stores, signing key sources and the
//! dependency check, resolved.

use std::path::PathBuf;
use std::time::Duration;

use aptkit_repo::{PublishAction, PublishRequest, Repository, Source};

use super::{ConfigFile, KeySources, Stores};
use crate::cli::{DependencyArgs, PublishCommand, PublishNewArgs, PublishOptions};
use crate::progress::ProgressMode;

pub struct PublishSettings {
    pub repository: Repository,
    /// The publish store's directory, when it is one: the apt sources line
    /// printed names it.
    pub public_dir: Option<PathBuf>,
    pub task: PublishTask,
}

pub enum PublishTask {
    /// `publish repo`, `snapshot`, `switch` and `update`: one publish.
    Publish(OnePublish),
    List {
        json: bool,
    },
    Drop {
        distribution: String,
        prefix: String,
        wait: Duration,
    },
    /// `publish unlock`: the claim's subject (a publication id, or `:gc`).
    Unlock {
        subject: String,
        force: bool,
        json: bool,
    },
}

/// What one publish needs besides the repository.
pub struct OnePublish {
    pub action: aptkit_repo::PublishAction,
    pub keys: KeySources,
    pub deps: DependencyCheck,
    pub progress: ProgressMode,
    pub json: bool,
    /// Plan and print the writes; write nothing.
    pub dry_run: bool,
    /// How long to wait for a busy suite (and retry a stale one).
    pub wait: Duration,
}

/// Whether a publish first checks that every Depends/Pre-Depends can be
/// satisfied, from its own packages and these base Packages files.
pub enum DependencyCheck {
    Skip,
    Against(Vec<PathBuf>),
}

impl PublishSettings {
    pub fn from_args(cmd: PublishCommand, config: &ConfigFile, stores: Stores) -> anyhow::Result<Self> {
        let one = |action, how: PublishOptions| {
            let PublishOptions { signing, deps, progress, wait, json, dry_run, .. } = how;
            let keys = KeySources::resolve(&signing, config)?;
            let (deps, progress, wait) = (deps.into(), progress.progress, config.wait(wait.wait)?);
            anyhow::Ok(PublishTask::Publish(OnePublish { action, keys, deps, progress, json, wait, dry_run }))
        };
        let task = match cmd {
            PublishCommand::Repo(args) => {
                let source = Source::Repo(args.name.clone());
                new_publication(args, source, one)?
            }
            PublishCommand::Snapshot(args) => {
                let source = Source::Snapshot(args.name.clone());
                new_publication(args, source, one)?
            }
            PublishCommand::Switch { distribution, snapshot, how } => {
                let action = PublishAction::Switch { prefix: how.target.prefix.clone(), distribution, snapshot };
                one(action, how)?
            }
            PublishCommand::Update { distribution, how } => {
                let action = PublishAction::Update { prefix: how.target.prefix.clone(), distribution };
                one(action, how)?
            }
            PublishCommand::List { json } => PublishTask::List { json },
            PublishCommand::Drop { distribution, target, wait } => {
                PublishTask::Drop { distribution, prefix: target.prefix, wait: config.wait(wait.wait)? }
            }
            PublishCommand::Unlock { suite, target, force, json } => {
                // A publication id (`debian/stable`) names its prefix itself.
                let subject = aptkit_repo::state::publication_id(&target.prefix, &suite);
                PublishTask::Unlock { subject, force, json }
            }
        };
        Ok(PublishSettings { repository: stores.repository(), public_dir: stores.public_dir, task })
    }
}

/// `publish repo|snapshot NAME …`: the request, made by `one`.
fn new_publication(
    args: PublishNewArgs,
    source: Source,
    one: impl FnOnce(PublishAction, PublishOptions) -> anyhow::Result<PublishTask>,
) -> anyhow::Result<PublishTask> {
    let request = PublishRequest {
        prefix: args.how.target.prefix.clone(),
        distribution: args.distribution,
        component: args.component,
        source,
        architectures: (!args.architectures.is_empty()).then_some(args.architectures),
        origin: args.origin,
        label: args.label,
        valid_for_days: args.valid_for,
        contents: args.contents,
    };
    one(PublishAction::New(request), args.how)
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
