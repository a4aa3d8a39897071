//! S3Store against a real S3-compatible server: moto on loopback.

// The same helper the end-to-end tests use, included rather than depended
// on: the e2e package pulls in the whole workspace. (Not every helper is
// used here.)
#[allow(dead_code)]
#[path = "../../../tests/src/moto.rs"]
mod moto;

use std::io::Read;
use std::sync::Arc;

use aptkit_aws::{S3Options, S3Store};
use aptkit_store::{Body, Caching, Store, Written};
use moto::Moto;

/// A store on moto. Credentials come from the environment, as in real use
/// (the standard chain), set once before any store reads them.
fn store(moto: &Moto, url: &str) -> S3Store {
    moto::set_moto_env();
    let options = S3Options { endpoint_url: Some(moto.endpoint()), region: None, force_path_style: true };
    S3Store::connect(url, &options).unwrap()
}

fn read_all(mut r: Box<dyn Read + Send>) -> Vec<u8> {
    let mut v = Vec::new();
    r.read_to_end(&mut v).unwrap();
    v
}

#[test]
fn s3_store_honours_the_contract_under_a_prefix() {
    let moto = Moto::start();
    let s = store(&moto, "s3://aptkit-test/some-prefix");
    s.create_bucket().unwrap();
    assert_eq!(s.location(), "s3://aptkit-test/some-prefix");
    aptkit_store::contract::exercise(&s);

    // Every key lives under the prefix, and nothing else was written.
    let root = store(&moto, "s3://aptkit-test");
    let keys: Vec<String> = root.list("").unwrap().into_iter().map(|m| m.key).collect();
    assert_eq!(keys, ["some-prefix/a/c", "some-prefix/new"]);
}

#[test]
fn keys_with_plus_tilde_and_space_round_trip() {
    let moto = Moto::start();
    let s = store(&moto, "s3://aptkit-keys/repo");
    s.create_bucket().unwrap();
    let plus = "pool/main/h/hello/hello_1.0+b1~bpo12+1_amd64.deb";
    let space = "pool/main/h/hello/hello_1.0 b1~bpo12 1_amd64.deb";
    assert!(matches!(s.put_if_absent(plus, Body::Bytes(b"plus"), Caching::Immutable).unwrap(), Written::Created(_)));
    // `+` must not be read as a space (form encoding): these are two objects.
    assert!(matches!(s.put_if_absent(space, Body::Bytes(b"space"), Caching::Immutable).unwrap(), Written::Created(_)));
    assert_eq!(s.get(plus).unwrap().unwrap().0, b"plus");
    assert_eq!(s.get(space).unwrap().unwrap().0, b"space");
    assert_eq!(s.head(plus).unwrap().unwrap().size, 4);
    assert_eq!(read_all(s.open_at(plus, 2).unwrap().unwrap()), b"us");
    let keys: Vec<String> = s.list("pool/").unwrap().into_iter().map(|m| m.key).collect();
    assert_eq!(keys, [space, plus]);
    // The key on the server is exactly the key given (checked without the SDK).
    let (status, headers) = moto.head("/aptkit-keys/repo/pool/main/h/hello/hello_1.0%2Bb1~bpo12%2B1_amd64.deb");
    assert_eq!(status, 200, "{headers}");
    assert_eq!(moto.head("/aptkit-keys/repo/pool/main/h/hello/hello_1.0%20b1~bpo12%201_amd64.deb").0, 200);
    s.delete(plus).unwrap();
    assert!(s.get(plus).unwrap().is_none());
    assert_eq!(s.get(space).unwrap().unwrap().0, b"space");
}

