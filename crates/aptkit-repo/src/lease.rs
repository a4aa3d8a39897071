//! Leases: a claim ends at its `expires` unless its holder renews it, so a
//! holder killed where nobody can check its process (another host, another
//! pid namespace) blocks its suite for one lease, not for good. The holder
//! renews from a background thread, by compare-and-swap, every third of
//! the lease; a publish shorter than that writes no renewal at all (the
//! state store sees the take and the commit, nothing else).
//!
//! A renewal that finds the claim gone or another job's (taken over after
//! the lease ran out, or broken by `aptkit publish unlock --force`) marks
//! the lease lost; so does a lease that ran out because renewals failed
//! (the state store unreachable). Either way the holder must stop writing:
//! [`Lease::check`] says so, and [`Leased`] refuses every write to the
//! publish store once it does.

use std::io::Read;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use aptkit_store::{Body, Caching, ETag, ObjectMeta, Store, Written};

use crate::state;
use crate::{Error, Result};

/// Milliseconds since the epoch, by this machine's clock (as claims are
/// judged: by each job's own clock).
pub(crate) fn system_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// One held claim's lease, shared by its guard and its renewing thread.
pub(crate) struct Lease {
    subject: String,
    token: String,
    /// The lease length in milliseconds (whole seconds: claims are dated
    /// in seconds).
    length_ms: i64,
    /// Until when (ms since the epoch) no other job may take the claim: the
    /// `expires` last written, or earlier.
    held_until_ms: AtomicI64,
    /// Why the claim is no longer this job's, once a renewal found out.
    lost: Mutex<Option<String>>,
    /// Renewals written (for tests and the write count).
    renewals: AtomicUsize,
}

/// The `expires` (whole seconds) of a lease of `length_ms` from `from_ms`:
/// rounded up, so that no job judging by whole seconds takes the claim
/// before the lease has really run.
pub(crate) fn expiry_after(from_ms: i64, length_ms: i64) -> i64 {
    (from_ms + length_ms + 999).div_euclid(1000)
}

/// The lease length as claims store it: whole seconds, at least one.
pub(crate) fn lease_seconds(length: Duration) -> i64 {
    length.as_secs().max(1) as i64
}

impl Lease {
    /// The lease of a claim just written with `expires` (at least
    /// [`expiry_after`] `taken_ms`), taken at `taken_ms` by this machine's
    /// clock.
    pub fn new(subject: &str, token: &str, length: Duration, expires: i64, taken_ms: i64) -> Lease {
        let length_ms = lease_seconds(length) * 1000;
        Lease {
            subject: subject.to_string(),
            token: token.to_string(),
            length_ms,
            held_until_ms: AtomicI64::new((expires * 1000).min(taken_ms + length_ms)),
            lost: Mutex::new(None),
            renewals: AtomicUsize::new(0),
        }
    }

    /// `Ok` while the claim is certainly this job's for a while yet: no
    /// renewal found it taken, and at least a third of a lease is left
    /// (time for the next renewal, and for the write about to be made).
    /// Else [`Error::Stale`]: the job must not write its suite's InRelease
    /// or commit, and running it again starts afresh.
    pub fn check(&self) -> Result<()> {
        if let Some(reason) = self.lost.lock().unwrap_or_else(|e| e.into_inner()).clone() {
            return Err(Error::stale(&self.subject, reason));
        }
        let left = self.held_until_ms.load(Ordering::SeqCst) - system_ms();
        if left < self.length_ms / 3 {
            let reason = format!(
                "the lease on `{}` ran out before it could be renewed (the state store did not answer in time), so \
                 another job may hold it now",
                self.subject
            );
            return Err(Error::stale(&self.subject, reason));
        }
        Ok(())
    }

    pub fn subject(&self) -> &str {
        &self.subject
    }

    pub fn token(&self) -> &str {
        &self.token
    }

    /// How many renewals were written.
    pub fn renewals(&self) -> usize {
        self.renewals.load(Ordering::SeqCst)
    }

    /// Extend the lease by compare-and-swap, if the claim is still this
    /// job's; a store error is left for the next tick to retry.
    fn renew(&self, store: &dyn Store) {
        let started = system_ms();
        let expires = expiry_after(started, self.length_ms);
        let renewed = state::update_if(store, |refs| match refs.claims.get_mut(&self.subject) {
            Some(claim) if claim.token == self.token => {
                claim.expires = Some(expires);
                Ok(Some(()))
            }
            _ => Ok(None),
        });
        match renewed {
            Ok(Some(())) => {
                self.renewals.fetch_add(1, Ordering::SeqCst);
                self.held_until_ms.fetch_max(started + self.length_ms, Ordering::SeqCst);
            }
            Ok(None) => {
                let reason = format!(
                    "the claim on `{}` was taken over by another job or broken (`aptkit publish unlock --force`) \
                     while this one worked",
                    self.subject
                );
                *self.lost.lock().unwrap_or_else(|e| e.into_inner()) = Some(reason);
            }
            // Transient or not, nothing to do now but try at the next tick;
            // if none succeeds in time, `check` refuses.
            Err(_) => {}
        }
    }
}

