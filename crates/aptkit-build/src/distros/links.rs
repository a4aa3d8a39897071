//! Following a folder's entries (`debian`, `build`, …) through symlinks,
//! which may only lead elsewhere inside the distros tree: a relative link
//! keeps working when the tree is copied into a container or unpacked from
//! a tarball; an absolute one, or one that leaves the tree, does not.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use super::FolderError;

/// Symlink hops followed before giving up, as Linux's own limit (ELOOP).
const MAX_HOPS: usize = 40;

/// An entry of a folder, to be followed inside `root`.
pub(crate) struct Entry<'a> {
    /// The distros directory, canonical.
    pub root: &'a Path,
    pub folder: &'a str,
    /// As it will be named in errors: `debian`, `PKGVER`.
    pub file: &'a str,
}

impl Entry<'_> {
    /// The real path of `path`, following symlinks that stay inside the
    /// tree; `None` if there is nothing at `path`.
    pub fn resolve(&self, path: &Path) -> Result<Option<PathBuf>, FolderError> {
        let mut current = path.to_path_buf();
        for hop in 0..MAX_HOPS {
            let meta = match std::fs::symlink_metadata(&current) {
                Ok(meta) => meta,
                Err(e) if e.kind() == ErrorKind::NotFound && hop == 0 => return Ok(None),
                Err(source) => return Err(self.read_error(source)),
            };
            if !meta.file_type().is_symlink() {
                let real = std::fs::canonicalize(&current).map_err(|source| self.read_error(source))?;
                return if real.starts_with(self.root) { Ok(Some(real)) } else { Err(self.escaping(&current)) };
            }
            let target = std::fs::read_link(&current).map_err(|source| self.read_error(source))?;
            if target.is_absolute() {
                return Err(FolderError::AbsoluteLink { folder: self.folder.into(), file: self.file.into(), target });
            }
            let next = current.parent().expect("a symlink has a parent directory").join(&target);
            // The directory the hop lands in must exist and lie inside the
            // tree; what it names there is the next hop.
            let (dir, name) = match next.file_name() {
                Some(name) => (next.parent().unwrap_or(Path::new(".")).to_path_buf(), Some(name.to_owned())),
                None => (next.clone(), None),
            };
            let dir = match std::fs::canonicalize(&dir) {
                Ok(dir) => dir,
                Err(e) if e.kind() == ErrorKind::NotFound => return Err(self.dangling(target)),
                Err(source) => return Err(self.read_error(source)),
            };
            if !dir.starts_with(self.root) {
                return Err(FolderError::EscapingLink { folder: self.folder.into(), file: self.file.into(), target });
            }
            current = match name {
                Some(name) => dir.join(name),
                None => dir,
            };
            if std::fs::symlink_metadata(&current).is_err_and(|e| e.kind() == ErrorKind::NotFound) {
                return Err(self.dangling(target));
            }
        }
        Err(FolderError::LinkLoop { folder: self.folder.into(), file: self.file.into() })
    }

    fn read_error(&self, source: std::io::Error) -> FolderError {
        FolderError::Read { folder: self.folder.into(), file: self.file.into(), source }
    }

    fn escaping(&self, path: &Path) -> FolderError {
        let target = std::fs::read_link(path).unwrap_or_else(|_| path.to_path_buf());
        FolderError::EscapingLink { folder: self.folder.into(), file: self.file.into(), target }
    }

    fn dangling(&self, target: PathBuf) -> FolderError {
        FolderError::DanglingLink { folder: self.folder.into(), file: self.file.into(), target }
    }
}
