//! `aptkit check`.

use std::path::PathBuf;

use aptkit_repo::Repository;

use crate::cli::CheckArgs;

use super::Stores;

pub struct CheckSettings {
    pub repository: Repository,
    pub prefix: String,
    pub distribution: String,
    /// Packages files that dependencies may be satisfied from.
    pub base_indices: Vec<PathBuf>,
    pub json: bool,
}

impl CheckSettings {
    pub fn from_args(args: CheckArgs, stores: &Stores) -> Self {
        CheckSettings {
            repository: stores.repository(),
            prefix: args.target.prefix,
            distribution: args.distribution,
            base_indices: args.base_indices,
            json: args.json,
        }
    }
}
