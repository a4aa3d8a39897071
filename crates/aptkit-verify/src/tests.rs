use std::borrow::Cow;

use aptkit_store::{Body, Caching, MemoryStore, Store};

use super::*;

/// SHA-256 of `abc`.
const ABC: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

fn store_with(key: &str, bytes: &[u8]) -> MemoryStore {
    let store = MemoryStore::new();
    store.put(key, Body::Bytes(bytes), Caching::Immutable).unwrap();
    store
}

#[test]
fn index_text_is_borrowed_when_valid_and_replaced_where_not() {
    assert!(matches!(utf8_text(b"Package: a\n"), Cow::Borrowed("Package: a\n")));
    assert_eq!(utf8_text(b"Package: \xff\n"), "Package: \u{fffd}\n");
}

#[test]
fn a_pool_file_is_checked_for_size_and_hash_as_it_streams() {
    let store = store_with("pool/a.deb", b"abc");
    let check = |size, sha| check_pool_file(&store, "pool/a.deb", size, sha).unwrap();
    assert_eq!(check(3, ABC), None);
    assert_eq!(check(4, ABC), Some(finding(Kind::Size, "pool/a.deb", "4 bytes", "3 bytes")));
    assert_eq!(check(2, ABC), Some(finding(Kind::Size, "pool/a.deb", "2 bytes", "more")));
    let other = "0".repeat(64);
    assert_eq!(
        check(3, &other),
        Some(finding(Kind::Hash, "pool/a.deb", format!("SHA256 {other}"), format!("SHA256 {ABC}")))
    );
    let missing = check_pool_file(&store, "pool/b.deb", 3, ABC).unwrap();
    assert_eq!(missing, Some(finding(Kind::Missing, "pool/b.deb", "3 bytes", "nothing")));
}

#[test]
fn an_index_longer_than_signed_is_not_read_past_its_size() {
    let store = store_with("dists/s/main/Packages", b"abcd");
    let IndexCheck { bytes, findings, .. } =
        check_index(&store, None, "dists/s", false, ABC, 3, "main/Packages").unwrap().unwrap();
    assert_eq!(bytes, None);
    let more = "more (stopped reading at the listed size)";
    assert_eq!(findings, [finding(Kind::Size, "dists/s/main/Packages", "3 bytes", more)]);
    let store = store_with("dists/s/main/Packages", b"abc");
    let IndexCheck { bytes, findings, .. } =
        check_index(&store, None, "dists/s", false, ABC, 3, "main/Packages").unwrap().unwrap();
    assert_eq!((bytes.as_deref(), findings.len()), (Some(&b"abc"[..]), 0));
}

/// With by-hash, the by-hash copy is the index clients read; a plain name
/// with other content is behind (a publish in progress), not a failure.
#[test]
fn with_by_hash_the_by_hash_copy_is_the_index_and_a_plain_name_behind_it_is_stale() {
    let by_hash = format!("dists/s/main/by-hash/SHA256/{ABC}");
    let store = store_with(&by_hash, b"abc");
    let check = |store: &MemoryStore| check_index(store, None, "dists/s", true, ABC, 3, "main/Packages").unwrap();
    // The plain name absent: a finding (clients without by-hash get a 404).
    let IndexCheck { bytes, findings, stale } = check(&store).unwrap();
    assert_eq!(bytes.as_deref(), Some(&b"abc"[..]));
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!((findings[0].kind, findings[0].file.as_str()), (Kind::Missing, "dists/s/main/Packages"));
    assert!(stale.is_empty());
    // Other content under the plain name: stale, and the index still verifies.
    store.put("dists/s/main/Packages", Body::Bytes(b"old"), Caching::Short).unwrap();
    let IndexCheck { bytes, findings, stale } = check(&store).unwrap();
    assert_eq!((bytes.as_deref(), findings.len(), stale.len()), (Some(&b"abc"[..]), 0, 1));
    assert_eq!(stale[0].file, "dists/s/main/Packages");
    // The same content: nothing to say.
    store.put("dists/s/main/Packages", Body::Bytes(b"abc"), Caching::Short).unwrap();
    let IndexCheck { findings, stale, .. } = check(&store).unwrap();
    assert!(findings.is_empty() && stale.is_empty());
    // A damaged by-hash copy is a failure whatever the plain name holds.
    store.put(&by_hash, Body::Bytes(b"abd"), Caching::Immutable).unwrap();
    let IndexCheck { bytes, findings, .. } = check(&store).unwrap();
    assert_eq!(bytes.as_deref(), Some(&b"abc"[..]), "the plain name still reads");
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!((findings[0].kind, findings[0].file.as_str()), (Kind::Hash, by_hash.as_str()));
    // Both damaged: said of both.
    store.put("dists/s/main/Packages", Body::Bytes(b"abd"), Caching::Short).unwrap();
    let IndexCheck { bytes, findings, .. } = check(&store).unwrap();
    assert_eq!((bytes, findings.len()), (None, 2), "{findings:?}");
    // Neither name: absent (the caller decides whether that is a finding).
    assert!(check(&MemoryStore::new()).is_none());
}

#[test]
fn an_index_is_read_from_its_plain_or_any_compressed_form() {
    let text = b"Package: a\nFilename: pool/a.deb\n";
    let zstd = std::process::Command::new("zstd")
        .args(["-c", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            std::io::Write::write_all(&mut child.stdin.take().unwrap(), text)?;
            child.wait_with_output()
        })
        .expect("zstd must be installed (scripts/install-test-tools.sh)")
        .stdout;
    let only = |path: &'static str, bytes: &'static [u8]| move |p: &str| (p == path).then_some(bytes);
    let zstd: &'static [u8] = zstd.leak();
    let read = decompressed_index(only("main/Packages.zst", zstd), "main/Packages").unwrap().unwrap();
    assert_eq!(&read[..], text);
    let plain = decompressed_index(only("main/Packages", text), "main/Packages").unwrap().unwrap();
    assert!(matches!(plain, Cow::Borrowed(_)));
    assert!(decompressed_index(only("main/Packages.gz", text), "other/Packages").is_none());
    let damaged = decompressed_index(only("main/Packages.xz", text), "main/Packages").unwrap().unwrap_err();
    assert!(damaged.starts_with("`main/Packages.xz`: "), "{damaged}");
    assert_eq!(strip_compression("main/Packages.bz2"), "main/Packages");
}
