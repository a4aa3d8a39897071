//! `aptkit snapshot …`: the opened repository and the verb, with queries
//! parsed.

use aptkit_repo::{Query, Repository};

use crate::cli::SnapshotCommand;

use super::Stores;

pub struct SnapshotSettings {
    pub repository: Repository,
    pub action: SnapshotAction,
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
        let action = match cmd {
            // `from repo` is grammar: clap accepts only those words.
            SnapshotCommand::Create { name, source, .. } => SnapshotAction::Create { name, repo: source },
            SnapshotCommand::List { json } => SnapshotAction::List { json },
            SnapshotCommand::Show { name, json } => SnapshotAction::Show { name, json },
            SnapshotCommand::Diff { a, b, json } => SnapshotAction::Diff { a, b, json },
            SnapshotCommand::Merge { dest, sources, latest, no_remove } => {
                SnapshotAction::Merge { dest, sources, latest, no_remove }
            }
            SnapshotCommand::Filter { source, dest, queries } => {
                let queries = queries
                    .iter()
                    .map(|q| Query::parse(q))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| anyhow::anyhow!(e))?;
                SnapshotAction::Filter { source, dest, queries }
            }
            SnapshotCommand::Drop { name } => SnapshotAction::Drop { name },
        };
        Ok(SnapshotSettings { repository: stores.repository(), action })
    }
}
