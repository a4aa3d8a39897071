//! `aptkit release` end to end, on the embedded default (local stores,
//! `--engine none`): the example project as a git repository with a tag,
//! a nightly and a release built for two distros, routed to their suites,
//! installed by a real apt in a Debian root, checked with gpgv and sqv;
//! a second run does nothing; retention keeps seven nightlies; promotion
//! copies the very files; a release SIGKILLed mid-build and between two
//! publishes resumes to what an uninterrupted run makes, compiling nothing
//! twice; and bad input is refused by name with nothing published.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use aptkit_tests::AptClient;
use aptkit_tests::{aptkit, chroot, copy_tree, repo_root, require_tool, rootfs, run_ok, stderr, stdout, test_image};

pub(crate) const NIGHTLY: &str = "2026.12.02";
pub(crate) const RELEASE: &str = "1.3.0";

fn git(dir: &Path, args: &[&str]) -> String {
    let out = run_ok(
        Command::new("git")
            .args(["-c", "user.name=T", "-c", "user.email=t@example.invalid", "-c", "init.defaultBranch=main"])
            .args(args)
            // Fixed dates: two projects made alike have the same commits,
            // so their releases build the same bytes.
            .env("GIT_AUTHOR_DATE", "2026-12-01T12:00:00Z")
            .env("GIT_COMMITTER_DATE", "2026-12-01T12:00:00Z")
            .current_dir(dir),
    );
    stdout(&out).trim().to_string()
}

/// The example project as a git repository (tag v1.3.0), with the distros
/// `ids` only, the throwaway key of keys-example/, and stores of its own.
/// (Also the fixture of release_fanout.rs.)
pub(crate) struct Project {
    dir: tempfile::TempDir,
    engine: &'static str,
}

impl Project {
    pub(crate) fn new(ids: &[&str]) -> Project {
        let p = Project { dir: tempfile::tempdir().unwrap(), engine: "none" };
        let hello = p.path("hello");
        copy_tree(&repo_root().join("testdata/hello"), &hello);
        for entry in fs::read_dir(hello.join("distros")).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            if entry.path().is_dir() && !ids.contains(&name.as_str()) {
                fs::remove_dir_all(entry.path()).unwrap();
            }
        }
        p.commit("the example");
        git(&hello, &["tag", "-a", "-m", "release", &format!("v{RELEASE}")]);
        p
    }

    fn commit(&self, message: &str) {
        let hello = self.path("hello");
        if !hello.join(".git").exists() {
            git(&hello, &["init", "-q"]);
        }
        git(&hello, &["add", "-A"]);
        git(&hello, &["commit", "-q", "--allow-empty", "-m", message]);
    }

    pub(crate) fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// `aptkit release ARGS` on this project's stores, compiled on the host.
    pub(crate) fn release(&self, args: &[&str]) -> Command {
        self.release_on(&["--state", "state", "--public", "public"], args)
    }

    /// `aptkit STORES release ARGS`: the stores given (`--state s3://…`).
    pub(crate) fn release_on(&self, stores: &[&str], args: &[&str]) -> Command {
        let mut cmd = aptkit();
        cmd.current_dir(self.dir.path())
            .args(stores)
            .arg("release")
            .args(args)
            .args(["--git", "hello", "--engine", self.engine, "--skip-dependency-check", "--quiet"])
            .args(["--out", "out", "--log-dir", "logs", "--key"])
            .arg(repo_root().join("keys-example/ed25519.asc"));
        cmd
    }

    fn release_json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = args.to_vec();
        all.push("--json");
        let out = run_ok(&mut self.release(&all));
        serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(&out)))
    }

    pub(crate) fn packages(&self, suite: &str) -> String {
        let path = self.path(&format!("public/dists/{suite}/main/binary-amd64/Packages"));
        fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// Each `Package Version` of a suite, sorted.
    fn versions(&self, suite: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut name = String::new();
        for line in self.packages(suite).lines() {
            if let Some(v) = line.strip_prefix("Package: ") {
                name = v.to_string();
            } else if let Some(v) = line.strip_prefix("Version: ") {
                out.push(format!("{name} {v}"));
            }
        }
        out.sort();
        out
    }
}

