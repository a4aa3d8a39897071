//! Library-level tests on small generated source trees (no compiler needed).

use std::fs;
use std::path::Path;

use aptkit_deb::{Compression, DebReader, DebWriter};
use aptkit_debian_dir::{build, plan, Options};

const CONTROL: &str = "Source: tiny
Maintainer: Test <test@example.org>
Section: misc
Priority: optional

Package: tiny-data
Architecture: all
Description: tiny data
 Long description.

Package: tiny-tools
Architecture: all
Depends: tiny-data (= ${binary:Version}), ${misc:Depends}, ${custom:Dep}
Description: tiny tools
 Long description.
";

const CHANGELOG: &str = "tiny (2.0-1) unstable; urgency=medium

  * Test.

 -- Test <test@example.org>  Sat, 21 Nov 2026 10:00:00 +0000
";

fn source_tree(root: &Path) {
    let debian = root.join("debian");
    fs::create_dir_all(debian.join("tmp/usr/share/tiny")).unwrap();
    fs::create_dir_all(debian.join("tmp/usr/bin")).unwrap();
    fs::write(debian.join("control"), CONTROL).unwrap();
    fs::write(debian.join("changelog"), CHANGELOG).unwrap();
    fs::write(debian.join("copyright"), "Files: *\nCopyright: none\nLicense: public-domain\n").unwrap();
    fs::write(debian.join("tmp/usr/share/tiny/a.txt"), "a\n").unwrap();
    fs::write(debian.join("tmp/usr/bin/tiny"), "#!/bin/sh\necho tiny\n").unwrap();
    fs::write(debian.join("tiny-data.install"), "usr/share/tiny/*.txt\n").unwrap();
    fs::write(debian.join("tiny-tools.install"), "usr/bin/tiny\n").unwrap();
    fs::write(debian.join("tiny-tools.substvars"), "custom:Dep=foo (>= 1)\n").unwrap();
}

fn options() -> Options {
    Options { host_arch: "amd64".into(), ..Options::default() }
}

fn writer(epoch: u64) -> DebWriter {
    DebWriter { compression: Compression::default(), threads: 2, source_date_epoch: epoch, progress: None }
}

#[test]
fn plans_and_builds_a_generated_tree() {
    let src = tempfile::tempdir().unwrap();
    source_tree(src.path());
    let plan = plan(src.path(), &options()).unwrap();
    assert_eq!(plan.source_date_epoch, 1_795_255_200);
    let out = tempfile::tempdir().unwrap();
    let built = build(&plan, out.path(), &writer(plan.source_date_epoch)).unwrap();
    assert_eq!(built.len(), 2);
    let tools = DebReader::open(&out.path().join("tiny-tools_2.0-1_all.deb")).unwrap();
    let control = String::from_utf8(tools.control_file("control").unwrap().contents.clone()).unwrap();
    assert!(control.contains("Depends: tiny-data (= 2.0-1), foo (>= 1)\n"), "{control}");
    assert!(control.contains("Source: tiny\n"));
    let names: Vec<&str> = tools.data.iter().map(|e| e.name.as_str()).collect();
    assert!(names.contains(&"./usr/bin/tiny"), "{names:?}");
    assert!(names.contains(&"./usr/share/doc/tiny-tools/changelog.Debian.gz"), "{names:?}");
    let bin = tools.data.iter().find(|e| e.name == "./usr/bin/tiny").unwrap();
    assert_eq!(bin.mode, 0o755, "files in usr/bin are executable");
    assert!(tools.data.iter().all(|e| e.mtime <= plan.source_date_epoch && e.user == "root"));
}

#[test]
fn a_failure_while_writing_leaves_no_deb_at_all() {
    let src = tempfile::tempdir().unwrap();
    source_tree(src.path());
    let plan = plan(src.path(), &options()).unwrap();
    // The payload changes between planning and writing: the package whose
    // file grew fails, and the other one, already complete in a temporary
    // file, must not appear either.
    fs::write(src.path().join("debian/tmp/usr/bin/tiny"), "x".repeat(10_000)).unwrap();
    let out = tempfile::tempdir().unwrap();
    let err = build(&plan, out.path(), &writer(plan.source_date_epoch)).unwrap_err();
    let chain = format!("{err}: {}", std::error::Error::source(&err).map(|e| e.to_string()).unwrap_or_default());
    assert!(chain.contains("tiny-tools") && chain.contains("changed while being packaged"), "{chain}");
    assert_eq!(fs::read_dir(out.path()).unwrap().count(), 0, "nothing may be left in the output directory");
}

