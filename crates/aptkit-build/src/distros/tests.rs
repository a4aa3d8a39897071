use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::Path;

use super::*;

const CONTROL: &str =
    "Source: hello\nMaintainer: A B <a@b.c>\n\nPackage: hello\nArchitecture: any\nDescription: hi\n x\n";
const CHANGELOG: &str =
    "hello (1.0-1) unstable; urgency=medium\n\n  * x\n\n -- A B <a@b.c>  Fri, 01 Mar 2024 12:00:00 +0000\n";

/// A good folder `name` with its own `debian/`.
fn folder(dir: &Path, name: &str, image: &str, suite: &str, pkgver: &str) {
    let f = dir.join(name);
    fs::create_dir_all(f.join("debian")).unwrap();
    fs::write(f.join("DOCKER_BASE"), format!("{image}\n")).unwrap();
    fs::write(f.join("DISTRIBUTION"), format!("{suite}\n")).unwrap();
    fs::write(f.join("PKGVER"), format!("{pkgver}\n")).unwrap();
    fs::write(f.join("debian/control"), CONTROL).unwrap();
    fs::write(f.join("debian/changelog"), CHANGELOG).unwrap();
}

fn executable(path: &Path, text: &str) {
    fs::write(path, text).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
}

fn problems(dir: &Path) -> Vec<String> {
    match Distros::load(dir) {
        Err(Error::Malformed { problems, .. }) => problems.iter().map(FolderError::to_line).collect(),
        other => panic!("expected problems, got {other:?}"),
    }
}

#[test]
fn a_good_tree_with_shared_templates_and_script() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("distros");
    folder(&dir, "debian-12-bookworm", "debian:bookworm", "bookworm", "1~bookworm");
    executable(&dir.join("debian-12-bookworm/build"), "#!/bin/sh\nmake\n");
    folder(&dir, "ubuntu-24.04-noble", "ubuntu:24.04", "noble", "1~24.04");
    fs::remove_dir_all(dir.join("ubuntu-24.04-noble/debian")).unwrap();
    symlink("../debian-12-bookworm/debian", dir.join("ubuntu-24.04-noble/debian")).unwrap();
    symlink("../debian-12-bookworm/build", dir.join("ubuntu-24.04-noble/build")).unwrap();
    fs::write(dir.join("README.md"), "not a folder").unwrap();
    fs::create_dir(dir.join(".cache")).unwrap();

    let distros = Distros::load(&dir).unwrap();
    assert_eq!(distros.ids().collect::<Vec<_>>(), ["debian-12-bookworm", "ubuntu-24.04-noble"]);
    let noble = distros.find("ubuntu-24.04-noble").unwrap();
    let real = fs::canonicalize(&dir).unwrap();
    assert_eq!(
        (noble.distro.as_str(), noble.version.as_str(), noble.name.as_deref()),
        ("ubuntu", "24.04", Some("noble"))
    );
    assert_eq!(noble.docker_base.to_string(), "ubuntu:24.04");
    assert_eq!((noble.distribution.as_str(), noble.pkgver.as_str()), ("noble", "1~24.04"));
    assert_eq!(noble.debian_dir, real.join("debian-12-bookworm/debian"));
    assert_eq!(noble.build_script.as_deref(), Some(real.join("debian-12-bookworm/build").as_path()));
    assert_eq!(noble.path, dir.join("ubuntu-24.04-noble"));

    let err = distros.find("debian-13-trixie").unwrap_err().to_string();
    assert!(err.contains("`debian-13-trixie`") && err.contains("debian-12-bookworm, ubuntu-24.04-noble"), "{err}");
}

#[test]
fn a_folder_without_build_script_uses_the_default() {
    let tmp = tempfile::tempdir().unwrap();
    folder(tmp.path(), "debian-13-trixie", "debian:trixie", "trixie", "1");
    let distros = Distros::load(tmp.path()).unwrap();
    assert_eq!(distros.find("debian-13-trixie").unwrap().build_script, None);
}

