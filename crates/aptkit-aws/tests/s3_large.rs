//! Large objects on S3 against moto: multipart uploads (resumed by a
//! rerun), server-side copies, the sweep of unfinished uploads. Sizes are
//! small (5 MiB parts, S3's least) so that each test takes seconds; moto's
//! request log and awscli say what reached the server.

#[allow(dead_code)]
#[path = "../../../tests/src/moto.rs"]
mod moto;

use std::io::Read;
use std::process::Command;

use aptkit_aws::{Multipart, S3Options, S3Store};
use aptkit_store::{Body, Caching, Store, Written};
use moto::Moto;

const MIB: usize = 1 << 20;

/// 8 MiB threshold, 5 MiB parts; server-side copies in parts above 6 MiB.
const SMALL: Multipart =
    Multipart { threshold: 8 << 20, part_size: 5 << 20, copy_threshold: 6 << 20, copy_part_size: 5 << 20 };

fn store(moto: &Moto, url: &str, limits: Multipart) -> S3Store {
    moto::set_moto_env();
    let options = S3Options { endpoint_url: Some(moto.endpoint()), region: None, force_path_style: true };
    let s = S3Store::connect(url, &options).unwrap().with_multipart(limits);
    s.create_bucket().unwrap();
    s
}

/// Incompressible bytes (xorshift), the same for the same seed.
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// `aws --endpoint-url MOTO s3api ARGS…` as JSON.
fn s3api(moto: &Moto, args: &[&str]) -> serde_json::Value {
    let out = Command::new("aws")
        .arg("--endpoint-url")
        .arg(moto.endpoint())
        .arg("s3api")
        .args(args)
        .envs(moto::MOTO_ENV)
        .output()
        .expect("awscli is installed");
    assert!(out.status.success(), "aws s3api {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    if text.trim().is_empty() {
        return serde_json::Value::Null;
    }
    serde_json::from_str(&text).unwrap()
}

/// Requests logged since the first `skip`, whose line contains all of `parts`.
fn count(moto: &Moto, skip: usize, parts: &[&str]) -> usize {
    moto.requests().iter().skip(skip).filter(|l| parts.iter().all(|p| l.contains(p))).count()
}

/// A stream that fails (as a dropped connection) after `fail_at` bytes.
struct Failing<'a> {
    data: &'a [u8],
    fail_at: usize,
}

impl Read for Failing<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.fail_at == 0 {
            return Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "the source went away"));
        }
        let n = buf.len().min(self.data.len()).min(self.fail_at);
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        self.fail_at -= n;
        Ok(n)
    }
}

#[test]
fn large_files_and_streams_go_up_in_parts_and_read_back_equal() {
    let moto = Moto::start();
    let s = store(&moto, "s3://aptkit-big/repo", SMALL);
    let dir = tempfile::tempdir().unwrap();
    let content = noise(24 * MIB + 12345, 1);
    let path = dir.path().join("big.deb");
    std::fs::write(&path, &content).unwrap();

    let Written::Created(etag) = s.put_if_absent("pool/big.deb", Body::File(&path), Caching::Immutable).unwrap() else {
        panic!("created")
    };
    assert!(etag.0.ends_with("-5\""), "24 MiB in 5 MiB parts: {etag}");
    let head = s3api(&moto, &["head-object", "--bucket", "aptkit-big", "--key", "repo/pool/big.deb"]);
    assert_eq!(head["ETag"].as_str(), Some(etag.0.as_str()), "{head}");
    assert_eq!(head["ContentLength"].as_u64(), Some(content.len() as u64), "{head}");
    assert_eq!(head["CacheControl"].as_str(), Some("public, max-age=31536000, immutable"), "{head}");
    assert_eq!(head["ContentType"].as_str(), Some("application/vnd.debian.binary-package"), "{head}");
    assert!(s.get("pool/big.deb").unwrap().unwrap().0 == content, "read back unequal");
    // Put-if-absent holds for multipart uploads: nothing is overwritten.
    let other = dir.path().join("other.deb");
    std::fs::write(&other, noise(9 * MIB, 2)).unwrap();
    let before = moto.requests().len();
    assert!(matches!(
        s.put_if_absent("pool/big.deb", Body::File(&other), Caching::Immutable).unwrap(),
        Written::Conflict(Some(meta)) if meta.etag == etag
    ));
    assert!(s.get("pool/big.deb").unwrap().unwrap().0 == content, "a conflicting upload changed the object");
    let listed = s3api(&moto, &["list-multipart-uploads", "--bucket", "aptkit-big"]);
    assert!(listed.get("Uploads").is_none_or(|u| u.as_array().unwrap().is_empty()), "{listed}");
    assert_eq!(count(&moto, before, &["POST", "uploads"]), 1, "{:?}", moto.requests());

    // A stream of the same size (another store's reader), unconditionally.
    let mut reader = s.open("pool/big.deb").unwrap().unwrap();
    let etag = s.put("copy/big.deb", Body::Reader(&mut reader, content.len() as u64), Caching::Short).unwrap();
    assert!(etag.0.ends_with("-5\""), "{etag}");
    assert!(s.get("copy/big.deb").unwrap().unwrap().0 == content);
    // A stream shorter or longer than announced is an error.
    for announced in [content.len() as u64 + 1, content.len() as u64 - 1] {
        let mut short: &[u8] = &content;
        assert!(s.put("copy/wrong", Body::Reader(&mut short, announced), Caching::Short).is_err(), "{announced}");
    }
    assert!(s.head("copy/wrong").unwrap().is_none());
}

