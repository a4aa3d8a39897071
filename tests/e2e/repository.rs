//! Repositories end to end through the CLI: package the example, add it to
//! a repo, snapshot, publish, serve over HTTP, and use it with a real
//! apt-get; signatures checked with gpgv and sqv; Packages stanzas compared
//! with apt-ftparchive's.

use std::path::PathBuf;
use std::process::Command;

use aptkit_tests::*;

/// A workspace with its own state and publish stores.
struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    fn new() -> Self {
        let ws = Workspace { dir: tempfile::tempdir().unwrap() };
        run_ok(ws.aptkit().args(["key", "generate", "--output"]).arg(ws.path("key.asc")));
        run_ok(
            ws.aptkit()
                .args(["key", "export", "--key"])
                .arg(ws.path("key.asc"))
                .arg("--output")
                .arg(ws.path("key.gpg")),
        );
        ws
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn aptkit(&self) -> Command {
        let mut cmd = aptkit();
        cmd.current_dir(self.dir.path());
        cmd
    }

    fn ok(&self, args: &[&str]) -> String {
        stdout(&run_ok(self.aptkit().args(args)))
    }

    /// Everything in the state and publish stores, with contents.
    fn snapshot_of_stores(&self) -> Vec<(String, Vec<u8>)> {
        let mut out = Vec::new();
        for root in [".aptkit", "public"] {
            let base = self.path(root);
            if !base.exists() {
                continue;
            }
            let mut stack = vec![base.clone()];
            while let Some(dir) = stack.pop() {
                for entry in std::fs::read_dir(&dir).unwrap() {
                    let p = entry.unwrap().path();
                    if p.is_dir() {
                        stack.push(p);
                    } else if !p.file_name().unwrap().to_string_lossy().starts_with(".aptkit-lock") {
                        out.push((
                            p.strip_prefix(self.dir.path()).unwrap().display().to_string(),
                            std::fs::read(&p).unwrap(),
                        ));
                    }
                }
            }
        }
        out.sort();
        out
    }
}

/// The test's view of an apt client: every step must succeed.
struct Apt(AptClient);

impl Apt {
    fn new(source_line: &str) -> Self {
        Apt(AptClient::new(source_line, true))
    }

    fn update(&self) {
        let (ok, log) = self.0.update();
        assert!(ok, "apt-get update complained:\n{log}");
    }

    fn candidate(&self, package: &str) -> String {
        self.0.candidate(package).unwrap_or_default()
    }

    fn download(&self, package: &str) -> Vec<String> {
        let (ok, log) = self.0.download(package);
        assert!(ok, "{log}");
        self.0.downloaded()
    }
}

/// This machine's own Debian indices (apt-get update fetched them): the
/// base the example's dependencies on libc6 are satisfied from.
fn host_base_indices() -> Vec<String> {
    let mut found: Vec<String> = std::fs::read_dir("/var/lib/apt/lists")
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path().display().to_string()).collect())
        .unwrap_or_default();
    found.retain(|p| {
        let base = p.trim_end_matches(".lz4").trim_end_matches(".gz").trim_end_matches(".xz");
        base.ends_with("_binary-amd64_Packages") && p.contains("_main_")
    });
    assert!(!found.is_empty(), "no Debian index in /var/lib/apt/lists: run scripts/install-test-tools.sh");
    found.into_iter().flat_map(|p| ["--base-index".to_string(), p]).collect()
}

fn example_debs(version: Option<&str>) -> (tempfile::TempDir, Vec<PathBuf>) {
    match version {
        None => package(compiled_example(), &[]),
        Some(v) => package(compiled_example(), &["--version", v]),
    }
}

