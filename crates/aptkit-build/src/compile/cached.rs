//! How a build uses the build cache: its key from every input, a lookup
//! before anything is compiled, the products stored after a build.

use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::error::{Error, Result};
use super::{BuildSettings, Engine};
use crate::cache::{BuildCache, BuildKey, Products, Provenance, Stored};
use crate::Distro;

/// The cache a build reads and writes, and how.
#[derive(Debug)]
pub struct CacheUse {
    pub cache: BuildCache,
    /// Build even when an entry exists, and replace it.
    pub rebuild: bool,
    /// Only restore: a build the cache lacks is an error
    /// ([`super::Error::NotBuilt`]), never compiled (the publishing job of
    /// a CI matrix, whose runners built).
    pub restore_only: bool,
    /// When and where builds are stored (the manifest says so).
    pub provenance: Provenance,
}

/// What the key is made of, besides the source.
pub(super) struct KeyInputs<'a> {
    pub distro: &'a Distro,
    pub settings: &'a BuildSettings,
    pub upstream: &'a str,
    pub epoch: i64,
    /// The image's ID (containers), or `None` for the host.
    pub image_id: Option<&'a str>,
    pub source_sha256: Option<String>,
    /// A directory source, copied: its tree.
    pub source_tree: Option<&'a Path>,
}

pub(super) fn key(inputs: &KeyInputs<'_>) -> Result<BuildKey> {
    let KeyInputs { distro, settings, .. } = inputs;
    let key_err = |source| Error::Cache { distro: distro.id.clone(), source: Box::new(source) };
    let mut builder = BuildKey::builder();
    builder = match (&inputs.source_sha256, inputs.source_tree) {
        (Some(sha256), _) => builder.source_sha256(sha256),
        (None, Some(tree)) => builder.source_tree(tree).map_err(key_err)?,
        (None, None) => unreachable!("a source is a tarball or a tree"),
    };
    builder = builder.debian_tree(&distro.debian_dir).map_err(key_err)?;
    // The whole folder, not only debian/ and build: a build script may read
    // patches or a shared library of shell functions beside it.
    let folder = crate::cache::tree_digest(&distro.path).map_err(key_err)?;
    builder = match inputs.image_id {
        Some(id) => builder.image(distro.docker_base.as_str(), id),
        None => builder.host(&host_description(&settings.host_arch)),
    };
    let script = match &distro.build_script {
        Some(path) => Some(std::fs::read(path).map_err(|source| Error::ReadSource { path: path.clone(), source })?),
        None => None,
    };
    let engine = match settings.engine {
        Engine::Host => "none",
        // The same image under Docker or podman builds the same thing.
        Engine::Docker | Engine::Podman => "container",
    };
    builder
        .compile_commands(script.as_deref())
        .aptkit_version(env!("CARGO_PKG_VERSION"))
        .field("pkgver", &distro.pkgver)
        .field("distribution", &distro.distribution)
        .field("upstream-version", inputs.upstream)
        .field("host-arch", &settings.host_arch)
        .field("source-date-epoch", &inputs.epoch.to_string())
        .field("compression", &format!("{:?}", settings.compression))
        .field("engine", engine)
        .field("distro-id", &distro.id)
        .field("distro-folder", &folder)
        .field("deb-build-options", &std::env::var("DEB_BUILD_OPTIONS").unwrap_or_default())
        .build()
        .map_err(key_err)
}

/// What stands for the image on the host: its architecture and its dpkg
/// database, which changes whenever a package (a compiler, a library) is
/// installed, upgraded or removed. Toolchains outside dpkg (rustup) are
/// not in it: `--rebuild` after changing them.
fn host_description(arch: &str) -> String {
    let status = std::fs::read("/var/lib/dpkg/status").unwrap_or_default();
    format!("{arch} dpkg-status {}", hex::encode(Sha256::digest(status)))
}

/// The SHA-256 of a file, streamed.
pub(super) fn file_sha256(path: &Path) -> Result<String> {
    let read = |source| Error::ReadSource { path: path.into(), source };
    let mut file = std::fs::File::open(path).map_err(read)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf).map_err(read)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// The entry of `key`, restored into `dir`; `None` when there is none (or
/// it is damaged: then it is dropped, and the build runs and stores anew).
pub(super) fn restore(use_: &CacheUse, distro: &str, key: &BuildKey, dir: &Path) -> Result<Option<Products>> {
    let cache_err = |source| Error::Cache { distro: distro.into(), source: Box::new(source) };
    if use_.rebuild {
        return Ok(None);
    }
    let Some(entry) = (match use_.cache.lookup(key) {
        Ok(entry) => entry,
        Err(crate::cache::Error::Manifest { .. }) => {
            use_.cache.evict(key).map_err(cache_err)?;
            None
        }
        Err(e) => return Err(cache_err(e)),
    }) else {
        return Ok(None);
    };
    match entry.restore_into(dir) {
        Ok(products) => Ok(Some(products)),
        Err(crate::cache::Error::Corrupt { .. }) => {
            use_.cache.evict(key).map_err(cache_err)?;
            Ok(None)
        }
        Err(e) => Err(cache_err(e)),
    }
}

/// Store a finished build's products; with `--rebuild`, in place of the
/// entry there was.
pub(super) fn store(use_: &CacheUse, distro: &str, key: &BuildKey, products: &Products) -> Result<Stored> {
    let cache_err = |source| Error::Cache { distro: distro.into(), source: Box::new(source) };
    if use_.rebuild {
        use_.cache.evict(key).map_err(cache_err)?;
    }
    use_.cache.store(key, products, &use_.provenance).map_err(cache_err)
}
