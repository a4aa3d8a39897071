//! `aptkit snapshot …`: the opened repository and the verb, with queries
//! parsed.

use aptkit_repo::{Query, Repository};

use crate::cli::SnapshotCommand;

use super::{Planned, Stores};

pub struct SnapshotSettings {
    pub repository: Repository,
    pub action: SnapshotAction,
    /// `--dry-run`: `repository` is on these stores, which write nothing.
    pub planned: Option<Planned>,
}

pub enum SnapshotAction {
    /// A snapshot of a repo's current packages.
    Create {
        name: String,
        repo: String,
    },
    List {
        json: bool,
    },
    Show {
        name: String,
        json: bool,
    },
    Diff {
        a: String,
        b: String,
        json: bool,
    },
    Merge {
        dest: String,
        sources: Vec<String>,
        latest: bool,
        no_remove: bool,
    },
    Filter {
        source: String,
        dest: String,
        queries: Vec<Query>,
    },
    Drop {
        name: String,
    },
}

impl SnapshotSettings {
    pub fn from_args(cmd: SnapshotCommand, stores: &Stores) -> anyhow::Result<Self> {
        let mut dry_run = false;
        let action = match cmd {
            // `from repo` is grammar: clap accepts only those words.
            SnapshotCommand::Create { name, source, dry_run: dry, .. } => {
                dry_run = dry;
                SnapshotAction::Create { name, repo: source }
            }
            SnapshotCommand::List { json } => SnapshotAction::List { json },
            SnapshotCommand::Show { name, json } => SnapshotAction::Show { name, json },
            SnapshotCommand::Diff { a, b, json } => SnapshotAction::Diff { a, b, json },
            SnapshotCommand::Merge { dest, sources, latest, no_remove, dry_run: dry } => {
                dry_run = dry;
                SnapshotAction::Merge { dest, sources, latest, no_remove }
            }
            SnapshotCommand::Filter { source, dest, queries, dry_run: dry } => {
                dry_run = dry;
                let queries = queries
                    .iter()
                    .map(|q| Query::parse(q))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| anyhow::anyhow!(e))?;
                SnapshotAction::Filter { source, dest, queries }
            }
            SnapshotCommand::Drop { name, dry_run: dry } => {
                dry_run = dry;
                SnapshotAction::Drop { name }
            }
        };
        let planned = dry_run.then(|| stores.planned());
        let repository = planned.as_ref().map_or_else(|| stores.repository(), Planned::repository);
        Ok(SnapshotSettings { repository, action, planned })
    }
}