#[test]
fn publish_serve_and_use_with_apt_get_then_upgrade_and_switch_back() {
    let ws = Workspace::new();
    let (_d1, v1) = example_debs(None);
    let (_d2, v2) = example_debs(Some("1.1-1"));
    ws.ok(&["repo", "create", "main"]);
    let added = ws.ok(&["repo", "add", "main", v1[0].parent().unwrap().to_str().unwrap()]);
    assert_eq!(added.lines().filter(|l| l.starts_with("added ")).count(), 4, "{added}");
    ws.ok(&["snapshot", "create", "s1", "from", "repo", "main"]);
    let base = host_base_indices();
    let with_base =
        |args: &[&str]| -> Vec<String> { args.iter().map(|a| a.to_string()).chain(base.iter().cloned()).collect() };
    // Without the distribution's index, libc6 is unsatisfiable: refused.
    let refused = ws
        .aptkit()
        .args(["publish", "snapshot", "s1", "--distribution", "stable", "--key", "key.asc"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(stderr(&refused).contains("libc6 (>= 2.34)"), "{}", stderr(&refused));
    assert!(!ws.path("public/dists").exists(), "a refused publish wrote files");
    let published = stdout(&run_ok(ws.aptkit().args(with_base(&[
        "publish",
        "snapshot",
        "s1",
        "--distribution",
        "stable",
        "--key",
        "key.asc",
    ]))));
    assert!(published.contains("deb [signed-by="), "{published}");

    // Both verifiers apt uses accept what was published.
    let dists = ws.path("public/dists/stable");
    run_ok(Command::new("gpgv").arg("--keyring").arg(ws.path("key.gpg")).arg(dists.join("InRelease")));
    run_ok(
        Command::new("gpgv")
            .arg("--keyring")
            .arg(ws.path("key.gpg"))
            .arg(dists.join("Release.gpg"))
            .arg(dists.join("Release")),
    );
    require_tool("sqv");
    run_ok(
        Command::new("sqv")
            .arg("--keyring")
            .arg(ws.path("key.gpg"))
            .arg(dists.join("Release.gpg"))
            .arg(dists.join("Release")),
    );

    // A web server running as another user must be able to read everything.
    for entry in walk(&ws.path("public")) {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&entry).unwrap().permissions().mode();
        assert_eq!(mode & 0o004, 0o004, "{} is not world-readable ({mode:o})", entry.display());
    }

    let server = Served::start(&ws.path("public"));
    let apt = Apt::new(&format!(
        "deb [signed-by={}] http://127.0.0.1:{} stable main",
        ws.path("key.gpg").display(),
        server.port
    ));
    apt.update();
    assert_eq!(apt.candidate("hello"), "1.0-1");
    assert_eq!(
        apt.download("hello"),
        ["hello-data_1.0-1_all.deb", "hello_1.0-1_amd64.deb", "libgreet1_1.0-1_amd64.deb"]
    );

    // A newer snapshot: apt sees the upgrade.
    ws.ok(&["repo", "add", "main", v2[0].parent().unwrap().to_str().unwrap()]);
    ws.ok(&["snapshot", "create", "s2", "from", "repo", "main"]);
    run_ok(ws.aptkit().args(with_base(&["publish", "switch", "stable", "s2", "--key", "key.asc"])));
    apt.update();
    assert_eq!(apt.candidate("hello"), "1.1-1");
    assert!(apt.download("hello").contains(&"hello_1.1-1_amd64.deb".to_string()));

    // And back: the old snapshot again, under a newer Date.
    run_ok(ws.aptkit().args(with_base(&["publish", "switch", "stable", "s1", "--key", "key.asc"])));
    let check = ws.aptkit().args(["check", "stable"]).output().unwrap();
    assert_eq!(check.status.code(), Some(1), "check without the base index finds libc6 missing");
    assert!(stdout(&check).contains("libc6"), "{}", stdout(&check));
    run_ok(ws.aptkit().args(with_base(&["check", "stable"])));
    apt.update();
    assert_eq!(apt.candidate("hello"), "1.0-1");

    let list = ws.ok(&["publish", "list", "--json"]);
    assert!(list.contains("\"snapshot\"") && list.contains("\"s1\""), "{list}");
    // Three publishes, two of them with indices the suite had before: no
    // name but apt's (a temporary file or lock) is left in the public tree.
    let strays: Vec<_> = walk(&ws.path("public"))
        .into_iter()
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .collect();
    assert!(strays.is_empty(), "files left in the public tree: {strays:?}");
}

#[test]
fn packages_stanzas_equal_apt_ftparchives() {
    require_tool("apt-ftparchive");
    let ws = Workspace::new();
    let (_d, debs) = example_debs(None);
    ws.ok(&["repo", "create", "main"]);
    ws.ok(&["repo", "add", "main", debs[0].parent().unwrap().to_str().unwrap()]);
    ws.ok(&["publish", "repo", "main", "-d", "stable", "--key", "key.asc", "--skip-dependency-check", "--contents"]);
    let ours = std::fs::read_to_string(ws.path("public/dists/stable/main/binary-amd64/Packages")).unwrap();

    // Contents-amd64.gz: every file and link of the four packages, listed in Release.
    let gz = run_ok(Command::new("gzip").arg("-dc").arg(ws.path("public/dists/stable/main/Contents-amd64.gz")));
    let contents = stdout(&gz);
    for (path, owner) in [
        ("usr/bin/hello", "misc/hello"),
        ("usr/bin/hi", "misc/hello"),
        ("usr/share/hello-data/greeting.txt", "misc/hello-data"),
        ("usr/include/greet.h", "libdevel/libgreet-dev"),
    ] {
        assert!(
            contents.lines().any(|l| l.starts_with(path) && l.trim_end().ends_with(owner)),
            "`{path}` of {owner} missing from Contents:\n{contents}"
        );
    }
    assert!(!contents.lines().any(|l| l.starts_with("usr/bin ") || l.starts_with("./")), "{contents}");
    let release = std::fs::read_to_string(ws.path("public/dists/stable/Release")).unwrap();
    assert!(release.contains(" main/Contents-amd64.gz"), "{release}");
    let out = run_ok(
        Command::new("apt-ftparchive")
            .args(["-o", "APT::FTPArchive::SHA1=false", "-o", "APT::FTPArchive::SHA512=false", "packages", "pool"])
            .current_dir(ws.path("public")),
    );
    let theirs = stdout(&out);
    let by_package = |text: &str| -> std::collections::BTreeMap<String, Vec<(String, String)>> {
        text.split("\n\n")
            .filter(|s| !s.trim().is_empty())
            .map(|s| {
                let fields: Vec<(String, String)> =
                    control_fields(s).into_iter().filter(|(k, _)| k != "Filename").collect();
                let name = fields.iter().find(|(k, _)| k == "Package").unwrap().1.clone();
                (name, fields)
            })
            .collect()
    };
    let (ours, theirs) = (by_package(&ours), by_package(&theirs));
    assert_eq!(ours.len(), 4);
    assert_eq!(ours, theirs, "Packages stanzas differ from apt-ftparchive's");
}

#[test]
fn bad_input_is_refused_and_changes_nothing() {
    let ws = Workspace::new();
    let (_d, debs) = example_debs(None);
    ws.ok(&["repo", "create", "main"]);
    ws.ok(&["repo", "add", "main", debs[0].to_str().unwrap()]);
    ws.ok(&["snapshot", "create", "s1", "from", "repo", "main"]);
    ws.ok(&["publish", "snapshot", "s1", "-d", "stable", "--architectures", "amd64", "--key", "key.asc"]);
    let before = ws.snapshot_of_stores();

    // A different file under an existing name_version_arch.
    let (_d2, rebuilt) = package(compiled_example(), &["--source-date-epoch", "1700000000"]);
    let other = rebuilt.iter().find(|d| d.file_name() == debs[0].file_name()).unwrap();
    let other_too = rebuilt.iter().find(|d| d.file_name() == debs[1].file_name()).unwrap();
    // A corrupt .deb.
    let corrupt = ws.path("corrupt_1.0_all.deb");
    std::fs::write(&corrupt, b"!<arch>\nnot really").unwrap();
    let wrong_key = ws.path("public-only.gpg");
    std::fs::copy(ws.path("key.gpg"), &wrong_key).unwrap();

    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec!["repo".into(), "add".into(), "main".into(), other.display().to_string()],
            "differs from the one already in repo `main`",
        ),
        // Two different files under one name_version_arch in one add.
        (
            vec![
                "repo".into(),
                "add".into(),
                "main".into(),
                debs[1].display().to_string(),
                other_too.display().to_string(),
            ],
            "are both given and differ",
        ),
        (
            vec!["repo".into(), "add".into(), "nosuchrepo".into(), debs[0].display().to_string()],
            "repo `nosuchrepo` does not exist",
        ),
        (vec!["repo".into(), "add".into(), "main".into(), corrupt.display().to_string()], "corrupt_1.0_all.deb"),
        (
            vec!["snapshot".into(), "create".into(), "s2".into(), "from".into(), "repo".into(), "nosuchrepo".into()],
            "nosuchrepo",
        ),
        (
            vec!["snapshot".into(), "create".into(), "s1".into(), "from".into(), "repo".into(), "main".into()],
            "snapshot `s1` already exists",
        ),
        (
            vec![
                "publish".into(),
                "switch".into(),
                "stable".into(),
                "nosuchsnap".into(),
                "--key".into(),
                "key.asc".into(),
            ],
            "nosuchsnap",
        ),
        (
            vec![
                "publish".into(),
                "snapshot".into(),
                "s1".into(),
                "-d".into(),
                "other".into(),
                "--key".into(),
                "missing.asc".into(),
            ],
            "missing.asc",
        ),
        (
            vec![
                "publish".into(),
                "snapshot".into(),
                "s1".into(),
                "-d".into(),
                "other".into(),
                "--key".into(),
                wrong_key.display().to_string(),
            ],
            "no secret signing key",
        ),
        (vec!["publish".into(), "snapshot".into(), "s1".into(), "-d".into(), "other".into()], "no signing key"),
        (
            vec![
                "publish".into(),
                "snapshot".into(),
                "s1".into(),
                "-d".into(),
                "stable".into(),
                "--key".into(),
                "key.asc".into(),
            ],
            "already published",
        ),
        (vec!["repo".into(), "drop".into(), "nosuchrepo".into()], "nosuchrepo"),
        // A malformed query, and one that matches nothing, remove nothing.
        (vec!["repo".into(), "remove".into(), "main".into(), "hello (<<".into()], "hello (<<"),
        (
            vec![
                "repo".into(),
                "remove".into(),
                "main".into(),
                debs[0].file_stem().unwrap().to_string_lossy().into_owned(),
                "nomatch*".into(),
            ],
            "no package matching `nomatch*`",
        ),
        (vec!["publish".into(), "drop".into(), "nosuchdist".into()], "nosuchdist"),
    ];
    // A distribution is one word of an apt sources line: `bad dist` would
    // read as suite `bad` with components `dist main`.
    let mut cases = cases;
    for bad in ["bad dist", "tab\tx", "a:b", "über", "stable/updates", "..", ".hidden"] {
        let publish = ["publish", "snapshot", "s1", "-d", bad, "--key", "key.asc", "--skip-dependency-check"];
        cases.push((publish.iter().map(|a| a.to_string()).collect(), "invalid distribution name"));
    }
    for (args, expected) in cases {
        let res = ws.aptkit().args(&args).env_remove("APTKIT_SIGNING_KEY").output().unwrap();
        let err = stderr(&res);
        assert_eq!(res.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(expected), "{args:?}: expected `{expected}` in:\n{err}");
        assert!(ws.snapshot_of_stores() == before, "{args:?} changed the stores");
    }
}

