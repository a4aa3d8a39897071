//! `aptkit build`: the example compiled in a real Docker container (its
//! Build-Depends installed there by the image's own apt) and on the host,
//! packaged natively, installed with dpkg into a Debian root and run; and
//! every bad input refused by name with nothing left behind.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use aptkit_tests::{
    aptkit, chroot, copy_tree, debs_in, dir_names, repo_root, rootfs, run_ok, stderr, stdout, test_image,
};

/// A copy of the example project (testdata/hello, its distros/ inside),
/// with debian-12-bookworm's DOCKER_BASE set to `image`.
fn hello_project(image: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("hello");
    copy_tree(&repo_root().join("testdata/hello"), &project);
    fs::write(project.join("distros/debian-12-bookworm/DOCKER_BASE"), format!("{image}\n")).unwrap();
    (dir, project)
}

/// A stand-in for `docker` that logs each call's arguments to `log` and
/// runs the real one: how many containers a build started.
fn counting_docker(dir: &Path) -> (PathBuf, PathBuf) {
    let log = dir.join("docker-calls");
    let wrapper = dir.join("docker");
    fs::write(&wrapper, format!("#!/bin/sh\necho \"$*\" >> '{}'\nexec docker \"$@\"\n", log.display())).unwrap();
    fs::set_permissions(&wrapper, fs::Permissions::from_mode(0o755)).unwrap();
    (wrapper, log)
}

fn calls(log: &Path, verb: &str) -> usize {
    fs::read_to_string(log).unwrap_or_default().lines().filter(|l| l.split(' ').next() == Some(verb)).count()
}

fn json_of(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_str(&stdout(out)).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(out)))
}

fn field(deb: &Path, name: &str) -> String {
    stdout(&run_ok(Command::new("dpkg-deb").arg("--field").arg(deb).arg(name))).trim().to_string()
}

/// The first line of the package's changelog.Debian.gz.
fn changelog_head(deb: &Path, package: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    run_ok(Command::new("dpkg-deb").arg("-x").arg(deb).arg(dir.path()));
    let gz = dir.path().join(format!("usr/share/doc/{package}/changelog.Debian.gz"));
    let text = stdout(&run_ok(Command::new("zcat").arg(gz)));
    text.lines().next().unwrap_or_default().to_string()
}

fn nothing_in(out: &Path) {
    assert!(!out.exists() || dir_names(out).is_empty(), "left in --out: {:?}", dir_names(out));
}

