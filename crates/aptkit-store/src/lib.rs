//! Where repositories live: the [`Store`] trait and its backends.
//!
//! A store is a flat namespace of keys (`dists/stable/InRelease`,
//! `pool/main/h/hello/hello_1.0_amd64.deb`) holding immutable-once-written
//! objects, with exactly the operations S3 offers and the publish protocol
//! needs:
//!
//! - [`Store::put_if_absent`]: create an object only if the key is free
//!   (S3 `If-None-Match: *`); pool files and by-hash copies are written this
//!   way, so an existing object is never overwritten.
//! - [`Store::put_if_match`]: compare-and-swap on the object's [`ETag`]
//!   (S3 `If-Match`); the state store's refs document is updated this way, so
//!   two concurrent publishers never lose each other's update.
//! - [`Store::put`]: plain overwrite, for mutable index names.
//!
//! What is written is a [`Body`]: bytes, a local file, a stream, or
//! another store's object ([`Body::Object`]), which the destination copies
//! as it best can: an S3 store asks its server to copy an object of another
//! S3 store on the same server ([`Store::remote_object`]: the bytes never
//! pass through the process), a local store hard-links another local
//! store's file ([`Store::local_path`]), and any other pair streams it
//! ([`Body::streamed`]). Put-if-absent holds whichever way it is copied.
//!
//! Backends: [`FileStore`] (a local directory; the embedded default),
//! [`HttpStore`] (read-only: a published repository as clients see it),
//! [`MemoryStore`] (tests), [`FaultyStore`] (tests: fails the Nth write, or
//! damages what it stores); [`Scoped`] is a view of one under a key prefix.
//! The S3 backend lives in `aptkit-aws` behind the same trait.

#[doc(hidden)]
pub mod contract;
mod dry_run;
mod error;
mod faulty;
mod file;
mod http;
mod key;
mod memory;
mod scoped;
mod shared;

use std::io::Read;
use std::path::{Path, PathBuf};

pub use dry_run::{DryRun, Planned};
pub use error::{is_transient_io, Error, Result};
pub use faulty::FaultyStore;
pub use file::{make_dirs, FileStore, SERVED_FILE_MODE};
pub use http::HttpStore;
pub use key::validate_key;
pub use memory::MemoryStore;
pub use scoped::Scoped;
pub use shared::Shared;

/// An opaque version token: two reads with equal ETags saw the same object.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ETag(pub String);

impl std::fmt::Display for ETag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectMeta {
    pub key: String,
    pub size: u64,
    pub etag: ETag,
    /// Last modification, seconds since the epoch (garbage collection
    /// spares young objects that a concurrent writer may be about to use).
    pub modified: i64,
}

