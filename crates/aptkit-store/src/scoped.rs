use std::io::Read;

use crate::{Body, Caching, ETag, ObjectMeta, Result, Store, Written};

/// A view of another store under a key prefix: `dists/stable/InRelease` in
/// the view is `debian/dists/stable/InRelease` in the store. It lets code
/// that reads a repository from its root (verification) read one published
/// under a prefix, whatever the backend. Reads and writes pass through; a
/// local store's housekeeping (staging, sweeping leftovers, removing empty
/// directories) does not: that is for the whole store, not a view of it.
pub struct Scoped<'a> {
    inner: &'a dyn Store,
    /// Empty, or ends with `/`.
    prefix: String,
}

impl<'a> Scoped<'a> {
    pub fn new(inner: &'a dyn Store, prefix: &str) -> Self {
        let prefix = prefix.trim_matches('/');
        Scoped { inner, prefix: if prefix.is_empty() { String::new() } else { format!("{prefix}/") } }
    }

    fn full(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }
}

impl Store for Scoped<'_> {
    fn location(&self) -> String {
        match self.prefix.strip_suffix('/') {
            Some(prefix) => {
                let base = self.inner.location();
                if base.ends_with('/') {
                    format!("{base}{prefix}")
                } else {
                    format!("{base}/{prefix}")
                }
            }
            None => self.inner.location(),
        }
    }
    fn get(&self, key: &str) -> Result<Option<(Vec<u8>, ETag)>> {
        self.inner.get(&self.full(key))
    }
    fn get_immutable(&self, key: &str) -> Result<Option<crate::Shared>> {
        self.inner.get_immutable(&self.full(key))
    }
    fn open(&self, key: &str) -> Result<Option<Box<dyn Read + Send>>> {
        self.inner.open(&self.full(key))
    }
    fn open_at(&self, key: &str, offset: u64) -> Result<Option<Box<dyn Read + Send>>> {
        self.inner.open_at(&self.full(key), offset)
    }
    fn head(&self, key: &str) -> Result<Option<ObjectMeta>> {
        Ok(self.inner.head(&self.full(key))?.map(|meta| self.unscoped(meta)))
    }
    fn put_if_absent(&self, key: &str, body: Body<'_>, caching: Caching) -> Result<Written> {
        self.inner.put_if_absent(&self.full(key), body, caching)
    }
    fn put_if_match(&self, key: &str, body: &[u8], expected: Option<&ETag>) -> Result<Written> {
        self.inner.put_if_match(&self.full(key), body, expected)
    }
    fn put_if_match_cached(
        &self,
        key: &str,
        body: &[u8],
        expected: Option<&ETag>,
        caching: Caching,
    ) -> Result<Written> {
        self.inner.put_if_match_cached(&self.full(key), body, expected, caching)
    }
    fn put(&self, key: &str, body: Body<'_>, caching: Caching) -> Result<ETag> {
        self.inner.put(&self.full(key), body, caching)
    }
    fn touch(&self, key: &str, caching: Caching) -> Result<bool> {
        self.inner.touch(&self.full(key), caching)
    }
    fn list(&self, prefix: &str) -> Result<Vec<ObjectMeta>> {
        Ok(self.inner.list(&self.full(prefix))?.into_iter().map(|meta| self.unscoped(meta)).collect())
    }
    fn delete(&self, key: &str) -> Result<()> {
        self.inner.delete(&self.full(key))
    }
    fn local_path(&self, key: &str) -> Option<std::path::PathBuf> {
        self.inner.local_path(&self.full(key))
    }
    fn remote_object(&self, key: &str) -> Option<crate::RemoteObject> {
        self.inner.remote_object(&self.full(key))
    }
    fn concurrency(&self) -> usize {
        self.inner.concurrency()
    }
}

impl Scoped<'_> {
    fn unscoped(&self, mut meta: ObjectMeta) -> ObjectMeta {
        if let Some(rest) = meta.key.strip_prefix(&self.prefix) {
            meta.key = rest.to_string();
        }
        meta
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemoryStore;

    #[test]
    fn keys_are_read_and_listed_under_the_prefix() {
        let store = MemoryStore::new();
        store.put("debian/dists/a/Release", Body::Bytes(b"r"), Caching::Short).unwrap();
        store.put("other/dists/a/Release", Body::Bytes(b"x"), Caching::Short).unwrap();
        let view = Scoped::new(&store, "debian");
        assert_eq!(view.get("dists/a/Release").unwrap().unwrap().0, b"r");
        let keys: Vec<String> = view.list("dists/").unwrap().into_iter().map(|m| m.key).collect();
        assert_eq!(keys, ["dists/a/Release"]);
        assert_eq!(view.head("dists/a/Release").unwrap().unwrap().key, "dists/a/Release");
        assert_eq!(view.location(), "memory://debian");
        let root = Scoped::new(&store, "");
        assert_eq!(root.list("").unwrap().len(), 2);
    }
}
