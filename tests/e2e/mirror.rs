//! `aptkit mirror`: a verified copy that a real apt client reads, reruns
//! that fetch nothing, resumed downloads, and sources that must not be
//! copied (tampered pool, rolled-back suite).

use std::path::{Path, PathBuf};

use aptkit_tests::*;

/// The example packaged and published (suite `stable`, throwaway key).
struct Source {
    dir: tempfile::TempDir,
}

impl Source {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let ws = |args: &[&str]| run_ok(aptkit().current_dir(dir.path()).args(args));
        ws(&["key", "generate", "--output", "key.asc"]);
        ws(&["key", "export", "--key", "key.asc", "--output", "key.gpg"]);
        let (_out, debs) = package(compiled_example(), &[]);
        ws(&["repo", "create", "main"]);
        ws(&["repo", "add", "main", debs[0].parent().unwrap().to_str().unwrap()]);
        ws(&["publish", "repo", "main", "-d", "stable", "--key", "key.asc", "--skip-dependency-check"]);
        Source { dir }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn republish_without(&self, package: &str) {
        std::thread::sleep(std::time::Duration::from_secs(1));
        let ws = |args: &[&str]| run_ok(aptkit().current_dir(self.dir.path()).args(args));
        ws(&["repo", "remove", "main", package]);
        ws(&["publish", "update", "stable", "--key", "key.asc", "--skip-dependency-check"]);
    }

    /// Filename and SHA256 of every package in the published index.
    fn pool(&self) -> Vec<(String, String)> {
        let text = std::fs::read_to_string(self.path("public/dists/stable/main/binary-amd64/Packages")).unwrap();
        text.split("\n\n")
            .filter_map(|stanza| {
                let field = |name: &str| stanza.lines().find_map(|l| l.strip_prefix(name)).map(str::to_string);
                Some((field("Filename: ")?, field("SHA256: ")?))
            })
            .collect()
    }
}

/// Run `aptkit mirror SRC DEST --json`: (exit code, JSON report or stderr).
fn mirror(source: &str, dest: &Path, keyring: &Path) -> (i32, serde_json::Value, String) {
    mirror_with(source, dest, keyring, &[])
}

fn mirror_with(source: &str, dest: &Path, keyring: &Path, extra: &[&str]) -> (i32, serde_json::Value, String) {
    let out = aptkit()
        .args(["mirror", source])
        .arg(dest)
        .arg("--keyring")
        .arg(keyring)
        .args(["--suite", "stable", "--json"])
        .args(extra)
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (out.status.code().unwrap_or(-1), json, stderr(&out))
}

fn count(report: &serde_json::Value, field: &str) -> u64 {
    report[field].as_u64().unwrap_or_else(|| panic!("no `{field}` in {report:#}"))
}

fn findings(report: &serde_json::Value) -> Vec<String> {
    report["findings"].as_array().unwrap().iter().map(|f| format!("{} {}", f["kind"], f["file"])).collect()
}

