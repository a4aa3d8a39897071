use std::path::PathBuf;

/// Errors name their subject: the repo, snapshot, publication, package or file.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("repo `{0}` does not exist")]
    UnknownRepo(String),
    #[error("repo `{0}` already exists")]
    RepoExists(String),
    #[error("snapshot `{0}` does not exist")]
    UnknownSnapshot(String),
    #[error("snapshot `{0}` already exists")]
    SnapshotExists(String),
    #[error("no publication of `{id}`{}", prefix_hint(elsewhere))]
    UnknownPublication { id: String, elsewhere: Vec<String> },
    #[error("`{0}` is already published; use `publish switch` or `publish update`")]
    PublicationExists(String),
    #[error("{what} `{name}` is used by publication `{publication}`; drop that first")]
    InUse { what: &'static str, name: String, publication: String },
    #[error("conflicting package {key}: `{new}` (SHA256 {new_sha}) differs from the one already in repo `{repo}` (SHA256 {old_sha})")]
    Conflict { key: String, repo: String, new: String, new_sha: String, old_sha: String },
    #[error("conflicting package {key}: `{second}` (SHA256 {second_sha}) and `{first}` (SHA256 {first_sha}) are both given and differ")]
    BatchConflict { key: String, first: String, first_sha: String, second: String, second_sha: String },
    #[error("`{}` is not a usable .deb", path.display())]
    BadDeb {
        path: PathBuf,
        #[source]
        source: aptkit_deb::Error,
    },
    #[error("`{}`: {reason}", path.display())]
    BadControl { path: PathBuf, reason: String },
    #[error("failed to read `{}`", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("no .deb files found in {0}")]
    NoPackages(String),
    #[error("{0}")]
    Invalid(String),
    #[error("the published object `{key}` in {location} differs from what this publication needs (expected SHA256 {expected}); refusing to overwrite it")]
    PoolMismatch { key: String, location: String, expected: String },
    #[error("the last Release of `{publication}` is dated {date}, {ahead} s ahead of this machine's clock; a new one must be dated later, and apt refuses a Release dated more than 10 s ahead: fix the clock, then publish again")]
    DateAhead { publication: String, date: String, ahead: i64 },
    #[error("the state in {location} is damaged: {reason}")]
    CorruptState { location: String, reason: String },
    #[error("another writer keeps changing the state in {0}; gave up after several retries")]
    Contention(String),
    #[error("refusing to publish `{publication}`: {} unsatisfiable dependencies (add the distribution's Packages with --base-index, or --skip-dependency-check):\n  {}", problems.len(), problems.iter().take(20).map(|p| p.to_string()).collect::<Vec<_>>().join("\n  "))]
    Unsatisfiable { publication: String, problems: Vec<crate::depcheck::Unsatisfied> },
    #[error(transparent)]
    Store(#[from] aptkit_store::Error),
    #[error(transparent)]
    Sign(#[from] aptkit_sign::Error),
}

pub type Result<T> = std::result::Result<T, Error>;

/// ` (there is `debian/nightly`: name its --prefix)`, or nothing.
fn prefix_hint(elsewhere: &[String]) -> String {
    if elsewhere.is_empty() {
        return String::new();
    }
    let names: Vec<String> = elsewhere.iter().map(|e| format!("`{e}`")).collect();
    format!(" (there is {}: name its --prefix)", names.join(", "))
}
