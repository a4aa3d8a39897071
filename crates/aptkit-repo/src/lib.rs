//! aptly-style repositories over aptkit stores.
//!
//! Two stores (DESIGN.md): the private **state store** holds the refs
//! document ([`state`]), immutable package sets ([`PackageSet`]) and the
//! .deb files under their SHA-256; the public **publish store** holds
//! `pool/` and `dists/` exactly as apt expects. [`Repository`] offers the
//! operations behind `aptkit repo|snapshot|publish`; every change to names
//! is one compare-and-swap of the refs document, made after the data it
//! points to is safely stored, so a failure never leaves a name pointing
//! at missing data and concurrent writers never lose an update.

mod chunk_cache;
mod contents;
pub mod depcheck;
mod error;
mod gc;
mod holder;
mod ingest;
mod package_set;
mod publish;
pub mod set_ops;
pub mod state;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use aptkit_sign::SigningKey;
use aptkit_store::{Body, Caching, Store};

pub use depcheck::{Universe, Unsatisfied};
pub use error::{Error, Result};
pub use gc::GcReport;
pub use ingest::{collect_debs, Intake};
pub use package_set::{PackageRecord, PackageSet};
pub use publish::{architectures_of, NoProgress, PublishProgress, PublishReport, MAX_DATE_LEAD};
pub use set_ops::{Query, SetDiff};
pub use state::{Publication, Refs, Source};

pub struct Repository {
    state: Arc<dyn Store>,
    public: Arc<dyn Store>,
}

/// What `repo add` did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddReport {
    pub added: Vec<String>,
    /// Identical packages that were already in the repo.
    pub unchanged: Vec<String>,
    /// Older versions dropped by the repo's retention (`keep_versions`).
    pub retired: Vec<String>,
    /// With [`Intake::Move`]: input files that could not be removed, and why.
    pub not_removed: Vec<(PathBuf, String)>,
}

/// Whether a publish checks the dependency closure first.
#[derive(Debug, Clone)]
pub enum Dependencies {
    /// Publish whatever the set holds.
    Skip,
    /// Refuse unless every Depends/Pre-Depends is satisfiable by the set
    /// plus this base (the distribution's own indices).
    Check(Universe),
}

/// A new publication.
pub struct PublishRequest {
    pub prefix: String,
    pub distribution: String,
    pub component: String,
    pub source: Source,
    /// `None`: every architecture in the packages except `all`.
    pub architectures: Option<Vec<String>>,
    pub origin: Option<String>,
    pub label: Option<String>,
    pub valid_for_days: Option<u32>,
    /// Also publish `Contents-<arch>.gz` (off by default, as in aptly).
    pub contents: bool,
}

fn check_name(kind: &str, name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 128
        && !name.starts_with(['.', '-'])
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+' | '~'));
    if ok {
        Ok(())
    } else {
        Err(Error::Invalid(format!(
            "invalid {kind} name `{name}` (letters, digits and . _ - + ~ only, not first . or -)"
        )))
    }
}

