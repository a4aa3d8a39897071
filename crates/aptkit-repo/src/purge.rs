//! Purging a CDN in front of the publish store, after publishing.
//!
//! A CDN such as CloudFront keeps its own copy of each object for its own
//! TTL, whatever `Cache-Control` the store sends: after a publish, edges
//! may serve the old InRelease for hours. Only names whose content changes
//! need purging (InRelease, Release, Release.gpg and the plain index
//! names); `pool/` and `by-hash/` keys never change content, and purging
//! them would only cost cache misses. A publish records the keys it changed
//! ([`Publication::changed`]); [`Repository::purge`] turns those of one or
//! more publications into one invalidation, once the publications are
//! committed, with a reference derived from them so that sending it again
//! (a rerun, a retry after a failure) never makes a second invalidation.

use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::events::{PublishEvent, PublishEvents};
use crate::state::{self, Publication, Purged};
use crate::{unknown_publication, Error, Repository, Result};

/// Paths one CloudFront invalidation may list (and a distribution may have
/// in progress at once).
pub const MAX_PATHS: usize = 3000;
/// Wildcard paths (`/dists/stable/*`) a distribution may have in progress.
pub const MAX_WILDCARDS: usize = 15;

/// A CDN whose cached copies can be invalidated (CloudFront; a test fake).
pub trait Cdn {
    /// What it is called in messages and records: `CloudFront distribution
    /// E2QWRUHAPOMQZL`.
    fn name(&self) -> String;
    /// Invalidate `paths` (each starting with `/`; `*` only at the end).
    /// The same `reference` with the same paths must not invalidate twice.
    /// Returns the CDN's id for the invalidation.
    fn invalidate(&self, paths: &[String], reference: &str) -> std::result::Result<String, CdnError>;
    /// Whether the invalidation `id` has completed.
    fn completed(&self, id: &str) -> std::result::Result<bool, CdnError>;
}

/// What the CDN answered, in a sentence; `retryable` if the same request
/// may succeed later (throttled, too many invalidations in progress, the
/// CDN unreachable).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct CdnError {
    pub message: String,
    pub retryable: bool,
}

/// What a purge sends: the paths, and the reference that makes sending it
/// again harmless.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PurgePlan {
    /// The publications it covers, by id.
    pub publications: Vec<String>,
    /// Sorted; URL-encoded as the CDN keys them; wildcards at the end of
    /// a suite's `dists/` directory where the exact paths were too many.
    pub paths: Vec<String>,
    /// How many of `paths` are wildcards.
    pub wildcards: usize,
    /// A function of the publications' ids, Release dates and the paths:
    /// the same publish state always gives the same reference.
    pub reference: String,
}

/// A purge made (or found already made).
#[derive(Debug, Clone, serde::Serialize)]
pub struct PurgeReport {
    pub cdn: String,
    pub plan: PurgePlan,
    pub invalidation: String,
    /// The same batch had been sent before: nothing was sent now.
    pub already: bool,
    /// Waited for, and completed.
    pub completed: bool,
}

