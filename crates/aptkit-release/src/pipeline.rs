//! The release pipeline: for every version, its source tarball (signed,
//! kept in the state store); every distro built in parallel through the
//! build cache; then the versions published one at a time, in the order
//! given, each to the suites the routing says, with retention; and last,
//! once every publish succeeded, one CDN invalidation for all of it.
//!
//! Every step is recorded in the journal when it ends, so that a release
//! stopped anywhere (an error, a kill) is continued by `--resume` from its
//! first unfinished step: a finished source is read back from the state
//! store, a finished build is restored from the build cache (nothing is
//! compiled), a finished publish is not repeated. While a release runs it
//! holds a claim on `:release:<id>` in the state, so a second run of the
//! same versions is refused, naming the holder, and a run killed anywhere
//! is taken over once its lease runs out.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use aptkit_build::cache::Provenance;
use aptkit_build::compile::Engine;
use aptkit_build::Distros;
use aptkit_repo::{Cdn, Dependencies, PublishEvents, PurgeWait, Repository};
use aptkit_sign::SigningKey;

use crate::events::{ReleaseEvent, ReleaseEvents};
use crate::journal::{Journal, JournalStore, Step, StepStatus};
use crate::plan::{Mode, Plan};
use crate::report::{PurgeOutcome, ReleaseReport, Status, VersionReport};
use crate::{builds, publishes, sources, status_page};

/// Where nightlies and releases are made from: a git repository.
#[derive(Debug, Clone)]
pub struct GitOrigin {
    pub dir: PathBuf,
    /// The commit nightlies are made from [default: the branch checked out].
    pub nightly_ref: Option<String>,
    /// A release's tag: `v{version}`.
    pub tag_format: String,
    /// The source package's name [default: debian/control's].
    pub name: Option<String>,
}

/// How the distros are built.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub engine: Engine,
    pub host_arch: String,
    pub compression: aptkit_deb::Compression,
    /// This machine's cache of Build-Depends target roots.
    pub cache_dir: PathBuf,
    /// Products go to `out/<version>/<distro>/`.
    pub out: PathBuf,
    /// Logs go to `log_dir/<version>/<distro>.log`.
    pub log_dir: PathBuf,
    pub source_date_epoch: Option<i64>,
    pub provenance: Provenance,
    /// Builds at once.
    pub jobs: usize,
}

/// How the suites are published.
#[derive(Debug, Clone)]
pub struct PublishOptions {
    /// Path prefix of the publications in the publish store.
    pub prefix: String,
    pub component: String,
    pub origin: Option<String>,
    pub label: Option<String>,
    pub dependencies: Dependencies,
    /// How long a publish waits for a suite another job holds.
    pub wait: Duration,
}

/// The CDN step: one invalidation at the very end.
pub struct CdnStep<'a> {
    pub cdn: &'a (dyn Cdn + Sync),
    /// Where the CDN serves the publish store (`apt` for `/apt/dists/…`).
    pub path_prefix: String,
    pub wait: Option<PurgeWait>,
}

pub struct Release<'a> {
    pub repository: &'a Repository,
    pub keys: &'a [SigningKey],
    pub distros: &'a Distros,
    pub plan: Plan,
    pub mode: Mode,
    /// Where sources are made; `None` when they need not be (promotion),
    /// or are taken from `tarballs`.
    pub git: Option<GitOrigin>,
    /// A directory of source tarballs made before (`aptkit source --out`):
    /// each version's `NAME-VERSION.tar.*` is taken from it, not from git.
    pub tarballs: Option<PathBuf>,
    pub build: BuildOptions,
    pub publish: PublishOptions,
    pub cdn: Option<CdnStep<'a>>,
    /// Continue the journal's release: skip its finished steps.
    pub resume: bool,
    /// Publish nothing unless every build succeeded.
    pub all_or_nothing: bool,
    /// Say what would run; run nothing, write nothing.
    pub dry_run: bool,
    /// Also write the status page into the publish store.
    pub status_page_public: bool,
    /// The time the release goes by (claims, journal records).
    pub now: fn() -> i64,
    pub events: &'a dyn ReleaseEvents,
    pub publish_events: &'a dyn PublishEvents,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot start the release of {id}: {source}")]
    Claim { id: String, source: aptkit_repo::Error },
    #[error(transparent)]
    Journal(#[from] crate::journal::Error),
    #[error(
        "--resume: the state store has no journal of a release of {id} (`{key}`); run the release without --resume"
    )]
    NothingToResume { id: String, key: String },
    #[error(
        "an unfinished release of {id} is in the state store (`{key}`, {done} of its steps finished): continue it with \
         --resume"
    )]
    Unfinished { id: String, key: String, done: usize },
    #[error("cannot make a scratch directory for the sources: {0}")]
    Scratch(std::io::Error),
    #[error(
        "the release of {id} needs a git repository to make its sources from (--git, or [release] git in aptkit.toml)"
    )]
    NoGit { id: String },
}

