use std::path::Path;
use std::sync::{Arc, Barrier};

use aptkit_store::{Body, Caching, FaultyStore, FileStore, MemoryStore, Store};

use super::{debian_dir, key, listing, products, provenance};
use crate::cache::{BuildCache, BuildKey, CacheEntry, Error, Manifest, Stored};

/// A key over a fresh `debian/`, which the key has read and no longer needs.
fn some_key() -> BuildKey {
    let tmp = tempfile::tempdir().unwrap();
    key(&debian_dir(tmp.path()))
}

/// Store, look up and restore through `store`: the restored files are the
/// products, byte for byte, and the manifest says what they are.
pub(crate) fn round_trip(store: Arc<dyn Store>) {
    let tmp = tempfile::tempdir().unwrap();
    let key = some_key();
    let cache = BuildCache::new(store.clone());
    assert!(cache.lookup(&key).unwrap().is_none());
    let made = products(&tmp.path().join("build"));
    assert_eq!(cache.store(&key, &made, &provenance()).unwrap(), Stored::Created);

    let entry = cache.lookup(&key).unwrap().expect("the entry just stored");
    let manifest = entry.manifest();
    assert_eq!((manifest.key.as_str(), manifest.inputs.clone()), (key.id(), key.inputs().clone()));
    assert_eq!((manifest.created, manifest.runner.as_deref()), (1_764_650_000, Some("runner-1")));
    assert_eq!(manifest.aptkit_version, "0.1.0");
    let names: Vec<&str> = manifest.products.iter().map(|p| p.file_name.as_str()).collect();
    assert_eq!(names, ["hello_1.0-1~bookworm_amd64.deb", "hello-doc_1.0-1~bookworm_amd64.deb"]);
    let id = manifest.products[1].package.as_ref().expect("a .deb's package is recorded");
    assert_eq!(
        (id.package.as_str(), id.version.as_str(), id.architecture.as_str()),
        ("hello-doc", "1.0-1~bookworm", "amd64")
    );
    assert_eq!((manifest.log.file_name.as_str(), manifest.log.package.as_ref()), ("build.log", None));

    let out = tmp.path().join("out");
    let restored = entry.restore_into(&out).unwrap();
    assert_eq!(restored.files, [out.join(names[0]), out.join(names[1])]);
    assert_eq!(restored.log, out.join("build.log"));
    assert_eq!(listing(&out), listing(&tmp.path().join("build")));

    // The layout: three objects by SHA-256, one manifest.
    let keys: Vec<String> = store.list("build-cache/").unwrap().into_iter().map(|m| m.key).collect();
    let mut expected: Vec<String> = manifest.files().map(|f| format!("build-cache/objects/{}", f.sha256)).collect();
    expected.push(format!("build-cache/{}/manifest.json", key.id()));
    expected.sort();
    assert_eq!(keys, expected);

    // A second store of the same key changes nothing.
    assert_eq!(cache.store(&key, &made, &provenance()).unwrap(), Stored::AlreadyThere);
}

#[test]
fn store_lookup_and_restore_round_trip_on_a_file_store() {
    let dir = tempfile::tempdir().unwrap();
    round_trip(Arc::new(FileStore::new(dir.path())));
}

#[test]
fn store_lookup_and_restore_round_trip_on_a_memory_store() {
    round_trip(Arc::new(MemoryStore::new()));
}

