//! Opening stores: command-line flags over `aptkit.toml` over defaults. This
//! is the only place that picks store backends.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{bail, Context};
use aptkit_repo::Repository;
use aptkit_store::{DryRun, FileStore, HttpStore, Store};

use super::ConfigFile;
use crate::cli::StoreArgs;

/// The state and publish stores, opened.
pub struct Stores {
    pub state: Arc<dyn Store>,
    pub public: Arc<dyn Store>,
    /// The publish store's directory, when it is one.
    pub public_dir: Option<PathBuf>,
}

impl Stores {
    pub fn open(args: &StoreArgs, config: &ConfigFile) -> anyhow::Result<Self> {
        let state = args.state.clone().or_else(|| config.state.clone()).unwrap_or_else(|| "./.aptkit".into());
        let public = public_location(args, config);
        if overlapping(&state, &public) {
            bail!("the state store `{state}` and the publish store `{public}` overlap: give them separate places (the state is private, and both keep files under pool/)");
        }
        let (state, _) = open_store(&state, config).context("invalid state store (--state)")?;
        let (public, public_dir) = open_store(&public, config).context("invalid publish store (--public)")?;
        Ok(Stores { state, public, public_dir })
    }

    /// The state store alone (`aptkit build`'s cache lives there).
    pub fn open_state(args: &StoreArgs, config: &ConfigFile) -> anyhow::Result<Arc<dyn Store>> {
        let state = args.state.clone().or_else(|| config.state.clone()).unwrap_or_else(|| "./.aptkit".into());
        Ok(open_store(&state, config).context("invalid state store (--state)")?.0)
    }

    /// The publish store alone (`aptkit index-html` reads no state).
    pub fn open_public(args: &StoreArgs, config: &ConfigFile) -> anyhow::Result<Arc<dyn Store>> {
        Ok(open_store(&public_location(args, config), config).context("invalid publish store (--public)")?.0)
    }

    pub fn repository(&self) -> Repository {
        Repository::new(self.state.clone(), self.public.clone())
    }

    /// Stores standing in for these that write nothing: each write a
    /// command would make is recorded ([`Planned::planned`]) instead.
    pub fn planned(&self) -> Planned {
        Planned {
            state: Arc::new(DryRun::shared(self.state.clone())),
            public: Arc::new(DryRun::shared(self.public.clone())),
        }
    }
}

/// `--dry-run` of a command that writes to the stores: the real command
/// runs on a repository whose stores record their writes.
pub struct Planned {
    state: Arc<DryRun<'static>>,
    public: Arc<DryRun<'static>>,
}

impl Planned {
    pub fn repository(&self) -> Repository {
        Repository::new(self.state.clone(), self.public.clone())
    }

    /// The writes the command would have made, the state store's first.
    pub fn planned(&self) -> Vec<aptkit_store::Planned> {
        let mut planned = self.state.planned();
        planned.extend(self.public.planned());
        planned
    }
}

fn public_location(args: &StoreArgs, config: &ConfigFile) -> String {
    args.public.clone().or_else(|| config.public.clone()).unwrap_or_else(|| "./public".into())
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

/// A store to read and write: a directory, `file:///srv/repo`, or
/// `s3://bucket/prefix`; also the local directory when it is one.
fn open_store(location: &str, config: &ConfigFile) -> anyhow::Result<(Arc<dyn Store>, Option<PathBuf>)> {
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
