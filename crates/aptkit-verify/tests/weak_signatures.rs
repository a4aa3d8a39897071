//! Signatures that apt refuses must be refused here too. GnuPG makes them
//! (a real signer, not a hand-made packet): a SHA-1 digest, inline and
//! detached, by the throwaway RSA-3072 key from keys-example/; the same
//! text with a SHA-512 digest is the control that must pass.

use std::path::{Path, PathBuf};
use std::process::Command;

use aptkit_store::{Body, Caching, MemoryStore, Store};
use aptkit_verify::{verify, Keyring, Kind, Options};

fn keys() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../keys-example")
}

/// A GnuPG home holding the throwaway RSA key, dropped with the test.
struct Gpg {
    home: tempfile::TempDir,
}

impl Gpg {
    fn new() -> Self {
        let found =
            std::env::var_os("PATH").is_some_and(|p| std::env::split_paths(&p).any(|d| d.join("gpg").is_file()));
        assert!(found, "`gpg` is not installed: run scripts/install-test-tools.sh (the README's test command does)");
        let home = tempfile::tempdir().unwrap();
        let gpg = Gpg { home };
        gpg.run(&["--import", keys().join("rsa3072.asc").to_str().unwrap()], b"");
        gpg
    }

    /// Run gpg with `args` on `input`; returns its output.
    fn run(&self, args: &[&str], input: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut child = Command::new("gpg")
            .arg("--homedir")
            .arg(self.home.path())
            .args(["--batch", "--yes", "--quiet", "--pinentry-mode", "loopback", "--passphrase", ""])
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(input).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "gpg {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    }
}

/// gpg signs with the real clock, so verification runs on it too.
fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

fn release_text() -> String {
    format!(
        "Origin: test\nSuite: stable\nDate: {}\nArchitectures: amd64\nComponents: main\nSHA256:\n",
        aptkit_index::format_date(now() - 60)
    )
}

fn options() -> Options {
    Options {
        keyring: Keyring::from_bytes(&std::fs::read(keys().join("rsa3072.gpg")).unwrap()).unwrap(),
        suites: vec!["stable".into()],
        deep: false,
        max_age: None,
        required_signers: Vec::new(),
        state_file: None,
        now: now() + 5,
        threads: 1,
        components: Vec::new(),
        architectures: Vec::new(),
    }
}

fn signature_findings(files: &[(&str, &[u8])]) -> Vec<String> {
    let store = MemoryStore::new();
    for (name, bytes) in files {
        store.put(&format!("dists/stable/{name}"), Body::Bytes(bytes), Caching::Short).unwrap();
    }
    let report = verify(&store, &options(), &|_| {}).unwrap();
    report.findings.iter().filter(|f| f.kind == Kind::Signature).map(|f| f.to_string()).collect()
}

#[test]
fn sha1_digest_signatures_are_refused_inline_and_detached() {
    let gpg = Gpg::new();
    let text = release_text();
    for digest in ["SHA1", "SHA512"] {
        let inline = gpg.run(&["--digest-algo", digest, "--clearsign"], text.as_bytes());
        assert!(String::from_utf8_lossy(&inline).contains(&format!("Hash: {digest}")), "gpg did not use {digest}");
        let detached = gpg.run(&["--digest-algo", digest, "--armor", "--detach-sign"], text.as_bytes());

        let inline_findings = signature_findings(&[("InRelease", &inline)]);
        let detached_findings = signature_findings(&[("Release", text.as_bytes()), ("Release.gpg", &detached)]);
        if digest == "SHA1" {
            for findings in [&inline_findings, &detached_findings] {
                assert!(
                    findings.iter().any(|f| f.contains("SHA1")),
                    "a SHA-1 signature must be refused, naming SHA1: {findings:?}"
                );
            }
        } else {
            assert!(
                inline_findings.is_empty() && detached_findings.is_empty(),
                "{inline_findings:?} {detached_findings:?}"
            );
        }
    }
}
