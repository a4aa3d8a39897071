//! One error type for the crate, and what a caller may do about each
//! error: [`Error::kind`] tells a job to retry later ([`ErrorKind::Busy`]),
//! to run again ([`ErrorKind::Stale`]), or never to retry.

use std::path::PathBuf;

use crate::claim::Busy;

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
    /// Two different files under one `name_version_arch`.
    #[error(transparent)]
    Conflict(Box<PackageConflict>),
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
    /// Input that is not acceptable, said in a sentence naming it.
    #[error("{0}")]
    Invalid(String),
    #[error(
        "the published object `{key}` in {location} differs from what this publication needs (expected SHA256 \
         {expected}); refusing to overwrite it"
    )]
    PoolMismatch { key: String, location: String, expected: String },
    #[error(
        "the last Release of `{publication}` is dated {date}, {ahead} s ahead of this machine's clock; a new one \
         must be dated later, and apt refuses a Release dated more than 10 s ahead: fix the clock, then publish again"
    )]
    DateAhead { publication: String, date: String, ahead: i64 },
    #[error("the state in {location} is damaged: {reason}")]
    CorruptState { location: String, reason: String },
    /// Another job holds what this command needs (a suite being published
    /// or dropped, or gc at work).
    #[error(transparent)]
    Busy(Box<Busy>),
    /// The state changed under this command, which read it before: running
    /// the command again reads it anew.
    #[error("{reason}; run the command again")]
    Stale { subject: String, reason: String },
    #[error("another writer keeps changing the state in {0}; gave up after several retries")]
    Contention(String),
    /// A Busy or Stale error that waiting did not cure: the command waited
    /// and retried for as long as it was allowed (`--wait`).
    #[error("gave up after waiting {waited} s ({attempts} attempts)")]
    GaveUp {
        waited: u64,
        attempts: u32,
        #[source]
        source: Box<Error>,
    },
    /// `aptkit publish unlock` without `--force` on a claim whose holder
    /// may still be at work.
    #[error(
        "refusing to break the claim on `{}`: its lease is live ({}{} since {}, lease until {}, renewed while its \
         holder works); wait for it, or add --force if that job is certainly dead (a live holder then fails its \
         write and retries)",
        .0.subject,
        .0.holder.as_ref().map(|h| format!("{h}, ")).unwrap_or_default(),
        activity_word(.0.activity),
        aptkit_index::format_date(.0.since),
        aptkit_index::format_date(.0.expires)
    )]
    LiveClaim(Box<Busy>),
    #[error(
        "refusing to publish `{publication}`: {} unsatisfiable dependencies (add the distribution's Packages with \
         --base-index, or --skip-dependency-check):\n  {}",
        problems.len(),
        problems.iter().take(20).map(|p| p.to_string()).collect::<Vec<_>>().join("\n  ")
    )]
    Unsatisfiable { publication: String, problems: Vec<crate::depcheck::Unsatisfied> },
    /// What a publish wrote does not read back as it was written: the
    /// publication is not recorded (its files are kept from gc), and a
    /// rerun writes it all again.
    #[error(
        "the publication of `{publication}` in {location} does not read back as written; it is not recorded, and \
         publishing it again writes it all again:\n  {}",
        findings.join("\n  ")
    )]
    NotVerified { publication: String, location: String, findings: Vec<String> },
    /// A CDN invalidation after publishing failed (the publications are
    /// committed all the same).
    #[error("{cdn}: cannot invalidate what the publish of {} changed", publications.join(", "))]
    Cdn {
        cdn: String,
        publications: Vec<String>,
        #[source]
        source: crate::purge::CdnError,
    },
    /// The invalidation was made but could not be recorded: a rerun sends
    /// the same request again (which CloudFront answers with this one).
    #[error("{cdn}: invalidation {invalidation} was made, but recording it in the state failed")]
    PurgeNotRecorded {
        cdn: String,
        invalidation: String,
        #[source]
        source: Box<Error>,
    },
    #[error(transparent)]
    Store(#[from] aptkit_store::Error),
    #[error(transparent)]
    Sign(#[from] aptkit_sign::Error),
}

pub type Result<T> = std::result::Result<T, Error>;

/// Two different files under one `name_version_arch`: a package that is
/// already in a repo, or two given in one add.
#[derive(Debug, thiserror::Error)]
pub enum PackageConflict {
    #[error(
        "conflicting package {key}: `{new}` (SHA256 {new_sha}) differs from the one already in repo `{repo}` \
         (SHA256 {old_sha})"
    )]
    InRepo { key: String, repo: String, new: String, new_sha: String, old_sha: String },
    #[error(
        "conflicting package {key}: `{second}` (SHA256 {second_sha}) and `{first}` (SHA256 {first_sha}) are both \
         given and differ"
    )]
    InBatch { key: String, first: String, first_sha: String, second: String, second_sha: String },
}