/// Two runners storing the same key through `store` at once: one entry,
/// made by one of them, which restores; each runner's files untouched.
pub(crate) fn race(store: Arc<dyn Store>) {
    let tmp = tempfile::tempdir().unwrap();
    let key = some_key();
    let barrier = Arc::new(Barrier::new(2));
    let runs: Vec<_> = ["runner-1", "runner-2"]
        .into_iter()
        .map(|runner| {
            let (store, barrier, key) = (store.clone(), barrier.clone(), key.clone());
            let made = tmp.path().join(runner);
            std::thread::spawn(move || {
                let made = products(&made);
                // Slightly different bytes, as two real builds may make.
                std::fs::write(&made.log, format!("built on {runner}\n")).unwrap();
                let provenance = crate::cache::Provenance { created: 1, runner: Some(runner.to_string()) };
                barrier.wait();
                (runner, BuildCache::new(store).store(&key, &made, &provenance).unwrap())
            })
        })
        .collect();
    let mut results: Vec<(&str, Stored)> = runs.into_iter().map(|r| r.join().unwrap()).collect();
    results.sort_by_key(|(_, stored)| *stored == Stored::AlreadyThere);
    assert_eq!(results.iter().map(|r| r.1).collect::<Vec<_>>(), [Stored::Created, Stored::AlreadyThere]);

    let entry = BuildCache::new(store).lookup(&key).unwrap().unwrap();
    assert_eq!(entry.manifest().runner.as_deref(), Some(results[0].0));
    let out = tmp.path().join("out");
    entry.restore_into(&out).unwrap();
    assert_eq!(std::fs::read_to_string(out.join("build.log")).unwrap(), format!("built on {}\n", results[0].0));
    for (runner, _) in &results {
        let log = std::fs::read_to_string(tmp.path().join(runner).join("build.log")).unwrap();
        assert_eq!(log, format!("built on {runner}\n"), "each runner's own products are untouched");
    }
}

#[test]
fn two_runners_storing_the_same_key_at_once_make_one_entry() {
    let dir = tempfile::tempdir().unwrap();
    race(Arc::new(FileStore::new(dir.path())));
    race(Arc::new(MemoryStore::new()));
}

#[test]
fn a_store_killed_before_its_manifest_leaves_no_entry() {
    let tmp = tempfile::tempdir().unwrap();
    let made = products(&tmp.path().join("build"));
    let key = some_key();
    // Writes 1 to 3 are the objects, 4 the manifest.
    for fail_at in [2, 4] {
        let dir = tempfile::tempdir().unwrap();
        let faulty = FaultyStore::new(FileStore::new(dir.path()), fail_at);
        let err = BuildCache::new(Arc::new(faulty)).store(&key, &made, &provenance()).unwrap_err();
        assert!(matches!(&err, Error::Store { source: aptkit_store::Error::Injected { .. }, .. }), "{err}");
        assert!(!err.is_transient());
        assert!(err.to_string().contains(&format!("build cache entry {}: cannot ", key.id())), "{err}");
        let cache = BuildCache::new(Arc::new(FileStore::new(dir.path())));
        assert!(cache.lookup(&key).unwrap().is_none(), "failing write #{fail_at}");
        // What was uploaded is unreferenced, and the next store completes.
        let orphans = cache.unreferenced(i64::MAX, 0).unwrap();
        assert_eq!(orphans.len(), fail_at - 1);
        assert!(cache.unreferenced(0, 3600).unwrap().is_empty(), "young objects may be a store under way");
        assert_eq!(cache.store(&key, &made, &provenance()).unwrap(), Stored::Created);
        assert!(cache.unreferenced(i64::MAX, 0).unwrap().is_empty());
    }
}

