//! Every publish reads back what it wrote before it records it, whatever
//! the publish store: an object damaged between write and check (a store
//! that stores other bytes than it was sent) fails the publish with the
//! verify finding, records nothing (but keeps its files from gc: its
//! InRelease may be live), and gives the suite's claim back; the same
//! publish through an honest store then succeeds.

mod common;

use std::sync::Arc;

use aptkit_repo::{Dependencies, ErrorKind, NoEvents, PublishAction, PublishEvent, Repository, Source};
use aptkit_store::{FaultyStore, FileStore, Store};
use aptkit_tests::moto::{set_moto_env, Moto};

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

/// Publish `stable` through `public` (which damages what it is told to)
/// and expect the publish to fail naming `damaged`; then publish through
/// `clean` (the same place, undamaged) and expect it to succeed.
fn damaged_then_clean(state: Arc<dyn Store>, damaging: Arc<dyn Store>, clean: Arc<dyn Store>, damaged: &str) {
    let work = tempfile::tempdir().unwrap();
    let key = common::key();
    let keys = std::slice::from_ref(&key);
    let repo = Repository::new(state.clone(), damaging);
    repo.repo_create("main", "", None, 0).unwrap();
    let debs = [common::tiny_deb(work.path(), "tiny", "1.0"), common::tiny_deb(work.path(), "other", "1.0")];
    repo.repo_add("main", &debs, &|_, _| {}).unwrap();
    let request = || common::request(Source::Repo("main".into()), &["amd64"]);

    let err =
        common::publish(&repo, PublishAction::New(request()), &Dependencies::Skip, keys, now(), &NoEvents).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("does not read back as written") && text.contains(damaged), "{text}");
    assert_eq!(err.kind(), ErrorKind::Integrity, "{err:?}");
    assert!(!err.is_retryable());
    let refs = repo.refs().unwrap();
    assert!(refs.publications.is_empty(), "a publication that does not verify was recorded: {refs:?}");
    assert!(refs.claims.is_empty(), "the claim was kept: {:?}", refs.claims);
    // Its InRelease may be live: gc keeps its pool files all the same.
    assert_eq!(refs.unverified.len(), 1, "{refs:?}");
    let pool_before = clean.list("pool/").unwrap().len();
    assert_eq!(pool_before, 2);
    repo.gc(0, now() + 3600, false).unwrap();
    assert_eq!(clean.list("pool/").unwrap().len(), pool_before, "gc deleted the pool of a live InRelease");

    // The same publish through an honest store: written, checked, recorded.
    let repo = Repository::new(state, clean.clone());
    let events = std::sync::Mutex::new(Vec::new());
    let sink = |e: PublishEvent| events.lock().unwrap().push(e);
    let (publication, report) =
        common::publish(&repo, PublishAction::New(request()), &Dependencies::Skip, keys, now(), &sink).unwrap();
    assert_eq!(repo.refs().unwrap().publications, [publication]);
    assert!(repo.refs().unwrap().unverified.is_empty(), "a verified publish clears its unverified entry");
    let verified = events.lock().unwrap().iter().find_map(|e| match e {
        PublishEvent::Verified { indices, pool_files } => Some((*indices, *pool_files)),
        _ => None,
    });
    let (indices, pool_files) = verified.expect("a Verified event");
    assert!(indices >= 4, "{indices} indices read back");
    assert_eq!(pool_files, report.pool_written);
}

#[test]
fn a_damaged_index_in_a_local_store_fails_the_publish() {
    let work = tempfile::tempdir().unwrap();
    let state: Arc<dyn Store> = Arc::new(FileStore::new(work.path().join("state")));
    let public = FileStore::new(work.path().join("public"));
    let damaging = Arc::new(FaultyStore::tampering(public.clone(), "binary-amd64/Packages.gz"));
    damaged_then_clean(state, damaging, Arc::new(public), "binary-amd64/Packages.gz");
}

#[test]
fn a_damaged_release_signature_in_a_local_store_fails_the_publish() {
    let work = tempfile::tempdir().unwrap();
    let state: Arc<dyn Store> = Arc::new(FileStore::new(work.path().join("state")));
    let public = FileStore::new(work.path().join("public"));
    let damaging = Arc::new(FaultyStore::tampering(public.clone(), "dists/stable/InRelease"));
    damaged_then_clean(state, damaging, Arc::new(public), "InRelease");
}

