//! Helpers shared by the repository tests: tiny generated .debs, a signing
//! key, and a real apt client pointed at a `file:` repository.
// Each test binary uses its own part of these.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use aptkit_deb::{Compression, ControlFile, DebWriter, FileSource, Node, Tree, TreeEntry, TreePath};
use aptkit_repo::{
    Clock, Dependencies, Publication, PublishAction, PublishEvents, PublishReport, PublishRequest, Publisher,
    Repository, Source,
};
use aptkit_sign::{KeyAlgorithm, SigningKey};

/// Write `<name>_<version>_all.deb` with one small file into `dir`.
pub fn tiny_deb(dir: &Path, name: &str, version: &str) -> PathBuf {
    deb_described(dir, name, version, "A test.")
}

/// [`tiny_deb`] with `body` as the long description (its index stanza
/// grows with it).
pub fn deb_described(dir: &Path, name: &str, version: &str, body: &str) -> PathBuf {
    deb_for(dir, name, version, "all", body)
}

/// `<name>_<version>_<arch>.deb`, described by `body`.
pub fn deb_for(dir: &Path, name: &str, version: &str, arch: &str, body: &str) -> PathBuf {
    let mut tree = Tree::new();
    let content = format!("{name} {version}\n").into_bytes();
    tree.insert(
        TreePath::new(&format!("usr/share/{name}/version")).unwrap(),
        TreeEntry {
            node: Node::File { size: content.len() as u64, source: FileSource::Bytes(Arc::from(content)) },
            mode: 0o644,
            mtime: 0,
        },
    );
    let writer = DebWriter {
        compression: Compression::Gzip { level: 6 },
        threads: 1,
        source_date_epoch: 1_700_000_000,
        progress: None,
    };
    let data = writer.write_data(&tree, arch, dir).unwrap();
    let control = format!(
        "Package: {name}\nVersion: {version}\nArchitecture: {arch}\nMaintainer: Test <t@example.org>\nInstalled-Size: 4\nDescription: test package {name}\n {body}\n"
    );
    let files = [
        ControlFile { name: "control".into(), contents: control.into_bytes(), executable: false },
        ControlFile { name: "md5sums".into(), contents: data.md5sums_file(), executable: false },
    ];
    let control_tar = writer.control_tar(&files).unwrap();
    let pending = writer.assemble(&control_tar, data, dir).unwrap();
    let path = dir.join(format!("{name}_{version}_{arch}.deb"));
    pending.persist(&path).unwrap();
    path
}

/// An error and its sources, joined by `: ` (as the CLI prints them).
pub fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    std::iter::successors(Some(err), |e| e.source()).map(|e| e.to_string()).collect::<Vec<_>>().join(": ")
}

pub fn key() -> SigningKey {
    SigningKey::generate("test <t@example.org>", KeyAlgorithm::Ed25519).unwrap()
}

/// Publish `source` as `stable/main` for `architectures`, no extras.
pub fn request(source: Source, architectures: &[&str]) -> PublishRequest {
    PublishRequest {
        prefix: String::new(),
        distribution: "stable".into(),
        component: "main".into(),
        source,
        architectures: Some(architectures.iter().map(|a| a.to_string()).collect()),
        origin: None,
        label: None,
        valid_for_days: None,
        contents: false,
    }
}

/// Publish `action` with `keys` at `now` (events to `events`): the
/// publication and its report.
pub fn publish(
    repo: &Repository,
    action: PublishAction,
    deps: &Dependencies,
    keys: &[SigningKey],
    now: i64,
    events: &dyn PublishEvents,
) -> aptkit_repo::Result<(Publication, PublishReport)> {
    let published = Publisher::new(repo, keys, deps.clone()).clock(Clock::Fixed(now)).events(events).run(action)?;
    Ok((published.publication, published.report))
}

/// Publish repo `main` as `stable/main` for amd64, dependencies not
/// checked, now: the publication and its report.
pub fn publish_main(repo: &Repository, keys: &[SigningKey]) -> (Publication, PublishReport) {
    let request = request(Source::Repo("main".into()), &["amd64"]);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    publish(repo, PublishAction::New(request), &Dependencies::Skip, keys, now, &aptkit_repo::NoEvents).unwrap()
}

/// `publish switch`: the snapshot publication `prefix/distribution` to `snapshot`.
pub fn switch(prefix: &str, distribution: &str, snapshot: &str) -> PublishAction {
    PublishAction::Switch { prefix: prefix.into(), distribution: distribution.into(), snapshot: snapshot.into() }
}

/// `publish update`: the repo publication `prefix/distribution` again.
pub fn update(prefix: &str, distribution: &str) -> PublishAction {
    PublishAction::Update { prefix: prefix.into(), distribution: distribution.into() }
}

/// A fresh directory with a repository in it (`state/`, `public/`, and
/// `debs/` for test packages), an empty repo `main`, and a signing key.
pub struct Scratch {
    pub work: tempfile::TempDir,
    pub debs: PathBuf,
    pub key: SigningKey,
    pub repo: aptkit_repo::Repository,
}

pub fn scratch() -> Scratch {
    let work = tempfile::tempdir().unwrap();
    let debs = work.path().join("debs");
    std::fs::create_dir_all(&debs).unwrap();
    let store =
        |name: &str| -> Arc<dyn aptkit_store::Store> { Arc::new(aptkit_store::FileStore::new(work.path().join(name))) };
    let repo = aptkit_repo::Repository::new(store("state"), store("public"));
    repo.repo_create("main", "", None, 0).unwrap();
    Scratch { debs, key: key(), repo, work }
}