/// What to write.
pub enum Body<'a> {
    Bytes(&'a [u8]),
    /// A local file, copied (never linked: the caller may change it later).
    File(&'a Path),
    /// A stream of exactly `size` bytes (e.g. another store's object).
    Reader(&'a mut (dyn Read + Send), u64),
    /// A local file that never changes (another local store's immutable
    /// object): a local store may hard-link it instead of copying.
    Immutable(&'a Path),
    /// Object `key` of another store, `size` bytes, never rewritten in
    /// place (a content-addressed blob): the destination chooses how to
    /// copy it. An S3 store asks its server to copy an object of another S3
    /// store on the same server ([`Store::remote_object`]), so the bytes
    /// never pass through this process; a local store hard-links the
    /// source's file ([`Store::local_path`]); anything else streams it
    /// ([`Body::streamed`]).
    Object {
        store: &'a dyn Store,
        key: &'a str,
        size: u64,
    },
}

impl Body<'_> {
    pub fn size(&self) -> std::io::Result<u64> {
        match self {
            Body::Bytes(b) => Ok(b.len() as u64),
            Body::File(p) | Body::Immutable(p) => Ok(std::fs::metadata(p)?.len()),
            Body::Reader(_, size) | Body::Object { size, .. } => Ok(*size),
        }
    }

    /// Hand `write` this body with a [`Body::Object`] made local: its
    /// source's file ([`Body::Immutable`]) where the source store has one,
    /// else a stream over it ([`Body::Reader`]). Other bodies pass as they
    /// are. What a store does that cannot copy an object any better;
    /// `dest` (the key being written) and `location` name the write in an
    /// error about a missing source.
    pub fn streamed<T>(self, dest: &str, location: &str, write: impl FnOnce(Body<'_>) -> Result<T>) -> Result<T> {
        let Body::Object { store, key, size } = self else { return write(self) };
        if let Some(path) = store.local_path(key) {
            return write(Body::Immutable(&path));
        }
        let Some(mut reader) = store.open(key)? else {
            let reason = format!("the source object `{key}` is missing from {}", store.location());
            let source = std::io::Error::new(std::io::ErrorKind::NotFound, reason);
            return Err(Error::Io { op: "copy", key: dest.to_string(), location: location.to_string(), source });
        };
        write(Body::Reader(&mut *reader, size))
    }
}

/// Where an object lives on a server that can copy it itself (S3's
/// CopyObject): see [`Store::remote_object`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteObject {
    /// Which server, and as whom: two stores whose `server` is equal can
    /// copy between each other server-side (for S3: the endpoint and the
    /// region; both stores of one process share the credentials).
    pub server: String,
    pub bucket: String,
    /// The object's full key in the bucket (any store prefix included).
    pub key: String,
}

/// How a conditional write ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Written {
    /// The object was written; this is its new version.
    Created(ETag),
    /// The condition failed: for put-if-absent the key exists (its current
    /// metadata is given), for put-if-match another writer came first.
    Conflict(Option<ObjectMeta>),
}

/// Cache hints for a publish store (CloudFront honours them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Caching {
    /// Content never changes under this key (pool, by-hash): cache for long.
    Immutable,
    /// Mutable names (`InRelease`, plain index names): cache briefly.
    #[default]
    Short,
}

pub trait Store: Send + Sync {
    /// The store's location, for messages: `file:///srv/repo`, `s3://bucket/prefix`.
    fn location(&self) -> String;

    /// The whole object and its version, or `None` if absent.
    fn get(&self, key: &str) -> Result<Option<(Vec<u8>, ETag)>>;

    /// The whole of an object that is never rewritten in place (a
    /// content-addressed one), or `None` if absent. A local store maps its
    /// file instead of reading it: large and read-only, it then costs no
    /// copy.
    fn get_immutable(&self, key: &str) -> Result<Option<Shared>> {
        Ok(self.get(key)?.map(|(bytes, _)| bytes.into()))
    }

    /// A reader over the object, or `None` if absent (for large objects).
    fn open(&self, key: &str) -> Result<Option<Box<dyn Read + Send>>>;

