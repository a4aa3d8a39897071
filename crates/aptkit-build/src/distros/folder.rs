//! Checking one distro folder, collecting every problem it has.

use std::ffi::OsStr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use aptkit_debian_dir::DebianDir;

use super::links::Entry;
use super::{Distro, FolderError, FolderName};
use crate::ImageRef;

/// The folder `name` of the distros directory `dir` (whose real path is
/// `root`), or everything that is wrong with it.
pub(super) fn load(root: &Path, dir: &Path, name: &OsStr) -> Result<Distro, Vec<FolderError>> {
    let id = name.to_string_lossy().into_owned();
    let mut check = Check { root, path: dir.join(name), id, problems: Vec::new() };
    let parts = match name.to_str().ok_or("not UTF-8").and_then(FolderName::parse) {
        Ok(parts) => Some(parts),
        Err(why) => {
            check.problems.push(FolderError::BadName { folder: check.id.clone(), why });
            None
        }
    };
    // The folder itself may be a symlink to another one.
    match check.entry("").resolve(&check.path) {
        Ok(Some(real)) if real.is_dir() => {}
        Ok(_) => return Err(check.problems),
        Err(problem) => {
            check.problems.push(problem);
            return Err(check.problems);
        }
    }
    let docker_base = check.docker_base();
    let distribution = check.distribution();
    let pkgver = check.pkgver();
    let debian_dir = check.debian_dir();
    let build_script = check.build_script();
    let Check { path, id, problems, .. } = check;
    match (parts, docker_base, distribution, pkgver, debian_dir, build_script) {
        (Some(parts), Some(docker_base), Some(distribution), Some(pkgver), Some(debian_dir), Some(build_script))
            if problems.is_empty() =>
        {
            Ok(Distro {
                id,
                distro: parts.distro,
                version: parts.version,
                name: parts.name,
                docker_base,
                distribution,
                pkgver,
                path,
                debian_dir,
                build_script,
            })
        }
        _ => Err(problems),
    }
}

struct Check<'a> {
    root: &'a Path,
    /// The folder, under the distros directory as given.
    path: PathBuf,
    id: String,
    problems: Vec<FolderError>,
}

impl Check<'_> {
    fn entry<'e>(&'e self, file: &'e str) -> Entry<'e> {
        Entry { root: self.root, folder: &self.id, file }
    }

    fn problem(&mut self, problem: FolderError) {
        self.problems.push(problem);
    }

    /// The real path of the folder's entry `file`, or `None` (the problem
    /// recorded) when it cannot be followed.
    fn resolve(&mut self, file: &str) -> Option<Option<PathBuf>> {
        let path = self.path.join(file);
        match self.entry(file).resolve(&path) {
            Ok(found) => Some(found),
            Err(problem) => {
                self.problems.push(problem);
                None
            }
        }
    }

    /// A one-line value file, without its line end.
    fn value(&mut self, file: &'static str, why: &'static str) -> Option<String> {
        let folder = self.id.clone();
        let Some(real) = self.resolve(file)? else {
            self.problem(FolderError::Missing { folder, file, why });
            return None;
        };
        if !real.is_file() {
            self.problem(FolderError::NotAFile { folder, file });
            return None;
        }
        match std::fs::read_to_string(&real) {
            Ok(text) => {
                let value = text.trim_end_matches(['\n', '\r']);
                if value.is_empty() {
                    self.problem(FolderError::Empty { folder, file });
                    return None;
                }
                Some(value.to_string())
            }
            Err(source) => {
                self.problem(FolderError::Read { folder, file: file.to_string(), source });
                None
            }
        }
    }

    fn docker_base(&mut self) -> Option<ImageRef> {
        let value = self.value("DOCKER_BASE", "the container image the compile stage runs in")?;
        match value.parse() {
            Ok(image) => Some(image),
            Err(source) => {
                self.problem(FolderError::Image { folder: self.id.clone(), value, source });
                None
            }
        }
    }

    fn distribution(&mut self) -> Option<String> {
        let value = self.value("DISTRIBUTION", "the suite the packages are published to")?;
        if aptkit_control::valid_archive_name(&value) {
            return Some(value);
        }
        self.problem(FolderError::Suite { folder: self.id.clone(), value });
        None
    }

    fn pkgver(&mut self) -> Option<String> {
        let value = self.value("PKGVER", "the Debian revision of the packages, such as `1~bookworm`")?;
        match aptkit_control::check_debian_revision(&value) {
            Ok(()) => Some(value),
            Err(reason) => {
                self.problem(FolderError::Revision { folder: self.id.clone(), value, reason });
                None
            }
        }
    }

    /// `debian/`, resolved, and loaded as `aptkit package` loads it.
    fn debian_dir(&mut self) -> Option<PathBuf> {
        let folder = self.id.clone();
        let Some(real) = self.resolve("debian")? else {
            self.problem(FolderError::Missing { folder, file: "debian", why: "the packaging templates" });
            return None;
        };
        if !real.is_dir() {
            self.problem(FolderError::NotADirectory { folder, file: "debian" });
            return None;
        }
        match DebianDir::load(&self.path) {
            Ok(_) => Some(real),
            Err(source) => {
                let file = source
                    .path()
                    .and_then(|p| p.strip_prefix(&self.path).ok())
                    .map_or_else(|| "debian".to_string(), |p| p.display().to_string());
                self.problem(FolderError::Templates { folder, file, source: Box::new(source) });
                None
            }
        }
    }

    /// The optional `build` script: `Some(None)` when there is none.
    fn build_script(&mut self) -> Option<Option<PathBuf>> {
        let folder = self.id.clone();
        let real = self.resolve("build")?;
        let Some(real) = real else { return Some(None) };
        let meta = match std::fs::metadata(&real) {
            Ok(meta) => meta,
            Err(source) => {
                self.problem(FolderError::Read { folder, file: "build".into(), source });
                return None;
            }
        };
        if !meta.is_file() {
            self.problem(FolderError::NotAFile { folder, file: "build" });
            return None;
        }
        if meta.permissions().mode() & 0o111 == 0 {
            self.problem(FolderError::NotExecutable { folder });
            return None;
        }
        Some(Some(real))
    }
}
