//! `${shlibs:Depends}` computed by `aptkit package`, checked against
//! debhelper's build of the same source, against dpkg-shlibdeps run on
//! aptkit's own output, with lintian, and with a stub target root.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use aptkit_tests::*;

/// The two sources with shared libraries: the example and vecmath (a
/// library with versioned symbols and a symbols file, using libm and libz).
const SOURCES: &[&str] = &["hello", "vecmath"];

fn field(deb: &Path, name: &str) -> String {
    stdout(&run_ok(Command::new("dpkg-deb").arg("--field").arg(deb).arg(name))).trim().to_string()
}

fn control_member(deb: &Path, name: &str) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    run_ok(Command::new("dpkg-deb").arg("-e").arg(deb).arg(dir.path()));
    fs::read_to_string(dir.path().join(name)).ok()
}

#[test]
fn vecmath_depends_and_library_control_files_match_debhelpers_build() {
    let (_out, debs) = package(compiled_source("vecmath"), &[]);
    let names: Vec<String> = debs.iter().map(|d| d.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(
        names,
        ["libvec-dev_1.2_amd64.deb", "libvec1_1.2_amd64.deb", "vecstat-doc_1.2_all.deb", "vecstat_1.2_amd64.deb"]
    );
    let reference = debhelper_build("vecmath");
    for deb in &debs {
        let theirs = reference.join(deb.file_name().unwrap());
        let pkg = package_name(deb);
        for name in ["Depends", "Pre-Depends", "Suggests"] {
            assert_eq!(field(deb, name), field(&theirs, name), "{pkg}: {name}");
        }
        for member in ["shlibs", "symbols"] {
            assert_eq!(control_member(deb, member), control_member(&theirs, member), "{pkg}: control member {member}");
        }
    }
    let vecstat = debs.iter().find(|d| package_name(d) == "vecstat").unwrap();
    assert_eq!(field(vecstat, "Depends"), "libc6 (>= 2.34), libvec1 (>= 1.2)");
    let lib = debs.iter().find(|d| package_name(d) == "libvec1").unwrap();
    assert_eq!(field(lib, "Depends"), "libc6 (>= 2.35), zlib1g (>= 1:1.1.4)");
}

/// `debian/<pkg>/` and `DEBIAN/` of every .deb, as dh_shlibdeps sees the
/// build tree, under a copy of the source's `debian/`.
fn unpack_as_build_tree(source: &Path, debs: &[PathBuf]) -> tempfile::TempDir {
    let work = tempfile::tempdir().unwrap();
    fs::create_dir_all(work.path().join("debian")).unwrap();
    fs::copy(source.join("debian/control"), work.path().join("debian/control")).unwrap();
    if source.join("debian/shlibs.local").is_file() {
        fs::copy(source.join("debian/shlibs.local"), work.path().join("debian/shlibs.local")).unwrap();
    }
    for deb in debs {
        let dest = work.path().join("debian").join(package_name(deb));
        run_ok(Command::new("dpkg-deb").arg("-R").arg(deb).arg(&dest));
    }
    work
}

/// Regular files starting with the ELF magic (what dh_shlibdeps passes;
/// the fixtures have no static binaries).
fn elf_files(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = walk(dir)
        .into_iter()
        .filter(|p| !p.starts_with(dir.join("DEBIAN")))
        .filter(|p| {
            let meta = fs::symlink_metadata(p).unwrap();
            meta.file_type().is_file() && fs::read(p).is_ok_and(|d| d.starts_with(b"\x7fELF"))
        })
        .collect();
    found.sort();
    found
}

/// `debian/control`'s Depends template of `package` with `value` for
/// `${shlibs:Depends}`, as dpkg-gencontrol would expand it.
fn expected_depends(source: &Path, package: &str, version: &str, value: &str) -> String {
    let control = fs::read_to_string(source.join("debian/control")).unwrap();
    let paragraph = control.split("\n\n").find(|p| p.contains(&format!("Package: {package}\n"))).unwrap();
    let template = control_fields(paragraph).into_iter().find(|(k, _)| k == "Depends").map(|(_, v)| v).unwrap();
    let expanded = template
        .replace("${shlibs:Depends}", value)
        .replace("${misc:Depends}", "")
        .replace("${binary:Version}", version)
        .replace("${source:Version}", version);
    expanded.split(',').map(str::trim).filter(|s| !s.is_empty()).collect::<Vec<_>>().join(", ")
}

#[test]
fn depends_equal_dpkg_shlibdeps_run_on_aptkits_own_packages() {
    require_tool("dpkg-shlibdeps");
    for source in SOURCES {
        let tree = compiled_source(source);
        let (_out, debs) = package(tree, &[]);
        let work = unpack_as_build_tree(tree, &debs);
        let mut checked = 0;
        for deb in &debs {
            let pkg = package_name(deb);
            let files = elf_files(&work.path().join("debian").join(&pkg));
            if files.is_empty() {
                continue;
            }
            let out = run_ok(
                Command::new("dpkg-shlibdeps")
                    .arg("-O")
                    .args(files.iter().map(|f| f.strip_prefix(work.path()).unwrap()))
                    .current_dir(work.path()),
            );
            let theirs = stdout(&out);
            let value = theirs.lines().find_map(|l| l.strip_prefix("shlibs:Depends=")).unwrap_or("");
            assert!(!value.is_empty(), "{source}/{pkg}: dpkg-shlibdeps found nothing: {theirs}");
            let version = field(deb, "Version");
            assert_eq!(field(deb, "Depends"), expected_depends(tree, &pkg, &version, value), "{source}/{pkg}");
            checked += 1;
        }
        assert_eq!(checked, 2, "{source}: a program and a library package");
    }
}

#[test]
fn lintian_finds_nothing_in_vecmath_that_debhelpers_build_lacks() {
    require_tool("lintian");
    let (_out, debs) = package(compiled_source("vecmath"), &[]);
    let tags = |debs: &[PathBuf]| -> BTreeSet<String> {
        let out =
            Command::new("lintian").args(["--tag-display-limit", "0", "-I"]).args(debs).output().expect("run lintian");
        assert!(out.status.code().is_some_and(|c| c == 0 || c == 2), "lintian could not run: {}", stderr(&out));
        stdout(&out).lines().filter(|l| l.contains(": ")).map(str::to_string).collect()
    };
    let reference: Vec<PathBuf> =
        debs.iter().map(|d| debhelper_build("vecmath").join(d.file_name().unwrap())).collect();
    let ours = tags(&debs);
    let theirs = tags(&reference);
    let extra: Vec<_> = ours.difference(&theirs).collect();
    assert!(extra.is_empty(), "lintian tags only aptkit's packages have: {extra:#?}");
    assert!(
        !ours.iter().any(|t| t.contains("missing-dependency-on-libc") || t.contains("undeclared-elf")),
        "{ours:#?}"
    );
}

/// What the build stage exports: the root's library directories copied
/// with `cp -a --attributes-only` (empty files, same links), and its dpkg
/// database and `etc/` for real.
fn stub_root(real: &Path, dest: &Path) {
    fs::create_dir_all(dest.join("var/lib")).unwrap();
    for top in ["usr", "lib", "lib64", "bin", "sbin"] {
        if fs::symlink_metadata(real.join(top)).is_ok() {
            run_ok(Command::new("cp").arg("-a").arg("--attributes-only").arg(real.join(top)).arg(dest));
        }
    }
    run_ok(Command::new("cp").arg("-a").arg(real.join("etc")).arg(dest));
    run_ok(Command::new("cp").arg("-a").arg(real.join("var/lib/dpkg")).arg(dest.join("var/lib")));
}

#[test]
fn a_stub_target_root_gives_what_the_real_root_gives() {
    let real = rootfs();
    let stub_dir = tempfile::tempdir().unwrap();
    let stub = stub_dir.path().join("root");
    fs::create_dir_all(&stub).unwrap();
    stub_root(&real, &stub);
    let libc = fs::canonicalize(stub.join("lib/x86_64-linux-gnu/libc.so.6")).unwrap();
    assert_eq!(fs::metadata(&libc).unwrap().len(), 0, "the stub's libc is an empty file");

    for source in SOURCES {
        let depends = |root: &Path| -> Vec<(String, String)> {
            let (_out, debs) = package(compiled_source(source), &["--target-root", root.to_str().unwrap()]);
            debs.iter().map(|d| (package_name(d), field(d, "Depends"))).collect()
        };
        let from_real = depends(&real);
        assert!(from_real.iter().any(|(_, d)| d.contains("libc6 (>= 2.3")), "{source}: {from_real:?}");
        assert_eq!(depends(&stub), from_real, "{source}: stub root");
        // The test root and the host are both bookworm: the same answer.
        assert_eq!(depends(Path::new("/")), from_real, "{source}: host root");
    }
}

#[test]
fn compile_commands_keep_their_own_shlibs_depends() {
    let (_dir, tree) = example_copy();
    fs::write(tree.join("debian/hello.substvars"), "shlibs:Depends=libfrom-compile (>= 9)\n").unwrap();
    let (_out, debs) = package(&tree, &[]);
    let hello = debs.iter().find(|d| package_name(d) == "hello").unwrap();
    assert_eq!(field(hello, "Depends"), "libfrom-compile (>= 9), hello-data (= 1.0-1)");
    let lib = debs.iter().find(|d| package_name(d) == "libgreet1").unwrap();
    assert_eq!(field(lib, "Depends"), "libc6 (>= 2.3.4)", "other packages are still computed");

    let (_out, debs) = package(compiled_example(), &["--no-shlibs"]);
    let hello = debs.iter().find(|d| package_name(d) == "hello").unwrap();
    assert_eq!(field(hello, "Depends"), "hello-data (= 1.0-1)");
}

#[test]
fn an_unresolvable_library_names_the_elf_file_and_the_soname() {
    // A root with the host's library search path but no library at all.
    let empty = tempfile::tempdir().unwrap();
    fs::create_dir_all(empty.path().join("etc")).unwrap();
    run_ok(Command::new("cp").arg("-a").args(["/etc/ld.so.conf", "/etc/ld.so.conf.d"]).arg(empty.path().join("etc")));
    let out = aptkit()
        .arg("package")
        .arg(compiled_example())
        .arg("--out")
        .arg(empty.path().join("out"))
        .arg("--target-root")
        .arg(empty.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("/usr/bin/hello (package hello)") && err.contains("`libc.so.6`"), "{err}");
    assert!(!empty.path().join("out").exists() || dir_names(&empty.path().join("out")).is_empty());
}

#[test]
fn a_library_of_the_programs_own_package_gives_no_dependency() {
    // The example with libgreet shipped in hello itself.
    let (_dir, tree) = example_copy();
    let debian = tree.join("debian");
    let control = fs::read_to_string(debian.join("control")).unwrap();
    let kept: Vec<&str> = control
        .split("\n\n")
        .filter(|p| !p.contains("Package: libgreet1") && !p.contains("Package: libgreet-dev"))
        .collect();
    fs::write(debian.join("control"), kept.join("\n\n")).unwrap();
    let libs = fs::read_to_string(debian.join("libgreet1.install")).unwrap();
    let mut install = fs::read_to_string(debian.join("hello.install")).unwrap();
    install.push_str(&libs);
    fs::write(debian.join("hello.install"), install).unwrap();
    fs::remove_file(debian.join("libgreet1.install")).unwrap();
    fs::remove_file(debian.join("libgreet-dev.install")).unwrap();

    let (_out, debs) = package(&tree, &[]);
    let hello = debs.iter().find(|d| package_name(d) == "hello").unwrap();
    assert_eq!(control_member(hello, "shlibs").as_deref(), Some("libgreet 1 hello (>= 1.0)\n"));
    assert_eq!(field(hello, "Depends"), "libc6 (>= 2.34), hello-data (= 1.0-1)");
}
