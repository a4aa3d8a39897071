//! `aptkit verify`.

use std::sync::Arc;

use aptkit_store::Store;
use aptkit_verify::Options;

use super::{trust, ConfigFile};
use crate::cli::VerifyArgs;

pub struct VerifySettings {
    /// As given, for messages.
    pub location: String,
    pub store: Arc<dyn Store>,
    pub options: Options,
    pub json: bool,
}

impl VerifySettings {
    pub fn from_args(args: VerifyArgs, config: &ConfigFile) -> anyhow::Result<Self> {
        let store = trust::open(&args.location, &args.trust, config)?;
        let mut options = trust::options(&args.trust, trust::available_cpus())?;
        options.deep = args.deep;
        options.state_file = args.state_file;
        Ok(VerifySettings { location: args.location, store, options, json: args.json })
    }
}
