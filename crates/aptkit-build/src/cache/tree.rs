//! A directory tree as a build sees it: every entry's relative path and
//! what it is, sorted, so that it can go into a build key.
//!
//! Only what a build can observe counts: names, file contents, the
//! executable bit (not the rest of the mode: a checkout's umask must not
//! change the key), symlink targets, and what each symlink leads to. A
//! symlink is recorded both as its target text and as what it resolves to
//! (a file's contents, a directory's whole tree, or nothing), because a
//! build may copy the tree keeping links (`cp -a`) or following them
//! (`cp -L`, `docker build` contexts), and either way the key must change
//! when what it would see changes.

use std::io::ErrorKind;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::error::{Error, Result};
use super::key::encode_pairs;

/// The SHA-256 (lowercase hex) of a directory tree's contents as described
/// in the module: the digest of a directory source, whose key input it is.
pub fn tree_digest(dir: &Path) -> Result<String> {
    let entries = tree_entries(dir)?;
    let mut hasher = Sha256::new();
    hasher.update(b"aptkit tree\n");
    hasher.update(1u32.to_be_bytes());
    encode_pairs(&mut hasher, entries.iter().map(|(p, d)| (p.as_str(), d.as_str())));
    Ok(hex::encode(hasher.finalize()))
}

/// Every entry under `dir` (not `dir` itself) as `(relative path, what it
/// is)`, sorted by path: `dir`, `file SHA256`, `executable SHA256`,
/// `symlink TARGET -> file SHA256` (`-> executable …`, `-> dir`,
/// `-> nothing`). A symlink to a directory is followed: its entries are
/// listed under the link's path.
pub(crate) fn tree_entries(dir: &Path) -> Result<Vec<(String, String)>> {
    let real = std::fs::canonicalize(dir).map_err(|source| Error::ReadTree { path: dir.to_path_buf(), source })?;
    if !real.is_dir() {
        return Err(Error::NotADirectory { path: dir.to_path_buf() });
    }
    let mut walk = Walk { entries: Vec::new(), followed: vec![real] };
    walk.dir(dir, "")?;
    walk.entries.sort();
    Ok(walk.entries)
}

struct Walk {
    entries: Vec<(String, String)>,
    /// The real paths of the directories from the top down to the one
    /// being walked: a symlink to one of them (or above) is a loop that no
    /// copy following links could finish.
    followed: Vec<PathBuf>,
}

impl Walk {
    /// The entries of `dir`, listed under `prefix` (empty, or ends with `/`).
    fn dir(&mut self, dir: &Path, prefix: &str) -> Result<()> {
        let read_err = |source| Error::ReadTree { path: dir.to_path_buf(), source };
        for entry in std::fs::read_dir(dir).map_err(read_err)? {
            let entry = entry.map_err(read_err)?;
            let path = entry.path();
            let name = entry.file_name().into_string().map_err(|_| Error::NotUtf8 { path: path.clone() })?;
            let rel = format!("{prefix}{name}");
            let meta =
                std::fs::symlink_metadata(&path).map_err(|source| Error::ReadTree { path: path.clone(), source })?;
            if meta.file_type().is_symlink() {
                self.symlink(&path, rel)?;
            } else if meta.is_dir() {
                self.entries.push((rel.clone(), "dir".to_string()));
                let real = self.followed.last().expect("the top is always there").join(entry.file_name());
                self.followed.push(real);
                self.dir(&path, &format!("{rel}/"))?;
                self.followed.pop();
            } else if meta.is_file() {
                self.entries.push((rel, file_description(&path, meta.permissions().mode())?));
            } else {
                return Err(Error::SpecialFile { path });
            }
        }
        Ok(())
    }

    fn symlink(&mut self, path: &Path, rel: String) -> Result<()> {
        let target = std::fs::read_link(path).map_err(|source| Error::ReadTree { path: path.to_path_buf(), source })?;
        let target = target.into_os_string().into_string().map_err(|_| Error::NotUtf8 { path: path.to_path_buf() })?;
        // What the link leads to, following every hop as the kernel does.
        let resolved = match std::fs::metadata(path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == ErrorKind::NotFound => {
                self.entries.push((rel, format!("symlink {target} -> nothing")));
                return Ok(());
            }
            Err(source) => return Err(Error::ReadTree { path: path.to_path_buf(), source }),
        };
        if resolved.is_file() {
            let description = file_description(path, resolved.permissions().mode())?;
            self.entries.push((rel, format!("symlink {target} -> {description}")));
        } else if resolved.is_dir() {
            let real =
                std::fs::canonicalize(path).map_err(|source| Error::ReadTree { path: path.to_path_buf(), source })?;
            if self.followed.iter().any(|dir| dir.starts_with(&real)) {
                return Err(Error::TreeLoop { path: path.to_path_buf() });
            }
            self.entries.push((rel.clone(), format!("symlink {target} -> dir")));
            self.followed.push(real);
            self.dir(path, &format!("{rel}/"))?;
            self.followed.pop();
        } else {
            return Err(Error::SpecialFile { path: path.to_path_buf() });
        }
        Ok(())
    }
}

/// `file SHA256` or `executable SHA256` (any execute bit set).
fn file_description(path: &Path, mode: u32) -> Result<String> {
    let kind = if mode & 0o111 != 0 { "executable" } else { "file" };
    Ok(format!("{kind} {}", sha256_file(path)?))
}

/// The SHA-256 of a file's contents, streamed.
pub(crate) fn sha256_file(path: &Path) -> Result<String> {
    let read_err = |source| Error::ReadTree { path: path.to_path_buf(), source };
    let mut file = std::fs::File::open(path).map_err(read_err)?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher).map_err(read_err)?;
    Ok(hex::encode(hasher.finalize()))
}
