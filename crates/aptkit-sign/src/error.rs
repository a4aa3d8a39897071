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
        source: Cause,
    },
    #[error(
        "key `{fingerprint}` from {origin} has no secret signing key valid now (expired, revoked, or public only)"
    )]
    NoSigningKey { fingerprint: String, origin: String },
    #[error("key `{fingerprint}` from {origin} is protected by a password, which aptkit does not support yet")]
    Encrypted { fingerprint: String, origin: String },
    #[error("failed to generate a key for `{user_id}`")]
    Generate {
        user_id: String,
        #[source]
        source: Cause,
    },
    /// `keys`: the fingerprints of the signing keys, each in backticks.
    #[error("failed to sign with {keys}")]
    Sign {
        keys: String,
        #[source]
        source: Cause,
    },
}

/// sequoia's errors come boxed (as `openpgp::Result`'s): they are kept,
/// whatever their type, as the cause.
type Cause = Box<dyn std::error::Error + Send + Sync>;

impl Error {
    /// `keys`: their fingerprints, each in backticks.
    pub(crate) fn sign(keys: &str, cause: impl Into<Cause>) -> Error {
        Error::Sign { keys: keys.to_string(), source: cause.into() }
    }

    pub(crate) fn generate(user_id: &str, cause: impl Into<Cause>) -> Error {
        Error::Generate { user_id: user_id.to_string(), source: cause.into() }
    }
}

pub type Result<T> = std::result::Result<T, Error>;
