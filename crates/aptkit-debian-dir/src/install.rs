//! Filling a package's tree: `debian/tmp` through `<pkg>.install`, or a
//! ready `debian/<pkg>/`, then `.dirs`, `.docs`, `.links`, copyright and
//! changelog (what dh_install, dh_installdirs, dh_installdocs,
//! dh_installchangelogs and dh_link do). Nothing is copied on disk: the tree
//! maps package paths to the files they will be read from.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use aptkit_deb::{FileSource, Node, Tree, TreeEntry, TreePath};

use crate::source::{read_config, ConfigLine, DebianDir};
use crate::{Error, Result};

pub(crate) struct TreeBuilder<'a> {
    pub dir: &'a DebianDir,
    pub package: &'a str,
    pub host_arch: &'a str,
    /// The package's documentation directory name (`usr/share/doc/<pkg>`).
    pub tree: Tree,
}

impl<'a> TreeBuilder<'a> {
    pub fn new(dir: &'a DebianDir, package: &'a str, host_arch: &'a str) -> Self {
        TreeBuilder { dir, package, host_arch, tree: Tree::new() }
    }

    /// The installed files: `debian/<pkg>/` when a previous step filled it,
    /// else the `.install` file's matches, else (single-package sources
    /// only) everything under `debian/tmp`.
    pub fn add_installed_files(&mut self) -> Result<()> {
        let staged = self.dir.debian.join(self.package);
        if dir_has_payload(&staged) {
            return self.add_dir_recursive(&staged, &TreePath::root(), true);
        }
        if let Some(file) = self.dir.package_file(self.package, "install") {
            return self.apply_install(&file);
        }
        let tmp = self.dir.debian.join("tmp");
        if self.dir.binaries.len() == 1 && tmp.is_dir() {
            return self.add_dir_recursive(&tmp, &TreePath::root(), false);
        }
        Ok(())
    }

    fn apply_install(&mut self, file: &Path) -> Result<()> {
        let search = [self.dir.root.clone(), self.dir.debian.join("tmp")];
        for ConfigLine { line, words } in read_config(file, self.host_arch)? {
            let (sources, dest) = match words.len() {
                1 => (&words[..], None),
                _ => (&words[..words.len() - 1], Some(self.tree_path(file, line, &words[words.len() - 1])?)),
            };
            for pattern in sources {
                // dh_install accepts `debian/tmp/usr/bin/x` for `usr/bin/x`.
                let (pattern, search) = match pattern.trim_start_matches("./").strip_prefix("debian/tmp/") {
                    Some(rest) => (rest, &search[1..]),
                    None => (pattern.as_str(), &search[..]),
                };
                let (base, matches) = self.glob_first(file, line, pattern, search)?;
                for found in matches {
                    let rel = found.strip_prefix(&base).expect("glob results lie under their base");
                    let target = match &dest {
                        Some(d) => {
                            d.join(&file_name(&found)).map_err(|_| self.escapes(file, line, pattern, "package root"))?
                        }
                        None => self.tree_path(file, line, &rel.to_string_lossy())?,
                    };
                    self.add_path(&found, &target)?;
                }
            }
        }
        Ok(())
    }

    pub fn apply_dirs(&mut self) -> Result<()> {
        let Some(file) = self.dir.package_file(self.package, "dirs") else { return Ok(()) };
        for ConfigLine { line, words } in read_config(&file, self.host_arch)? {
            for word in words {
                let path = self.tree_path(&file, line, &word)?;
                self.tree.insert_dir(path);
            }
        }
        Ok(())
    }

    pub fn apply_docs(&mut self) -> Result<()> {
        let Some(file) = self.dir.package_file(self.package, "docs") else { return Ok(()) };
        let doc_dir = self.doc_dir();
        for ConfigLine { line, words } in read_config(&file, self.host_arch)? {
            for pattern in words {
                let (_, matches) = self.glob_first(&file, line, &pattern, std::slice::from_ref(&self.dir.root))?;
                for found in matches {
                    let target = doc_dir
                        .join(&file_name(&found))
                        .map_err(|_| self.escapes(&file, line, &pattern, "package root"))?;
                    self.add_path(&found, &target)?;
                }
            }
        }
        Ok(())
    }

