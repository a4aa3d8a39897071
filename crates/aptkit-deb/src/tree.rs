use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use crate::{Error, Result};

/// A path inside a package, relative to its root, without `./` or a leading
/// `/` (`usr/bin/hello`). The empty path is the root itself.
///
/// Ordering is component by component, which is the depth-first,
/// name-sorted order dpkg-deb writes (`usr/bin/x` before `usr/bin-x`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TreePath(String);

impl TreePath {
    pub fn root() -> Self {
        TreePath(String::new())
    }

    /// Parse a package path. Leading `/` and `./` are accepted; `..`, empty
    /// components (`a//b` is tidied) and NUL bytes are not.
    pub fn new(path: &str) -> Result<Self> {
        let invalid = |reason| Error::InvalidTreePath { path: path.to_string(), reason };
        if path.contains('\0') {
            return Err(invalid("contains a NUL byte"));
        }
        let mut parts = Vec::new();
        for part in path.split('/') {
            match part {
                "" | "." => {}
                ".." => return Err(invalid("escapes the package root")),
                _ => parts.push(part),
            }
        }
        Ok(TreePath(parts.join("/")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    pub fn parent(&self) -> Option<TreePath> {
        if self.is_root() {
            return None;
        }
        Some(match self.0.rfind('/') {
            Some(i) => TreePath(self.0[..i].to_string()),
            None => TreePath::root(),
        })
    }

    pub fn file_name(&self) -> &str {
        self.0.rsplit('/').next().unwrap_or("")
    }

    pub fn join(&self, rest: &str) -> Result<TreePath> {
        TreePath::new(&format!("{}/{}", self.0, rest))
    }

    pub fn starts_with(&self, dir: &str) -> bool {
        let dir = dir.trim_matches('/');
        self.0 == dir || (self.0.starts_with(dir) && self.0.as_bytes().get(dir.len()) == Some(&b'/'))
    }

    /// The name as it appears in a data tarball: `./usr/bin/hello`, `./usr/`.
    pub fn tar_name(&self, is_dir: bool) -> String {
        match (self.is_root(), is_dir) {
            (true, _) => "./".to_string(),
            (false, true) => format!("./{}/", self.0),
            (false, false) => format!("./{}", self.0),
        }
    }
}

impl Ord for TreePath {
    fn cmp(&self, other: &Self) -> Ordering {
        let a = self.0.split('/').filter(|s| !s.is_empty());
        let b = other.0.split('/').filter(|s| !s.is_empty());
        a.cmp(b)
    }
}

impl PartialOrd for TreePath {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl std::fmt::Display for TreePath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "/{}", self.0)
    }
}

/// Where a regular file's bytes come from.
#[derive(Debug, Clone)]
pub enum FileSource {
    /// Streamed from disk when the archive is written.
    Path(PathBuf),
    /// Generated in memory (a compressed changelog, a man page).
    Bytes(Arc<[u8]>),
}

#[derive(Debug, Clone)]
pub enum Node {
    Dir,
    File { source: FileSource, size: u64 },
    Symlink { target: String },
}

#[derive(Debug, Clone)]
pub struct TreeEntry {
    pub node: Node,
    /// Permission bits only (e.g. `0o755`); the file type comes from `node`.
    pub mode: u32,
    /// Seconds since the epoch, before clamping to SOURCE_DATE_EPOCH.
    pub mtime: u64,
}

/// The filesystem tree of one binary package, kept in memory as a map of
/// paths to sources: nothing is copied on disk to stage it.
#[derive(Debug, Clone, Default)]
pub struct Tree {
    entries: BTreeMap<TreePath, TreeEntry>,
}

impl Tree {
    pub fn new() -> Self {
        let mut tree = Tree::default();
        tree.entries.insert(TreePath::root(), TreeEntry { node: Node::Dir, mode: 0o755, mtime: u64::MAX });
        tree
    }

    /// Insert an entry, creating missing parent directories (mode 0755).
    /// An existing entry at `path` is replaced, except that a directory
    /// inserted over a directory keeps what is there.
    pub fn insert(&mut self, path: TreePath, entry: TreeEntry) {
        self.create_parents(&path);
        if matches!(entry.node, Node::Dir) && matches!(self.entries.get(&path).map(|e| &e.node), Some(Node::Dir)) {
            return;
        }
        self.entries.insert(path, entry);
    }

