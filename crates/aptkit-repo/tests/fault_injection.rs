//! A write failure injected at every step of a publish leaves a repository
//! that a real apt client reads without error, and rerunning the publish
//! completes it without rewriting any object already in place.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use aptkit_repo::{Dependencies, NoEvents, PublishAction, Repository, Source, Universe};
use aptkit_store::{FaultyStore, FileStore, Store};
use aptkit_tests::AptClient;

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

#[test]
fn every_interrupted_switch_leaves_a_readable_repository_and_resumes() {
    let work = tempfile::tempdir().unwrap();
    let debs = work.path().join("debs");
    std::fs::create_dir_all(&debs).unwrap();
    let v1 = common::tiny_deb(&debs, "tiny", "1.0");
    let extra = common::tiny_deb(&debs, "tiny-extra", "1.0");
    let v2 = common::tiny_deb(&debs, "tiny", "2.0");
    let key = common::key();
    let keyring = work.path().join("key.gpg");
    std::fs::write(&keyring, key.public_binary()).unwrap();

    let state: Arc<dyn Store> = Arc::new(FileStore::new(work.path().join("state")));
    let public_dir = work.path().join("public");
    let public = FileStore::new(&public_dir);
    let repo = Repository::new(state.clone(), Arc::new(public.clone()));
    repo.repo_create("main", "", None, 0).unwrap();
    repo.repo_add("main", &[v1, extra], &|_, _| {}).unwrap();
    repo.snapshot_create_from_repo("s1", "main", 0).unwrap();
    repo.repo_add("main", &[v2], &|_, _| {}).unwrap();
    repo.snapshot_create_from_repo("s2", "main", 0).unwrap();
    let request = common::request(Source::Snapshot("s1".into()), &["amd64"]);
    let deps = Dependencies::Check(Universe::new());
    common::publish(&repo, PublishAction::New(request), &deps, std::slice::from_ref(&key), now(), &NoEvents).unwrap();
    let client = AptClient::for_directory(&public_dir, "stable", &keyring);
    let (ok, log) = client.update();
    assert!(ok, "{log}");
    assert_eq!(client.candidate("tiny").as_deref(), Some("1.0"));

    // Fail the 1st, 2nd, … write of `publish switch stable s2` until a run
    // gets through; after every failure a fresh client and the old client
    // both still read the repository cleanly.
    let mut failures = 0;
    loop {
        let faulty = FaultyStore::new(FileStore::new(&public_dir), failures + 1);
        let attempt = Repository::new(state.clone(), Arc::new(faulty));
        match common::publish(
            &attempt,
            common::switch("", "stable", "s2"),
            &deps,
            std::slice::from_ref(&key),
            now(),
            &NoEvents,
        ) {
            Ok(_) => break,
            Err(e) => {
                failures += 1;
                assert!(e.to_string().contains("injected failure"), "unexpected error: {e}");
                for c in [&client, &AptClient::for_directory(&public_dir, "stable", &keyring)] {
                    let (ok, log) = c.update();
                    assert!(ok, "after failing write #{failures}: {log}");
                    let candidate = c.candidate("tiny");
                    assert!(
                        matches!(candidate.as_deref(), Some("1.0" | "2.0")),
                        "after write #{failures}: {candidate:?}"
                    );
                    let (ok, log) = c.download("tiny");
                    assert!(ok, "after failing write #{failures}, downloading tiny {candidate:?}: {log}");
                }
            }
        }
        assert!(failures < 100, "publish never completes");
    }
    // Attempt N fails at its Nth write, and an attempt after a failure
    // writes only what is missing (a HEAD finds the rest): the loop ends
    // once what is left takes fewer writes than the attempt's number.
    assert!(failures >= 5, "expected a failure at each step until what is left is short, saw {failures}");
    let (ok, log) = client.update();
    assert!(ok, "{log}");
    assert_eq!(client.candidate("tiny").as_deref(), Some("2.0"));

    // Resuming rewrites nothing that is already there: record every
    // immutable object, publish again to the same target, compare.
    // The inode and mtime of every immutable object: a rewrite changes them.
    let immutable = |store: &FileStore| -> BTreeMap<String, (u64, i64)> {
        use std::os::unix::fs::MetadataExt;
        store
            .list("")
            .unwrap()
            .into_iter()
            .filter(|m| m.key.starts_with("pool/") || m.key.contains("/by-hash/"))
            .map(|m| {
                let meta = std::fs::metadata(store.root().join(&m.key)).unwrap();
                (m.key, (meta.ino(), meta.mtime_nsec()))
            })
            .collect()
    };
    let before = immutable(&public);
    common::publish(&repo, common::switch("", "stable", "s1"), &deps, std::slice::from_ref(&key), now(), &NoEvents)
        .unwrap();
    common::publish(&repo, common::switch("", "stable", "s2"), &deps, std::slice::from_ref(&key), now(), &NoEvents)
        .unwrap();
    let after = immutable(&public);
    assert!(!before.is_empty());
    for (k, id) in &before {
        assert_eq!(after.get(k), Some(id), "`{k}` was rewritten");
    }
}

/// A `publish drop` that fails part-way (every write in turn) leaves the
/// suite marked as being dropped: it is not published again by mistake,
/// and running the drop again deletes the rest.
#[test]
fn every_interrupted_drop_is_finished_by_running_it_again() {
    let work = tempfile::tempdir().unwrap();
    let key = common::key();
    let state: Arc<dyn Store> = Arc::new(FileStore::new(work.path().join("state")));
    let public_dir = work.path().join("public");
    let repo = Repository::new(state.clone(), Arc::new(FileStore::new(&public_dir)));
    repo.repo_create("main", "", None, 0).unwrap();
    repo.repo_add("main", &[common::tiny_deb(work.path(), "tiny", "1.0")], &|_, _| {}).unwrap();
    let request = || common::request(Source::Repo("main".into()), &["amd64"]);
    let keys = std::slice::from_ref(&key);
    let dists = public_dir.join("dists/stable");
    for fail_at in 1.. {
        common::publish(&repo, PublishAction::New(request()), &Dependencies::Skip, keys, now(), &NoEvents).unwrap();
        let faulty = Repository::new(state.clone(), Arc::new(FaultyStore::new(FileStore::new(&public_dir), fail_at)));
        match faulty.publish_drop("", "stable", now()) {
            Ok(()) => {
                assert!(files_under(&dists).is_empty(), "a drop that succeeded left files");
                assert!(fail_at > 3, "the drop made only {} writes", fail_at - 1);
                break;
            }
            Err(e) => assert!(e.to_string().contains("injected failure"), "unexpected error: {e}"),
        }
        let refs = repo.refs().unwrap();
        assert!(refs.publication("", "stable").is_none() && refs.dropping.len() == 1, "{refs:?}");
        let err = common::publish(&repo, PublishAction::New(request()), &Dependencies::Skip, keys, now(), &NoEvents)
            .unwrap_err();
        assert!(err.to_string().contains("is being dropped"), "{err}");
        repo.publish_drop("", "stable", now()).unwrap();
        assert!(files_under(&dists).is_empty(), "files left after the drop was finished");
        assert!(repo.refs().unwrap().dropping.is_empty());
    }
    let err = repo.publish_drop("", "stable", now()).unwrap_err();
    assert!(err.to_string().contains("stable"), "{err}");
}

fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    if dir.exists() {
        aptkit_tests::walk(dir)
    } else {
        Vec::new()
    }
}
