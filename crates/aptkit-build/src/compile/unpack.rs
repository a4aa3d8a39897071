//! The source tree a build compiles: a tarball unpacked, or a directory
//! copied, into the build's scratch directory. A source is input from
//! elsewhere (a release page, another CI job), so a tarball is checked
//! entry by entry: nothing it holds may land outside the tree, whether by
//! an absolute name, a `..` component, a link leading out, or a device.

use std::path::{Component, Path, PathBuf};

use aptkit_compress::decompress::{decoder, Codec};

use super::error::{Error, Result};

/// Unpacked sources are limited to this many bytes: a tarball is a few
/// megabytes, and a bomb must fail before it fills the disk.
const MAX_UNPACKED: u64 = 64 << 30;

/// Unpack `tarball` into `dest` (which must exist and be empty). A single
/// top-level directory (`hello-1.0/`) is stripped, as dpkg-source does.
/// Returns the newest modification time of any entry, the source's own
/// timestamp (a tarball from `aptkit source` has the commit's on every
/// entry).
pub fn unpack_tarball(tarball: &Path, dest: &Path) -> Result<i64> {
    let prefix = common_top_dir(tarball)?;
    let file = fs_err::File::open(tarball).map_err(|source| Error::ReadSource { path: tarball.into(), source })?;
    let codec = Codec::from_file_name(&tarball.to_string_lossy());
    let reader = decoder(codec, std::io::BufReader::new(file), MAX_UNPACKED).map_err(|e| bad_tar(tarball, e))?;
    let mut archive = tar::Archive::new(reader);
    archive.set_preserve_permissions(true);
    archive.set_preserve_mtime(true);
    archive.set_overwrite(true);
    let mut newest = 0i64;
    let mut links = Vec::new();
    for entry in archive.entries().map_err(|e| bad_tar(tarball, e))? {
        let mut entry = entry.map_err(|e| bad_tar(tarball, e))?;
        let raw = entry.path().map_err(|e| bad_tar(tarball, e))?.into_owned();
        let name = raw.to_string_lossy().into_owned();
        let unsafe_entry = |why: String| Error::UnsafeEntry { tarball: tarball.into(), entry: name.clone(), why };
        let relative = inside_name(&raw).map_err(|why| unsafe_entry(why.into()))?;
        let Some(relative) = strip(&relative, prefix.as_deref()) else { continue };
        if let Some(link) = under_symlink(dest, &relative) {
            return Err(unsafe_entry(format!(
                "it lies under the symlink `{}`: entries are never written through links",
                link.display()
            )));
        }
        // An entry over an earlier symlink would hide, from the final check
        // below, a link that other entries were already resolved through.
        if std::fs::symlink_metadata(dest.join(&relative)).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(unsafe_entry("it replaces a symlink the archive made earlier".into()));
        }
        let kind = entry.header().entry_type();
        match kind {
            tar::EntryType::Regular
            | tar::EntryType::Continuous
            | tar::EntryType::Directory
            | tar::EntryType::GNUSparse => {}
            tar::EntryType::Symlink | tar::EntryType::Link => {
                let target = entry.link_name().map_err(|e| bad_tar(tarball, e))?.unwrap_or_default().into_owned();
                let resolved = if kind == tar::EntryType::Symlink {
                    symlink_inside(&relative, &target)
                } else {
                    inside_name(&target).ok().and_then(|t| strip(&t, prefix.as_deref()))
                };
                let Some(resolved) = resolved else {
                    let what = if kind == tar::EntryType::Symlink { "symlink" } else { "hard link" };
                    return Err(unsafe_entry(format!("a {what} to `{}`, outside the source tree", target.display())));
                };
                if kind == tar::EntryType::Link {
                    // A hard link names an earlier entry, by its path in the
                    // archive: point it at where that entry was unpacked,
                    // and only at a plain file reached through no symlink
                    // (hard_link follows them, to anywhere).
                    let source = dest.join(&resolved);
                    let plain_file = under_symlink(dest, &resolved).is_none()
                        && std::fs::symlink_metadata(&source).is_ok_and(|m| m.file_type().is_file());
                    if !plain_file {
                        return Err(unsafe_entry(format!(
                            "a hard link to `{}`, which is not a file unpacked before it",
                            target.display()
                        )));
                    }
                    let path = dest.join(&relative);
                    make_parent(&path)?;
                    let _ = std::fs::remove_file(&path);
                    std::fs::hard_link(&source, &path)
                        .map_err(|e| unsafe_entry(format!("a hard link to `{}`: {e}", target.display())))?;
                    continue;
                }
                links.push(relative.clone());
            }
            tar::EntryType::XGlobalHeader | tar::EntryType::XHeader | tar::EntryType::GNULongName => continue,
            other => {
                return Err(unsafe_entry(format!(
                    "a {other:?} entry: a source tree holds files, directories and links"
                )))
            }
        }
        newest = newest.max(entry.header().mtime().unwrap_or(0) as i64);
        let path = dest.join(&relative);
        make_parent(&path)?;
        entry.unpack(&path).map_err(|e| bad_tar(tarball, std::io::Error::other(format!("`{name}`: {e}"))))?;
    }
    // Each symlink was checked by its own words; a chain of them can still
    // lead out (`a -> b/..` where `b -> .`): check where each really ends.
    let root = std::fs::canonicalize(dest).map_err(|source| Error::Scratch { path: dest.into(), source })?;
    for link in links {
        let path = dest.join(&link);
        // A link that resolves to nothing is left to dangle (a build product
        // it points at may not exist yet); one that resolves is checked.
        if let Ok(real) = std::fs::canonicalize(&path) {
            if !real.starts_with(&root) {
                return Err(Error::UnsafeEntry {
                    tarball: tarball.into(),
                    entry: link.display().to_string(),
                    why: "a symlink that leads outside the source tree through other symlinks".into(),
                });
            }
        }
    }
    Ok(newest)
}

