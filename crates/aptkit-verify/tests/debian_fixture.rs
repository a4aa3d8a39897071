//! Verification against a real Debian InRelease and index, signed by the
//! Debian archive keys, with a pinned clock.

use std::path::{Path, PathBuf};

use aptkit_store::FileStore;
use aptkit_verify::{verify, Finding, Keyring, Kind, Options};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/debian-bookworm-updates")
}

fn options(keyring: &Path) -> Options {
    Options {
        keyring: Keyring::from_bytes(&std::fs::read(keyring).unwrap()).unwrap(),
        suites: vec!["bookworm-updates".into()],
        deep: false,
        max_age: None,
        required_signers: Vec::new(),
        state_file: None,
        // An hour after the fixture's Date: Fri, 20 Nov 2026 02:11:10 UTC.
        now: 1_795_140_670 + 3600,
        threads: 2,
        components: vec!["main".into()],
        architectures: vec!["amd64".into()],
    }
}

/// A copy of the fixture with `edit` applied to one file.
fn tampered(rel: &str, edit: impl FnOnce(&mut Vec<u8>)) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let status =
        std::process::Command::new("cp").arg("-a").arg(fixture().join("dists")).arg(dir.path()).status().unwrap();
    assert!(status.success());
    let path = dir.path().join(rel);
    let mut bytes = std::fs::read(&path).unwrap();
    edit(&mut bytes);
    std::fs::write(&path, bytes).unwrap();
    dir
}

/// Whether a finding is one the fixture itself causes: it is a partial copy
/// (only the uncompressed amd64 Packages), so every compressed file its
/// InRelease lists for main and amd64 is reported missing, as it would be
/// for any copy that left them out (apt asks for them first).
fn not_carried(finding: &Finding) -> bool {
    finding.kind == Kind::Missing && finding.found.contains("apt gets a 404") && !fixture().join(&finding.file).exists()
}

/// The findings, without those about what the fixture does not carry.
fn findings(root: &Path, keyring: &Path) -> Vec<Finding> {
    let report = verify(&FileStore::new(root), &options(keyring), &|_| {}).unwrap();
    report.findings.into_iter().filter(|f| !not_carried(f)).collect()
}

fn kinds(root: &Path, keyring: &Path) -> Vec<Kind> {
    findings(root, keyring).iter().map(|f| f.kind).collect()
}

#[test]
fn debians_own_release_verifies() {
    let keyring = fixture().join("debian-archive-keyring.gpg");
    let report = verify(&FileStore::new(fixture()), &options(&keyring), &|_| {}).unwrap();
    // What the fixture leaves out is named, file by file, and is all there is.
    let missing: Vec<&str> = report.findings.iter().filter(|f| not_carried(f)).map(|f| f.file.as_str()).collect();
    assert!(missing.contains(&"dists/bookworm-updates/main/binary-amd64/Packages.xz"), "{missing:?}");
    assert!(missing.contains(&"dists/bookworm-updates/main/Contents-amd64.gz"), "{missing:?}");
    assert!(!missing.iter().any(|f| f.contains("arm64/")), "not asked for: {missing:?}");
    assert!(report.findings.iter().all(not_carried), "{:#?}", report.findings);
    let suite = &report.suites[0];
    assert!(!suite.signed_by.is_empty());
    assert!(suite.packages > 0 && suite.indices_checked >= 1, "{suite:?}");
}

#[test]
fn one_changed_byte_or_another_keyring_fails() {
    let keyring = fixture().join("debian-archive-keyring.gpg");
    // In the signed body.
    let body = tampered("dists/bookworm-updates/InRelease", |b| {
        let text = String::from_utf8(b.clone()).unwrap();
        assert!(text.contains("Codename: bookworm-updates"));
        *b = text.replacen("Codename: bookworm-updates", "Codename: bookworm-updatez", 1).into_bytes();
    });
    assert_eq!(kinds(body.path(), &keyring), [Kind::Signature]);
    // In the signature itself: inside the last signature's MPI (the line
    // before the armor checksum), not in an unhashed subpacket such as the
    // issuer, whose corruption only makes a signature look foreign.
    let sig = tampered("dists/bookworm-updates/InRelease", |b| {
        let text = String::from_utf8(b.clone()).unwrap();
        let checksum = text.rfind("\n=").unwrap();
        let line_start = text[..checksum].rfind('\n').unwrap() + 1;
        let at = (line_start + checksum) / 2;
        b[at] = if b[at] == b'A' { b'B' } else { b'A' };
    });
    assert_eq!(kinds(sig.path(), &keyring), [Kind::Signature]);
    // In the index the Release lists, as by-hash clients read it.
    let by_hash = "dists/bookworm-updates/main/binary-amd64/by-hash/SHA256/\
                   80a1f6ee524222c49f230fc5700d00f946d0a47eb5258180106dd03df126e16a";
    let index = tampered(by_hash, |b| b[100] ^= 0x01);
    let found = kinds(index.path(), &keyring);
    assert_eq!(found.first(), Some(&Kind::Hash), "{found:?}");
    // Under its plain name only (which the suite's by-hash clients never
    // read): stale, not failed.
    let plain = tampered("dists/bookworm-updates/main/binary-amd64/Packages", |b| b[100] ^= 0x01);
    let report = verify(&FileStore::new(plain.path()), &options(&keyring), &|_| {}).unwrap();
    assert!(report.findings.iter().all(not_carried), "{:?}", report.findings);
    assert_eq!(report.stale.len(), 1, "{:?}", report.stale);
    assert!(report.stale[0].file.ends_with("main/binary-amd64/Packages"), "{:?}", report.stale);
    // A keyring without Debian's keys.
    let other = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../keys-example/ed25519.gpg");
    assert_eq!(kinds(&fixture(), &other), [Kind::Signature]);
}
