use std::io::Read;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::{Body, Caching, ETag, Error, ObjectMeta, Result, Store, Written};

/// A store wrapper for tests that prove a protocol survives faults: its
/// `fail_at`-th write (1-based, counting every put and delete) fails, so
/// every step can be interrupted and resumed; or, made with
/// [`FaultyStore::tampering`], it stores other bytes than it was given
/// for some keys, as a disk or a proxy might. Reads always pass through.
pub struct FaultyStore<S> {
    inner: S,
    fail_at: usize,
    /// Writes of keys ending with this store the body with its last byte
    /// flipped (same size, other content).
    tamper_suffix: Option<String>,
    writes: AtomicUsize,
}

impl<S: Store> FaultyStore<S> {
    pub fn new(inner: S, fail_at: usize) -> Self {
        FaultyStore { inner, fail_at, tamper_suffix: None, writes: AtomicUsize::new(0) }
    }

    /// A store that damages every object written under a key ending with
    /// `suffix` (its last byte flipped) and fails no write.
    pub fn tampering(inner: S, suffix: &str) -> Self {
        FaultyStore { inner, fail_at: 0, tamper_suffix: Some(suffix.to_string()), writes: AtomicUsize::new(0) }
    }

    /// The bytes to store instead of `body`, when `key` is one to damage.
    fn tampered(&self, key: &str, body: &mut Body<'_>) -> Result<Option<Vec<u8>>> {
        if !self.tamper_suffix.as_ref().is_some_and(|s| key.ends_with(s.as_str())) {
            return Ok(None);
        }
        let io =
            |source| Error::Io { op: "read the source of", key: key.to_string(), location: self.location(), source };
        let read = |body: Body<'_>| -> Result<Vec<u8>> {
            Ok(match body {
                Body::Bytes(b) => b.to_vec(),
                Body::File(p) | Body::Immutable(p) => std::fs::read(p).map_err(io)?,
                Body::Reader(r, _) => {
                    let mut bytes = Vec::new();
                    r.read_to_end(&mut bytes).map_err(io)?;
                    bytes
                }
                Body::Object { .. } => unreachable!("streamed first"),
            })
        };
        let taken = std::mem::replace(body, Body::Bytes(b""));
        let mut bytes = taken.streamed(key, &self.location(), read)?;
        if let Some(last) = bytes.last_mut() {
            *last ^= 0xff;
        }
        Ok(Some(bytes))
    }

    /// Writes attempted so far (including the failed one).
    pub fn writes(&self) -> usize {
        self.writes.load(Ordering::SeqCst)
    }

    pub fn into_inner(self) -> S {
        self.inner
    }

    fn count(&self, key: &str) -> Result<()> {
        let n = self.writes.fetch_add(1, Ordering::SeqCst) + 1;
        if n == self.fail_at {
            return Err(Error::Injected { n, key: key.to_string() });
        }
        Ok(())
    }
}

impl<S: Store> Store for FaultyStore<S> {
    fn location(&self) -> String {
        self.inner.location()
    }
    fn get(&self, key: &str) -> Result<Option<(Vec<u8>, ETag)>> {
        self.inner.get(key)
    }
    fn open(&self, key: &str) -> Result<Option<Box<dyn Read + Send>>> {
        self.inner.open(key)
    }
    fn get_immutable(&self, key: &str) -> Result<Option<crate::Shared>> {
        self.inner.get_immutable(key)
    }
    fn open_at(&self, key: &str, offset: u64) -> Result<Option<Box<dyn Read + Send>>> {
        self.inner.open_at(key, offset)
    }
    fn staging_dir(&self) -> Option<std::path::PathBuf> {
        self.inner.staging_dir()
    }
    fn head(&self, key: &str) -> Result<Option<ObjectMeta>> {
        self.inner.head(key)
    }
    fn put_if_absent(&self, key: &str, mut body: Body<'_>, caching: Caching) -> Result<Written> {
        self.count(key)?;
        match self.tampered(key, &mut body)? {
            Some(bytes) => self.inner.put_if_absent(key, Body::Bytes(&bytes), caching),
            None => self.inner.put_if_absent(key, body, caching),
        }
    }
    fn put_if_match(&self, key: &str, body: &[u8], expected: Option<&ETag>) -> Result<Written> {
        self.count(key)?;
        self.inner.put_if_match(key, body, expected)
    }
    fn put_if_match_cached(
        &self,
        key: &str,
        body: &[u8],
        expected: Option<&ETag>,
        caching: Caching,
    ) -> Result<Written> {
        self.count(key)?;
        match self.tampered(key, &mut Body::Bytes(body))? {
            Some(bytes) => self.inner.put_if_match_cached(key, &bytes, expected, caching),
            None => self.inner.put_if_match_cached(key, body, expected, caching),
        }
    }
    fn put(&self, key: &str, mut body: Body<'_>, caching: Caching) -> Result<ETag> {
        self.count(key)?;
        match self.tampered(key, &mut body)? {
            Some(bytes) => self.inner.put(key, Body::Bytes(&bytes), caching),
            None => self.inner.put(key, body, caching),
        }
    }
    fn list(&self, prefix: &str) -> Result<Vec<ObjectMeta>> {
        self.inner.list(prefix)
    }
    fn delete(&self, key: &str) -> Result<()> {
        self.count(key)?;
        self.inner.delete(key)
    }
    fn local_path(&self, key: &str) -> Option<std::path::PathBuf> {
        self.inner.local_path(key)
    }
    fn remote_object(&self, key: &str) -> Option<crate::RemoteObject> {
        self.inner.remote_object(key)
    }
    fn concurrency(&self) -> usize {
        self.inner.concurrency()
    }
}