    /// A reader over the object from byte `offset` on (resuming a partial
    /// download), or `None` if absent. The default reads and discards the
    /// first `offset` bytes; backends that can seek or ask for a range do.
    fn open_at(&self, key: &str, offset: u64) -> Result<Option<Box<dyn Read + Send>>> {
        let Some(mut reader) = self.open(key)? else { return Ok(None) };
        let skipped = std::io::copy(&mut (&mut reader).take(offset), &mut std::io::sink())
            .map_err(|source| Error::Io { op: "read", key: key.to_string(), location: self.location(), source })?;
        if skipped < offset {
            let e = std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                format!("object is shorter than offset {offset}"),
            );
            return Err(Error::Io { op: "read", key: key.to_string(), location: self.location(), source: e });
        }
        Ok(Some(reader))
    }

    fn head(&self, key: &str) -> Result<Option<ObjectMeta>>;

    /// Create `key` only if it does not exist.
    fn put_if_absent(&self, key: &str, body: Body<'_>, caching: Caching) -> Result<Written>;

    /// Replace `key` only if its current version is `expected` (`None`:
    /// only if it does not exist). An ETag names one version of one object
    /// at this store's [`Store::location`]: two stores with one location
    /// (one bucket through two clients) give an ETag to the same content
    /// only, so a version remembered from either is safe to compare with.
    fn put_if_match(&self, key: &str, body: &[u8], expected: Option<&ETag>) -> Result<Written>;

    /// [`Store::put_if_match`] for an object clients read, with the caching
    /// they must see (on S3 its Cache-Control and Content-Type): how a
    /// publish writes InRelease, the file that makes it live, so that a
    /// writer that lost its claim unawares (paused past its lease) cannot
    /// replace a newer publish. Stores with no such headers need not
    /// override it; stores that wrap another must pass it on.
    fn put_if_match_cached(
        &self,
        key: &str,
        body: &[u8],
        expected: Option<&ETag>,
        caching: Caching,
    ) -> Result<Written> {
        let _ = caching;
        self.put_if_match(key, body, expected)
    }

    /// Write `key` unconditionally.
    fn put(&self, key: &str, body: Body<'_>, caching: Caching) -> Result<ETag>;

    /// Restart an existing object's age (the modification time gc's grace
    /// period goes by) without sending its bytes again. `false` when the
    /// object is not there, or this store cannot: the caller then writes
    /// it again. `caching` as its write gave it.
    fn touch(&self, key: &str, caching: Caching) -> Result<bool> {
        let _ = (key, caching);
        Ok(false)
    }

    /// Every object whose key starts with `prefix`, sorted by key.
    fn list(&self, prefix: &str) -> Result<Vec<ObjectMeta>>;

    /// Remove `key`; removing an absent key is not an error.
    fn delete(&self, key: &str) -> Result<()>;

    /// A directory on the same filesystem as the store where callers may
    /// stage files they then write with [`Body::Immutable`] (a local store
    /// links them instead of copying). `None`: any temporary directory.
    fn staging_dir(&self) -> Option<PathBuf> {
        None
    }

    /// The object's path on this machine, for stores that are local
    /// directories (lets another local store link instead of copy).
    fn local_path(&self, _key: &str) -> Option<PathBuf> {
        None
    }

    /// Where object `key` lives on its server, for stores whose server
    /// can copy objects itself (S3): another store on the same server then
    /// copies a [`Body::Object`] of this store without reading it.
    /// `None` (the default): the object can only be read.
    fn remote_object(&self, _key: &str) -> Option<RemoteObject> {
        None
    }

    /// Remove directories left empty under `prefix` (and `prefix` itself)
    /// after deletes, so that a dropped suite leaves no empty tree to be
    /// served. Only where no writer is at work under `prefix`: a writer may
    /// have just made a directory it is about to fill. Stores without
    /// directories (S3) have nothing to do.
    fn remove_empty_dirs(&self, _prefix: &str) -> Result<()> {
        Ok(())
    }

    /// What writes that never finished left behind (a process killed
    /// mid-write): the store's own temporary files and staging directories
    /// older than `min_age` seconds at `now`, removed unless `dry_run`.
    /// Returns each one's path under the store and its size. (S3: the
    /// unfinished multipart uploads, kept for a rerun to resume, aborted.)
    /// Stores whose writes are atomic leave nothing.
    fn sweep_leftovers(&self, _min_age: i64, _now: i64, _dry_run: bool) -> Result<Vec<(String, u64)>> {
        Ok(Vec::new())
    }

    /// How many writes to have in flight at once. A network store is bound
    /// by latency and wants many; a local directory is bound by the CPU,
    /// and more threads than cores only contend for directory locks.
    fn concurrency(&self) -> usize {
        16
    }
}

/// Whether object `key` of `store` holds exactly `expected` (`None`: no
/// such object), compared as it is read, without a second copy in memory
/// and no further than the first difference.
pub fn holds_exactly(store: &dyn Store, key: &str, expected: &[u8]) -> Result<Option<bool>> {
    let Some(mut reader) = store.open(key)? else { return Ok(None) };
    let read_err = |source| Error::Io { op: "read", key: key.to_string(), location: store.location(), source };
    let mut buf = vec![0u8; (256 << 10).min(expected.len() + 1)];
    let mut at = 0;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(read_err(e)),
        };
        if n == 0 {
            return Ok(Some(at == expected.len()));
        }
        if expected.get(at..at + n) != Some(&buf[..n]) {
            return Ok(Some(false));
        }
        at += n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_exactly_compares_the_whole_object() {
        let store = MemoryStore::new();
        assert_eq!(holds_exactly(&store, "k", b"abc").unwrap(), None);
        store.put("k", Body::Bytes(b"abc"), Caching::Short).unwrap();
        assert_eq!(holds_exactly(&store, "k", b"abc").unwrap(), Some(true));
        for other in [&b"ab"[..], b"abcd", b"abd", b""] {
            assert_eq!(holds_exactly(&store, "k", other).unwrap(), Some(false), "{other:?}");
        }
    }
}
