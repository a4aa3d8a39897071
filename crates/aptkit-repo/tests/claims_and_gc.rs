//! Two publishers of one suite never race for its InRelease, and gc keeps
//! the pool files of the generations clients may still be reading.

mod common;

use std::sync::Arc;

use aptkit_repo::state::{self, Claim};
use aptkit_repo::{Activity, Dependencies, NoEvents, PublishAction, Repository, Source};
use aptkit_store::{FileStore, Store};

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

fn request(snapshot: &str) -> aptkit_repo::PublishRequest {
    common::request(Source::Snapshot(snapshot.into()), &["amd64"])
}

/// Stores under `dir` (`state/`, `public/`) and repo `main` holding one
/// package `tiny` in each of `versions` in turn, snapshotted as s0, s1, ….
fn tiny_snapshots(dir: &std::path::Path, versions: &[&str]) -> (Arc<dyn Store>, Repository) {
    let debs = dir.join("debs");
    std::fs::create_dir_all(&debs).unwrap();
    let state_store: Arc<dyn Store> = Arc::new(FileStore::new(dir.join("state")));
    let repo = Repository::new(state_store.clone(), Arc::new(FileStore::new(dir.join("public"))));
    repo.repo_create("main", "", None, 0).unwrap();
    for (i, version) in versions.iter().enumerate() {
        repo.repo_remove("main", &["tiny".to_string()]).ok();
        repo.repo_add("main", &[common::tiny_deb(&debs, "tiny", version)], &|_, _| {}).unwrap();
        repo.snapshot_create_from_repo(&format!("s{i}"), "main", 0).unwrap();
    }
    (state_store, repo)
}

#[test]
fn a_claimed_suite_is_refused_and_gc_keeps_recent_generations() {
    let work = tempfile::tempdir().unwrap();
    let key = common::key();
    let (state_store, repo) = tiny_snapshots(work.path(), &["1.0", "2.0", "3.0", "4.0"]);
    let public = FileStore::new(work.path().join("public"));
    let deps = Dependencies::Skip;
    let keys = std::slice::from_ref(&key);
    common::publish(&repo, PublishAction::New(request("s0")), &deps, keys, now(), &NoEvents).unwrap();

    // Another job holds the suite: refused, nothing written.
    state::update(state_store.as_ref(), |refs| {
        refs.claims.insert(
            "stable".into(),
            Claim { token: "other".into(), since: now(), holder: None, activity: Activity::Publishing, expires: None },
        );
        Ok(())
    })
    .unwrap();
    let inrelease = std::fs::read(work.path().join("public/dists/stable/InRelease")).unwrap();
    let err = common::publish(&repo, common::switch("", "stable", "s1"), &deps, keys, now(), &NoEvents).unwrap_err();
    assert!(err.to_string().contains("being published by another job"), "{err}");
    assert_eq!(std::fs::read(work.path().join("public/dists/stable/InRelease")).unwrap(), inrelease);
    // Nor may it be dropped under the job's feet: refused, nothing changed.
    let refs_before = repo.refs().unwrap();
    let err = repo.publish_drop("", "stable", now()).unwrap_err();
    assert!(err.to_string().contains("being published by another job"), "{err}");
    assert_eq!(repo.refs().unwrap(), refs_before);
    assert_eq!(std::fs::read(work.path().join("public/dists/stable/InRelease")).unwrap(), inrelease);
    // A claim older than the TTL is from a dead job and is taken over.
    state::update(state_store.as_ref(), |refs| {
        refs.claims.insert(
            "stable".into(),
            Claim {
                token: "dead".into(),
                since: now() - state::CLAIM_TTL - 1,
                holder: None,
                activity: Activity::Publishing,
                expires: None,
            },
        );
        Ok(())
    })
    .unwrap();
    common::publish(&repo, common::switch("", "stable", "s1"), &deps, keys, now(), &NoEvents).unwrap();
    assert!(repo.refs().unwrap().claims.is_empty(), "the claim is released after the publish");

    common::publish(&repo, common::switch("", "stable", "s2"), &deps, keys, now(), &NoEvents).unwrap();
    common::publish(&repo, common::switch("", "stable", "s3"), &deps, keys, now(), &NoEvents).unwrap();
    for s in ["s0", "s1", "s2"] {
        repo.snapshot_drop(s).unwrap();
    }
    repo.repo_drop("main").unwrap();
    // s3 is live; s2 and s1 are the two generations before it; s0 is gone.
    let report = repo.gc(0, now() + 10, false).unwrap();
    let deleted: Vec<&String> = report.public.iter().collect();
    assert_eq!(deleted.len(), 1, "{deleted:?}");
    assert!(deleted[0].ends_with("tiny_1.0_all.deb"), "{deleted:?}");
    for v in ["2.0", "3.0", "4.0"] {
        assert!(public.head(&format!("pool/main/t/tiny/tiny_{v}_all.deb")).unwrap().is_some(), "{v} was collected");
    }
}