#[test]
fn a_rerun_resumes_an_interrupted_upload_and_sends_only_what_differs() {
    let moto = Moto::start();
    let s = store(&moto, "s3://aptkit-resume", SMALL);
    let content = noise(24 * MIB, 3); // five parts: 4 x 5 MiB + 4 MiB
    let size = content.len() as u64;
    let mut failing = Failing { data: &content, fail_at: 12 * MIB };
    let err = s.put_if_absent("pool/x.deb", Body::Reader(&mut failing, size), Caching::Immutable).unwrap_err();
    assert!(err.is_transient(), "{err}");
    assert!(s.head("pool/x.deb").unwrap().is_none());
    // Parts 1 and 2 reached the server and are kept for a rerun.
    let uploads = s3api(&moto, &["list-multipart-uploads", "--bucket", "aptkit-resume"]);
    let upload_id = uploads["Uploads"][0]["UploadId"].as_str().unwrap().to_string();
    let parts =
        s3api(&moto, &["list-parts", "--bucket", "aptkit-resume", "--key", "pool/x.deb", "--upload-id", &upload_id]);
    assert_eq!(parts["Parts"].as_array().unwrap().len(), 2, "{parts}");

    // The rerun sends parts 3 to 5 only, into the same upload.
    let before = moto.requests().len();
    let mut reader: &[u8] = &content;
    assert!(matches!(
        s.put_if_absent("pool/x.deb", Body::Reader(&mut reader, size), Caching::Immutable).unwrap(),
        Written::Created(_)
    ));
    assert_eq!(count(&moto, before, &["PUT", "partNumber="]), 3, "{:#?}", &moto.requests()[before..]);
    assert_eq!(count(&moto, before, &["POST", "uploads"]), 0, "a new upload was started");
    assert_eq!(count(&moto, before, &[&upload_id]), 5, "its parts listed, three sent, then completed");
    assert!(s.get("pool/x.deb").unwrap().unwrap().0 == content, "read back unequal");

    // A part kept from an earlier try is reused only if its bytes are
    // the same (MD5): other content in part 1 resends part 1.
    let mut changed = content.clone();
    changed[100] ^= 1;
    let mut failing = Failing { data: &changed, fail_at: 12 * MIB };
    assert!(s.put("pool/y.deb", Body::Reader(&mut failing, size), Caching::Short).is_err());
    let mut reader: &[u8] = &content;
    let before = moto.requests().len();
    s.put("pool/y.deb", Body::Reader(&mut reader, size), Caching::Short).unwrap();
    assert_eq!(count(&moto, before, &["PUT", "partNumber="]), 4, "{:#?}", &moto.requests()[before..]);
    assert!(s.get("pool/y.deb").unwrap().unwrap().0 == content, "read back unequal");
}