    /// `debian/copyright` and `debian/changelog` into the doc directory.
    /// `head`, when given, is a new entry put above the file's own.
    pub fn add_copyright_and_changelog(&mut self, epoch: u64, native: bool, head: Option<&[u8]>) -> Result<()> {
        let doc_dir = self.doc_dir();
        let copyright = self
            .dir
            .package_file(self.package, "copyright")
            .or_else(|| Some(self.dir.debian.join("copyright")).filter(|p| p.is_file()))
            .ok_or_else(|| Error::MissingFile {
                path: self.dir.debian.join("copyright"),
                why: "every package must ship its copyright file (Debian policy 12.5)",
            })?;
        self.add_path(&copyright, &doc_dir.join("copyright").expect("fixed name"))?;
        let mut changelog = fs_err::read(&self.dir.changelog_path).map_err(Error::read(&self.dir.changelog_path))?;
        if let Some(head) = head {
            changelog.splice(0..0, head.iter().copied());
        }
        let name = if native { "changelog.gz" } else { "changelog.Debian.gz" };
        let gz = crate::fixups::gzip(&changelog);
        self.tree.insert(doc_dir.join(name).expect("fixed name"), bytes_entry(gz, 0o644, epoch));
        Ok(())
    }

    /// `.links`: `source destination` pairs, made relative when both lie in
    /// the same top-level directory and absolute otherwise (Debian policy 10.5).
    pub fn apply_links(&mut self, epoch: u64) -> Result<()> {
        let Some(file) = self.dir.package_file(self.package, "links") else { return Ok(()) };
        for ConfigLine { line, words } in read_config(&file, self.host_arch)? {
            if words.len() % 2 != 0 {
                return Err(Error::Syntax {
                    path: file.clone(),
                    line,
                    message: "expected `source destination` pairs".into(),
                });
            }
            for pair in words.chunks(2) {
                let source = self.tree_path(&file, line, &pair[0])?;
                let dest = self.tree_path(&file, line, &pair[1])?;
                if source == dest || source.is_root() || dest.is_root() {
                    return Err(Error::Syntax {
                        path: file.clone(),
                        line,
                        message: format!("invalid link `{} {}`", pair[0], pair[1]),
                    });
                }
                let target = link_target(&source, &dest);
                self.tree.insert(dest, TreeEntry { node: Node::Symlink { target }, mode: 0o777, mtime: epoch });
            }
        }
        Ok(())
    }

    pub fn doc_dir(&self) -> TreePath {
        TreePath::new(&format!("usr/share/doc/{}", self.package)).expect("package names are valid path components")
    }

    fn tree_path(&self, file: &Path, line: usize, value: &str) -> Result<TreePath> {
        TreePath::new(value).map_err(|_| self.escapes(file, line, value, "package root"))
    }

    fn escapes(&self, file: &Path, line: usize, value: &str, what: &'static str) -> Error {
        Error::Escapes { path: file.to_path_buf(), line, value: value.to_string(), what }
    }

    /// Expand `pattern` in the first search directory where it matches.
    fn glob_first(
        &self,
        file: &Path,
        line: usize,
        pattern: &str,
        search: &[PathBuf],
    ) -> Result<(PathBuf, Vec<PathBuf>)> {
        let rel = pattern.trim_start_matches('/');
        if rel.split('/').any(|c| c == "..") {
            return Err(self.escapes(file, line, pattern, "source tree"));
        }
        for base in search {
            // glob drops a leading `./` from what it finds: a relative base
            // (`aptkit package .`) would not prefix its own matches.
            let base = &std::path::absolute(base).map_err(Error::read(base))?;
            let full = format!("{}/{}", glob::Pattern::escape(&base.to_string_lossy()), rel);
            let paths =
                glob::glob_with(&full, glob::MatchOptions { require_literal_leading_dot: true, ..Default::default() })
                    .map_err(|e| Error::Syntax {
                        path: file.to_path_buf(),
                        line,
                        message: format!("bad pattern `{pattern}`: {e}"),
                    })?;
            let mut matches: Vec<PathBuf> = paths.filter_map(|p| p.ok()).collect();
            if matches.is_empty() {
                continue;
            }
            matches.sort();
            let canonical_base = fs_err::canonicalize(base).map_err(Error::read(base))?;
            for m in &matches {
                let parent = m.parent().unwrap_or(base);
                let canonical = fs_err::canonicalize(parent).map_err(Error::read(parent))?;
                if !canonical.starts_with(&canonical_base) {
                    return Err(self.escapes(file, line, pattern, "source tree"));
                }
            }
            return Ok((base.clone(), matches));
        }
        let searched = search.iter().map(|p| format!("`{}`", p.display())).collect::<Vec<_>>().join(", ");
        Err(Error::NoMatch { path: file.to_path_buf(), line, pattern: pattern.to_string(), searched })
    }