#[test]
fn a_tampered_object_fails_the_restore_and_leaves_the_output_as_it_was() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Arc::new(MemoryStore::new());
    let cache = BuildCache::new(store.clone());
    let key = some_key();
    cache.store(&key, &products(&tmp.path().join("build")), &provenance()).unwrap();
    let manifest = cache.lookup(&key).unwrap().unwrap().manifest().clone();
    let doc = &manifest.products[1];
    let object = cache.object_path(&doc.sha256);
    let good = store.get(&object).unwrap().unwrap().0;

    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("keep.txt"), "already here").unwrap();
    let before = listing(&out);
    let mut flipped = good.clone();
    *flipped.last_mut().unwrap() ^= 1;
    let longer = [good.as_slice(), b"x".as_slice()].concat();
    let cases: [(&str, Option<&[u8]>, &str); 4] = [
        ("flipped", Some(flipped.as_slice()), "SHA-256"),
        ("cut short", Some(&good[..good.len() - 1]), "bytes"),
        ("too long", Some(longer.as_slice()), "store holds more"),
        ("missing", None, "missing"),
    ];
    for (what, bytes, says) in cases {
        match bytes {
            Some(bytes) => store.put(&object, Body::Bytes(bytes), Caching::Immutable).map(drop).unwrap(),
            None => store.delete(&object).unwrap(),
        }
        let err = cache.lookup(&key).unwrap().unwrap().restore_into(&out).unwrap_err();
        assert!(matches!(&err, Error::Corrupt { file, .. } if *file == doc.file_name), "{what}: {err}");
        let text = err.to_string();
        assert!(text.contains(key.id()) && text.contains(&doc.file_name) && text.contains(says), "{what}: {text}");
        assert_eq!(listing(&out), before, "{what}: the output directory is unchanged");
        assert_eq!(std::fs::read_dir(&out).unwrap().count(), 1, "{what}: no staging directory left");
    }
    // Storing the same products again repairs the object.
    cache.evict(&key).unwrap();
    assert!(cache.lookup(&key).unwrap().is_none());
    cache.store(&key, &products(&tmp.path().join("build")), &provenance()).unwrap();
    cache.lookup(&key).unwrap().unwrap().restore_into(&out).unwrap();
}

/// The manifest of `key` in `store`, as JSON to damage.
fn manifest_json(store: &dyn Store, cache: &BuildCache, key: &BuildKey) -> serde_json::Value {
    serde_json::from_slice(&store.get(&cache.manifest_path(key)).unwrap().unwrap().0).unwrap()
}

#[test]
fn a_hostile_or_malformed_manifest_is_refused_naming_its_key() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Arc::new(MemoryStore::new());
    let cache = BuildCache::new(store.clone());
    let key = some_key();
    cache.store(&key, &products(&tmp.path().join("build")), &provenance()).unwrap();
    let good = manifest_json(&*store, &cache, &key);
    let path = cache.manifest_path(&key);
    let put = |value: &serde_json::Value| {
        store.put(&path, Body::Bytes(&serde_json::to_vec(value).unwrap()), Caching::Short).unwrap()
    };

    for name in ["../x.deb", "/tmp/x.deb", "", "..", ".hidden", "a/b.deb", "x\n.deb"] {
        let mut hostile = good.clone();
        hostile["products"][0]["file_name"] = name.into();
        put(&hostile);
        let err = cache.lookup(&key).unwrap_err();
        assert!(matches!(err, Error::Manifest { .. }), "{name:?}: {err}");
        assert!(err.to_string().contains(key.id()) && err.to_string().contains(&path), "{err}");
    }
    let mut twice = good.clone();
    twice["products"][1]["file_name"] = twice["products"][0]["file_name"].clone();
    let mut log_named = good.clone();
    log_named["log"]["file_name"] = "../../build.log".into();
    let mut not_a_digest = good.clone();
    not_a_digest["log"]["sha256"] = "../../etc/passwd".into();
    let mut other_inputs = good.clone();
    other_inputs["inputs"]["pkgver"] = "9".into();
    let mut newer = good.clone();
    newer["format"] = 2.into();
    newer["products"] = "something else".into();
    let cases = [
        (twice, "appears twice"),
        (log_named, "not a plain file name"),
        (not_a_digest, "not a SHA-256"),
        (other_inputs, "inputs hash to"),
        (newer, "format 2"),
        (serde_json::json!({"format": 1}), "missing field"),
    ];
    for (manifest, says) in cases {
        put(&manifest);
        let err = cache.lookup(&key).unwrap_err().to_string();
        assert!(err.contains(says) && err.contains(key.id()), "{says}: {err}");
    }
    store.put(&path, Body::Bytes(b"{ not json"), Caching::Short).unwrap();
    assert!(matches!(cache.lookup(&key), Err(Error::Manifest { .. })));

    // `unreferenced` cannot tell what an unreadable manifest refers to.
    assert!(cache.unreferenced(i64::MAX, 0).is_err());
    put(&good);
    assert!(Manifest::parse(&serde_json::to_vec(&good).unwrap(), key.id(), &path).is_ok());
}