/// A publisher killed mid-publish (Ctrl-C, a cancelled CI job) leaves its
/// claim behind: while its process runs the suite is refused, naming it;
/// once the process is gone, the next publish takes the claim at once
/// instead of waiting for it to expire.
#[test]
fn the_claim_of_a_publisher_that_is_gone_is_taken_over_at_once() {
    let work = tempfile::tempdir().unwrap();
    let key = common::key();
    let state_store: Arc<dyn Store> = Arc::new(FileStore::new(work.path().join("state")));
    let repo = Repository::new(state_store.clone(), Arc::new(FileStore::new(work.path().join("public"))));
    repo.repo_create("main", "", None, 0).unwrap();
    repo.repo_add("main", &[common::tiny_deb(work.path(), "tiny", "1.0")], &|_, _| {}).unwrap();
    repo.snapshot_create_from_repo("s0", "main", 0).unwrap();
    repo.snapshot_create_from_repo("s1", "main", 0).unwrap();
    let (deps, keys) = (Dependencies::Skip, std::slice::from_ref(&key));
    common::publish(&repo, PublishAction::New(request("s0")), &deps, keys, now(), &NoEvents).unwrap();

    let mut publisher = std::process::Command::new("sleep").arg("60").spawn().unwrap();
    let holder = state::Holder::of_process(publisher.id()).unwrap();
    state::update(state_store.as_ref(), |refs| {
        refs.claims.insert(
            "stable".into(),
            Claim {
                token: "killed".into(),
                since: now(),
                holder: Some(holder.clone()),
                activity: Activity::Publishing,
                expires: None,
            },
        );
        Ok(())
    })
    .unwrap();
    let err = common::publish(&repo, common::switch("", "stable", "s1"), &deps, keys, now(), &NoEvents).unwrap_err();
    assert!(err.to_string().contains(&format!("process {} on {}", holder.pid, holder.host)), "{err}");

    publisher.kill().unwrap();
    publisher.wait().unwrap();
    common::publish(&repo, common::switch("", "stable", "s1"), &deps, keys, now(), &NoEvents).unwrap();
    assert!(repo.refs().unwrap().claims.is_empty(), "the claim is released after the publish");
}

/// A blob that no set references is fair game for gc once old enough; an
/// add of the same bytes must restart its age, or a gc running beside the
/// add could delete what the add is about to reference.
#[test]
fn re_adding_an_unreferenced_blob_restarts_its_age_for_gc() {
    let work = tempfile::tempdir().unwrap();
    let debs = work.path().join("debs");
    std::fs::create_dir_all(&debs).unwrap();
    let state_dir = work.path().join("state");
    let repo =
        Repository::new(Arc::new(FileStore::new(&state_dir)), Arc::new(FileStore::new(work.path().join("public"))));
    repo.repo_create("main", "", None, 0).unwrap();
    let deb = common::tiny_deb(&debs, "tiny", "1.0");
    repo.repo_add("main", std::slice::from_ref(&deb), &|_, _| {}).unwrap();
    repo.repo_remove("main", &["tiny".to_string()]).unwrap();
    let blob = walk_pool(&state_dir);
    assert_eq!(blob.len(), 1);
    let day_ago = filetime::FileTime::from_unix_time(now() - 86_400, 0);
    filetime::set_file_mtime(&blob[0], day_ago).unwrap();

    repo.repo_add("main", &[deb], &|_, _| {}).unwrap();
    // What a gc that listed the store before this add's refs update sees:
    // a young object, inside any grace period.
    let modified = std::fs::metadata(&blob[0]).unwrap().modified().unwrap();
    let age = std::time::SystemTime::now().duration_since(modified).unwrap_or_default();
    assert!(age.as_secs() < 600, "the re-added blob still looks {}s old", age.as_secs());
    let report = repo.gc(3600, now(), false).unwrap();
    assert!(report.state.iter().all(|k| !k.starts_with("pool/")), "{report:?}");
    assert!(blob[0].exists(), "gc deleted a blob the repo references");
}

