//! `Repository::purge` as a release pipeline calls it: several
//! publications, one invalidation, sent once however often it is run. The
//! CDN here records what it is sent and, like moto (and unlike CloudFront),
//! makes a new invalidation for every request, repeated reference or not.

mod common;

use std::sync::Mutex;

use aptkit_repo::{Cdn, CdnError, Dependencies, ErrorKind, NoEvents, PublishAction, Source};

#[derive(Default)]
struct Recording {
    sent: Mutex<Vec<(Vec<String>, String)>>,
    /// Fail the next request, retryably.
    fail_next: Mutex<bool>,
}

impl Cdn for Recording {
    fn name(&self) -> String {
        "test CDN".into()
    }

    fn invalidate(&self, paths: &[String], reference: &str) -> Result<String, CdnError> {
        if std::mem::take(&mut *self.fail_next.lock().unwrap()) {
            return Err(CdnError { message: "TooManyInvalidationsInProgress".into(), retryable: true });
        }
        let mut sent = self.sent.lock().unwrap();
        sent.push((paths.to_vec(), reference.to_string()));
        Ok(format!("I{}", sent.len()))
    }

    fn completed(&self, _id: &str) -> Result<bool, CdnError> {
        Ok(true)
    }
}

#[test]
fn one_purge_of_two_publications_is_sent_once_and_a_new_publish_is_purged_anew() {
    let s = common::scratch();
    s.repo.repo_add("main", &[common::tiny_deb(&s.debs, "hello", "1.0")], &|_, _| {}).unwrap();
    let keys = std::slice::from_ref(&s.key);
    let publish = |distribution: &str, action: Option<PublishAction>, now: i64| {
        let mut request = common::request(Source::Repo("main".into()), &["amd64"]);
        request.distribution = distribution.into();
        let action = action.unwrap_or(PublishAction::New(request));
        common::publish(&s.repo, action, &Dependencies::Skip, keys, now, &NoEvents).unwrap()
    };
    let (stable, report) = publish("stable", None, 1_800_000_000);
    publish("testing", None, 1_800_000_000);
    assert_eq!(stable.changed, report.purge, "the record keeps what the publish changed");

    let cdn = Recording::default();
    let targets = [("", "testing"), ("", "stable")];
    *cdn.fail_next.lock().unwrap() = true;
    let err = s.repo.purge(&cdn, &targets, "", None, &NoEvents).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Cdn { transient: true });
    assert!(err.is_retryable() && common::error_chain(&err).contains("test CDN"), "{err}");

    let first = s.repo.purge(&cdn, &targets, "", None, &NoEvents).unwrap();
    assert!(!first.already);
    let again = s.repo.purge(&cdn, &[("", "stable"), ("", "testing")], "", None, &NoEvents).unwrap();
    assert!(again.already && again.invalidation == first.invalidation, "{again:?}");
    let sent = cdn.sent.lock().unwrap().clone();
    assert_eq!(sent.len(), 1, "a failure, a purge, a rerun: one invalidation");
    let (paths, reference) = &sent[0];
    assert_eq!(reference, &first.plan.reference);
    for suite in ["stable", "testing"] {
        assert!(paths.contains(&format!("/dists/{suite}/InRelease")), "{paths:?}");
    }
    assert!(paths.iter().all(|p| !p.contains("/pool/") && !p.contains("/by-hash/")), "{paths:?}");

    // A newer publish of one of them: its record no longer counts as purged.
    publish("stable", Some(common::update("", "stable")), 1_800_000_100);
    let newer = s.repo.purge(&cdn, &targets, "", None, &NoEvents).unwrap();
    assert!(!newer.already && newer.plan.reference != first.plan.reference);
    assert_eq!(cdn.sent.lock().unwrap().len(), 2);
    // An unknown suite is an error before anything is sent.
    assert!(s.repo.purge(&cdn, &[("", "nope")], "", None, &NoEvents).is_err());
    assert_eq!(cdn.sent.lock().unwrap().len(), 2);
}

/// A purge that failed (or never ran) before the next publish of the suite
/// is not lost: the next purge invalidates what both publishes changed,
/// and once a purge has covered them, only what is new.
#[test]
fn what_an_unpurged_publish_changed_is_purged_with_the_next_one() {
    let s = common::scratch();
    let add = |name: &str, version: &str, arch: &str| {
        let deb = common::deb_for(&s.debs, name, version, arch, "body");
        s.repo.repo_add("main", &[deb], &|_, _| {}).unwrap();
    };
    add("alpha", "1.0", "amd64");
    add("beta", "1.0", "arm64");
    let keys = std::slice::from_ref(&s.key);
    let request = common::request(Source::Repo("main".into()), &["amd64", "arm64"]);
    common::publish(&s.repo, PublishAction::New(request), &Dependencies::Skip, keys, 1_800_000_000, &NoEvents).unwrap();
    let cdn = Recording::default();
    let targets = [("", "stable")];
    s.repo.purge(&cdn, &targets, "", None, &NoEvents).unwrap();
    let update = |now: i64| {
        common::publish(&s.repo, common::update("", "stable"), &Dependencies::Skip, keys, now, &NoEvents).unwrap()
    };
    let amd64 = "/dists/stable/main/binary-amd64/Packages.xz".to_string();
    let arm64 = "/dists/stable/main/binary-arm64/Packages.xz".to_string();

    // Only amd64 changes; its purge fails.
    add("alpha", "2.0", "amd64");
    update(1_800_000_100);
    *cdn.fail_next.lock().unwrap() = true;
    assert!(s.repo.purge(&cdn, &targets, "", None, &NoEvents).is_err());
    // Only arm64 changes; this purge covers both.
    add("beta", "2.0", "arm64");
    let (_, report) = update(1_800_000_200);
    assert!(!report.purge.contains(&"dists/stable/main/binary-amd64/Packages.xz".to_string()), "{:?}", report.purge);
    let both = s.repo.purge(&cdn, &targets, "", None, &NoEvents).unwrap();
    assert!(both.plan.paths.contains(&amd64) && both.plan.paths.contains(&arm64), "{:?}", both.plan.paths);
    // Covered: the next publish's purge lists only what it changed.
    add("beta", "3.0", "arm64");
    update(1_800_000_300);
    let next = s.repo.purge(&cdn, &targets, "", None, &NoEvents).unwrap();
    assert!(!next.plan.paths.contains(&amd64) && next.plan.paths.contains(&arm64), "{:?}", next.plan.paths);
    assert_eq!(cdn.sent.lock().unwrap().len(), 3, "the first, the one that covered two publishes, the last");
}