/// The check runs against S3 as it does against a directory: both stores
/// in one moto bucket, the publish store under a prefix.
#[test]
fn a_damaged_index_in_s3_fails_the_publish() {
    let moto = Moto::start();
    set_moto_env();
    let options = aptkit_aws::S3Options { endpoint_url: Some(moto.endpoint()), region: None, force_path_style: true };
    let open = |url: &str| aptkit_aws::S3Store::connect(url, &options).unwrap();
    let state = open("s3://readback/state");
    state.create_bucket().unwrap();
    let damaging = Arc::new(FaultyStore::tampering(open("s3://readback/public"), "binary-amd64/Packages"));
    damaged_then_clean(Arc::new(state), damaging, Arc::new(open("s3://readback/public")), "binary-amd64/Packages");
}

/// A by-hash copy damaged after it was written (content-addressed, so a
/// rerun finds the key taken) is compared and written again by the publish
/// after one that failed part-way (which checks everything the store
/// holds), and then reads back clean.
#[test]
fn a_damaged_by_hash_copy_is_repaired_by_the_next_publish() {
    let common::Scratch { work, debs, key, repo } = common::scratch();
    let keys = std::slice::from_ref(&key);
    repo.repo_add("main", &[common::tiny_deb(&debs, "tiny", "1.0")], &|_, _| {}).unwrap();
    let request = common::request(Source::Repo("main".into()), &["amd64"]);
    common::publish(&repo, PublishAction::New(request), &Dependencies::Skip, keys, now(), &NoEvents).unwrap();
    let by_hash = work.path().join("public/dists/stable/main/binary-amd64/by-hash/SHA256");
    let copy = std::fs::read_dir(&by_hash).unwrap().next().unwrap().unwrap().path();
    let mut bytes = std::fs::read(&copy).unwrap();
    *bytes.last_mut().unwrap() ^= 0xff;
    // A new file: the plain name (a hard link to the old one) stays good.
    std::fs::remove_file(&copy).unwrap();
    std::fs::write(&copy, &bytes).unwrap();

    // A publish that fails at its first write.
    let failing = FaultyStore::new(FileStore::new(work.path().join("public")), 1);
    let state: Arc<dyn Store> = Arc::new(FileStore::new(work.path().join("state")));
    let interrupted = aptkit_repo::Repository::new(state, Arc::new(failing));
    let update = || common::update("", "stable");
    common::publish(&interrupted, update(), &Dependencies::Skip, keys, now(), &NoEvents).unwrap_err();
    common::publish(&repo, update(), &Dependencies::Skip, keys, now(), &NoEvents).unwrap();
    assert_ne!(std::fs::read(&copy).unwrap(), bytes, "the damaged copy is still there");
    let digest = aptkit_index::FileDigests::of_bytes(&std::fs::read(&copy).unwrap()).sha256_hex();
    assert_eq!(copy.file_name().unwrap().to_str().unwrap(), digest, "the copy holds what its name says");
}

/// A .deb gone from the state store is named, and the suite is left as it
/// was: no InRelease is written over the last one.
#[test]
fn a_deb_missing_from_the_state_store_is_named_and_the_suite_is_untouched() {
    let common::Scratch { work, debs, key, repo } = common::scratch();
    let keys = std::slice::from_ref(&key);
    repo.repo_add("main", &[common::tiny_deb(&debs, "tiny", "1.0")], &|_, _| {}).unwrap();
    let request = common::request(Source::Repo("main".into()), &["amd64"]);
    common::publish(&repo, PublishAction::New(request), &Dependencies::Skip, keys, now(), &NoEvents).unwrap();
    repo.repo_add("main", &[common::tiny_deb(&debs, "later", "1.0")], &|_, _| {}).unwrap();
    let blobs = aptkit_tests::walk(&work.path().join("state/pool"));
    let inrelease = work.path().join("public/dists/stable/InRelease");
    let before = std::fs::read(&inrelease).unwrap();
    for blob in &blobs {
        std::fs::remove_file(blob).unwrap();
    }
    let err = common::publish(&repo, common::update("", "stable"), &Dependencies::Skip, keys, now(), &NoEvents)
        .unwrap_err()
        .to_string();
    assert!(err.contains("later") && err.contains("is missing"), "{err}");
    assert_eq!(std::fs::read(&inrelease).unwrap(), before, "InRelease was rewritten");
}