pub(crate) fn keyring() -> PathBuf {
    repo_root().join("keys-example/ed25519.gpg")
}

/// The versions of `hello` a suite holds.
fn hello_versions(project: &Project, suite: &str) -> Vec<String> {
    project.versions(suite).into_iter().filter_map(|l| l.strip_prefix("hello ").map(str::to_string)).collect()
}

fn verify_signatures(public: &Path, suite: &str) {
    let dists = public.join("dists").join(suite);
    run_ok(Command::new("gpgv").arg("--keyring").arg(keyring()).arg(dists.join("InRelease")));
    require_tool("sqv");
    run_ok(
        Command::new("sqv").arg("--keyring").arg(keyring()).arg(dists.join("Release.gpg")).arg(dists.join("Release")),
    );
}

/// `aptkit verify` of the whole publish store.
fn verify(public: &Path) {
    run_ok(aptkit().arg("verify").arg(public).arg("--keyring").arg(keyring()));
}

/// apt-get install `hello` from `suite` of `public` in a copy of the test
/// Debian root; the version it installed.
fn apt_install(public: &Path, suite: &str) -> String {
    let work = tempfile::tempdir().unwrap();
    let root = work.path().join("root");
    copy_tree(&rootfs(), &root);
    copy_tree(public, &root.join("srv/repo"));
    fs::copy(keyring(), root.join("tmp/key.gpg")).unwrap();
    fs::write(
        root.join("etc/apt/sources.list.d/aptkit.list"),
        format!("deb [signed-by=/tmp/key.gpg] file:/srv/repo {suite} main\n"),
    )
    .unwrap();
    // Only our repository: the root has no network.
    let _ = fs::remove_file(root.join("etc/apt/sources.list"));
    chroot(&root, &["apt-get", "update", "-q"]);
    chroot(&root, &["apt-get", "install", "-y", "-q", "--no-install-recommends", "hello"]);
    let greeting = stdout(&chroot(&root, &["/usr/bin/hello"]));
    assert!(greeting.contains("Hello"), "{greeting}");
    stdout(&chroot(&root, &["dpkg-query", "-W", "-f=${Version}", "hello"])).trim().to_string()
}

pub(crate) fn statuses(report: &serde_json::Value, what: &str) -> Vec<String> {
    let mut out = Vec::new();
    for v in report["report"]["versions"].as_array().unwrap() {
        for entry in v[what].as_array().unwrap() {
            let name = entry.get("distro").or_else(|| entry.get("suite")).unwrap().as_str().unwrap();
            out.push(format!("{} {name} {}", v["version"].as_str().unwrap(), entry["status"].as_str().unwrap()));
        }
    }
    out
}

