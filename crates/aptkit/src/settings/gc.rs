//! `aptkit gc`.

use aptkit_repo::Repository;

use crate::cli::GcArgs;

use super::Stores;

pub struct GcSettings {
    pub repository: Repository,
    pub dry_run: bool,
    /// Seconds: younger objects are spared.
    pub min_age: i64,
    pub by_hash_ttl: i64,
    pub json: bool,
}

impl GcSettings {
    pub fn from_args(args: GcArgs, stores: &Stores) -> Self {
        GcSettings {
            repository: stores.repository(),
            dry_run: args.dry_run,
            min_age: args.min_age,
            by_hash_ttl: args.by_hash_ttl,
            json: args.json,
        }
    }
}