#[test]
fn adding_the_identical_file_again_is_a_no_op() {
    let ws = Workspace::new();
    let (_d, debs) = example_debs(None);
    ws.ok(&["repo", "create", "main"]);
    ws.ok(&["repo", "add", "main", debs[0].to_str().unwrap()]);
    let refs = std::fs::read(ws.path(".aptkit/refs.json")).unwrap();
    let again = ws.ok(&["repo", "add", "main", debs[0].to_str().unwrap()]);
    assert!(again.starts_with("unchanged "), "{again}");
    let refs_after = std::fs::read(ws.path(".aptkit/refs.json")).unwrap();
    let set = |r: &[u8]| String::from_utf8_lossy(r).lines().find(|l| l.contains("\"set\"")).map(str::to_string);
    assert_eq!(set(&refs), set(&refs_after));
    let show = ws.ok(&["repo", "show", "main", "--json"]);
    assert!(show.contains("\"package\": \"hello-data\""), "{show}");
}

#[test]
fn remove_files_takes_the_debs_in_without_copying_them() {
    use std::os::unix::fs::MetadataExt;
    let ws = Workspace::new();
    let (_d, debs) = example_debs(None);
    let inodes: Vec<u64> = debs.iter().map(|d| std::fs::metadata(d).unwrap().ino()).collect();
    ws.ok(&["repo", "create", "main"]);
    let out = ws.ok(&["repo", "add", "main", debs[0].parent().unwrap().to_str().unwrap(), "--remove-files", "--json"]);
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["added"].as_array().unwrap().len(), debs.len(), "{out}");
    assert_eq!(report["not_removed"], serde_json::json!([]), "{out}");
    assert!(debs.iter().all(|d| !d.exists()), "the inputs are removed");
    // The state store holds the very same files (linked, not copied).
    let stored: Vec<u64> = walk(&ws.path(".aptkit/pool")).iter().map(|p| std::fs::metadata(p).unwrap().ino()).collect();
    for ino in inodes {
        assert!(stored.contains(&ino), "inode {ino} is not in the state pool: {stored:?}");
    }
}

