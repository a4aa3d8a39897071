//! `aptkit index-html`.

use std::sync::Arc;

use aptkit_store::Store;

use super::{ConfigFile, Stores};
use crate::cli::{IndexHtmlArgs, StoreArgs};

pub struct IndexHtmlSettings {
    pub public: Arc<dyn Store>,
    pub prefix: String,
    pub dry_run: bool,
    pub json: bool,
}

impl IndexHtmlSettings {
    /// Opens the publish store alone: the state is not read.
    pub fn from_args(args: IndexHtmlArgs, stores: &StoreArgs, config: &ConfigFile) -> anyhow::Result<Self> {
        Ok(IndexHtmlSettings {
            public: Stores::open_public(stores, config)?,
            prefix: args.prefix,
            dry_run: args.dry_run,
            json: args.json,
        })
    }
}