/// What a caller may do about an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Another job holds the suite (or gc runs): retry later, unchanged.
    Busy,
    /// The state changed under this command: run it again.
    Stale,
    /// Content differs from what is already there: retrying cannot help.
    Conflict,
    /// Bad input (a name, a file, a dependency): fix it first.
    Input,
    /// The store failed; `transient` if it was unreachable or overloaded
    /// and the same request may succeed later.
    Store { transient: bool },
    /// The state store holds something this aptkit cannot read.
    CorruptState,
    /// Signing failed, or what was published did not verify.
    Integrity,
    /// The CDN refused an invalidation; `transient` if it may accept the
    /// same one later (throttled, too many in progress, unreachable).
    Cdn { transient: bool },
}

impl Error {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Busy(_) => ErrorKind::Busy,
            Error::Stale { .. } | Error::Contention(_) => ErrorKind::Stale,
            Error::GaveUp { source, .. } => source.kind(),
            Error::LiveClaim(_) => ErrorKind::Input,
            Error::Conflict(_) | Error::PoolMismatch { .. } => ErrorKind::Conflict,
            Error::UnknownRepo(_)
            | Error::RepoExists(_)
            | Error::UnknownSnapshot(_)
            | Error::SnapshotExists(_)
            | Error::UnknownPublication { .. }
            | Error::PublicationExists(_)
            | Error::InUse { .. }
            | Error::BadDeb { .. }
            | Error::BadControl { .. }
            | Error::Read { .. }
            | Error::NoPackages(_)
            | Error::Invalid(_)
            | Error::DateAhead { .. }
            | Error::Unsatisfiable { .. } => ErrorKind::Input,
            Error::Store(e) => ErrorKind::Store { transient: e.is_transient() },
            Error::CorruptState { .. } => ErrorKind::CorruptState,
            Error::Sign(_) | Error::NotVerified { .. } => ErrorKind::Integrity,
            Error::Cdn { source, .. } => ErrorKind::Cdn { transient: source.retryable },
            Error::PurgeNotRecorded { source, .. } => source.kind(),
        }
    }

    /// Whether the same command, run again later and unchanged, may
    /// succeed: another job held the suite, the state changed under it, or
    /// the store was unreachable. CI retries on exactly these.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.kind(),
            ErrorKind::Busy
                | ErrorKind::Stale
                | ErrorKind::Store { transient: true }
                | ErrorKind::Cdn { transient: true }
        )
    }

    /// The busy holder, when another job holds what this command needs.
    pub fn busy(&self) -> Option<&Busy> {
        match self {
            Error::Busy(b) => Some(b),
            Error::GaveUp { source, .. } => source.busy(),
            _ => None,
        }
    }

    pub(crate) fn busy_with(busy: Busy) -> Error {
        Error::Busy(Box::new(busy))
    }

    pub(crate) fn stale(subject: &str, reason: String) -> Error {
        Error::Stale { subject: subject.to_string(), reason }
    }
}

fn activity_word(activity: crate::Activity) -> &'static str {
    match activity {
        crate::Activity::Publishing => "publishing",
        crate::Activity::Dropping => "dropping",
        crate::Activity::Collecting => "collecting garbage",
        crate::Activity::Releasing => "releasing",
    }
}

/// ` (there is `debian/nightly`: name its --prefix)`, or nothing.
fn prefix_hint(elsewhere: &[String]) -> String {
    if elsewhere.is_empty() {
        return String::new();
    }
    let names: Vec<String> = elsewhere.iter().map(|e| format!("`{e}`")).collect();
    format!(" (there is {}: name its --prefix)", names.join(", "))
}
