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
    #[error("injected failure on write #{n} (`{key}`)")]
    Injected { n: usize, key: String },
}

pub type Result<T> = std::result::Result<T, Error>;
