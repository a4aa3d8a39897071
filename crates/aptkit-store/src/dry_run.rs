//! [`DryRun`]: a store that reads through to another and, instead of
//! writing, records what it would write. `--dry-run` runs the real code
//! path against it, so the plan it prints is what a real run does.

use std::io::Read;
use std::sync::{Arc, Mutex};

use crate::{Body, Caching, ETag, ObjectMeta, Result, Store, Written};

/// One write a dry run did not make.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Planned {
    /// `put` (replace), `create` (only if absent), `copy` and
    /// `copy-if-absent` (another store's object: see `from`),
    /// `replace-if-match` (compare-and-swap), `touch` (age restarted, no
    /// bytes sent), `delete`.
    pub op: &'static str,
    /// The store's location and the key.
    pub location: String,
    pub key: String,
    pub size: u64,
    /// For a copy: the object copied, `location/key` (the destination
    /// copies it server side where it can, else streams it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
}

impl Planned {
    /// A write of `key` in the store at `location` that copies nothing.
    pub fn new(op: &'static str, location: String, key: String, size: u64) -> Self {
        Planned { op, location, key, size, from: None }
    }
}

pub struct DryRun<'a> {
    inner: Inner<'a>,
    planned: Mutex<Vec<Planned>>,
}

/// The store read through to: borrowed for one call's plan, or shared
/// when the dry run stands in for a store a whole command uses.
enum Inner<'a> {
    Borrowed(&'a dyn Store),
    Shared(Arc<dyn Store>),
}

impl<'a> DryRun<'a> {
    pub fn new(inner: &'a dyn Store) -> Self {
        DryRun { inner: Inner::Borrowed(inner), planned: Mutex::new(Vec::new()) }
    }

    /// A dry run that owns its share of `inner`, to hand a whole command
    /// as its store (`Arc<DryRun<'static>>` is an `Arc<dyn Store>`).
    pub fn shared(inner: Arc<dyn Store>) -> DryRun<'static> {
        DryRun { inner: Inner::Shared(inner), planned: Mutex::new(Vec::new()) }
    }

    fn inner(&self) -> &dyn Store {
        match &self.inner {
            Inner::Borrowed(store) => *store,
            Inner::Shared(store) => store.as_ref(),
        }
    }

    /// What would have been written, in order.
    pub fn planned(&self) -> Vec<Planned> {
        self.planned.lock().expect("not poisoned").clone()
    }

    fn plan(&self, op: &'static str, key: &str, size: u64) -> ETag {
        self.plan_from(op, key, size, None)
    }

    /// [`DryRun::plan`], naming what a `Body::Object` would copy.
    fn plan_from(&self, op: &'static str, key: &str, size: u64, body: Option<&Body<'_>>) -> ETag {
        let from = match body {
            Some(Body::Object { store, key, .. }) => Some(format!("{}/{key}", store.location())),
            _ => None,
        };
        let (op, from) = match (op, from) {
            ("create", Some(from)) => ("copy-if-absent", Some(from)),
            ("put", Some(from)) => ("copy", Some(from)),
            (op, from) => (op, from),
        };
        let planned = Planned { op, location: self.inner().location(), key: key.to_string(), size, from };
        self.planned.lock().expect("not poisoned").push(planned);
        ETag(format!("dry-run-{key}"))
    }
}

impl Store for DryRun<'_> {
    fn location(&self) -> String {
        self.inner().location()
    }

    fn get(&self, key: &str) -> Result<Option<(Vec<u8>, ETag)>> {
        self.inner().get(key)
    }

    fn open(&self, key: &str) -> Result<Option<Box<dyn Read + Send>>> {
        self.inner().open(key)
    }

    fn head(&self, key: &str) -> Result<Option<ObjectMeta>> {
        self.inner().head(key)
    }

    /// Created unless the key exists now (a HEAD, not a write).
    fn put_if_absent(&self, key: &str, body: Body<'_>, _caching: Caching) -> Result<Written> {
        if let Some(meta) = self.inner().head(key)? {
            return Ok(Written::Conflict(Some(meta)));
        }
        let size = body.size().unwrap_or(0);
        Ok(Written::Created(self.plan_from("create", key, size, Some(&body))))
    }

    fn put_if_match(&self, key: &str, body: &[u8], _expected: Option<&ETag>) -> Result<Written> {
        Ok(Written::Created(self.plan("replace-if-match", key, body.len() as u64)))
    }

    fn put_if_match_cached(
        &self,
        key: &str,
        body: &[u8],
        _expected: Option<&ETag>,
        _caching: Caching,
    ) -> Result<Written> {
        Ok(Written::Created(self.plan("put", key, body.len() as u64)))
    }

    fn put(&self, key: &str, body: Body<'_>, _caching: Caching) -> Result<ETag> {
        let size = body.size().unwrap_or(0);
        Ok(self.plan_from("put", key, size, Some(&body)))
    }

    /// Planned when the object is there (else the caller plans a put).
    fn touch(&self, key: &str, _caching: Caching) -> Result<bool> {
        let Some(meta) = self.inner().head(key)? else { return Ok(false) };
        self.plan("touch", key, meta.size);
        Ok(true)
    }

    fn list(&self, prefix: &str) -> Result<Vec<ObjectMeta>> {
        self.inner().list(prefix)
    }

    fn delete(&self, key: &str) -> Result<()> {
        self.plan("delete", key, 0);
        Ok(())
    }

    fn concurrency(&self) -> usize {
        self.inner().concurrency()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemoryStore;

    #[test]
    fn reads_through_and_writes_nothing() {
        let inner = MemoryStore::new();
        inner.put("there", Body::Bytes(b"x"), Caching::Short).unwrap();
        let dry = DryRun::new(&inner);
        assert_eq!(dry.get("there").unwrap().unwrap().0, b"x");
        assert!(matches!(
            dry.put_if_absent("there", Body::Bytes(b"y"), Caching::Immutable).unwrap(),
            Written::Conflict(_)
        ));
        assert!(matches!(
            dry.put_if_absent("new", Body::Bytes(b"yy"), Caching::Immutable).unwrap(),
            Written::Created(_)
        ));
        dry.put("there", Body::Bytes(b"zzz"), Caching::Short).unwrap();
        dry.delete("there").unwrap();
        let planned = dry.planned();
        let ops: Vec<(&str, &str, u64)> = planned.iter().map(|p| (p.op, p.key.as_str(), p.size)).collect();
        assert_eq!(ops, [("create", "new", 2), ("put", "there", 3), ("delete", "there", 0)]);
        assert_eq!(inner.get("there").unwrap().unwrap().0, b"x");
        assert!(inner.head("new").unwrap().is_none());
    }

    #[test]
    fn another_stores_object_is_planned_as_a_copy_from_it() {
        let source = MemoryStore::new();
        source.put("blobs/ab", Body::Bytes(b"deb"), Caching::Immutable).unwrap();
        let inner = MemoryStore::new();
        let dry = DryRun::new(&inner);
        let object = || Body::Object { store: &source, key: "blobs/ab", size: 3 };
        dry.put_if_absent("pool/a.deb", object(), Caching::Immutable).unwrap();
        dry.put("pool/b.deb", object(), Caching::Immutable).unwrap();
        let from = format!("{}/blobs/ab", source.location());
        let planned: Vec<(&str, Option<String>)> = dry.planned().into_iter().map(|p| (p.op, p.from)).collect();
        assert_eq!(planned, [("copy-if-absent", Some(from.clone())), ("copy", Some(from))]);
        assert!(inner.head("pool/a.deb").unwrap().is_none() && inner.head("pool/b.deb").unwrap().is_none());
    }
}