/// The invalidation of `publications`' changed keys, as paths of a CDN that
/// serves the publish store under `path_prefix` (`""`: at its root).
/// Publications recorded before their changed keys were kept are purged
/// as their whole `dists/<suite>/` (a wildcard).
pub fn plan_purge(publications: &[&Publication], path_prefix: &str) -> Result<PurgePlan> {
    let path_prefix = path_prefix.trim_matches('/');
    if path_prefix.split('/').any(|c| c == "." || c == "..") || path_prefix.contains("//") {
        return Err(Error::Invalid(format!("invalid CDN path prefix `{path_prefix}`")));
    }
    let mut publications: Vec<&Publication> = publications.to_vec();
    publications.sort_by_key(|p| p.id());
    publications.dedup_by_key(|p| p.id());
    if publications.is_empty() {
        return Err(Error::Invalid("no publication to purge".into()));
    }
    let cdn_path = |key: &str| match path_prefix {
        "" => format!("/{}", encode_path(key)),
        prefix => format!("/{}/{}", encode_path(prefix), encode_path(key)),
    };
    let wildcard = |p: &Publication| format!("{}/*", cdn_path(&p.key(&format!("dists/{}", p.distribution))));
    // Each publication's exact paths, or None where it is a wildcard.
    let mut exact: Vec<Option<Vec<String>>> = publications
        .iter()
        .map(|p| {
            (!p.changed.is_empty()).then(|| {
                let mut paths: Vec<String> = p.changed.iter().map(|k| cdn_path(k)).collect();
                paths.sort();
                paths.dedup();
                paths
            })
        })
        .collect();
    let count = |exact: &[Option<Vec<String>>]| exact.iter().map(|e| e.as_ref().map_or(1, Vec::len)).sum::<usize>();
    // Too many exact paths: the suites with the most go as wildcards first.
    while count(&exact) > MAX_PATHS {
        let biggest = (0..exact.len()).filter(|&i| exact[i].is_some()).max_by_key(|&i| exact[i].as_ref().map(Vec::len));
        match biggest {
            Some(i) => exact[i] = None,
            None => break,
        }
    }
    let wildcards = exact.iter().filter(|e| e.is_none()).count();
    let total = count(&exact);
    if wildcards > MAX_WILDCARDS || total > MAX_PATHS {
        return Err(Error::Invalid(format!(
            "{} publications need {total} invalidation paths ({wildcards} wildcards): more than one CloudFront \
             invalidation takes ({MAX_PATHS} paths, {MAX_WILDCARDS} wildcards in progress); purge them in smaller \
             groups",
            publications.len()
        )));
    }
    let mut paths: Vec<String> =
        publications.iter().zip(exact).flat_map(|(p, e)| e.unwrap_or_else(|| vec![wildcard(p)])).collect();
    paths.sort();
    paths.dedup();
    let mut hash = Sha256::new();
    for p in &publications {
        hash.update(format!("publication {} {}\n", p.id(), p.date));
    }
    for path in &paths {
        hash.update(format!("path {path}\n"));
    }
    let digest = hash.finalize();
    let reference = format!("aptkit-{}", digest.iter().take(20).map(|b| format!("{b:02x}")).collect::<String>());
    Ok(PurgePlan { publications: publications.iter().map(|p| p.id()).collect(), paths, wildcards, reference })
}

/// What a purge of a dropped suite plans from: a record with no changed
/// keys (so its whole `dists/<suite>/` goes as one wildcard), dated by the
/// suite's last publication (`date`), so that every retry sends the same
/// reference.
pub fn dropped_suite(prefix: &str, distribution: &str, date: i64) -> Publication {
    let source = crate::Source::Repo(String::new());
    let record = Publication::new(prefix.into(), distribution.into(), String::new(), source, String::new());
    Publication { date, ..record }
}