fn check_path_part(kind: &str, value: &str, allow_empty: bool) -> Result<()> {
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

    pub fn public_store(&self) -> &dyn Store {
        self.public.as_ref()
    }

    pub fn refs(&self) -> Result<Refs> {
        Ok(state::load(self.state.as_ref())?.0)
    }

    pub fn load_set(&self, id: &str) -> Result<PackageSet> {
        PackageSet::load(self.state.as_ref(), id)
    }

    pub fn repo_create(&self, name: &str, comment: &str, keep_versions: Option<u32>, now: i64) -> Result<()> {
        check_name("repo", name)?;
        if keep_versions == Some(0) {
            return Err(Error::Invalid("--keep-versions must be at least 1".into()));
        }
        let empty = PackageSet::new().save(self.state.as_ref())?;
        state::update(self.state.as_ref(), |refs| {
            if refs.repos.contains_key(name) {
                return Err(Error::RepoExists(name.to_string()));
            }
            refs.repos.insert(
                name.to_string(),
                state::RepoRef { set: empty.clone(), comment: comment.to_string(), created: now, keep_versions },
            );
            Ok(())
        })
    }

    pub fn repo_packages(&self, name: &str) -> Result<PackageSet> {
        let refs = self.refs()?;
        let repo = refs.repos.get(name).ok_or_else(|| Error::UnknownRepo(name.to_string()))?;
        self.load_set(&repo.set)
    }

    /// Add .deb files (or directories of them). A different file under an
    /// existing `name_version_arch` is a conflict and nothing is added; the
    /// identical file is a no-op.
    pub fn repo_add(&self, name: &str, inputs: &[PathBuf], on_done: &(dyn Fn(&Path, u64) + Sync)) -> Result<AddReport> {
        self.repo_add_as(name, inputs, Intake::Copy, on_done)
    }

    /// [`Repository::repo_add`], taking the files in as `intake` says. With
    /// [`Intake::Move`] every input file is removed once the add is
    /// committed (aptly's `-remove-files`); a failed add removes none.
    pub fn repo_add_as(
        &self,
        name: &str,
        inputs: &[PathBuf],
        intake: Intake,
        on_done: &(dyn Fn(&Path, u64) + Sync),
    ) -> Result<AddReport> {
        // Fail on an unknown repo before reading any file.
        let base_id = self.refs()?.repos.get(name).ok_or_else(|| Error::UnknownRepo(name.to_string()))?.set.clone();
        let debs = ingest::collect_debs(inputs)?;
        let staging = self.staging()?;
        let staged = ingest::read_all(&debs, staging.path(), intake, on_done)?;
        let (records, copies): (Vec<_>, Vec<_>) = staged.into_iter().map(|s| (s.record, (s.copy, s.linked))).unzip();
        // Conflicts inside the batch itself.
        let mut batch = PackageSet::new();
        let mut first_path = std::collections::HashMap::new();
        for (record, path) in records.iter().zip(&debs) {
            if let Some(other) = batch.get(&record.key()) {
                if other.sha256() != record.sha256() {
                    return Err(Error::BatchConflict {
                        key: record.key(),
                        first: first_path
                            .get(&record.key())
                            .map(|p: &&PathBuf| p.display().to_string())
                            .unwrap_or_default(),
                        first_sha: other.sha256().to_string(),
                        second: path.display().to_string(),
                        second_sha: record.sha256().to_string(),
                    });
                }
            }
            first_path.entry(record.key()).or_insert(path);
            batch.insert(record.clone());
        }
        let mut report = AddReport::default();
        let base = self.load_set(&base_id)?;
        for (record, path) in records.iter().zip(&debs) {
            if let Some(existing) = base.get(&record.key()) {
                if existing.sha256() != record.sha256() {
                    return Err(conflict(record, path, name, existing));
                }
            }
        }
        // Data first (content-addressed blobs), names last. The staged
        // copies hold exactly the hashed bytes; a local store links them.
        aptkit_parallel::try_map(records.len(), self.state.concurrency(), |i| {
            let (record, (copy, linked)) = (&records[i], &copies[i]);
            if let aptkit_store::Written::Conflict(_) =
                self.state.put_if_absent(&record.blob_key(), Body::Immutable(copy), Caching::Immutable)?
            {
                // The same bytes are there already, maybe unreferenced and
                // old enough for a concurrent gc: rewrite them so that their
                // age restarts and gc's grace period covers this add. Not by
                // linking the caller's own file (`--remove-files`): that blob
                // may belong to published packages, and if this add fails
                // the caller keeps the file and may rewrite it.
                let body = if *linked { Body::File(copy) } else { Body::Immutable(copy) };
                self.state.put(&record.blob_key(), body, Caching::Immutable)?;
            }
            Ok::<_, Error>(())
        })?;
        // The staged names, in parallel (a TempDir removes them one by one).
        aptkit_parallel::map(copies.len(), aptkit_parallel::cores(), |i| std::fs::remove_file(&copies[i].0));
        drop(staging);
        let mut added = Vec::new();
        let mut unchanged = Vec::new();
        let mut retired = Vec::new();
        // The set read for the conflict check is reused unless another job
        // changed the repo meanwhile (then the update reads the new one).
        let mut base = Some((base_id, base));
        state::update(self.state.as_ref(), |refs| {
            let repo = refs.repos.get_mut(name).ok_or_else(|| Error::UnknownRepo(name.to_string()))?;
            let mut set = match base.take() {
                Some((id, set)) if id == repo.set => set,
                _ => PackageSet::load(self.state.as_ref(), &repo.set)?,
            };
            added.clear();
            unchanged.clear();
            retired.clear();
            for record in batch.iter() {
                match set.get(&record.key()) {
                    Some(existing) if existing.sha256() == record.sha256() => unchanged.push(record.key()),
                    Some(existing) => {
                        let path = debs[records.iter().position(|r| r.key() == record.key()).unwrap_or(0)].clone();
                        return Err(conflict(record, &path, name, existing));
                    }
                    None => {
                        set.insert(record.clone());
                        added.push(record.key());
                    }
                }
            }
            if let Some(keep) = repo.keep_versions {
                retired = set_ops::retain_newest(&mut set, keep as usize);
                added.retain(|k| !retired.contains(k));
            }
            repo.set = set.save(self.state.as_ref())?;
            Ok(())
        })?;
        report.added = added;
        report.unchanged = unchanged;
        report.retired = retired;
        if intake == Intake::Move {
            // Committed: the originals are no longer needed. One that cannot
            // be removed is reported, not an error (the add is done).
            let removed =
                aptkit_parallel::map(debs.len(), aptkit_parallel::cores(), |i| std::fs::remove_file(&debs[i]));
            for (deb, result) in debs.iter().zip(removed) {
                match result {
                    // Gone already: named twice in the inputs.
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                        report.not_removed.push((deb.clone(), e.to_string()))
                    }
                    _ => {}
                }
            }
        }
        Ok(report)
    }

    /// A private directory for staged copies, removed when dropped: beside
    /// a local state store (so blobs are linked, not copied again), else
    /// in the system's temporary directory.
    fn staging(&self) -> Result<tempfile::TempDir> {
        match self.state.staging_dir() {
            Some(dir) => fs_err::create_dir_all(&dir)
                .and_then(|_| tempfile::tempdir_in(&dir))
                .map_err(|source| Error::Read { path: dir, source }),
            None => tempfile::tempdir().map_err(|source| Error::Read { path: std::env::temp_dir(), source }),
        }
    }

    /// Remove packages by `name`, `name_version` or `name_version_arch`.
    pub fn repo_remove(&self, name: &str, queries: &[String]) -> Result<Vec<String>> {
        let mut removed = Vec::new();
        state::update(self.state.as_ref(), |refs| {
            let repo = refs.repos.get_mut(name).ok_or_else(|| Error::UnknownRepo(name.to_string()))?;
            let mut set = PackageSet::load(self.state.as_ref(), &repo.set)?;
            removed.clear();
            for query in queries {
                let before = set.len();
                // A pattern or a version constraint is a query, as in `repo
                // search` (`bench-*`, `hello (<< 2.0)`); anything else names
                // packages exactly.
                let pattern = if query.contains(['*', '?', '[', '(']) {
                    Some(set_ops::Query::parse(query).map_err(Error::Invalid)?)
                } else {
                    None
                };
                set.retain(|r| {
                    let hit = pattern.as_ref().is_some_and(|q| q.matches(r))
                        || r.name() == query
                        || format!("{}_{}", r.name(), r.version()) == *query
                        || r.key() == *query;
                    if hit {
                        removed.push(r.key());
                    }
                    !hit
                });
                if set.len() == before {
                    return Err(Error::Invalid(format!("no package matching `{query}` in repo `{name}`")));
                }
            }
            repo.set = set.save(self.state.as_ref())?;
            Ok(())
        })?;
        Ok(removed)
    }

    pub fn repo_drop(&self, name: &str) -> Result<()> {
        state::update(self.state.as_ref(), |refs| {
            if !refs.repos.contains_key(name) {
                return Err(Error::UnknownRepo(name.to_string()));
            }
            if let Some(p) = refs.publications.iter().find(|p| p.source == Source::Repo(name.to_string())) {
                return Err(Error::InUse { what: "repo", name: name.to_string(), publication: p.id() });
            }
            refs.repos.remove(name);
            Ok(())
        })
    }

    pub fn snapshot_create_from_repo(&self, name: &str, repo: &str, now: i64) -> Result<usize> {
        check_name("snapshot", name)?;
        state::update(self.state.as_ref(), |refs| {
            if refs.snapshots.contains_key(name) {
                return Err(Error::SnapshotExists(name.to_string()));
            }
            let source = refs.repos.get(repo).ok_or_else(|| Error::UnknownRepo(repo.to_string()))?;
            let set = source.set.clone();
            let count = PackageSet::load(self.state.as_ref(), &set)?.len();
            refs.snapshots.insert(
                name.to_string(),
                state::SnapshotRef { set, description: format!("snapshot of repo {repo}"), created: now },
            );
            Ok(count)
        })
    }

    fn create_snapshot(&self, name: &str, set: &PackageSet, description: String, now: i64) -> Result<()> {
        check_name("snapshot", name)?;
        let id = set.save(self.state.as_ref())?;
        state::update(self.state.as_ref(), |refs| {
            if refs.snapshots.contains_key(name) {
                return Err(Error::SnapshotExists(name.to_string()));
            }
            refs.snapshots.insert(
                name.to_string(),
                state::SnapshotRef { set: id.clone(), description: description.clone(), created: now },
            );
            Ok(())
        })
    }

    /// aptly's `snapshot merge`: later sources replace earlier packages of
    /// the same name and architecture (`latest`: only newer versions do;
    /// `keep_all`: nothing is replaced).
    pub fn snapshot_merge(
        &self,
        dest: &str,
        sources: &[String],
        latest: bool,
        keep_all: bool,
        now: i64,
    ) -> Result<usize> {
        if self.refs()?.snapshots.contains_key(dest) {
            return Err(Error::SnapshotExists(dest.to_string()));
        }
        let sets = sources.iter().map(|s| self.snapshot_packages(s)).collect::<Result<Vec<_>>>()?;
        let merged = set_ops::merge(&sets, latest, keep_all);
        self.create_snapshot(dest, &merged, format!("merge of {}", sources.join(", ")), now)?;
        Ok(merged.len())
    }

    /// A new snapshot with the packages of `source` matching any query.
    pub fn snapshot_filter(&self, source: &str, dest: &str, queries: &[Query], now: i64) -> Result<usize> {
        if self.refs()?.snapshots.contains_key(dest) {
            return Err(Error::SnapshotExists(dest.to_string()));
        }
        let mut set = self.snapshot_packages(source)?;
        set.retain(|r| queries.iter().any(|q| q.matches(r)));
        self.create_snapshot(dest, &set, format!("filter of snapshot {source}"), now)?;
        Ok(set.len())
    }

    pub fn snapshot_diff(&self, a: &str, b: &str) -> Result<SetDiff> {
        Ok(set_ops::diff(&self.snapshot_packages(a)?, &self.snapshot_packages(b)?))
    }

    pub fn snapshot_packages(&self, name: &str) -> Result<PackageSet> {
        let refs = self.refs()?;
        let snap = refs.snapshots.get(name).ok_or_else(|| Error::UnknownSnapshot(name.to_string()))?;
        self.load_set(&snap.set)
    }

    pub fn snapshot_drop(&self, name: &str) -> Result<()> {
        state::update(self.state.as_ref(), |refs| {
            if !refs.snapshots.contains_key(name) {
                return Err(Error::UnknownSnapshot(name.to_string()));
            }
            if let Some(p) = refs.publications.iter().find(|p| p.source == Source::Snapshot(name.to_string())) {
                return Err(Error::InUse { what: "snapshot", name: name.to_string(), publication: p.id() });
            }
            refs.snapshots.remove(name);
            Ok(())
        })
    }

    fn source_set(refs: &Refs, source: &Source) -> Result<String> {
        Ok(match source {
            Source::Repo(n) => refs.repos.get(n).ok_or_else(|| Error::UnknownRepo(n.clone()))?.set.clone(),
            Source::Snapshot(n) => refs.snapshots.get(n).ok_or_else(|| Error::UnknownSnapshot(n.clone()))?.set.clone(),
        })
    }

    /// Publish a repo or snapshot as a new distribution.
    pub fn publish(
        &self,
        req: PublishRequest,
        deps: &Dependencies,
        keys: &[SigningKey],
        now: i64,
        progress: &dyn PublishProgress,
    ) -> Result<(Publication, PublishReport)> {
        check_path_part("prefix", &req.prefix, true)?;
        // A distribution is one word of an apt sources line and a directory
        // under dists/: no spaces, no `/` (suites must not nest: dropping
        // `stable` would delete `stable/updates`), nothing apt or a URL
        // would read differently.
        check_name("distribution", &req.distribution)?;
        check_name("component", &req.component)?;
        if keys.is_empty() {
            return Err(aptkit_sign::Error::NoKeys.into());
        }
        let refs = self.refs()?;
        let id = state::publication_id(&req.prefix, &req.distribution);
        if refs.publication(&req.prefix, &req.distribution).is_some() {
            return Err(Error::PublicationExists(id));
        }
        let set_id = Self::source_set(&refs, &req.source)?;
        let set = self.load_set(&set_id)?;
        let architectures = match req.architectures {
            Some(a) if !a.is_empty() => {
                if let Some(bad) = a.iter().find(|a| *a == "all" || !ingest::valid_architecture(a)) {
                    return Err(Error::Invalid(format!(
                        "invalid architecture `{bad}` (name machine architectures; `all` packages go into each)"
                    )));
                }
                a
            }
            _ => {
                let found: Vec<String> = architectures_of(&set).into_keys().filter(|a| a != "all").collect();
                if found.is_empty() {
                    return Err(Error::Invalid(format!(
                        "{} has no architecture-specific packages: name the architectures with --architectures",
                        req.source
                    )));
                }
                found
            }
        };
        let publication = Publication {
            prefix: req.prefix,
            distribution: req.distribution,
            component: req.component,
            source: req.source,
            set: set_id,
            architectures,
            date: 0,
            origin: req.origin,
            label: req.label,
            valid_for_days: req.valid_for_days,
            signed_by: Vec::new(),
            contents: req.contents,
            previous_sets: Vec::new(),
            public_store: None,
        };
        self.run_publish(publication, &set, None, deps, keys, now, progress)
    }

    /// Point a snapshot publication at another snapshot.
    #[allow(clippy::too_many_arguments)]
    pub fn publish_switch(
        &self,
        prefix: &str,
        distribution: &str,
        snapshot: &str,
        deps: &Dependencies,
        keys: &[SigningKey],
        now: i64,
        progress: &dyn PublishProgress,
    ) -> Result<(Publication, PublishReport)> {
        self.republish(prefix, distribution, Some(snapshot), deps, keys, now, progress)
    }

    /// Republish a repo publication with the repo's current packages.
    pub fn publish_update(
        &self,
        prefix: &str,
        distribution: &str,
        deps: &Dependencies,
        keys: &[SigningKey],
        now: i64,
        progress: &dyn PublishProgress,
    ) -> Result<(Publication, PublishReport)> {
        self.republish(prefix, distribution, None, deps, keys, now, progress)
    }

    /// An existing publication again: switched to `snapshot` (snapshot
    /// publications) or with its repo's current packages (repo ones).
    #[allow(clippy::too_many_arguments)]
    fn republish(
        &self,
        prefix: &str,
        distribution: &str,
        snapshot: Option<&str>,
        deps: &Dependencies,
        keys: &[SigningKey],
        now: i64,
        progress: &dyn PublishProgress,
    ) -> Result<(Publication, PublishReport)> {
        let refs = self.refs()?;
        let current = refs
            .publication(prefix, distribution)
            .ok_or_else(|| unknown_publication(&refs, prefix, distribution))?
            .clone();
        let source = match (&current.source, snapshot) {
            (Source::Snapshot(_), Some(name)) => Source::Snapshot(name.to_string()),
            (Source::Repo(_), None) => current.source.clone(),
            (Source::Repo(_), Some(_)) => {
                return Err(Error::Invalid(format!("`{}` publishes a repo: use `publish update`", current.id())))
            }
            (Source::Snapshot(_), None) => {
                return Err(Error::Invalid(format!("`{}` publishes a snapshot: use `publish switch`", current.id())))
            }
        };
        let set_id = Self::source_set(&refs, &source)?;
        // Two large sets to read: one on each core.
        let (set, previous_set) = std::thread::scope(|scope| {
            let previous = scope.spawn(|| self.load_set(&current.set));
            (self.load_set(&set_id), previous.join().expect("loading a set does not panic"))
        });
        let (set, previous_set) = (set?, previous_set?);
        let next = Publication { source, set: set_id, ..current.clone() };
        self.run_publish(next, &set, Some((&current, &previous_set)), deps, keys, now, progress)
    }

    #[allow(clippy::too_many_arguments)]
    fn run_publish(
        &self,
        publication: Publication,
        set: &PackageSet,
        previous: Option<(&Publication, &PackageSet)>,
        deps: &Dependencies,
        keys: &[SigningKey],
        now: i64,
        progress: &dyn PublishProgress,
    ) -> Result<(Publication, PublishReport)> {
        if keys.is_empty() {
            return Err(aptkit_sign::Error::NoKeys.into());
        }
        if let Dependencies::Check(base) = deps {
            let problems = depcheck::check(set, &publication.architectures, base);
            if !problems.is_empty() {
                return Err(Error::Unsatisfiable { publication: publication.id(), problems });
            }
        }
        // Claim the suite before writing anything under it: two publishers
        // of one suite must not both overwrite its InRelease.
        let expected = previous.map(|(p, _)| p.clone());
        let id = publication.id();
        let token = format!(
            "{}-{}",
            std::process::id(),
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)
        );
        let mut taken_over = None;
        let mut dropped_date = None;
        state::update(self.state.as_ref(), |refs| {
            taken_over = None;
            dropped_date = refs.dropped_dates.get(&id).copied();
            if refs.dropping.iter().any(|p| p.id() == id) {
                return Err(Error::Invalid(format!(
                    "`{id}` is being dropped: run `aptkit publish drop` for it again to finish, then publish"
                )));
            }
            let current = refs.publication(&publication.prefix, &publication.distribution).cloned();
            if current != expected {
                return Err(Error::Invalid(format!(
                    "publication `{id}` changed since this command read it; run the command again"
                )));
            }
            if let Some(gc) = refs.claims.get(state::GC_CLAIM).filter(|c| c.is_live(now)) {
                return Err(Error::Invalid(format!(
                    "`aptkit gc` ({}since {}) is deleting unreferenced files; publish when it is done",
                    gc.holder.as_ref().map(|h| format!("process {} on {}, ", h.pid, h.host)).unwrap_or_default(),
                    aptkit_index::format_date(gc.since)
                )));
            }
            if let Some(claim) = refs.claims.get(&id) {
                if claim.is_live(now) {
                    let by =
                        claim.holder.as_ref().map(|h| format!("process {} on {}, ", h.pid, h.host)).unwrap_or_default();
                    return Err(Error::Invalid(format!(
                        "`{id}` is being published by another job ({by}since {}); retry when it is done (the claim of a job that died \
                         elsewhere expires at {})",
                        aptkit_index::format_date(claim.since),
                        aptkit_index::format_date(claim.since + state::CLAIM_TTL)
                    )));
                }
                taken_over = Some(match &claim.holder {
                    Some(h) if now - claim.since < state::CLAIM_TTL => {
                        format!("took over the claim on `{id}` left by process {} on {}, which is gone", h.pid, h.host)
                    }
                    _ => format!(
                        "took over the claim on `{id}` made at {}, which expired",
                        aptkit_index::format_date(claim.since)
                    ),
                });
            }
            refs.claims.insert(
                id.clone(),
                state::Claim { token: token.clone(), since: now, holder: state::Holder::this_process() },
            );
            Ok(())
        })?;
        if let Some(message) = taken_over {
            progress.note(&message);
        }
        let release_claim = || {
            let _ = state::update(self.state.as_ref(), |refs| {
                if refs.claims.get(&id).is_some_and(|c| c.token == token) {
                    refs.claims.remove(&id);
                }
                Ok(())
            });
        };
        let mut publication = publication;
        if let Some((prev, _)) = previous {
            publication.previous_sets = std::iter::once(prev.set.clone())
                .chain(prev.previous_sets.iter().cloned())
                .filter(|s| *s != publication.set)
                .take(state::KEPT_GENERATIONS - 1)
                .collect();
        }
        let result = publish::publish(publish::PublishInput {
            public: self.public.as_ref(),
            state: self.state.as_ref(),
            publication,
            set,
            previous,
            dropped_date,
            keys,
            now,
            progress,
        });
        let (done, report) = match result {
            Ok(v) => v,
            Err(e) => {
                release_claim();
                return Err(e);
            }
        };
        let record = done.clone();
        let committed = state::update(self.state.as_ref(), |refs| {
            if refs.claims.get(&id).is_none_or(|c| c.token != token) {
                return Err(Error::Invalid(format!(
                    "the claim on `{id}` was taken over by another job; run the command again"
                )));
            }
            refs.claims.remove(&id);
            let slot = refs
                .publications
                .iter()
                .position(|p| p.prefix == record.prefix && p.distribution == record.distribution);
            match slot {
                Some(i) => refs.publications[i] = record.clone(),
                None => refs.publications.push(record.clone()),
            }
            Ok(())
        });
        if let Err(e) = committed {
            release_claim();
            return Err(e);
        }
        Ok((done, report))
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
        gc::collect(self.state.as_ref(), self.public.as_ref(), min_age, now, dry_run)
    }

    /// Remove a publication's `dists/` tree and record (pool files stay for `gc`).
    pub fn publish_drop(&self, prefix: &str, distribution: &str, now: i64) -> Result<()> {
        let id = state::publication_id(prefix, distribution);
        let same = |p: &Publication| p.prefix == prefix && p.distribution == distribution;
        // The record moves to `dropping` first: a failure below leaves it
        // there (never a live record pointing at a half-deleted tree), and
        // running the drop again finishes the job.
        let dropping = state::update(self.state.as_ref(), |refs| {
            if let Some(at) = refs.publications.iter().position(same) {
                if refs.claims.get(&id).is_some_and(|c| c.is_live(now)) {
                    return Err(Error::Invalid(format!(
                        "`{id}` is being published by another job; drop it when that is done"
                    )));
                }
                let publication = refs.publications.remove(at);
                refs.dropped_prefixes.insert(publication.prefix.clone());
                refs.dropping.retain(|p| !same(p));
                refs.dropping.push(publication.clone());
                return Ok(publication);
            }
            refs.dropping
                .iter()
                .find(|p| same(p))
                .cloned()
                .ok_or_else(|| unknown_publication(refs, prefix, distribution))
        })?;
        let dists = dropping.key(&format!("dists/{distribution}/"));
        // InRelease first: clients stop trusting the suite before its indices go.
        for name in ["InRelease", "Release", "Release.gpg"] {
            self.public.delete(&format!("{dists}{name}"))?;
        }
        for meta in self.public.list(&dists)? {
            self.public.delete(&meta.key)?;
        }
        // No publish writes under a suite being dropped.
        self.public.remove_empty_dirs(&dists)?;
        state::update(self.state.as_ref(), |refs| {
            refs.dropping.retain(|p| !same(p));
            let last = refs.dropped_dates.entry(id.clone()).or_insert(dropping.date);
            *last = (*last).max(dropping.date);
            Ok(())
        })
    }
}

/// No publication `prefix/distribution`; the error names the suites of
/// that name under other prefixes (a forgotten `--prefix`).
fn unknown_publication(refs: &Refs, prefix: &str, distribution: &str) -> Error {
    let elsewhere = refs
        .publications
        .iter()
        .filter(|p| p.distribution == distribution && p.prefix != prefix)
        .map(|p| p.id())
        .collect();
    Error::UnknownPublication { id: state::publication_id(prefix, distribution), elsewhere }
}

fn conflict(record: &PackageRecord, path: &Path, repo: &str, existing: &PackageRecord) -> Error {
    Error::Conflict {
        key: record.key(),
        repo: repo.to_string(),
        new: path.display().to_string(),
        new_sha: record.sha256().to_string(),
        old_sha: existing.sha256().to_string(),
    }
}
