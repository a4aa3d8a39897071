//! A republish after a small change compresses only the index chunks that
//! changed; the files it assembles from cached chunks are read by apt,
//! gzip and xz; gc keeps exactly the chunks of what is published.

mod common;

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use aptkit_repo::{
    Dependencies, NoEvents, PublishAction, PublishEvent, PublishReport, Repository, Source, MAX_DATE_LEAD,
};
use aptkit_store::FileStore;
use aptkit_tests::AptClient;

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

/// Decompressed with the real tool, equal to the plain `Packages`.
fn assert_tools_read_the_indices(public: &Path) {
    let dir = public.join("dists/stable/main/binary-amd64");
    let plain = std::fs::read(dir.join("Packages")).unwrap();
    for (tool, file) in [("gzip", "Packages.gz"), ("xz", "Packages.xz")] {
        let out = Command::new(tool).arg("-dc").arg(dir.join(file)).output().unwrap();
        assert!(out.status.success(), "{tool} -dc {file}");
        assert!(out.stdout == plain, "{file} does not decompress to Packages");
    }
}

fn cache_files(state: &Path) -> Vec<std::path::PathBuf> {
    let dir = state.join("cache/index-chunks");
    let mut files: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    files
}

#[test]
fn republishing_after_one_added_package_compresses_one_or_two_chunks_per_format() {
    let work = tempfile::tempdir().unwrap();
    let (debs, state_dir, public_dir) =
        (work.path().join("debs"), work.path().join("state"), work.path().join("public"));
    std::fs::create_dir_all(&debs).unwrap();
    let key = common::key();
    let keyring = work.path().join("key.gpg");
    std::fs::write(&keyring, key.public_binary()).unwrap();
    let repo = Repository::new(Arc::new(FileStore::new(&state_dir)), Arc::new(FileStore::new(&public_dir)));
    repo.repo_create("main", "", None, 0).unwrap();
    // ~900 bytes a stanza, ~1 MB of index: several chunks.
    let body = "Long description line. ".repeat(30);
    let many: Vec<_> = (0..1100).map(|i| common::deb_described(&debs, &format!("pkg-{i:04}"), "1.0", &body)).collect();
    repo.repo_add("main", &many, &|_, _| {}).unwrap();
    let keys = std::slice::from_ref(&key);
    let request = common::request(Source::Repo("main".into()), &["amd64"]);
    let (_, cold) =
        common::publish(&repo, PublishAction::New(request), &Dependencies::Skip, keys, now(), &NoEvents).unwrap();
    assert!(cold.index_chunks >= 6, "{cold:?}");
    assert_eq!(cold.index_chunks_compressed, cold.index_chunks, "a first publish compresses everything");
    assert_eq!(cache_files(&state_dir).len(), cold.index_chunks);
    assert_tools_read_the_indices(&public_dir);

    let republish = || -> PublishReport {
        common::publish(&repo, common::update("", "stable"), &Dependencies::Skip, keys, now(), &NoEvents).unwrap().1
    };
    let same = republish();
    assert_eq!(same.index_chunks_compressed, 0, "nothing changed, nothing compressed: {same:?}");

    let added = common::deb_described(&debs, "pkg-0550a", "2.0", &body);
    repo.repo_add("main", &[added], &|_, _| {}).unwrap();
    let one_more = republish();
    assert!((2..=4).contains(&one_more.index_chunks_compressed), "one package added: {one_more:?}");
    assert_tools_read_the_indices(&public_dir);
    let client = AptClient::for_directory(&public_dir, "stable", &keyring);
    let (ok, log) = client.update();
    assert!(ok, "apt-get update:\n{log}");
    assert_eq!(client.candidate("pkg-0550a").as_deref(), Some("2.0"));
    assert_eq!(client.candidate("pkg-1099").as_deref(), Some("1.0"));
    let (ok, log) = client
        .cmd("apt-get")
        .args(["update", "-oAcquire::CompressionTypes::Order::=gz"])
        .output()
        .map(|o| {
            (
                o.status.success(),
                format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr)),
            )
        })
        .unwrap();
    assert!(ok && !log.contains("W: ") && !log.contains("E: "), "apt-get update preferring gz:\n{log}");

    // Nothing new: the Packages text is the one in place, and so are its
    // compressed forms; none is made again, nor its chunks fetched.
    let settled = republish();
    assert_eq!((settled.index_chunks, settled.index_chunks_compressed), (0, 0), "{settled:?}");
    assert!(settled.indices.is_empty(), "an unchanged index was written again: {settled:?}");
    assert_tools_read_the_indices(&public_dir);

    // Another change elsewhere: only its chunk is compressed. The chunk
    // `one_more` changed is taken from the compressed files in place (cut
    // back into their pieces), so nothing has to be cached for it.
    let cached = cache_files(&state_dir).len();
    let elsewhere = common::deb_described(&debs, "pkg-1090a", "2.0", &body);
    repo.repo_add("main", &[elsewhere], &|_, _| {}).unwrap();
    let another = republish();
    assert!((2..=4).contains(&another.index_chunks_compressed), "{another:?}");
    assert_eq!(cache_files(&state_dir).len(), cached, "a republish wrote the chunk cache");
    assert_tools_read_the_indices(&public_dir);
    let (ok, log) = client.update();
    assert!(ok, "apt-get update:\n{log}");
    assert_eq!(client.candidate("pkg-1090a").as_deref(), Some("2.0"));

    // A compressed index in place that is not what the InRelease lists
    // (damaged on disk) is not cut up: its chunks come from the cache or
    // are compressed again, and what is published reads.
    let xz = public_dir.join("dists/stable/main/binary-amd64/Packages.xz");
    let mut bytes = std::fs::read(&xz).unwrap();
    // Inside every block (its header, index and footer kept): the file
    // still splits into pieces of the right sizes.
    for at in (200..bytes.len() - 200).step_by(997) {
        bytes[at] ^= 0xff;
    }
    std::fs::write(&xz, &bytes).unwrap();
    let third = common::deb_described(&debs, "pkg-0300a", "2.0", &body);
    repo.repo_add("main", &[third], &|_, _| {}).unwrap();
    republish();
    assert_tools_read_the_indices(&public_dir);
    let (ok, log) = client.update();
    assert!(ok, "apt-get update:\n{log}");
    assert_eq!(client.candidate("pkg-0300a").as_deref(), Some("2.0"));

    // A new publication of the same repo has no files in place: it takes
    // its chunks from the cache, compressing (and caching) the ones the
    // cache lacks, which the next new publication then finds.
    let second = |distribution: &str| -> PublishReport {
        let mut request = common::request(Source::Repo("main".into()), &["amd64"]);
        request.distribution = distribution.into();
        common::publish(&repo, PublishAction::New(request), &Dependencies::Skip, keys, now(), &NoEvents).unwrap().1
    };
    let testing = second("testing");
    assert!((1..=4).contains(&testing.index_chunks_compressed), "{testing:?}");
    assert_eq!(second("unstable").index_chunks_compressed, 0);
    // A damaged cache entry of a live chunk is compressed again, and the
    // result still reads.
    let text = std::fs::read(public_dir.join("dists/unstable/main/binary-amd64/Packages")).unwrap();
    let live: Vec<String> = aptkit_compress::chunks(&text, aptkit_compress::Records::Stanzas)
        .into_iter()
        .map(|r| aptkit_compress::chunk_id(&text[r]))
        .collect();
    let victim = cache_files(&state_dir)
        .into_iter()
        .find(|f| live.iter().any(|id| f.file_name().unwrap().to_str().unwrap().starts_with(id.as_str())))
        .expect("a live chunk in the cache");
    let bytes = std::fs::read(&victim).unwrap();
    std::fs::write(&victim, &bytes[..bytes.len() / 2]).unwrap();
    let mended = second("experimental");
    assert_eq!(mended.index_chunks_compressed, 1, "{mended:?}");
    let dir = public_dir.join("dists/experimental/main/binary-amd64");
    for (tool, file) in [("gzip", "Packages.gz"), ("xz", "Packages.xz")] {
        let out = Command::new(tool).arg("-dc").arg(dir.join(file)).output().unwrap();
        assert!(out.status.success() && out.stdout == text, "{tool} -dc {file}");
    }

    // gc drops the chunks of superseded indices and keeps the live ones:
    // one more publication of the same repo compresses nothing.
    let before = cache_files(&state_dir).len();
    let report = repo.gc(0, now() + 1, false).unwrap();
    let dropped = report.state.iter().filter(|k| k.starts_with("cache/index-chunks/")).count();
    assert!(dropped >= 2, "{report:?}");
    assert_eq!(cache_files(&state_dir).len(), before - dropped);
    assert_eq!(second("oldstable").index_chunks_compressed, 0, "gc kept every live chunk");
}

