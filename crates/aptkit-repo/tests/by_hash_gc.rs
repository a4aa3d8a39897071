//! gc of by-hash copies: the last three generations stay, older ones go
//! once they are older than the CDN's cache time, and the suite still reads.

mod common;

use aptkit_repo::{Dependencies, NoEvents, PublishAction, Source};
use aptkit_tests::AptClient;

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

/// Every by-hash copy under `public`, by path.
fn by_hash_copies(public: &std::path::Path) -> Vec<String> {
    let mut out: Vec<String> = aptkit_tests::walk(public)
        .into_iter()
        .map(|p| p.strip_prefix(public).unwrap().display().to_string())
        .filter(|p| p.contains("/by-hash/"))
        .collect();
    out.sort();
    out
}

#[test]
fn gc_keeps_three_generations_of_by_hash_copies_and_those_younger_than_the_cdn_ttl() {
    let common::Scratch { work, debs, key, repo } = common::scratch();
    let keys = std::slice::from_ref(&key);
    let public = work.path().join("public");
    let keyring = work.path().join("key.gpg");
    std::fs::write(&keyring, key.public_binary()).unwrap();
    repo.repo_add("main", &[common::tiny_deb(&debs, "tiny", "1.0")], &|_, _| {}).unwrap();
    let request = common::request(Source::Repo("main".into()), &["amd64"]);
    common::publish(&repo, PublishAction::New(request), &Dependencies::Skip, keys, now(), &NoEvents).unwrap();
    for i in 1..12 {
        let deb = common::tiny_deb(&debs, &format!("tiny{i}"), "1.0");
        repo.repo_add("main", &[deb], &|_, _| {}).unwrap();
        common::publish(&repo, common::update("", "stable"), &Dependencies::Skip, keys, now(), &NoEvents).unwrap();
    }
    let before = by_hash_copies(&public);
    // Packages, .gz, .xz change with every publish; the component Release
    // never does: 12 x 3 + 1.
    assert_eq!(before.len(), 12 * 3 + 1, "{before:#?}");

    // Younger than the CDN's cache time: all kept.
    let report = repo.gc_keeping(0, 3600, now(), false).unwrap();
    assert!(report.public.iter().all(|k| !k.contains("/by-hash/")), "{:?}", report.public);
    assert_eq!(by_hash_copies(&public), before);

    // Older: only the three kept generations stay (a dry run says so first
    // and deletes nothing).
    let dry = repo.gc_keeping(0, 0, now(), true).unwrap();
    assert_eq!(by_hash_copies(&public), before);
    let report = repo.gc_keeping(0, 0, now(), false).unwrap();
    let deleted: Vec<&String> = report.public.iter().filter(|k| k.contains("/by-hash/")).collect();
    assert_eq!(deleted.len(), 9 * 3, "{deleted:#?}");
    assert_eq!(dry.public, report.public);
    let after = by_hash_copies(&public);
    assert_eq!(after.len(), 3 * 3 + 1, "{after:#?}");

    // The suite reads, by-hash, for a new client and one that had the
    // previous generation; another publish and gc keep it so.
    let client = AptClient::for_directory(&public, "stable", &keyring);
    let (ok, log) = client.update();
    assert!(ok, "{log}");
    repo.repo_add("main", &[common::tiny_deb(&debs, "tiny-last", "1.0")], &|_, _| {}).unwrap();
    common::publish(&repo, common::update("", "stable"), &Dependencies::Skip, keys, now(), &NoEvents).unwrap();
    repo.gc_keeping(0, 0, now(), false).unwrap();
    assert_eq!(by_hash_copies(&public).len(), 3 * 3 + 1);
    let (ok, log) = client.update();
    assert!(ok, "{log}");
    assert_eq!(client.candidate("tiny-last").as_deref(), Some("1.0"));
}

