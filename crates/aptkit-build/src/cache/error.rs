//! What can go wrong keying, storing or restoring a build: each error
//! names its subject (the key, the file, the path).

use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read `{}` for the build key", path.display())]
    ReadTree {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{}` is not a directory", path.display())]
    NotADirectory { path: PathBuf },
    #[error("`{}`: its name or symlink target is not UTF-8, which a build key cannot record", path.display())]
    NotUtf8 { path: PathBuf },
    #[error("`{}` is neither a file, a directory nor a symlink", path.display())]
    SpecialFile { path: PathBuf },
    #[error("`{}` is a symlink to a directory it is inside of: a copy following links would never end", path.display())]
    TreeLoop { path: PathBuf },
    #[error("build key input `{name}`: {reason}")]
    InputName { name: String, reason: &'static str },
    #[error("the build key has no `{name}` input: every build has one, and a key without it would match builds that differ in it")]
    MissingInput { name: &'static str },
    #[error("cannot read the build product `{}`", path.display())]
    ReadProduct {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("build product `{}`: {reason}", path.display())]
    ProductName { path: PathBuf, reason: String },
    #[error("build product `{}` is not a readable .deb", path.display())]
    Deb {
        path: PathBuf,
        #[source]
        source: aptkit_deb::Error,
    },
    /// The state store failed; the source says whether trying again may
    /// help ([`aptkit_store::Error::is_transient`]).
    #[error("build cache entry {key}: cannot {doing}")]
    Store {
        key: String,
        /// `upload hello_1.0-1_amd64.deb`, `read its manifest`. (Boxed: it
        /// keeps the error small enough to return by value everywhere.)
        doing: Box<str>,
        #[source]
        source: aptkit_store::Error,
    },
    #[error("cannot list the build cache under `{prefix}`")]
    List {
        prefix: String,
        #[source]
        source: aptkit_store::Error,
    },
    #[error("build cache entry {key}: `{path}` is not a valid manifest: {reason}")]
    Manifest { key: String, path: String, reason: String },
    #[error("build cache entry {key}: `{file}` does not match its manifest: {reason}")]
    Corrupt { key: String, file: String, reason: String },
    #[error("build cache entry {key}: cannot write `{}`", path.display())]
    Write {
        key: String,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// Whether the same call may succeed later: only when the store was
    /// unreachable or overloaded.
    pub fn is_transient(&self) -> bool {
        matches!(self, Error::Store { source, .. } | Error::List { source, .. } if source.is_transient())
    }
}

/// The error of entry `key`'s store operation `doing`, for `map_err`.
pub(crate) fn store_error(key: &str, doing: impl Into<String>) -> impl FnOnce(aptkit_store::Error) -> Error {
    let (key, doing) = (key.to_string(), doing.into().into_boxed_str());
    move |source| Error::Store { key, doing, source }
}