/// Copy the source directory `src` into `dest`. In a git work tree only
/// what git would put in a commit is copied (tracked files and untracked
/// ones that are not ignored), so `target/`, `node_modules/` and other
/// build products stay behind; elsewhere everything but `.git`.
pub fn copy_dir(src: &Path, dest: &Path) -> Result<()> {
    let read = |source| Error::ReadSource { path: src.into(), source };
    let files = match git_files(src) {
        Some(files) => files,
        None => walkdir::WalkDir::new(src)
            .follow_links(false)
            .min_depth(1)
            .into_iter()
            .filter_entry(|e| e.file_name() != ".git")
            .filter_map(|e| e.ok())
            .filter(|e| !e.file_type().is_dir())
            .map(|e| e.path().strip_prefix(src).expect("under src").to_path_buf())
            .collect(),
    };
    if files.is_empty() {
        return Err(Error::ReadSource { path: src.into(), source: std::io::Error::other("it holds no files") });
    }
    for relative in files {
        let from = src.join(&relative);
        let to = dest.join(&relative);
        let meta = match std::fs::symlink_metadata(&from) {
            Ok(meta) => meta,
            // Deleted in the work tree but still in git's index.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(read(e)),
        };
        make_parent(&to)?;
        if meta.is_dir() {
            return Err(Error::ReadSource {
                path: from,
                source: std::io::Error::other(
                    "a git submodule: a build copies one repository's files (vendor it, or build from a tarball)",
                ),
            });
        }
        if meta.file_type().is_symlink() {
            let target = std::fs::read_link(&from).map_err(read)?;
            std::os::unix::fs::symlink(&target, &to).map_err(|source| Error::Scratch { path: to.clone(), source })?;
        } else if meta.is_file() {
            std::fs::copy(&from, &to).map_err(|e| Error::ReadSource { path: from.clone(), source: e })?;
        }
    }
    Ok(())
}

/// Replace the tree's `debian/` with the distro's templates (a source's own
/// `debian/`, if it has one, is not the one this distribution builds with).
pub fn install_debian_dir(templates: &Path, tree: &Path) -> Result<()> {
    let debian = tree.join("debian");
    let scratch = |source| Error::Scratch { path: debian.clone(), source };
    if std::fs::symlink_metadata(&debian).is_ok() {
        if debian.is_dir() && !debian.is_symlink() {
            std::fs::remove_dir_all(&debian).map_err(scratch)?;
        } else {
            std::fs::remove_file(&debian).map_err(scratch)?;
        }
    }
    for entry in walkdir::WalkDir::new(templates).follow_links(true) {
        let entry = entry.map_err(|e| Error::ReadSource { path: templates.into(), source: e.into() })?;
        let to = debian.join(entry.path().strip_prefix(templates).expect("under templates"));
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&to).map_err(scratch)?;
        } else {
            std::fs::copy(entry.path(), &to).map_err(|e| Error::ReadSource { path: entry.path().into(), source: e })?;
        }
    }
    Ok(())
}

/// What git would commit of `dir`, or `None` when `dir` is not in a git
/// work tree, or is a directory git ignores (a copy under `target/`).
fn git_files(dir: &Path) -> Option<Vec<PathBuf>> {
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .stdin(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .output()
            .ok()
    };
    let ignored = git(&["check-ignore", "--quiet", "."])?;
    if ignored.status.success() {
        return None;
    }
    let out = git(&["ls-files", "-z", "--cached", "--others", "--exclude-standard"])?;
    if !out.status.success() {
        return None;
    }
    let mut files: Vec<PathBuf> = out
        .stdout
        .split(|b| *b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| PathBuf::from(String::from_utf8_lossy(p).into_owned()))
        .collect();
    files.dedup();
    Some(files)
}

