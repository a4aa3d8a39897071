//! `snapshot …`: immutable package sets made from repos and other snapshots.

use crate::package_set::PackageSet;
use crate::state::Refs;
use crate::{check_name, set_ops, state, Error, Query, Repository, Result, SetDiff, Source};

impl Repository {
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

    fn create_snapshot(&self, name: &str, set: &PackageSet, description: String, now: i64, refs: &Refs) -> Result<()> {
        check_name("snapshot", name)?;
        let id = set.save_in(self.state.as_ref(), refs)?;
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
        let refs = self.refs()?;
        if refs.snapshots.contains_key(dest) {
            return Err(Error::SnapshotExists(dest.to_string()));
        }
        let sets = sources.iter().map(|s| self.packages_of(&refs, s)).collect::<Result<Vec<_>>>()?;
        let merged = set_ops::merge(&sets, latest, keep_all);
        self.create_snapshot(dest, &merged, format!("merge of {}", sources.join(", ")), now, &refs)?;
        Ok(merged.len())
    }

    /// A new snapshot with the packages of `source` matching any query.
    pub fn snapshot_filter(&self, source: &str, dest: &str, queries: &[Query], now: i64) -> Result<usize> {
        let refs = self.refs()?;
        if refs.snapshots.contains_key(dest) {
            return Err(Error::SnapshotExists(dest.to_string()));
        }
        let mut set = self.packages_of(&refs, source)?;
        set.retain(|r| queries.iter().any(|q| q.matches(r)));
        self.create_snapshot(dest, &set, format!("filter of snapshot {source}"), now, &refs)?;
        Ok(set.len())
    }

    pub fn snapshot_diff(&self, a: &str, b: &str) -> Result<SetDiff> {
        Ok(set_ops::diff(&self.snapshot_packages(a)?, &self.snapshot_packages(b)?))
    }

    pub fn snapshot_packages(&self, name: &str) -> Result<PackageSet> {
        self.packages_of(&self.refs()?, name)
    }

    /// Snapshot `name`'s packages, as `refs` names its set.
    fn packages_of(&self, refs: &Refs, name: &str) -> Result<PackageSet> {
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
}