/// The thread that renews a lease every third of its length until stopped.
pub(crate) struct Renewer {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Renewer {
    pub fn start(store: Arc<dyn Store>, lease: Arc<Lease>) -> Renewer {
        let (stop, stopped) = mpsc::channel::<()>();
        let every = Duration::from_millis((lease.length_ms / 3).max(1) as u64);
        let thread = std::thread::Builder::new()
            .name(format!("lease {}", lease.subject))
            .spawn(move || {
                // Woken by the tick, or by the guard dropping its sender.
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(every) {
                    if lease.lost.lock().unwrap_or_else(|e| e.into_inner()).is_some() {
                        return;
                    }
                    lease.renew(store.as_ref());
                }
            })
            .ok();
        Renewer { stop: Some(stop), thread }
    }

    /// Stop renewing, and wait for a renewal under way to end (so none is
    /// written after the claim is given back).
    pub fn stop(&mut self) {
        self.stop.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Renewer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A publish store that refuses every write once the claim's lease is
/// lost: a job presumed dead and taken over must not overwrite what the
/// job that took over writes (its indices, its InRelease). Reads pass.
pub(crate) struct Leased<'a> {
    pub inner: &'a dyn Store,
    pub lease: &'a Lease,
}

impl Leased<'_> {
    fn writable(&self, op: &'static str, key: &str) -> aptkit_store::Result<()> {
        self.lease.check().map_err(|e| aptkit_store::Error::Io {
            op,
            key: key.to_string(),
            location: self.inner.location(),
            source: std::io::Error::other(e.to_string()),
        })
    }
}

impl Store for Leased<'_> {
    fn location(&self) -> String {
        self.inner.location()
    }
    fn get(&self, key: &str) -> aptkit_store::Result<Option<(Vec<u8>, ETag)>> {
        self.inner.get(key)
    }
    fn get_immutable(&self, key: &str) -> aptkit_store::Result<Option<aptkit_store::Shared>> {
        self.inner.get_immutable(key)
    }
    fn open(&self, key: &str) -> aptkit_store::Result<Option<Box<dyn Read + Send>>> {
        self.inner.open(key)
    }
    fn open_at(&self, key: &str, offset: u64) -> aptkit_store::Result<Option<Box<dyn Read + Send>>> {
        self.inner.open_at(key, offset)
    }
    fn head(&self, key: &str) -> aptkit_store::Result<Option<ObjectMeta>> {
        self.inner.head(key)
    }
    fn put_if_absent(&self, key: &str, body: Body<'_>, caching: Caching) -> aptkit_store::Result<Written> {
        self.writable("write", key)?;
        self.inner.put_if_absent(key, body, caching)
    }
    fn put_if_match(&self, key: &str, body: &[u8], expected: Option<&ETag>) -> aptkit_store::Result<Written> {
        self.writable("write", key)?;
        self.inner.put_if_match(key, body, expected)
    }
    fn put_if_match_cached(
        &self,
        key: &str,
        body: &[u8],
        expected: Option<&ETag>,
        caching: Caching,
    ) -> aptkit_store::Result<Written> {
        self.writable("write", key)?;
        self.inner.put_if_match_cached(key, body, expected, caching)
    }
    fn touch(&self, key: &str, caching: Caching) -> aptkit_store::Result<bool> {
        self.writable("write", key)?;
        self.inner.touch(key, caching)
    }
    fn put(&self, key: &str, body: Body<'_>, caching: Caching) -> aptkit_store::Result<ETag> {
        self.writable("write", key)?;
        self.inner.put(key, body, caching)
    }
    fn list(&self, prefix: &str) -> aptkit_store::Result<Vec<ObjectMeta>> {
        self.inner.list(prefix)
    }
    fn delete(&self, key: &str) -> aptkit_store::Result<()> {
        self.writable("delete", key)?;
        self.inner.delete(key)
    }
    fn staging_dir(&self) -> Option<std::path::PathBuf> {
        self.inner.staging_dir()
    }
    fn local_path(&self, key: &str) -> Option<std::path::PathBuf> {
        self.inner.local_path(key)
    }
    fn remove_empty_dirs(&self, prefix: &str) -> aptkit_store::Result<()> {
        self.writable("remove empty directories under", prefix)?;
        self.inner.remove_empty_dirs(prefix)
    }
    fn sweep_leftovers(&self, min_age: i64, now: i64, dry_run: bool) -> aptkit_store::Result<Vec<(String, u64)>> {
        self.inner.sweep_leftovers(min_age, now, dry_run)
    }
    fn concurrency(&self) -> usize {
        self.inner.concurrency()
    }
}

#[cfg(test)]
#[path = "lease_tests.rs"]
mod tests;