/// A store key as CloudFront expects it in an invalidation path: non-ASCII
/// bytes and RFC 1738's unsafe characters percent-encoded (`~` is one:
/// `%7E`), nothing else (AWS: "don't URL-encode any other characters in
/// the path, or CloudFront will not invalidate the old version"), so `+`
/// stays `+`. `*` is encoded too: there it would be a wildcard.
pub fn encode_path(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for &b in key.as_bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.+$!'(),;:@=&".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// How long [`Repository::purge`] waits for the invalidation to complete.
#[derive(Debug, Clone, Copy)]
pub struct PurgeWait {
    pub timeout: Duration,
    /// The first pause between polls; it doubles up to 15 s.
    pub poll: Duration,
}

impl Default for PurgeWait {
    /// CloudFront usually completes within a few minutes.
    fn default() -> Self {
        PurgeWait { timeout: Duration::from_secs(20 * 60), poll: Duration::from_secs(2) }
    }
}

impl Repository {
    /// The publications `targets` (`(prefix, distribution)`) as recorded,
    /// and the purge of what their last publishes changed.
    pub fn purge_plan(&self, targets: &[(&str, &str)], path_prefix: &str) -> Result<(Vec<Publication>, PurgePlan)> {
        let refs = self.refs()?;
        let publications = targets
            .iter()
            .map(|(prefix, distribution)| {
                if let Some(p) = refs.publication(prefix, distribution) {
                    return Ok(p.clone());
                }
                // Dropped: its whole `dists/<suite>/` goes, as the wildcard
                // a record without changed keys is purged as, dated by the
                // last publication of it (the reference stays the same
                // however often the purge is retried).
                let id = state::publication_id(prefix, distribution);
                match refs.dropped_dates.get(&id) {
                    Some(&date) => Ok(dropped_suite(prefix, distribution, date)),
                    None => Err(unknown_publication(&refs, prefix, distribution)),
                }
            })
            .collect::<Result<Vec<_>>>()?;
        let plan = plan_purge(&publications.iter().collect::<Vec<_>>(), path_prefix)?;
        Ok((publications, plan))
    }

    /// Invalidate on `cdn` what the last publishes of `targets` changed, in
    /// one request, and record it in their publications. Call it once they
    /// are committed (after [`crate::Publisher::run`]). The same publish
    /// state gives the same request: if it is recorded as sent, nothing is
    /// sent (CloudFront itself answers a repeated request with the
    /// invalidation made before, but not every server does). With `wait`,
    /// until the invalidation has completed.
    pub fn purge(
        &self,
        cdn: &dyn Cdn,
        targets: &[(&str, &str)],
        path_prefix: &str,
        wait: Option<PurgeWait>,
        events: &dyn PublishEvents,
    ) -> Result<PurgeReport> {
        let (publications, plan) = self.purge_plan(targets, path_prefix)?;
        let name = cdn.name();
        let failed =
            |source: CdnError| Error::Cdn { cdn: name.clone(), publications: plan.publications.clone(), source };
        let sent_before = publications
            .iter()
            .map(|p| p.purged.as_ref().filter(|m| m.cdn == name && m.reference == plan.reference))
            .collect::<Option<Vec<&Purged>>>()
            .and_then(|m| m.first().map(|m| m.invalidation.clone()));
        let already = sent_before.is_some();
        let invalidation =
            match sent_before {
                Some(id) => id,
                None => {
                    events.event(PublishEvent::Invalidating {
                        cdn: name.clone(),
                        paths: plan.paths.len(),
                        reference: plan.reference.clone(),
                    });
                    let id = cdn.invalidate(&plan.paths, &plan.reference).map_err(failed)?;
                    self.record_purge(&publications, &name, &plan.reference, &id).map_err(|e| {
                        Error::PurgeNotRecorded { cdn: name.clone(), invalidation: id.clone(), source: Box::new(e) }
                    })?;
                    id
                }
            };
        events.event(PublishEvent::Invalidated { cdn: name.clone(), invalidation: invalidation.clone(), already });
        let mut completed = false;
        if let Some(wait) = wait {
            let start = Instant::now();
            let mut pause = wait.poll;
            while !cdn.completed(&invalidation).map_err(failed)? {
                if start.elapsed() >= wait.timeout {
                    return Err(failed(CdnError {
                        message: format!(
                            "invalidation {invalidation} has not completed after {} s (it goes on; run the purge \
                             again to wait for it)",
                            wait.timeout.as_secs()
                        ),
                        retryable: true,
                    }));
                }
                std::thread::sleep(pause.min(wait.timeout.saturating_sub(start.elapsed())));
                pause = (pause * 2).min(Duration::from_secs(15));
            }
            completed = true;
            events.event(PublishEvent::InvalidationCompleted { cdn: name.clone(), invalidation: invalidation.clone() });
        }
        Ok(PurgeReport { cdn: name, plan, invalidation, already, completed })
    }

    /// Mark each publication, if it is still the one purged (a newer
    /// publish of the suite is not covered by this invalidation).
    fn record_purge(&self, purged: &[Publication], cdn: &str, reference: &str, invalidation: &str) -> Result<()> {
        state::update(self.state_store(), |refs| {
            for p in purged {
                let same = |r: &&mut Publication| r.prefix == p.prefix && r.distribution == p.distribution;
                if let Some(record) = refs.publications.iter_mut().find(same).filter(|r| r.date == p.date) {
                    record.purged = Some(Purged {
                        cdn: cdn.to_string(),
                        reference: reference.to_string(),
                        invalidation: invalidation.to_string(),
                        date: Some(p.date),
                    });
                }
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn publication(prefix: &str, distribution: &str, date: i64, changed: Vec<String>) -> Publication {
        Publication { prefix: prefix.into(), date, changed, ..Publication::for_tests(distribution) }
    }

    /// `n` plain index keys and the three signed files of a suite.
    fn changed(prefix: &str, distribution: &str, n: usize) -> Vec<String> {
        let p = publication(prefix, distribution, 0, Vec::new());
        let mut keys: Vec<String> =
            (0..n).map(|i| p.key(&format!("dists/{distribution}/main/binary-a{i}/Packages.xz"))).collect();
        keys.extend(["InRelease", "Release", "Release.gpg"].map(|f| p.key(&format!("dists/{distribution}/{f}"))));
        keys
    }

    #[test]
    fn paths_are_the_changed_keys_under_the_path_prefix_url_encoded() {
        let keys = vec!["debian/dists/1.0~rc1+b1/InRelease".to_string(), "debian/dists/1.0~rc1+b1/Release".into()];
        let p = publication("debian", "1.0~rc1+b1", 7, keys);
        let plan = plan_purge(&[&p], "").unwrap();
        assert_eq!(plan.paths, ["/debian/dists/1.0%7Erc1+b1/InRelease", "/debian/dists/1.0%7Erc1+b1/Release"]);
        assert_eq!((plan.wildcards, plan.publications.clone()), (0, vec!["debian/1.0~rc1+b1".to_string()]));
        let under = plan_purge(&[&p], "/apt/").unwrap();
        assert_eq!(under.paths[0], "/apt/debian/dists/1.0%7Erc1+b1/InRelease");
        assert_ne!(under.reference, plan.reference, "another batch, another reference");
        assert_eq!(encode_path("a b/ü*#%?x"), "a%20b/%C3%BC%2A%23%25%3Fx");
        assert!(plan_purge(&[&p], "a/../b").is_err());
    }

    #[test]
    fn the_reference_is_a_function_of_the_publish_state() {
        let a = publication("", "stable", 100, changed("", "stable", 2));
        let b = publication("", "testing", 100, changed("", "testing", 2));
        let once = plan_purge(&[&a, &b], "").unwrap();
        assert_eq!(plan_purge(&[&b, &a], "").unwrap(), once, "the order given does not matter");
        let later = publication("", "stable", 101, changed("", "stable", 2));
        assert_ne!(plan_purge(&[&later, &b], "").unwrap().reference, once.reference, "a newer Release");
        assert!(once.reference.starts_with("aptkit-") && once.reference.len() == 47, "{}", once.reference);
    }

    #[test]
    fn over_3000_paths_the_biggest_suites_become_wildcards() {
        // 2,003 + 1,003 + 13 = 3,019 paths: the biggest suite as a wildcard
        // leaves 1,017.
        let big = publication("", "big", 1, changed("", "big", 2000));
        let mid = publication("", "mid", 1, changed("", "mid", 1000));
        let small = publication("p", "small", 1, changed("p", "small", 10));
        let plan = plan_purge(&[&big, &mid, &small], "cdn").unwrap();
        assert_eq!((plan.paths.len(), plan.wildcards), (1 + 1003 + 13, 1));
        assert!(plan.paths.contains(&"/cdn/dists/big/*".to_string()), "{:?}", &plan.paths[..3]);
        assert!(!plan.paths.iter().any(|p| p.starts_with("/cdn/dists/big/") && !p.ends_with('*')));
        assert!(plan.paths.contains(&"/cdn/p/dists/small/InRelease".to_string()));
        // Exactly 3,000 stays exact.
        let exact = publication("", "exact", 1, changed("", "exact", 2997));
        assert_eq!(plan_purge(&[&exact], "").unwrap().wildcards, 0);
        // A record without changed keys (older aptkit) is its whole suite.
        let old = publication("", "old", 1, Vec::new());
        assert_eq!(plan_purge(&[&old], "").unwrap().paths, ["/dists/old/*"]);
    }

    #[test]
    fn more_than_15_wildcards_is_an_error() {
        // 16 suites of 200 paths: 3,216 paths; as wildcards, 2 are needed,
        // but 16 old records are 16 wildcards.
        let suites: Vec<Publication> =
            (0..16).map(|i| publication("", &format!("s{i}"), 1, changed("", &format!("s{i}"), 197))).collect();
        let plan = plan_purge(&suites.iter().collect::<Vec<_>>(), "").unwrap();
        assert_eq!((plan.wildcards, plan.paths.len()), (2, 2 + 14 * 200));
        let old: Vec<Publication> = (0..16).map(|i| publication("", &format!("o{i}"), 1, Vec::new())).collect();
        let err = plan_purge(&old.iter().collect::<Vec<_>>(), "").unwrap_err().to_string();
        assert!(err.contains("16 wildcards") && err.contains("smaller groups"), "{err}");
        assert_eq!(plan_purge(&old[..15].iter().collect::<Vec<_>>(), "").unwrap().wildcards, 15);
        // 100 suites of 40 paths: 4,000; each wildcard saves 39, and 26
        // would be needed.
        let many: Vec<Publication> =
            (0..100).map(|i| publication("", &format!("m{i}"), 1, changed("", &format!("m{i}"), 37))).collect();
        let err = plan_purge(&many.iter().collect::<Vec<_>>(), "").unwrap_err().to_string();
        assert!(err.contains("100 publications") && err.contains("(26 wildcards)"), "{err}");
    }
}