/// The name's components when it stays inside the tree: relative, no `..`.
fn inside_name(name: &Path) -> std::result::Result<PathBuf, &'static str> {
    let mut clean = PathBuf::new();
    for part in name.components() {
        match part {
            Component::Normal(p) => clean.push(p),
            Component::CurDir => {}
            Component::ParentDir => return Err("a `..` component leads outside the source tree"),
            Component::RootDir | Component::Prefix(_) => return Err("an absolute name"),
        }
    }
    Ok(clean)
}

/// Where the symlink at `link` (a path inside the tree) points, inside the
/// tree, or `None` when its target is absolute or climbs above the root.
fn symlink_inside(link: &Path, target: &Path) -> Option<PathBuf> {
    let mut at: Vec<_> = link.parent().map(|p| p.components().collect()).unwrap_or_default();
    for part in target.components() {
        match part {
            Component::Normal(_) => at.push(part),
            Component::CurDir => {}
            Component::ParentDir => {
                at.pop()?;
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(at.iter().collect())
}

/// The first ancestor of `relative` (inside `dest`) that is a symlink.
fn under_symlink(dest: &Path, relative: &Path) -> Option<PathBuf> {
    let mut at = PathBuf::new();
    let parent = relative.parent()?;
    for part in parent.components() {
        at.push(part);
        if std::fs::symlink_metadata(dest.join(&at)).is_ok_and(|m| m.file_type().is_symlink()) {
            return Some(at);
        }
    }
    None
}

fn strip(relative: &Path, prefix: Option<&Path>) -> Option<PathBuf> {
    let stripped = match prefix {
        Some(prefix) => relative.strip_prefix(prefix).ok()?.to_path_buf(),
        None => relative.to_path_buf(),
    };
    (!stripped.as_os_str().is_empty()).then_some(stripped)
}

/// The one directory every entry of the tarball lies in, if there is one.
fn common_top_dir(tarball: &Path) -> Result<Option<PathBuf>> {
    let file = fs_err::File::open(tarball).map_err(|source| Error::ReadSource { path: tarball.into(), source })?;
    let codec = Codec::from_file_name(&tarball.to_string_lossy());
    let reader = decoder(codec, std::io::BufReader::new(file), MAX_UNPACKED).map_err(|e| bad_tar(tarball, e))?;
    let mut archive = tar::Archive::new(reader);
    let mut top: Option<PathBuf> = None;
    let mut count = 0usize;
    for entry in archive.entries().map_err(|e| bad_tar(tarball, e))? {
        let entry = entry.map_err(|e| bad_tar(tarball, e))?;
        // `git archive` and `aptkit source` start with a pax global header.
        if matches!(entry.header().entry_type(), tar::EntryType::XGlobalHeader | tar::EntryType::XHeader) {
            continue;
        }
        let path = entry.path().map_err(|e| bad_tar(tarball, e))?;
        let Ok(clean) = inside_name(&path) else { return Ok(None) };
        let Some(first) = clean.components().next() else { continue };
        let first = PathBuf::from(first.as_os_str());
        let is_top_dir_entry = clean == first;
        if is_top_dir_entry && !entry.header().entry_type().is_dir() {
            return Ok(None); // a file at the top: nothing to strip
        }
        match &top {
            None => top = Some(first),
            Some(t) if *t == first => {}
            Some(_) => return Ok(None),
        }
        count += 1;
    }
    if count == 0 {
        return Err(Error::BadTarball { tarball: tarball.into(), why: "it holds no files".into() });
    }
    Ok(top)
}

fn make_parent(path: &Path) -> Result<()> {
    let parent = path.parent().expect("a path in the tree has a parent");
    std::fs::create_dir_all(parent).map_err(|source| Error::Scratch { path: parent.into(), source })
}

fn bad_tar(tarball: &Path, e: std::io::Error) -> Error {
    Error::BadTarball { tarball: tarball.into(), why: e.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symlinks_are_followed_by_their_words() {
        assert_eq!(symlink_inside(Path::new("a/b/link"), Path::new("../c")), Some(PathBuf::from("a/c")));
        assert_eq!(symlink_inside(Path::new("a/link"), Path::new("../../etc/passwd")), None);
        assert_eq!(symlink_inside(Path::new("link"), Path::new("/etc/passwd")), None);
        assert_eq!(symlink_inside(Path::new("link"), Path::new("..")), None);
        assert_eq!(symlink_inside(Path::new("a/link"), Path::new("..")), Some(PathBuf::new()));
    }

    #[test]
    fn names_stay_inside() {
        assert!(inside_name(Path::new("../x")).is_err());
        assert!(inside_name(Path::new("a/../../x")).is_err());
        assert!(inside_name(Path::new("/etc/x")).is_err());
        assert_eq!(inside_name(Path::new("./a/b")).unwrap(), PathBuf::from("a/b"));
    }
}
