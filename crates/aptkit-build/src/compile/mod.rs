//! The compile stage and what follows it: a source and a distro folder in,
//! `.deb` files out.
//!
//! ```text
//! source (tarball or dir) ──unpack──▶ scratch/src  (+ the distro's debian/)
//!   image = DOCKER_BASE + Build-Depends (made once, kept)
//!   container: build script, or debian/rules' configure/build/install
//!     ──▶ scratch/src/debian/tmp; the image's dpkg database, once per image
//! host: aptkit-debian-dir packages scratch/src  ──▶ OUT/<distro>/*.deb
//! ```
//!
//! Only the compile commands run in the container. Packaging happens on
//! the host, natively, with the version `UPSTREAM-PKGVER` and a changelog
//! entry for the distribution, so that the packages say which build they
//! are. A build that fails at any step leaves nothing in the output
//! directory: products are written to a staging directory beside it and
//! renamed into place at the end.

mod cached;
mod container;
mod engine;
mod error;
mod log;
mod plan;
mod scripts;
mod unpack;

use std::path::{Path, PathBuf};
use std::time::Instant;

use aptkit_control::Version;
use aptkit_deb::DebWriter;
use aptkit_debian_dir::{ChangelogEntry, DebianDir};

pub use cached::CacheUse;
pub use engine::Engine;
pub use error::{Error, Result};
pub use log::{LogSink, Quiet};
pub use plan::{plan, Action, Plan, PlannedImage, Why};

use crate::cache::Products;
use crate::{upstream_version, Distro, Distros};
use log::BuildLog;

/// Where the source comes from.
#[derive(Debug, Clone)]
pub enum Source {
    /// `NAME-VERSION.tar.gz` (or .xz, .zst, .bz2), as `aptkit source`
    /// makes it.
    Tarball(PathBuf),
    /// A source tree; in a git work tree, what git would commit.
    Dir(PathBuf),
}

impl Source {
    pub fn path(&self) -> &Path {
        match self {
            Source::Tarball(p) | Source::Dir(p) => p,
        }
    }
}

/// Settings shared by every distro of one `aptkit build`.
#[derive(Debug)]
pub struct BuildSettings {
    pub source: Source,
    pub engine: Engine,
    /// Each distro's products go to `out/<distro id>/`.
    pub out: PathBuf,
    /// `--version`: the upstream version, over the tarball's name and the
    /// changelog.
    pub version: Option<String>,
    /// The dpkg architecture built for (the host's: containers run it).
    pub host_arch: String,
    /// Where each build's log is kept, `<distro id>.log`, failed ones
    /// included.
    pub log_dir: PathBuf,
    /// Over the source's own timestamp.
    pub source_date_epoch: Option<i64>,
    pub compression: aptkit_deb::Compression,
    /// This machine's cache of what builds can share: the target systems of
    /// Build-Depends images (`target-roots/`).
    pub cache_dir: PathBuf,
    /// The build cache; `None` builds everything and stores nothing.
    pub cache: Option<CacheUse>,
}

/// A finished build.
#[derive(Debug, Clone)]
pub struct Built {
    pub distro: String,
    pub version: String,
    pub distribution: String,
    /// The directory holding the products: `out/<distro id>`.
    pub dir: PathBuf,
    pub debs: Vec<Product>,
    /// `out/<distro id>/build.log`.
    pub log: PathBuf,
    /// Restored from the build cache, not built.
    pub reused: bool,
    /// Its build cache key; `None` with the cache not in use.
    pub key: Option<String>,
    pub seconds: f64,
}

#[derive(Debug, Clone)]
pub struct Product {
    pub package: String,
    pub architecture: String,
    pub path: PathBuf,
    pub size: u64,
}

