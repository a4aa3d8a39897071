#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid key `{key}`: {reason}")]
    InvalidKey { key: String, reason: &'static str },
    #[error("failed to {op} `{key}` in {location}")]
    Io {
        op: &'static str,
        key: String,
        location: String,
        #[source]
        source: std::io::Error,
    },
    /// The store could not be reached or asked to slow down (a dropped
    /// connection, a timeout, HTTP 5xx, S3's `SlowDown`): the same request
    /// may succeed later.
    #[error("failed to {op} `{key}` in {location} (the store is unavailable for now)")]
    Unavailable {
        op: &'static str,
        key: String,
        location: String,
        #[source]
        source: std::io::Error,
    },
    #[error("injected failure on write #{n} (`{key}`)")]
    Injected { n: usize, key: String },
}

impl Error {
    /// Whether trying the same operation again later may succeed: the
    /// store was unreachable or overloaded, not wrong.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Unavailable { .. } => true,
            Error::Io { source, .. } => is_transient_io(source),
            Error::InvalidKey { .. } | Error::Injected { .. } => false,
        }
    }
}

/// Whether an I/O error is a network connection failing (refused, reset,
/// timed out, broken off), which a later try may not meet.
pub fn is_transient_io(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(
        e.kind(),
        TimedOut | ConnectionRefused | ConnectionReset | ConnectionAborted | NotConnected | BrokenPipe | Interrupted
    )
}

pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::Error;

    #[test]
    fn only_unreachable_stores_are_transient() {
        let io = |kind| Error::Io { op: "read", key: "k".into(), location: "l".into(), source: kind };
        assert!(io(std::io::Error::from(std::io::ErrorKind::TimedOut)).is_transient());
        assert!(io(std::io::Error::from(std::io::ErrorKind::ConnectionReset)).is_transient());
        assert!(!io(std::io::Error::from(std::io::ErrorKind::PermissionDenied)).is_transient());
        assert!(!io(std::io::Error::other("S3 error AccessDenied")).is_transient());
        let down = Error::Unavailable {
            op: "read",
            key: "k".into(),
            location: "l".into(),
            source: std::io::Error::other("503"),
        };
        assert!(down.is_transient());
        assert!(!Error::Injected { n: 1, key: "k".into() }.is_transient());
    }
}
