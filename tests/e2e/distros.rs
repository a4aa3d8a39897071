//! `aptkit distros list|check` on the shipped distros trees (aptkit's own in
//! distros/, the example project's in testdata/hello/distros/) and on a
//! tree with every kind of malformed folder; and aptkit packaging itself
//! from distros/debian-12-bookworm, installed with dpkg into a Debian root.

use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

use aptkit_tests::*;

/// The JSON list a `distros list --json` command prints.
fn json_list(cmd: &mut Command) -> Vec<serde_json::Value> {
    let out = run_ok(cmd);
    serde_json::from_str::<serde_json::Value>(&stdout(&out)).unwrap().as_array().unwrap().clone()
}

/// `aptkit distros list --json`, from `dir`.
fn list_json(dir: &Path) -> Vec<serde_json::Value> {
    json_list(aptkit().args(["distros", "list", "--json"]).current_dir(dir))
}

fn field<'a>(distro: &'a serde_json::Value, name: &str) -> &'a str {
    distro[name].as_str().unwrap_or_else(|| panic!("no string `{name}` in {distro}"))
}

fn real(path: PathBuf) -> String {
    fs::canonicalize(path).unwrap().display().to_string()
}

#[test]
fn the_shipped_distros_list_and_check() {
    let hello = repo_root().join("testdata/hello");
    // The example project's, found as ./distros of its source tree.
    let listed = list_json(&hello);
    let ids: Vec<&str> = listed.iter().map(|d| field(d, "id")).collect();
    assert_eq!(ids, ["debian-12-bookworm", "debian-13-trixie", "ubuntu-24.04-noble"]);
    let shared = real(hello.join("distros/debian-12-bookworm/debian"));
    for (d, (image, suite, pkgver)) in listed.iter().zip([
        ("debian:bookworm", "bookworm", "1~bookworm"),
        ("debian:trixie", "trixie", "1~trixie"),
        ("ubuntu:24.04", "noble", "1~noble"),
    ]) {
        assert_eq!((field(d, "docker_base"), field(d, "distribution"), field(d, "pkgver")), (image, suite, pkgver));
        assert_eq!(field(d, "debian_dir"), shared, "every folder shares bookworm's templates");
        assert!(d["build_script"].is_null(), "the example uses the default compile steps: {d}");
    }
    // The source tree's own debian/ is the same templates, for `aptkit package`.
    assert_eq!(real(hello.join("debian")), shared);

    // aptkit's own, in the repository root.
    let listed = list_json(&repo_root());
    let ids: Vec<&str> = listed.iter().map(|d| field(d, "id")).collect();
    assert_eq!(ids, ["debian-12-bookworm", "debian-13-trixie"]);
    let bookworm = repo_root().join("distros/debian-12-bookworm");
    for d in &listed {
        assert_eq!(field(d, "debian_dir"), real(bookworm.join("debian")));
        assert_eq!(field(d, "build_script"), real(bookworm.join("build")), "trixie's build is a symlink to bookworm's");
    }
    assert_eq!(field(&listed[1], "docker_base"), "rust:1-trixie");

    for dir in [repo_root().join("distros"), hello.join("distros")] {
        let out = run_ok(aptkit().args(["distros", "check", "--distros"]).arg(&dir));
        assert!(stdout(&out).contains("no problems found"), "{}", stdout(&out));
        // The table names every folder, its image and its templates.
        let table = stdout(&run_ok(aptkit().args(["distros", "list", "--distros"]).arg(&dir)));
        assert!(table.starts_with("ID "), "{table}");
        assert!(table.contains("debian-13-trixie") && table.contains("debian-12-bookworm/debian"), "{table}");
    }
}

#[test]
fn the_directory_comes_from_the_flag_then_aptkit_toml_then_the_default() {
    let work = tempfile::tempdir().unwrap();
    let conf = work.path().join("conf");
    fs::create_dir(&conf).unwrap();
    copy_tree(&repo_root().join("testdata/hello/distros"), &conf.join("targets"));
    // Relative to the file, wherever aptkit runs from.
    fs::write(conf.join("aptkit.toml"), "[build]\ndistros = \"targets\"\n").unwrap();
    let config = conf.join("aptkit.toml");
    let from_config =
        json_list(aptkit().arg("--config").arg(&config).args(["distros", "list", "--json"]).current_dir(work.path()));
    assert_eq!(from_config.len(), 3);
    assert_eq!(field(&from_config[0], "path"), conf.join("targets/debian-12-bookworm").display().to_string());
    // The flag wins over the file.
    let from_flag = json_list(
        aptkit()
            .arg("--config")
            .arg(&config)
            .args(["distros", "list", "--json", "--distros"])
            .arg(repo_root().join("distros"))
            .current_dir(work.path()),
    );
    assert_eq!(from_flag.len(), 2);
    // No ./distros, no config: the directory itself is missing, exit 2.
    let out = aptkit().args(["distros", "check"]).current_dir(work.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("the distros directory `distros` does not exist"), "{}", stderr(&out));
}

