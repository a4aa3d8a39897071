//! `aptkit mirror`.

use std::path::PathBuf;
use std::sync::Arc;

use aptkit_store::Store;
use aptkit_verify::Options;

use super::{trust, ConfigFile};
use crate::cli::MirrorArgs;

pub struct MirrorSettings {
    /// As given, for messages.
    pub location: String,
    pub store: Arc<dyn Store>,
    pub dest: PathBuf,
    /// `threads` is the number of parallel downloads.
    pub options: Options,
    /// Delete pool files no suite in `dest` references any more.
    pub delete: bool,
    pub json: bool,
    /// `--dry-run`: verify and plan, write nothing in `dest`.
    pub dry_run: bool,
}

impl MirrorSettings {
    pub fn from_args(args: MirrorArgs, config: &ConfigFile) -> anyhow::Result<Self> {
        let store = trust::open(&args.location, &args.trust, config)?;
        // Downloads wait on the network more than on the CPU.
        let jobs = args.jobs.unwrap_or_else(|| trust::available_cpus().max(4));
        let options = trust::options(&args.trust, jobs)?;
        Ok(MirrorSettings {
            location: args.location,
            store,
            dest: args.dest,
            options,
            delete: args.delete,
            json: args.json,
            dry_run: args.dry_run,
        })
    }
}
