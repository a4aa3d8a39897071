//! Signatures made here are checked by the verifiers apt uses: gpgv (apt on
//! Debian 12) and Sequoia's sqv (apt >= 2.9.19).

use std::path::Path;
use std::process::Command;
use std::time::SystemTime;

use aptkit_sign::{clearsign, sign_detached, KeyAlgorithm, SigningKey};

/// A Release-like text with the awkward cases of the cleartext framework:
/// lines starting with `-` (dash-escaped) and `From ` lines.
const TEXT: &str =
    "Origin: aptkit test\nSuite: stable\n- dash line\n---\nFrom here\nSHA256:\n abc 12 main/binary-amd64/Packages\n";

fn tool(name: &str) -> Command {
    let found =
        std::env::var_os("PATH").map(|p| std::env::split_paths(&p).any(|d| d.join(name).is_file())).unwrap_or(false);
    assert!(found, "`{name}` is not installed: run scripts/install-test-tools.sh");
    Command::new(name)
}

fn verify(program: &str, keyring: &Path, args: &[&Path]) -> bool {
    let out = tool(program).arg("--keyring").arg(keyring).args(args).output().unwrap();
    if !out.status.success() {
        eprintln!("{program} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
    out.status.success()
}

/// As apt reads gpgv: through `--status-fd`, accepting the file when some
/// signature is VALIDSIG and none is BADSIG (a NO_PUBKEY from a key the
/// client does not know is fine: that is how key rotation works).
fn gpgv(keyring: &Path, args: &[&Path]) -> bool {
    let out = tool("gpgv").args(["--status-fd", "1", "--keyring"]).arg(keyring).args(args).output().unwrap();
    let status = String::from_utf8_lossy(&out.stdout);
    let valid = status.lines().any(|l| l.starts_with("[GNUPG:] VALIDSIG"));
    let bad = status.lines().any(|l| l.starts_with("[GNUPG:] BADSIG"));
    valid && !bad
}

fn sqv(keyring: &Path, args: &[&Path]) -> bool {
    verify("sqv", keyring, args)
}

#[test]
fn gpgv_and_sqv_accept_our_signatures_and_reject_tampering() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name);
    let ed = SigningKey::generate("aptkit test <ed@example.org>", KeyAlgorithm::Ed25519).unwrap();
    let rsa = SigningKey::generate("aptkit test <rsa@example.org>", KeyAlgorithm::Rsa3072).unwrap();
    let other = SigningKey::generate("someone else <x@example.org>", KeyAlgorithm::Ed25519).unwrap();
    std::fs::write(p("ed.gpg"), ed.public_binary()).unwrap();
    std::fs::write(p("rsa.gpg"), rsa.public_binary()).unwrap();
    std::fs::write(p("other.gpg"), other.public_binary()).unwrap();
    std::fs::write(p("both.gpg"), [ed.public_binary(), rsa.public_binary()].concat()).unwrap();

    let now = SystemTime::now();
    let keys = [ed.clone(), rsa.clone()];
    let inrelease = clearsign(&keys, TEXT.as_bytes(), now).unwrap();
    let detached = sign_detached(&keys, TEXT.as_bytes(), now).unwrap();
    let text = String::from_utf8(inrelease.clone()).unwrap();
    assert!(text.starts_with("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n"), "{text}");
    assert!(text.contains("\n- - dash line\n- ---\n"), "dash-escaping: {text}");
    assert!(text.trim_end().ends_with("-----END PGP SIGNATURE-----"), "{text}");
    assert!(String::from_utf8_lossy(&detached).starts_with("-----BEGIN PGP SIGNATURE-----"));
    std::fs::write(p("InRelease"), &inrelease).unwrap();
    std::fs::write(p("Release"), TEXT).unwrap();
    std::fs::write(p("Release.gpg"), &detached).unwrap();

    // Either key alone verifies both forms (rotation: clients may know one).
    for keyring in ["ed.gpg", "rsa.gpg"] {
        assert!(gpgv(&p(keyring), &[&p("InRelease")]), "gpgv InRelease with {keyring}");
        assert!(gpgv(&p(keyring), &[&p("Release.gpg"), &p("Release")]), "gpgv Release.gpg with {keyring}");
        assert!(sqv(&p(keyring), &[&p("Release.gpg"), &p("Release")]), "sqv Release.gpg with {keyring}");
    }
    // With both keys known, gpgv's own exit code accepts them too.
    assert!(verify("gpgv", &p("both.gpg"), &[&p("InRelease")]));
    assert!(verify("gpgv", &p("both.gpg"), &[&p("Release.gpg"), &p("Release")]));
    // A key that did not sign: refused.
    assert!(!gpgv(&p("other.gpg"), &[&p("InRelease")]));
    assert!(!sqv(&p("other.gpg"), &[&p("Release.gpg"), &p("Release")]));
    // One changed byte in the signed text: refused.
    std::fs::write(p("Release"), TEXT.replace("stable", "stabla")).unwrap();
    assert!(!gpgv(&p("ed.gpg"), &[&p("Release.gpg"), &p("Release")]));
    assert!(!sqv(&p("ed.gpg"), &[&p("Release.gpg"), &p("Release")]));
    let tampered = text.replace("Suite: stable", "Suite: stabla");
    std::fs::write(p("InRelease"), tampered).unwrap();
    assert!(!gpgv(&p("ed.gpg"), &[&p("InRelease")]));
}

#[test]
fn keys_round_trip_and_bad_keys_are_named() {
    let key = SigningKey::generate("t <t@example.org>", KeyAlgorithm::Ed25519).unwrap();
    let again = SigningKey::from_bytes(&key.secret_armored(), "test").unwrap();
    assert_eq!(key.fingerprint(), again.fingerprint());
    assert_eq!(key.fingerprint().len(), 40);
    assert!(!format!("{key:?}").contains("PRIVATE"));

    let err = SigningKey::from_bytes(b"not a key", "file `x.asc`").unwrap_err();
    assert!(err.to_string().contains("file `x.asc`"), "{err}");
    let err = SigningKey::from_bytes(&key.public_armored(), "file `pub.asc`").unwrap_err();
    assert!(err.to_string().contains("no secret signing key"), "{err}");
    let err = SigningKey::from_file(Path::new("/nonexistent/key.asc")).unwrap_err();
    assert!(err.to_string().contains("/nonexistent/key.asc"), "{err}");
    std::env::remove_var("APTKIT_TEST_UNSET_KEY_VAR");
    let err = SigningKey::from_env("APTKIT_TEST_UNSET_KEY_VAR").unwrap_err();
    assert!(err.to_string().contains("APTKIT_TEST_UNSET_KEY_VAR"), "{err}");
}
