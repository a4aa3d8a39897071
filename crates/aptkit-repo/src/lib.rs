//! aptly-style repositories over aptkit stores.
//!
//! Two stores: the private **state store** holds the refs document
//! ([`state`]), immutable package sets ([`PackageSet`]) and the .deb files
//! under their SHA-256; the public **publish store** holds `pool/` and
//! `dists/` exactly as apt expects. [`Repository`] offers the operations
//! behind `aptkit repo|snapshot|gc` ([`repos`](Repository::repo_add),
//! snapshots), and [`Publisher`] the one way to publish: every change to
//! names is one compare-and-swap of the refs document, made after the data
//! it points to is safely stored, so a failure never leaves a name
//! pointing at missing data and concurrent writers never lose an update.
//! Jobs that share a state store keep out of each other's way by claims
//! ([`claim`]); an error says whether to retry ([`Error::kind`]).

mod ahead;
mod chunk_cache;
pub mod claim;
mod contents;
pub mod depcheck;
mod drop;
mod error;
mod events;
mod gc;
mod holder;
pub mod index_html;
mod indices;
mod ingest;
mod lease;
mod package_set;
mod publish;
mod publisher;
mod purge;
mod readback;
mod repos;
pub mod set_ops;
mod snapshots;
pub mod state;
mod unlock;
pub mod wait;

use std::sync::Arc;

use aptkit_store::Store;

pub use claim::{release_subject, Activity, Busy, Held, TakenOver};
pub use depcheck::{Universe, Unsatisfied};
pub use error::{Error, ErrorKind, PackageConflict, Result};
pub use events::{NoEvents, PublishEvent, PublishEvents};
pub use gc::GcReport;
pub use index_html::{html_escape, write_index_pages, IndexHtmlReport};
pub use indices::architectures_of;
pub use ingest::{collect_debs, Intake};
pub use package_set::{PackageRecord, PackageSet};
pub use publish::{PublishReport, MAX_DATE_LEAD};
pub use publisher::{Clock, Dependencies, PublishAction, PublishRequest, Published, Publisher};
pub use purge::{
    dropped_suite, encode_path, plan_purge, Cdn, CdnError, PurgePlan, PurgeReport, PurgeWait, MAX_PATHS, MAX_WILDCARDS,
};
pub use repos::AddReport;
pub use set_ops::{Query, SetDiff};
pub use state::{Publication, Purged, Refs, Source};
pub use unlock::ClaimInfo;

pub struct Repository {
    state: Arc<dyn Store>,
    public: Arc<dyn Store>,
}

pub(crate) fn check_name(kind: &str, name: &str) -> Result<()> {
    if aptkit_control::valid_archive_name(name) {
        Ok(())
    } else {
        Err(Error::Invalid(format!(
            "invalid {kind} name `{name}` (letters, digits and . _ - + ~ only, not first . or -)"
        )))
    }
}

pub(crate) fn check_path_part(kind: &str, value: &str, allow_empty: bool) -> Result<()> {
    if value.is_empty() && allow_empty {
        return Ok(());
    }
    aptkit_store::validate_key(value).map_err(|_| Error::Invalid(format!("invalid {kind} `{value}`")))?;
    if value.split('/').any(|c| matches!(c, "dists" | "pool")) && kind == "prefix" {
        return Err(Error::Invalid(format!("invalid prefix `{value}`: `dists` and `pool` are reserved")));
    }
    Ok(())
}

impl Repository {
    pub fn new(state: Arc<dyn Store>, public: Arc<dyn Store>) -> Self {
        Repository { state, public }
    }

    pub fn state_store(&self) -> &dyn Store {
        self.state.as_ref()
    }

    /// The state store, shared (a build cache in it, a journal).
    pub fn state_arc(&self) -> &Arc<dyn Store> {
        &self.state
    }

    pub fn public_store(&self) -> &dyn Store {
        self.public.as_ref()
    }

    pub fn refs(&self) -> Result<Refs> {
        Ok(state::load(self.state.as_ref())?.0)
    }

    pub fn load_set(&self, id: &str) -> Result<PackageSet> {
        PackageSet::load(self.state.as_ref(), id)
    }

    pub(crate) fn source_set(refs: &Refs, source: &Source) -> Result<String> {
        Ok(match source {
            Source::Repo(n) => refs.repos.get(n).ok_or_else(|| Error::UnknownRepo(n.clone()))?.set.clone(),
            Source::Snapshot(n) => refs.snapshots.get(n).ok_or_else(|| Error::UnknownSnapshot(n.clone()))?.set.clone(),
        })
    }

    /// The unsatisfiable dependencies of a publication's packages.
    pub fn check(&self, prefix: &str, distribution: &str, base: &Universe) -> Result<Vec<Unsatisfied>> {
        let refs = self.refs()?;
        let publication =
            refs.publication(prefix, distribution).ok_or_else(|| unknown_publication(&refs, prefix, distribution))?;
        let set = self.load_set(&publication.set)?;
        Ok(depcheck::check(&set, &publication.architectures, base))
    }

    /// Delete what nothing references any more, sparing objects younger
    /// than `min_age` seconds (a concurrent writer may be about to refer to
    /// them). With `dry_run`, only report.
    pub fn gc(&self, min_age: i64, now: i64, dry_run: bool) -> Result<GcReport> {
        self.gc_keeping(min_age, gc::BY_HASH_TTL, now, dry_run)
    }

    /// [`Repository::gc`], keeping superseded by-hash copies younger than
    /// `by_hash_ttl` seconds (the longest a CDN caches InRelease).
    pub fn gc_keeping(&self, min_age: i64, by_hash_ttl: i64, now: i64, dry_run: bool) -> Result<GcReport> {
        gc::collect(&self.state, self.public.as_ref(), min_age, by_hash_ttl, now, dry_run)
    }

    /// [`Repository::gc_keeping`] at this machine's time, waiting up to
    /// `wait` for another gc to finish (said to `events`).
    pub fn gc_waiting(
        &self,
        (min_age, by_hash_ttl): (i64, i64),
        dry_run: bool,
        wait: std::time::Duration,
        events: &dyn PublishEvents,
    ) -> Result<GcReport> {
        wait::retrying(wait, state::GC_CLAIM, events, || {
            self.gc_keeping(min_age, by_hash_ttl, Clock::System.now(), dry_run)
        })
    }
}

/// No publication `prefix/distribution`; the error names the suites of
/// that name under other prefixes (a forgotten `--prefix`).
pub(crate) fn unknown_publication(refs: &Refs, prefix: &str, distribution: &str) -> Error {
    let elsewhere = refs
        .publications
        .iter()
        .filter(|p| p.distribution == distribution && p.prefix != prefix)
        .map(|p| p.id())
        .collect();
    Error::UnknownPublication { id: state::publication_id(prefix, distribution), elsewhere }
}
