//! What dh_compress and dh_fixperms do to a finished tree.

use std::io::Write;

use aptkit_deb::{FileSource, Node, Tree, TreeEntry, TreePath};

use crate::install::bytes_entry;
use crate::{Error, Result};

/// `gzip -9n`: no name, no timestamp, so the output is reproducible.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::GzBuilder::new().mtime(0).write(Vec::new(), flate2::Compression::best());
    enc.write_all(data).expect("writing to a Vec cannot fail");
    enc.finish().expect("writing to a Vec cannot fail")
}

/// Extensions dh_compress never compresses.
const ALREADY_COMPRESSED: &[&str] = &[
    ".gz", ".xz", ".bz2", ".lz", ".lzma", ".zst", ".z", ".Z", ".zip", ".jar", ".tgz", ".jpg", ".jpeg", ".png", ".gif",
    ".svg", ".svgz", ".pdf", ".htm", ".html", ".xhtml", ".css", ".js", ".json", ".mo", ".woff", ".woff2",
];

fn should_compress(path: &TreePath, size: u64) -> bool {
    let name = path.file_name();
    if ALREADY_COMPRESSED.iter().any(|ext| name.ends_with(ext)) {
        return false;
    }
    if path.starts_with("usr/share/man") || path.starts_with("usr/share/info") {
        return !name.starts_with("dir");
    }
    if let Some(rest) = path.as_str().strip_prefix("usr/share/doc/") {
        // Only files directly in a package's doc dir or its subdirectories,
        // never the copyright file, which must stay plain (policy 12.5).
        let in_doc = rest.contains('/');
        let always = name.starts_with("changelog") || name.starts_with("NEWS");
        return in_doc && name != "copyright" && (always || size > 4096) && !path.as_str().contains("/examples/");
    }
    false
}

/// Compress man pages, info pages and large documentation, and retarget
/// symlinks that pointed at a file that is now `.gz`.
pub fn compress(tree: &mut Tree, epoch: u64) -> Result<()> {
    let targets: Vec<(TreePath, TreeEntry)> = tree
        .iter()
        .filter(|(path, e)| matches!(&e.node, Node::File { size, .. } if should_compress(path, *size)))
        .map(|(p, e)| (p.clone(), e.clone()))
        .collect();
    for (path, entry) in &targets {
        let Node::File { source, .. } = &entry.node else { continue };
        let data = match source {
            FileSource::Bytes(b) => b.to_vec(),
            FileSource::Path(p) => fs_err::read(p).map_err(Error::read(p))?,
        };
        tree.remove(path);
        let gz_path = TreePath::new(&format!("{}.gz", path.as_str())).expect("suffix keeps the path valid");
        tree.insert(gz_path, bytes_entry(gzip(&data), entry.mode, entry.mtime.min(epoch)));
    }
    // A link to `hello.1` becomes `hi.1.gz -> hello.1.gz` (dh_compress).
    let compressed: Vec<&TreePath> = targets.iter().map(|(p, _)| p).collect();
    let links: Vec<(TreePath, TreeEntry)> = tree
        .iter()
        .filter(|(_, e)| matches!(e.node, Node::Symlink { .. }))
        .map(|(p, e)| (p.clone(), e.clone()))
        .collect();
    for (path, entry) in links {
        let Node::Symlink { target } = &entry.node else { continue };
        let resolved = resolve_link(&path, target);
        if resolved.as_ref().is_some_and(|r| compressed.contains(&r)) {
            tree.remove(&path);
            let new_path = if path.as_str().ends_with(".gz") {
                path.clone()
            } else {
                TreePath::new(&format!("{}.gz", path.as_str())).expect("suffix keeps the path valid")
            };
            let node = Node::Symlink { target: format!("{target}.gz") };
            tree.insert(new_path, TreeEntry { node, ..entry });
        }
    }
    Ok(())
}

fn resolve_link(link: &TreePath, target: &str) -> Option<TreePath> {
    if target.starts_with('/') {
        return TreePath::new(target).ok();
    }
    let parent = link.parent()?;
    let mut parts: Vec<&str> = parent.as_str().split('/').filter(|s| !s.is_empty()).collect();
    for part in target.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    TreePath::new(&parts.join("/")).ok()
}

/// dh_fixperms: directories 0755; files 0644 or 0755 by their executable
/// bit, no setuid/setgid/sticky; documentation, man pages, headers and
/// shared libraries 0644; everything in a `bin` directory 0755.
pub fn fix_permissions(tree: &mut Tree) {
    for (path, entry) in tree.iter_mut() {
        entry.mode = match &entry.node {
            Node::Dir => 0o755,
            Node::Symlink { .. } => 0o777,
            Node::File { .. } => {
                let name = path.file_name();
                let never_exec = path.starts_with("usr/share/doc")
                    || path.starts_with("usr/share/man")
                    || name.ends_with(".h")
                    || name.ends_with(".a")
                    || name.ends_with(".la")
                    || name.ends_with(".pc")
                    || is_shared_library_name(name);
                let always_exec = ["bin", "sbin", "usr/bin", "usr/sbin", "usr/games", "etc/init.d"]
                    .iter()
                    .any(|d| path.parent().is_some_and(|p| p.as_str() == *d));
                if never_exec {
                    0o644
                } else if always_exec || entry.mode & 0o111 != 0 {
                    0o755
                } else {
                    0o644
                }
            }
        };
    }
}

/// `libfoo.so`, `libfoo.so.1`, `libfoo.so.1.2.3`.
pub fn is_shared_library_name(name: &str) -> bool {
    name.ends_with(".so") || name.contains(".so.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decides_what_to_compress() {
        let p = |s| TreePath::new(s).unwrap();
        assert!(should_compress(&p("usr/share/man/man1/hello.1"), 10));
        assert!(!should_compress(&p("usr/share/man/man1/hello.1.gz"), 10));
        assert!(should_compress(&p("usr/share/doc/hello/changelog"), 10));
        assert!(!should_compress(&p("usr/share/doc/hello/README"), 100));
        assert!(should_compress(&p("usr/share/doc/hello/README"), 5000));
        assert!(!should_compress(&p("usr/share/doc/hello/copyright"), 50_000));
        assert!(!should_compress(&p("usr/bin/hello"), 50_000));
    }

    #[test]
    fn resolves_relative_links() {
        let p = |s| TreePath::new(s).unwrap();
        assert_eq!(resolve_link(&p("usr/share/man/man1/hi.1"), "hello.1"), Some(p("usr/share/man/man1/hello.1")));
        assert_eq!(resolve_link(&p("usr/bin/x"), "../share/x"), Some(p("usr/share/x")));
        assert_eq!(resolve_link(&p("usr/bin/x"), "/etc/x"), Some(p("etc/x")));
    }

    #[test]
    fn gzip_is_reproducible_and_valid() {
        let a = gzip(b"hello\n");
        assert_eq!(a, gzip(b"hello\n"));
        let mut out = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&a[..]), &mut out).unwrap();
        assert_eq!(out, "hello\n");
    }
}
