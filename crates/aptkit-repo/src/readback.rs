//! The check every publish makes of what it wrote, before it is recorded:
//! the suite read back as a client reads it (signatures by the keys that
//! signed, Release fields, every index under its plain and by-hash names,
//! through `aptkit-verify`), every index name it wrote by a HEAD (present),
//! and each pool file this publish placed, by a HEAD of its key (present,
//! with the size it was given). Pool files
//! already in place before are not read again: a republish of a large
//! suite must not cost a download of its pool (`aptkit verify --deep`
//! checks every pool file's hash).

use aptkit_sign::SigningKey;
use aptkit_store::{Scoped, Store};

use crate::publish::PublishReport;
use crate::state::Publication;
use crate::{Error, Result};

/// What the check read.
pub(crate) struct Checked {
    pub indices: usize,
    pub pool_files: usize,
}

pub(crate) fn check(
    public: &dyn Store,
    publication: &Publication,
    report: &PublishReport,
    keys: &[SigningKey],
    now: i64,
) -> Result<Checked> {
    let not_verified = |findings: Vec<String>| Error::NotVerified {
        publication: publication.id(),
        location: public.location(),
        findings,
    };
    let keyring: Vec<u8> = keys.iter().flat_map(|k| k.public_binary()).collect();
    let keyring = aptkit_verify::Keyring::from_bytes(&keyring)
        .map_err(|e| not_verified(vec![format!("the signing keys do not make a keyring: {e}")]))?;
    let options = aptkit_verify::Options {
        keyring,
        suites: vec![publication.distribution.clone()],
        deep: false,
        max_age: None,
        required_signers: Vec::new(),
        state_file: None,
        now,
        threads: 1,
        components: Vec::new(),
        architectures: Vec::new(),
    };
    // The suite as it is published: under its prefix, from the store's root.
    let view = Scoped::new(public, &publication.prefix);
    let verified = match aptkit_verify::verify(&view, &options, &|_| {}) {
        Ok(verified) => verified,
        // The store failing is the store's error (it may be transient: a
        // rerun then reads it again), not a finding.
        Err(aptkit_verify::Error::Store(e)) => return Err(Error::Store(e)),
        Err(aptkit_verify::Error::Read { path, source }) => {
            let key = path.display().to_string();
            return Err(Error::Store(aptkit_store::Error::Io {
                op: "read back",
                key,
                location: view.location(),
                source,
            }));
        }
        Err(e) => return Err(not_verified(vec![e.to_string()])),
    };
    let mut findings: Vec<String> = verified.findings.iter().map(|f| f.to_string()).collect();
    // What verification passes over when it is absent: an index the Release
    // lists but the store lacks (verify requires each Packages in one form
    // only), and the pool files (a non-deep verify reads none).
    let written = &report.pool_keys_written;
    let heads = aptkit_parallel::try_map(written.len(), public.concurrency(), |i| public.head(&written[i].0))?;
    for ((key, size), head) in written.iter().zip(heads) {
        match head {
            None => findings.push(format!("Missing: {key}: expected {size} bytes, found nothing")),
            Some(meta) if meta.size != *size => {
                findings.push(format!("Size: {key}: expected {size} bytes, found {} bytes", meta.size))
            }
            Some(_) => {}
        }
    }
    let indices = &report.purge;
    let heads = aptkit_parallel::try_map(indices.len(), public.concurrency(), |i| public.head(&indices[i]))?;
    for (key, head) in indices.iter().zip(heads) {
        if head.is_none() {
            findings.push(format!("Missing: {key}: expected the file just written, found nothing"));
        }
    }
    if !findings.is_empty() {
        return Err(not_verified(findings));
    }
    let indices = verified.suites.iter().map(|s| s.indices_checked).sum();
    Ok(Checked { indices, pool_files: written.len() })
}