#[test]
fn snapshots_diff_merge_filter_search_retention_and_gc() {
    let ws = Workspace::new();
    let (_d1, v1) = example_debs(None);
    let (_d2, v2) = example_debs(Some("1.1-1"));
    let (_d3, v3) = example_debs(Some("1.2-1"));
    ws.ok(&["repo", "create", "nightly", "--keep-versions", "2"]);
    ws.ok(&["repo", "add", "nightly", v1[0].parent().unwrap().to_str().unwrap()]);
    ws.ok(&["snapshot", "create", "n1", "from", "repo", "nightly"]);
    ws.ok(&["repo", "add", "nightly", v2[0].parent().unwrap().to_str().unwrap()]);
    let third = ws.ok(&["repo", "add", "nightly", v3[0].parent().unwrap().to_str().unwrap()]);
    assert_eq!(third.lines().filter(|l| l.starts_with("retired ") && l.contains("_1.0-1_")).count(), 4, "{third}");
    let show = ws.ok(&["repo", "show", "nightly"]);
    assert_eq!(show.lines().count(), 8, "two versions of four packages:\n{show}");
    ws.ok(&["snapshot", "create", "n3", "from", "repo", "nightly"]);

    let search = ws.ok(&["repo", "search", "nightly", "hello (>= 1.2)"]);
    assert_eq!(search.trim(), "hello_1.2-1_amd64");
    let none = ws.aptkit().args(["repo", "search", "nightly", "nothing*"]).output().unwrap();
    assert_eq!(none.status.code(), Some(1), "a search that finds nothing exits 1");
    assert!(stderr(&none).contains("no package in repo `nightly` matches `nothing*`"), "{}", stderr(&none));
    // repo remove takes the same queries (as aptly's does), or exact names.
    let removed = ws.ok(&["repo", "remove", "nightly", "libgreet*", "hello (<< 1.2)"]);
    assert_eq!(removed.lines().count(), 5, "two versions of two libraries and hello 1.1:\n{removed}");
    let left = ws.ok(&["repo", "show", "nightly"]);
    assert_eq!(
        left.lines().collect::<Vec<_>>(),
        ["hello-data_1.1-1_all", "hello-data_1.2-1_all", "hello_1.2-1_amd64"],
        "{left}"
    );

    let diff = ws.ok(&["snapshot", "diff", "n1", "n3"]);
    assert!(diff.contains("~ hello_amd64 1.0-1 -> 1.1-1,1.2-1"), "{diff}");
    let same = run_ok(ws.aptkit().args(["snapshot", "diff", "n1", "n1"]));
    assert!(stdout(&same).is_empty() && stderr(&same).contains("`n1` and `n1` are identical"), "{}", stderr(&same));
    ws.ok(&["snapshot", "merge", "m", "n1", "n3", "--latest"]);
    let merged = ws.ok(&["snapshot", "show", "m"]);
    assert!(merged.contains("hello_1.2-1_amd64") && !merged.contains("hello_1.0-1_amd64"), "{merged}");
    ws.ok(&["snapshot", "filter", "n3", "libs", "lib*"]);
    let libs = ws.ok(&["snapshot", "show", "libs", "--json"]);
    assert!(libs.contains("libgreet1") && !libs.contains("\"hello\""), "{libs}");
    // An unknown source or a name taken is refused by name, and nothing is
    // written: no snapshot, no set.
    let before = ws.snapshot_of_stores();
    for (args, named) in [
        (&["snapshot", "merge", "m2", "n1", "nope"][..], "nope"),
        (&["snapshot", "filter", "nope", "f", "lib*"][..], "nope"),
        (&["snapshot", "merge", "libs", "n1", "n3"][..], "libs"),
        (&["snapshot", "filter", "n3", "m", "lib*"][..], "`m`"),
    ] {
        let out = ws.aptkit().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(named), "{args:?}: {}", stderr(&out));
    }
    assert!(ws.snapshot_of_stores() == before, "a refused snapshot command changed the stores");

    // n1 still holds the 1.0-1 files; once it is dropped, gc removes them.
    let dry = ws.ok(&["gc", "--min-age", "0", "--dry-run"]);
    assert!(!dry.contains(".deb"), "nothing unreferenced yet, but:\n{dry}");
    ws.ok(&["snapshot", "drop", "n1"]);
    ws.ok(&["snapshot", "drop", "m"]);
    let gc = ws.ok(&["gc", "--min-age", "0", "--json"]);
    assert_eq!(gc.matches(".deb\"").count(), 4, "the four 1.0-1 packages:\n{gc}");
    let young = ws.ok(&["gc", "--dry-run"]);
    assert!(!young.contains("would delete state"), "{young}");
    // Everything still referenced is intact.
    ws.ok(&["publish", "snapshot", "n3", "-d", "nightly", "--key", "key.asc", "--skip-dependency-check"]);

    // What killed writes leave behind (a temporary file in dists/, a staged
    // copy of an add) goes once it is older than --min-age; a young one may
    // belong to a write still running.
    // (Ages go by ctime, which cannot be set back: the young file is made
    // two seconds after the old ones.)
    let leftovers = ["public/dists/nightly/.aptkit-tmp-killed", ".aptkit/.aptkit-staging/.tmpKilled/hello.deb"];
    let running = ws.path("public/dists/nightly/.aptkit-tmp-running");
    for rel in leftovers {
        std::fs::create_dir_all(ws.path(rel).parent().unwrap()).unwrap();
        std::fs::write(ws.path(rel), "left by a killed write").unwrap();
    }
    std::thread::sleep(std::time::Duration::from_secs(2));
    std::fs::write(&running, "being written").unwrap();
    let gc = ws.ok(&["gc", "--min-age", "2", "--json"]);
    assert!(gc.contains("dists/nightly/.aptkit-tmp-killed") && gc.contains(".aptkit-staging/.tmpKilled"), "{gc}");
    assert!(!ws.path(leftovers[0]).exists() && !ws.path(".aptkit/.aptkit-staging/.tmpKilled").exists());
    assert!(running.exists(), "a young temporary file is left alone");
    ws.ok(&["verify", "public", "--keyring", "key.gpg"]);
}