/// A good folder to break, copied from the example's bookworm folder (its
/// debian/ is a real directory).
fn good_folder(dir: &Path, name: &str) -> PathBuf {
    let folder = dir.join(name);
    copy_tree(&repo_root().join("testdata/hello/distros/debian-12-bookworm"), &folder);
    folder
}

#[test]
fn every_malformed_folder_is_reported_in_one_run() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("distros");
    fs::create_dir(&dir).unwrap();
    fs::create_dir_all(work.path().join("elsewhere/debian")).unwrap();
    good_folder(&dir, "debian-12-bookworm");

    good_folder(&dir, "debian_12");
    let f = good_folder(&dir, "debian-12-nofile");
    fs::remove_file(f.join("DISTRIBUTION")).unwrap();
    let f = good_folder(&dir, "debian-12-dangling");
    fs::remove_dir_all(f.join("debian")).unwrap();
    symlink("../debian-99-gone/debian", f.join("debian")).unwrap();
    let f = good_folder(&dir, "debian-12-escaping");
    fs::remove_dir_all(f.join("debian")).unwrap();
    symlink("../../elsewhere/debian", f.join("debian")).unwrap();
    let f = good_folder(&dir, "debian-12-absolute");
    symlink(dir.join("debian-12-bookworm/PKGVER"), f.join("build")).unwrap();
    let f = good_folder(&dir, "debian-12-spaces");
    fs::write(f.join("DOCKER_BASE"), "debian bookworm\n").unwrap();
    let f = good_folder(&dir, "debian-12-badtag");
    fs::write(f.join("DOCKER_BASE"), "debian:book+worm\n").unwrap();
    let f = good_folder(&dir, "debian-12-pkgver");
    fs::write(f.join("PKGVER"), "1_bookworm\n").unwrap();
    let f = good_folder(&dir, "debian-12-suite");
    fs::write(f.join("DISTRIBUTION"), "bookworm/updates\n").unwrap();
    let f = good_folder(&dir, "debian-12-control");
    fs::write(f.join("debian/control"), "Source: hello\nMaintainer: x <x@y.z>\n\nPackage hello\n").unwrap();
    let f = good_folder(&dir, "debian-12-script");
    fs::write(f.join("build"), "#!/bin/sh\nmake\n").unwrap();
    fs::set_permissions(f.join("build"), fs::Permissions::from_mode(0o644)).unwrap();

    let out = aptkit().args(["distros", "check", "--distros"]).arg(&dir).output().unwrap();
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    let fails: Vec<&str> = text.lines().filter(|l| l.starts_with("FAIL ")).collect();
    let expected = [
        ("FAIL debian_12: not a distro folder name", "DISTRO-NUMERIC_VERSION"),
        ("FAIL debian-12-nofile/DISTRIBUTION: missing", "suite"),
        ("FAIL debian-12-dangling/debian: a dangling symlink", "../debian-99-gone/debian"),
        ("FAIL debian-12-escaping/debian: a symlink to `../../elsewhere/debian`", "outside the distros directory"),
        ("FAIL debian-12-absolute/build: a symlink to the absolute path", "make it relative"),
        ("FAIL debian-12-spaces/DOCKER_BASE: `debian bookworm` is not an image name", "whitespace"),
        ("FAIL debian-12-badtag/DOCKER_BASE: `debian:book+worm` is not an image name", "`book+worm` is not a tag"),
        ("FAIL debian-12-pkgver/PKGVER: `1_bookworm` is not a Debian revision", "invalid character `_`"),
        ("FAIL debian-12-suite/DISTRIBUTION: `bookworm/updates` is not a suite name", ""),
        ("FAIL debian-12-control/debian/control: the packaging templates do not load", "debian/control:4:"),
        ("FAIL debian-12-script/build: not executable", ""),
    ];
    for (start, detail) in expected {
        assert!(fails.iter().any(|l| l.starts_with(start) && l.contains(detail)), "no `{start}…{detail}` in:\n{text}");
    }
    assert_eq!(fails.len(), expected.len(), "one line per problem, the good folder has none:\n{text}");
    assert!(text.ends_with(&format!("{}: 11 problems found\n", dir.display())), "{text}");

    // `list` refuses the tree, with every problem in its error.
    let out = aptkit().args(["distros", "list", "--distros"]).arg(&dir).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.starts_with("error: the distros directory") && err.contains("has 11 problems"), "{err}");
    assert!(err.contains("debian-12-script/build: not executable"), "{err}");
}

/// Stands in for cargo in the build script: puts the binary this test run
/// already built where `cargo build --release` would, and insists on
/// exactly the invocation the script is meant to make.
const STUB_CARGO: &str = r#"#!/bin/sh
set -eu
[ "$*" = "build --release --locked -p aptkit" ] || { echo "unexpected: cargo $*" >&2; exit 1; }
mkdir -p "$CARGO_TARGET_DIR/release"
cp "$APTKIT_TEST_BINARY" "$CARGO_TARGET_DIR/release/aptkit"
"#;

