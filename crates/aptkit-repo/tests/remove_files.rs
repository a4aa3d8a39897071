//! `repo add --remove-files` ([`Intake::Move`]): a file with no other name
//! is taken in by a hard link, not copied; a file with another name is
//! copied; the inputs go only once the add is committed.

mod common;

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use aptkit_repo::{Intake, Repository};
use aptkit_store::{FileStore, Store};
use sha2::{Digest, Sha256};

struct Setup {
    work: tempfile::TempDir,
    state: Arc<dyn Store>,
    repo: Repository,
}

fn setup() -> Setup {
    let work = tempfile::tempdir().unwrap();
    let state: Arc<dyn Store> = Arc::new(FileStore::new(work.path().join("state")));
    let repo = Repository::new(state.clone(), Arc::new(FileStore::new(work.path().join("public"))));
    repo.repo_create("main", "", None, 0).unwrap();
    Setup { work, state, repo }
}

fn debs_dir(s: &Setup) -> PathBuf {
    let dir = s.work.path().join("debs");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The stored file of `name` in repo `main`.
fn blob_of(s: &Setup, name: &str) -> PathBuf {
    let set = s.repo.repo_packages("main").unwrap();
    let record = set.iter().find(|r| r.name() == name).unwrap_or_else(|| panic!("{name} is in the repo"));
    let blob = s.state.local_path(&record.blob_key()).expect("a local store");
    assert_eq!(
        hex::encode(Sha256::digest(std::fs::read(&blob).unwrap())),
        record.sha256(),
        "the blob holds the hashed bytes"
    );
    blob
}

fn inode(path: &Path) -> u64 {
    std::fs::metadata(path).unwrap().ino()
}

#[test]
fn sole_names_are_linked_in_and_every_input_is_removed() {
    let s = setup();
    let dir = debs_dir(&s);
    let one = common::tiny_deb(&dir, "one", "1.0");
    let two = common::tiny_deb(&dir, "two", "1.0");
    let (one_ino, two_ino) = (inode(&one), inode(&two));
    let report = s.repo.repo_add_as("main", std::slice::from_ref(&dir), Intake::Move, &|_, _| {}).unwrap();
    assert_eq!(report.added, ["one_1.0_all", "two_1.0_all"]);
    assert!(report.not_removed.is_empty(), "{:?}", report.not_removed);
    assert!(!one.exists() && !two.exists(), "the inputs are removed");
    // Nothing was copied: the stored files are the inputs' own inodes.
    assert_eq!(inode(&blob_of(&s, "one")), one_ino);
    assert_eq!(inode(&blob_of(&s, "two")), two_ino);
    // Only the blob's name is left on the inode (no staging link).
    assert_eq!(std::fs::metadata(blob_of(&s, "one")).unwrap().nlink(), 1);
}

#[test]
fn a_file_with_another_name_is_copied_so_that_name_cannot_rewrite_the_pool() {
    let s = setup();
    let dir = debs_dir(&s);
    let deb = common::tiny_deb(&dir, "shared", "1.0");
    let other = s.work.path().join("other-name.deb");
    std::fs::hard_link(&deb, &other).unwrap();
    s.repo.repo_add_as("main", std::slice::from_ref(&deb), Intake::Move, &|_, _| {}).unwrap();
    assert!(!deb.exists(), "the named input is removed");
    let blob = blob_of(&s, "shared");
    assert_ne!(inode(&blob), inode(&other), "copied, not linked");
    // Rewriting the other name in place leaves the stored file alone.
    let original = std::fs::read(&blob).unwrap();
    std::fs::write(&other, b"rewritten").unwrap();
    assert_eq!(std::fs::read(&blob).unwrap(), original);
}

#[test]
fn a_failed_add_removes_no_input_and_stores_nothing() {
    let s = setup();
    let dir = debs_dir(&s);
    s.repo.repo_add("main", &[common::tiny_deb(&dir, "pkg", "1.0")], &|_, _| {}).unwrap();
    let before = s.state.list("").unwrap();
    // A different file under the same name_version_arch, beside a good one.
    let batch = s.work.path().join("batch");
    std::fs::create_dir_all(&batch).unwrap();
    let good = common::tiny_deb(&batch, "fine", "1.0");
    let conflicting = common::deb_described(&batch, "pkg", "1.0", "Other bytes.");
    let good_ino = inode(&good);
    let err = s.repo.repo_add_as("main", std::slice::from_ref(&batch), Intake::Move, &|_, _| {}).unwrap_err();
    assert!(err.to_string().contains("pkg_1.0_all"), "{err}");
    assert!(good.exists() && conflicting.exists(), "no input is removed");
    assert_eq!(inode(&good), good_ino);
    assert_eq!(std::fs::metadata(&good).unwrap().nlink(), 1, "no link is left behind");
    let after = s.state.list("").unwrap();
    let keys = |l: &[aptkit_store::ObjectMeta]| l.iter().map(|m| m.key.clone()).collect::<Vec<_>>();
    assert_eq!(keys(&after), keys(&before), "the state store is unchanged");

    // A corrupt .deb in the batch: the same.
    std::fs::remove_file(&conflicting).unwrap();
    let corrupt = batch.join("corrupt_1.0_all.deb");
    std::fs::write(&corrupt, b"!<arch>\nnot really").unwrap();
    let err = s.repo.repo_add_as("main", std::slice::from_ref(&batch), Intake::Move, &|_, _| {}).unwrap_err();
    assert!(err.to_string().contains("corrupt_1.0_all.deb"), "{err}");
    assert!(good.exists() && corrupt.exists());
    assert_eq!(std::fs::metadata(&good).unwrap().nlink(), 1);
    assert_eq!(keys(&s.state.list("").unwrap()), keys(&before));
}

/// A `--remove-files` add that fails after its blobs are written (a fault
/// at each write in turn) keeps every input, and never leaves a published
/// package's stored file sharing an inode with the caller's file, which
/// the caller may still rewrite.
#[test]
fn a_move_that_fails_late_never_hands_a_stored_file_to_the_caller() {
    let s = setup();
    let dir = debs_dir(&s);
    let kept = common::tiny_deb(&dir, "kept", "1.0");
    s.repo.repo_add("main", std::slice::from_ref(&kept), &|_, _| {}).unwrap();
    let stored = blob_of(&s, "kept");
    let stored_bytes = std::fs::read(&stored).unwrap();
    s.repo.repo_create("other", "", None, 0).unwrap();
    let root = s.work.path().join("state");
    for fail_at in 1.. {
        // The same bytes under a new name, and a package not stored yet.
        let batch = s.work.path().join(format!("batch-{fail_at}"));
        std::fs::create_dir_all(&batch).unwrap();
        let same = batch.join("kept_1.0_all.deb");
        std::fs::copy(&kept, &same).unwrap();
        let new = common::tiny_deb(&batch, "new", "1.0");
        let faulty: Arc<dyn Store> = Arc::new(aptkit_store::FaultyStore::new(FileStore::new(&root), fail_at));
        let repo = Repository::new(faulty, Arc::new(FileStore::new(s.work.path().join("public"))));
        let result = repo.repo_add_as("other", std::slice::from_ref(&batch), Intake::Move, &|_, _| {});
        // Whatever happened, repo `main`'s stored file is not the input.
        let stored_now = blob_of(&s, "kept");
        assert_ne!(inode(&stored_now), inode_if_any(&same), "fault at write {fail_at}");
        std::fs::write(&same, b"rewritten by the caller").ok();
        assert_eq!(std::fs::read(&stored_now).unwrap(), stored_bytes, "fault at write {fail_at}");
        match result {
            Err(e) => {
                assert!(e.to_string().contains("injected") || format!("{e:?}").contains("Injected"), "{e:?}");
                assert!(same.exists() && new.exists(), "a failed add removes no input (fault at write {fail_at})");
            }
            Ok(report) => {
                assert_eq!(report.added, ["kept_1.0_all", "new_1.0_all"]);
                assert!(fail_at > 3, "the add writes blobs, a set and refs");
                return;
            }
        }
    }
}

fn inode_if_any(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.ino()).unwrap_or(0)
}