#[test]
fn a_nightly_and_a_release_for_two_distros_reach_their_suites_and_install_with_apt() {
    let project = Project::new(&["debian-12-bookworm", "ubuntu-24.04-noble"]);
    let report = project.release_json(&[NIGHTLY, RELEASE, "--jobs", "2"]);
    assert_eq!(
        statuses(&report, "builds"),
        [
            "2026.12.02 debian-12-bookworm built",
            "2026.12.02 ubuntu-24.04-noble built",
            "1.3.0 debian-12-bookworm built",
            "1.3.0 ubuntu-24.04-noble built"
        ]
    );
    // Each suite holds exactly what the default routing says.
    for (suite, version) in [
        ("bookworm-nightly", "2026.12.02-1~bookworm"),
        ("noble-nightly", "2026.12.02-1~noble"),
        ("bookworm", "1.3.0-1~bookworm"),
        ("bookworm-1.3", "1.3.0-1~bookworm"),
        ("noble", "1.3.0-1~noble"),
        ("noble-1.3", "1.3.0-1~noble"),
    ] {
        assert_eq!(hello_versions(&project, suite), [version], "{suite}");
        verify_signatures(&project.path("public"), suite);
    }
    verify(&project.path("public"));
    let page = fs::read_to_string(project.path("state/releases/2026.12.02_1.3.0/status.html")).unwrap();
    assert!(page.contains("succeeded") && page.contains("bookworm-1.3"), "{page}");

    // A real apt installs the release from the codename's suite and the
    // nightly from the nightly suite.
    assert_eq!(apt_install(&project.path("public"), "bookworm"), "1.3.0-1~bookworm");
    assert_eq!(apt_install(&project.path("public"), "bookworm-nightly"), "2026.12.02-1~bookworm");

    // The same release again: nothing compiled, nothing published.
    let inrelease = fs::read(project.path("public/dists/bookworm/InRelease")).unwrap();
    let again = project.release_json(&[NIGHTLY, RELEASE]);
    assert!(statuses(&again, "builds").iter().all(|s| s.ends_with(" reused")), "{:?}", statuses(&again, "builds"));
    assert!(
        statuses(&again, "publishes").iter().all(|s| s.ends_with(" unchanged")),
        "{:?}",
        statuses(&again, "publishes")
    );
    assert_eq!(fs::read(project.path("public/dists/bookworm/InRelease")).unwrap(), inrelease);

    // Promotion: the nightly's very files, in the release suites.
    let promoted = project.release_json(&[NIGHTLY, "--promote-from", "nightly", "--distro", "debian-12-bookworm"]);
    assert!(statuses(&promoted, "builds").is_empty(), "a promotion builds nothing");
    assert!(hello_versions(&project, "bookworm").contains(&"2026.12.02-1~bookworm".to_string()));
    assert_eq!(hello_versions(&project, "bookworm-2026.12"), ["2026.12.02-1~bookworm"]);
    let sha = |suite: &str| {
        let packages = project.packages(suite);
        let para = packages.split("\n\n").find(|p| p.contains("Package: hello\n") && p.contains("2026.12.02")).unwrap();
        para.lines().find(|l| l.starts_with("SHA256: ")).unwrap().to_string()
    };
    assert_eq!(sha("bookworm-2026.12"), sha("bookworm-nightly"));
    verify(&project.path("public"));
}

#[test]
fn a_release_compiled_in_docker_installs_from_both_suites() {
    let image = test_image();
    let mut project = Project::new(&["debian-12-bookworm"]);
    project.engine = "docker";
    fs::write(project.path("hello/distros/debian-12-bookworm/DOCKER_BASE"), format!("{image}\n")).unwrap();
    let report = project.release_json(&[NIGHTLY, RELEASE]);
    assert_eq!(statuses(&report, "builds"), ["2026.12.02 debian-12-bookworm built", "1.3.0 debian-12-bookworm built"]);
    assert_eq!(hello_versions(&project, "bookworm"), ["1.3.0-1~bookworm"]);
    assert_eq!(hello_versions(&project, "bookworm-1.3"), ["1.3.0-1~bookworm"]);
    assert_eq!(hello_versions(&project, "bookworm-nightly"), ["2026.12.02-1~bookworm"]);
    for suite in ["bookworm", "bookworm-1.3", "bookworm-nightly"] {
        verify_signatures(&project.path("public"), suite);
    }
    assert_eq!(apt_install(&project.path("public"), "bookworm"), "1.3.0-1~bookworm");
    assert_eq!(apt_install(&project.path("public"), "bookworm-nightly"), "2026.12.02-1~bookworm");
    // Built in the container: its log says so.
    let log = fs::read_to_string(project.path("logs/1.3.0/debian-12-bookworm.log")).unwrap();
    assert!(log.contains(&format!("image {image}")), "{log}");
}