fn walk_pool(state: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(state.join("pool")).unwrap() {
        for file in std::fs::read_dir(entry.unwrap().path()).unwrap() {
            out.push(file.unwrap().path());
        }
    }
    out
}

/// gc and publishing exclude each other through the refs document: a
/// publish links pool files in with their blobs' old age, and may
/// re-reference a file gc found unreferenced, so gc must never delete pool
/// files while one runs, and no publish may start while gc deletes.
#[test]
fn gc_and_publishing_exclude_each_other() {
    let common::Scratch { work, debs, key, repo } = common::scratch();
    let keys = std::slice::from_ref(&key);
    let state_store = repo.state_store();
    for (snapshot, version) in [("s0", "1.0"), ("s1", "2.0")] {
        repo.repo_remove("main", &["tiny".to_string()]).ok();
        repo.repo_add("main", &[common::tiny_deb(&debs, "tiny", version)], &|_, _| {}).unwrap();
        repo.snapshot_create_from_repo(snapshot, "main", 0).unwrap();
    }
    common::publish(&repo, PublishAction::New(request("s0")), &Dependencies::Skip, keys, now(), &NoEvents).unwrap();
    // Another suite beside it keeps the pool tree under gc's care.
    let testing = aptkit_repo::PublishRequest { distribution: "testing".into(), ..request("s1") };
    common::publish(&repo, PublishAction::New(testing), &Dependencies::Skip, keys, now(), &NoEvents).unwrap();
    let pool_file = work.path().join("public/pool/main/t/tiny/tiny_1.0_all.deb");
    assert!(pool_file.exists());

    // A live gc claim: a publish is refused, naming gc, and changes nothing.
    let holder = state::Holder::this_process();
    state::update(state_store, |refs| {
        refs.claims.insert(
            state::GC_CLAIM.into(),
            Claim {
                token: "gc".into(),
                since: now(),
                holder: holder.clone(),
                activity: Activity::Collecting,
                expires: None,
            },
        );
        Ok(())
    })
    .unwrap();
    let refs_before = repo.refs().unwrap();
    let err = common::publish(&repo, common::switch("", "stable", "s0"), &Dependencies::Skip, keys, now(), &NoEvents)
        .unwrap_err();
    assert!(err.to_string().contains("`aptkit gc`") && err.to_string().contains("is deleting"), "{err}");
    assert_eq!(repo.refs().unwrap(), refs_before);
    // And a second gc is refused too.
    let err = repo.gc(0, now() + 10, false).unwrap_err();
    assert!(err.to_string().contains("another `aptkit gc`"), "{err}");

    // A live publish claim: gc leaves the publish store's pool alone (the
    // snapshot is dropped, so its pool file is unreferenced and old).
    state::update(state_store, |refs| {
        refs.claims.remove(state::GC_CLAIM);
        refs.claims.insert(
            "other".into(),
            Claim {
                token: "p".into(),
                since: now(),
                holder: holder.clone(),
                activity: Activity::Publishing,
                expires: None,
            },
        );
        Ok(())
    })
    .unwrap();
    repo.publish_drop("", "stable", now()).unwrap();
    assert!(!work.path().join("public/dists/stable").exists(), "the dropped suite left a tree behind");
    assert!(work.path().join("public/dists/testing/InRelease").is_file());
    repo.snapshot_drop("s0").unwrap();
    let report = repo.gc(0, now() + 10, false).unwrap();
    assert!(report.public.is_empty(), "gc deleted pool files while a publish ran: {report:?}");
    assert!(pool_file.exists());
    // Once the publish is done, gc collects the pool, and releases its own
    // claim when it is done.
    state::update(state_store, |refs| {
        refs.claims.clear();
        Ok(())
    })
    .unwrap();
    let report = repo.gc(0, now() + 10, false).unwrap();
    assert_eq!(report.public, ["pool/main/t/tiny/tiny_1.0_all.deb"], "{report:?}");
    assert!(repo.refs().unwrap().claims.is_empty(), "gc left its claim: {:?}", repo.refs().unwrap().claims);
}

