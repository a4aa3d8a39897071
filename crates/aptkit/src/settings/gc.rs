//! `aptkit gc`.

use aptkit_repo::Repository;

use crate::cli::GcArgs;

use super::{ConfigFile, Stores};

pub struct GcSettings {
    pub repository: Repository,
    pub dry_run: bool,
    /// Seconds: younger objects are spared.
    pub min_age: i64,
    pub by_hash_ttl: i64,
    pub json: bool,
    /// How long to wait for another gc.
    pub wait: std::time::Duration,
}

impl GcSettings {
    pub fn from_args(args: GcArgs, config: &ConfigFile, stores: &Stores) -> anyhow::Result<Self> {
        let wait = config.wait(args.wait.wait)?;
        Ok(GcSettings {
            repository: stores.repository(),
            dry_run: args.dry_run,
            min_age: args.min_age,
            by_hash_ttl: args.by_hash_ttl,
            json: args.json,
            wait,
        })
    }
}
