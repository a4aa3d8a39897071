//! `aptkit build --dry-run`: what a build of a distro would do, found the
//! way the build finds it (the version from the templates, the image's ID,
//! the cache key, a lookup of the entry), with nothing run and nothing
//! written: no container, no pull, no Build-Depends image, no products,
//! no cache entry, no log. A source tree is copied into a scratch
//! directory, as the build copies it, because the key is of the copy.

use std::path::PathBuf;

use super::error::{Error, Result};
use super::{unpack, BuildSettings, Engine, Source};
use crate::cache::Error as CacheError;
use crate::Distro;

/// What [`super::build`] would do for one distro.
#[derive(Debug, Clone)]
pub struct Plan {
    pub distro: String,
    /// The source package's name (debian/control).
    pub source: String,
    /// `UPSTREAM-PKGVER`, as the packages would carry it.
    pub version: String,
    pub distribution: String,
    /// The compile stage's image; `None` on the host.
    pub image: Option<PlannedImage>,
    /// The build cache key; `None` without the cache, or while the image
    /// is not on this machine (its ID is part of the key).
    pub key: Option<String>,
    pub action: Action,
    /// `out/<distro id>`, which the products would replace.
    pub dir: PathBuf,
    /// The products would be stored in the build cache (it is in use, and
    /// the build would compile).
    pub stores: bool,
}

/// `DOCKER_BASE`, and the ID this machine's engine has for it.
#[derive(Debug, Clone)]
pub struct PlannedImage {
    pub base: String,
    /// `None`: not on this machine; the build would pull it.
    pub id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// The cache holds the products of the same inputs: they would be
    /// restored (checked byte for byte), nothing compiled. Their file
    /// names, the log's last. Only the entry's manifest is read here: a
    /// file of it found missing or damaged as it is restored makes the
    /// build drop the entry and build after all.
    Reuse { files: Vec<String> },
    /// Compiled and packaged, for this reason.
    Build(Why),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// `--no-cache`.
    NoCache,
    /// The cache holds no entry of these inputs.
    NotCached,
    /// `--rebuild`: the entry, if any, would be replaced.
    Rebuild,
    /// The entry's manifest is damaged: it would be dropped and made anew.
    Damaged,
    /// The image is not on this machine: it would be pulled first, and the
    /// key (and a lookup) taken then.
    ImageToPull,
}

impl Why {
    /// Why, in words: "not in the build cache".
    pub fn describe(self) -> &'static str {
        match self {
            Why::NoCache => "--no-cache",
            Why::NotCached => "not in the build cache",
            Why::Rebuild => "--rebuild",
            Why::Damaged => "the build cache's entry is damaged and would be made anew",
            Why::ImageToPull => "the image is not on this machine: it would be pulled first",
        }
    }
}

/// What building `distro` with `settings` would do.
pub fn plan(distro: &Distro, settings: &BuildSettings) -> Result<Plan> {
    let id = distro.id.as_str();
    let (source, upstream, version) = super::version_of(distro, settings)?;
    let image = match settings.engine {
        Engine::Host => None,
        engine => {
            let base = distro.docker_base.as_str();
            Some(PlannedImage { base: base.to_string(), id: engine.image_id(base)? })
        }
    };
    let mut plan = Plan {
        distro: id.to_string(),
        source,
        version: version.to_string(),
        distribution: distro.distribution.clone(),
        image,
        key: None,
        action: Action::Build(Why::NoCache),
        dir: settings.out.join(id),
        stores: false,
    };
    let Some(cache) = &settings.cache else { return Ok(plan) };
    plan.stores = true;
    let image_id = match &plan.image {
        None => None,
        Some(PlannedImage { id: Some(image_id), .. }) => Some(image_id.clone()),
        Some(PlannedImage { id: None, .. }) => {
            plan.action = Action::Build(Why::ImageToPull);
            return Ok(plan);
        }
    };
    let scratch = tempfile::Builder::new()
        .prefix(&format!("aptkit-build-plan-{id}-"))
        .tempdir()
        .map_err(|source| Error::Scratch { path: std::env::temp_dir(), source })?;
    let src = scratch.path().join("src");
    if let Source::Dir(dir) = &settings.source {
        std::fs::create_dir_all(&src).map_err(|source| Error::Scratch { path: src.clone(), source })?;
        unpack::copy_dir(dir, &src)?;
    }
    let key = super::cache_key(distro, settings, &upstream, image_id.as_deref(), &src)?;
    plan.key = Some(key.to_string());
    plan.action = if cache.rebuild {
        Action::Build(Why::Rebuild)
    } else {
        match cache.cache.lookup(&key) {
            Ok(Some(entry)) => {
                plan.stores = false;
                Action::Reuse { files: entry.manifest().files().map(|f| f.file_name.clone()).collect() }
            }
            Ok(None) if cache.restore_only => return Err(Error::NotBuilt { distro: id.into(), key: key.to_string() }),
            Ok(None) => Action::Build(Why::NotCached),
            Err(CacheError::Manifest { .. }) => Action::Build(Why::Damaged),
            Err(e) => return Err(Error::Cache { distro: id.into(), source: Box::new(e) }),
        }
    };
    Ok(plan)
}
