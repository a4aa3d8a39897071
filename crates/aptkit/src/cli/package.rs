//! `aptkit package`.

use std::path::PathBuf;

use clap::Args;

pub const EXAMPLES: &str = "\
Examples:
  # after `make install DESTDIR=debian/tmp` in ./hello
  aptkit package ./hello --out ./out
  # a nightly: override the changelog's version, use zstd
  aptkit package ./hello --out ./out --version 1.1~nightly20261121-1 --compression zstd
  # only one package, for another architecture, machine-readable result
  aptkit package ./hello --out ./out --package hello --arch arm64 --json
  # ${shlibs:Depends} against the libraries of an exported build root
  aptkit package ./hello --out ./out --target-root ./build-root";

#[derive(Debug, Args)]
pub struct PackageArgs {
    /// Source tree containing debian/ and the installed files (debian/tmp or debian/<pkg>/)
    pub source_dir: PathBuf,
    /// Directory to write the .deb files into (created if missing)
    #[arg(long, short, default_value = ".")]
    pub out: PathBuf,
    /// Architecture for `Architecture: any` packages [default: the host's dpkg architecture]
    #[arg(long)]
    pub arch: Option<String>,
    /// Package version, overriding debian/changelog (e.g. for nightly builds)
    #[arg(long = "version", value_name = "VERSION")]
    pub pkg_version: Option<String>,
    /// Compression of the control and data members: xz, zstd, gzip or none, with an optional level (xz:9)
    #[arg(long, short = 'Z', default_value = "xz")]
    pub compression: String,
    /// Compression threads [default: all cores]
    #[arg(long)]
    pub threads: Option<u32>,
    /// Build only this package (repeatable)
    #[arg(long = "package", short = 'p', value_name = "NAME")]
    pub packages: Vec<String>,
    /// Timestamp clamp for file times [default: SOURCE_DATE_EPOCH, else the changelog's date]
    #[arg(long)]
    pub source_date_epoch: Option<u64>,
    /// Keep ELF binaries and libraries unstripped (default: strip them as dh_strip does)
    #[arg(long)]
    pub no_strip: bool,
    /// The binutils strip program [default: strip, or <triplet>-strip for a foreign --arch]
    #[arg(long, value_name = "PROGRAM", conflicts_with = "no_strip")]
    pub strip_program: Option<String>,
    /// Root of the system the packages are built for, whose dpkg database and libraries give ${shlibs:Depends} (its library files may be empty stubs)
    #[arg(long, value_name = "DIR", default_value = "/")]
    pub target_root: PathBuf,
    /// Do not compute ${shlibs:Depends}: leave it to the compile commands (debian/<pkg>.substvars)
    #[arg(long, conflicts_with = "target_root")]
    pub no_shlibs: bool,
    /// Print a JSON document describing the built packages
    #[arg(long)]
    pub json: bool,
}
