//! The oracle: dpkg-shlibdeps itself, on the host's own binaries and
//! libraries (the host is the target root `/`), laid out as dh_shlibdeps
//! lays them out (`debian/<pkg>/…` with a `DEBIAN` directory).

use std::path::{Path, PathBuf};
use std::process::Command;

use aptkit_deb::{FileSource, Node, Tree, TreeEntry, TreePath};
use aptkit_shlibs::{BuildingPackage, DepField, Resolver, TargetRoot};

fn require_tool(name: &str) {
    let found =
        std::env::var_os("PATH").is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(name).is_file()));
    assert!(found, "`{name}` is not installed: run scripts/install-test-tools.sh");
}

fn multiarch() -> String {
    let out = Command::new("dpkg-architecture").arg("-qDEB_HOST_MULTIARCH").output().expect("dpkg-architecture");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn host_arch() -> String {
    let out = Command::new("dpkg").arg("--print-architecture").output().expect("dpkg");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// Host ELF files worth checking (a C++ library, programs with versioned
/// glibc symbols and copy relocations, libraries linking libz, libm, …),
/// as (path in the package, file on the host).
fn host_samples() -> Vec<(String, PathBuf)> {
    let ma = multiarch();
    let candidates = [
        "usr/bin/dpkg".to_string(),
        "usr/bin/tar".into(),
        "usr/bin/xz".into(),
        "usr/bin/objdump".into(),
        "usr/bin/perl".into(),
        "usr/bin/gpgv".into(),
        "usr/bin/apt".into(),
        "usr/bin/curl".into(),
        "usr/bin/git".into(),
        "usr/bin/ssh".into(),
        "usr/bin/file".into(),
        format!("usr/lib/{ma}/libstdc++.so.6"),
        format!("usr/lib/{ma}/libz.so.1"),
        format!("usr/lib/{ma}/libapt-pkg.so.6.0"),
        format!("usr/lib/{ma}/libmagic.so.1"),
        format!("usr/lib/{ma}/libbfd-2.40-system.so"),
    ];
    let samples: Vec<(String, PathBuf)> = candidates
        .iter()
        .filter_map(|rel| {
            let host = std::fs::canonicalize(Path::new("/").join(rel)).ok()?;
            Some((rel.clone(), host))
        })
        .collect();
    assert!(samples.len() >= 8, "too few host binaries to compare with: {samples:?}");
    samples
}

/// Copy `files` into `debian/<package>/` under `dir` and build the tree
/// aptkit would have for them.
fn stage(dir: &Path, package: &str, files: &[(String, PathBuf)]) -> (Tree, Vec<PathBuf>) {
    let root = dir.join("debian").join(package);
    std::fs::create_dir_all(root.join("DEBIAN")).unwrap();
    let mut tree = Tree::new();
    let mut staged = Vec::new();
    for (rel, host) in files {
        let target = root.join(rel);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(host, &target).unwrap();
        let size = std::fs::metadata(&target).unwrap().len();
        let node = Node::File { source: FileSource::Path(target.clone()), size };
        tree.insert(TreePath::new(rel).unwrap(), TreeEntry { node, mode: 0o755, mtime: 0 });
        staged.push(target);
    }
    (tree, staged)
}

/// `dpkg-shlibdeps -O` run from `dir` (which has a debian/control).
fn dpkg_shlibdeps(dir: &Path, files: &[PathBuf]) -> String {
    let out = Command::new("dpkg-shlibdeps")
        .arg("-O")
        .args(files.iter().map(|f| f.strip_prefix(dir).unwrap()))
        .current_dir(dir)
        .output()
        .expect("run dpkg-shlibdeps");
    assert!(out.status.success(), "dpkg-shlibdeps failed: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    text.lines().find_map(|l| l.strip_prefix("shlibs:Depends=")).unwrap_or("").to_string()
}

fn source_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("debian")).unwrap();
    std::fs::write(
        dir.path().join("debian/control"),
        "Source: probe\nMaintainer: t <t@example.org>\n\nPackage: probe\nArchitecture: any\nDescription: x\n x\n",
    )
    .unwrap();
    dir
}

fn aptkit_depends(root: &TargetRoot, tree: &Tree) -> String {
    let packages = [BuildingPackage { name: "probe", tree, shlibs: None, symbols: None }];
    let arch = host_arch();
    let resolver = Resolver {
        root,
        packages: &packages,
        shlibs_local: None,
        build_depends: "",
        arch: &arch,
        cross_multiarch: None,
        library_dirs: &[],
    };
    let vars = resolver.package_depends("probe").unwrap();
    assert!(vars.fields.keys().all(|f| *f == DepField::Depends), "{vars:?}");
    vars.depends().unwrap_or("").to_string()
}

#[test]
fn each_host_binary_depends_as_dpkg_shlibdeps_says() {
    require_tool("dpkg-shlibdeps");
    let root = TargetRoot::new("/");
    for sample in host_samples() {
        let dir = source_dir();
        let (tree, staged) = stage(dir.path(), "probe", std::slice::from_ref(&sample));
        let theirs = dpkg_shlibdeps(dir.path(), &staged);
        assert!(!theirs.is_empty(), "{}: dpkg-shlibdeps found nothing", sample.0);
        assert_eq!(aptkit_depends(&root, &tree), theirs, "{}", sample.0);
    }
}

#[test]
fn several_programs_of_one_package_combine_as_dpkg_shlibdeps_combines_them() {
    require_tool("dpkg-shlibdeps");
    let programs: Vec<_> = host_samples().into_iter().filter(|(rel, _)| rel.starts_with("usr/bin/")).collect();
    let dir = source_dir();
    let (tree, staged) = stage(dir.path(), "probe", &programs);
    let theirs = dpkg_shlibdeps(dir.path(), &staged);
    assert_eq!(aptkit_depends(&TargetRoot::new("/"), &tree), theirs);
}
