//! `aptkit build`.

use std::path::PathBuf;

use clap::Args;

use super::DistrosDirArgs;

pub const EXAMPLES: &str = "\
Examples:
  # every distro of ./distros, from the tree here, in Docker where it answers
  aptkit build --all
  # one distro from a release tarball, products in dist/debian-12-bookworm/
  aptkit build debian-12-bookworm --source hello-1.3.0.tar.gz --out dist
  # on the host, no container (the embedded default without Docker)
  aptkit build debian-12-bookworm ubuntu-24.04-noble --engine none --version 2026.12.02
  # two builds at a time, a JSON report on stdout, the logs kept in CI's artifacts
  aptkit build --all --jobs 2 --json --log-dir artifacts/logs
  # CI runners sharing one cache: each builds one distro, the publishing job finds them all
  aptkit --state s3://ci-state/hello build debian-12-bookworm --source hello-2026.12.02.tar.gz
  # which distros would be built and which restored from the cache; nothing runs
  aptkit --state s3://ci-state/hello build --all --source hello-2026.12.02.tar.gz --dry-run";

pub const LONG_ABOUT: &str = "\
Compile a source for target distributions and package it natively, one .deb set per distro

For each distro folder of the distros directory: unpack the source once into a scratch \
directory, put the distro's debian/ in it, install its Build-Depends (with build-essential) \
into DOCKER_BASE with the image's own apt, run the distro's build script (or debian/rules' \
configure, build, test and install steps) in a throwaway container, and then, outside any \
container, package the installed files natively with the version UPSTREAM-PKGVER and a \
changelog entry for DISTRIBUTION.

The container sees only its mounts: the scratch source tree at /aptkit/src (read-write, the \
working directory), the distros directory at /aptkit/distros (read-only) and an output \
directory at /aptkit/out; it never signs and never holds a key. With --engine none the same \
steps run on the host, with its own compilers and libraries, and the Build-Depends are only \
checked (dpkg-checkbuilddeps), not installed.

Products go to OUT/<distro id>/ (the .debs and build.log), renamed into place when the \
build is complete: a failed build leaves nothing there. Every build's log is also kept in \
--log-dir as <distro id>.log, and a failed one shows its last lines and that path. The \
upstream version is --version, else the tarball's name (NAME-VERSION.tar.gz), else \
debian/changelog's.

A build whose inputs were built before is not run again: the build cache in the state store \
(--state: a directory, or s3:// shared by CI runners) keeps every build's products under the \
hash of its inputs (the source's SHA-256, the debian/ tree, DOCKER_BASE and the image's ID, \
PKGVER, DISTRIBUTION, the compile commands, aptkit's version), and restores them, checked \
byte for byte, saying \"reused\". --rebuild builds anyway and replaces the entry.

--dry-run says, for each distro, whether it would be built or restored from the cache, with the version, the image's ID and the cache key, and runs nothing: no container, no pull, no products, no cache entry, no log.";

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Distro ids (folder names of the distros directory) to build
    #[arg(value_name = "DISTRO_ID", required_unless_present = "all", conflicts_with = "all")]
    pub distros: Vec<String>,
    /// Build every distro of the distros directory
    #[arg(long)]
    pub all: bool,
    /// The source: a tarball (NAME-VERSION.tar.gz, .tar.xz, .tar.zst, .tar.bz2) or a source tree [default: .]
    #[arg(long, value_name = "TARBALL|DIR")]
    pub source: Option<PathBuf>,
    #[command(flatten)]
    pub location: DistrosDirArgs,
    /// Where the compile commands run: docker, podman, or none (the host) [default: `[build] engine` in aptkit.toml, else docker where a Docker engine answers, else none]
    #[arg(long, value_name = "ENGINE")]
    pub engine: Option<String>,
    /// Directory that gets one subdirectory of products per distro [default: `[build] out`, else ./out]
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Builds run at once
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    /// The upstream version [default: from the tarball's name, else debian/changelog]
    #[arg(long, value_name = "VERSION")]
    pub version: Option<String>,
    /// Directory for each build's log, <distro id>.log, failed builds' included [default: `[build] log-dir`, else a new directory under $TMPDIR]
    #[arg(long, value_name = "DIR")]
    pub log_dir: Option<PathBuf>,
    /// Build even when the build cache holds the products of the same inputs, and replace them there
    #[arg(long)]
    pub rebuild: bool,
    /// Neither read nor write the build cache (in the state store, --state)
    #[arg(long, conflicts_with = "rebuild")]
    pub no_cache: bool,
    /// Compression of data.tar: xz, zstd, gzip or none
    #[arg(long, default_value = "xz")]
    pub compression: String,
    /// Do not stream the builds' output (the logs still get it)
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Print a JSON report on stdout (the builds' output still streams to stderr)
    #[arg(long)]
    pub json: bool,
    /// Say what each build would do (build, or restore from the cache, and why) and run nothing
    #[arg(long)]
    pub dry_run: bool,
}
