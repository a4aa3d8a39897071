//! `aptkit verify` on aptkit's own example publication and on a corpus of
//! tampered copies, each of which must fail with its specific finding.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use aptkit_sign::SigningKey;
use aptkit_tests::*;

/// The example published once (signed with a throwaway key), shared (also
/// by the S3 tests).
pub(crate) struct Published {
    dir: tempfile::TempDir,
}

impl Published {
    pub(crate) fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let ws = |args: &[&str]| run_ok(aptkit().current_dir(d).args(args));
        ws(&["key", "generate", "--output", "key.asc"]);
        ws(&["key", "export", "--key", "key.asc", "--output", "key.gpg"]);
        ws(&["key", "generate", "--output", "other.asc"]);
        ws(&["key", "export", "--key", "other.asc", "--output", "other.gpg"]);
        let (_out, debs) = package(compiled_example(), &[]);
        ws(&["repo", "create", "main"]);
        ws(&["repo", "add", "main", debs[0].parent().unwrap().to_str().unwrap()]);
        ws(&["publish", "repo", "main", "-d", "stable", "--key", "key.asc", "--skip-dependency-check"]);
        Published { dir }
    }

    pub(crate) fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// A fresh copy of the published tree to tamper with.
    fn copy(&self) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let public = dir.path().join("public");
        copy_tree(&self.path("public"), &public);
        (dir, public)
    }

    fn key(&self) -> SigningKey {
        SigningKey::from_file(&self.path("key.asc")).unwrap()
    }
}

/// Run `aptkit verify`; returns (exit code, stdout).
fn verify(root: &Path, keyring: &Path, extra: &[&str]) -> (i32, String) {
    let out = aptkit().arg("verify").arg(root).arg("--keyring").arg(keyring).args(extra).output().unwrap();
    (out.status.code().unwrap_or(-1), format!("{}{}", stdout(&out), stderr(&out)))
}

fn expect_finding(root: &Path, keyring: &Path, extra: &[&str], kind: &str, file_part: &str) {
    let (code, text) = verify(root, keyring, extra);
    assert_eq!(code, 1, "expected findings, got:\n{text}");
    assert!(
        text.lines().any(|l| l.starts_with(&format!("FAIL {kind}:")) && l.contains(file_part)),
        "expected a {kind} finding about `{file_part}`:\n{text}"
    );
}

/// Replace InRelease with `body` clearsigned by `key` (Release.gpg removed).
fn resign(public: &Path, body: &str, key: &SigningKey) {
    let signed = aptkit_sign::clearsign(std::slice::from_ref(key), body.as_bytes(), SystemTime::now()).unwrap();
    std::fs::write(public.join("dists/stable/InRelease"), signed).unwrap();
    let _ = std::fs::remove_file(public.join("dists/stable/Release.gpg"));
    std::fs::write(public.join("dists/stable/Release"), body).unwrap();
}

fn release_text(public: &Path) -> String {
    std::fs::read_to_string(public.join("dists/stable/Release")).unwrap()
}

fn first_pool_file(public: &Path) -> PathBuf {
    let packages = std::fs::read_to_string(public.join("dists/stable/main/binary-amd64/Packages")).unwrap();
    let filename = packages.lines().find_map(|l| l.strip_prefix("Filename: ")).unwrap();
    public.join(filename)
}

