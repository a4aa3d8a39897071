//! Control values that would become pool paths or index lines are checked
//! before anything is stored.

mod common;

use std::sync::Arc;

use aptkit_repo::{Dependencies, NoEvents, PublishAction, Repository, Source};
use aptkit_store::{FileStore, Store};

#[test]
fn bad_names_versions_and_architectures_are_refused() {
    let work = tempfile::tempdir().unwrap();
    let debs = work.path().join("debs");
    std::fs::create_dir_all(&debs).unwrap();
    let state: Arc<dyn Store> = Arc::new(FileStore::new(work.path().join("state")));
    let repo = Repository::new(state.clone(), Arc::new(FileStore::new(work.path().join("public"))));
    repo.repo_create("main", "", None, 0).unwrap();
    for (name, version, expected) in
        [("tiny", "1.0 x", "invalid version `1.0 x`"), ("Tiny_Pkg", "1.0", "invalid package name `Tiny_Pkg`")]
    {
        let dir = debs.join(format!("{name}-{}", version.len()));
        std::fs::create_dir_all(&dir).unwrap();
        let deb = common::tiny_deb(&dir, name, version);
        let err = repo.repo_add("main", std::slice::from_ref(&deb), &|_, _| {}).unwrap_err();
        assert!(err.to_string().contains(&deb.display().to_string()), "{err}");
        let chain = format!("{err} {err:?}");
        assert!(chain.contains(expected), "{chain}");
        assert!(state.list("pool/").unwrap().is_empty(), "nothing may be stored");
    }
    let good = common::tiny_deb(&debs, "tiny", "1.0");
    repo.repo_add("main", &[good], &|_, _| {}).unwrap();
    let request = common::request(Source::Repo("main".into()), &["all"]);
    let key = common::key();
    let err = common::publish(
        &repo,
        PublishAction::New(request),
        &Dependencies::Skip,
        std::slice::from_ref(&key),
        0,
        &NoEvents,
    )
    .unwrap_err();
    assert!(err.to_string().contains("invalid architecture `all`"), "{err}");
}
