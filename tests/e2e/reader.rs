//! aptkit's own reader (`aptkit deb info|contents`) against dpkg-deb, on
//! aptkit's packages, debhelper's, and archives dpkg-deb builds itself with
//! long names, hard links, setuid bits and every compression.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use aptkit_tests::*;

fn assert_reader_agrees(deb: &Path) {
    let ours = stdout(&run_ok(aptkit().args(["deb", "info"]).arg(deb)));
    let theirs = stdout(&run_ok(Command::new("dpkg-deb").arg("--info").arg(deb)));
    assert_eq!(ours, theirs, "deb info of {}", deb.display());
    let ours = stdout(&run_ok(aptkit().args(["deb", "contents"]).arg(deb)));
    let theirs = stdout(&run_ok(Command::new("dpkg-deb").arg("--contents").arg(deb).env("TZ", "UTC")));
    assert_eq!(ours, theirs, "deb contents of {}", deb.display());
}

#[test]
fn reader_agrees_with_dpkg_deb_on_aptkits_packages() {
    for compression in ["xz", "zstd", "gzip", "none"] {
        let (_out, debs) = package(compiled_example(), &["-Z", compression]);
        assert_eq!(debs.len(), 4);
        debs.iter().for_each(|d| assert_reader_agrees(d));
    }
}

#[test]
fn reader_agrees_with_dpkg_deb_on_debhelpers_packages() {
    let debs = debs_in(debhelper_reference());
    assert_eq!(debs.len(), 4, "{debs:?}");
    debs.iter().for_each(|d| assert_reader_agrees(d));
}

/// A staged tree with the awkward cases, built by dpkg-deb itself.
fn dpkg_deb_build(dir: &Path, compression: &str) -> PathBuf {
    let root = dir.join(format!("root-{compression}"));
    let deep = root.join("usr/share/awkward").join("d".repeat(60)).join("e".repeat(60));
    fs::create_dir_all(&deep).unwrap();
    fs::create_dir_all(root.join("DEBIAN")).unwrap();
    fs::write(
        root.join("DEBIAN/control"),
        "Package: awkward\nVersion: 1:2.0+b1-3\nArchitecture: all\nMaintainer: T <t@example.org>\nDescription: awkward names\n long\n",
    )
    .unwrap();
    fs::write(root.join("DEBIAN/postinst"), "#!/bin/sh\nexit 0\n").unwrap();
    fs::set_permissions(root.join("DEBIAN/postinst"), fs::Permissions::from_mode(0o755)).unwrap();
    let long_file = deep.join(format!("{}.txt", "f".repeat(40)));
    fs::write(&long_file, "x".repeat(5000)).unwrap();
    fs::hard_link(&long_file, deep.join("hardlink.txt")).unwrap();
    std::os::unix::fs::symlink(long_file.strip_prefix(&root).unwrap(), root.join("usr/share/awkward/abs-long-link"))
        .unwrap();
    let suid = root.join("usr/share/awkward/suid");
    fs::write(&suid, "#!/bin/sh\n").unwrap();
    fs::set_permissions(&suid, fs::Permissions::from_mode(0o4755)).unwrap();
    fs::write(root.join("usr/share/awkward/plus+name_1.0~rc1"), "").unwrap();
    let deb = dir.join(format!("awkward-{compression}.deb"));
    run_ok(Command::new("dpkg-deb").args(["--root-owner-group", "-Z", compression, "--build"]).arg(&root).arg(&deb));
    deb
}

#[test]
fn reader_agrees_with_dpkg_deb_on_awkward_archives() {
    let dir = tempfile::tempdir().unwrap();
    for compression in ["xz", "gzip", "zstd", "none"] {
        let deb = dpkg_deb_build(dir.path(), compression);
        assert_reader_agrees(&deb);
        let contents = stdout(&run_ok(aptkit().args(["deb", "contents"]).arg(&deb)));
        assert!(contents.contains(" link to ") && contents.contains("-rwsr-xr-x"), "{contents}");
    }
}

#[test]
fn corrupt_deb_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let (_out, debs) = package(compiled_example(), &[]);
    let bytes = fs::read(&debs[0]).unwrap();
    let cases: [(&str, Vec<u8>); 3] = [
        ("truncated.deb", bytes[..bytes.len() / 2].to_vec()),
        ("not-ar.deb", b"this is not an ar archive".to_vec()),
        ("empty.deb", Vec::new()),
    ];
    for (name, content) in cases {
        let path = dir.path().join(name);
        fs::write(&path, content).unwrap();
        for verb in ["info", "contents"] {
            let res = aptkit().args(["deb", verb]).arg(&path).output().unwrap();
            assert_eq!(res.status.code(), Some(2), "{name}");
            let err = stderr(&res);
            assert!(err.starts_with("error: ") && err.contains(name), "{name}: {err}");
        }
    }
}
