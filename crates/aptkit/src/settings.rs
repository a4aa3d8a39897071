//! Settings: command-line flags over `aptkit.toml` over defaults. This is
//! the only place that picks store backends.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context};
use aptkit_sign::SigningKey;
use aptkit_store::{FileStore, HttpStore, Store};
use serde::Deserialize;

use crate::cli::{SigningArgs, StoreArgs};

/// `aptkit.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    pub state: Option<String>,
    pub public: Option<String>,
    #[serde(default)]
    pub signing: SigningConfig,
    #[serde(default)]
    pub s3: S3Config,
}

/// `[s3]`: how to reach `s3://` stores. Credentials are never configured
/// here: they come from the standard AWS chain (environment, profiles, SSO,
/// instance metadata).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Config {
    /// An S3-compatible server, e.g. `http://127.0.0.1:9000` (default: AWS,
    /// or `$AWS_ENDPOINT_URL_S3` / `$AWS_ENDPOINT_URL`).
    pub endpoint_url: Option<String>,
    /// Default: `$AWS_REGION` or the profile's, else `us-east-1`.
    pub region: Option<String>,
    /// `https://endpoint/bucket/key` instead of `https://bucket.endpoint/key`
    /// (also `APTKIT_S3_FORCE_PATH_STYLE=1`).
    #[serde(default)]
    pub force_path_style: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SigningConfig {
    #[serde(default)]
    pub keys: Vec<PathBuf>,
    #[serde(default)]
    pub key_envs: Vec<String>,
}

pub struct Settings {
    pub state: Arc<dyn Store>,
    pub public: Arc<dyn Store>,
    pub public_dir: Option<PathBuf>,
    pub config: ConfigFile,
}

/// The environment variable read for a signing key when none is named.
pub const DEFAULT_KEY_ENV: &str = "APTKIT_SIGNING_KEY";

impl Settings {
    pub fn resolve(args: &StoreArgs) -> anyhow::Result<Self> {
        let config = load_config(args.config.as_deref())?;
        let state = args.state.clone().or_else(|| config.state.clone()).unwrap_or_else(|| "./.aptkit".into());
        let public = args.public.clone().or_else(|| config.public.clone()).unwrap_or_else(|| "./public".into());
        if overlapping(&state, &public) {
            bail!("the state store `{state}` and the publish store `{public}` overlap: give them separate places (the state is private, and both keep files under pool/)");
        }
        let (state, _) = open_store(&state, &config).context("invalid state store (--state)")?;
        let (public, public_dir) = open_store(&public, &config).context("invalid publish store (--public)")?;
        Ok(Settings { state, public, public_dir, config })
    }

    /// Signing keys: flags first, then aptkit.toml, then `$APTKIT_SIGNING_KEY`.
    pub fn signing_keys(&self, args: &SigningArgs) -> anyhow::Result<Vec<SigningKey>> {
        let (files, envs) = if !args.keys.is_empty() || !args.key_envs.is_empty() {
            (args.keys.clone(), args.key_envs.clone())
        } else if !self.config.signing.keys.is_empty() || !self.config.signing.key_envs.is_empty() {
            (self.config.signing.keys.clone(), self.config.signing.key_envs.clone())
        } else if std::env::var_os(DEFAULT_KEY_ENV).is_some() {
            (Vec::new(), vec![DEFAULT_KEY_ENV.to_string()])
        } else {
            bail!("no signing key: pass --key FILE or --key-env VAR, set [signing] in aptkit.toml, or set ${DEFAULT_KEY_ENV}")
        };
        let mut keys = Vec::new();
        for file in &files {
            keys.push(SigningKey::from_file(file)?);
        }
        for var in &envs {
            keys.push(SigningKey::from_env(var)?);
        }
        Ok(keys)
    }
}

/// Whether two store locations are one place or one holds the other: a
/// directory inside the other, or the same bucket with one prefix under the
/// other. Compared as written, with `.` and `..` resolved.
fn overlapping(a: &str, b: &str) -> bool {
    fn place(location: &str) -> (String, PathBuf) {
        let (scheme, rest) = match location.split_once("://") {
            Some(("file", path)) => ("file", path),
            Some((scheme, rest)) => (scheme, rest),
            None => ("file", location),
        };
        let path = if scheme == "file" {
            std::path::absolute(rest).unwrap_or_else(|_| PathBuf::from(rest))
        } else {
            PathBuf::from("/").join(rest)
        };
        let mut clean = PathBuf::new();
        for part in path.components() {
            match part {
                std::path::Component::ParentDir => {
                    clean.pop();
                }
                std::path::Component::CurDir => {}
                other => clean.push(other),
            }
        }
        // A directory that exists is compared as it really is (symlinks).
        let real = if scheme == "file" { std::fs::canonicalize(&clean).ok() } else { None };
        (scheme.to_string(), real.unwrap_or(clean))
    }
    let ((scheme_a, a), (scheme_b, b)) = (place(a), place(b));
    scheme_a == scheme_b && (a.starts_with(&b) || b.starts_with(&a))
}

/// `aptkit.toml`, from `explicit` or the current directory. Relative paths
/// in it (stores, key files) are relative to the file's directory, as with
/// cargo's config: the file means the same wherever aptkit runs from.
pub fn load_config(explicit: Option<&Path>) -> anyhow::Result<ConfigFile> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None => {
            let default = PathBuf::from("aptkit.toml");
            if !default.exists() {
                return Ok(ConfigFile::default());
            }
            default
        }
    };
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("cannot read config file `{}`", path.display()))?;
    let mut config: ConfigFile =
        toml::from_str(&text).with_context(|| format!("invalid config file `{}`", path.display()))?;
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    for location in [&mut config.state, &mut config.public].into_iter().flatten() {
        if !location.contains("://") && Path::new(location.as_str()).is_relative() {
            *location = dir.join(location.as_str()).to_string_lossy().into_owned();
        }
    }
    for key in &mut config.signing.keys {
        if key.is_relative() {
            *key = dir.join(&*key);
        }
    }
    Ok(config)
}

/// A store to read and write: a directory, `file:///srv/repo`, or
/// `s3://bucket/prefix`; also the local directory when it is one.
pub fn open_store(location: &str, config: &ConfigFile) -> anyhow::Result<(Arc<dyn Store>, Option<PathBuf>)> {
    match location.split_once("://") {
        None => Ok((Arc::new(FileStore::new(location)), Some(PathBuf::from(location)))),
        Some(("file", path)) => Ok((Arc::new(FileStore::new(path)), Some(PathBuf::from(path)))),
        Some(("s3", _)) => Ok((open_s3(location, config)?, None)),
        Some((scheme, _)) => {
            bail!("`{location}`: {scheme}:// stores are not supported (use a directory, file:// or s3://)")
        }
    }
}

/// A store to read a published repository from: anything [`open_store`]
/// takes, plus `http(s)://` (read-only).
pub fn open_source(location: &str, config: &ConfigFile) -> anyhow::Result<Arc<dyn Store>> {
    match location.split_once("://") {
        Some(("http" | "https", _)) => Ok(Arc::new(HttpStore::new(location))),
        _ => Ok(open_store(location, config)?.0),
    }
}

fn open_s3(location: &str, config: &ConfigFile) -> anyhow::Result<Arc<dyn Store>> {
    let options = aptkit_aws::S3Options {
        endpoint_url: config.s3.endpoint_url.clone(),
        region: config.s3.region.clone(),
        force_path_style: config.s3.force_path_style,
    };
    Ok(Arc::new(aptkit_aws::S3Store::connect(location, &options)?))
}
