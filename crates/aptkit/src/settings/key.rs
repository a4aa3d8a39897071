//! `aptkit key generate|export`.

use std::path::PathBuf;

use aptkit_sign::KeyAlgorithm;

use super::{ConfigFile, KeySources};
use crate::cli::{KeyCommand, StoreArgs};

pub enum KeySettings {
    Generate { output: PathBuf, uid: String, algorithm: KeyAlgorithm },
    Export { keys: KeySources, output: PathBuf, armor: bool },
}

impl KeySettings {
    /// Only `export` reads aptkit.toml, for its `[signing]` keys.
    pub fn from_args(cmd: KeyCommand, stores: &StoreArgs) -> anyhow::Result<Self> {
        Ok(match cmd {
            KeyCommand::Generate { output, uid, algorithm } => {
                let algorithm = algorithm.parse().map_err(|e: String| anyhow::anyhow!(e))?;
                KeySettings::Generate { output, uid, algorithm }
            }
            KeyCommand::Export { signing, output, armor } => {
                let config = ConfigFile::load(stores.config.as_deref())?;
                KeySettings::Export { keys: KeySources::resolve(&signing, &config)?, output, armor }
            }
        })
    }
}