#[test]
fn docker_build_installs_build_depends_in_the_container_and_its_packages_install_and_run() {
    let image = test_image();
    let (dir, project) = hello_project(&image);
    // The bare image lacks what the example's Build-Depends name.
    let bare = Command::new("docker").args(["run", "--rm", &image, "dpkg", "-s", "debhelper"]).output().unwrap();
    assert!(!bare.status.success(), "the test image already has debhelper");

    fs::write(project.join("distros/debian-13-trixie/DOCKER_BASE"), "localhost/aptkit-test/absent:none\n").unwrap();
    let (docker, docker_log) = counting_docker(dir.path());
    let out = dir.path().join("out");
    let logs = dir.path().join("logs");
    // `aptkit build ARGS… --engine docker --json`, from the project, into
    // out/ with its logs in logs/, through the counting docker.
    let aptkit_build = |args: &[&str]| {
        let mut cmd = aptkit();
        cmd.current_dir(dir.path())
            .arg("build")
            .args(args)
            .args(["--engine", "docker", "--json", "--source"])
            .arg(&project)
            .arg("--out")
            .arg(&out)
            .arg("--log-dir")
            .arg(&logs)
            .env("APTKIT_DOCKER", &docker);
        run_ok(&mut cmd)
    };
    let build = || aptkit_build(&["debian-12-bookworm"]);
    // A dry run first: it looks the image up and runs nothing (no
    // container, no pull, no Build-Depends image) and writes nothing.
    let plan = || {
        fs::write(&docker_log, "").unwrap();
        let report = json_of(&aptkit_build(&["--all", "--dry-run"]));
        let verbs: Vec<String> = fs::read_to_string(&docker_log)
            .unwrap_or_default()
            .lines()
            .map(|l| l.split(' ').take(2).collect::<Vec<_>>().join(" "))
            .collect();
        assert!(verbs.iter().all(|v| v == "image inspect" || v.starts_with("version")), "{verbs:?}");
        report
    };
    let planned = plan();
    assert!(!out.exists() && !logs.exists() && !dir.path().join(".aptkit").exists(), "a dry run wrote");
    let bookworm = planned["builds"].as_array().unwrap().iter().find(|b| b["distro"] == "debian-12-bookworm").unwrap();
    assert_eq!(bookworm["status"], "would-build", "{planned}");
    assert_eq!(bookworm["why"], "not in the build cache", "{planned}");
    assert!(bookworm["image"]["id"].as_str().unwrap().starts_with("sha256:"), "{planned}");
    // An image this machine does not have: the build would pull it, and
    // only then can it know the key.
    let trixie = planned["builds"].as_array().unwrap().iter().find(|b| b["distro"] == "debian-13-trixie").unwrap();
    assert_eq!(trixie["status"], "would-build", "{planned}");
    assert!(trixie["key"].is_null() && trixie["image"]["id"].is_null(), "{planned}");

    let first = build();
    let report = json_of(&first);
    let built = &report["builds"][0];
    assert_eq!(built["status"], "built", "{report}");
    assert_eq!(built["key"], bookworm["key"], "the dry run's key is the build's: {planned}\n{report}");
    let again = plan();
    let bookworm = again["builds"].as_array().unwrap().iter().find(|b| b["distro"] == "debian-12-bookworm").unwrap();
    assert_eq!(bookworm["status"], "would-reuse", "{again}");
    assert_eq!(bookworm["key"], built["key"], "{again}");
    assert_eq!(built["version"], "1.0-1~bookworm", "{report}");
    let log = fs::read_to_string(logs.join("debian-12-bookworm.log")).unwrap();
    // The default compile steps, debhelper's, ran: debhelper came from the
    // Build-Depends, installed in the container.
    assert!(log.contains("==> dh_auto_build") && log.contains("==> dh_auto_install"), "{log}");
    assert!(
        log.contains("apt-get satisfy build-essential, debhelper-compat (= 13)")
            || log.contains("Build-Depends: already installed in aptkit-build-deps:"),
        "{log}"
    );
    // The products' copy of the log ends where the packages were made (the
    // full log then says it stored them in the build cache).
    let product_log = fs::read_to_string(out.join("debian-12-bookworm/build.log")).unwrap();
    assert!(log.starts_with(&product_log) && product_log.contains("==> built in"), "{product_log}");
    assert!(log.contains("==> stored in the build cache as"), "{log}");
    let err = stderr(&first);
    assert!(err.lines().any(|l| l.starts_with("[debian-12-bookworm] ==> dh_auto_build")), "streamed, prefixed: {err}");

    let debs = debs_in(&out.join("debian-12-bookworm"));
    let names: Vec<String> = debs.iter().map(|d| d.file_name().unwrap().to_string_lossy().into_owned()).collect();
    let arch = stdout(&run_ok(Command::new("dpkg").arg("--print-architecture"))).trim().to_string();
    assert_eq!(
        names,
        [
            "hello-data_1.0-1~bookworm_all.deb".to_string(),
            format!("hello_1.0-1~bookworm_{arch}.deb"),
            format!("libgreet-dev_1.0-1~bookworm_{arch}.deb"),
            format!("libgreet1_1.0-1~bookworm_{arch}.deb"),
        ]
    );
    let hello = &debs[1];
    assert_eq!(field(hello, "Version"), "1.0-1~bookworm");
    assert_eq!(changelog_head(hello, "hello"), "hello-aptkit (1.0-1~bookworm) bookworm; urgency=medium");
    // ${shlibs:Depends} computed against the container's exported stub root.
    assert_eq!(field(hello, "Depends"), "libc6 (>= 2.34), libgreet1 (>= 1.0), hello-data (= 1.0-1~bookworm)");
    assert_eq!(field(&debs[3], "Depends"), "libc6 (>= 2.3.4)");

    // Installed for real, maintainer scripts and all, the program runs.
    let root = dir.path().join("root");
    copy_tree(&rootfs(), &root);
    for deb in &debs {
        fs::copy(deb, root.join("tmp").join(deb.file_name().unwrap())).unwrap();
    }
    let mut install = vec!["dpkg".to_string(), "-i".to_string()];
    install.extend(names.iter().map(|n| format!("/tmp/{n}")));
    chroot(&root, &install.iter().map(String::as_str).collect::<Vec<_>>());
    let greeting = stdout(&chroot(&root, &["hello"]));
    assert!(greeting.contains("Hello"), "{greeting}");

    // The same inputs again: restored from the build cache, byte for byte,
    // and no container started.
    let runs = calls(&docker_log, "run");
    let before: Vec<Vec<u8>> = debs.iter().map(|d| fs::read(d).unwrap()).collect();
    let second = json_of(&build());
    assert_eq!(second["builds"][0]["status"], "reused", "{second}");
    assert_eq!(calls(&docker_log, "run"), runs, "a reused build started a container");
    let after: Vec<Vec<u8>> = debs_in(&out.join("debian-12-bookworm")).iter().map(|d| fs::read(d).unwrap()).collect();
    assert!(before == after, "the restored packages differ from the built ones");

    // --rebuild compiles again, from the kept Build-Depends image: it
    // installs nothing again.
    let commits = calls(&docker_log, "commit");
    fs::write(&docker_log, "").unwrap();
    let mut rebuild = aptkit();
    rebuild.current_dir(dir.path()).args([
        "build",
        "debian-12-bookworm",
        "--engine",
        "docker",
        "--rebuild",
        "--json",
        "--source",
    ]);
    let third = json_of(&run_ok(rebuild.arg(&project).arg("--out").arg(&out).env("APTKIT_DOCKER", &docker)));
    assert_eq!(third["builds"][0]["status"], "built", "{third}");
    assert_eq!(calls(&docker_log, "run"), 1, "one compile container");
    assert_eq!(calls(&docker_log, "commit"), 0, "the Build-Depends were installed again ({commits} before)");
}