/// An index unchanged for long, then superseded by three quick publishes:
/// its by-hash copy is old, but an InRelease listing it was current moments
/// ago and a CDN may still serve it. It stays until the generation after it
/// has been superseded for longer than the CDN's cache time.
#[test]
fn a_copy_goes_by_when_its_generation_was_superseded_not_by_its_own_age() {
    let common::Scratch { work, debs, key, repo } = common::scratch();
    let keys = std::slice::from_ref(&key);
    let public = work.path().join("public");
    let ttl = 24 * 3600;
    repo.repo_add("main", &[common::tiny_deb(&debs, "tiny", "1.0")], &|_, _| {}).unwrap();
    let request = common::request(Source::Repo("main".into()), &["amd64"]);
    // The files are written now; the publishes are dated as if the first
    // were now and the next three came a day and more later.
    let t0 = now();
    common::publish(&repo, PublishAction::New(request), &Dependencies::Skip, keys, t0, &NoEvents).unwrap();
    let first = by_hash_copies(&public);
    for i in 1..=3 {
        let deb = common::tiny_deb(&debs, &format!("tiny{i}"), "1.0");
        repo.repo_add("main", &[deb], &|_, _| {}).unwrap();
        let at = t0 + ttl + 10 * i;
        common::publish(&repo, common::update("", "stable"), &Dependencies::Skip, keys, at, &NoEvents).unwrap();
    }
    // The first generation's Packages, .gz, .xz: no kept generation lists
    // them (the component Release, unchanged, every one does).
    let release = std::fs::read(public.join("dists/stable/main/binary-amd64/Release")).unwrap();
    let release = aptkit_index::FileDigests::of_bytes(&release).sha256_hex();
    let first_only: Vec<String> = first.iter().filter(|p| !p.ends_with(&release)).cloned().collect();
    assert_eq!(first_only.len(), 3, "{first:?}");

    // A day and a bit after the first publish, moments after the fourth:
    // the copies are older than the TTL, and the generation that listed
    // them was superseded only 30 s before.
    let soon = t0 + ttl + 40;
    let report = repo.gc_keeping(0, ttl, soon, false).unwrap();
    assert!(report.public.iter().all(|k| !k.contains("/by-hash/")), "{:?}", report.public);
    assert!(first_only.iter().all(|p| public.join(p).exists()));

    // Once the second generation (the oldest kept) has been current for
    // longer than the TTL, they go.
    let later = t0 + 2 * ttl + 20;
    let report = repo.gc_keeping(0, ttl, later, false).unwrap();
    let mut deleted: Vec<String> = report.public.iter().filter(|k| k.contains("/by-hash/")).cloned().collect();
    deleted.sort();
    assert_eq!(deleted, first_only);
}

/// A suite set to keep five generations keeps five, through publishes that
/// do not say so again; set to two, it keeps two from its next publish on.
/// Out of range is refused before anything is written.
#[test]
fn a_suite_keeps_the_generations_it_is_told_to() {
    use aptkit_repo::{Clock, Publisher};
    let common::Scratch { work, debs, key, repo } = common::scratch();
    let keys = std::slice::from_ref(&key);
    let public = work.path().join("public");
    let publish = |action: PublishAction, generations: Option<usize>| {
        Publisher::new(&repo, keys, Dependencies::Skip)
            .clock(Clock::Fixed(now()))
            .keep_generations(generations)
            .run(action)
            .map(|p| p.publication)
    };
    repo.repo_add("main", &[common::tiny_deb(&debs, "tiny", "1.0")], &|_, _| {}).unwrap();
    let request = common::request(Source::Repo("main".into()), &["amd64"]);
    publish(PublishAction::New(request), Some(5)).unwrap();
    let mut last = None;
    for i in 1..8 {
        repo.repo_add("main", &[common::tiny_deb(&debs, &format!("tiny{i}"), "1.0")], &|_, _| {}).unwrap();
        last = Some(publish(common::update("", "stable"), None).unwrap());
    }
    let last = last.unwrap();
    assert_eq!((last.generations, last.by_hash.len(), last.previous_sets.len()), (Some(5), 5, 4));
    repo.gc_keeping(0, 0, now(), false).unwrap();
    assert_eq!(by_hash_copies(&public).len(), 5 * 3 + 1);

    for bad in [0, 21] {
        repo.repo_add("main", &[common::tiny_deb(&debs, &format!("bad{bad}"), "1.0")], &|_, _| {}).unwrap();
        let before = by_hash_copies(&public);
        let err = publish(common::update("", "stable"), Some(bad)).unwrap_err();
        assert!(err.to_string().contains(&format!("keep-generations {bad}")), "{err}");
        assert_eq!(by_hash_copies(&public), before, "nothing written");
    }
    let two = publish(common::update("", "stable"), Some(2)).unwrap();
    assert_eq!((two.by_hash.len(), two.previous_sets.len()), (2, 1));
    repo.gc_keeping(0, 0, now(), false).unwrap();
    assert_eq!(by_hash_copies(&public).len(), 2 * 3 + 1);
}