#[test]
fn publishing_many_times_a_second_never_dates_a_release_past_what_apt_accepts() {
    let work = tempfile::tempdir().unwrap();
    let (debs, public_dir) = (work.path().join("debs"), work.path().join("public"));
    std::fs::create_dir_all(&debs).unwrap();
    let key = common::key();
    let repo =
        Repository::new(Arc::new(FileStore::new(work.path().join("state"))), Arc::new(FileStore::new(&public_dir)));
    repo.repo_create("main", "", None, 0).unwrap();
    repo.repo_add("main", &[common::deb_described(&debs, "pkg", "1.0", "x")], &|_, _| {}).unwrap();
    let keys = std::slice::from_ref(&key);
    let first = common::publish_main(&repo, keys).0;
    let mut last = first.date;
    // Each publish takes milliseconds: without a bound the Date would run
    // ten seconds ahead of the clock, where apt calls the Release "not
    // valid yet".
    for _ in 0..MAX_DATE_LEAD + 3 {
        let (p, _) =
            common::publish(&repo, common::update("", "stable"), &Dependencies::Skip, keys, now(), &NoEvents).unwrap();
        assert!(p.date > last, "strictly increasing: {} after {last}", p.date);
        assert!(p.date - now() <= MAX_DATE_LEAD, "{} s ahead of the clock", p.date - now());
        last = p.date;
    }
    // Dropped and published again at once: the Date still goes forward (a
    // client that saw the last Release ignores an older one).
    repo.publish_drop("", "stable", now()).unwrap();
    let again = common::publish_main(&repo, keys).0;
    assert!(again.date > last, "{} after the dropped {last}", again.date);
}

