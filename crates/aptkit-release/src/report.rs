//! What a release did, step by step: the summary the command prints (as
//! text or `--json`) and the status page shows.

use serde::Serialize;

#[derive(Debug, Clone, Default, Serialize)]
pub struct ReleaseReport {
    pub id: String,
    /// The journal in the state store.
    pub journal: String,
    /// True when steps finished by an earlier run were skipped.
    pub resumed: bool,
    pub dry_run: bool,
    pub versions: Vec<VersionReport>,
    /// The CDN invalidation, when a CDN is configured and something changed.
    pub purge: Option<PurgeOutcome>,
    /// The status page's key in the state store, once written.
    pub status_page: Option<String>,
    /// Everything that failed, one line each (empty: the release succeeded).
    pub failures: Vec<String>,
    pub seconds: f64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct VersionReport {
    pub version: String,
    pub kind: String,
    pub source: Option<SourceReport>,
    pub builds: Vec<BuildReport>,
    pub publishes: Vec<SuiteReport>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct SourceReport {
    pub file: String,
    pub sha256: String,
    /// The commit and the ref it was made from (`v1.3.0`, `main`), when
    /// made from git.
    pub commit: Option<String>,
    #[serde(rename = "ref")]
    pub git_ref: Option<String>,
    /// Its key in the state store.
    pub key: String,
    pub status: Status,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Would run (a dry run).
    #[default]
    Planned,
    /// Finished by an earlier run of this release (the journal says).
    Done,
    /// Compiled now.
    Built,
    /// Restored from the build cache: nothing compiled.
    Reused,
    /// Made now (a source tarball).
    Made,
    /// Written and signed now.
    Published,
    /// The suite already held exactly these packages: nothing written.
    Unchanged,
    Failed,
    /// Not run: an earlier step failed (or `--all-or-nothing`).
    Skipped,
}

impl Status {
    /// The word people read (the summary, the status page).
    pub fn word(self) -> &'static str {
        match self {
            Status::Planned => "planned",
            Status::Done => "done before",
            Status::Built => "built",
            Status::Reused => "reused",
            Status::Made => "made",
            Status::Published => "published",
            Status::Unchanged => "unchanged",
            Status::Failed => "FAILED",
            Status::Skipped => "skipped",
        }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct BuildReport {
    pub distro: String,
    pub status: Status,
    pub seconds: f64,
    /// The build's log on the machine that ran it.
    pub log: Option<String>,
    pub debs: Vec<DebReport>,
    /// A failed build's error, its log tail included.
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
pub struct DebReport {
    pub file: String,
    pub size: u64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct SuiteReport {
    pub suite: String,
    pub status: Status,
    /// Packages added to the suite (`name_version_arch`).
    pub added: Vec<String>,
    /// Nightly versions dropped by retention.
    pub dropped: Vec<String>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct PurgeOutcome {
    pub status: Status,
    pub cdn: String,
    pub invalidation: Option<String>,
    pub paths: Vec<String>,
    pub error: Option<String>,
}

impl ReleaseReport {
    pub fn failed(&self) -> bool {
        !self.failures.is_empty()
    }

    /// The suites this release published to (or found unchanged), in order.
    pub fn suites(&self) -> Vec<&str> {
        let mut suites: Vec<&str> = Vec::new();
        for v in &self.versions {
            for p in &v.publishes {
                if matches!(p.status, Status::Published | Status::Unchanged | Status::Done)
                    && !suites.contains(&p.suite.as_str())
                {
                    suites.push(&p.suite);
                }
            }
        }
        suites
    }
}
