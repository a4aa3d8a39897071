//! `aptkit build`: which distros, from what source, where to, with which
//! engine; everything checked before the first build starts.

use std::path::PathBuf;

use anyhow::{bail, Context};
use aptkit_build::cache::{BuildCache, Provenance};
use aptkit_build::compile::{BuildSettings as CompileSettings, CacheUse, Engine, Source};
use aptkit_build::Distros;
use aptkit_deb::Compression;
use aptkit_debian_dir::arch;

use super::distros::distros_dir;
use super::{ConfigFile, Stores};
use crate::cli::{BuildArgs, DistrosDirArgs, StoreArgs};

pub struct BuildSettings {
    pub distros: Distros,
    /// The ids to build, in the order given (`--all`: folder order).
    pub ids: Vec<String>,
    pub compile: CompileSettings,
    pub jobs: usize,
    pub quiet: bool,
    pub json: bool,
    /// `--dry-run`: plan each build, run none.
    pub dry_run: bool,
}

impl BuildSettings {
    pub fn from_args(args: BuildArgs, stores: &StoreArgs, config: &ConfigFile) -> anyhow::Result<Self> {
        let source_path = args.source.unwrap_or_else(|| PathBuf::from("."));
        let source = match std::fs::metadata(&source_path) {
            Ok(meta) if meta.is_dir() => Source::Dir(source_path.clone()),
            Ok(_) => Source::Tarball(source_path.clone()),
            Err(e) => bail!("the source `{}` cannot be read: {e}", source_path.display()),
        };
        // A source tree carries its distros; a tarball's are those of the
        // project checked out here.
        let location = match (&args.location.dir, &source) {
            (None, Source::Dir(dir)) if config.build.distros.is_none() => {
                DistrosDirArgs { dir: Some(dir.join("distros")) }
            }
            _ => args.location,
        };
        let dir = distros_dir(location, config);
        let distros = Distros::load(&dir)?;
        let mut ids: Vec<String> = if args.all { distros.ids().map(str::to_string).collect() } else { args.distros };
        // Named twice is built once (two builds would share a log and an output).
        let mut seen = std::collections::HashSet::new();
        ids.retain(|id| seen.insert(id.clone()));
        for id in &ids {
            distros.find(id)?;
        }
        if ids.is_empty() {
            bail!("`{}` holds no distro folders to build", dir.display());
        }
        let engine = match args.engine.as_deref().or(config.build.engine.as_deref()) {
            Some(name) => Engine::parse(name)
                .with_context(|| format!("unknown engine `{name}` (expected docker, podman or none)"))?,
            None => Engine::detect(),
        };
        engine.check()?;
        if let Some(version) = &args.version {
            aptkit_control::check_upstream_version(version)
                .map_err(|reason| anyhow::anyhow!("--version `{version}` is not an upstream version: {reason}"))?;
        }
        let compression: Compression =
            args.compression.parse().map_err(|e: String| anyhow::anyhow!(e)).context("invalid --compression")?;
        let source_date_epoch = source_date_epoch()?;
        // A dry run writes no log, so it makes no directory for them.
        let log_dir = match args.dry_run {
            false => log_dir(args.log_dir, config, "aptkit-build-logs-")?,
            true => args.log_dir.or_else(|| config.build.log_dir.clone()).unwrap_or_else(std::env::temp_dir),
        };
        let cache = if args.no_cache {
            None
        } else {
            let state = Stores::open_state(stores, config)?;
            // A dry run only reads the cache; should anything write, it is recorded, not made.
            let state: std::sync::Arc<dyn aptkit_store::Store> = match args.dry_run {
                false => state,
                true => std::sync::Arc::new(aptkit_store::DryRun::shared(state)),
            };
            Some(CacheUse {
                cache: BuildCache::new(state),
                rebuild: args.rebuild,
                restore_only: false,
                provenance: Provenance { created: crate::clock::now(), runner: hostname() },
            })
        };
        let jobs = args.jobs.or(config.build.jobs).unwrap_or(1).max(1);
        Ok(BuildSettings {
            distros,
            ids,
            compile: CompileSettings {
                source,
                engine,
                out: args.out.or_else(|| config.build.out.clone()).unwrap_or_else(|| PathBuf::from("out")),
                version: args.version,
                host_arch: arch::host_arch(),
                log_dir,
                source_date_epoch,
                compression,
                cache,
                cache_dir: machine_cache_dir(),
            },
            jobs,
            quiet: args.quiet,
            json: args.json,
            dry_run: args.dry_run,
        })
    }
}

/// `$SOURCE_DATE_EPOCH`, if set: over the source's own timestamp.
pub(super) fn source_date_epoch() -> anyhow::Result<Option<i64>> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(v) if !v.is_empty() => {
            Ok(Some(v.parse::<i64>().with_context(|| format!("invalid SOURCE_DATE_EPOCH `{v}` in the environment"))?))
        }
        _ => Ok(None),
    }
}

/// `--log-dir`, else `[build] log-dir`, else a new directory under $TMPDIR
/// named `prefix…` (kept: the logs outlive the command).
pub(super) fn log_dir(flag: Option<PathBuf>, config: &ConfigFile, prefix: &str) -> anyhow::Result<PathBuf> {
    match flag.or_else(|| config.build.log_dir.clone()) {
        Some(dir) => Ok(dir),
        None => Ok(tempfile::Builder::new()
            .prefix(prefix)
            .tempdir()
            .context("cannot make a directory for the build logs")?
            .keep()),
    }
}

/// This machine's name, for the build cache's manifests.
pub(super) fn hostname() -> Option<String> {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname").ok()?;
    let name = name.trim();
    (!name.is_empty()).then(|| name.to_string())
}

/// `$XDG_CACHE_HOME/aptkit`, else `~/.cache/aptkit`, else under $TMPDIR.
pub(super) fn machine_cache_dir() -> PathBuf {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").filter(|d| !d.is_empty()).map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("aptkit")
}