#[test]
fn mirrors_over_http_then_apt_reads_the_mirror_and_a_rerun_fetches_nothing() {
    let src = Source::new();
    let keyring = src.path("key.gpg");
    let served = Served::start(&src.path("public"));
    let dest = tempfile::tempdir().unwrap();
    let mirror_dir = dest.path().join("mirror");

    let (code, report, err) = mirror(&served.url(), &mirror_dir, &keyring);
    assert_eq!(code, 0, "{report:#} {err}");
    assert_eq!(count(&report, "pool_files_downloaded"), 4, "{report:#}");
    assert!(count(&report, "indices_downloaded") >= 3, "{report:#}");
    let first_bytes = count(&report, "bytes_downloaded");
    run_ok(aptkit().arg("verify").arg(&mirror_dir).arg("--keyring").arg(&keyring).arg("--deep"));

    // A real apt client reads the mirror (served over HTTP like the source).
    let mirror_served = Served::start(&mirror_dir);
    let apt =
        AptClient::new(&format!("deb [signed-by={}] {} stable main", keyring.display(), mirror_served.url()), true);
    let (ok, log) = apt.update();
    assert!(ok, "apt-get update against the mirror:\n{log}");
    let (ok, log) = apt.download("hello");
    assert!(ok, "{log}");
    assert!(apt.downloaded().iter().any(|d| d.starts_with("hello_")), "{:?}", apt.downloaded());

    // A second run downloads nothing and writes nothing.
    let (code, report, err) = mirror(&served.url(), &mirror_dir, &keyring);
    assert_eq!(code, 0, "{report:#} {err}");
    for field in ["pool_files_downloaded", "indices_downloaded", "bytes_downloaded", "metadata_files_written"] {
        assert_eq!(count(&report, field), 0, "{field} on a rerun: {report:#}");
    }
    assert_eq!(count(&report, "pool_files_kept"), 4);

    // A change upstream: only the changed indices are fetched, no pool file.
    src.republish_without("hello-data");
    let (code, report, err) = mirror(&served.url(), &mirror_dir, &keyring);
    assert_eq!(code, 0, "{report:#} {err}");
    assert_eq!(count(&report, "pool_files_downloaded"), 0, "{report:#}");
    assert!(count(&report, "indices_downloaded") > 0 && count(&report, "bytes_downloaded") < first_bytes, "{report:#}");
    let packages = std::fs::read_to_string(mirror_dir.join("dists/stable/main/binary-amd64/Packages")).unwrap();
    assert!(!packages.contains("Package: hello-data\n"), "{packages}");
    assert_eq!(
        std::fs::read(mirror_dir.join("dists/stable/InRelease")).unwrap(),
        std::fs::read(src.path("public/dists/stable/InRelease")).unwrap()
    );
    let (ok, log) = apt.update();
    assert!(ok, "apt-get update after the mirror moved on:\n{log}");

    // hello-data's .deb is still here until --delete prunes what no suite
    // references; everything referenced stays.
    let orphans: Vec<PathBuf> =
        walk(&mirror_dir.join("pool")).into_iter().filter(|p| p.to_string_lossy().contains("hello-data_")).collect();
    assert_eq!(orphans.len(), 1, "{orphans:?}");
    let (code, report, err) = mirror_with(&served.url(), &mirror_dir, &keyring, &["--delete"]);
    assert_eq!(code, 0, "{report:#} {err}");
    let deleted: Vec<&str> =
        report["pool_files_deleted"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(deleted.len(), 1, "{report:#}");
    assert!(deleted[0].contains("hello-data_") && !orphans[0].exists(), "{deleted:?}");
    run_ok(aptkit().arg("verify").arg(&mirror_dir).arg("--keyring").arg(&keyring).arg("--deep"));
    let (ok, log) = apt.download("libgreet-dev");
    assert!(ok, "{log}");
}

#[test]
fn resumes_a_partial_download_from_where_it_stopped() {
    let src = Source::new();
    let keyring = src.path("key.gpg");
    let served = Served::start(&src.path("public"));
    let full = tempfile::tempdir().unwrap();
    let (code, report, err) = mirror(&served.url(), full.path(), &keyring);
    assert_eq!(code, 0, "{report:#} {err}");
    let all_bytes = count(&report, "bytes_downloaded");

    // An interrupted earlier run left half of one pool file behind.
    let (filename, sha) = src.pool().into_iter().next().unwrap();
    let bytes = std::fs::read(src.path("public").join(&filename)).unwrap();
    let half = bytes.len() / 2;
    let dest = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dest.path().join(".aptkit-mirror/partial")).unwrap();
    std::fs::write(dest.path().join(".aptkit-mirror/partial").join(&sha), &bytes[..half]).unwrap();
    let (code, report, err) = mirror(&served.url(), dest.path(), &keyring);
    assert_eq!(code, 0, "{report:#} {err}");
    assert_eq!(count(&report, "bytes_downloaded"), all_bytes - half as u64, "{report:#}");
    assert_eq!(std::fs::read(dest.path().join(&filename)).unwrap(), bytes);
}

