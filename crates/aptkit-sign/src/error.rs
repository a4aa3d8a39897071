#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no signing key given")]
    NoKeys,
    #[error("cannot read the signing key from {origin}")]
    ReadKey {
        origin: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{origin} holds no usable OpenPGP secret key")]
    ParseKey {
        origin: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("key {fingerprint} from {origin} has no secret signing key valid now (expired, revoked, or public only)")]
    NoSigningKey { fingerprint: String, origin: String },
    #[error("key {fingerprint} from {origin} is protected by a password, which aptkit does not support yet")]
    Encrypted { fingerprint: String, origin: String },
    #[error("failed to generate a key")]
    Generate {
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("failed to sign")]
    Sign {
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

pub type Result<T> = std::result::Result<T, Error>;
