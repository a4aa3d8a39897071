use std::path::Path;
use std::str::FromStr;
use std::time::SystemTime;

use openpgp::cert::prelude::*;
use openpgp::crypto::KeyPair;
use openpgp::parse::Parse;
use openpgp::policy::StandardPolicy;
use openpgp::serialize::{Serialize, SerializeInto};
use sequoia_openpgp as openpgp;

use crate::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyAlgorithm {
    #[default]
    Ed25519,
    Rsa3072,
    Rsa4096,
}

impl FromStr for KeyAlgorithm {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "ed25519" => Ok(KeyAlgorithm::Ed25519),
            "rsa3072" | "rsa3k" => Ok(KeyAlgorithm::Rsa3072),
            "rsa4096" | "rsa4k" => Ok(KeyAlgorithm::Rsa4096),
            other => Err(format!("unknown key algorithm `{other}` (expected ed25519, rsa3072 or rsa4096)")),
        }
    }
}

/// A secret OpenPGP key that signs repositories. Its `Debug` output shows
/// the fingerprint only, so the secret can never reach a log.
#[derive(Clone)]
pub struct SigningKey {
    cert: Cert,
    origin: String,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey({} from {})", self.fingerprint(), self.origin)
    }
}

impl SigningKey {
    /// Parse a secret key (armored or binary). `origin` names where it came
    /// from in errors (`file keys/repo.asc`, `$APTKIT_SIGNING_KEY`).
    pub fn from_bytes(bytes: &[u8], origin: &str) -> Result<Self> {
        let cert =
            Cert::from_bytes(bytes).map_err(|e| Error::ParseKey { origin: origin.to_string(), source: e.into() })?;
        let key = SigningKey { cert, origin: origin.to_string() };
        key.keypair(SystemTime::now())?;
        Ok(key)
    }

    pub fn from_file(path: &Path) -> Result<Self> {
        let origin = format!("file `{}`", path.display());
        let bytes = fs_err::read(path).map_err(|source| Error::ReadKey { origin: origin.clone(), source })?;
        Self::from_bytes(&bytes, &origin)
    }

    /// The key in environment variable `var` (armored text).
    pub fn from_env(var: &str) -> Result<Self> {
        let origin = format!("environment variable `{var}`");
        // var_os, not var: VarError::NotUnicode would carry (and print) the
        // secret itself.
        let value = std::env::var_os(var).ok_or_else(|| Error::ReadKey {
            origin: origin.clone(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "not set"),
        })?;
        Self::from_bytes(std::os::unix::ffi::OsStrExt::as_bytes(value.as_os_str()), &origin)
    }

    /// A new key: a certification-only primary key and a signing subkey,
    /// without expiry (rotate by adding a second key to publications).
    pub fn generate(user_id: &str, algorithm: KeyAlgorithm) -> Result<Self> {
        let suite = match algorithm {
            KeyAlgorithm::Ed25519 => CipherSuite::Cv25519,
            KeyAlgorithm::Rsa3072 => CipherSuite::RSA3k,
            KeyAlgorithm::Rsa4096 => CipherSuite::RSA4k,
        };
        let (cert, _revocation) = CertBuilder::new()
            .set_cipher_suite(suite)
            .set_profile(openpgp::Profile::RFC4880)
            .map_err(|e| Error::generate(user_id, e))?
            .set_validity_period(None)
            .add_userid(user_id)
            .add_signing_subkey()
            .generate()
            .map_err(|e| Error::generate(user_id, e))?;
        Ok(SigningKey { cert, origin: "a generated key".into() })
    }

    /// The primary key's fingerprint, 40 uppercase hex digits (what
    /// `Signed-By` in a Release file takes).
    pub fn fingerprint(&self) -> String {
        self.cert.fingerprint().to_hex()
    }

    pub fn user_ids(&self) -> Vec<String> {
        self.cert.userids().map(|u| String::from_utf8_lossy(u.userid().value()).into_owned()).collect()
    }

    /// The secret key, armored (for `aptkit key generate --output`).
    pub fn secret_armored(&self) -> Vec<u8> {
        self.cert.as_tsk().armored().to_vec().expect("serialising a key to memory cannot fail")
    }

    /// The public key in binary form: a keyring file for apt's `signed-by`.
    pub fn public_binary(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.cert.serialize(&mut out).expect("serialising a key to memory cannot fail");
        out
    }

    pub fn public_armored(&self) -> Vec<u8> {
        self.cert.armored().to_vec().expect("serialising a key to memory cannot fail")
    }

    /// The signing key pair valid at `time`.
    pub(crate) fn keypair(&self, time: SystemTime) -> Result<KeyPair> {
        let policy = StandardPolicy::new();
        let key = self
            .cert
            .keys()
            .secret()
            .with_policy(&policy, time)
            .supported()
            .alive()
            .revoked(false)
            .for_signing()
            .next()
            .ok_or_else(|| Error::NoSigningKey { fingerprint: self.fingerprint(), origin: self.origin.clone() })?;
        let key = key.key().clone();
        if !key.has_unencrypted_secret() {
            return Err(Error::Encrypted { fingerprint: self.fingerprint(), origin: self.origin.clone() });
        }
        key.into_keypair().map_err(|e| Error::sign(&format!("`{}`", self.fingerprint()), e))
    }
}