/// The example as a tarball named NAME-VERSION.tar.gz, its top directory
/// NAME-VERSION/, as `aptkit source` makes one.
fn hello_tarball(project: &Path, dir: &Path, version: &str) -> PathBuf {
    let name = format!("hello-aptkit-{version}");
    let tarball = dir.join(format!("{name}.tar.gz"));
    run_ok(
        Command::new("tar")
            .arg("-C")
            .arg(project)
            .args(["--exclude=./distros", "--transform", &format!("s,^\\.,{name},"), "-czf"])
            .arg(&tarball)
            .arg("."),
    );
    tarball
}

/// The example committed to git and made into a nightly source tarball by
/// `aptkit source` (pax header, NAME-VERSION/ top directory, signed).
fn aptkit_source_tarball(project: &Path, dir: &Path, version: &str) -> PathBuf {
    let git = |args: &[&str]| {
        let mut cmd = Command::new("git");
        cmd.arg("-C").arg(project).args(["-c", "user.name=T", "-c", "user.email=t@example.invalid"]);
        run_ok(cmd.args(["-c", "init.defaultBranch=main"]).args(args))
    };
    git(&["init", "--quiet"]);
    git(&["add", "--all"]);
    git(&["commit", "--quiet", "-m", "hello"]);
    let key = repo_root().join("keys-example/ed25519.asc");
    let made =
        run_ok(aptkit().args(["source", version, "--git"]).arg(project).arg("--out").arg(dir).arg("--key").arg(key));
    // Named after the directory: debian/ is a symlink in the commit, so
    // there is no debian/control there to take the name from.
    let tarball = dir.join(format!("hello-{version}.tar.gz"));
    assert!(tarball.is_file(), "{}", stdout(&made));
    tarball
}

#[test]
fn host_builds_of_two_distros_carry_their_versions_and_distributions() {
    let (dir, project) = hello_project("debian:bookworm");
    let tarball = aptkit_source_tarball(&project, dir.path(), "2026.12.02");
    let out = dir.path().join("out");
    let result = run_ok(
        aptkit()
            .current_dir(dir.path())
            .args(["build", "debian-12-bookworm", "ubuntu-24.04-noble", "--engine", "none", "--jobs", "2", "--json"])
            .arg("--source")
            .arg(&tarball)
            .arg("--distros")
            .arg(project.join("distros"))
            .arg("--out")
            .arg(&out),
    );
    let report = json_of(&result);
    for (i, (id, suite)) in
        [("debian-12-bookworm", "bookworm"), ("ubuntu-24.04-noble", "noble")].into_iter().enumerate()
    {
        let built = &report["builds"][i];
        let version = format!("2026.12.02-1~{suite}");
        assert_eq!((built["distro"].as_str(), built["status"].as_str()), (Some(id), Some("built")), "{report}");
        assert_eq!(built["version"], version.as_str());
        assert_eq!(built["distribution"], suite);
        let debs = debs_in(&out.join(id));
        assert_eq!(debs.len(), 4, "{debs:?}");
        for deb in &debs {
            assert_eq!(field(deb, "Version"), version, "{}", deb.display());
        }
        let hello = debs.iter().find(|d| d.file_name().unwrap().to_string_lossy().starts_with("hello_")).unwrap();
        assert_eq!(changelog_head(hello, "hello"), format!("hello-aptkit ({version}) {suite}; urgency=medium"));
        // The compiled program is in it (compiled on the host, from the tarball).
        let contents = stdout(&run_ok(Command::new("dpkg-deb").arg("--contents").arg(hello)));
        assert!(contents.contains("./usr/bin/hello"), "{contents}");
    }
}