/// A drop holds the suite too: a publish of it meanwhile is refused as
/// busy (retry later), naming the drop and its holder, and changes nothing.
#[test]
fn a_suite_being_dropped_by_a_live_job_is_busy_for_a_publish() {
    let common::Scratch { work, debs, key, repo } = common::scratch();
    let keys = std::slice::from_ref(&key);
    repo.repo_add("main", &[common::tiny_deb(&debs, "tiny", "1.0")], &|_, _| {}).unwrap();
    repo.snapshot_create_from_repo("s0", "main", 0).unwrap();
    common::publish(&repo, PublishAction::New(request("s0")), &Dependencies::Skip, keys, now(), &NoEvents).unwrap();
    let holder = state::Holder::this_process();
    state::update(repo.state_store(), |refs| {
        let claim = Claim {
            token: "drop".into(),
            since: now(),
            holder: holder.clone(),
            activity: Activity::Dropping,
            expires: None,
        };
        refs.claims.insert("stable".into(), claim);
        Ok(())
    })
    .unwrap();
    let refs_before = repo.refs().unwrap();
    let inrelease = std::fs::read(work.path().join("public/dists/stable/InRelease")).unwrap();
    let err = common::publish(&repo, common::switch("", "stable", "s0"), &Dependencies::Skip, keys, now(), &NoEvents)
        .unwrap_err();
    assert!(err.to_string().contains("`stable` is being dropped by another job"), "{err}");
    assert!(err.is_retryable(), "{err:?}");
    let busy = err.busy().expect("a busy error");
    assert_eq!((busy.activity, busy.wanted), (Activity::Dropping, Activity::Publishing));
    assert_eq!(repo.refs().unwrap(), refs_before);
    assert_eq!(std::fs::read(work.path().join("public/dists/stable/InRelease")).unwrap(), inrelease);
}

/// A publish that takes over a dead job's claim and then fails before it
/// writes anything leaves the suite marked as cut short (its record in
/// `unverified`), not just unclaimed: the claim was the only sign that the
/// suite may be half-written, and the next publish must check everything.
#[test]
fn a_takeover_that_fails_before_writing_keeps_the_suite_marked_as_cut_short() {
    let work = tempfile::tempdir().unwrap();
    let key = common::key();
    let (state_store, repo) = tiny_snapshots(work.path(), &["1.0", "2.0"]);
    let (deps, keys) = (Dependencies::Skip, std::slice::from_ref(&key));
    common::publish(&repo, PublishAction::New(request("s0")), &deps, keys, now(), &NoEvents).unwrap();
    let dead = Claim {
        token: "dead".into(),
        since: now() - state::CLAIM_TTL - 1,
        holder: None,
        activity: Activity::Publishing,
        expires: None,
    };
    state::update(state_store.as_ref(), |refs| {
        refs.claims.insert("stable".into(), dead.clone());
        Ok(())
    })
    .unwrap();
    // The live InRelease cannot be read (a directory where it should be).
    let inrelease = work.path().join("public/dists/stable/InRelease");
    std::fs::remove_file(&inrelease).unwrap();
    std::fs::create_dir(&inrelease).unwrap();
    common::publish(&repo, common::switch("", "stable", "s1"), &deps, keys, now(), &NoEvents).unwrap_err();
    let refs = repo.refs().unwrap();
    assert!(refs.claims.is_empty(), "the claim is given back: {:?}", refs.claims);
    assert!(refs.unverified.iter().any(|p| p.distribution == "stable"), "the suite is no longer marked: {refs:?}");

    std::fs::remove_dir(&inrelease).unwrap();
    common::publish(&repo, common::switch("", "stable", "s1"), &deps, keys, now(), &NoEvents).unwrap();
    let refs = repo.refs().unwrap();
    assert!(refs.unverified.is_empty() && refs.claims.is_empty(), "{refs:?}");
}
