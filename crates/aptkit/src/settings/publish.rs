//! `aptkit publish …`: the opened stores, signing key sources and the
//! dependency check, resolved.

use std::path::PathBuf;
use std::time::Duration;

use aptkit_repo::{PublishAction, PublishRequest, Repository, Source};

use super::{ConfigFile, KeySources, Stores};
use crate::cli::{CdnArgs, DependencyArgs, PublishCommand, PublishNewArgs, PublishOptions, StoreArgs};
use crate::progress::ProgressMode;

pub struct PublishSettings {
    pub repository: Repository,
    /// The publish store's directory, when it is one: the apt sources line
    /// printed names it.
    pub public_dir: Option<PathBuf>,
    pub task: PublishTask,
    /// `--state`, `--public` and `--config` as given: a retry command said
    /// after a failed purge names the same stores.
    pub store_flags: Vec<String>,
}

pub enum PublishTask {
    /// `publish repo`, `snapshot`, `switch` and `update`: one publish.
    Publish(Box<OnePublish>),
    List {
        json: bool,
    },
    Drop {
        distribution: String,
        prefix: String,
        wait: Duration,
        /// Purged once the drop is committed.
        cdn: CdnSettings,
        dry_run: bool,
        json: bool,
    },
    /// `publish unlock`: the claim's subject (a publication id, or `:gc`).
    Unlock {
        subject: String,
        force: bool,
        json: bool,
        /// `--dry-run`: stores that write nothing, for the unlock to run on.
        planned: Option<super::Planned>,
    },
    /// `publish purge`: invalidate again what the last publish changed.
    Purge {
        distribution: String,
        prefix: String,
        cdn: CdnSettings,
        dry_run: bool,
        json: bool,
    },
}

/// The CloudFront distribution purged after a publish (flags over
/// `[cloudfront]` in aptkit.toml).
pub struct CdnSettings {
    /// None: no CDN to purge.
    pub distribution: Option<String>,
    pub endpoint_url: Option<String>,
    pub path_prefix: String,
    /// `--purge-wait`: until the invalidation has completed.
    pub wait: bool,
}

impl CdnSettings {
    pub(super) fn resolve(args: CdnArgs, config: &ConfigFile) -> anyhow::Result<Self> {
        let distribution = args.cloudfront_distribution.or_else(|| config.cloudfront.distribution.clone());
        if let Some(id) = &distribution {
            // CloudFront's ids are upper-case letters and digits; anything
            // else would end up in the request's URL path.
            if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
                anyhow::bail!("invalid CloudFront distribution id `{id}` (letters and digits, e.g. E2QWRUHAPOMQZL)");
            }
        }
        if args.purge_wait && distribution.is_none() {
            anyhow::bail!("--purge-wait needs a CloudFront distribution (--cloudfront-distribution, or [cloudfront] distribution in aptkit.toml)");
        }
        let path_prefix = config.cloudfront.path_prefix.clone().unwrap_or_default();
        Ok(CdnSettings {
            distribution,
            endpoint_url: config.cloudfront.endpoint_url.clone(),
            path_prefix,
            wait: args.purge_wait,
        })
    }
}

/// What one publish needs besides the repository.
pub struct OnePublish {
    pub action: aptkit_repo::PublishAction,
    pub keys: KeySources,
    pub deps: DependencyCheck,
    pub progress: ProgressMode,
    pub cdn: CdnSettings,
    pub json: bool,
    /// Plan and print the writes; write nothing.
    pub dry_run: bool,
    /// How long to wait for a busy suite (and retry a stale one).
    pub wait: Duration,
    /// `--keep-generations`, else `[publish] keep_generations`.
    pub keep_generations: Option<usize>,
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
            let PublishOptions { signing, deps, progress, wait, cdn, json, dry_run, keep_generations, .. } = how;
            let keep_generations = keep_generations.or(config.publish.keep_generations);
            let keys = KeySources::resolve(&signing, config)?;
            let (deps, progress, wait) = (deps.into(), progress.progress, config.wait(wait.wait)?);
            let cdn = CdnSettings::resolve(cdn, config)?;
            anyhow::Ok(PublishTask::Publish(Box::new(OnePublish {
                action,
                keys,
                deps,
                progress,
                cdn,
                json,
                wait,
                dry_run,
                keep_generations,
            })))
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
            PublishCommand::Drop { distribution, target, wait, cdn, dry_run, json } => PublishTask::Drop {
                distribution,
                prefix: target.prefix,
                wait: config.wait(wait.wait)?,
                cdn: CdnSettings::resolve(cdn, config)?,
                dry_run,
                json,
            },
            PublishCommand::Unlock { suite, target, force, json, dry_run } => {
                // A publication id (`debian/stable`) names its prefix itself.
                let subject = aptkit_repo::state::publication_id(&target.prefix, &suite);
                PublishTask::Unlock { subject, force, json, planned: dry_run.then(|| stores.planned()) }
            }
            PublishCommand::Purge { distribution, target, cdn, dry_run, json } => {
                let cdn = CdnSettings::resolve(cdn, config)?;
                if cdn.distribution.is_none() && !dry_run {
                    anyhow::bail!(
                        "no CloudFront distribution to purge: give --cloudfront-distribution ID, or set [cloudfront] \
                         distribution in aptkit.toml"
                    );
                }
                PublishTask::Purge { distribution, prefix: target.prefix, cdn, dry_run, json }
            }
        };
        let store_flags = Vec::new();
        Ok(PublishSettings { repository: stores.repository(), public_dir: stores.public_dir, task, store_flags })
    }

    /// Remember the store flags given (see [`PublishSettings::store_flags`]).
    pub fn with_store_flags(mut self, args: &StoreArgs) -> Self {
        let given = [("--state", args.state.clone()), ("--public", args.public.clone())];
        for (flag, value) in
            given.into_iter().chain([("--config", args.config.as_ref().map(|c| c.display().to_string()))])
        {
            if let Some(value) = value {
                self.store_flags.extend([flag.to_string(), value]);
            }
        }
        self
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
