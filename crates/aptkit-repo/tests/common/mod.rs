//! Helpers shared by the repository tests: tiny generated .debs, a signing
//! key, and a real apt client pointed at a `file:` repository.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use aptkit_deb::{Compression, ControlFile, DebWriter, FileSource, Node, Tree, TreeEntry, TreePath};
use aptkit_sign::{KeyAlgorithm, SigningKey};

/// Write `<name>_<version>_all.deb` with one small file into `dir`.
pub fn tiny_deb(dir: &Path, name: &str, version: &str) -> PathBuf {
    let mut tree = Tree::new();
    let content = format!("{name} {version}\n").into_bytes();
    tree.insert(
        TreePath::new(&format!("usr/share/{name}/version")).unwrap(),
        TreeEntry { node: Node::File { size: content.len() as u64, source: FileSource::Bytes(Arc::from(content)) }, mode: 0o644, mtime: 0 },
    );
    let writer = DebWriter { compression: Compression::Gzip { level: 6 }, threads: 1, source_date_epoch: 1_700_000_000, progress: None };
    let data = writer.write_data(&tree, "all", dir).unwrap();
    let control = format!(
        "Package: {name}\nVersion: {version}\nArchitecture: all\nMaintainer: Test <t@example.org>\nInstalled-Size: 4\nDescription: test package {name}\n A test.\n"
    );
    let files = [
        ControlFile { name: "control".into(), contents: control.into_bytes(), executable: false },
        ControlFile { name: "md5sums".into(), contents: data.md5sums_file(), executable: false },
    ];
    let control_tar = writer.control_tar(&files).unwrap();
    let pending = writer.assemble(&control_tar, data, dir).unwrap();
    let path = dir.join(format!("{name}_{version}_all.deb"));
    pending.persist(&path).unwrap();
    path
}

pub fn key() -> SigningKey {
    SigningKey::generate("test <t@example.org>", KeyAlgorithm::Ed25519).unwrap()
}

/// An isolated apt client (RECIPES.md) reading `deb [signed-by] file:ROOT SUITE main`.
pub struct AptClient {
    pub dir: tempfile::TempDir,
}

impl AptClient {
    pub fn new(repo_root: &Path, suite: &str, keyring: &Path) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for sub in ["etc/apt/sources.list.d", "etc/apt/preferences.d", "var/lib/apt/lists/partial", "var/cache/apt/archives/partial", "var/lib/dpkg"] {
            std::fs::create_dir_all(d.join(sub)).unwrap();
        }
        std::fs::write(d.join("var/lib/dpkg/status"), "").unwrap();
        std::fs::write(
            d.join("etc/apt/sources.list"),
            format!("deb [signed-by={}] file:{} {suite} main\n", keyring.display(), repo_root.display()),
        )
        .unwrap();
        AptClient { dir }
    }

    fn apt(&self, program: &str) -> Command {
        let d = self.dir.path();
        let mut cmd = Command::new(program);
        cmd.arg(format!("-oDir={}", d.display()))
            .arg(format!("-oDir::State::status={}", d.join("var/lib/dpkg/status").display()))
            .args(["-oDir::Etc::trusted=/dev/null", "-oDir::Etc::trustedparts=/dev/null", "-oAPT::Architecture=amd64"])
            .args(["-oDebug::NoLocking=1", "-oAPT::Sandbox::User=root"]);
        cmd
    }

    /// `apt-get update`; returns (success, combined output).
    pub fn update(&self) -> (bool, String) {
        let out = self.apt("apt-get").arg("update").output().expect("apt-get is installed");
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        let clean = out.status.success() && !text.contains("W: ") && !text.contains("E: ");
        (clean, text)
    }

    /// `apt-get install --download-only package`: the .deb downloads and
    /// matches the hashes in the index.
    pub fn download(&self, package: &str) -> (bool, String) {
        let out = self.apt("apt-get").args(["install", "--download-only", "-y", package]).output().unwrap();
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        (out.status.success(), text)
    }

    /// The candidate version of `package`, as apt sees it.
    pub fn candidate(&self, package: &str) -> Option<String> {
        let out = self.apt("apt-cache").args(["policy", package]).output().unwrap();
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .find_map(|l| l.trim().strip_prefix("Candidate: ").map(str::to_string))
            .filter(|v| v != "(none)")
    }
}
