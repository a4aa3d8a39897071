//! `aptkit serve`.

use std::path::PathBuf;

use super::{ConfigFile, Stores};
use crate::cli::{ServeArgs, StoreArgs};

pub struct ServeSettings {
    pub root: PathBuf,
    pub bind: String,
    pub port: u16,
}

impl ServeSettings {
    /// The stores are opened only to find the publish store's directory
    /// when no `--root` is given.
    pub fn from_args(args: ServeArgs, stores: &StoreArgs) -> anyhow::Result<Self> {
        let root = match args.root {
            Some(root) => root,
            None => {
                let config = ConfigFile::load(stores.config.as_deref())?;
                match Stores::open(stores, &config)?.public_dir {
                    Some(dir) => dir,
                    None => anyhow::bail!("the publish store is not a directory: pass --root"),
                }
            }
        };
        Ok(ServeSettings { root, bind: args.bind, port: args.port })
    }
}
