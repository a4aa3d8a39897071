//! Reproducible source tarballs from a git tree, signed.
//!
//! [`source_tarball`] turns a [`SourceRequest`] (a repository, a version)
//! into a [`SourceTarball`]: a `.tar.gz` in memory whose bytes depend only
//! on the commit and the version, whichever clone or checkout it is made
//! from. A nightly (`YYYY.MM.DD`) comes from a branch head, a release from
//! the tag its version names; see docs/source-tarballs.md for every rule.
//! [`SourceTarball::sign`] makes its detached armored signature, and
//! [`update_sha256sums`] its line in a `SHA256SUMS`.

mod error;
mod git;
mod sums;
mod tar;
mod tree;
mod version;

use std::io::Write;
use std::time::SystemTime;

use aptkit_sign::SigningKey;
use flate2::{Compression, GzBuilder};
use sha2::{Digest, Sha256};

pub use error::{Error, Result};
pub use sums::update_sha256sums;
pub use version::{check_upstream_version, SourceKind};

use git::Repo;
use tree::Kind;

/// The tag format when none is given: version `1.3.0` is tag `v1.3.0`.
pub const DEFAULT_TAG_FORMAT: &str = "v{version}";

/// How the tarball is named.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Naming {
    /// `NAME-VERSION.tar.gz`.
    #[default]
    Plain,
    /// Debian's `NAME_VERSION.orig.tar.gz`, for dpkg-source.
    Orig,
}

/// What to make a tarball of.
#[derive(Debug, Clone)]
pub struct SourceRequest {
    /// The top of a working tree, or a git directory (bare or `.git`).
    pub git_dir: std::path::PathBuf,
    /// The upstream version: `YYYY.MM.DD` for a nightly, else a release.
    pub version: String,
    /// The commit to use (a branch, tag, commit id…), overriding the
    /// default: the branch checked out for a nightly, the tag for a release.
    pub git_ref: Option<String>,
    /// The tag of a release: `{version}` is replaced by the version.
    pub tag_format: String,
    /// The source package name [default: `Source:` of `debian/control` in
    /// the commit, else the repository directory's name].
    pub name: Option<String>,
    pub naming: Naming,
}

impl SourceRequest {
    pub fn new(git_dir: impl Into<std::path::PathBuf>, version: impl Into<String>) -> Self {
        SourceRequest {
            git_dir: git_dir.into(),
            version: version.into(),
            git_ref: None,
            tag_format: DEFAULT_TAG_FORMAT.to_string(),
            name: None,
            naming: Naming::Plain,
        }
    }
}

/// A made tarball.
#[derive(Debug, Clone)]
pub struct SourceTarball {
    pub name: String,
    pub version: String,
    pub kind: SourceKind,
    /// `NAME-VERSION.tar.gz` or `NAME_VERSION.orig.tar.gz`.
    pub file_name: String,
    pub bytes: Vec<u8>,
    /// Lowercase hex.
    pub sha256: String,
    /// The commit id the tree comes from.
    pub commit: String,
    /// The ref it was resolved from: as given, or `refs/heads/BRANCH`, or `refs/tags/TAG`.
    pub ref_used: String,
    /// The commit's committer time: every entry's mtime.
    pub mtime: u64,
}

impl SourceTarball {
    /// The name of its signature: `FILE.asc`.
    pub fn signature_name(&self) -> String {
        format!("{}.asc", self.file_name)
    }

    /// A detached ASCII-armored OpenPGP signature of the tarball by every key
    /// (`gpgv FILE.asc FILE` checks it), made at `time`.
    pub fn sign(&self, keys: &[SigningKey], time: SystemTime) -> Result<Vec<u8>> {
        aptkit_sign::sign_detached(keys, &self.bytes, time)
            .map_err(|source| Error::Sign { file_name: self.file_name.clone(), source })
    }
}

