//! `aptkit release`: the versions planned against the distros and the
//! routing table, the stores opened, the engine, keys and CDN resolved —
//! all before the first step runs, so bad input changes nothing.

use std::path::PathBuf;

use anyhow::Context;
use aptkit_build::cache::Provenance;
use aptkit_build::compile::Engine;
use aptkit_build::source::{SourceKind, DEFAULT_TAG_FORMAT};
use aptkit_build::Distros;
use aptkit_release::{GitOrigin, Mode, Plan, Route, Routing, VersionPattern, DEFAULT_KEEP_NIGHTLIES};
use aptkit_repo::Repository;

use super::build::{hostname, log_dir, machine_cache_dir, source_date_epoch};
use super::{CdnSettings, ConfigFile, DependencyCheck, KeySources, Stores};
use crate::cli::{ReleaseArgs, StoreArgs};

pub struct ReleaseSettings {
    pub repository: Repository,
    pub public_dir: Option<PathBuf>,
    pub distros: Distros,
    pub plan: Plan,
    pub mode: Mode,
    pub git: Option<GitOrigin>,
    pub tarballs: Option<PathBuf>,
    pub engine: Engine,
    pub out: PathBuf,
    pub log_dir: PathBuf,
    pub jobs: usize,
    pub source_date_epoch: Option<i64>,
    pub provenance: Provenance,
    pub cache_dir: PathBuf,
    pub keys: KeySources,
    pub deps: DependencyCheck,
    pub wait: std::time::Duration,
    pub cdn: CdnSettings,
    pub prefix: String,
    pub component: String,
    pub origin: Option<String>,
    pub label: Option<String>,
    pub resume: bool,
    pub all_or_nothing: bool,
    pub dry_run: bool,
    pub status_page_public: bool,
    pub quiet: bool,
    pub json: bool,
}

impl ReleaseSettings {
    pub fn from_args(args: ReleaseArgs, stores: &StoreArgs, config: &ConfigFile) -> anyhow::Result<Self> {
        let release = &config.release;
        let mode = match (&args.promote_from, args.build_only, args.no_build) {
            (Some(_), _, _) => Mode::Promote { from: SourceKind::Nightly },
            (None, true, _) => Mode::BuildOnly,
            (None, false, true) => Mode::NoBuild,
            (None, false, false) => Mode::Full,
        };
        let git_dir = args.git_dir.clone().or_else(|| release.git.clone());
        if release.git.is_some() && release.tarballs.is_some() {
            anyhow::bail!("invalid config file: [release] sets both `git` and `tarballs`: sources come from one");
        }
        // A flag beats aptkit.toml: --git over [release] tarballs.
        let tarballs = match (&args.tarballs, &args.git_dir) {
            (Some(dir), _) => Some(dir.clone()),
            (None, Some(_)) => None,
            (None, None) => release.tarballs.clone(),
        };
        if let Some(dir) = &tarballs {
            if !dir.is_dir() {
                anyhow::bail!("--tarballs `{}` is not a directory", dir.display());
            }
        }
        // A promotion builds nothing and makes no source.
        let git = match mode {
            Mode::Promote { .. } => None,
            _ if tarballs.is_some() => None,
            _ => Some(GitOrigin {
                dir: git_dir.clone().unwrap_or_else(|| PathBuf::from(".")),
                nightly_ref: args.nightly_ref.or_else(|| release.nightly_ref.clone()),
                tag_format: args
                    .tag_format
                    .or_else(|| release.tag_format.clone())
                    .unwrap_or_else(|| DEFAULT_TAG_FORMAT.to_string()),
                name: None,
            }),
        };
        // The distros of the project being released: its git tree's.
        let distros_dir = args
            .distros_dir
            .or_else(|| config.build.distros.clone())
            .unwrap_or_else(|| git_dir.unwrap_or_else(|| PathBuf::from(".")).join("distros"));
        let distros = Distros::load(&distros_dir)?;
        let keep = args.keep_nightlies.or(release.keep_nightlies).unwrap_or(DEFAULT_KEEP_NIGHTLIES);
        if keep == 0 {
            anyhow::bail!("--keep-nightlies 0 would keep no nightly in the nightly suites (the least is 1)");
        }
        let routing = match &release.routes {
            None => Routing::default_with(keep),
            Some(routes) => {
                // --keep-nightlies overrides the nightly routes' keep.
                let routes: Vec<Route> = routes
                    .iter()
                    .cloned()
                    .map(|mut r| {
                        if r.versions == VersionPattern::Nightly && args.keep_nightlies.is_some() {
                            r.keep = Some(keep);
                        }
                        r
                    })
                    .collect();
                Routing::new(routes).context("invalid config file: [[release.routes]]")?
            }
        };
        let plan = Plan::new(&args.versions, &distros, &args.distro_ids, &routing, mode)?;
        let engine = match mode {
            Mode::Promote { .. } => Engine::Host,
            _ => {
                let engine = match args.engine.as_deref().or(config.build.engine.as_deref()) {
                    Some(name) => Engine::parse(name)
                        .with_context(|| format!("unknown engine `{name}` (expected docker, podman or none)"))?,
                    None => Engine::detect(),
                };
                if !args.dry_run {
                    engine.check()?;
                }
                engine
            }
        };
        let keys = KeySources::resolve(&args.signing, config)?;
        let opened = Stores::open(stores, config)?;
        let source_date_epoch = source_date_epoch()?;
        let log_dir = log_dir(args.log_dir, config, "aptkit-release-logs-")?;
        let prefix = if args.prefix.is_empty() { release.prefix.clone().unwrap_or_default() } else { args.prefix };
        Ok(ReleaseSettings {
            repository: opened.repository(),
            public_dir: opened.public_dir,
            distros,
            plan,
            mode,
            git,
            tarballs,
            engine,
            out: args.out.or_else(|| config.build.out.clone()).unwrap_or_else(|| PathBuf::from("out")),
            log_dir,
            jobs: args.jobs.or(config.build.jobs).unwrap_or(1).max(1),
            source_date_epoch,
            provenance: Provenance { created: crate::clock::now(), runner: hostname() },
            cache_dir: machine_cache_dir(),
            keys,
            deps: args.deps.into(),
            wait: config.wait(args.wait.wait)?,
            cdn: CdnSettings::resolve(args.cdn, config)?,
            prefix,
            component: args.component,
            origin: args.origin,
            label: args.label,
            resume: args.resume,
            all_or_nothing: args.all_or_nothing || release.all_or_nothing,
            dry_run: args.dry_run,
            status_page_public: args.status_page_public || release.status_page_public,
            quiet: args.quiet,
            json: args.json,
        })
    }
}
