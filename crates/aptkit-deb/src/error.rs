use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("failed to read `{}`", path.display())]
    ReadInput {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{}` changed while being packaged (it had {expected} bytes when read, {found} now)", path.display())]
    InputChanged { path: PathBuf, expected: u64, found: u64 },
    #[error("failed to write `{}`", path.display())]
    WriteOutput {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("failed to compress the {member} member")]
    Compress {
        member: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("`{}` is not a valid .deb: {reason}", path.display())]
    Malformed { path: PathBuf, reason: String },
    /// A member that decompresses past what any real package holds (a
    /// compression bomb), refused before it fills memory.
    #[error("`{}`: member `{member}` expands past {limit} bytes", path.display())]
    MemberTooLarge { path: PathBuf, member: String, limit: u64 },
    #[error("failed to read `{}`", path.display())]
    ReadDeb {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid path `{path}` in the package tree: {reason}")]
    InvalidTreePath { path: String, reason: &'static str },
}

pub type Result<T> = std::result::Result<T, Error>;