#[test]
fn bad_configuration_is_a_clear_error_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| aptkit().current_dir(dir.path()).args(args).output().unwrap();
    std::fs::write(dir.path().join("broken.toml"), "state = [not a string\n").unwrap();
    std::fs::write(dir.path().join("unknown.toml"), "stat = \"./typo\"\n").unwrap();
    for (args, expected) in [
        (vec!["--config", "broken.toml", "repo", "list"], "broken.toml"),
        (vec!["--config", "unknown.toml", "repo", "list"], "unknown.toml"),
        (vec!["--config", "missing.toml", "repo", "list"], "missing.toml"),
        // Refused before any request: no network, no credentials needed.
        (vec!["--state", "s3:///state", "repo", "create", "main"], "s3:///state"),
        (vec!["--public", "ftp://host/repo", "repo", "create", "main"], "ftp://"),
        // One place for both stores, or one inside the other: the private
        // state would be served, and gc would take each pool for the other.
        (vec!["--state", "x", "--public", "./x/", "repo", "create", "main"], "overlap"),
        (vec!["--state", "pub/state", "--public", "pub", "repo", "create", "main"], "overlap"),
        (vec!["--state", "s3://b/repo", "--public", "s3://b/repo/public", "repo", "create", "main"], "overlap"),
    ] {
        let res = run(&args);
        assert_eq!(res.status.code(), Some(2), "{args:?}: {}", stderr(&res));
        assert!(stderr(&res).contains(expected), "{args:?}: {}", stderr(&res));
    }
    let mut left = dir_names(dir.path());
    left.sort();
    assert_eq!(left, ["broken.toml", "unknown.toml"], "no store may have been created");

    // Relative paths in a config file are relative to the file, wherever
    // aptkit runs from.
    std::fs::create_dir_all(dir.path().join("project/ci")).unwrap();
    std::fs::write(dir.path().join("project/ci/aptkit.toml"), "state = \"state\"\npublic = \"../public\"\n").unwrap();
    let res = run(&["--config", "project/ci/aptkit.toml", "repo", "create", "main"]);
    assert_eq!(res.status.code(), Some(0), "{}", stderr(&res));
    assert!(dir.path().join("project/ci/state/refs.json").is_file(), "the state store is not beside the config file");
    let elsewhere = aptkit()
        .current_dir(dir.path().join("project"))
        .args(["--config", "ci/aptkit.toml", "repo", "list"])
        .output()
        .unwrap();
    assert!(stdout(&elsewhere).contains("main"), "{}", stderr(&elsewhere));
}

