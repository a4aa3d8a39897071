//! Errors name what they are about: the ELF file (its path in the
//! package), the SONAME, the library found.

use std::path::Path;

use aptkit_deb::{FileSource, Node, Tree, TreeEntry, TreePath};
use aptkit_shlibs::{BuildingPackage, Error, Resolver, TargetRoot};

const MULTIARCH_DIR: &str = "usr/lib/x86_64-linux-gnu";

/// A package holding the host's `xz` (it needs liblzma.so.5 and libc.so.6).
fn xz_tree() -> Tree {
    let mut tree = Tree::new();
    let host = std::fs::canonicalize("/usr/bin/xz").expect("xz is installed (scripts/install-test-tools.sh)");
    let size = std::fs::metadata(&host).unwrap().len();
    let node = Node::File { source: FileSource::Path(host), size };
    tree.insert(TreePath::new("usr/bin/xz").unwrap(), TreeEntry { node, mode: 0o755, mtime: 0 });
    tree
}

fn depends(root: &Path, tree: &Tree) -> aptkit_shlibs::Result<aptkit_shlibs::ShlibsVars> {
    let root = TargetRoot::new(root);
    let packages = [BuildingPackage { name: "xz-utils", tree, shlibs: None, symbols: None }];
    let resolver = Resolver {
        root: &root,
        packages: &packages,
        shlibs_local: None,
        build_depends: "",
        arch: "amd64",
        cross_multiarch: None,
        library_dirs: &[],
    };
    resolver.package_depends("xz-utils")
}

/// A root whose ld.so.conf lists the multiarch directory.
fn root_with_search_path() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("etc")).unwrap();
    std::fs::create_dir_all(root.path().join(MULTIARCH_DIR)).unwrap();
    std::fs::write(root.path().join("etc/ld.so.conf"), format!("/{MULTIARCH_DIR}\n")).unwrap();
    root
}

#[test]
fn a_soname_found_nowhere_names_the_elf_file_and_the_soname() {
    assert!(Path::new("/").join(MULTIARCH_DIR).is_dir(), "these tests assume an amd64 host");
    let root = root_with_search_path();
    let err = depends(root.path(), &xz_tree()).unwrap_err();
    let Error::LibraryNotFound { elf, soname, .. } = &err else { panic!("{err}") };
    assert_eq!(elf, "/usr/bin/xz (package xz-utils)");
    assert_eq!(soname, "liblzma.so.5");
    let message = err.to_string();
    assert!(message.contains("/usr/bin/xz") && message.contains("`liblzma.so.5`"), "{message}");
    assert!(message.contains(&format!("/{MULTIARCH_DIR}")), "the search path is shown: {message}");
}

#[test]
fn a_library_no_package_describes_names_the_elf_file_the_soname_and_the_library() {
    let root = root_with_search_path();
    // Both libraries are there (as stubs), but no dpkg database says whose.
    for lib in ["liblzma.so.5", "libc.so.6"] {
        std::fs::write(root.path().join(MULTIARCH_DIR).join(lib), "").unwrap();
    }
    let err = depends(root.path(), &xz_tree()).unwrap_err();
    let Error::NoDependencyInfo { elf, soname, library, .. } = &err else { panic!("{err}") };
    assert_eq!((elf.as_str(), soname.as_str()), ("/usr/bin/xz (package xz-utils)", "liblzma.so.5"));
    assert!(library.contains("liblzma.so.5") && library.contains("target root"), "{library}");
}

#[test]
fn a_stub_library_of_a_package_with_a_shlibs_file_resolves() {
    let root = root_with_search_path();
    let info = root.path().join("var/lib/dpkg/info");
    std::fs::create_dir_all(&info).unwrap();
    for (package, lib, shlibs) in [
        ("liblzma5:amd64", "liblzma.so.5", "liblzma 5 liblzma5 (>= 5.1.1alpha+20120614)\n"),
        ("libc6:amd64", "libc.so.6", "libc 6 libc6 (>= 2.36)\n"),
    ] {
        std::fs::write(root.path().join(MULTIARCH_DIR).join(lib), "").unwrap();
        std::fs::write(info.join(format!("{package}.list")), format!("/{MULTIARCH_DIR}/{lib}\n")).unwrap();
        std::fs::write(info.join(format!("{package}.shlibs")), shlibs).unwrap();
    }
    let vars = depends(root.path(), &xz_tree()).unwrap();
    assert_eq!(vars.depends(), Some("libc6 (>= 2.36), liblzma5 (>= 5.1.1alpha+20120614)"));
}

#[test]
fn a_malformed_symbols_file_of_the_root_names_the_file_and_line() {
    let root = root_with_search_path();
    let info = root.path().join("var/lib/dpkg/info");
    std::fs::create_dir_all(&info).unwrap();
    for lib in ["liblzma.so.5", "libc.so.6"] {
        std::fs::write(root.path().join(MULTIARCH_DIR).join(lib), "").unwrap();
    }
    std::fs::write(info.join("liblzma5:amd64.list"), format!("/{MULTIARCH_DIR}/liblzma.so.5\n")).unwrap();
    std::fs::write(info.join("liblzma5:amd64.symbols"), "liblzma.so.5 liblzma5 #MINVER#\n lzma_code@XZ_5.0\n").unwrap();
    let err = depends(root.path(), &xz_tree()).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("liblzma5:amd64.symbols:2: "), "{message}");
}

#[test]
fn a_stub_library_of_another_architecture_is_passed_over() {
    let root = root_with_search_path();
    let i386 = root.path().join("usr/lib/i386-linux-gnu");
    std::fs::create_dir_all(&i386).unwrap();
    // i386 sorts first in ld.so.conf.d, as it does on a real multiarch root.
    std::fs::write(root.path().join("etc/ld.so.conf"), format!("/usr/lib/i386-linux-gnu\n/{MULTIARCH_DIR}\n")).unwrap();
    let info = root.path().join("var/lib/dpkg/info");
    std::fs::create_dir_all(&info).unwrap();
    for (dir, arch) in [("usr/lib/i386-linux-gnu", "i386"), (MULTIARCH_DIR, "amd64")] {
        for (package, lib, version) in [("liblzma5", "liblzma.so.5", "5.1"), ("libc6", "libc.so.6", "2.36")] {
            std::fs::write(root.path().join(dir).join(lib), "").unwrap();
            std::fs::write(info.join(format!("{package}:{arch}.list")), format!("/{dir}/{lib}\n")).unwrap();
            let name = lib.split(".so.").next().unwrap();
            let soversion = lib.rsplit('.').next().unwrap();
            let dep = format!("{name} {soversion} {package}-{arch} (>= {version})\n");
            std::fs::write(info.join(format!("{package}:{arch}.shlibs")), dep).unwrap();
        }
    }
    let vars = depends(root.path(), &xz_tree()).unwrap();
    assert_eq!(vars.depends(), Some("libc6-amd64 (>= 2.36), liblzma5-amd64 (>= 5.1)"));
}