/// Build `distro` from `settings.source`: unpack, compile (in a container
/// unless the engine is the host), package natively; or, when the build
/// cache holds the products of the same inputs, restore them.
pub fn build(distros: &Distros, distro: &Distro, settings: &BuildSettings, sink: &dyn LogSink) -> Result<Built> {
    let started = Instant::now();
    let id = distro.id.as_str();
    let log_path = settings.log_dir.join(format!("{id}.log"));
    let log = BuildLog::create(id, &log_path, sink)?;
    let scratch = tempfile::Builder::new()
        .prefix(&format!("aptkit-build-{id}-"))
        .tempdir()
        .map_err(|source| Error::Scratch { path: std::env::temp_dir(), source })?;
    let src = scratch.path().join("src");
    let out = scratch.path().join("out");
    let ctl = scratch.path().join("ctl");
    for dir in [&src, &out, &ctl] {
        std::fs::create_dir_all(dir).map_err(|source| Error::Scratch { path: dir.clone(), source })?;
    }

    // What is built, read from the distro's templates before any work.
    let package_err = |source| Error::Package { distro: id.into(), source };
    let (_, upstream, version) = version_of(distro, settings)?;
    let image_id = match settings.engine {
        Engine::Host => None,
        engine => {
            let base = distro.docker_base.as_str();
            let image_id = engine.ensure_image(id, base)?;
            log.note(&format!("image {base} is {image_id}"));
            Some(image_id)
        }
    };

    // A tree is copied before its key is known (the key is of what is
    // copied); a tarball's key is its SHA-256, so a cached build unpacks
    // nothing.
    if let Source::Dir(dir) = &settings.source {
        log.note(&format!("copying {}", dir.display()));
        unpack::copy_dir(dir, &src)?;
    }
    let key = match &settings.cache {
        Some(_) => Some(cache_key(distro, settings, &upstream, image_id.as_deref(), &src)?),
        None => None,
    };
    if let (Some(cache), Some(key)) = (&settings.cache, &key) {
        let staging = Staging::new(&settings.out, id)?;
        if let Some(products) = cached::restore(cache, id, key, staging.path())? {
            log.note(&format!("reused: the build cache holds {key}"));
            let dir = staging.commit()?;
            return Ok(Built::from_products(distro, &version, &dir, &products, true, Some(key), started));
        }
        log.note(&format!("not in the build cache: {key}"));
        if cache.restore_only {
            return Err(Error::NotBuilt { distro: id.into(), key: key.to_string() });
        }
    }

    let source_epoch = match &settings.source {
        Source::Tarball(tarball) => {
            log.note(&format!("unpacking {}", tarball.display()));
            Some(unpack::unpack_tarball(tarball, &src)?)
        }
        Source::Dir(_) => None,
    };
    unpack::install_debian_dir(&distro.debian_dir, &src)?;
    let debian = DebianDir::load(&src).map_err(package_err)?;
    let epoch = settings.source_date_epoch.or(source_epoch).unwrap_or(debian.changelog.timestamp).max(0);
    log.note(&format!("{} {version} for {} ({id})", debian.source_name(), distro.distribution));

    let multiarch = aptkit_debian_dir::arch::variable(&settings.host_arch, "DEB_HOST_MULTIARCH").unwrap_or_default();
    for (name, text) in [
        ("compile.sh", scripts::COMPILE),
        ("default-compile.sh", scripts::DEFAULT_COMPILE),
        ("export-root.sh", scripts::EXPORT_ROOT),
        ("build-depends.sh", scripts::BUILD_DEPENDS),
    ] {
        let path = ctl.join(name);
        std::fs::write(&path, text).map_err(|source| Error::Scratch { path, source })?;
    }

    let target_root = match (settings.engine, &image_id) {
        (Engine::Host, _) | (_, None) => {
            compile_on_host(distro, &src, &ctl, epoch, &multiarch, &log)?;
            None
        }
        (engine, Some(base_id)) => {
            let base = distro.docker_base.as_str();
            let depends = build_depends(&debian);
            let image = container::BuildDependsImage {
                engine,
                distro: id,
                base,
                base_id,
                depends: &depends,
                control: &distro.debian_dir.join("control"),
                ctl: &ctl,
            }
            .ensure(&log)?;
            compile_in_container(engine, distros, distro, &image, scratch.path(), epoch, &multiarch, &log)?;
            Some(container::target_root(
                engine,
                &image,
                &settings.cache_dir.join("target-roots"),
                &ctl,
                &multiarch,
                &log,
            )?)
        }
    };
    // ${shlibs:Depends} against the system the packages are for: the
    // container's exported stub root, or the host when compiled on it.
    let shlibs_root = target_root.unwrap_or_else(|| PathBuf::from("/"));

    log.note("packaging");
    let options = aptkit_debian_dir::Options {
        host_arch: settings.host_arch.clone(),
        version: Some(version.clone()),
        source_date_epoch: Some(epoch as u64),
        only: Vec::new(),
        strip: Some(aptkit_debian_dir::default_strip_program(&settings.host_arch)),
        shlibs: Some(aptkit_debian_dir::ShlibsTarget { root: shlibs_root }),
        changelog_entry: Some(ChangelogEntry {
            distribution: distro.distribution.clone(),
            change: format!("Build of {} for {} ({id}).", upstream, distro.distribution),
        }),
    };
    let plan = aptkit_debian_dir::plan(&src, &options).map_err(package_err)?;
    for warning in &plan.warnings {
        log.line(&format!("warning: {warning}"));
    }
    let writer = DebWriter {
        compression: settings.compression,
        threads: std::thread::available_parallelism().map_or(1, |n| n.get() as u32),
        source_date_epoch: plan.source_date_epoch,
        progress: None,
    };
    let staging = Staging::new(&settings.out, id)?;
    let written = aptkit_debian_dir::build(&plan, staging.path(), &writer).map_err(package_err)?;
    for built in &written {
        log.line(&format!("{}  ({} bytes)", built.path.file_name().unwrap_or_default().to_string_lossy(), built.size));
    }
    log.note(&format!("built in {:.1} s", started.elapsed().as_secs_f64()));
    let staged_log = staging.path().join("build.log");
    std::fs::copy(log.path(), &staged_log).map_err(|source| Error::Out { path: staged_log.clone(), source })?;
    let products = Products { files: written.iter().map(|b| b.path.clone()).collect(), log: staged_log };
    if let (Some(cache), Some(key)) = (&settings.cache, &key) {
        // Stored from the staging directory, before it is renamed: a
        // build whose products cannot be stored is not done (other runners
        // and the publishing job find products in the cache).
        match cached::store(cache, id, key, &products)? {
            crate::cache::Stored::Created => log.note(&format!("stored in the build cache as {key}")),
            crate::cache::Stored::AlreadyThere => log.note(&format!("another runner stored {key} first")),
        }
    }
    let dir = staging.commit()?;
    let relocated = Products {
        files: products.files.iter().map(|p| dir.join(p.file_name().expect("a file"))).collect(),
        log: dir.join("build.log"),
    };
    Ok(Built::from_products(distro, &version, &dir, &relocated, false, key.as_ref(), started))
}