#[test]
fn verifies_aptkits_publication_and_finds_every_kind_of_tampering() {
    let p = Published::new();
    let keyring = p.path("key.gpg");
    let (code, text) = verify(&p.path("public"), &keyring, &["--deep"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("4 pool files") && text.contains("verified: no problems found"), "{text}");
    let (code, json) = verify(&p.path("public"), &keyring, &["--json"]);
    assert_eq!(code, 0);
    assert!(json.contains("\"findings\": []"), "{json}");
    // A component or architecture the suite does not have is a finding,
    // not a run that checks nothing and passes.
    let (code, _) = verify(&p.path("public"), &keyring, &["--component", "main", "--arch", "amd64", "--deep"]);
    assert_eq!(code, 0);
    expect_finding(&p.path("public"), &keyring, &["--arch", "sparc"], "Missing", "dists/stable/InRelease");
    let (_, text) = verify(&p.path("public"), &keyring, &["--component", "nosuch", "--deep"]);
    assert!(text.contains("component `nosuch` (asked for), found Components: main"), "{text}");

    // Index content changed (same size).
    let (_d, public) = p.copy();
    let packages = public.join("dists/stable/main/binary-amd64/Packages");
    let mut bytes = std::fs::read(&packages).unwrap();
    bytes[10] ^= 0x20;
    std::fs::write(&packages, &bytes).unwrap();
    expect_finding(&public, &keyring, &[], "Hash", "main/binary-amd64/Packages");

    // The by-hash copy of an index: one byte changed, one byte more, gone.
    // (Each a new file: the published copy is a hard link of the index.)
    let by_hash_of_packages = |public: &Path| {
        let hash = aptkit_index::FileDigests::of_bytes(
            &std::fs::read(public.join("dists/stable/main/binary-amd64/Packages")).unwrap(),
        )
        .sha256_hex();
        public.join(format!("dists/stable/main/binary-amd64/by-hash/SHA256/{hash}"))
    };
    type Change = fn(&mut Vec<u8>);
    let changes: [(Change, &str); 2] = [(|b| b[10] ^= 0x20, "Hash"), (|b| b.push(b'\n'), "Size")];
    for (change, kind) in changes {
        let (_d, public) = p.copy();
        let copy = by_hash_of_packages(&public);
        let mut bytes = std::fs::read(&copy).unwrap();
        change(&mut bytes);
        std::fs::remove_file(&copy).unwrap();
        std::fs::write(&copy, &bytes).unwrap();
        expect_finding(&public, &keyring, &[], kind, "by-hash/SHA256");
        std::fs::remove_file(&copy).unwrap();
        expect_finding(&public, &keyring, &[], "Missing", "by-hash/SHA256");
    }

    // Index much larger than listed: reading stops at the listed size.
    let (_d, public) = p.copy();
    let gz = public.join("dists/stable/main/binary-amd64/Packages.gz");
    let mut bytes = std::fs::read(&gz).unwrap();
    bytes.extend(std::iter::repeat_n(0u8, 5 << 20));
    std::fs::write(&gz, &bytes).unwrap();
    expect_finding(&public, &keyring, &[], "Size", "Packages.gz");

    // Pool .deb swapped for another one; pool file missing (deep only).
    let (_d, public) = p.copy();
    let pool = first_pool_file(&public);
    std::fs::write(&pool, b"!<arch>\nnot the package that was signed").unwrap();
    let (code, _) = verify(&public, &keyring, &[]);
    assert_eq!(code, 0, "the pool is only read with --deep");
    expect_finding(&public, &keyring, &["--deep"], "Size", pool.file_name().unwrap().to_str().unwrap());
    let (_d, public) = p.copy();
    let pool = first_pool_file(&public);
    let original = std::fs::read(&pool).unwrap();
    let mut swapped = original.clone();
    let last = swapped.len() - 1;
    swapped[last] ^= 1;
    std::fs::write(&pool, &swapped).unwrap();
    expect_finding(&public, &keyring, &["--deep"], "Hash", pool.file_name().unwrap().to_str().unwrap());
    std::fs::remove_file(&pool).unwrap();
    expect_finding(&public, &keyring, &["--deep"], "Missing", pool.file_name().unwrap().to_str().unwrap());

    // Signed by a key that is not pinned; one byte changed in the signed body.
    expect_finding(&p.path("public"), &p.path("other.gpg"), &[], "Signature", "InRelease");
    let (_d, public) = p.copy();
    let inrelease = public.join("dists/stable/InRelease");
    let text = std::fs::read_to_string(&inrelease).unwrap().replacen("Suite: stable", "Suite: stabla", 1);
    std::fs::write(&inrelease, text).unwrap();
    expect_finding(&public, &keyring, &[], "Signature", "InRelease");
    // Data after the signature block (apt refuses it).
    let (_d, public) = p.copy();
    let inrelease = public.join("dists/stable/InRelease");
    let mut text = std::fs::read_to_string(&inrelease).unwrap();
    text.push_str("Package: evil\n");
    std::fs::write(&inrelease, text).unwrap();
    expect_finding(&public, &keyring, &[], "Signature", "InRelease");

    let key = p.key();
    let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs() as i64;
    // Expired Valid-Until, Date in the future, too old for --max-age.
    let (_d, public) = p.copy();
    let body = release_text(&public);
    let date_line = body.lines().find(|l| l.starts_with("Date: ")).unwrap().to_string();
    let expired =
        body.replacen(&date_line, &format!("{date_line}\nValid-Until: {}", aptkit_index::format_date(now - 3600)), 1);
    resign(&public, &expired, &key);
    expect_finding(&public, &keyring, &[], "Freshness", "InRelease");
    let future = body.replacen(&date_line, &format!("Date: {}", aptkit_index::format_date(now + 86_400)), 1);
    resign(&public, &future, &key);
    expect_finding(&public, &keyring, &[], "Freshness", "InRelease");
    resign(&public, &body, &key);
    let (code, text) = verify(&public, &keyring, &[]);
    assert_eq!(code, 0, "re-signed original must verify: {text}");
    std::thread::sleep(std::time::Duration::from_secs(2));
    expect_finding(&public, &keyring, &["--max-age", "1"], "Freshness", "InRelease");

    // The example's own Release signed by GnuPG with a SHA-1 digest (by the
    // throwaway RSA key, pinned for this check): refused, digest named.
    let (_d, public) = p.copy();
    let rsa_keyring = repo_root().join("keys-example/rsa3072.gpg");
    let body = release_text(&public);
    std::fs::write(public.join("dists/stable/InRelease"), gpg_clearsign_sha1(&body)).unwrap();
    std::fs::remove_file(public.join("dists/stable/Release.gpg")).unwrap();
    let (code, text) = verify(&public, &rsa_keyring, &[]);
    assert_eq!(code, 1, "{text}");
    assert!(text.lines().any(|l| l.starts_with("FAIL Signature:") && l.contains("SHA1")), "{text}");

    // A Release listing SHA1 only.
    let (_d, public) = p.copy();
    let body = release_text(&public);
    let sha1_only = body.split("MD5Sum:").next().unwrap().to_string()
        + "SHA1:\n da39a3ee5e6b4b0d3255bfef95601890afd80709 0 main/binary-amd64/Packages\n";
    resign(&public, &sha1_only, &key);
    expect_finding(&public, &keyring, &[], "WeakHashes", "InRelease");

    // A Filename that escapes the repository, in a correctly signed index.
    let (_d, public) = p.copy();
    let evil =
        "Package: evil\nVersion: 1\nArchitecture: amd64\nFilename: pool/../../../etc/passwd\nSize: 1\nSHA256: 00\n";
    let evil_path = public.join("dists/stable/main/binary-amd64/Packages");
    std::fs::write(&evil_path, evil).unwrap();
    let d = aptkit_index::FileDigests::of_bytes(evil.as_bytes());
    let body = release_text(&public);
    let head = body.split("MD5Sum:").next().unwrap().to_string().replace("Acquire-By-Hash: yes\n", "");
    let crafted = format!("{head}SHA256:\n {} {} main/binary-amd64/Packages\n", d.sha256_hex(), d.size);
    resign(&public, &crafted, &key);
    expect_finding(&public, &keyring, &[], "UnsafePath", "etc/passwd");
}

/// A compressed index the Release lists, gone under both of its names, is
/// a finding naming it (apt asks for it first and gets a 404), whichever
/// other forms are left; the uncompressed form may be absent (Debian's
/// archive does not serve it).
#[test]
fn a_listed_compressed_index_that_is_gone_is_a_finding_whatever_else_is_there() {
    let p = Published::new();
    let keyring = p.path("key.gpg");
    let dir = "dists/stable/main/binary-amd64";
    let remove_both_names = |public: &Path, name: &str| {
        let file = public.join(format!("{dir}/{name}"));
        let hash = aptkit_index::FileDigests::of_bytes(&std::fs::read(&file).unwrap()).sha256_hex();
        std::fs::remove_file(public.join(format!("{dir}/by-hash/SHA256/{hash}"))).unwrap();
        std::fs::remove_file(file).unwrap();
    };
    let missing = |text: &str| -> Vec<String> {
        let lines = text.lines().filter(|l| l.starts_with("FAIL Missing:"));
        let mut files: Vec<String> =
            lines.map(|l| l.split_whitespace().nth(2).unwrap_or_default().trim_end_matches(':').to_string()).collect();
        files.sort();
        files
    };

    // Packages.xz gone, Packages.gz and Packages left.
    let (_d, public) = p.copy();
    remove_both_names(&public, "Packages.xz");
    let (code, text) = verify(&public, &keyring, &["--deep"]);
    assert_eq!(code, 1, "{text}");
    assert_eq!(missing(&text), [format!("{dir}/Packages.xz")], "{text}");
    assert!(text.contains("apt gets a 404"), "{text}");

    // Both compressed forms gone, only the uncompressed one left.
    remove_both_names(&public, "Packages.gz");
    let (code, text) = verify(&public, &keyring, &["--deep"]);
    assert_eq!(code, 1, "{text}");
    assert_eq!(missing(&text), [format!("{dir}/Packages.gz"), format!("{dir}/Packages.xz")], "{text}");

    // The uncompressed form gone and the compressed ones there: no finding.
    let (_d, public) = p.copy();
    remove_both_names(&public, "Packages");
    let (code, text) = verify(&public, &keyring, &["--deep"]);
    assert_eq!(code, 0, "{text}");
}

#[test]
fn verifies_over_http_and_stops_reading_at_the_listed_size() {
    let p = Published::new();
    let keyring = p.path("key.gpg");
    let served = Served::start(&p.path("public"));
    let (code, text) = verify(Path::new(&served.url()), &keyring, &["--suite", "stable", "--deep"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("4 pool files"), "{text}");
    let (code, text) = verify(Path::new(&served.url()), &keyring, &[]);
    assert_eq!(code, 2, "HTTP cannot list suites: {text}");
    drop(served);

    let (_d, public) = p.copy();
    let gz = public.join("dists/stable/main/binary-amd64/Packages.gz");
    let mut bytes = std::fs::read(&gz).unwrap();
    bytes.extend(std::iter::repeat_n(0u8, 50 << 20));
    std::fs::write(&gz, &bytes).unwrap();
    let served = Served::start(&public);
    expect_finding(Path::new(&served.url()), &keyring, &["--suite", "stable"], "Size", "Packages.gz");
}

#[test]
fn refuses_a_rollback_to_an_older_release() {
    let p = Published::new();
    let keyring = p.path("key.gpg");
    let state = p.path("verify-state.json");
    let state_arg = state.to_str().unwrap();
    let old = tempfile::tempdir().unwrap();
    copy_tree(&p.path("public/dists"), &old.path().join("dists"));
    let (code, text) = verify(&p.path("public"), &keyring, &["--state", state_arg]);
    assert_eq!(code, 0, "{text}");
    // A newer publication is accepted and remembered…
    std::thread::sleep(std::time::Duration::from_secs(1));
    run_ok(aptkit().current_dir(p.dir.path()).args([
        "publish",
        "update",
        "stable",
        "--key",
        "key.asc",
        "--skip-dependency-check",
    ]));
    let (code, text) = verify(&p.path("public"), &keyring, &["--state", state_arg]);
    assert_eq!(code, 0, "{text}");
    // …and the old, validly signed one served again is a rollback.
    run_ok(Command::new("rm").arg("-rf").arg(p.path("public/dists")));
    copy_tree(&old.path().join("dists"), &p.path("public/dists"));
    let (code, text) = verify(&p.path("public"), &keyring, &["--state", state_arg]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("FAIL Rollback"), "{text}");
}

#[test]
fn cannot_run_is_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let (code, text) = verify(dir.path(), Path::new("/nonexistent/keyring.gpg"), &[]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("/nonexistent/keyring.gpg"), "{text}");
    let p = Published::new();
    let (code, text) = verify(dir.path(), &p.path("key.gpg"), &[]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("no suite found"), "{text}");
    // A repository that is not there is named as such; a mirror of it
    // makes nothing.
    let (code, text) = verify(&dir.path().join("missing"), &p.path("key.gpg"), &[]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("missing`: no such directory"), "{text}");
    let out = aptkit()
        .arg("mirror")
        .arg(dir.path().join("missing"))
        .arg(dir.path().join("copy"))
        .arg("--keyring")
        .arg(p.path("key.gpg"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!dir.path().join("copy").exists(), "a failed mirror made its destination");
    // A malformed fingerprint is a usage error, not a failed check.
    let (code, text) = verify(&p.path("public"), &p.path("key.gpg"), &["--require-signer", "nothex"]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("`nothex` is not a fingerprint"), "{text}");
    // And one given as gpg prints it (spaced, lowercase) is that key.
    let fingerprint = aptkit_sign::SigningKey::from_file(&p.path("key.asc")).unwrap().fingerprint();
    let spaced: String = fingerprint
        .to_lowercase()
        .chars()
        .collect::<Vec<_>>()
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ");
    let (code, text) = verify(&p.path("public"), &p.path("key.gpg"), &["--require-signer", &spaced]);
    assert_eq!(code, 0, "{text}");
    // `aptkit serve` of a directory that is not there: exit 2, before listening.
    let out = aptkit().args(["serve", "--port", "0", "--root"]).arg(dir.path().join("missing")).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not a directory"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `body` clearsigned by GnuPG with a SHA-1 digest, by keys-example/rsa3072.
fn gpg_clearsign_sha1(body: &str) -> Vec<u8> {
    require_tool("gpg");
    let home = tempfile::tempdir().unwrap();
    let gpg = || {
        let mut cmd = Command::new("gpg");
        cmd.arg("--homedir").arg(home.path()).args(["--batch", "--yes", "--quiet"]);
        cmd
    };
    run_ok(gpg().arg("--import").arg(repo_root().join("keys-example/rsa3072.asc")));
    let input = home.path().join("Release");
    std::fs::write(&input, body).unwrap();
    run_ok(gpg().args(["--digest-algo", "SHA1", "--clearsign", "--output", "-"]).arg(&input)).stdout
}