#[test]
fn never_places_unverified_files_and_never_moves_backwards() {
    let src = Source::new();
    let keyring = src.path("key.gpg");
    let old = tempfile::tempdir().unwrap();
    copy_tree(&src.path("public"), &old.path().join("public"));

    // A pool file swapped at the source: nothing of the suite is placed.
    let tampered = tempfile::tempdir().unwrap();
    let tampered_public = tampered.path().join("public");
    copy_tree(&src.path("public"), &tampered_public);
    let (filename, _) = src.pool().into_iter().next().unwrap();
    let mut bytes = std::fs::read(tampered_public.join(&filename)).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(tampered_public.join(&filename), &bytes).unwrap();
    let dest = tempfile::tempdir().unwrap();
    let (code, report, _) = mirror(tampered_public.to_str().unwrap(), dest.path(), &keyring);
    assert_eq!(code, 1, "{report:#}");
    assert!(findings(&report).iter().any(|f| f.contains("\"hash\"") && f.contains(&filename)), "{report:#}");
    assert!(!dest.path().join(&filename).exists(), "an unverified pool file was placed");
    assert!(!dest.path().join("dists").exists(), "metadata of a failed suite was written");

    // Mirror the newer publication, then offer the older, validly signed one.
    src.republish_without("hello-data");
    let (code, report, err) = mirror(src.path("public").to_str().unwrap(), dest.path(), &keyring);
    assert_eq!(code, 0, "{report:#} {err}");
    let before = std::fs::read(dest.path().join("dists/stable/InRelease")).unwrap();
    let (code, report, _) = mirror(old.path().join("public").to_str().unwrap(), dest.path(), &keyring);
    assert_eq!(code, 1, "{report:#}");
    assert!(findings(&report).iter().any(|f| f.contains("\"rollback\"")), "{report:#}");
    assert_eq!(std::fs::read(dest.path().join("dists/stable/InRelease")).unwrap(), before, "a rollback was mirrored");

    // A destination that is not a directory: exit 2, naming it; the file is untouched.
    let not_a_dir = dest.path().join("not-a-dir");
    std::fs::write(&not_a_dir, b"keep me").unwrap();
    let (code, _, err) = mirror(src.path("public").to_str().unwrap(), &not_a_dir, &keyring);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not-a-dir"), "{err}");
    assert_eq!(std::fs::read(&not_a_dir).unwrap(), b"keep me");

    // A wrong keyring: exit 1, nothing changes.
    let other = tempfile::tempdir().unwrap();
    run_ok(aptkit().current_dir(other.path()).args(["key", "generate", "--output", "k.asc"]));
    run_ok(aptkit().current_dir(other.path()).args(["key", "export", "--key", "k.asc", "--output", "k.gpg"]));
    let (code, report, _) = mirror(src.path("public").to_str().unwrap(), dest.path(), &other.path().join("k.gpg"));
    assert_eq!(code, 1, "{report:#}");
    assert!(findings(&report).iter().any(|f| f.contains("\"signature\"")), "{report:#}");
    assert_eq!(std::fs::read(dest.path().join("dists/stable/InRelease")).unwrap(), before);
}

/// Every file and directory under `dir`, with its size and mtime.
fn snapshot(dir: &Path) -> Vec<(PathBuf, u64, std::time::SystemTime)> {
    let mut all: Vec<_> = walk(dir)
        .into_iter()
        .map(|p| {
            let meta = std::fs::metadata(&p).unwrap();
            (p, meta.len(), meta.modified().unwrap())
        })
        .collect();
    all.sort();
    all
}

fn strings(report: &serde_json::Value, field: &str) -> Vec<String> {
    let list = report[field].as_array().unwrap_or_else(|| panic!("no `{field}` in {report:#}"));
    list.iter().map(|v| v.as_str().unwrap().to_string()).collect()
}