/// What a build of `distro` makes, from its templates and the settings:
/// the source package's name, the upstream version, and the version its
/// packages carry (`UPSTREAM-PKGVER`, the changelog's epoch).
fn version_of(distro: &Distro, settings: &BuildSettings) -> Result<(String, String, Version)> {
    let id = distro.id.as_str();
    let templates = DebianDir::load(&distro.path).map_err(|source| Error::Package { distro: id.into(), source })?;
    let tarball = match &settings.source {
        Source::Tarball(t) => Some(t.as_path()),
        Source::Dir(_) => None,
    };
    let upstream = upstream_version(settings.version.as_deref(), tarball, Some(&templates.changelog.version))
        .map_err(|source| Error::Version { distro: id.into(), source })?;
    let version = Version {
        epoch: templates.changelog.version.epoch,
        upstream_version: upstream.version.clone(),
        debian_revision: Some(distro.pkgver.clone()),
    };
    Ok((templates.source_name().to_string(), upstream.version, version))
}

/// The build cache key of a build of `distro`: of the tarball by its
/// SHA-256, of a source tree by its copy in `src`.
fn cache_key(
    distro: &Distro,
    settings: &BuildSettings,
    upstream: &str,
    image_id: Option<&str>,
    src: &Path,
) -> Result<crate::cache::BuildKey> {
    let (source_sha256, source_tree) = match &settings.source {
        Source::Tarball(tarball) => (Some(cached::file_sha256(tarball)?), None),
        Source::Dir(_) => (None, Some(src)),
    };
    cached::key(&cached::KeyInputs {
        distro,
        settings,
        upstream,
        epoch: settings.source_date_epoch.unwrap_or(-1),
        image_id,
        source_sha256,
        source_tree,
    })
}