#[test]
fn single_package_without_install_file_takes_all_of_debian_tmp() {
    let src = tempfile::tempdir().unwrap();
    source_tree(src.path());
    let control = CONTROL.split("\n\nPackage: tiny-tools").next().unwrap().to_string() + "\n";
    fs::write(src.path().join("debian/control"), control).unwrap();
    fs::remove_file(src.path().join("debian/tiny-data.install")).unwrap();
    fs::remove_file(src.path().join("debian/tiny-tools.install")).unwrap();
    fs::remove_file(src.path().join("debian/tiny-tools.substvars")).unwrap();
    let plan = plan(src.path(), &options()).unwrap();
    let tree = &plan.packages[0].tree;
    let paths: Vec<&str> = tree.iter().map(|(p, _)| p.as_str()).collect();
    assert!(paths.contains(&"usr/bin/tiny") && paths.contains(&"usr/share/tiny/a.txt"), "{paths:?}");
}

#[test]
fn unknown_substvars_warn_and_expand_to_nothing() {
    let src = tempfile::tempdir().unwrap();
    source_tree(src.path());
    fs::remove_file(src.path().join("debian/tiny-tools.substvars")).unwrap();
    let plan = plan(src.path(), &options()).unwrap();
    assert!(plan.warnings.iter().any(|w| w.contains("custom:Dep")), "{:?}", plan.warnings);
    let tools = plan.packages.iter().find(|p| p.name == "tiny-tools").unwrap();
    assert_eq!(tools.control.get("Depends"), Some("tiny-data (= 2.0-1)"));
}

#[test]
fn ready_package_directory_is_used_as_is() {
    let src = tempfile::tempdir().unwrap();
    source_tree(src.path());
    let staged = src.path().join("debian/tiny-data/usr/share/tiny-data");
    fs::create_dir_all(&staged).unwrap();
    fs::write(staged.join("ready.txt"), "ready\n").unwrap();
    fs::create_dir_all(src.path().join("debian/tiny-data/DEBIAN")).unwrap();
    fs::write(src.path().join("debian/tiny-data/DEBIAN/control"), "junk").unwrap();
    let plan = plan(src.path(), &options()).unwrap();
    let data = plan.packages.iter().find(|p| p.name == "tiny-data").unwrap();
    let paths: Vec<&str> = data.tree.iter().map(|(p, _)| p.as_str()).collect();
    assert!(paths.contains(&"usr/share/tiny-data/ready.txt"), "{paths:?}");
    assert!(!paths.iter().any(|p| p.contains("DEBIAN") || p.contains("a.txt")), "{paths:?}");
}

#[test]
fn install_lines_may_name_debian_tmp_explicitly() {
    let src = tempfile::tempdir().unwrap();
    source_tree(src.path());
    fs::write(src.path().join("debian/tiny-tools.install"), "debian/tmp/usr/bin/tiny usr/libexec/tiny\n").unwrap();
    let plan = plan(src.path(), &options()).unwrap();
    let tools = plan.packages.iter().find(|p| p.name == "tiny-tools").unwrap();
    let paths: Vec<&str> = tools.tree.iter().map(|(p, _)| p.as_str()).collect();
    assert!(paths.contains(&"usr/libexec/tiny/tiny"), "{paths:?}");
    assert!(!paths.iter().any(|p| p.starts_with("debian")), "{paths:?}");
}

#[test]
fn a_file_over_a_directory_is_refused() {
    let src = tempfile::tempdir().unwrap();
    source_tree(src.path());
    // `usr/share/tiny` is a directory in debian/tmp; a link over it hides it.
    fs::write(src.path().join("debian/tiny-data.links"), "usr/share/doc/tiny-data/copyright usr/share/tiny\n").unwrap();
    let err = plan(src.path(), &options()).unwrap_err();
    assert!(err.to_string().contains("usr/share/tiny/a.txt"), "{err}");
}

/// `aptkit package .`: glob drops the leading `./` of what it finds, which
/// must still be found under its base (this once panicked).
#[test]
fn a_relative_root_with_source_tree_globs() {
    // A tree reached by `./NAME`, which only a directory under the current one gives.
    let src = tempfile::Builder::new().prefix(".relative-root-").tempdir_in(".").unwrap();
    source_tree(src.path());
    fs::create_dir_all(src.path().join("docs")).unwrap();
    fs::write(src.path().join("docs/tiny.1"), ".TH TINY 1\n").unwrap();
    fs::write(src.path().join("debian/tiny-tools.install"), "usr/bin/tiny\ndocs/*.1 usr/share/man/man1\n").unwrap();
    let root = Path::new(".").join(src.path().file_name().unwrap());
    let plan = plan(&root, &options()).unwrap();
    let tools = plan.packages.iter().find(|p| p.name == "tiny-tools").unwrap();
    let paths: Vec<String> = tools.tree.iter().map(|(p, _)| p.as_str().to_string()).collect();
    assert!(paths.iter().any(|p| p == "usr/share/man/man1/tiny.1.gz"), "{paths:?}");
}
