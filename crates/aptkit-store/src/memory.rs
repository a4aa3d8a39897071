use std::collections::BTreeMap;
use std::io::Read;
use std::sync::Mutex;

use crate::{validate_key, Body, Caching, ETag, Error, ObjectMeta, Result, Store, Written};

/// An in-memory store for tests.
#[derive(Debug, Default)]
pub struct MemoryStore {
    objects: Mutex<BTreeMap<String, (Vec<u8>, u64)>>,
    /// Write time of each key, for `ObjectMeta::modified`.
    times: Mutex<BTreeMap<String, i64>>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn read_body(key: &str, body: Body<'_>) -> Result<Vec<u8>> {
        match body {
            Body::Object { .. } => body.streamed(key, "memory://", |body| Self::read_body(key, body)),
            Body::Bytes(b) => Ok(b.to_vec()),
            Body::File(p) | Body::Immutable(p) => std::fs::read(p).map_err(|source| Error::Io {
                op: "read the source of",
                key: key.to_string(),
                location: "memory".into(),
                source,
            }),
            Body::Reader(reader, _) => {
                let mut bytes = Vec::new();
                reader.read_to_end(&mut bytes).map_err(|source| Error::Io {
                    op: "read the source of",
                    key: key.to_string(),
                    location: "memory".into(),
                    source,
                })?;
                Ok(bytes)
            }
        }
    }

    fn time(&self, key: &str) -> i64 {
        self.times.lock().unwrap().get(key).copied().unwrap_or(0)
    }

    fn touch(&self, key: &str) {
        let now =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
        self.times.lock().unwrap().insert(key.to_string(), now);
    }

    /// Versions count across every memory store of the process: all share
    /// one location, and an ETag must name one version of one object there
    /// ([`Store::put_if_match`]).
    fn next_etag(&self) -> (u64, ETag) {
        static VERSIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let v = VERSIONS.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        (v, ETag(format!("v{v}")))
    }
}

impl Store for MemoryStore {
    fn location(&self) -> String {
        "memory://".into()
    }

    fn get(&self, key: &str) -> Result<Option<(Vec<u8>, ETag)>> {
        validate_key(key)?;
        let objects = self.objects.lock().unwrap();
        Ok(objects.get(key).map(|(b, v)| (b.clone(), ETag(format!("v{v}")))))
    }

    fn open(&self, key: &str) -> Result<Option<Box<dyn Read + Send>>> {
        Ok(self.get(key)?.map(|(b, _)| Box::new(std::io::Cursor::new(b)) as Box<dyn Read + Send>))
    }

    fn head(&self, key: &str) -> Result<Option<ObjectMeta>> {
        validate_key(key)?;
        let objects = self.objects.lock().unwrap();
        Ok(objects.get(key).map(|(b, v)| ObjectMeta {
            key: key.into(),
            size: b.len() as u64,
            etag: ETag(format!("v{v}")),
            modified: self.time(key),
        }))
    }

    fn put_if_absent(&self, key: &str, body: Body<'_>, _caching: Caching) -> Result<Written> {
        validate_key(key)?;
        let bytes = Self::read_body(key, body)?;
        let mut objects = self.objects.lock().unwrap();
        if let Some((b, v)) = objects.get(key) {
            return Ok(Written::Conflict(Some(ObjectMeta {
                key: key.into(),
                size: b.len() as u64,
                etag: ETag(format!("v{v}")),
                modified: self.time(key),
            })));
        }
        let (v, etag) = self.next_etag();
        objects.insert(key.into(), (bytes, v));
        self.touch(key);
        Ok(Written::Created(etag))
    }

    fn put_if_match(&self, key: &str, body: &[u8], expected: Option<&ETag>) -> Result<Written> {
        validate_key(key)?;
        let mut objects = self.objects.lock().unwrap();
        let current = objects.get(key).map(|(b, v)| ObjectMeta {
            key: key.into(),
            size: b.len() as u64,
            etag: ETag(format!("v{v}")),
            modified: self.time(key),
        });
        if current.as_ref().map(|m| &m.etag) != expected {
            return Ok(Written::Conflict(current));
        }
        let (v, etag) = self.next_etag();
        objects.insert(key.into(), (body.to_vec(), v));
        self.touch(key);
        Ok(Written::Created(etag))
    }

    fn put(&self, key: &str, body: Body<'_>, _caching: Caching) -> Result<ETag> {
        validate_key(key)?;
        let bytes = Self::read_body(key, body)?;
        let (v, etag) = self.next_etag();
        self.objects.lock().unwrap().insert(key.into(), (bytes, v));
        self.touch(key);
        Ok(etag)
    }

    fn list(&self, prefix: &str) -> Result<Vec<ObjectMeta>> {
        let objects = self.objects.lock().unwrap();
        Ok(objects
            .range(prefix.to_string()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .map(|(k, (b, v))| ObjectMeta {
                key: k.clone(),
                size: b.len() as u64,
                etag: ETag(format!("v{v}")),
                modified: self.time(k),
            })
            .collect())
    }

    fn delete(&self, key: &str) -> Result<()> {
        validate_key(key)?;
        self.objects.lock().unwrap().remove(key);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_store_honours_the_contract() {
        crate::contract::exercise(&MemoryStore::new());
    }
}