impl Built {
    fn from_products(
        distro: &Distro,
        version: &Version,
        dir: &Path,
        products: &Products,
        reused: bool,
        key: Option<&crate::cache::BuildKey>,
        started: Instant,
    ) -> Built {
        let debs = products
            .files
            .iter()
            .map(|path| {
                let path = dir.join(path.file_name().expect("a product is a file"));
                let name = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
                // `<package>_<version>_<arch>.deb`, as the packager names them.
                let mut parts = name.trim_end_matches(".deb").split('_');
                let package = parts.next().unwrap_or_default().to_string();
                let architecture = parts.nth(1).unwrap_or_default().to_string();
                let size = std::fs::metadata(&path).map_or(0, |m| m.len());
                Product { package, architecture, path, size }
            })
            .collect();
        Built {
            distro: distro.id.clone(),
            version: version.to_string(),
            distribution: distro.distribution.clone(),
            dir: dir.to_path_buf(),
            debs,
            log: dir.join(products.log.file_name().expect("a log file")),
            reused,
            key: key.map(|k| k.to_string()),
            seconds: started.elapsed().as_secs_f64(),
        }
    }
}

/// Build-Depends, Build-Depends-Arch and Build-Depends-Indep, with
/// build-essential, which Debian's build tools imply, first.
fn build_depends(debian: &DebianDir) -> String {
    let mut all = vec!["build-essential".to_string()];
    for field in ["Build-Depends", "Build-Depends-Arch", "Build-Depends-Indep"] {
        if let Some(value) = debian.source.get(field) {
            let value: String = value.split_whitespace().collect::<Vec<_>>().join(" ");
            let value = value.trim().trim_end_matches(',').trim();
            if !value.is_empty() {
                all.push(value.to_string());
            }
        }
    }
    all.join(", ")
}

fn compile_env(
    distro: &Distro,
    destdir: &str,
    epoch: i64,
    multiarch: &str,
    distro_dir: &str,
    build: &str,
) -> Vec<(String, String)> {
    vec![
        ("DESTDIR".into(), destdir.into()),
        ("SOURCE_DATE_EPOCH".into(), epoch.to_string()),
        ("DEB_HOST_MULTIARCH".into(), multiarch.into()),
        ("APTKIT_DISTRO".into(), distro.id.clone()),
        // debhelper's options (nocheck, parallel=N, noopt), the caller's.
        ("DEB_BUILD_OPTIONS".into(), std::env::var("DEB_BUILD_OPTIONS").unwrap_or_default()),
        ("APTKIT_DISTRO_DIR".into(), distro_dir.into()),
        ("APTKIT_BUILD_COMMAND".into(), build.into()),
    ]
}

#[allow(clippy::too_many_arguments)]
fn compile_in_container(
    engine: Engine,
    distros: &Distros,
    distro: &Distro,
    image: &str,
    scratch: &Path,
    epoch: i64,
    multiarch: &str,
    log: &BuildLog,
) -> Result<()> {
    let distros_root = std::fs::canonicalize(&distros.dir)
        .map_err(|source| Error::ReadSource { path: distros.dir.clone(), source })?;
    let distro_dir = format!("{}/{}", container::DISTROS, distro.id);
    let build = if distro.build_script.is_some() { format!("{distro_dir}/build") } else { String::new() };
    let mut env = compile_env(distro, &format!("{}/debian/tmp", container::SRC), epoch, multiarch, &distro_dir, &build);
    if let Some(owner) = container::owner(engine, scratch) {
        env.push(("APTKIT_OWNER".into(), owner));
    }
    log.note(&format!("compiling in {image}"));
    let run = container::CompileRun {
        engine,
        distro: &distro.id,
        image,
        src: &scratch.join("src"),
        distros_root: &distros_root,
        out: &scratch.join("out"),
        ctl: &scratch.join("ctl"),
        env,
    };
    let status = container::compile(&run, log)?;
    if !status.success() {
        return Err(compile_failed(distro, status, log));
    }
    Ok(())
}