#[test]
fn restore_refuses_a_hostile_name_even_past_lookup() {
    let tmp = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let cache = BuildCache::new(store.clone());
    let key = some_key();
    cache.store(&key, &products(&tmp.path().join("build")), &provenance()).unwrap();
    let mut manifest = cache.lookup(&key).unwrap().unwrap().manifest().clone();
    manifest.products[0].file_name = "../x.deb".into();
    let (objects_prefix, manifest_path) = ("build-cache/objects/".into(), cache.manifest_path(&key));
    let entry = CacheEntry { store, objects_prefix, manifest_path, manifest };
    let err = entry.restore_into(&tmp.path().join("sub/out")).unwrap_err();
    assert!(matches!(err, Error::Manifest { .. }) && err.to_string().contains("../x.deb"), "{err}");
    assert!(!tmp.path().join("sub").exists(), "nothing was written, not even the output directory");
}

#[test]
fn products_need_distinct_plain_names_and_a_real_deb() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = BuildCache::new(Arc::new(MemoryStore::new()));
    let key = some_key();
    let mut made = products(&tmp.path().join("a"));
    let other = products(&tmp.path().join("b"));
    made.files.push(other.files[0].clone());
    let err = cache.store(&key, &made, &provenance()).unwrap_err();
    assert!(matches!(err, Error::ProductName { .. }) && err.to_string().contains("same file name"), "{err}");

    let fake = tmp.path().join("fake_1_amd64.deb");
    std::fs::write(&fake, "not an ar archive").unwrap();
    let made = crate::cache::Products { files: vec![fake], log: other.log.clone() };
    let err = cache.store(&key, &made, &provenance()).unwrap_err();
    assert!(matches!(err, Error::Deb { .. }) && err.to_string().contains("fake_1_amd64.deb"), "{err}");
    let made = crate::cache::Products { files: vec![], log: Path::new("/").to_path_buf() };
    assert!(matches!(cache.store(&key, &made, &provenance()), Err(Error::ProductName { .. })));
    assert!(cache.lookup(&key).unwrap().is_none(), "nothing was stored");
}

#[test]
fn store_errors_keep_their_source_and_transience() {
    let unavailable = aptkit_store::Error::Unavailable {
        op: "read",
        key: "build-cache/x".into(),
        location: "s3://b".into(),
        source: std::io::Error::other("503"),
    };
    let err = Error::Store { key: "k".into(), doing: "download `x.deb`".into(), source: unavailable };
    assert_eq!(err.to_string(), "build cache entry k: cannot download `x.deb`");
    assert!(err.is_transient());
    let source = std::error::Error::source(&err).unwrap();
    assert!(source.downcast_ref::<aptkit_store::Error>().is_some());
}

#[test]
fn objects_are_shared_between_entries_and_unreferenced_once_all_are_evicted() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = BuildCache::new(Arc::new(MemoryStore::new()));
    let made = products(&tmp.path().join("build"));
    let debian = debian_dir(tmp.path());
    let one = key(&debian);
    std::fs::write(debian.join("copyright"), "MIT\n").unwrap();
    let two = key(&debian);
    assert_ne!(one, two);
    cache.store(&one, &made, &provenance()).unwrap();
    cache.store(&two, &made, &provenance()).unwrap();
    assert_eq!(cache.unreferenced(i64::MAX, 0).unwrap(), []);
    cache.evict(&one).unwrap();
    assert!(cache.lookup(&one).unwrap().is_none());
    assert_eq!(cache.unreferenced(i64::MAX, 0).unwrap(), [], "the other entry still refers to every object");
    cache.lookup(&two).unwrap().unwrap().restore_into(&tmp.path().join("out")).unwrap();
    cache.evict(&two).unwrap();
    let orphans: Vec<String> = cache.unreferenced(i64::MAX, 0).unwrap().into_iter().map(|m| m.key).collect();
    assert_eq!(orphans.len(), 3, "{orphans:?}");
    assert!(orphans.iter().all(|k| k.starts_with("build-cache/objects/")), "{orphans:?}");
}
