//! `publish drop`: a publication's `dists/` tree and record go; its pool
//! files stay for `gc` (snapshots and other suites may share them).

use std::time::Duration;

use aptkit_store::{Planned, Store};

use crate::claim::{Activity, ClaimGuard};
use crate::lease::Leased;
use crate::publisher::Clock;
use crate::state::{self, Publication};
use crate::{unknown_publication, PublishEvents, Repository, Result};

impl Repository {
    /// Remove a publication's `dists/` tree and record. The record moves
    /// to `dropping` first, under a claim on the suite: a failure below
    /// leaves it there (never a live record pointing at a half-deleted
    /// tree, and no publish of the suite meanwhile), and running the drop
    /// again finishes the job.
    pub fn publish_drop(&self, prefix: &str, distribution: &str, now: i64) -> Result<()> {
        self.drop_once(prefix, distribution, now)
    }

    /// [`Repository::publish_drop`], waiting up to `wait` for a suite
    /// another job holds (said to `events`), as a publish does.
    pub fn publish_drop_waiting(
        &self,
        prefix: &str,
        distribution: &str,
        wait: Duration,
        events: &dyn PublishEvents,
    ) -> Result<()> {
        let id = state::publication_id(prefix, distribution);
        crate::wait::retrying(wait, &id, events, || self.drop_once(prefix, distribution, Clock::System.now()))
    }

    /// What [`Repository::publish_drop`] would do, doing none of it: the
    /// deletes under the suite's `dists/` (InRelease, Release and
    /// Release.gpg first), then the two writes of the state (the claim, and
    /// the record with the claim given back). Reads only.
    pub fn publish_drop_plan(&self, prefix: &str, distribution: &str) -> Result<Vec<Planned>> {
        let refs = self.refs()?;
        let same = |p: &&Publication| p.prefix == prefix && p.distribution == distribution;
        let publication = refs
            .publications
            .iter()
            .find(same)
            .or_else(|| refs.dropping.iter().find(same))
            .ok_or_else(|| unknown_publication(&refs, prefix, distribution))?;
        let public = self.public_store();
        let dists = publication.key(&format!("dists/{distribution}/"));
        let delete = |key: String, size: u64| Planned::new("delete", public.location(), key, size);
        let listed = public.list(&dists)?;
        let signed = ["InRelease", "Release", "Release.gpg"].map(|name| format!("{dists}{name}"));
        let mut plan: Vec<Planned> = signed
            .iter()
            .filter_map(|key| listed.iter().find(|m| m.key == *key).map(|m| delete(key.clone(), m.size)))
            .collect();
        plan.extend(listed.iter().filter(|m| !signed.contains(&m.key)).map(|m| delete(m.key.clone(), m.size)));
        let state = self.state_store().location();
        for _ in 0..2 {
            plan.push(Planned::new("replace-if-match", state.clone(), state::REFS_KEY.into(), 0));
        }
        Ok(plan)
    }

    fn drop_once(&self, prefix: &str, distribution: &str, now: i64) -> Result<()> {
        let id = state::publication_id(prefix, distribution);
        let same = |p: &Publication| p.prefix == prefix && p.distribution == distribution;
        let lease = state::lease_length();
        let (guard, dropping) = ClaimGuard::take(self.state_arc(), &id, Activity::Dropping, now, lease, |refs| {
            if let Some(at) = refs.publications.iter().position(same) {
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
        // A drop taken over (presumed dead) deletes nothing more.
        let public: &dyn Store = &Leased { inner: self.public_store(), lease: guard.lease() };
        let dists = dropping.key(&format!("dists/{distribution}/"));
        let deleted = (|| {
            // InRelease first: clients stop trusting the suite before its indices go.
            for name in ["InRelease", "Release", "Release.gpg"] {
                public.delete(&format!("{dists}{name}"))?;
            }
            for meta in public.list(&dists)? {
                public.delete(&meta.key)?;
            }
            // Under the claim, no publish writes under this suite.
            public.remove_empty_dirs(&dists)
        })();
        deleted.map_err(|e| guard.check().err().unwrap_or(e.into()))?;
        guard.commit(|refs| {
            refs.dropping.retain(|p| !same(p));
            let last = refs.dropped_dates.entry(id.clone()).or_insert(dropping.date);
            *last = (*last).max(dropping.date);
            Ok(())
        })
    }
}
