//! What can go wrong building a distribution: each error names its subject
//! (the distro, the image, the engine, the tarball entry, the dependency,
//! the log).

use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("container engine `{engine}` is not installed: `{program}` is not on PATH (install it, or build on the host with --engine none)")]
    EngineMissing { engine: String, program: String },
    #[error("container engine `{engine}` does not answer: {why}")]
    EngineDown { engine: String, why: String },
    #[error("{distro}: image `{image}` (DOCKER_BASE) is not on this machine and cannot be pulled: {why}")]
    ImageMissing { distro: String, image: String, why: String },
    #[error("cannot read the source `{}`: {source}", path.display())]
    ReadSource { path: PathBuf, source: std::io::Error },
    #[error("the source `{}` is not a tarball aptkit can unpack: {why}", tarball.display())]
    BadTarball { tarball: PathBuf, why: String },
    #[error("the source `{}` holds `{entry}`, which cannot be unpacked: {why}", tarball.display())]
    UnsafeEntry { tarball: PathBuf, entry: String, why: String },
    #[error("cannot prepare the build directory `{}`: {source}", path.display())]
    Scratch { path: PathBuf, source: std::io::Error },
    #[error("cannot start `{program}`: {source}")]
    Spawn { program: String, source: std::io::Error },
    #[error("{distro}: the Build-Depends of {} cannot be installed in `{image}`:\n{why}\nfull log: {}", control.display(), log.display())]
    BuildDepends { distro: String, image: String, control: PathBuf, why: String, log: PathBuf },
    #[error("{distro}: the compile commands failed ({status})\n{tail}\nfull log: {}", log.display())]
    CompileFailed { distro: String, status: String, tail: String, log: PathBuf },
    #[error("{distro}: {what} failed ({status})\n{tail}\nfull log: {}", log.display())]
    StepFailed { distro: String, what: String, status: String, tail: String, log: PathBuf },
    #[error("{distro}: cannot write the build log `{}`: {source}", path.display())]
    Log { distro: String, path: PathBuf, source: std::io::Error },
    #[error("{distro}: {source}")]
    Version { distro: String, source: crate::VersionError },
    #[error("{distro}: cannot package the compiled tree: {source}")]
    Package { distro: String, source: aptkit_debian_dir::Error },
    #[error("{distro}: build cache: {source}")]
    Cache { distro: String, source: Box<crate::cache::Error> },
    #[error("{distro}: not built: the build cache holds no products for {key} (build it first, e.g. `aptkit build {distro}` against this state store, from the same source)")]
    NotBuilt { distro: String, key: String },
    #[error("cannot write the products into `{}`: {source}", path.display())]
    Out { path: PathBuf, source: std::io::Error },
}
