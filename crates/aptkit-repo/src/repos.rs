//! `repo …`: mutable named package sets, and adding .deb files to them.

use std::path::{Path, PathBuf};

use aptkit_store::{Body, Caching};

use crate::error::PackageConflict;
use crate::package_set::{PackageRecord, PackageSet};
use crate::{check_name, ingest, set_ops, state, Error, Intake, Repository, Result, Source};

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

impl Repository {
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
        // The repo's set is fetched while the packages are read and hashed
        // (a round trip on S3, which the reading would otherwise wait for).
        let (staged, base) = std::thread::scope(|scope| {
            let loading = scope.spawn(|| self.load_set(&base_id));
            let staged = ingest::read_all(&debs, staging.path(), intake, on_done);
            (staged, loading.join().expect("loading a set does not panic"))
        });
        let staged = staged?;
        let base = base?;
        let (records, copies): (Vec<_>, Vec<_>) = staged.into_iter().map(|s| (s.record, (s.copy, s.linked))).unzip();
        // Conflicts inside the batch itself.
        let mut batch = PackageSet::new();
        let mut first_path = std::collections::HashMap::new();
        for (record, path) in records.iter().zip(&debs) {
            if let Some(other) = batch.get(&record.key()) {
                if other.sha256() != record.sha256() {
                    return Err(Error::Conflict(Box::new(PackageConflict::InBatch {
                        key: record.key(),
                        first: first_path
                            .get(&record.key())
                            .map(|p: &&PathBuf| p.display().to_string())
                            .unwrap_or_default(),
                        first_sha: other.sha256().to_string(),
                        second: path.display().to_string(),
                        second_sha: record.sha256().to_string(),
                    })));
                }
            }
            first_path.entry(record.key()).or_insert(path);
            batch.insert(record.clone());
        }
        let mut report = AddReport::default();
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
            // A package the repo holds already: its blob is there, and a
            // conditional write would send its bytes only to be refused.
            let held = base.get(&record.key()).is_some();
            if held && self.state.touch(&record.blob_key(), Caching::Immutable)? {
                return Ok(());
            }
            if let aptkit_store::Written::Conflict(_) =
                self.state.put_if_absent(&record.blob_key(), Body::Immutable(copy), Caching::Immutable)?
            {
                // The same bytes are there already, maybe unreferenced and
                // old enough for a concurrent gc: rewrite them so that their
                // age restarts and gc's grace period covers this add. Not by
                // linking the caller's own file (`--remove-files`): that blob
                // may belong to published packages, and if this add fails
                // the caller keeps the file and may rewrite it.
                // A store that can restarts the age without the bytes.
                if !self.state.touch(&record.blob_key(), Caching::Immutable)? {
                    let body = if *linked { Body::File(copy) } else { Body::Immutable(copy) };
                    self.state.put(&record.blob_key(), body, Caching::Immutable)?;
                }
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
        state::update_if(self.state.as_ref(), |refs| {
            let repo = refs.repos.get_mut(name).ok_or_else(|| Error::UnknownRepo(name.to_string()))?;
            let set_id = repo.set.clone();
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
            // Nothing new: nothing to write (the blobs are the repo's).
            if added.is_empty() && retired.is_empty() {
                base = Some((set_id, set));
                return Ok(None);
            }
            let saved = set.save_in(self.state.as_ref(), refs)?;
            refs.repos.get_mut(name).expect("looked up above").set = saved;
            Ok(Some(()))
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
            let saved = set.save_in(self.state.as_ref(), refs)?;
            refs.repos.get_mut(name).expect("looked up above").set = saved;
            Ok(())
        })?;
        Ok(removed)
    }

    /// Add `records` (packages whose files are in the state store already,
    /// e.g. another repo's: a copy without re-reading a .deb) and remove
    /// the packages `remove` names (`name_version_arch` keys), in one
    /// compare-and-swap. A different package under an existing key is a
    /// conflict and nothing changes; an identical one is left as it is.
    pub fn repo_change(&self, name: &str, records: &[PackageRecord], remove: &[String]) -> Result<AddReport> {
        let mut report = AddReport::default();
        // Nothing to change writes nothing.
        state::update_if(self.state.as_ref(), |refs| {
            let repo = refs.repos.get_mut(name).ok_or_else(|| Error::UnknownRepo(name.to_string()))?;
            let mut set = PackageSet::load(self.state.as_ref(), &repo.set)?;
            report = AddReport::default();
            for key in remove {
                if set.remove(key).is_some() {
                    report.retired.push(key.clone());
                }
            }
            for record in records {
                match set.get(&record.key()) {
                    Some(existing) if existing.sha256() == record.sha256() => report.unchanged.push(record.key()),
                    Some(existing) => {
                        return Err(Error::Conflict(Box::new(PackageConflict::InRepo {
                            key: record.key(),
                            repo: name.to_string(),
                            new: record.file_name().to_string(),
                            new_sha: record.sha256().to_string(),
                            old_sha: existing.sha256().to_string(),
                        })))
                    }
                    None => {
                        set.insert(record.clone());
                        report.added.push(record.key());
                    }
                }
            }
            if report.added.is_empty() && report.retired.is_empty() {
                return Ok(None);
            }
            let saved = set.save_in(self.state.as_ref(), refs)?;
            refs.repos.get_mut(name).expect("looked up above").set = saved;
            Ok(Some(()))
        })?;
        Ok(report)
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
}

fn conflict(record: &PackageRecord, path: &Path, repo: &str, existing: &PackageRecord) -> Error {
    Error::Conflict(Box::new(PackageConflict::InRepo {
        key: record.key(),
        repo: repo.to_string(),
        new: path.display().to_string(),
        new_sha: record.sha256().to_string(),
        old_sha: existing.sha256().to_string(),
    }))
}