/// `aptkit … | grep -q` closes the pipe early: aptkit must end quietly (by
/// SIGPIPE, as other Unix tools do), not panic with a backtrace.
#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    use std::os::unix::process::ExitStatusExt;
    let state = tempfile::tempdir().unwrap();
    let mut child = aptkit()
        .arg("--state")
        .arg(state.path())
        .args(["repo", "list", "--json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert!(out.status.success() || out.status.signal() == Some(libc::SIGPIPE), "{:?}: {err}", out.status);
}

/// Put every package of the example in repo `main`; the command that
/// publishes it as `stable` (signed, no dependency check).
fn publish_example_as_stable(ws: &Workspace) -> [&'static str; 8] {
    let (_d, debs) = example_debs(None);
    ws.ok(&["repo", "create", "main"]);
    ws.ok(&["repo", "add", "main", debs[0].parent().unwrap().to_str().unwrap()]);
    ["publish", "repo", "main", "-d", "stable", "--key", "key.asc", "--skip-dependency-check"]
}

/// A publish killed part-way (Ctrl-C, a cancelled CI job) leaves its claim
/// on the suite behind; the next publish on this machine sees that the
/// claimant is gone and goes ahead at once, instead of refusing the suite
/// until the claim expires. The kill comes while the publish holds the
/// claim and waits for the clock (the last Release is dated ahead).
#[test]
fn a_publish_killed_part_way_does_not_block_the_next() {
    use std::io::BufRead;
    let ws = Workspace::new();
    ws.ok(&publish_example_as_stable(&ws));
    // InRelease: where a publish reads the suite's last Date.
    let release = ws.path("public/dists/stable/InRelease");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let ahead = stdout(&run_ok(Command::new("date").args([
        "-u",
        "-d",
        &format!("@{}", now + 7),
        "+%a, %d %b %Y %H:%M:%S UTC",
    ])));
    let text = std::fs::read_to_string(&release).unwrap();
    let forged: String = text
        .lines()
        .map(|l| if l.starts_with("Date:") { format!("Date: {}\n", ahead.trim()) } else { format!("{l}\n") })
        .collect();
    std::fs::remove_file(&release).unwrap();
    std::fs::write(&release, forged).unwrap();

    let update = ["publish", "update", "stable", "--key", "key.asc", "--skip-dependency-check"];
    let mut first = ws.aptkit().args(update).stderr(std::process::Stdio::piped()).spawn().unwrap();
    let mut lines = std::io::BufReader::new(first.stderr.take().unwrap()).lines();
    let mut seen = String::new();
    while !seen.contains("note: waiting") {
        match lines.next() {
            Some(line) => seen += &(line.unwrap() + "\n"),
            None => panic!("the publish ended before it waited for the clock:\n{seen}"),
        }
    }
    first.kill().unwrap();
    first.wait().unwrap();
    let refs = std::fs::read_to_string(ws.path(".aptkit/refs.json")).unwrap();
    assert!(refs.contains("\"claims\""), "the killed publish holds its claim:\n{refs}");

    let second = run_ok(ws.aptkit().args(update));
    assert!(stderr(&second).contains("which is gone"), "{}", stderr(&second));
    let refs = std::fs::read_to_string(ws.path(".aptkit/refs.json")).unwrap();
    assert!(!refs.contains("\"claims\""), "{refs}");
    run_ok(ws.aptkit().args(["verify", "public", "--keyring", "key.gpg"]));
}

/// The state a `publish drop` leaves when it fails part-way (its record
/// moved aside, InRelease already deleted): `publish list` says so, the
/// suite cannot be published meanwhile, and the same drop finishes it.
#[test]
fn an_interrupted_drop_is_listed_and_finished_by_running_it_again() {
    let ws = Workspace::new();
    let publish = publish_example_as_stable(&ws);
    ws.ok(&publish);
    let refs_path = ws.path(".aptkit/refs.json");
    let mut refs: serde_json::Value = serde_json::from_slice(&std::fs::read(&refs_path).unwrap()).unwrap();
    let publication = refs["publications"].as_array_mut().unwrap().remove(0);
    refs["dropping"] = serde_json::json!([publication]);
    std::fs::write(&refs_path, serde_json::to_vec_pretty(&refs).unwrap()).unwrap();
    std::fs::remove_file(ws.path("public/dists/stable/InRelease")).unwrap();

    assert!(ws.ok(&["publish", "list"]).contains("stable  (an interrupted drop"), "{}", ws.ok(&["publish", "list"]));
    let listed: serde_json::Value = serde_json::from_str(&ws.ok(&["publish", "list", "--json"])).unwrap();
    assert_eq!(listed[0]["distribution"], "stable");
    assert_eq!(listed[0]["dropping"], true);
    let refused = ws.aptkit().args(publish).output().unwrap();
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(stderr(&refused).contains("is being dropped"), "{}", stderr(&refused));

    ws.ok(&["publish", "drop", "stable"]);
    assert!(walk(&ws.path("public/dists")).is_empty(), "{:?}", walk(&ws.path("public/dists")));
    assert_eq!(ws.ok(&["publish", "list", "--json"]).trim(), "[]");
    ws.ok(&publish);
}

/// `aptkit serve` as HTTP clients use it: curl resumes a half-downloaded
/// .deb with a Range and ends with the whole file; a byte range, a range
/// past the end (416), a HEAD, a range for another version of the file
/// (If-Range: the whole file instead); and apt revalidates an unchanged
/// InRelease with If-Modified-Since, gets a 304 and says "Hit:".
#[test]
fn serve_answers_ranges_and_revalidation_as_http_clients_expect() {
    require_tool("curl");
    let ws = Workspace::new();
    ws.ok(&publish_example_as_stable(&ws));
    // A file written in the current second gets no Last-Modified (it could
    // still change within that second): make the publication a minute old.
    let a_minute_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
    for file in walk(&ws.path("public")) {
        std::fs::File::open(&file).unwrap().set_modified(a_minute_ago).unwrap();
    }
    let server = Served::start(&ws.path("public"));
    let deb = walk(&ws.path("public/pool")).into_iter().max_by_key(|p| std::fs::metadata(p).unwrap().len()).unwrap();
    let url = format!("{}/{}", server.url(), deb.strip_prefix(ws.path("public")).unwrap().display());
    let whole = std::fs::read(&deb).unwrap();
    let len = whole.len();
    // curl's status code for `args`, the body written to `out`.
    let curl = |args: &[&str], out: &std::path::Path| -> String {
        stdout(&run_ok(Command::new("curl").args(["-sS", "-w", "%{http_code}", "-o"]).arg(out).args(args).arg(&url)))
    };

    let partial = ws.path("partial.deb");
    std::fs::write(&partial, &whole[..len / 2]).unwrap();
    assert_eq!(curl(&["-C", "-"], &partial), "206");
    assert!(std::fs::read(&partial).unwrap() == whole, "the resumed download differs from the file");

    let part = ws.path("part");
    assert_eq!(curl(&["-r", "100-199"], &part), "206");
    assert_eq!(std::fs::read(&part).unwrap(), &whole[100..200]);
    assert_eq!(curl(&["-r", &format!("{len}-")], &part), "416");
    assert_eq!(curl(&["-H", "If-Range: Wed, 21 Oct 2015 07:28:00 GMT", "-r", "0-9"], &part), "200");
    assert!(std::fs::read(&part).unwrap() == whole, "a range for another version must get the whole file");

    let head = stdout(&run_ok(Command::new("curl").args(["-sS", "-I"]).arg(&url))).replace('\r', "");
    assert!(head.starts_with("HTTP/1.1 200") && head.contains(&format!("Content-Length: {len}\n")), "{head}");
    assert!(head.contains("Accept-Ranges: bytes") && head.contains("Last-Modified: "), "{head}");
    // The Last-Modified it gives is answered 304; a date within the second
    // the file was written is not (a client's own clock may put its copy
    // before a second write in that second: apt sends its download time
    // when it got no Last-Modified).
    let last_modified = head.lines().find_map(|l| l.strip_prefix("Last-Modified: ")).unwrap().to_string();
    let ims = |date: &str| curl(&["-H", &format!("If-Modified-Since: {date}")], &ws.path("ims"));
    assert_eq!(ims(&last_modified), "304");
    let written = a_minute_ago.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    assert_eq!(ims(&aptkit_index::format_date(written).replace("UTC", "GMT")), "200");
    assert_eq!(ims(&aptkit_index::format_date(written + 30).replace("UTC", "GMT")), "304");

    let apt = AptClient::new(
        &format!("deb [signed-by={}] {} stable main", ws.path("key.gpg").display(), server.url()),
        false,
    );
    for (round, expected) in [(1, "Get:"), (2, "Hit:")] {
        let (ok, log) = apt.update();
        assert!(ok, "apt-get update {round}:\n{log}");
        assert!(
            log.lines().any(|l| l.starts_with(expected) && l.contains(" stable InRelease")),
            "apt-get update {round}: no `{expected}` of InRelease:\n{log}"
        );
    }
}

/// A web server reads the publish store (and a mirror) as another user:
/// whatever the umask aptkit runs under, every file there is readable by
/// all and every directory searchable. A 0600 input given to
/// `--remove-files` is copied, not linked (its mode would become the pool
/// file's).
#[test]
fn published_files_are_world_readable_whatever_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    let ws = Workspace::new();
    let strict = |args: &[&str]| {
        let mut cmd = ws.aptkit();
        cmd.args(args);
        // SAFETY: umask(2) is async-signal-safe; nothing else runs between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                libc::umask(0o077);
                Ok(())
            })
        };
        run_ok(&mut cmd);
    };
    let (_d1, v1) = example_debs(None);
    let (_d2, v2) = example_debs(Some("1.1-1"));
    std::fs::create_dir(ws.path("in")).unwrap();
    let private = ws.path("in").join(v2[0].file_name().unwrap());
    std::fs::copy(&v2[0], &private).unwrap();
    std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o600)).unwrap();
    strict(&["repo", "create", "main"]);
    strict(&["repo", "add", "main", v1[0].parent().unwrap().to_str().unwrap()]);
    strict(&["repo", "add", "main", "in", "--remove-files"]);
    assert!(!private.exists(), "--remove-files consumed the input");
    strict(&["publish", "repo", "main", "-d", "stable", "--key", "key.asc", "--skip-dependency-check"]);
    strict(&["key", "export", "--key", "key.asc", "--output", "key.gpg"]);
    strict(&["mirror", "public", "mirror", "--keyring", "key.gpg"]);
    for tree in ["public", "mirror/pool", "mirror/dists"] {
        let mut dirs = vec![ws.path(tree)];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                let mode = std::fs::metadata(&path).unwrap().permissions().mode();
                if path.is_dir() {
                    assert_eq!(mode & 0o555, 0o555, "{} is {mode:o}", path.display());
                    dirs.push(path);
                } else {
                    assert_eq!(mode & 0o444, 0o444, "{} is {mode:o}", path.display());
                }
            }
        }
    }
    assert!(walk(&ws.path("mirror/pool")).len() >= 5, "the mirror has the pool");
}
