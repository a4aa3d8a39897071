//! What a published repository must prove, and where it is read from:
//! shared by verify and mirror.

use std::sync::Arc;

use anyhow::Context;
use aptkit_store::Store;
use aptkit_verify::{Keyring, Options};

use super::{stores, ConfigFile};
use crate::cli::TrustArgs;
use crate::clock;

/// The repository at `location`, checked to be readable as far as can be
/// told before reading it.
pub fn open(location: &str, trust: &TrustArgs, config: &ConfigFile) -> anyhow::Result<Arc<dyn Store>> {
    let is_http = location.starts_with("http://") || location.starts_with("https://");
    anyhow::ensure!(
        !is_http || !trust.suites.is_empty(),
        "`{location}`: HTTP cannot list a repository; name the suites with --suite"
    );
    let local = match location.split_once("://") {
        None => Some(location),
        Some(("file", path)) => Some(path),
        Some(_) => None,
    };
    if let Some(path) = local {
        anyhow::ensure!(
            std::path::Path::new(path).is_dir(),
            "cannot read the repository `{location}`: no such directory"
        );
    }
    stores::open_source(location, config)
}

/// Verification options with the keyring read; not deep, no state file.
pub fn options(trust: &TrustArgs, threads: usize) -> anyhow::Result<Options> {
    let bytes =
        std::fs::read(&trust.keyring).with_context(|| format!("cannot read keyring `{}`", trust.keyring.display()))?;
    let keyring =
        Keyring::from_bytes(&bytes).with_context(|| format!("invalid keyring `{}`", trust.keyring.display()))?;
    Ok(Options {
        keyring,
        suites: trust.suites.clone(),
        deep: false,
        max_age: trust.max_age,
        required_signers: trust.required_signers.clone(),
        state_file: None,
        now: clock::now(),
        threads,
        components: trust.components.clone(),
        architectures: trust.architectures.clone(),
    })
}

pub fn available_cpus() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}