#[test]
fn files_stream_with_cache_headers_and_ranged_reads() {
    let moto = Moto::start();
    let s = store(&moto, "s3://aptkit-files");
    s.create_bucket().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.deb");
    let content: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(&path, &content).unwrap();

    let Written::Created(etag) = s.put_if_absent("pool/big.deb", Body::File(&path), Caching::Immutable).unwrap() else {
        panic!("created")
    };
    assert_eq!(s.head("pool/big.deb").unwrap().unwrap().etag, etag);
    assert_eq!(read_all(s.open("pool/big.deb").unwrap().unwrap()), content);
    assert_eq!(read_all(s.open_at("pool/big.deb", 1_234_567).unwrap().unwrap()), &content[1_234_567..]);
    assert!(read_all(s.open_at("pool/big.deb", content.len() as u64).unwrap().unwrap()).is_empty());
    assert!(s.open_at("pool/big.deb", content.len() as u64 + 1).is_err());
    assert!(s.open_at("pool/absent.deb", 10).unwrap().is_none());

    let (_, headers) = moto.head("/aptkit-files/pool/big.deb");
    assert!(headers.contains("public, max-age=31536000, immutable"), "{headers}");
    assert!(headers.contains("application/vnd.debian.binary-package"), "{headers}");
    s.put("dists/stable/InRelease", Body::Bytes(b"signed"), Caching::Short).unwrap();
    let (_, headers) = moto.head("/aptkit-files/dists/stable/InRelease");
    assert!(headers.contains("max-age=60") && !headers.contains("immutable"), "{headers}");

    // A reader of exactly the announced size is buffered and written.
    let mut reader: &[u8] = b"from a reader";
    s.put("r", Body::Reader(&mut reader, 13), Caching::Short).unwrap();
    assert_eq!(s.get("r").unwrap().unwrap().0, b"from a reader");
    let mut short: &[u8] = b"short";
    assert!(s.put("r2", Body::Reader(&mut short, 99), Caching::Short).is_err());
}

#[test]
fn lists_past_one_page() {
    let moto = Moto::start();
    let s = Arc::new(store(&moto, "s3://aptkit-list/p"));
    s.create_bucket().unwrap();
    // ListObjectsV2 returns at most 1000 keys a page.
    let n = 1100;
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let s = s.clone();
            std::thread::spawn(move || {
                for i in (t..n).step_by(4) {
                    s.put(&format!("pool/{i:05}"), Body::Bytes(b"x"), Caching::Immutable).unwrap();
                }
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    s.put("other", Body::Bytes(b"y"), Caching::Short).unwrap();
    let listed = s.list("pool/").unwrap();
    assert_eq!(listed.len(), n);
    assert!(listed.iter().enumerate().all(|(i, m)| m.key == format!("pool/{i:05}") && m.size == 1 && m.modified > 0));
    assert_eq!(s.list("").unwrap().len(), n + 1);
}

#[test]
fn concurrent_compare_and_swap_loses_no_update() {
    let moto = Moto::start();
    let s = Arc::new(store(&moto, "s3://aptkit-cas/state"));
    s.create_bucket().unwrap();
    let (writers, rounds) = (3, 10);
    let threads: Vec<_> = (0..writers)
        .map(|_| {
            let s = s.clone();
            std::thread::spawn(move || {
                for _ in 0..rounds {
                    loop {
                        let current = s.get("refs").unwrap();
                        let (n, etag) = match &current {
                            Some((b, e)) => (String::from_utf8_lossy(b).parse::<u32>().unwrap(), Some(e)),
                            None => (0, None),
                        };
                        if let Written::Created(_) =
                            s.put_if_match("refs", (n + 1).to_string().as_bytes(), etag).unwrap()
                        {
                            break;
                        }
                    }
                }
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    assert_eq!(s.get("refs").unwrap().unwrap().0, (writers * rounds).to_string().as_bytes());
}

#[test]
fn errors_name_the_key_and_the_s3_code() {
    let moto = Moto::start();
    let s = store(&moto, "s3://no-such-bucket/x");
    let text = full_message(&s.get("dists/stable/InRelease").unwrap_err());
    assert!(text.contains("dists/stable/InRelease") && text.contains("s3://no-such-bucket/x"), "{text}");
    assert!(text.contains("NoSuchBucket") && text.contains("404"), "{text}");
    assert!(full_message(&s.list("dists/").unwrap_err()).contains("NoSuchBucket"));
    assert!(full_message(&S3Store::connect("s3://", &S3Options::default()).err().unwrap()).contains("names no bucket"));
}

fn full_message(err: &aptkit_store::Error) -> String {
    let source = std::error::Error::source(err).map(|s| s.to_string()).unwrap_or_default();
    format!("{err}: {source}")
}
