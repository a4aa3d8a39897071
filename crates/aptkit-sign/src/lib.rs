//! OpenPGP for apt repositories, with sequoia-openpgp.
//!
//! - [`SigningKey`]: a secret key loaded from a file or an environment
//!   variable (never logged), or generated; its public keyring exported in
//!   binary form (for apt's `signed-by`) or armored.
//! - [`clearsign`] makes `InRelease`, [`sign_detached`] makes `Release.gpg`,
//!   each with one or several keys (several keys is how keys are rotated).
//!
//! Everything is v4 OpenPGP (RFC 4880), which every apt verifier accepts
//! (gpgv on Debian 12 has no v6 support), with SHA-512 signatures and
//! Ed25519 or RSA-3072 keys: no MD5, SHA-1 or DSA anywhere (FACTS.md).

mod error;
mod keys;

use std::io::Write;
use std::time::SystemTime;

use openpgp::armor;
use openpgp::serialize::stream::{Armorer, Message, Signer};
use openpgp::types::HashAlgorithm;
use sequoia_openpgp as openpgp;

pub use error::{Error, Result};
pub use keys::{KeyAlgorithm, SigningKey};
pub use sequoia_openpgp;

/// `InRelease`: `text` in the cleartext signature framework, signed by
/// every key in `keys`.
pub fn clearsign(keys: &[SigningKey], text: &[u8], time: SystemTime) -> Result<Vec<u8>> {
    sign(keys, text, time, true)
}

/// `Release.gpg`: an ASCII-armored detached signature of `text` by every key.
pub fn sign_detached(keys: &[SigningKey], text: &[u8], time: SystemTime) -> Result<Vec<u8>> {
    sign(keys, text, time, false)
}

fn sign(keys: &[SigningKey], text: &[u8], time: SystemTime, cleartext: bool) -> Result<Vec<u8>> {
    let (first, rest) = keys.split_first().ok_or(Error::NoKeys)?;
    let signers: Vec<String> = keys.iter().map(|k| format!("`{}`", k.fingerprint())).collect();
    let signers = signers.join(", ");
    let mut sink = Vec::new();
    {
        let message = Message::new(&mut sink);
        let message = if cleartext {
            message
        } else {
            Armorer::new(message).kind(armor::Kind::Signature).build().map_err(|e| Error::sign(&signers, e))?
        };
        let mut signer = Signer::new(message, first.keypair(time)?)
            .map_err(|e| Error::sign(&signers, e))?
            .hash_algo(HashAlgorithm::SHA512)
            .map_err(|e| Error::sign(&signers, e))?
            .creation_time(time);
        for key in rest {
            signer = signer.add_signer(key.keypair(time)?).map_err(|e| Error::sign(&signers, e))?;
        }
        signer = if cleartext { signer.cleartext() } else { signer.detached() };
        let mut writer = signer.build().map_err(|e| Error::sign(&signers, e))?;
        writer.write_all(text).map_err(|e| Error::sign(&signers, e))?;
        writer.finalize().map_err(|e| Error::sign(&signers, e))?;
    }
    Ok(sink)
}