#[test]
fn every_problem_of_every_folder_is_reported_with_folder_and_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("distros");
    let outside = tmp.path().join("outside");
    fs::create_dir_all(outside.join("debian")).unwrap();

    folder(&dir, "debian12", "debian:bookworm", "bookworm", "1");
    folder(&dir, "debian-12-image", "debian: bookworm", "bookworm", "1");
    folder(&dir, "debian-12-tag", "debian:-slim", "bookworm", "1");
    folder(&dir, "debian-12-pkgver", "debian:bookworm", "bookworm", "1_bookworm");
    folder(&dir, "debian-12-suite", "debian:bookworm", "book/worm", "1");
    folder(&dir, "debian-12-control", "debian:bookworm", "bookworm", "1");
    fs::write(dir.join("debian-12-control/debian/control"), "Source hello\n").unwrap();
    folder(&dir, "debian-12-missing", "debian:bookworm", "bookworm", "1");
    fs::remove_file(dir.join("debian-12-missing/PKGVER")).unwrap();
    fs::remove_dir_all(dir.join("debian-12-missing/debian")).unwrap();
    folder(&dir, "debian-12-dangling", "debian:bookworm", "bookworm", "1");
    fs::remove_dir_all(dir.join("debian-12-dangling/debian")).unwrap();
    symlink("../nowhere/debian", dir.join("debian-12-dangling/debian")).unwrap();
    folder(&dir, "debian-12-escaping", "debian:bookworm", "bookworm", "1");
    fs::remove_dir_all(dir.join("debian-12-escaping/debian")).unwrap();
    symlink("../../outside/debian", dir.join("debian-12-escaping/debian")).unwrap();
    folder(&dir, "debian-12-absolute", "debian:bookworm", "bookworm", "1");
    fs::remove_dir_all(dir.join("debian-12-absolute/debian")).unwrap();
    symlink(dir.join("debian-12-image/debian"), dir.join("debian-12-absolute/debian")).unwrap();
    folder(&dir, "debian-12-script", "debian:bookworm", "bookworm", "1");
    fs::write(dir.join("debian-12-script/build"), "#!/bin/sh\n").unwrap();
    folder(&dir, "debian-12-loop", "debian:bookworm", "bookworm", "1");
    symlink("build", dir.join("debian-12-loop/build")).unwrap();
    // Several problems in one folder are all reported.
    folder(&dir, "Ubuntu-24.04", "Ubuntu", "", "");

    let lines = problems(&dir);
    let expect = [
        ("Ubuntu-24.04: not a distro folder name", "distribution"),
        ("Ubuntu-24.04/DOCKER_BASE: `Ubuntu` is not an image name", "lowercase"),
        ("Ubuntu-24.04/DISTRIBUTION: empty", ""),
        ("Ubuntu-24.04/PKGVER: empty", ""),
        ("debian-12-absolute/debian: a symlink to the absolute path", "relative"),
        ("debian-12-control/debian/control: the packaging templates do not load", "debian/control:1:"),
        ("debian-12-dangling/debian: a dangling symlink: `../nowhere/debian`", ""),
        ("debian-12-escaping/debian: a symlink to `../../outside/debian`", "outside the distros directory"),
        ("debian-12-image/DOCKER_BASE: `debian: bookworm` is not an image name", "whitespace"),
        ("debian-12-loop/build: too many levels of symlinks", ""),
        ("debian-12-missing/PKGVER: missing", "Debian revision"),
        ("debian-12-missing/debian: missing", "templates"),
        ("debian-12-pkgver/PKGVER: `1_bookworm` is not a Debian revision", "invalid character `_`"),
        ("debian-12-script/build: not executable", "chmod +x"),
        ("debian-12-suite/DISTRIBUTION: `book/worm` is not a suite name", ""),
        ("debian-12-tag/DOCKER_BASE: `debian:-slim` is not an image name", "`-slim` is not a tag"),
        ("debian12: not a distro folder name", "no `-`"),
    ];
    for (start, detail) in expect {
        assert!(
            lines.iter().any(|l| l.starts_with(start) && l.contains(detail)),
            "no problem `{start}…{detail}` in:\n{}",
            lines.join("\n")
        );
    }
    // Nothing else, and nothing twice.
    assert_eq!(lines.len(), expect.len(), "{}", lines.join("\n"));
}

#[test]
fn an_empty_value_file_is_empty_not_invalid() {
    let tmp = tempfile::tempdir().unwrap();
    folder(tmp.path(), "debian-12-bookworm", "debian:bookworm", "bookworm", "1");
    fs::write(tmp.path().join("debian-12-bookworm/DOCKER_BASE"), "\n").unwrap();
    assert_eq!(problems(tmp.path()), ["debian-12-bookworm/DOCKER_BASE: empty"]);
}

#[test]
fn the_directory_itself() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("nope");
    assert!(matches!(Distros::load(&missing), Err(Error::NoDirectory { .. })));
    fs::write(&missing, "a file").unwrap();
    assert!(matches!(Distros::load(&missing), Err(Error::NotADirectory { .. })));
    let empty = tempfile::tempdir().unwrap();
    assert!(Distros::load(empty.path()).unwrap().is_empty());
}
