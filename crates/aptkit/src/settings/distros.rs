//! `aptkit distros list|check`.

use std::path::PathBuf;

use super::ConfigFile;
use crate::cli::{DistrosCommand, DistrosDirArgs};

pub struct DistrosSettings {
    /// The distros directory: `--distros`, else aptkit.toml's, else `./distros`.
    pub dir: PathBuf,
    pub action: DistrosAction,
}

pub enum DistrosAction {
    List { json: bool },
    Check,
}

impl DistrosSettings {
    pub fn from_args(cmd: DistrosCommand, config: &ConfigFile) -> Self {
        let (location, action) = match cmd {
            DistrosCommand::List { location, json } => (location, DistrosAction::List { json }),
            DistrosCommand::Check { location } => (location, DistrosAction::Check),
        };
        DistrosSettings { dir: distros_dir(location, config), action }
    }
}

/// `--distros DIR`, else `[build] distros`, else `./distros`.
pub fn distros_dir(args: DistrosDirArgs, config: &ConfigFile) -> PathBuf {
    args.dir.or_else(|| config.build.distros.clone()).unwrap_or_else(|| PathBuf::from("distros"))
}
