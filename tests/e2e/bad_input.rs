//! Bad input gets a clear error naming the file (and line) and changes
//! nothing: no .deb, no temporary file, the output directory as it was.

use std::fs;
use std::path::Path;

use aptkit_tests::*;

/// Run `aptkit package` on a broken copy of the example and return stderr,
/// after checking the exit code and that the output directory is untouched.
fn package_fails(tree: &Path, extra: &[&str]) -> String {
    let out = tempfile::tempdir().unwrap();
    fs::write(out.path().join("keep.txt"), "already here").unwrap();
    let res = aptkit().arg("package").arg(tree).arg("--out").arg(out.path()).args(extra).output().unwrap();
    let err = stderr(&res);
    assert_eq!(res.status.code(), Some(2), "expected exit code 2, stderr:\n{err}");
    assert!(err.starts_with("error: "), "{err}");
    assert_eq!(dir_names(out.path()), ["keep.txt"], "output directory changed; stderr:\n{err}");
    err
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} lacks `{from}`", path.display());
    fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn malformed_control_paragraph_names_file_and_line() {
    let (_d, tree) = example_copy();
    let control = tree.join("debian/control");
    edit(&control, "Multi-Arch: foreign\n", "Multi-Arch foreign\n");
    let line = fs::read_to_string(&control).unwrap().lines().position(|l| l == "Multi-Arch foreign").unwrap() + 1;
    let err = package_fails(&tree, &[]);
    assert!(err.contains(&format!("debian/control:{line}:")), "{err}");
}

#[test]
fn missing_required_field_is_reported() {
    let (_d, tree) = example_copy();
    edit(&tree.join("debian/control"), "Architecture: all\n", "");
    let err = package_fails(&tree, &[]);
    assert!(err.contains("debian/control:") && err.contains("`Architecture`"), "{err}");
}

#[test]
fn install_file_for_unknown_package() {
    let (_d, tree) = example_copy();
    fs::write(tree.join("debian/helo.install"), "usr/bin/hello\n").unwrap();
    let err = package_fails(&tree, &[]);
    assert!(err.contains("debian/helo.install") && err.contains("no binary package `helo`"), "{err}");
}

#[test]
fn glob_that_matches_nothing() {
    let (_d, tree) = example_copy();
    fs::write(tree.join("debian/hello.install"), "usr/bin/hello\nusr/share/nothing/*.txt\n").unwrap();
    let err = package_fails(&tree, &[]);
    assert!(err.contains("debian/hello.install:2:") && err.contains("usr/share/nothing/*.txt"), "{err}");
}

#[test]
fn install_path_escaping_the_tree() {
    let (_d, tree) = example_copy();
    fs::write(tree.join("debian/hello.install"), "usr/bin/hello\n../../etc/passwd\n").unwrap();
    let err = package_fails(&tree, &[]);
    assert!(err.contains("debian/hello.install:2:") && err.contains("escapes"), "{err}");
}

#[test]
fn install_destination_escaping_the_package() {
    let (_d, tree) = example_copy();
    fs::write(tree.join("debian/hello.install"), "usr/bin/hello ../../outside\n").unwrap();
    let err = package_fails(&tree, &[]);
    assert!(err.contains("debian/hello.install:1:") && err.contains("escapes"), "{err}");
}

#[test]
fn link_escaping_the_package() {
    let (_d, tree) = example_copy();
    fs::write(tree.join("debian/hello.links"), "usr/bin/hello ../../../tmp/evil\n").unwrap();
    let err = package_fails(&tree, &[]);
    assert!(err.contains("debian/hello.links:1:") && err.contains("escapes"), "{err}");
}

#[test]
fn missing_changelog() {
    let (_d, tree) = example_copy();
    fs::remove_file(tree.join("debian/changelog")).unwrap();
    let err = package_fails(&tree, &[]);
    assert!(err.contains("debian/changelog") && err.contains("missing"), "{err}");
}

#[test]
fn malformed_changelog() {
    let (_d, tree) = example_copy();
    fs::write(tree.join("debian/changelog"), "hello-aptkit (1.0-1) unstable; urgency=medium\n\n  * no trailer\n")
        .unwrap();
    let err = package_fails(&tree, &[]);
    assert!(err.contains("debian/changelog:1:"), "{err}");
}

#[test]
fn missing_control_and_debian_dir() {
    let (_d, tree) = example_copy();
    fs::remove_file(tree.join("debian/control")).unwrap();
    let err = package_fails(&tree, &[]);
    assert!(err.contains("debian/control") && err.contains("missing"), "{err}");
    let empty = tempfile::tempdir().unwrap();
    let err = package_fails(empty.path(), &[]);
    assert!(err.contains("debian") && err.contains("missing"), "{err}");
}

#[test]
fn bad_substvars_file_names_its_line() {
    let (_d, tree) = example_copy();
    fs::write(tree.join("debian/hello.substvars"), "shlibs:Depends=libc6\nthis line has no equals sign\n").unwrap();
    let err = package_fails(&tree, &[]);
    assert!(err.contains("debian/hello.substvars:2:"), "{err}");
}

#[test]
fn listed_conffile_that_is_not_shipped() {
    let (_d, tree) = example_copy();
    fs::write(tree.join("debian/hello.conffiles"), "/etc/hello/missing.conf\n").unwrap();
    let err = package_fails(&tree, &[]);
    assert!(err.contains("debian/hello.conffiles:1:") && err.contains("/etc/hello/missing.conf"), "{err}");
}

#[test]
fn maintainer_script_without_interpreter() {
    let (_d, tree) = example_copy();
    fs::write(tree.join("debian/hello.preinst"), "set -e\n#DEBHELPER#\n").unwrap();
    let err = package_fails(&tree, &[]);
    assert!(err.contains("debian/hello.preinst:1:") && err.contains("#!"), "{err}");
}

#[test]
fn bad_command_line_values() {
    let (_d, tree) = example_copy();
    let err = package_fails(&tree, &["--version", "not a version"]);
    assert!(err.contains("--version"), "{err}");
    let err = package_fails(&tree, &["--compression", "bzip3"]);
    assert!(err.contains("bzip3"), "{err}");
    let err = package_fails(&tree, &["--arch", "vax"]);
    assert!(err.contains("vax"), "{err}");
    let err = package_fails(&tree, &["--arch", "all"]);
    assert!(err.contains("`all`"), "{err}");
    let err = package_fails(&tree, &["-p", "nosuchpackage"]);
    assert!(err.contains("nosuchpackage"), "{err}");
}

#[test]
fn unreadable_payload_fails_the_whole_build() {
    let (_d, tree) = example_copy();
    // A FIFO cannot be packaged; it is found while planning, before any write.
    let status = std::process::Command::new("mkfifo")
        .arg(tree.join("debian/tmp/usr/share/hello-data/pipe.txt"))
        .status()
        .unwrap();
    assert!(status.success());
    let err = package_fails(&tree, &[]);
    assert!(err.contains("pipe.txt"), "{err}");
}
