use std::io::Read;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::{Body, Caching, ETag, Error, ObjectMeta, Result, Store, Written};

/// A store wrapper whose `fail_at`-th write (1-based, counting every put)
/// fails, for tests that prove every step of a protocol can be interrupted
/// and resumed. Reads always pass through.
pub struct FaultyStore<S> {
    inner: S,
    fail_at: usize,
    writes: AtomicUsize,
}

impl<S: Store> FaultyStore<S> {
    pub fn new(inner: S, fail_at: usize) -> Self {
        FaultyStore { inner, fail_at, writes: AtomicUsize::new(0) }
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
    fn put_if_absent(&self, key: &str, body: Body<'_>, caching: Caching) -> Result<Written> {
        self.count(key)?;
        self.inner.put_if_absent(key, body, caching)
    }
    fn put_if_match(&self, key: &str, body: &[u8], expected: Option<&ETag>) -> Result<Written> {
        self.count(key)?;
        self.inner.put_if_match(key, body, expected)
    }
    fn put(&self, key: &str, body: Body<'_>, caching: Caching) -> Result<ETag> {
        self.count(key)?;
        self.inner.put(key, body, caching)
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
    fn concurrency(&self) -> usize {
        self.inner.concurrency()
    }
}
