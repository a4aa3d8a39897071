//! A project's `distros/` directory: one folder per target distribution.
//!
//! ```text
//! distros/
//!   debian-12-bookworm/      DISTRO-NUMERIC_VERSION[-NAME]
//!     DOCKER_BASE            debian:bookworm      (as `docker run` takes it)
//!     DISTRIBUTION           bookworm             (the suite it is published to)
//!     PKGVER                 1~bookworm           (the Debian revision)
//!     debian/                the packaging templates
//!     build                  optional: the compile commands (executable)
//!   ubuntu-24.04-noble/
//!     debian -> ../debian-12-bookworm/debian
//! ```
//!
//! `debian`, `build` and the value files may be symlinks, to elsewhere
//! inside the distros directory only. Entries whose names start with `.`,
//! and plain files (a README), are not folders and are skipped.
//! [`Distros::load`] checks every folder and reports every problem it
//! finds, not only the first.

mod error;
mod folder;
mod folder_name;
mod links;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

pub use error::{Error, FolderError};
pub use folder_name::FolderName;

use crate::ImageRef;

/// One target distribution, checked.
#[derive(Debug, Clone)]
pub struct Distro {
    /// The folder's name: `debian-12-bookworm`.
    pub id: String,
    /// `debian`.
    pub distro: String,
    /// `12`, `24.04`.
    pub version: String,
    /// `bookworm`, when the folder's name has one.
    pub name: Option<String>,
    /// `DOCKER_BASE`: the image the compile stage runs in.
    pub docker_base: ImageRef,
    /// `DISTRIBUTION`: the suite the packages are published to.
    pub distribution: String,
    /// `PKGVER`: the Debian revision of the packages (`1~bookworm`).
    pub pkgver: String,
    /// The folder's path, as found under the distros directory.
    pub path: PathBuf,
    /// The real path of `debian/`, symlinks resolved.
    pub debian_dir: PathBuf,
    /// The real path of the `build` script, symlinks resolved; `None`
    /// means the default compile steps.
    pub build_script: Option<PathBuf>,
}

/// Every folder of a distros directory, by name.
#[derive(Debug, Clone)]
pub struct Distros {
    /// As given to [`Distros::load`].
    pub dir: PathBuf,
    distros: Vec<Distro>,
}

impl Distros {
    /// Read and check every folder of `dir`. Any problem in any folder is
    /// an [`Error::Malformed`] listing all of them.
    pub fn load(dir: &Path) -> Result<Distros, Error> {
        let root = match std::fs::canonicalize(dir) {
            Ok(root) => root,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::NoDirectory { dir: dir.to_path_buf() })
            }
            Err(source) => return Err(Error::ReadDir { dir: dir.to_path_buf(), source }),
        };
        if !root.is_dir() {
            return Err(Error::NotADirectory { dir: dir.to_path_buf() });
        }
        let read_dir = |source| Error::ReadDir { dir: dir.to_path_buf(), source };
        let mut names = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(read_dir)? {
            let entry = entry.map_err(read_dir)?;
            let file_type = entry.file_type().map_err(read_dir)?;
            let name = entry.file_name();
            if name.as_encoded_bytes().starts_with(b".") || file_type.is_file() {
                continue;
            }
            // A symlink to a file is a file too; one to nowhere is a folder
            // gone wrong and gets reported.
            if file_type.is_symlink() && entry.path().is_file() {
                continue;
            }
            names.push(name);
        }
        names.sort();
        let mut distros = Vec::new();
        let mut problems = Vec::new();
        for name in names {
            match folder::load(&root, dir, &name) {
                Ok(distro) => distros.push(distro),
                Err(found) => problems.extend(found),
            }
        }
        if problems.is_empty() {
            Ok(Distros { dir: dir.to_path_buf(), distros })
        } else {
            Err(Error::Malformed { dir: dir.to_path_buf(), problems })
        }
    }

    /// The folder named `id`.
    pub fn find(&self, id: &str) -> Result<&Distro, Error> {
        self.distros.iter().find(|d| d.id == id).ok_or_else(|| Error::UnknownDistro {
            id: id.to_string(),
            dir: self.dir.clone(),
            known: self.ids().map(str::to_string).collect(),
        })
    }

    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.distros.iter().map(|d| d.id.as_str())
    }

    /// In folder-name order.
    pub fn iter(&self) -> std::slice::Iter<'_, Distro> {
        self.distros.iter()
    }

    pub fn len(&self) -> usize {
        self.distros.len()
    }

    pub fn is_empty(&self) -> bool {
        self.distros.is_empty()
    }
}

impl<'a> IntoIterator for &'a Distros {
    type Item = &'a Distro;
    type IntoIter = std::slice::Iter<'a, Distro>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}
