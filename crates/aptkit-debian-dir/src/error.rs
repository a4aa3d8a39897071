use std::path::PathBuf;

/// Errors name the file (and line, where there is one) that caused them.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}:{line}: {message}", path.display())]
    Syntax { path: PathBuf, line: usize, message: String },
    #[error("`{}` is missing: {why}", path.display())]
    MissingFile { path: PathBuf, why: &'static str },
    #[error("failed to read `{}`", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: no binary package `{package}` in debian/control", path.display())]
    UnknownPackage { path: PathBuf, package: String },
    #[error("{}:{line}: `{pattern}` matches no file (looked in {searched})", path.display())]
    NoMatch { path: PathBuf, line: usize, pattern: String, searched: String },
    #[error("{}:{line}: `{value}` escapes the {what}", path.display())]
    Escapes { path: PathBuf, line: usize, value: String, what: &'static str },
    #[error("package `{package}`: {message}")]
    Package { package: String, message: String },
    #[error("no package to build: {0}")]
    NothingToBuild(String),
    #[error("failed to write `{}`", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("package `{package}`: cannot compute its shared library dependencies")]
    Shlibs {
        package: String,
        // Boxed: the shlibs errors carry several names, and every Result
        // of this crate would otherwise be as large as they are.
        #[source]
        source: Box<aptkit_shlibs::Error>,
    },
    #[error("failed to build `{package}`")]
    Deb {
        package: String,
        #[source]
        source: aptkit_deb::Error,
    },
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// The file the error is about, when it is about one.
    pub fn path(&self) -> Option<&std::path::Path> {
        match self {
            Error::Syntax { path, .. }
            | Error::MissingFile { path, .. }
            | Error::Read { path, .. }
            | Error::UnknownPackage { path, .. }
            | Error::NoMatch { path, .. }
            | Error::Escapes { path, .. }
            | Error::Write { path, .. } => Some(path),
            Error::Package { .. } | Error::NothingToBuild(_) | Error::Deb { .. } | Error::Shlibs { .. } => None,
        }
    }

    pub(crate) fn syntax(path: &std::path::Path, err: &aptkit_control::Error) -> Self {
        Error::Syntax { path: path.to_path_buf(), line: err.line(), message: err.message() }
    }

    pub(crate) fn read(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
        move |source| Error::Read { path: path.to_path_buf(), source }
    }
}