/// Every file under `dir` with its bytes.
fn tree(dir: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    aptkit_tests::walk(dir)
        .into_iter()
        .filter(|p| p.is_file())
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect()
}

#[test]
fn a_release_dated_far_ahead_of_the_clock_is_an_error_that_changes_nothing() {
    let work = tempfile::tempdir().unwrap();
    let (debs, state_dir, public_dir) =
        (work.path().join("debs"), work.path().join("state"), work.path().join("public"));
    std::fs::create_dir_all(&debs).unwrap();
    let key = common::key();
    let repo = Repository::new(Arc::new(FileStore::new(&state_dir)), Arc::new(FileStore::new(&public_dir)));
    repo.repo_create("main", "", None, 0).unwrap();
    repo.repo_add("main", &[common::deb_described(&debs, "pkg", "1.0", "x")], &|_, _| {}).unwrap();
    let keys = std::slice::from_ref(&key);
    common::publish_main(&repo, keys);
    repo.repo_add("main", &[common::deb_described(&debs, "pkg2", "1.0", "y")], &|_, _| {}).unwrap();
    // The Release on the server, as a machine with its clock an hour fast
    // would have dated it.
    for name in ["InRelease", "Release"] {
        let release = public_dir.join("dists/stable").join(name);
        let text = std::fs::read_to_string(&release).unwrap();
        let date = text.lines().find(|l| l.starts_with("Date: ")).unwrap();
        let ahead = format!("Date: {}", aptkit_index::format_date(now() + 3600));
        std::fs::write(&release, text.replace(date, &ahead)).unwrap();
    }
    let (state_before, public_before) = (tree(&state_dir), tree(&public_dir));
    let started = std::time::Instant::now();
    let err = common::publish(&repo, common::update("", "stable"), &Dependencies::Skip, keys, now(), &NoEvents)
        .unwrap_err()
        .to_string();
    assert!(started.elapsed().as_secs() < 10, "an error, not a wait of an hour");
    assert!(err.contains("`stable`") && err.contains("ahead of this machine's clock"), "{err}");
    assert!(tree(&state_dir) == state_before, "state store unchanged");
    assert!(tree(&public_dir) == public_before, "publish store unchanged");
}

/// A republish skips the pool files its previous publication placed, but
/// only in the store it placed them in: pointed at another publish store
/// (a new directory, a new bucket), it places every one.
#[test]
fn a_republish_to_another_publish_store_places_every_pool_file() {
    let work = tempfile::tempdir().unwrap();
    let debs = work.path().join("debs");
    std::fs::create_dir_all(&debs).unwrap();
    let key = common::key();
    let keys = std::slice::from_ref(&key);
    let state: Arc<dyn aptkit_store::Store> = Arc::new(FileStore::new(work.path().join("state")));
    let first = Repository::new(state.clone(), Arc::new(FileStore::new(work.path().join("public"))));
    first.repo_create("main", "", None, 0).unwrap();
    let debs: Vec<_> = ["aa", "bb", "cc"].iter().map(|n| common::tiny_deb(&debs, n, "1.0")).collect();
    first.repo_add("main", &debs, &|_, _| {}).unwrap();
    let (_, report) = common::publish_main(&first, keys);
    assert_eq!(report.pool_written, 3);
    let (_, report) =
        common::publish(&first, common::update("", "stable"), &Dependencies::Skip, keys, now(), &NoEvents).unwrap();
    assert_eq!((report.pool_written, report.pool_present), (0, 3), "the same store: nothing placed again");

    let moved = Repository::new(state, Arc::new(FileStore::new(work.path().join("elsewhere"))));
    let (_, report) =
        common::publish(&moved, common::update("", "stable"), &Dependencies::Skip, keys, now(), &NoEvents).unwrap();
    assert_eq!(report.pool_written, 3, "{report:?}");
    for name in ["aa", "bb", "cc"] {
        let initial = &name[..1];
        assert!(
            work.path().join(format!("elsewhere/pool/main/{initial}/{name}/{name}_1.0_all.deb")).is_file(),
            "{name}"
        );
    }
}

