//! `aptkit source`.

use std::path::PathBuf;

use aptkit_build::source::{Naming, SourceKind, SourceRequest};

use super::{ConfigFile, KeySources};
use crate::cli::SourceArgs;

pub struct SourceSettings {
    pub request: SourceRequest,
    pub out: PathBuf,
    pub keys: KeySources,
    pub json: bool,
}

impl SourceSettings {
    /// The version is checked and the key sources resolved before git is run.
    pub fn from_args(args: SourceArgs, config: &ConfigFile) -> anyhow::Result<Self> {
        SourceKind::of(&args.version)?;
        let keys = KeySources::resolve(&args.signing, config)?;
        let request = SourceRequest {
            git_dir: args.git_dir,
            version: args.version,
            git_ref: args.git_ref,
            tag_format: args.tag_format,
            name: args.name,
            naming: if args.orig { Naming::Orig } else { Naming::Plain },
        };
        Ok(SourceSettings { request, out: args.out, keys, json: args.json })
    }
}