/// Make the tarball `request` asks for (see the module). Nothing is written
/// anywhere: the tarball is returned in memory.
pub fn source_tarball(request: &SourceRequest) -> Result<SourceTarball> {
    let version = request.version.as_str();
    let kind = SourceKind::of(version)?;
    if !request.tag_format.contains("{version}") {
        return Err(Error::InvalidTagFormat { format: request.tag_format.clone() });
    }
    if let Some(name) = &request.name {
        check_name(name, "the name given")?;
    }
    let repo = Repo::open(&request.git_dir)?;
    let (commit, ref_used) = match (&request.git_ref, kind) {
        (Some(git_ref), _) => (repo.resolve(git_ref)?, git_ref.clone()),
        (None, SourceKind::Nightly) => {
            let branch = repo.current_branch()?.ok_or_else(|| Error::DetachedHead { dir: repo.dir().into() })?;
            (repo.resolve(&branch)?, branch)
        }
        (None, SourceKind::Release) => {
            let tag = request.tag_format.replace("{version}", version);
            (repo.tag(&tag)?, format!("refs/tags/{tag}"))
        }
    };
    let mtime = repo.commit_time(&commit)?;
    let entries = tree::plan(repo.tree(&commit)?, &commit)?;
    let name = match &request.name {
        Some(name) => name.clone(),
        None => default_name(&repo, &entries, &commit)?,
    };
    let file_name = match request.naming {
        Naming::Plain => format!("{name}-{version}.tar.gz"),
        Naming::Orig => format!("{name}_{version}.orig.tar.gz"),
    };
    let bytes = write_tarball(&repo, &entries, &commit, &format!("{name}-{version}"), mtime, &file_name)?;
    let sha256 = hex::encode(Sha256::digest(&bytes));
    Ok(SourceTarball { name, version: version.to_string(), kind, file_name, bytes, sha256, commit, ref_used, mtime })
}

/// `Source:` of `debian/control` in the commit when it is a file there,
/// else the repository directory's name.
fn default_name(repo: &Repo, entries: &[tree::Entry], commit: &str) -> Result<String> {
    let control = entries.iter().find(|e| e.path == "debian/control" && matches!(e.kind, Kind::File { .. }));
    let Some(control) = control else {
        let name = repo.dir_name().to_string();
        check_name(&name, "the repository directory's name; pass a name")?;
        return Ok(name);
    };
    let control_err = |reason: String| Error::Control { commit: commit.to_string(), reason };
    let text = String::from_utf8(repo.blob(&control.oid)?).map_err(|_| control_err("not UTF-8".into()))?;
    let paragraphs = aptkit_control::parse_paragraphs(&text).map_err(|e| control_err(e.to_string()))?;
    let source = paragraphs.first().and_then(|p| p.get("Source"));
    let name = source.ok_or_else(|| control_err("its first paragraph has no `Source:` field".into()))?;
    check_name(name.trim(), "`Source:` of debian/control")?;
    Ok(name.trim().to_string())
}

fn check_name(name: &str, origin: &str) -> Result<()> {
    if aptkit_control::valid_package_name(name) {
        Ok(())
    } else {
        Err(Error::InvalidName { name: name.to_string(), origin: origin.to_string() })
    }
}

/// The tar stream, gzipped with a fixed header (no file name, mtime 0, OS
/// byte 3 = Unix, as `gzip -n` writes on Linux) at level 9.
fn write_tarball(
    repo: &Repo,
    entries: &[tree::Entry],
    commit: &str,
    top: &str,
    mtime: u64,
    file_name: &str,
) -> Result<Vec<u8>> {
    let io_err = |source| Error::Write { file_name: file_name.to_string(), source };
    let gzip = GzBuilder::new().operating_system(3).mtime(0).write(Vec::new(), Compression::best());
    let mut tar = tar::TarWriter::new(gzip, mtime);
    tar.global_comment(commit).map_err(io_err)?;
    tar.dir(top).map_err(io_err)?;
    let blobs: Vec<String> = entries.iter().filter(|e| !matches!(e.kind, Kind::Dir)).map(|e| e.oid.clone()).collect();
    let mut blobs = repo.blobs(blobs)?;
    for entry in entries {
        let path = format!("{top}/{}", entry.path);
        match entry.kind {
            Kind::Dir => tar.dir(&path),
            Kind::File { executable } => tar.file(&path, executable, &blobs.next(&entry.oid)?),
            Kind::Symlink => tar.symlink(&path, &tree::symlink_target(&entry.path, commit, blobs.next(&entry.oid)?)?),
        }
        .map_err(io_err)?;
    }
    drop(blobs);
    let mut gzip = tar.finish().map_err(io_err)?;
    gzip.flush().map_err(io_err)?;
    gzip.finish().map_err(io_err)
}