fn compile_on_host(distro: &Distro, src: &Path, ctl: &Path, epoch: i64, multiarch: &str, log: &BuildLog) -> Result<()> {
    if container::on_path("dpkg-checkbuilddeps") {
        log.note("checking Build-Depends on the host (dpkg-checkbuilddeps)");
        let mut check = std::process::Command::new("dpkg-checkbuilddeps");
        check.current_dir(src);
        let status = log.run(check)?;
        if !status.success() {
            let why = log.tail_matching(|l| l.contains("Unmet build dependencies") || l.contains("error"));
            return Err(Error::BuildDepends {
                distro: distro.id.clone(),
                image: "the host (--engine none)".into(),
                control: distro.debian_dir.join("control"),
                why: why.iter().map(|l| format!("  {l}")).collect::<Vec<_>>().join("\n"),
                log: log.path().into(),
            });
        }
    }
    let destdir = src.join("debian/tmp");
    let build = distro.build_script.as_ref().map(|p| p.display().to_string()).unwrap_or_default();
    // The compile runs in the scratch tree: the folder's path must not be relative.
    let distro_dir = std::fs::canonicalize(&distro.path).unwrap_or_else(|_| distro.path.clone());
    let env = compile_env(distro, &destdir.to_string_lossy(), epoch, multiarch, &distro_dir.to_string_lossy(), &build);
    log.note("compiling on the host");
    let mut cmd = std::process::Command::new("sh");
    cmd.arg(ctl.join("compile.sh")).current_dir(src).envs(env);
    let status = log.run(cmd)?;
    if !status.success() {
        return Err(compile_failed(distro, status, log));
    }
    Ok(())
}

fn compile_failed(distro: &Distro, status: std::process::ExitStatus, log: &BuildLog) -> Error {
    Error::CompileFailed {
        distro: distro.id.clone(),
        status: status.to_string(),
        tail: log.tail(),
        log: log.path().into(),
    }
}

/// A distro's products, written beside their final place and renamed into
/// it when complete: a failed build leaves no trace in the output
/// directory, and a build replacing an earlier one's products never shows
/// a mix of both.
struct Staging {
    dir: Option<tempfile::TempDir>,
    target: PathBuf,
}

impl Staging {
    fn new(out: &Path, id: &str) -> Result<Self> {
        std::fs::create_dir_all(out).map_err(|source| Error::Out { path: out.into(), source })?;
        let dir = tempfile::Builder::new()
            .prefix(&format!(".{id}.partial-"))
            .tempdir_in(out)
            .map_err(|source| Error::Out { path: out.into(), source })?;
        Ok(Staging { dir: Some(dir), target: out.join(id) })
    }

    fn path(&self) -> &Path {
        self.dir.as_ref().expect("not committed").path()
    }

    fn commit(mut self) -> Result<PathBuf> {
        let staged = self.dir.take().expect("not committed");
        let out_err = |source| Error::Out { path: self.target.clone(), source };
        if self.target.exists() {
            let old = tempfile::Builder::new()
                .prefix(&format!(".{}.old-", self.target.file_name().unwrap_or_default().to_string_lossy()))
                .tempdir_in(self.target.parent().expect("out/<id> has a parent"))
                .map_err(out_err)?;
            let old_path = old.path().join("products");
            std::fs::rename(&self.target, &old_path).map_err(out_err)?;
            if let Err(source) = std::fs::rename(staged.path(), &self.target) {
                // Put the earlier build's products back: never no products.
                let _ = std::fs::rename(&old_path, &self.target);
                return Err(out_err(source));
            }
            // `old` (the earlier products inside it) is removed on drop.
        } else {
            std::fs::rename(staged.path(), &self.target).map_err(out_err)?;
        }
        // Renamed away: dropping `staged` finds nothing to remove.
        drop(staged);
        Ok(self.target.clone())
    }
}
