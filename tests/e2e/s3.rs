//! Repositories in S3: moto on loopback as the server, awscli as the
//! independent client that uploads and tampers, the real `aptkit` binary
//! reading through its S3 backend.

use std::path::Path;
use std::process::{Command, Output};

use aptkit_tests::moto::{Moto, MOTO_ENV};
use aptkit_tests::*;

use crate::verify::Published;

/// `aws --endpoint-url MOTO ARGS…`, which must succeed.
fn aws(moto: &Moto, args: &[&str]) -> Output {
    require_tool("aws");
    run_ok(Command::new("aws").arg("--endpoint-url").arg(moto.endpoint()).args(args).envs(MOTO_ENV))
}

/// A directory with an aptkit.toml pointing `s3://` at moto.
fn workspace(moto: &Moto) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let config = format!("[s3]\nendpoint_url = \"{}\"\nforce_path_style = true\n", moto.endpoint());
    std::fs::write(dir.path().join("aptkit.toml"), config).unwrap();
    dir
}

/// `aptkit verify LOCATION --keyring K EXTRA…` in `dir`; (exit code, output).
fn verify(dir: &Path, location: &str, keyring: &Path, extra: &[&str]) -> (i32, String) {
    let out = aptkit()
        .current_dir(dir)
        .envs(MOTO_ENV)
        .args(["verify", location, "--keyring"])
        .arg(keyring)
        .args(extra)
        .output()
        .unwrap();
    (out.status.code().unwrap_or(-1), format!("{}{}", stdout(&out), stderr(&out)))
}

#[test]
fn verifies_a_repository_uploaded_to_s3_and_finds_a_swapped_pool_file() {
    let p = Published::new();
    let keyring = p.path("key.gpg");
    let moto = Moto::start();
    aws(&moto, &["s3", "mb", "s3://aptkit-e2e"]);
    aws(
        &moto,
        &["s3", "cp", "--recursive", "--only-show-errors", p.path("public").to_str().unwrap(), "s3://aptkit-e2e/repo/"],
    );
    let ws = workspace(&moto);

    let (code, json) = verify(ws.path(), "s3://aptkit-e2e/repo", &keyring, &["--deep", "--json"]);
    assert_eq!(code, 0, "{json}");
    assert!(json.contains("\"findings\": []") && json.contains("\"pool_files_checked\": 4"), "{json}");
    assert!(json.contains("s3://aptkit-e2e/repo"), "the report names the location: {json}");

    // A verified local copy of the bucket, which verifies on its own.
    let mirror_dir = ws.path().join("mirror");
    let (code, text) = mirror(ws.path(), "s3://aptkit-e2e/repo", &mirror_dir, &keyring);
    assert_eq!(code, 0, "{text}");
    let (code, text) = verify(ws.path(), mirror_dir.to_str().unwrap(), &keyring, &["--deep"]);
    assert_eq!(code, 0, "{text}");

    // Another .deb of the same size under the same key, uploaded by awscli.
    let packages = std::fs::read_to_string(p.path("public/dists/stable/main/binary-amd64/Packages")).unwrap();
    let filename = packages.lines().find_map(|l| l.strip_prefix("Filename: ")).unwrap();
    let mut bytes = std::fs::read(p.path("public").join(filename)).unwrap();
    *bytes.last_mut().unwrap() ^= 1;
    let swapped = ws.path().join("swapped.deb");
    std::fs::write(&swapped, &bytes).unwrap();
    aws(
        &moto,
        &["s3", "cp", "--only-show-errors", swapped.to_str().unwrap(), &format!("s3://aptkit-e2e/repo/{filename}")],
    );

    let (code, json) = verify(ws.path(), "s3://aptkit-e2e/repo", &keyring, &["--deep", "--json"]);
    assert_eq!(code, 1, "{json}");
    assert!(json.contains("\"kind\": \"hash\"") && json.contains(filename), "{json}");
    let (code, text) = verify(ws.path(), "s3://aptkit-e2e/repo", &keyring, &["--deep"]);
    assert_eq!(code, 1, "{text}");
    assert!(text.lines().any(|l| l.starts_with("FAIL Hash:") && l.contains(filename)), "{text}");
    // A mirror of the tampered bucket places nothing of it.
    let fresh = ws.path().join("fresh-mirror");
    let (code, text) = mirror(ws.path(), "s3://aptkit-e2e/repo", &fresh, &keyring);
    assert_eq!(code, 1, "{text}");
    assert!(text.lines().any(|l| l.starts_with("FAIL Hash:") && l.contains(filename)), "{text}");
    assert!(!fresh.join(filename).exists() && !fresh.join("dists").exists(), "unverified files were placed");
}

/// `aptkit mirror SOURCE DEST --keyring K` in `dir`; (exit code, output).
fn mirror(dir: &Path, source: &str, dest: &Path, keyring: &Path) -> (i32, String) {
    let out = aptkit()
        .current_dir(dir)
        .envs(MOTO_ENV)
        .args(["mirror", source])
        .arg(dest)
        .arg("--keyring")
        .arg(keyring)
        .output()
        .unwrap();
    (out.status.code().unwrap_or(-1), format!("{}{}", stdout(&out), stderr(&out)))
}