/// Run a build that must fail; its stderr.
/// Run a build that must fail; its stderr. It runs in a directory of its
/// own, whose build cache (./.aptkit) must be left with no entry.
fn build_fails(args: &[&str], extra: impl FnOnce(&mut Command)) -> String {
    let here = tempfile::tempdir().unwrap();
    let mut cmd = aptkit();
    cmd.current_dir(here.path()).arg("build").args(args);
    extra(&mut cmd);
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}\n{}", stdout(&out), stderr(&out));
    assert_eq!(cache_entries(&here.path().join(".aptkit")), 0, "a failed build left a cache entry");
    stderr(&out)
}

/// Entries (manifests) in the build cache of the state directory `state`.
fn cache_entries(state: &Path) -> usize {
    let Ok(dirs) = fs::read_dir(state.join("build-cache")) else { return 0 };
    dirs.filter(|d| d.as_ref().unwrap().path().join("manifest.json").is_file()).count()
}

#[test]
fn an_unknown_distro_a_malformed_folder_or_a_missing_engine_is_refused_before_anything_runs() {
    let (dir, project) = hello_project("debian:bookworm");
    let out = dir.path().join("out");
    let source = project.to_str().unwrap();
    let out_arg = out.to_str().unwrap();

    let err = build_fails(&["debian-99-nope", "--engine", "none", "--source", source, "--out", out_arg], |_| {});
    assert!(err.contains("debian-99-nope") && err.contains("debian-12-bookworm"), "names it and the known: {err}");
    nothing_in(&out);

    let err = build_fails(&["debian-12-bookworm", "--engine", "podman", "--source", source, "--out", out_arg], |c| {
        c.env("PATH", "/nonexistent");
    });
    assert!(err.contains("container engine `podman` is not installed"), "{err}");
    nothing_in(&out);

    fs::write(project.join("distros/ubuntu-24.04-noble/PKGVER"), "1 noble\n").unwrap();
    let err = build_fails(&["--all", "--engine", "none", "--source", source, "--out", out_arg], |_| {});
    assert!(err.contains("ubuntu-24.04-noble/PKGVER"), "names the folder and file: {err}");
    nothing_in(&out);
}

#[test]
fn an_image_that_does_not_exist_is_named() {
    test_image();
    let (dir, project) = hello_project("localhost/aptkit-test/no-such-image:1");
    let out = dir.path().join("out");
    let err = build_fails(&["debian-12-bookworm", "--engine", "docker", "--out", out.to_str().unwrap()], |c| {
        c.arg("--source").arg(&project);
    });
    assert!(
        err.contains(
            "debian-12-bookworm: image `localhost/aptkit-test/no-such-image:1` (DOCKER_BASE) is not on this machine"
        ),
        "{err}"
    );
    nothing_in(&out);
}

#[test]
fn an_unsatisfiable_build_depends_names_the_dependency() {
    let image = test_image();
    let (dir, project) = hello_project(&image);
    let control = project.join("distros/debian-12-bookworm/debian/control");
    let text = fs::read_to_string(&control).unwrap();
    fs::write(
        &control,
        text.replace("Build-Depends: debhelper-compat (= 13)", "Build-Depends: aptkit-no-such-package (>= 9)"),
    )
    .unwrap();
    let out = dir.path().join("out");
    let err = build_fails(&["debian-12-bookworm", "--engine", "docker", "--out", out.to_str().unwrap()], |c| {
        c.arg("--source").arg(&project);
    });
    assert!(err.contains("the Build-Depends of") && err.contains("debian-12-bookworm/debian/control"), "{err}");
    assert!(err.contains("aptkit-no-such-package (>= 9)") && err.contains("not installable"), "{err}");
    nothing_in(&out);
}