/// `mirror --dry-run` verifies the source and lists exactly what the
/// mirror after it downloads, writes and deletes, and changes nothing.
#[test]
fn a_dry_run_lists_what_the_mirror_then_does_and_writes_nothing() {
    let src = Source::new();
    let keyring = src.path("key.gpg");
    let source = src.path("public").to_string_lossy().into_owned();
    let dest = tempfile::tempdir().unwrap();
    let mirror_dir = dest.path().join("mirror");
    let plan = |extra: &[&str]| {
        let before = snapshot(dest.path());
        let (code, plan, err) = mirror_with(&source, &mirror_dir, &keyring, &[extra, &["--dry-run"]].concat());
        assert_eq!(code, 0, "{plan:#} {err}");
        assert_eq!(snapshot(dest.path()), before, "a dry run changed the destination: {plan:#}");
        plan
    };

    // Into nothing: every pool file, every index and Release file.
    let first = plan(&[]);
    assert!(!mirror_dir.exists(), "a dry run made the destination");
    assert_eq!(strings(&first, "suites_to_mirror"), ["stable"], "{first:#}");
    let pool: Vec<String> = src.pool().into_iter().map(|(file, _)| file).collect();
    let mut sorted_pool = pool.clone();
    sorted_pool.sort();
    assert_eq!(strings(&first, "pool_files_to_download"), sorted_pool, "{first:#}");
    let writes = strings(&first, "metadata_files_to_write");
    assert_eq!(writes.last().map(String::as_str), Some("dists/stable/InRelease"), "InRelease last: {writes:?}");
    assert!(writes.contains(&"dists/stable/main/binary-amd64/Packages.xz".to_string()), "{writes:?}");
    let (code, report, err) = mirror(&source, &mirror_dir, &keyring);
    assert_eq!(code, 0, "{report:#} {err}");
    assert_eq!(count(&report, "pool_files_downloaded"), sorted_pool.len() as u64, "{report:#}");
    assert_eq!(count(&report, "metadata_files_written"), writes.len() as u64, "{report:#}");
    let pool_bytes: u64 = pool.iter().map(|f| std::fs::metadata(mirror_dir.join(f)).unwrap().len()).sum();
    assert_eq!(count(&first, "pool_bytes_to_download"), pool_bytes, "{first:#}");

    // In step: nothing to do.
    let again = plan(&["--delete"]);
    for field in
        ["pool_files_to_download", "metadata_files_to_write", "metadata_files_to_remove", "pool_files_to_delete"]
    {
        assert!(strings(&again, field).is_empty(), "{field}: {again:#}");
    }
    assert_eq!(count(&again, "pool_files_kept"), sorted_pool.len() as u64, "{again:#}");

    // A second suite, `testing`, the same packages, mirrored too: a suite
    // of the destination that the next runs (`--suite stable`) leave alone.
    run_ok(aptkit().current_dir(src.dir.path()).args([
        "publish",
        "repo",
        "main",
        "-d",
        "testing",
        "--key",
        "key.asc",
        "--skip-dependency-check",
    ]));
    let (code, report, err) = mirror_with(&source, &mirror_dir, &keyring, &["--suite", "testing"]);
    assert_eq!(code, 0, "{report:#} {err}");

    // The source moved on without hello-data, and a pool file here was
    // damaged: the damaged one is downloaded again and the changed indices
    // are written; hello-data's .deb stays, as `testing` here lists it.
    src.republish_without("hello-data");
    let damaged = pool.iter().find(|f| f.contains("/hello_")).unwrap().clone();
    let mut bytes = std::fs::read(mirror_dir.join(&damaged)).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(mirror_dir.join(&damaged), bytes).unwrap();
    let moved = plan(&["--delete"]);
    assert_eq!(strings(&moved, "pool_files_to_download"), [damaged], "{moved:#}");
    assert!(strings(&moved, "pool_files_to_delete").is_empty(), "testing lists them all: {moved:#}");
    let writes = strings(&moved, "metadata_files_to_write");
    assert!(writes.contains(&"dists/stable/InRelease".to_string()), "{writes:?}");
    assert!(writes.iter().all(|w| w.starts_with("dists/stable/")), "{writes:?}");
    let (code, report, err) = mirror_with(&source, &mirror_dir, &keyring, &["--delete"]);
    assert_eq!(code, 0, "{report:#} {err}");
    assert_eq!(count(&report, "pool_files_downloaded"), 1, "{report:#}");
    assert!(strings(&report, "pool_files_deleted").is_empty(), "{report:#}");
    assert_eq!(count(&report, "metadata_files_written"), writes.len() as u64, "{report:#}");

    // An index of `stable` that the source does not list (left by an
    // earlier run for another architecture) still keeps what it lists: the
    // mirror neither writes nor removes it, and its prune reads it.
    let stale = mirror_dir.join("dists/stable/main/binary-i386/Packages");
    std::fs::create_dir_all(stale.parent().unwrap()).unwrap();
    std::fs::copy(mirror_dir.join("dists/testing/main/binary-amd64/Packages"), &stale).unwrap();
    std::fs::remove_dir_all(mirror_dir.join("dists/testing")).unwrap();
    let kept = plan(&["--delete"]);
    assert!(strings(&kept, "pool_files_to_delete").is_empty(), "the stale index lists them: {kept:#}");
    let (code, report, err) = mirror_with(&source, &mirror_dir, &keyring, &["--delete"]);
    assert_eq!(code, 0, "{report:#} {err}");
    assert!(strings(&report, "pool_files_deleted").is_empty(), "{report:#}");

    // With no index listing it, hello-data's .deb is what --delete would
    // remove, and does.
    std::fs::remove_dir_all(stale.parent().unwrap()).unwrap();
    let orphaned = plan(&["--delete"]);
    let deletes = strings(&orphaned, "pool_files_to_delete");
    assert!(deletes.len() == 1 && deletes[0].contains("/hello-data_"), "{orphaned:#}");
    let (code, report, err) = mirror_with(&source, &mirror_dir, &keyring, &["--delete"]);
    assert_eq!(code, 0, "{report:#} {err}");
    assert_eq!(strings(&report, "pool_files_deleted"), deletes, "{report:#}");
    run_ok(aptkit().arg("verify").arg(&mirror_dir).arg("--keyring").arg(&keyring).arg("--deep"));
}