#[test]
fn copies_between_buckets_on_one_server_are_server_side() {
    let moto = Moto::start();
    let state = store(&moto, "s3://aptkit-state/state", SMALL);
    let public = store(&moto, "s3://aptkit-public/debian", SMALL);
    let small = noise(3 * MIB, 4);
    let large = noise(12 * MIB + 7, 5);
    state.put_if_absent("pool/ab/small", Body::Bytes(&small), Caching::Immutable).unwrap();
    state.put_if_absent("pool/ab/large", Body::Bytes(&large), Caching::Immutable).unwrap();

    let before = moto.requests().len();
    for (src, dst, content) in [("pool/ab/small", "pool/s_1.0+b1.deb", &small), ("pool/ab/large", "pool/l.deb", &large)]
    {
        let body = Body::Object { store: &state, key: src, size: content.len() as u64 };
        assert!(matches!(public.put_if_absent(dst, body, Caching::Immutable).unwrap(), Written::Created(_)), "{dst}");
        let again = Body::Object { store: &state, key: src, size: content.len() as u64 };
        assert!(matches!(public.put_if_absent(dst, again, Caching::Immutable).unwrap(), Written::Conflict(Some(_))));
    }
    // Not a byte of either object came through this process: no GET of
    // the source, no PutObject body; the large one in parts copied by S3.
    assert_eq!(count(&moto, before, &["GET", "/aptkit-state/"]), 0, "{:#?}", &moto.requests()[before..]);
    assert_eq!(count(&moto, before, &["PUT", "/aptkit-public/debian/pool/l.deb?", "partNumber="]), 3);
    assert!(public.get("pool/s_1.0+b1.deb").unwrap().unwrap().0 == small);
    assert!(public.get("pool/l.deb").unwrap().unwrap().0 == large);
    let head = s3api(&moto, &["head-object", "--bucket", "aptkit-public", "--key", "debian/pool/l.deb"]);
    assert!(head["ETag"].as_str().unwrap().ends_with("-3\""), "{head}");
    assert_eq!(head["CacheControl"].as_str(), Some("public, max-age=31536000, immutable"), "{head}");
    assert_eq!(head["ContentType"].as_str(), Some("application/vnd.debian.binary-package"), "{head}");
    let missing = Body::Object { store: &state, key: "pool/ab/none", size: 1 };
    let err = public.put_if_absent("pool/none.deb", missing, Caching::Immutable).unwrap_err();
    assert!(format!("{err}: {}", std::error::Error::source(&err).unwrap()).contains("pool/ab/none"), "{err}");

    // A store on another server is read and streamed instead.
    let elsewhere = Moto::start();
    let far = store(&elsewhere, "s3://aptkit-far", SMALL);
    let before = moto.requests().len();
    let body = Body::Object { store: &state, key: "pool/ab/large", size: large.len() as u64 };
    assert!(matches!(far.put_if_absent("pool/l.deb", body, Caching::Immutable).unwrap(), Written::Created(_)));
    assert_eq!(count(&moto, before, &["GET", "/aptkit-state/state/pool/ab/large"]), 1);
    assert!(far.get("pool/l.deb").unwrap().unwrap().0 == large);
}

#[test]
fn gc_aborts_unfinished_uploads_once_old_enough() {
    let moto = Moto::start();
    let s = store(&moto, "s3://aptkit-sweep/public", SMALL);
    let other = store(&moto, "s3://aptkit-sweep/state", SMALL);
    let content = noise(16 * MIB, 6);
    for store in [&s, &other] {
        let mut failing = Failing { data: &content, fail_at: 11 * MIB };
        assert!(store.put("pool/x.deb", Body::Reader(&mut failing, content.len() as u64), Caching::Short).is_err());
    }
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    // (moto dates every upload 2010; a young one is spared all the same.)
    assert!(s.sweep_leftovers(now, now, false).unwrap().is_empty(), "a young upload was swept");
    let expected = vec![("pool/x.deb (unfinished upload)".to_string(), 10 * MIB as u64)];
    assert_eq!(s.sweep_leftovers(3600, now, true).unwrap(), expected);
    assert_eq!(s.sweep_leftovers(3600, now, false).unwrap(), expected);
    assert!(s.sweep_leftovers(3600, now, false).unwrap().is_empty());
    // Only this store's prefix: the other store's upload is still there.
    let uploads = s3api(&moto, &["list-multipart-uploads", "--bucket", "aptkit-sweep"]);
    let keys: Vec<&str> = uploads["Uploads"].as_array().unwrap().iter().map(|u| u["Key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["state/pool/x.deb"]);
}