/// What a step found in the journal.
pub(crate) fn recorded<'j>(journal: &'j Journal, step: &str) -> Option<&'j Step> {
    journal.steps.get(step).filter(|s| s.status == StepStatus::Done)
}

impl Release<'_> {
    pub fn run(self) -> Result<ReleaseReport, Error> {
        let started = Instant::now();
        let id = self.plan.id.clone();
        let journals = JournalStore::new(self.repository.state_arc().clone(), &id);
        let mut report = ReleaseReport {
            id: id.clone(),
            journal: journals.key().to_string(),
            dry_run: self.dry_run,
            ..ReleaseReport::default()
        };
        let existing = journals.load()?;
        match (&existing, self.resume) {
            (None, true) => return Err(Error::NothingToResume { id, key: journals.key().into() }),
            // Matrix jobs add to one journal; the publishing job continues it.
            (Some(j), false) if j.finished.is_none() && matches!(self.mode, Mode::Full | Mode::Promote { .. }) => {
                return Err(Error::Unfinished { id, key: journals.key().into(), done: done_steps(j) })
            }
            _ => {}
        }
        // A finished journal is continued only by --resume (which then
        // has nothing left to do); otherwise this run is a new release of
        // the same versions, whose builds the cache makes cheap.
        let continuing = self.resume || matches!(self.mode, Mode::BuildOnly | Mode::NoBuild);
        let (journal, fresh) = match existing {
            Some(j) if continuing && (j.finished.is_none() || self.resume) => (j, false),
            _ => {
                let versions: Vec<String> = self.plan.versions.iter().map(|v| v.version.clone()).collect();
                (Journal::new(&versions, (self.now)()), true)
            }
        };
        report.resumed = done_steps(&journal) > 0;
        if self.dry_run {
            return Ok(self.dry_run_report(report, &journal, started));
        }
        if self.git.is_none() && self.tarballs.is_none() && !matches!(self.mode, Mode::Promote { .. }) {
            let all_recorded =
                self.plan.versions.iter().all(|v| recorded(&journal, &format!("source/{}", v.version)).is_some());
            if !all_recorded {
                return Err(Error::NoGit { id });
            }
        }
        // Matrix jobs share the journal and do not exclude one another;
        // every publishing run holds the release's claim.
        let claim = match self.mode {
            Mode::BuildOnly => None,
            _ => Some(
                self.repository
                    .hold(&aptkit_repo::release_subject(&id), aptkit_repo::Activity::Releasing, (self.now)())
                    .map_err(|source| Error::Claim { id: id.clone(), source })?,
            ),
        };
        if let Some(over) = claim.as_ref().and_then(|c| c.taken_over()) {
            let text = format!(
                "took over the release from {} (since {}), which stopped",
                over.holder.as_deref().unwrap_or("a job"),
                aptkit_index::format_date(over.since)
            );
            self.events.event(ReleaseEvent::Note { step: "release", text });
        }
        // Matrix jobs only add records (each in its own compare-and-swap):
        // one starting the journal afresh could erase another's.
        if fresh && self.mode != Mode::BuildOnly {
            journals.begin(&journal)?;
        }
        let ctx = Context { release: &self, journals: &journals, journal };

        let scratch = tempfile::Builder::new().prefix("aptkit-release-").tempdir().map_err(Error::Scratch)?;
        for version in &self.plan.versions {
            report.versions.push(VersionReport {
                version: version.version.clone(),
                kind: version.kind.to_string(),
                ..VersionReport::default()
            });
        }

        // 1. Sources, 2. builds (all versions at once, --jobs at a time).
        let mut products = Vec::new();
        if !matches!(self.mode, Mode::Promote { .. }) {
            let tarballs = sources::all(&ctx, scratch.path(), &mut report);
            products = builds::all(&ctx, &tarballs, &mut report);
        }
        if self.mode == Mode::BuildOnly {
            report.seconds = started.elapsed().as_secs_f64();
            return Ok(report);
        }

        // 3. Publishes, one version at a time, 4. with retention.
        let build_failed = !report.failures.is_empty();
        let stop = build_failed && self.all_or_nothing;
        if stop {
            report.failures.push("--all-or-nothing: a build failed, so nothing was published".into());
        }
        let changed = publishes::all(&ctx, &products, stop, claim.as_ref(), &mut report);

        // 5. The CDN, only once every publish succeeded.
        let publish_failed = report.versions.iter().flat_map(|v| &v.publishes).any(|p| p.status == Status::Failed);
        if let Some(cdn) = &self.cdn {
            report.purge = Some(if publish_failed || stop {
                PurgeOutcome { status: Status::Skipped, cdn: cdn.cdn.name(), ..PurgeOutcome::default() }
            } else {
                publishes::purge(&ctx, cdn, &changed, &mut report)
            });
        }
        report.seconds = started.elapsed().as_secs_f64();
        status_page::write(&ctx, &mut report);
        if report.failures.is_empty() {
            journals.finish(&ctx.versions(), (self.now)())?;
        }
        if let Some(claim) = claim {
            // Best effort: an unreturned claim runs out with its lease.
            let _ = claim.release();
        }
        Ok(report)
    }

    fn dry_run_report(&self, mut report: ReleaseReport, journal: &Journal, started: Instant) -> ReleaseReport {
        for version in &self.plan.versions {
            let v = &version.version;
            let status = |step: String| if recorded(journal, &step).is_some() { Status::Done } else { Status::Planned };
            report.versions.push(VersionReport {
                version: v.clone(),
                kind: version.kind.to_string(),
                source: None,
                // A promotion builds nothing.
                builds: version
                    .distros
                    .iter()
                    .filter(|_| !matches!(self.mode, Mode::Promote { .. }))
                    .map(|d| crate::report::BuildReport {
                        distro: d.id.clone(),
                        status: status(format!("build/{v}/{}", d.id)),
                        ..Default::default()
                    })
                    .collect(),
                publishes: version
                    .suites
                    .iter()
                    .map(|s| crate::report::SuiteReport {
                        suite: s.suite.clone(),
                        status: status(format!("publish/{v}/{}", s.suite)),
                        ..Default::default()
                    })
                    .collect(),
            });
        }
        if let Some(cdn) = &self.cdn {
            report.purge = Some(PurgeOutcome { status: Status::Planned, cdn: cdn.cdn.name(), ..Default::default() });
        }
        report.seconds = started.elapsed().as_secs_f64();
        report
    }
}

