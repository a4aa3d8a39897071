//! What can go wrong making a source tarball: each error names its subject
//! (the version, the tag, the ref, the path in the tree, the directory).

use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("`{version}` is not a valid upstream version for a source tarball: {reason}")]
    InvalidVersion { version: String, reason: String },
    #[error("`{version}` looks like a nightly version (YYYY.MM.DD) but is not a real date")]
    InvalidDate { version: String },
    #[error("tag format `{format}` has no `{{version}}` in it")]
    InvalidTagFormat { format: String },
    #[error("`{name}` ({origin}) is not a valid Debian source package name (lowercase letters, digits, `+`, `-`, `.`; at least two characters, starting with a letter or digit)")]
    InvalidName { name: String, origin: String },
    #[error("`{}` is not a git repository: {reason}", dir.display())]
    NotARepository { dir: PathBuf, reason: String },
    #[error("tag `{tag}` does not exist in `{}` ({})", dir.display(), near_tags(near))]
    MissingTag { tag: String, dir: PathBuf, near: Vec<String> },
    #[error("ref `{git_ref}` does not resolve to a commit in `{}`: {reason}", dir.display())]
    UnresolvedRef { git_ref: String, dir: PathBuf, reason: String },
    #[error("HEAD is detached in `{}`: a nightly is made from a branch; pass the ref to use", dir.display())]
    DetachedHead { dir: PathBuf },
    #[error("`{path}` in commit {commit} cannot go into a source tarball: {reason}")]
    UnsafePath { path: String, commit: String, reason: String },
    #[error("`{path}` in commit {commit} is a git submodule: source tarballs hold one repository's tree only (vendor it, or make its tarball separately)")]
    Submodule { path: String, commit: String },
    #[error("debian/control in commit {commit}: {reason}")]
    Control { commit: String, reason: String },
    #[error("`{command}` failed in `{}`: {reason}", dir.display())]
    Git { command: String, dir: PathBuf, reason: String },
    #[error("cannot write the source tarball `{file_name}`")]
    Write {
        file_name: String,
        #[source]
        source: std::io::Error,
    },
    #[error("SHA256SUMS line {line}: {reason}")]
    Sums { line: usize, reason: String },
    #[error("cannot sign the source tarball `{file_name}`")]
    Sign {
        file_name: String,
        #[source]
        source: aptkit_sign::Error,
    },
}

fn near_tags(near: &[String]) -> String {
    if near.is_empty() {
        "the repository has no tags".to_string()
    } else {
        let near: Vec<String> = near.iter().map(|t| format!("`{t}`")).collect();
        format!("nearest tags: {}", near.join(", "))
    }
}