    /// Add a file, symlink or whole directory found on disk at `target`.
    fn add_path(&mut self, found: &Path, target: &TreePath) -> Result<()> {
        let meta = fs_err::symlink_metadata(found).map_err(Error::read(found))?;
        if meta.is_dir() {
            self.add_dir_recursive(found, target, false)
        } else {
            let entry = entry_from_disk(found, &meta)?;
            self.tree.insert(target.clone(), entry);
            Ok(())
        }
    }

    fn add_dir_recursive(&mut self, dir: &Path, target: &TreePath, skip_debian_dir: bool) -> Result<()> {
        let walk = walkdir::WalkDir::new(dir).follow_links(false).sort_by_file_name();
        let mut iter = walk.into_iter();
        while let Some(item) = iter.next() {
            let item = item.map_err(|e| Error::Read { path: dir.to_path_buf(), source: e.into() })?;
            let rel = item.path().strip_prefix(dir).expect("walkdir stays under its root");
            if skip_debian_dir && item.depth() == 1 && rel == Path::new("DEBIAN") {
                iter.skip_current_dir();
                continue;
            }
            let path = target.join(&rel.to_string_lossy()).map_err(|_| Error::Escapes {
                path: item.path().to_path_buf(),
                line: 0,
                value: rel.display().to_string(),
                what: "package root",
            })?;
            let meta =
                item.metadata().map_err(|e| Error::Read { path: item.path().to_path_buf(), source: e.into() })?;
            if meta.is_dir() {
                let mode = meta.permissions().mode() & 0o7777;
                self.tree.insert(path, TreeEntry { node: Node::Dir, mode, mtime: meta.mtime().max(0) as u64 });
            } else {
                let entry = entry_from_disk(item.path(), &meta)?;
                self.tree.insert(path, entry);
            }
        }
        Ok(())
    }
}

fn dir_has_payload(dir: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else { return false };
    entries.filter_map(|e| e.ok()).any(|e| e.file_name() != "DEBIAN")
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

fn entry_from_disk(path: &Path, meta: &std::fs::Metadata) -> Result<TreeEntry> {
    let mtime = meta.mtime().max(0) as u64;
    let mode = meta.permissions().mode() & 0o7777;
    let ft = meta.file_type();
    let node = if ft.is_symlink() {
        let target = fs_err::read_link(path).map_err(Error::read(path))?;
        Node::Symlink { target: target.to_string_lossy().into_owned() }
    } else if ft.is_file() {
        Node::File { source: FileSource::Path(path.to_path_buf()), size: meta.len() }
    } else {
        return Err(Error::Read {
            path: path.to_path_buf(),
            source: std::io::Error::other("only regular files, directories and symlinks can be packaged"),
        });
    };
    Ok(TreeEntry { node, mode, mtime })
}

pub(crate) fn bytes_entry(bytes: Vec<u8>, mode: u32, mtime: u64) -> TreeEntry {
    let size = bytes.len() as u64;
    TreeEntry { node: Node::File { source: FileSource::Bytes(bytes.into()), size }, mode, mtime }
}

/// The symlink target dh_link would write for a link at `dest` to `source`.
pub(crate) fn link_target(source: &TreePath, dest: &TreePath) -> String {
    let src: Vec<&str> = source.as_str().split('/').collect();
    let dst: Vec<&str> = dest.as_str().split('/').collect();
    if src[0] != dst[0] {
        return format!("/{}", source.as_str());
    }
    let dest_dir = &dst[..dst.len() - 1];
    let common = src.iter().zip(dest_dir).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<&str> = vec![".."; dest_dir.len() - common];
    parts.extend(&src[common..]);
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> TreePath {
        TreePath::new(s).unwrap()
    }

    #[test]
    fn links_follow_policy() {
        assert_eq!(link_target(&p("usr/bin/hello"), &p("usr/bin/hi")), "hello");
        assert_eq!(link_target(&p("usr/share/foo/x"), &p("usr/bin/x")), "../share/foo/x");
        assert_eq!(link_target(&p("etc/foo"), &p("usr/share/foo/conf")), "/etc/foo");
    }
}