#[test]
fn an_unreachable_or_missing_bucket_is_an_error_naming_it() {
    let p = Published::new();
    let moto = Moto::start();
    let ws = workspace(&moto);
    let (code, text) = verify(ws.path(), "s3://no-such-bucket/repo", &p.path("key.gpg"), &[]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("s3://no-such-bucket/repo") && text.contains("NoSuchBucket"), "{text}");
    // The same for a command on a store: the key, the store, S3's code and
    // status, and that a retry will not help (exit 2, not 75).
    let out = aptkit()
        .current_dir(ws.path())
        .envs(MOTO_ENV)
        .args(["--state", "s3://no-such-bucket/state", "repo", "list"])
        .output()
        .unwrap();
    let text = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.contains("`refs.json` in s3://no-such-bucket/state") && text.contains("NoSuchBucket (HTTP 404)"),
        "{text}"
    );
    assert!(text.contains("running it again will not help"), "{text}");

    // An endpoint nothing listens on: the store, the key, the endpoint and
    // the connection failure, said plainly (no SDK debug dump), and exit 75:
    // a retry may pass. Nothing is written anywhere.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let endpoint = format!("http://{closed}");
    let config = format!("[s3]\nendpoint_url = \"{endpoint}\"\nforce_path_style = true\n");
    std::fs::write(dir.path().join("aptkit.toml"), config).unwrap();
    for args in [&["repo", "list"][..], &["repo", "create", "main"]] {
        let out = aptkit()
            .current_dir(dir.path())
            .envs(MOTO_ENV)
            .args(["--state", "s3://unreachable/state", "--public", "s3://unreachable/public"])
            .args(args)
            .output()
            .unwrap();
        let text = stderr(&out);
        assert_eq!(out.status.code(), Some(75), "{args:?}: {text}");
        assert!(
            text.contains("in s3://unreachable/state")
                && text.contains(&format!("S3 at {endpoint} could not be reached")),
            "{text}"
        );
        assert!(text.contains("Connection refused") && text.contains("may pass if run again"), "{text}");
        assert!(!text.contains("DispatchFailure") && !text.contains("dispatch failure"), "{text}");
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "only aptkit.toml");
}

#[test]
fn publishes_to_s3_with_both_stores_there() {
    let moto = Moto::start();
    aws(&moto, &["s3", "mb", "s3://aptkit-pub"]);
    let ws = workspace(&moto);
    let d = ws.path();
    let config = std::fs::read_to_string(d.join("aptkit.toml")).unwrap();
    std::fs::write(
        d.join("aptkit.toml"),
        format!("state = \"s3://aptkit-pub/state\"\npublic = \"s3://aptkit-pub/public\"\n{config}"),
    )
    .unwrap();
    let run = |args: &[&str]| run_ok(aptkit().current_dir(d).envs(MOTO_ENV).args(args));
    run(&["key", "generate", "--output", "key.asc"]);
    run(&["key", "export", "--key", "key.asc", "--output", "key.gpg"]);
    // A version with `+` and `~`, as Debian versions have: keys must round-trip.
    let (_out, debs) = package(compiled_example(), &["--version", "1.0~rc1+git2-1"]);
    run(&["repo", "create", "main"]);
    run(&["repo", "add", "main", debs[0].parent().unwrap().to_str().unwrap()]);
    // publish verifies what it wrote, through the S3 backend.
    run(&["publish", "repo", "main", "-d", "stable", "--key", "key.asc", "--skip-dependency-check"]);

    // What an independent client sees: the exact keys, the cache headers.
    let listing = stdout(&aws(&moto, &["s3", "ls", "--recursive", "s3://aptkit-pub/public/"]));
    let pool_key = listing
        .lines()
        .filter_map(|l| l.split_whitespace().last())
        .find(|k| k.starts_with("public/pool/") && k.contains("1.0~rc1+git2-1"))
        .unwrap_or_else(|| panic!("no pool file with the version in its name:\n{listing}"))
        .to_string();
    assert!(listing.contains("public/dists/stable/InRelease"), "{listing}");
    let head = |key: &str| stdout(&aws(&moto, &["s3api", "head-object", "--bucket", "aptkit-pub", "--key", key]));
    assert!(head(&pool_key).contains("public, max-age=31536000, immutable"), "{}", head(&pool_key));
    assert!(head("public/dists/stable/InRelease").contains("max-age=60"));
    let state = stdout(&aws(&moto, &["s3", "ls", "--recursive", "s3://aptkit-pub/state/"]));
    assert!(state.contains("state/refs.json"), "{state}");

    let (code, text) = verify(d, "s3://aptkit-pub/public", &d.join("key.gpg"), &["--deep"]);
    assert_eq!(code, 0, "{text}");
    // Publishing again (a newer Release) finds every pool file in place.
    std::thread::sleep(std::time::Duration::from_secs(1));
    run(&["publish", "update", "stable", "--key", "key.asc", "--skip-dependency-check"]);
    let (code, text) = verify(d, "s3://aptkit-pub/public", &d.join("key.gpg"), &["--deep"]);
    assert_eq!(code, 0, "{text}");
}
