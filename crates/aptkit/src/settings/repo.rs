//! `aptkit repo …`: the opened repository and the verb, with queries parsed.

use std::path::PathBuf;

use aptkit_repo::{Intake, Query, Repository};

use crate::cli::RepoCommand;

use super::{Planned, Stores};

pub struct RepoSettings {
    pub repository: Repository,
    pub action: RepoAction,
    /// `--dry-run`: `repository` is on these stores, which write nothing.
    pub planned: Option<Planned>,
}

pub enum RepoAction {
    Create {
        name: String,
        comment: String,
        keep_versions: Option<u32>,
    },
    Add {
        name: String,
        paths: Vec<PathBuf>,
        intake: Intake,
        json: bool,
    },
    /// `packages` are names, keys or queries, which the library tells apart.
    Remove {
        name: String,
        packages: Vec<String>,
    },
    List {
        json: bool,
    },
    Show {
        name: String,
        json: bool,
    },
    /// `text` is the query as given, for messages.
    Search {
        name: String,
        query: Query,
        text: String,
        json: bool,
    },
    Drop {
        name: String,
    },
}

impl RepoSettings {
    pub fn from_args(cmd: RepoCommand, stores: &Stores) -> anyhow::Result<Self> {
        let mut dry_run = false;
        let action = match cmd {
            RepoCommand::Create { name, comment, keep_versions, dry_run: dry } => {
                dry_run = dry;
                RepoAction::Create { name, comment, keep_versions }
            }
            RepoCommand::Add { name, paths, remove_files, json, dry_run: dry } => {
                dry_run = dry;
                // A dry run removes no file either.
                let intake = if remove_files && !dry { Intake::Move } else { Intake::Copy };
                RepoAction::Add { name, paths, intake, json }
            }
            RepoCommand::Remove { name, packages, dry_run: dry } => {
                dry_run = dry;
                RepoAction::Remove { name, packages }
            }
            RepoCommand::List { json } => RepoAction::List { json },
            RepoCommand::Show { name, json } => RepoAction::Show { name, json },
            RepoCommand::Search { name, query, json } => {
                let parsed = Query::parse(&query).map_err(|e| anyhow::anyhow!(e))?;
                RepoAction::Search { name, query: parsed, text: query, json }
            }
            RepoCommand::Drop { name, dry_run: dry } => {
                dry_run = dry;
                RepoAction::Drop { name }
            }
        };
        let planned = dry_run.then(|| stores.planned());
        let repository = planned.as_ref().map_or_else(|| stores.repository(), Planned::repository);
        Ok(RepoSettings { repository, action, planned })
    }
}
