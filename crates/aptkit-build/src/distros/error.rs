//! What can be wrong with a distros tree: one [`FolderError`] per problem of
//! a folder (each names the folder and the file), and [`Error`] for the tree.

use std::path::PathBuf;

use crate::ImageRefError;

/// One problem of one distro folder. The message starts with
/// `FOLDER/FILE: ` (`FOLDER: ` for the folder's name itself).
#[derive(Debug, thiserror::Error)]
pub enum FolderError {
    #[error("{folder}: not a distro folder name: {why} (expected DISTRO-NUMERIC_VERSION[-NAME], such as `debian-12-bookworm`)")]
    BadName { folder: String, why: &'static str },
    #[error("{folder}/{file}: missing ({why})")]
    Missing { folder: String, file: &'static str, why: &'static str },
    #[error("{}: cannot read it", at(folder, file))]
    Read {
        folder: String,
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: a symlink to the absolute path `{}`, which breaks when the source tree is copied or unpacked elsewhere (make it relative)", at(folder, file), target.display())]
    AbsoluteLink { folder: String, file: String, target: PathBuf },
    #[error("{}: a symlink to `{}`, which leads outside the distros directory", at(folder, file), target.display())]
    EscapingLink { folder: String, file: String, target: PathBuf },
    #[error("{}: a dangling symlink: `{}` does not exist", at(folder, file), target.display())]
    DanglingLink { folder: String, file: String, target: PathBuf },
    #[error("{}: too many levels of symlinks", at(folder, file))]
    LinkLoop { folder: String, file: String },
    #[error("{folder}/{file}: not a directory")]
    NotADirectory { folder: String, file: &'static str },
    #[error("{folder}/{file}: not a regular file")]
    NotAFile { folder: String, file: &'static str },
    #[error("{folder}/{file}: empty")]
    Empty { folder: String, file: &'static str },
    #[error("{folder}/build: not executable (`chmod +x` it)")]
    NotExecutable { folder: String },
    #[error("{folder}/DOCKER_BASE: `{}` is not an image name as `docker run` takes it", value.escape_debug())]
    Image {
        folder: String,
        value: String,
        #[source]
        source: ImageRefError,
    },
    #[error("{folder}/PKGVER: `{}` is not a Debian revision: {reason}", value.escape_debug())]
    Revision { folder: String, value: String, reason: String },
    #[error("{folder}/DISTRIBUTION: `{}` is not a suite name (letters, digits and . _ - + ~, not first . or -)", value.escape_debug())]
    Suite { folder: String, value: String },
    #[error("{folder}/{file}: the packaging templates do not load")]
    Templates {
        folder: String,
        file: String,
        #[source]
        source: Box<aptkit_debian_dir::Error>,
    },
}

impl FolderError {
    /// The folder the problem is in.
    pub fn folder(&self) -> &str {
        match self {
            FolderError::BadName { folder, .. }
            | FolderError::Missing { folder, .. }
            | FolderError::Read { folder, .. }
            | FolderError::AbsoluteLink { folder, .. }
            | FolderError::EscapingLink { folder, .. }
            | FolderError::DanglingLink { folder, .. }
            | FolderError::LinkLoop { folder, .. }
            | FolderError::NotADirectory { folder, .. }
            | FolderError::NotAFile { folder, .. }
            | FolderError::Empty { folder, .. }
            | FolderError::NotExecutable { folder }
            | FolderError::Image { folder, .. }
            | FolderError::Revision { folder, .. }
            | FolderError::Suite { folder, .. }
            | FolderError::Templates { folder, .. } => folder,
        }
    }

    /// The file in the folder the problem is about (`PKGVER`,
    /// `debian/control`); empty for the folder's name.
    pub fn file(&self) -> &str {
        match self {
            FolderError::BadName { .. } => "",
            FolderError::Missing { file, .. }
            | FolderError::NotADirectory { file, .. }
            | FolderError::NotAFile { file, .. }
            | FolderError::Empty { file, .. } => file,
            FolderError::Read { file, .. }
            | FolderError::AbsoluteLink { file, .. }
            | FolderError::EscapingLink { file, .. }
            | FolderError::DanglingLink { file, .. }
            | FolderError::LinkLoop { file, .. }
            | FolderError::Templates { file, .. } => file,
            FolderError::NotExecutable { .. } => "build",
            FolderError::Image { .. } => "DOCKER_BASE",
            FolderError::Revision { .. } => "PKGVER",
            FolderError::Suite { .. } => "DISTRIBUTION",
        }
    }

    /// The message and every cause, on one line: what `aptkit distros check` prints.
    pub fn to_line(&self) -> String {
        let mut line = self.to_string();
        let mut cause = std::error::Error::source(self);
        while let Some(err) = cause {
            line.push_str(": ");
            line.push_str(&err.to_string());
            cause = err.source();
        }
        line
    }
}

/// `FOLDER/FILE`, or `FOLDER` for the folder itself.
fn at(folder: &str, file: &str) -> String {
    if file.is_empty() {
        folder.to_string()
    } else {
        format!("{folder}/{file}")
    }
}

/// Why a distros tree cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the distros directory `{}` does not exist", dir.display())]
    NoDirectory { dir: PathBuf },
    #[error("`{}` is not a directory (a distros directory holds one folder per target distribution)", dir.display())]
    NotADirectory { dir: PathBuf },
    #[error("cannot read the distros directory `{}`", dir.display())]
    ReadDir {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the distros directory `{}` has {}:{}", dir.display(), count(problems.len(), "problem"), lines(problems))]
    Malformed { dir: PathBuf, problems: Vec<FolderError> },
    #[error("no distro `{id}` in `{}` ({})", dir.display(), known_ids(known))]
    UnknownDistro { id: String, dir: PathBuf, known: Vec<String> },
}

/// `1 problem`, `2 problems`.
fn count(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// One indented line per problem.
fn lines(problems: &[FolderError]) -> String {
    problems.iter().map(|p| format!("\n  {}", p.to_line())).collect()
}

fn known_ids(known: &[String]) -> String {
    if known.is_empty() {
        "it has none".to_string()
    } else {
        format!("it has {}", known.join(", "))
    }
}