    pub fn insert_dir(&mut self, path: TreePath) {
        self.insert(path, TreeEntry { node: Node::Dir, mode: 0o755, mtime: u64::MAX });
    }

    fn create_parents(&mut self, path: &TreePath) {
        let mut parent = path.parent();
        while let Some(p) = parent {
            if self.entries.contains_key(&p) {
                break;
            }
            parent = p.parent();
            self.entries.insert(p, TreeEntry { node: Node::Dir, mode: 0o755, mtime: u64::MAX });
        }
    }

    pub fn get(&self, path: &TreePath) -> Option<&TreeEntry> {
        self.entries.get(path)
    }

    pub fn get_mut(&mut self, path: &TreePath) -> Option<&mut TreeEntry> {
        self.entries.get_mut(path)
    }

    pub fn remove(&mut self, path: &TreePath) -> Option<TreeEntry> {
        self.entries.remove(path)
    }

    pub fn contains(&self, path: &TreePath) -> bool {
        self.entries.contains_key(path)
    }

    /// Entries in archive order (depth-first, sorted by name), root first.
    pub fn iter(&self) -> impl Iterator<Item = (&TreePath, &TreeEntry)> {
        self.entries.iter()
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&TreePath, &mut TreeEntry)> {
        self.entries.iter_mut()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.len() <= 1
    }

    /// The first entry whose parent is not a directory (a file installed
    /// over a directory that has contents, or under a file): such a tree
    /// cannot be unpacked.
    pub fn find_conflict(&self) -> Option<&TreePath> {
        self.entries.keys().find(|path| {
            path.parent().is_some_and(|parent| !matches!(self.entries.get(&parent).map(|e| &e.node), Some(Node::Dir)))
        })
    }

    /// Installed-Size contribution in KiB, as dpkg-gencontrol counts it:
    /// ceil(size / 1024) for each regular file and symlink (a symlink's size
    /// is its target's length), 1 for every other object, root included.
    pub fn installed_size_kib(&self) -> u64 {
        self.entries
            .values()
            .map(|e| match &e.node {
                Node::File { size, .. } => size.div_ceil(1024),
                Node::Symlink { target } => (target.len() as u64).div_ceil(1024),
                Node::Dir => 1,
            })
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_depth_first_like_dpkg_deb() {
        let mut paths: Vec<TreePath> =
            ["usr/bin-x", "usr/bin/x", "usr", "usr/bin", ""].iter().map(|p| TreePath::new(p).unwrap()).collect();
        paths.sort();
        let names: Vec<&str> = paths.iter().map(|p| p.as_str()).collect();
        assert_eq!(names, ["", "usr", "usr/bin", "usr/bin/x", "usr/bin-x"]);
    }

    #[test]
    fn rejects_escaping_paths_and_tidies_others() {
        assert!(TreePath::new("usr/../../etc/passwd").is_err());
        assert!(TreePath::new("../x").is_err());
        assert_eq!(TreePath::new("/./usr//bin/").unwrap().as_str(), "usr/bin");
        assert!(TreePath::new("usr/bin").unwrap().starts_with("usr"));
        assert!(!TreePath::new("usrx/bin").unwrap().starts_with("usr"));
    }

    #[test]
    fn finds_files_that_would_hide_directories() {
        let mut tree = Tree::new();
        let file = |n: &str| TreeEntry {
            node: Node::File { source: FileSource::Bytes(Arc::from(n.as_bytes())), size: n.len() as u64 },
            mode: 0o644,
            mtime: 0,
        };
        tree.insert(TreePath::new("a/b").unwrap(), file("b"));
        assert!(tree.find_conflict().is_none());
        tree.insert(TreePath::new("a").unwrap(), file("a"));
        assert_eq!(tree.find_conflict().map(|p| p.as_str()), Some("a/b"));
    }

    #[test]
    fn insert_creates_parents() {
        let mut tree = Tree::new();
        let bytes: Arc<[u8]> = Arc::from(&b"hi"[..]);
        tree.insert(
            TreePath::new("a/b/c").unwrap(),
            TreeEntry { node: Node::File { source: FileSource::Bytes(bytes), size: 2 }, mode: 0o644, mtime: 0 },
        );
        let names: Vec<&str> = tree.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(names, ["", "a", "a/b", "a/b/c"]);
        assert_eq!(tree.installed_size_kib(), 4);
    }
}