#[test]
fn a_failing_compile_shows_its_last_lines_and_keeps_its_log() {
    let (dir, project) = hello_project("debian:bookworm");
    let script = project.join("distros/debian-12-bookworm/build");
    fs::write(&script, "#!/bin/sh\necho \"compiling in $PWD\"\necho 'cc: error: boom.c: it broke' >&2\nexit 3\n")
        .unwrap();
    fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
    let out = dir.path().join("out");
    let logs = dir.path().join("logs");
    let err = build_fails(&["debian-12-bookworm", "--engine", "none", "--quiet"], |c| {
        c.arg("--source").arg(&project).arg("--out").arg(&out).arg("--log-dir").arg(&logs);
    });
    assert!(err.contains("debian-12-bookworm: the compile commands failed (exit status: 3)"), "{err}");
    assert!(err.contains("| cc: error: boom.c: it broke"), "the log's tail: {err}");
    let log = logs.join("debian-12-bookworm.log");
    assert!(err.contains(&format!("full log: {}", log.display())), "{err}");
    assert!(fs::read_to_string(&log).unwrap().contains("cc: error: boom.c: it broke"));
    nothing_in(&out);
}

/// A tarball made by Python's tarfile, which writes any entry it is told to.
fn hostile_tarball(dir: &Path, entries: &str) -> PathBuf {
    let tarball = dir.join("hostile-1.0.tar.gz");
    let script = format!("import io, tarfile, sys\nt = tarfile.open(sys.argv[1], 'w:gz')\n{entries}\nt.close()\n");
    run_ok(Command::new("python3").arg("-c").arg(script).arg(&tarball));
    tarball
}

const ADD_FILE: &str =
    "def add(name, data=b'x'):\n    i = tarfile.TarInfo(name); i.size = len(data); t.addfile(i, io.BytesIO(data))\n\
def link(name, target, kind=tarfile.SYMTYPE):\n    i = tarfile.TarInfo(name); i.type = kind; i.linkname = target; t.addfile(i)\n\
def hard(name, target):\n    link(name, target, tarfile.LNKTYPE)\n";

#[test]
fn a_tarball_entry_leading_outside_the_tree_is_refused() {
    let (dir, project) = hello_project("debian:bookworm");
    let out = dir.path().join("out");
    let cases = [
        ("add('hostile-1.0/Makefile')\nadd('hostile-1.0/../../escaped-file')", "hostile-1.0/../../escaped-file", "`..`"),
        ("add('hostile-1.0/Makefile')\nlink('hostile-1.0/etc', '../../../../etc')", "hostile-1.0/etc", "outside the source tree"),
        ("add('hostile-1.0/Makefile')\nlink('hostile-1.0/abs', '/etc/passwd')", "hostile-1.0/abs", "outside the source tree"),
        (
            "add('hostile-1.0/Makefile')\nlink('hostile-1.0/here', '.')\nlink('hostile-1.0/up', 'here/..')\nadd('hostile-1.0/up/escaped-file')",
            "hostile-1.0/up/escaped-file",
            "under the symlink",
        ),
        // A hard link through a chain of symlinks that resolves to `/`.
        (
            "add('hostile-1.0/Makefile')\nlink('hostile-1.0/l1', '.')\nlink('hostile-1.0/l2', 'l1/..')\nhard('hostile-1.0/h', 'hostile-1.0/l2/etc/passwd')",
            "hostile-1.0/h",
            "not a file unpacked before it",
        ),
        (
            "add('hostile-1.0/Makefile')\nhard('hostile-1.0/h', 'hostile-1.0/../../etc/passwd')",
            "hostile-1.0/h",
            "outside the source tree",
        ),
        // A file written over a symlink, which would hide it from the final check.
        (
            "add('hostile-1.0/Makefile')\nlink('hostile-1.0/x', 'Makefile')\nadd('hostile-1.0/x')",
            "hostile-1.0/x",
            "replaces a symlink",
        ),
    ];
    for (entries, entry, why) in cases {
        let tarball = hostile_tarball(dir.path(), &format!("{ADD_FILE}{entries}"));
        let err = build_fails(&["debian-12-bookworm", "--engine", "none"], |c| {
            c.arg("--source").arg(&tarball).arg("--distros").arg(project.join("distros")).arg("--out").arg(&out);
        });
        assert!(err.contains(&format!("holds `{entry}`")) && err.contains(why), "{entry}: {err}");
        assert!(err.contains("hostile-1.0.tar.gz"), "names the tarball: {err}");
        nothing_in(&out);
    }
    assert!(!dir.path().join("escaped-file").exists() && !Path::new("/tmp/escaped-file").exists());
}