fn done_steps(journal: &Journal) -> usize {
    journal.steps.values().filter(|s| s.status == StepStatus::Done).count()
}

/// What every step sees: the release, its journal as it stood when the
/// run began, and where to record.
pub(crate) struct Context<'r, 'a> {
    pub release: &'r Release<'a>,
    pub journals: &'r JournalStore,
    pub journal: Journal,
}

impl Context<'_, '_> {
    pub fn versions(&self) -> Vec<String> {
        self.release.plan.versions.iter().map(|v| v.version.clone()).collect()
    }

    pub fn now(&self) -> i64 {
        (self.release.now)()
    }

    /// The step's record from an earlier run, when it finished.
    pub fn done(&self, step: &str) -> Option<&Step> {
        recorded(&self.journal, step)
    }

    /// Record `step` as ended; a journal that cannot be written is a
    /// failure of the release (a resumed run would repeat the step).
    pub fn record(&self, step: &str, status: StepStatus, detail: serde_json::Value, report: &mut ReleaseReport) {
        if let Err(failure) = self.try_record(step, status, detail) {
            report.failures.push(failure);
        }
    }

    /// [`Context::record`], the failure returned.
    pub fn try_record(&self, step: &str, status: StepStatus, detail: serde_json::Value) -> Result<(), String> {
        let record = Step { status, at: self.now(), detail };
        self.journals
            .record(&self.versions(), step, record)
            .map(|_| ())
            .map_err(|e| format!("{step}: finished, but not recorded in the journal: {e}"))
    }

    pub fn event(&self, event: ReleaseEvent<'_>) {
        self.release.events.event(event);
    }
}
