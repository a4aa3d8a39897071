//! Shared fixtures: a `debian/` tree, a key over it, real .debs and a log.

mod key;
mod s3;
mod store;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use aptkit_deb::{Compression, ControlFile, DebWriter, FileSource, Node, Tree, TreeEntry, TreePath};

use super::{BuildKey, BuildKeyBuilder, Products, Provenance};

/// A small `debian/`: control, an executable rules, a subdirectory, and a
/// symlink inside the tree.
fn debian_dir(parent: &Path) -> PathBuf {
    let dir = parent.join("debian");
    std::fs::create_dir_all(dir.join("source")).unwrap();
    std::fs::write(dir.join("control"), "Source: hello\n\nPackage: hello\nArchitecture: any\n").unwrap();
    std::fs::write(dir.join("rules"), "#!/usr/bin/make -f\n%:\n\tdh $@\n").unwrap();
    std::fs::set_permissions(dir.join("rules"), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(dir.join("source/format"), "3.0 (quilt)\n").unwrap();
    std::fs::write(dir.join("changelog"), "hello (1.0-1) unstable; urgency=medium\n").unwrap();
    std::os::unix::fs::symlink("changelog", dir.join("NEWS")).unwrap();
    dir
}

/// Every input a build has, for the `debian/` tree `debian`.
fn builder(debian: &Path) -> BuildKeyBuilder {
    BuildKey::builder()
        .source_sha256(&"ab".repeat(32))
        .debian_tree(debian)
        .unwrap()
        .image("debian:bookworm", "sha256:1111")
        .field("pkgver", "1~bookworm")
        .field("distribution", "bookworm")
        .field("upstream-version", "1.0")
        .field("host-arch", "amd64")
        .compile_commands(None)
        .aptkit_version("0.1.0")
}

fn key(debian: &Path) -> BuildKey {
    builder(debian).build().unwrap()
}

/// A real .deb of `package` holding one file with `payload`.
fn deb(dir: &Path, package: &str, payload: &[u8]) -> PathBuf {
    let writer =
        DebWriter { compression: Compression::Gzip { level: 1 }, threads: 1, source_date_epoch: 0, progress: None };
    let mut tree = Tree::new();
    let node = Node::File { source: FileSource::Bytes(payload.into()), size: payload.len() as u64 };
    tree.insert(
        TreePath::new(&format!("usr/share/{package}/data")).unwrap(),
        TreeEntry { node, mode: 0o644, mtime: 0 },
    );
    let data = writer.write_data(&tree, "amd64", dir).unwrap();
    let control = format!("Package: {package}\nVersion: 1.0-1~bookworm\nArchitecture: amd64\nMaintainer: t <t@example.org>\nDescription: test\n");
    let control = writer
        .control_tar(&[ControlFile { name: "control".into(), contents: control.into_bytes(), executable: false }])
        .unwrap();
    let path = dir.join(format!("{package}_1.0-1~bookworm_amd64.deb"));
    writer.assemble(&control, data, dir).unwrap().persist(&path).unwrap();
    path
}

/// Two .debs and a log in `dir`.
fn products(dir: &Path) -> Products {
    std::fs::create_dir_all(dir).unwrap();
    let big: Vec<u8> = (0..1_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let files = vec![deb(dir, "hello", &big), deb(dir, "hello-doc", b"docs")];
    let log = dir.join("build.log");
    std::fs::write(&log, "dpkg-buildpackage: info: binary-only upload\n").unwrap();
    Products { files, log }
}

fn provenance() -> Provenance {
    Provenance { created: 1_764_650_000, runner: Some("runner-1".into()) }
}

/// Every file under `dir` (relative path, contents), sorted.
fn listing(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(dir).unwrap().display().to_string();
                out.push((rel, std::fs::read(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}