/// A publication's architectures are fixed when it is first published (as
/// in aptly): switched to a snapshot with packages of another one, it says
/// so and places none of their files.
#[test]
fn packages_of_an_architecture_the_suite_does_not_publish_are_said_and_not_placed() {
    // Every event a publish sends, to look for the one that says so.
    let events = std::sync::Mutex::new(Vec::new());
    let notes = |event: PublishEvent| events.lock().unwrap().push(event);
    let left_out = || -> Vec<PublishEvent> {
        let events = events.lock().unwrap();
        events.iter().filter(|e| matches!(e, PublishEvent::ArchitecturesLeftOut { .. })).cloned().collect()
    };
    let common::Scratch { work, debs, key, repo } = common::scratch();
    let keys = std::slice::from_ref(&key);
    repo.repo_add("main", &[common::deb_for(&debs, "tool", "1.0", "amd64", "x")], &|_, _| {}).unwrap();
    repo.snapshot_create_from_repo("s1", "main", 0).unwrap();
    common::publish(
        &repo,
        PublishAction::New(common::request(Source::Snapshot("s1".into()), &[])),
        &Dependencies::Skip,
        keys,
        now(),
        &notes,
    )
    .unwrap();
    assert!(left_out().is_empty(), "{:?}", left_out());
    repo.repo_add(
        "main",
        &[common::deb_for(&debs, "tool", "1.0", "arm64", "x"), common::deb_for(&debs, "other", "1.0", "arm64", "y")],
        &|_, _| {},
    )
    .unwrap();
    repo.snapshot_create_from_repo("s2", "main", 0).unwrap();
    let (_, report) =
        common::publish(&repo, common::switch("", "stable", "s2"), &Dependencies::Skip, keys, now(), &notes).unwrap();
    // 2 packages left out (2 of arm64): `stable` publishes amd64.
    let expected = PublishEvent::ArchitecturesLeftOut {
        publication: "stable".into(),
        left_out: [("arm64".to_string(), 2)].into(),
        publishes: vec!["amd64".into()],
    };
    assert_eq!(left_out(), [expected]);
    assert_eq!((report.pool_written, report.pool_present), (0, 1), "{report:?}");
    assert!(!work.path().join("public/pool/main/t/tool/tool_1.0_arm64.deb").exists());
}

/// A publication under a prefix lives entirely under it, and naming it
/// without the prefix is an error that says where it is.
#[test]
fn a_prefixed_publication_stays_under_its_prefix_and_is_found_by_it() {
    let common::Scratch { work, debs, key, repo } = common::scratch();
    let keys = std::slice::from_ref(&key);
    repo.repo_add("main", &[common::deb_for(&debs, "tool", "1.0", "amd64", "x")], &|_, _| {}).unwrap();
    let request = aptkit_repo::PublishRequest {
        prefix: "debian".into(),
        distribution: "nightly".into(),
        ..common::request(Source::Repo("main".into()), &["amd64"])
    };
    common::publish(&repo, PublishAction::New(request), &Dependencies::Skip, keys, now(), &NoEvents).unwrap();
    let names: Vec<String> = std::fs::read_dir(work.path().join("public"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["debian"]);
    assert!(work.path().join("public/debian/pool/main/t/tool/tool_1.0_amd64.deb").is_file());
    assert!(work.path().join("public/debian/dists/nightly/InRelease").is_file());
    let err = repo.publish_drop("", "nightly", now()).unwrap_err().to_string();
    assert_eq!(err, "no publication of `nightly` (there is `debian/nightly`: name its --prefix)");
    let err = common::publish(&repo, common::update("", "nightly"), &Dependencies::Skip, keys, now(), &NoEvents)
        .unwrap_err()
        .to_string();
    assert!(err.contains("there is `debian/nightly`"), "{err}");
    common::publish(&repo, common::update("debian", "nightly"), &Dependencies::Skip, keys, now(), &NoEvents).unwrap();
    repo.publish_drop("debian", "nightly", now()).unwrap();
    assert!(!work.path().join("public/debian/dists/nightly").exists());
    // With no publication left under `debian`, gc still knows its pool.
    let report = repo.gc(0, now() + 10, false).unwrap();
    assert_eq!(report.public, ["debian/pool/main/t/tool/tool_1.0_amd64.deb"], "{report:?}");
    assert!(!work.path().join("public/debian/pool").exists());
    assert!(repo.refs().unwrap().dropped_prefixes.is_empty(), "an emptied pool is forgotten");
}
