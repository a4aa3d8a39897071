//! Signature checks with a policy at least as strict as current apt's:
//! pinned keys only, no MD5/SHA-1/RIPEMD-160 digests, no DSA, RSA >= 2048,
//! and the cleartext framework's rules as apt applies them.

use std::io::Read;
use std::time::SystemTime;

use openpgp::cert::CertParser;
use openpgp::parse::stream::{
    DetachedVerifierBuilder, MessageLayer, MessageStructure, VerificationError, VerificationHelper, VerifierBuilder,
};
use openpgp::parse::Parse;
use openpgp::policy::StandardPolicy;
use openpgp::types::{HashAlgorithm, PublicKeyAlgorithm};
use openpgp::{Cert, KeyHandle};
use sequoia_openpgp as openpgp;

use crate::Error;

/// The trusted keys: a keyring file (binary or armored, several keys).
#[derive(Clone)]
pub struct Keyring {
    certs: Vec<Cert>,
}

impl Keyring {
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        let certs = CertParser::from_bytes(bytes)
            .map_err(bad_keyring)?
            .collect::<openpgp::Result<Vec<_>>>()
            .map_err(bad_keyring)?;
        if certs.is_empty() {
            return Err(Error::EmptyKeyring);
        }
        Ok(Keyring { certs })
    }

    pub fn fingerprints(&self) -> Vec<String> {
        self.certs.iter().map(|c| c.fingerprint().to_hex()).collect()
    }
}

/// sequoia's error, whatever its type, as the source of [`Error::BadKeyring`].
fn bad_keyring(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Error {
    Error::BadKeyring { source: e.into() }
}

/// Who signed, as far as the policy is concerned.
#[derive(Debug, Clone, Default)]
pub struct SignatureCheck {
    /// Fingerprints (primary keys) of good signatures by pinned keys.
    pub good: Vec<String>,
    /// Why other signatures did not count (unknown keys, policy).
    pub rejected: Vec<String>,
    /// Signatures by pinned keys that do not match the text: fatal even
    /// next to good ones, as in apt (BADSIG).
    pub bad: Vec<String>,
}

struct Helper<'a> {
    keyring: &'a Keyring,
    result: SignatureCheck,
}

// DSA and sign-only RSA are deprecated in sequoia; naming them here is the
// point: signatures made with them are refused.
#[allow(deprecated)]
impl VerificationHelper for Helper<'_> {
    fn get_certs(&mut self, _ids: &[KeyHandle]) -> openpgp::Result<Vec<Cert>> {
        Ok(self.keyring.certs.clone())
    }

    fn check(&mut self, structure: MessageStructure) -> openpgp::Result<()> {
        for layer in structure.into_iter() {
            let MessageLayer::SignatureGroup { results } = layer else { continue };
            for result in results {
                match result {
                    Ok(good) => {
                        let hash = good.sig.hash_algo();
                        let key = good.ka.key();
                        let bits = key.mpis().bits().unwrap_or(0);
                        let fpr = good.ka.cert().fingerprint().to_hex();
                        if is_weak(hash) {
                            self.result.rejected.push(format!("signature by {fpr} uses the weak digest {hash}"));
                        } else if matches!(key.pk_algo(), PublicKeyAlgorithm::DSA) {
                            self.result.rejected.push(format!("signature by {fpr} uses a DSA key"));
                        } else if matches!(
                            key.pk_algo(),
                            PublicKeyAlgorithm::RSAEncryptSign | PublicKeyAlgorithm::RSASign
                        ) && bits < 2048
                        {
                            self.result.rejected.push(format!("signature by {fpr} uses a {bits}-bit RSA key"));
                        } else if !self.result.good.contains(&fpr) {
                            self.result.good.push(fpr);
                        }
                    }
                    // The policy refuses weak digests before any maths: such a
                    // signature does not count, like apt's, but is no BADSIG.
                    Err(VerificationError::BadSignature { sig, ka, .. }) if is_weak(sig.hash_algo()) => {
                        let fpr = ka.cert().fingerprint().to_hex();
                        self.result
                            .rejected
                            .push(format!("signature by {fpr} uses the weak digest {}", sig.hash_algo()));
                    }
                    Err(e @ VerificationError::BadSignature { .. }) => self.result.bad.push(e.to_string()),
                    Err(e) => self.result.rejected.push(e.to_string()),
                }
            }
        }
        Ok(())
    }
}

fn is_weak(hash: HashAlgorithm) -> bool {
    matches!(hash, HashAlgorithm::MD5 | HashAlgorithm::SHA1 | HashAlgorithm::RipeMD)
}

/// A policy that refuses what apt refuses, including SHA-1 everywhere.
fn policy() -> StandardPolicy<'static> {
    let mut p = StandardPolicy::new();
    p.reject_hash(HashAlgorithm::SHA1);
    p.reject_hash(HashAlgorithm::MD5);
    p.reject_hash(HashAlgorithm::RipeMD);
    p
}

/// apt's cleartext rules: the file starts with the armor header line and
/// nothing but whitespace follows the signature block.
pub fn check_clearsign_framing(bytes: &[u8]) -> Result<(), String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "InRelease is not UTF-8".to_string())?;
    if !text.starts_with("-----BEGIN PGP SIGNED MESSAGE-----\n")
        && !text.starts_with("-----BEGIN PGP SIGNED MESSAGE-----\r\n")
    {
        return Err("InRelease does not start with `-----BEGIN PGP SIGNED MESSAGE-----`".into());
    }
    let end = "-----END PGP SIGNATURE-----";
    let last = text.rfind(end).ok_or("InRelease has no signature block")?;
    if !text[last + end.len()..].trim().is_empty() {
        return Err("InRelease has data after its signature block".into());
    }
    if text.matches("-----BEGIN PGP SIGNED MESSAGE-----").count() != 1 {
        return Err("InRelease holds more than one signed message".into());
    }
    Ok(())
}

/// Verify a clearsigned InRelease; returns the signed text and signers.
pub fn verify_inline(bytes: &[u8], keyring: &Keyring, time: SystemTime) -> Result<(Vec<u8>, SignatureCheck), String> {
    check_clearsign_framing(bytes)?;
    let policy = policy();
    let helper = Helper { keyring, result: SignatureCheck::default() };
    let mut verifier = VerifierBuilder::from_bytes(bytes)
        .and_then(|b| b.with_policy(&policy, time, helper))
        .map_err(|e| format!("signature check failed: {e}"))?;
    let mut body = Vec::new();
    verifier.read_to_end(&mut body).map_err(|e| format!("signature check failed: {e}"))?;
    let result = verifier.into_helper().result;
    Ok((body, result))
}

/// Verify `Release.gpg` over `Release`.
pub fn verify_detached(
    release: &[u8],
    signature: &[u8],
    keyring: &Keyring,
    time: SystemTime,
) -> Result<SignatureCheck, String> {
    let policy = policy();
    let helper = Helper { keyring, result: SignatureCheck::default() };
    let mut verifier = DetachedVerifierBuilder::from_bytes(signature)
        .and_then(|b| b.with_policy(&policy, time, helper))
        .map_err(|e| format!("signature check failed: {e}"))?;
    verifier.verify_bytes(release).map_err(|e| format!("signature check failed: {e}"))?;
    Ok(verifier.into_helper().result)
}