#[test]
fn eight_nightlies_in_a_row_leave_seven_in_the_nightly_suite() {
    let project = Project::new(&["debian-12-bookworm"]);
    let nightlies: Vec<String> = (1..=8).map(|d| format!("2026.11.{d:02}")).collect();
    let mut args: Vec<&str> = nightlies.iter().map(String::as_str).collect();
    args.extend(["--jobs", "2"]);
    let report = project.release_json(&args);
    let kept = hello_versions(&project, "bookworm-nightly");
    let expected: Vec<String> = nightlies[1..].iter().map(|n| format!("{n}-1~bookworm")).collect();
    assert_eq!(kept, expected);
    // The last publish says what retention dropped; so does the page.
    let versions = report["report"]["versions"].as_array().unwrap();
    assert_eq!(versions[7]["publishes"][0]["dropped"], serde_json::json!(["2026.11.01"]));
    assert!(versions[..7].iter().all(|v| v["publishes"][0]["dropped"] == serde_json::json!([])));
    let page =
        fs::read_to_string(project.path(&format!("state/releases/{}/status.html", nightlies.join("_")))).unwrap();
    assert!(page.contains("2026.11.01"), "the page names the dropped nightly");
    verify(&project.path("public"));
}

/// A build script for the bookworm folder: counts compiles, and with
/// `hold` present stalls the second build of a run (to be killed there).
fn counting_build_script(project: &Project) {
    let (started, compiles, hold) = (project.path("started"), project.path("compiles"), project.path("hold"));
    let script = format!(
        "#!/bin/sh\nset -eu\necho x >> '{started}'\n\
         if [ -e '{hold}' ] && [ \"$(wc -l < '{started}')\" -ge 2 ]; then sleep 600; fi\n\
         sh ./compile.sh\necho x >> '{compiles}'\n",
        started = started.display(),
        hold = hold.display(),
        compiles = compiles.display()
    );
    let path = project.path("hello/distros/debian-12-bookworm/build");
    fs::write(&path, script).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
}

fn lines(path: &Path) -> usize {
    fs::read_to_string(path).map(|t| t.lines().count()).unwrap_or(0)
}

