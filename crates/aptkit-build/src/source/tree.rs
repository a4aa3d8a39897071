//! From `git ls-tree` to the entries of a tarball: checked, in a fixed order.

use std::collections::HashSet;

use super::error::{Error, Result};
use super::git::TreeEntry;

pub(crate) enum Kind {
    Dir,
    File { executable: bool },
    Symlink,
}

pub(crate) struct Entry {
    /// Relative to the tarball's top directory, UTF-8, no trailing slash.
    pub path: String,
    pub kind: Kind,
    /// The blob of a file or symlink (empty for a directory).
    pub oid: String,
}

/// The entries of `commit`'s tree, sorted by path component by component
/// (a directory before what it holds), each path checked: UTF-8, no control
/// characters, no empty, `.`, `..` or `.git` component, never twice, always
/// inside a directory of the tree. Submodules are refused.
pub(crate) fn plan(entries: Vec<TreeEntry>, commit: &str) -> Result<Vec<Entry>> {
    let unsafe_path = |path: &str, reason: &str| Error::UnsafePath {
        path: path.to_string(),
        commit: commit.to_string(),
        reason: reason.to_string(),
    };
    let mut planned = Vec::with_capacity(entries.len());
    for entry in entries {
        let path = match String::from_utf8(entry.path) {
            Ok(path) => path,
            Err(e) => {
                let shown = String::from_utf8_lossy(e.as_bytes()).into_owned();
                return Err(unsafe_path(&shown, "the path is not UTF-8"));
            }
        };
        check_path(&path).map_err(|reason| unsafe_path(&path.escape_debug().to_string(), reason))?;
        let kind = match entry.mode.as_str() {
            "040000" => Kind::Dir,
            "100644" | "100664" => Kind::File { executable: false },
            "100755" => Kind::File { executable: true },
            "120000" => Kind::Symlink,
            "160000" => return Err(Error::Submodule { path, commit: commit.to_string() }),
            mode => {
                return Err(unsafe_path(
                    &path,
                    &format!("git mode {mode} is none of a file's, a symlink's or a directory's"),
                ))
            }
        };
        planned.push(Entry { path, kind, oid: entry.oid });
    }
    planned.sort_by(|a, b| a.path.split('/').cmp(b.path.split('/')));
    let mut dirs = HashSet::new();
    for (i, entry) in planned.iter().enumerate() {
        if i > 0 && planned[i - 1].path == entry.path {
            return Err(unsafe_path(&entry.path, "it appears twice in the tree"));
        }
        if let Some((parent, _)) = entry.path.rsplit_once('/') {
            if !dirs.contains(parent) {
                return Err(unsafe_path(&entry.path, "its directory is not a tree of the commit"));
            }
        }
        if matches!(entry.kind, Kind::Dir) {
            dirs.insert(entry.path.as_str());
        }
    }
    Ok(planned)
}

fn check_path(path: &str) -> std::result::Result<(), &'static str> {
    if path.chars().any(|c| c.is_control()) {
        return Err("the path holds a control character");
    }
    for component in path.split('/') {
        match component {
            "" => return Err("the path has an empty component (a leading, trailing or double slash)"),
            "." | ".." => return Err("a `.` or `..` component would point outside its directory"),
            c if c.eq_ignore_ascii_case(".git") => return Err("a `.git` component is git's own directory"),
            _ => {}
        }
    }
    Ok(())
}

/// A symlink's target (its blob), as a tar header can hold it.
pub(crate) fn symlink_target(path: &str, commit: &str, blob: Vec<u8>) -> Result<String> {
    let bad = |reason: &str| Error::UnsafePath {
        path: path.to_string(),
        commit: commit.to_string(),
        reason: reason.to_string(),
    };
    if blob.is_empty() || blob.contains(&0) {
        return Err(bad("the symlink's target is empty or holds a NUL byte"));
    }
    String::from_utf8(blob).map_err(|_| bad("the symlink's target is not UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(mode: &str, path: &[u8]) -> TreeEntry {
        TreeEntry { mode: mode.into(), oid: "0".repeat(40), path: path.to_vec() }
    }

    #[test]
    fn directories_come_before_what_they_hold() {
        let plan = plan(
            vec![
                entry("100644", b"a.txt"),
                entry("100644", b"a/z"),
                entry("040000", b"a"),
                entry("120000", b"b"),
                entry("100755", b"a/b"),
            ],
            "c",
        )
        .unwrap();
        let paths: Vec<&str> = plan.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["a", "a/b", "a/z", "a.txt", "b"]);
    }

    #[test]
    fn unsafe_paths_are_refused_by_name() {
        for (tree, named) in [
            (vec![entry("100644", b"..")], "`..`"),
            (vec![entry("040000", b"d"), entry("100644", b"d/.")], "`d/.`"),
            (vec![entry("100644", b".GIT")], "`.GIT`"),
            (vec![entry("100644", b"a\nb")], "`a\\nb`"),
            (vec![entry("100644", b"\xff")], "`\u{fffd}`"),
            (vec![entry("100644", b"x"), entry("100644", b"x")], "`x`"),
            (vec![entry("100644", b"x"), entry("040000", b"x")], "`x`"),
            (vec![entry("100644", b"no/dir")], "`no/dir`"),
            (vec![entry("100644", b"a//b")], "`a//b`"),
            (vec![entry("100600", b"odd")], "`odd`"),
        ] {
            match plan(tree, "c0ffee") {
                Err(e @ Error::UnsafePath { .. }) => {
                    assert!(e.to_string().contains(named) && e.to_string().contains("c0ffee"), "{e}")
                }
                Err(e) => panic!("{named}: {e}"),
                Ok(_) => panic!("{named} accepted"),
            }
        }
    }

    #[test]
    fn submodules_are_refused() {
        let err = plan(vec![entry("160000", b"vendor")], "c").err().unwrap();
        assert!(matches!(err, Error::Submodule { ref path, .. } if path == "vendor"), "{err}");
    }
}