#[test]
fn aptkit_packages_itself_and_the_package_installs_and_runs() {
    let listed = list_json(&repo_root());
    let distro = listed.iter().find(|d| field(d, "id") == "debian-12-bookworm").unwrap();

    // `aptkit build` on the host, from this repository's own tree (what
    // git would commit). No compiling: the stub cargo hands over the test
    // binary, so the build script's steps run as written.
    let work = tempfile::tempdir().unwrap();
    let bin = work.path().join("bin");
    fs::create_dir(&bin).unwrap();
    fs::write(bin.join("cargo"), STUB_CARGO).unwrap();
    fs::set_permissions(bin.join("cargo"), fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let out_dir = work.path().join("out");
    run_ok(
        aptkit()
            .current_dir(work.path())
            .args(["build", "debian-12-bookworm", "--engine", "none", "--compression", "gzip", "--source"])
            .arg(repo_root())
            .arg("--out")
            .arg(&out_dir)
            .env("PATH", path)
            .env("CARGO_TARGET_DIR", work.path().join("target"))
            .env("APTKIT_TEST_BINARY", aptkit_bin()),
    );

    // UPSTREAM-PKGVER, the upstream version from the changelog, which must
    // be the workspace's.
    let changelog = fs::read_to_string(Path::new(field(distro, "debian_dir")).join("changelog")).unwrap();
    let upstream = changelog.split(['(', '-']).nth(1).unwrap();
    assert_eq!(upstream, env!("CARGO_PKG_VERSION"), "debian/changelog is behind the workspace version");
    let version = format!("{upstream}-{}", field(distro, "pkgver"));
    let out = out_dir.join("debian-12-bookworm");
    let debs = debs_in(&out);
    assert_eq!(debs.len(), 1, "{debs:?}");
    let deb = &debs[0];
    let arch = stdout(&run_ok(Command::new("dpkg").arg("--print-architecture")));
    assert_eq!(deb.file_name().unwrap().to_string_lossy(), format!("aptkit_{version}_{}.deb", arch.trim()));

    let info = stdout(&run_ok(Command::new("dpkg-deb").arg("--info").arg(deb)));
    assert!(info.contains(" Package: aptkit\n") && info.contains(" Description: native .deb packaging"), "{info}");
    let get =
        |name: &str| stdout(&run_ok(Command::new("dpkg-deb").arg("--field").arg(deb).arg(name))).trim().to_string();
    assert_eq!(
        (get("Package"), get("Version"), get("Architecture")),
        ("aptkit".into(), version.clone(), arch.trim().into())
    );
    assert!(get("Depends").contains("libc6 (>="), "the computed ${{shlibs:Depends}}: {info}");
    let contents = stdout(&run_ok(Command::new("dpkg-deb").arg("--contents").arg(deb)));
    for path in [
        "./usr/bin/aptkit",
        "./usr/share/man/man1/aptkit.1.gz",
        "./usr/share/man/man1/aptkit-distros-check.1.gz",
        "./usr/share/bash-completion/completions/aptkit.bash",
        "./usr/share/zsh/vendor-completions/_aptkit",
        "./usr/share/fish/vendor_completions.d/aptkit.fish",
        "./usr/share/doc/aptkit/copyright",
        "./usr/share/doc/aptkit/changelog.Debian.gz",
        "./usr/share/lintian/overrides/aptkit",
    ] {
        assert!(contents.lines().any(|l| l.ends_with(&format!(" {path}"))), "no {path} in:\n{contents}");
    }

    require_tool("lintian");
    let lint = Command::new("lintian").args(["--tag-display-limit", "0"]).arg(deb).output().unwrap();
    let findings: Vec<&str> = std::str::from_utf8(&lint.stdout)
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("E: ") || l.starts_with("W: "))
        // A first changelog entry that closes no Debian bug: not a Debian upload.
        .filter(|l| !l.contains("initial-upload-closes-no-bugs"))
        .collect();
    assert!(findings.is_empty(), "lintian: {findings:#?}");

    // apt-installable: dpkg installs it in a Debian root, its dependencies
    // met there, and the installed aptkit runs.
    let root = work.path().join("root");
    copy_tree(&rootfs(), &root);
    fs::copy(deb, root.join("tmp/aptkit.deb")).unwrap();
    chroot(&root, &["dpkg", "-i", "/tmp/aptkit.deb"]);
    chroot(&root, &["dpkg", "--verify", "aptkit"]);
    let printed = stdout(&chroot(&root, &["aptkit", "--version"]));
    assert_eq!(printed.trim(), format!("aptkit {upstream}"));
    let help = stdout(&chroot(&root, &["aptkit", "distros", "--help"]));
    assert!(help.contains("check"), "{help}");
}