/// Start a release in its own process group; wait until its stderr says
/// `marker` (or a file appears), then SIGKILL the whole group.
pub(crate) fn kill_when(mut cmd: Command, wait_for: impl Fn(&str) -> bool) -> String {
    let log = tempfile::NamedTempFile::new().unwrap();
    let mut child =
        cmd.stdout(Stdio::null()).stderr(Stdio::from(log.reopen().unwrap())).process_group(0).spawn().unwrap();
    let started = std::time::Instant::now();
    loop {
        let text = fs::read_to_string(log.path()).unwrap();
        if wait_for(&text) {
            break;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the release ended ({status}) before the kill point:\n{text}");
        }
        assert!(started.elapsed().as_secs() < 300, "no kill point after 300 s:\n{text}");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    // SAFETY: kill(2) on the child's own process group.
    unsafe { libc::kill(-(child.id() as i32), libc::SIGKILL) };
    child.wait().unwrap();
    fs::read_to_string(log.path()).unwrap()
}

#[test]
fn a_release_killed_mid_build_and_between_publishes_resumes_to_the_same_result() {
    // The uninterrupted run, for comparison.
    let reference = Project::new(&["debian-12-bookworm"]);
    counting_build_script(&reference);
    reference.commit("a build script");
    run_ok(&mut reference.release(&[NIGHTLY, RELEASE]));
    assert_eq!(lines(&reference.path("compiles")), 2);

    let project = Project::new(&["debian-12-bookworm"]);
    counting_build_script(&project);
    project.commit("a build script");
    // 1. Killed during the second build (the first is finished).
    fs::write(project.path("hold"), "").unwrap();
    let started = project.path("started");
    kill_when(project.release(&[NIGHTLY, RELEASE]), |_| lines(&started) >= 2);
    assert_eq!(lines(&project.path("compiles")), 1);
    assert!(!project.path("public/dists").exists(), "nothing is published before every build ran");
    fs::remove_file(project.path("hold")).unwrap();

    // 2. Resumed, and killed between two publishes: apt and verify read
    //    the repository meanwhile, and a second release is refused.
    let mut resumed = project.release(&[NIGHTLY, RELEASE, "--resume"]);
    resumed.env("APTKIT_TEST_PAUSE_BEFORE_STEP", "publish/1.3.0/bookworm-1.3");
    let paused = |text: &str| text.contains("paused before publish/1.3.0/bookworm-1.3");
    let mut watcher = project.release(&[NIGHTLY, RELEASE, "--resume"]);
    let log = {
        // The second release runs while the first is paused.
        let mut first = resumed;
        let log = tempfile::NamedTempFile::new().unwrap();
        let mut child =
            first.stdout(Stdio::null()).stderr(Stdio::from(log.reopen().unwrap())).process_group(0).spawn().unwrap();
        let t = std::time::Instant::now();
        while !paused(&fs::read_to_string(log.path()).unwrap()) {
            assert!(child.try_wait().unwrap().is_none(), "{}", fs::read_to_string(log.path()).unwrap());
            assert!(t.elapsed().as_secs() < 300, "{}", fs::read_to_string(log.path()).unwrap());
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        let second: Output = watcher.output().unwrap();
        assert_eq!(second.status.code(), Some(75), "{}", stderr(&second));
        assert!(stderr(&second).contains("a release of 2026.12.02_1.3.0 is running in another job (process"));
        let list = stdout(&run_ok(
            aptkit()
                .current_dir(project.dir.path())
                .args(["--state", "state", "--public", "public", "publish", "list"]),
        ));
        assert!(list.contains(&format!("claimed: :release:2026.12.02_1.3.0 by process {} on ", child.id())), "{list}");
        assert!(list.contains("(releasing)"), "{list}");
        let (ok, text) = AptClient::for_directory(&project.path("public"), "bookworm-nightly", &keyring()).update();
        assert!(ok, "{text}");
        verify(&project.path("public"));
        // SAFETY: kill(2) on the child's own process group.
        unsafe { libc::kill(-(child.id() as i32), libc::SIGKILL) };
        child.wait().unwrap();
        fs::read_to_string(log.path()).unwrap()
    };
    assert!(log.contains("build/2026.12.02/debian-12-bookworm: finished by an earlier run"), "{log}");
    assert_eq!(lines(&project.path("compiles")), 2, "the finished build was not compiled again");

    // 3. Resumed to the end: the killed run's claim is taken over at once
    //    (its process is gone), nothing is compiled, and the stores hold
    //    what the uninterrupted run made.
    let out = run_ok(&mut project.release(&[NIGHTLY, RELEASE, "--resume"]));
    assert_eq!(lines(&project.path("compiles")), 2);
    let text = stderr(&out);
    assert!(text.contains("publish/1.3.0/bookworm: finished by an earlier run"), "{text}");
    for suite in ["bookworm-nightly", "bookworm", "bookworm-1.3"] {
        assert_eq!(project.packages(suite), reference.packages(suite), "{suite}");
    }
    let pool = |p: &Project| aptkit_tests::walk(&p.path("public/pool")).len();
    assert_eq!(pool(&project), pool(&reference));
    verify(&project.path("public"));

    // --resume of a finished release has nothing left to do.
    let again = run_ok(&mut project.release(&[NIGHTLY, RELEASE, "--resume"]));
    assert!(stderr(&again).contains("publish/1.3.0/bookworm-1.3: finished by an earlier run"));
}

/// Runs a release expected to fail; its exit code and all it printed.
fn fails(mut cmd: Command) -> (Option<i32>, String) {
    let out = cmd.output().unwrap();
    assert!(!out.status.success(), "succeeded:\n{}{}", stdout(&out), stderr(&out));
    (out.status.code(), format!("{}{}", stdout(&out), stderr(&out)))
}

#[test]
fn bad_input_is_refused_by_name_and_nothing_is_published() {
    let project = Project::new(&["debian-12-bookworm", "ubuntu-24.04-noble"]);
    let nothing_published = |p: &Project| assert!(!p.path("public/dists").exists(), "something was published");
    let cases: Vec<(Vec<&str>, &[&str])> = vec![
        (vec![RELEASE, "--distro", "debian-99-nope"], &["debian-99-nope"]),
        (vec!["1.3.0-1"], &["version `1.3.0-1`"]),
        (vec![RELEASE, RELEASE], &["named twice"]),
        (vec!["9.9.9"], &["source/9.9.9", "v9.9.9"]),
        (vec![RELEASE, "--resume"], &["no journal", "without --resume"]),
        (vec![RELEASE, "--keep-nightlies", "0"], &["--keep-nightlies 0"]),
        (vec![RELEASE, "--promote-from", "nightly"], &["1.3.0 is a release, not a nightly"]),
        // A nightly that was never published: nothing to promote.
        (vec!["2026.12.09", "--promote-from", "nightly"], &["cannot promote 2026.12.09 from `bookworm-nightly`"]),
    ];
    for (args, expected) in cases {
        let (code, text) = fails(project.release(&args));
        assert_eq!(code, Some(2), "{args:?}: {text}");
        for e in expected {
            assert!(text.contains(e), "{args:?}: `{e}` not in:\n{text}");
        }
        nothing_published(&project);
    }

    // A dry run says what would run, and runs and writes nothing.
    let out = run_ok(&mut project.release(&[NIGHTLY, RELEASE, "--dry-run"]));
    let text = stdout(&out);
    assert!(text.contains("dry run, nothing done") && text.contains("bookworm-1.3"), "{text}");
    assert!(text.contains("planned"), "{text}");
    nothing_published(&project);
    assert!(!project.path("state/releases/2026.12.02_1.3.0").exists(), "a dry run wrote a journal");
    // A prefix a URL must encode is warned about, as `publish` does.
    let out = run_ok(&mut project.release(&[NIGHTLY, RELEASE, "--dry-run", "--prefix", "x~y"]));
    assert!(stderr(&out).contains("warning: prefix `x~y` has characters a URL must encode (`~`)"), "{}", stderr(&out));
    nothing_published(&project);

    // The failed promotion made no repo.
    let repos = stdout(&run_ok(aptkit().current_dir(project.dir.path()).args(["--state", "state", "repo", "list"])));
    assert!(!repos.contains("release-"), "{repos}");

    // A routing template that makes an invalid suite name, from aptkit.toml.
    fs::write(
        project.path("aptkit.toml"),
        "[[release.routes]]\nversions = \"release\"\nsuites = [\"{codename}/{version}\"]\n",
    )
    .unwrap();
    let (code, text) = fails(project.release(&[RELEASE]));
    assert_eq!(code, Some(2));
    assert!(text.contains("bookworm/1.3.0"), "{text}");
    // Sources from git and from tarballs at once, in aptkit.toml.
    fs::write(project.path("aptkit.toml"), "[release]\ngit = \"hello\"\ntarballs = \"dist\"\n").unwrap();
    let (code, text) = fails(project.release(&[RELEASE]));
    assert_eq!(code, Some(2));
    assert!(text.contains("sets both `git` and `tarballs`"), "{text}");
    fs::remove_file(project.path("aptkit.toml")).unwrap();
    nothing_published(&project);

    // A malformed distros folder.
    let broken = Project::new(&["debian-12-bookworm"]);
    fs::remove_file(broken.path("hello/distros/debian-12-bookworm/PKGVER")).unwrap();
    let (code, text) = fails(broken.release(&[RELEASE]));
    assert_eq!(code, Some(2));
    assert!(text.contains("debian-12-bookworm") && text.contains("PKGVER"), "{text}");
    nothing_published(&broken);

    // A compile that fails: its log tail in the summary; the other distro
    // is published all the same (unless --all-or-nothing).
    let failing = project.path("hello/distros/ubuntu-24.04-noble/build");
    fs::write(&failing, "#!/bin/sh\necho 'cc: error: the compiler is on fire' >&2\nexit 3\n").unwrap();
    fs::set_permissions(&failing, fs::Permissions::from_mode(0o755)).unwrap();
    // (The distros are the working tree's; the tag's commit is the source.)
    let (code, text) = fails(project.release(&[RELEASE, "--all-or-nothing"]));
    assert_eq!(code, Some(2));
    assert!(text.contains("the compiler is on fire"), "{text}");
    nothing_published(&project);
    let (code, text) = fails(project.release(&[RELEASE]));
    assert!(text.contains("unfinished release of 1.3.0") && text.contains("--resume"), "{text}");
    assert_eq!(code, Some(2));
    let (code, text) = fails(project.release(&[RELEASE, "--resume"]));
    assert_eq!(code, Some(2));
    assert!(text.contains("the compiler is on fire") && text.contains("build/1.3.0/ubuntu-24.04-noble"), "{text}");
    assert_eq!(hello_versions(&project, "bookworm"), ["1.3.0-1~bookworm"]);
    assert!(!project.path("public/dists/noble").exists());
    // A later version's suites too: a distro that cannot build holds up no one.
    let (code, text) = fails(project.release(&[NIGHTLY, "2026.12.03"]));
    assert_eq!(code, Some(2), "{text}");
    assert_eq!(hello_versions(&project, "bookworm-nightly"), ["2026.12.02-1~bookworm", "2026.12.03-1~bookworm"]);
    assert!(!project.path("public/dists/noble-nightly").exists());
}

#[test]
fn a_release_from_tarballs_made_before_takes_them_as_they_are() {
    let project = Project::new(&["debian-12-bookworm"]);
    let key = repo_root().join("keys-example/ed25519.asc");
    let dir = project.dir.path();
    run_ok(aptkit().current_dir(dir).args(["source", RELEASE, "--git", "hello", "--out", "dist", "--key"]).arg(&key));
    let release_from = |version: &str, tarballs: &str| {
        let mut cmd = aptkit();
        cmd.current_dir(dir)
            .args(["--state", "state", "--public", "public", "release", version, "--tarballs", tarballs])
            .args(["--distros", "hello/distros", "--engine", "none", "--skip-dependency-check", "--quiet"])
            .args(["--out", "out", "--log-dir", "logs", "--json", "--key"])
            .arg(&key);
        cmd
    };
    let release = |version: &str| release_from(version, "dist");
    let out = run_ok(&mut release(RELEASE));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let source = &report["report"]["versions"][0]["source"];
    let tarball = fs::read(project.path(&format!("dist/{}", source["file"].as_str().unwrap()))).unwrap();
    let sha = stdout(&run_ok(
        Command::new("sha256sum").arg(project.path(&format!("dist/{}", source["file"].as_str().unwrap()))),
    ));
    assert_eq!(source["sha256"].as_str().unwrap(), sha.split_whitespace().next().unwrap());
    assert!(!tarball.is_empty());
    assert_eq!(source["commit"], serde_json::Value::Null, "not made from git");
    assert_eq!(hello_versions(&project, "bookworm"), ["1.3.0-1~bookworm"]);
    verify(&project.path("public"));

    // A tarball directory that is not one.
    let (code, text) = fails(release_from(RELEASE, "hello/README"));
    assert_eq!(code, Some(2));
    assert!(text.contains("--tarballs") && text.contains("hello/README"), "{text}");

    // A version the directory has no tarball of: named, nothing published.
    let (code, text) = fails(release(NIGHTLY));
    assert_eq!(code, Some(2));
    assert!(text.contains("holds no tarball of 2026.12.02"), "{text}");
    assert!(!project.path("public/dists/bookworm-nightly").exists());
}