/// `aptkit build` of the example for debian-12-bookworm on the host, in
/// `dir` (its state, so its build cache, is `dir/.aptkit`); its JSON
/// report's one build.
fn host_build(dir: &Path, project: &Path, source: &Path, extra: &[&str]) -> serde_json::Value {
    let out = run_ok(
        aptkit()
            .current_dir(dir)
            .args(["build", "debian-12-bookworm", "--engine", "none", "--json", "--quiet"])
            .args(extra)
            .arg("--source")
            .arg(source)
            .arg("--distros")
            .arg(project.join("distros"))
            .arg("--out")
            .arg(dir.join("out")),
    );
    json_of(&out)["builds"][0].clone()
}

/// Every file under `dir` with its size and mtime: what a command that
/// writes nothing leaves as it was.
fn files_under(dir: &Path) -> Vec<(PathBuf, u64, std::time::SystemTime)> {
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        let Ok(entries) = fs::read_dir(&d) else { continue };
        for entry in entries {
            let entry = entry.unwrap();
            let meta = entry.metadata().unwrap();
            if meta.is_dir() {
                dirs.push(entry.path());
            }
            files.push((entry.path(), meta.len(), meta.modified().unwrap()));
        }
    }
    files.sort();
    files
}

/// `host_build` with `--dry-run`: its plan, checked to have changed
/// nothing in `dir` (the products, the build cache).
fn host_plan(dir: &Path, project: &Path, source: &Path, extra: &[&str]) -> serde_json::Value {
    let before = files_under(dir);
    let plan = host_build(dir, project, source, &[extra, &["--dry-run"]].concat());
    assert_eq!(files_under(dir), before, "a dry run changed files: {plan}");
    plan
}

