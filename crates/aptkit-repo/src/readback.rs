//! The check every publish makes of what it wrote, before it is recorded,
//! on every publish store: each index, Release and signature file this
//! publish wrote read back and compared byte for byte (under its by-hash
//! name too, for indices), InRelease's signature verified with the keys
//! that made it (through `aptkit-verify`, as a client checks it, on the
//! bytes sent), and each pool file this publish placed by a HEAD of its key
//! (present, with the size it was given).
//!
//! A write the store answered with the MD5 of its bytes as ETag (S3's ETag
//! of an object sent in one part or copied whole) is not read again: the
//! server computed that from the bytes it holds, which says as much as
//! reading them back, and more than a size. Local stores give no such
//! answer, and neither do multipart or SSE-KMS uploads: those are read.
//!
//! Only what this publish wrote is read: indices it left in place were
//! checked by the publish that wrote them, and pool files already there are
//! not read again (a republish of a large suite must not cost a download of
//! its indices or its pool; `aptkit verify --deep` checks every hash).

use aptkit_sign::SigningKey;
use aptkit_store::Store;

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
    let mut findings = Vec::new();
    // Every file written, and each index's by-hash copy: (key, bytes).
    let mut reads: Vec<(&str, &[u8])> = Vec::new();
    for (key, bytes, by_hash) in &report.files_written.0 {
        reads.push((key, bytes));
        if let Some(by_hash) = by_hash {
            reads.push((by_hash, bytes));
        }
    }
    // A file the store confirmed when it was written is not read again.
    reads.retain(|(key, _)| !report.confirmed.contains(*key));
    let same = aptkit_parallel::try_map(reads.len(), public.concurrency(), |i| {
        aptkit_store::holds_exactly(public, reads[i].0, reads[i].1)
    })?;
    for ((key, bytes), same) in reads.iter().zip(same) {
        match same {
            None => findings.push(format!("Missing: {key}: expected the file just written, found nothing")),
            Some(false) => {
                findings.push(format!("Hash: {key}: expected the {} bytes just written, found others", bytes.len()))
            }
            Some(true) => {}
        }
    }
    // InRelease as a client checks it: signed by the keys that signed it.
    if let Some((_, inline, _)) = report.files_written.0.iter().find(|(k, _, _)| k.ends_with("/InRelease")) {
        let keyring: Vec<u8> = keys.iter().flat_map(|k| k.public_binary()).collect();
        let keyring = aptkit_verify::Keyring::from_bytes(&keyring)
            .map_err(|e| not_verified(vec![format!("the signing keys do not make a keyring: {e}")]))?;
        let time = std::time::UNIX_EPOCH + std::time::Duration::from_secs(now.max(0) as u64);
        match aptkit_verify::verify_inline(inline, &keyring, time) {
            Ok((_, check)) if check.bad.is_empty() && check.good.len() == keys.len() => {}
            Ok((_, check)) => findings.push(format!(
                "Signature: InRelease: expected good signatures by {} keys, found {} good ({})",
                keys.len(),
                check.good.len(),
                [check.bad, check.rejected].concat().join("; ")
            )),
            Err(e) => findings.push(format!("Signature: InRelease: {e}")),
        }
    }
    // The pool files placed now whose write did not confirm them, by a
    // HEAD each.
    let asked: Vec<_> = report.pool_keys_written.iter().filter(|w| !w.confirmed).collect();
    let heads = aptkit_parallel::try_map(asked.len(), public.concurrency(), |i| public.head(&asked[i].key))?;
    for (written, head) in asked.iter().zip(heads) {
        let (key, size) = (&written.key, written.size);
        match head {
            None => findings.push(format!("Missing: {key}: expected {size} bytes, found nothing")),
            Some(meta) if meta.size != size => {
                findings.push(format!("Size: {key}: expected {size} bytes, found {} bytes", meta.size))
            }
            Some(_) => {}
        }
    }
    if !findings.is_empty() {
        return Err(not_verified(findings));
    }
    Ok(Checked { indices: report.indices.len(), pool_files: report.pool_keys_written.len() })
}
