//! Which signing keys to use: resolved with the other settings, read by the
//! command that signs (a missing key is reported before anything is done,
//! and a secret is in memory only while it is needed).

use std::path::PathBuf;

use anyhow::bail;
use aptkit_sign::SigningKey;

use super::ConfigFile;
use crate::cli::SigningArgs;

/// The environment variable read for a signing key when none is named.
pub const DEFAULT_KEY_ENV: &str = "APTKIT_SIGNING_KEY";

/// Where one secret key is read from.
#[derive(Debug, Clone)]
pub enum KeySource {
    File(PathBuf),
    /// An environment variable holding the armored key.
    Env(String),
}

/// The keys to sign with, in order (several sign, for rotation).
#[derive(Debug, Clone)]
pub struct KeySources(Vec<KeySource>);

impl KeySources {
    /// Flags first, then aptkit.toml, then `$APTKIT_SIGNING_KEY`.
    pub fn resolve(args: &SigningArgs, config: &ConfigFile) -> anyhow::Result<Self> {
        let (files, envs) = if !args.keys.is_empty() || !args.key_envs.is_empty() {
            (args.keys.clone(), args.key_envs.clone())
        } else if !config.signing.keys.is_empty() || !config.signing.key_envs.is_empty() {
            (config.signing.keys.clone(), config.signing.key_envs.clone())
        } else if std::env::var_os(DEFAULT_KEY_ENV).is_some() {
            (Vec::new(), vec![DEFAULT_KEY_ENV.to_string()])
        } else {
            bail!("no signing key: pass --key FILE or --key-env VAR, set [signing] in aptkit.toml, or set ${DEFAULT_KEY_ENV}")
        };
        Ok(KeySources(files.into_iter().map(KeySource::File).chain(envs.into_iter().map(KeySource::Env)).collect()))
    }

    pub fn load(&self) -> anyhow::Result<Vec<SigningKey>> {
        let mut keys = Vec::new();
        for source in &self.0 {
            keys.push(match source {
                KeySource::File(file) => SigningKey::from_file(file)?,
                KeySource::Env(var) => SigningKey::from_env(var)?,
            });
        }
        Ok(keys)
    }
}