#[test]
fn the_build_cache_reuses_identical_inputs_and_rebuilds_when_any_input_changes() {
    let (dir, project) = hello_project("debian:bookworm");
    let tarball = hello_tarball(&project, dir.path(), "1.0");
    // Each build's dry run first: it says what the build then does, with
    // the key the build then reports, and changes nothing.
    let status = |extra: &[&str], source: &Path| {
        let plan = host_plan(dir.path(), &project, source, extra);
        let built = host_build(dir.path(), &project, source, extra);
        let predicted = match plan["status"].as_str() {
            Some("would-build") => "built",
            Some("would-reuse") => "reused",
            _ => panic!("not a plan: {plan}"),
        };
        assert_eq!(built["status"], predicted, "the dry run said {plan}\nthe build did {built}");
        assert_eq!(plan["key"], built["key"], "{plan}\n{built}");
        assert_eq!(plan["version"], built["version"], "{plan}\n{built}");
        if predicted == "reused" {
            let mut restored: Vec<String> = built["debs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| Path::new(d["path"].as_str().unwrap()).file_name().unwrap().to_string_lossy().into_owned())
                .chain(["build.log".to_string()])
                .collect();
            let mut planned: Vec<String> =
                plan["files"].as_array().unwrap().iter().map(|f| f.as_str().unwrap().to_string()).collect();
            restored.sort();
            planned.sort();
            assert_eq!(planned, restored, "{plan}");
        }
        built["status"].clone()
    };
    assert_eq!(status(&[], &tarball), "built");
    assert_eq!(status(&[], &tarball), "reused");
    assert_eq!(cache_entries(&dir.path().join(".aptkit")), 1);

    // PKGVER.
    let pkgver = project.join("distros/debian-12-bookworm/PKGVER");
    fs::write(&pkgver, "2~bookworm\n").unwrap();
    assert_eq!(status(&[], &tarball), "built");
    assert_eq!(status(&[], &tarball), "reused");
    // One file of debian/ (the shared templates behind the symlink).
    let docs = project.join("distros/debian-12-bookworm/debian/hello.docs");
    let text = fs::read_to_string(&docs).unwrap();
    fs::write(&docs, format!("{text}\n")).unwrap();
    assert_eq!(status(&[], &tarball), "built");
    // The source.
    let hello_c = project.join("hello.c");
    fs::write(&hello_c, fs::read_to_string(&hello_c).unwrap() + "\n/* changed */\n").unwrap();
    let changed = hello_tarball(&project, dir.path(), "1.0");
    assert_eq!(status(&[], &changed), "built");
    assert_eq!(status(&[], &changed), "reused");
    // --rebuild builds anyway; --no-cache neither reads nor writes.
    assert_eq!(status(&["--rebuild"], &changed), "built");
    assert_eq!(status(&["--no-cache"], &changed), "built");
    // A source tree is keyed by what is copied of it.
    assert_eq!(status(&[], &project), "built");
    assert_eq!(status(&[], &project), "reused");
    fs::write(&hello_c, fs::read_to_string(&hello_c).unwrap() + "\n/* again */\n").unwrap();
    assert_eq!(status(&[], &project), "built");
    // A damaged entry: the dry run says it would be made anew, and it is.
    let key = host_plan(dir.path(), &project, &project, &[])["key"].as_str().unwrap().to_string();
    fs::write(dir.path().join(".aptkit/build-cache").join(&key).join("manifest.json"), "{ not json").unwrap();
    let plan = host_plan(dir.path(), &project, &project, &[]);
    assert_eq!(
        (plan["status"].as_str(), plan["why"].as_str().unwrap_or_default()),
        (Some("would-build"), "the build cache's entry is damaged and would be made anew"),
        "{plan}"
    );
    assert_eq!(status(&[], &project), "built");
    assert_eq!(status(&[], &project), "reused");
}

#[test]
fn a_killed_build_leaves_no_cache_entry_and_no_products() {
    use std::os::unix::process::CommandExt;
    let (dir, project) = hello_project("debian:bookworm");
    let script = project.join("distros/debian-12-bookworm/build");
    let started = dir.path().join("compiling");
    fs::write(&script, format!("#!/bin/sh\ntouch '{}'\nexec sleep 60\n", started.display())).unwrap();
    fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
    let out = dir.path().join("out");
    let mut child = aptkit()
        .current_dir(dir.path())
        .args(["build", "debian-12-bookworm", "--engine", "none", "--quiet", "--source"])
        .arg(&project)
        .arg("--out")
        .arg(&out)
        .process_group(0)
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !started.exists() {
        assert!(std::time::Instant::now() < deadline, "the compile never started");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    // SIGKILL to the whole job, as a CI runner cancelling it does.
    let group = child.id() as i32;
    run_ok(Command::new("kill").args(["-KILL", "--", &format!("-{group}")]));
    child.wait().unwrap();
    assert_eq!(cache_entries(&dir.path().join(".aptkit")), 0);
    nothing_in(&out);

    // The next build of the same inputs builds: nothing was cached.
    fs::remove_file(&script).unwrap();
    assert_eq!(host_build(dir.path(), &project, &project, &[])["status"], "built");
}

#[test]
fn runners_sharing_an_s3_state_store_build_each_input_set_once() {
    use aptkit_tests::moto::{Moto, MOTO_ENV};
    let moto = Moto::start();
    moto.create_bucket("ci-state");
    let (dir, project) = hello_project("debian:bookworm");
    let tarball = hello_tarball(&project, dir.path(), "2026.12.02");
    // Each runner: its own directory (aptkit.toml pointing s3:// at moto)
    // and its own --out; only the state store is shared.
    let runner = |name: &str| {
        let home = dir.path().join(name);
        fs::create_dir(&home).unwrap();
        let config = format!("[s3]\nendpoint_url = \"{}\"\nforce_path_style = true\n", moto.endpoint());
        fs::write(home.join("aptkit.toml"), config).unwrap();
        let mut cmd = aptkit();
        cmd.current_dir(&home)
            .envs(MOTO_ENV)
            .args(["--state", "s3://ci-state/hello", "build", "debian-12-bookworm", "--engine", "none", "--json"])
            .args(["--quiet", "--out", "out", "--source"])
            .arg(&tarball)
            .arg("--distros")
            .arg(project.join("distros"));
        (cmd, home)
    };
    let (mut a, home_a) = runner("a");
    assert_eq!(json_of(&run_ok(&mut a))["builds"][0]["status"], "built");
    let (mut b, home_b) = runner("b");
    assert_eq!(json_of(&run_ok(&mut b))["builds"][0]["status"], "reused");
    let debs_a = debs_in(&home_a.join("out/debian-12-bookworm"));
    let debs_b = debs_in(&home_b.join("out/debian-12-bookworm"));
    assert_eq!(debs_a.len(), 4);
    for (x, y) in debs_a.iter().zip(&debs_b) {
        assert_eq!(fs::read(x).unwrap(), fs::read(y).unwrap(), "{}", y.display());
    }
    // An independent S3 client sees the entry: one manifest, its objects.
    aptkit_tests::require_tool("aws");
    let cache_listing = || {
        let mut ls = Command::new("aws");
        ls.arg("--endpoint-url").arg(moto.endpoint()).envs(MOTO_ENV);
        stdout(&run_ok(ls.args(["s3", "ls", "--recursive", "s3://ci-state/hello/build-cache/"])))
    };
    let listing = cache_listing();
    assert_eq!(listing.lines().filter(|l| l.ends_with("/manifest.json")).count(), 1, "{listing}");
    assert_eq!(
        listing.lines().filter(|l| l.contains("build-cache/objects/")).count(),
        5,
        "4 .debs and the log: {listing}"
    );

    // Two runners building a new input set at the same moment both finish,
    // and the cache holds one entry for it.
    fs::write(project.join("distros/debian-12-bookworm/PKGVER"), "2~bookworm\n").unwrap();
    let (mut c, _) = runner("c");
    let (mut d, _) = runner("d");
    let piped = |cmd: &mut Command| {
        cmd.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap()
    };
    let (c, d) = (piped(&mut c), piped(&mut d));
    for child in [c, d] {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let listing = cache_listing();
    assert_eq!(listing.lines().filter(|l| l.ends_with("/manifest.json")).count(), 2, "{listing}");
    let (mut e, _) = runner("e");
    assert_eq!(json_of(&run_ok(&mut e))["builds"][0]["status"], "reused");
}

#[test]
fn podman_builds_the_same_way() {
    aptkit_tests::require_tool("podman");
    let image = test_image();
    let found = Command::new("podman").args(["image", "exists", &image]).status().unwrap();
    assert!(found.success(), "no podman image {image}: run scripts/install-test-tools.sh");
    let (dir, project) = hello_project(&image);
    let out = dir.path().join("out");
    let logs = dir.path().join("logs");
    let result = run_ok(
        aptkit()
            .current_dir(dir.path())
            .args(["build", "debian-12-bookworm", "--engine", "podman", "--json", "--quiet", "--source"])
            .arg(&project)
            .arg("--out")
            .arg(&out)
            .arg("--log-dir")
            .arg(&logs),
    );
    let report = json_of(&result);
    assert_eq!(report["engine"], "podman");
    assert_eq!(report["builds"][0]["status"], "built", "{report}");
    let log = fs::read_to_string(logs.join("debian-12-bookworm.log")).unwrap();
    assert!(log.contains("==> dh_auto_install"), "{log}");
    let debs = debs_in(&out.join("debian-12-bookworm"));
    assert_eq!(debs.len(), 4, "{debs:?}");
    for deb in &debs {
        assert_eq!(field(deb, "Version"), "1.0-1~bookworm");
    }
    let contents = stdout(&run_ok(Command::new("dpkg-deb").arg("--contents").arg(&debs[1])));
    assert!(contents.contains("./usr/bin/hello"), "{contents}");
}

#[test]
fn a_source_tree_in_git_is_copied_as_git_would_commit_it() {
    let (dir, project) = hello_project("debian:bookworm");
    let git = |args: &[&str]| run_ok(Command::new("git").arg("-C").arg(&project).args(args));
    git(&["init", "--quiet"]);
    fs::write(project.join(".gitignore"), "/target/\n").unwrap();
    fs::create_dir(project.join("target")).unwrap();
    fs::write(project.join("target/huge-build-product"), "x").unwrap();
    fs::write(project.join("untracked-note"), "kept: not ignored").unwrap();
    git(&["add", "Makefile", "hello.c", "greet.c", "greet.h", ".gitignore"]);
    let script = project.join("distros/debian-12-bookworm/build");
    fs::write(
        &script,
        "#!/bin/sh\nset -e\ntest ! -e target/huge-build-product\ntest -f untracked-note\ntest ! -e .git\nmake\nmake install DESTDIR=\"$DESTDIR\"\n",
    )
    .unwrap();
    fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
    let built = host_build(dir.path(), &project, &project, &[]);
    assert_eq!(built["status"], "built", "{built}");

    // A copy that git ignores (under target/, as a benchmark's) is not a
    // part of the work tree: all of it is copied.
    let ignored = project.join("target/copy");
    copy_tree(&repo_root().join("testdata/hello"), &ignored);
    fs::remove_file(&script).unwrap();
    let built = host_build(dir.path(), &project, &ignored, &["--no-cache"]);
    assert_eq!(built["status"], "built", "{built}");
}
