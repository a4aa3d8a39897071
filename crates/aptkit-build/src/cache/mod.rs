//! The build cache: a build's products stored under the hash of its
//! inputs, so that the same inputs are never built twice, on any runner
//! that shares the state store.
//!
//! ```text
//! build-cache/
//!   objects/<sha256>            every stored file, named by its SHA-256
//!   <key>/manifest.json         one entry: its inputs, its files' names,
//!                               sizes and SHA-256s; written last
//! ```
//!
//! [`BuildKey`] hashes every input of a build (the source, the `debian/`
//! tree, the image, the compile commands, `PKGVER`…, aptkit's version).
//! [`BuildCache::store`] uploads the products content-addressed, then
//! creates the manifest only if no other runner did: an entry exists only
//! once it is complete, two runners storing the same key at once both
//! finish (one gets [`Stored::AlreadyThere`]), and a store killed halfway
//! leaves only unreferenced objects. [`CacheEntry::restore_into`] checks
//! every byte it downloads against the manifest before anything appears in
//! the output directory. See docs/build-cache.md.

mod error;
mod key;
mod manifest;
mod products;
mod restore;
#[cfg(test)]
mod tests;
mod tree;

use std::collections::BTreeSet;
use std::sync::Arc;

use aptkit_store::{Body, Caching, ObjectMeta, Store, Written};

use error::store_error;
pub use error::{Error, Result};
pub use key::{BuildKey, BuildKeyBuilder, InputChange, Inputs, KEY_FORMAT};
pub use manifest::{FileRecord, Manifest, PackageId, MANIFEST_FORMAT};
pub use products::{Products, Provenance};
pub use restore::CacheEntry;
pub use tree::tree_digest;

/// Where the cache lives in the state store unless told otherwise.
pub const DEFAULT_PREFIX: &str = "build-cache";

/// How [`BuildCache::store`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// This call made the entry.
    Created,
    /// Another runner stored the same key first; its entry stands and this
    /// one's products are only local.
    AlreadyThere,
}

/// The build cache in a state store.
pub struct BuildCache {
    store: Arc<dyn Store>,
    /// Ends with `/`.
    prefix: String,
}

impl std::fmt::Debug for BuildCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BuildCache").field("store", &self.store.location()).field("prefix", &self.prefix).finish()
    }
}

impl BuildCache {
    /// The cache under [`DEFAULT_PREFIX`] of `store`.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self::with_prefix(store, DEFAULT_PREFIX)
    }

    pub fn with_prefix(store: Arc<dyn Store>, prefix: &str) -> Self {
        BuildCache { store, prefix: format!("{}/", prefix.trim_matches('/')) }
    }

    /// Where the cache is: its store's location and its prefix
    /// (`s3://ci-state/hello/build-cache/`).
    pub fn location(&self) -> String {
        format!("{}/{}", self.store.location().trim_end_matches('/'), self.prefix)
    }

    /// `build-cache/<key>/manifest.json`.
    pub fn manifest_path(&self, key: &BuildKey) -> String {
        format!("{}{}/manifest.json", self.prefix, key.id())
    }

    /// `build-cache/objects/<sha256>`.
    pub fn object_path(&self, sha256: &str) -> String {
        format!("{}{sha256}", self.objects_prefix())
    }

    fn objects_prefix(&self) -> String {
        format!("{}objects/", self.prefix)
    }

    /// The entry of `key`, its manifest checked, or `None` if there is none.
    pub fn lookup(&self, key: &BuildKey) -> Result<Option<CacheEntry>> {
        let path = self.manifest_path(key);
        let read = self.store.get(&path).map_err(store_error(key.id(), "read its manifest"))?;
        let Some((bytes, _)) = read else { return Ok(None) };
        let manifest = Manifest::parse(&bytes, key.id(), &path)?;
        let objects_prefix = self.objects_prefix();
        Ok(Some(CacheEntry { store: self.store.clone(), objects_prefix, manifest_path: path, manifest }))
    }

    /// Store the products of a successful build of `key`: every file as an
    /// object named by its SHA-256, then the manifest, only if there is
    /// none yet.
    ///
    /// Objects are written with a plain put: content-addressed, a rewrite
    /// holds the same bytes (a runner racing this one writes what it hashed
    /// under the name of that hash), and it repairs an object damaged since
    /// an earlier store. The files must not change while they are stored.
    pub fn store(&self, key: &BuildKey, products: &Products, provenance: &Provenance) -> Result<Stored> {
        let files: Vec<&std::path::Path> = products.files.iter().chain([&products.log]).map(|p| p.as_path()).collect();
        let mut records = Vec::with_capacity(files.len());
        let mut names = BTreeSet::new();
        for path in &files {
            let record = products::record(path)?;
            if !names.insert(record.file_name.clone()) {
                let reason = "another product has the same file name".to_string();
                return Err(Error::ProductName { path: path.to_path_buf(), reason });
            }
            records.push(record);
        }
        for (&path, record) in files.iter().zip(&records) {
            self.store
                .put(&self.object_path(&record.sha256), Body::File(path), Caching::Immutable)
                .map_err(store_error(key.id(), format!("upload `{}`", record.file_name)))?;
        }
        let log = records.pop().expect("the log is always there");
        let manifest = Manifest {
            format: MANIFEST_FORMAT,
            key: key.id().to_string(),
            inputs: key.inputs().clone(),
            products: records,
            log,
            aptkit_version: key.inputs().get("aptkit-version").unwrap_or_default().to_string(),
            created: provenance.created,
            runner: provenance.runner.clone(),
        };
        let json = manifest.to_json();
        match self.store.put_if_absent(&self.manifest_path(key), Body::Bytes(&json), Caching::Short) {
            Ok(Written::Created(_)) => Ok(Stored::Created),
            Ok(Written::Conflict(_)) => Ok(Stored::AlreadyThere),
            Err(source) => Err(store_error(key.id(), "write its manifest")(source)),
        }
    }

    /// Remove the entry of `key` (its manifest; the objects stay until
    /// unreferenced), so that the next [`BuildCache::store`] makes a new
    /// one: a forced rebuild, or an entry that failed to restore.
    pub fn evict(&self, key: &BuildKey) -> Result<()> {
        self.store.delete(&self.manifest_path(key)).map_err(store_error(key.id(), "delete its manifest"))
    }

    /// Objects that no entry refers to and that are older than `min_age`
    /// seconds at `now` (younger ones may belong to a store still under
    /// way, whose manifest is not written yet). Deleting them is up to the
    /// caller, and safe only while no runner stores an entry that reuses
    /// one of them. A manifest that cannot be read is an error: what it
    /// refers to is unknown.
    pub fn unreferenced(&self, now: i64, min_age: i64) -> Result<Vec<ObjectMeta>> {
        let objects_prefix = self.objects_prefix();
        let mut referenced = BTreeSet::new();
        let mut objects = Vec::new();
        for meta in
            self.store.list(&self.prefix).map_err(|source| Error::List { prefix: self.prefix.clone(), source })?
        {
            if meta.key.starts_with(&objects_prefix) {
                objects.push(meta);
                continue;
            }
            let Some(key) = meta.key.strip_prefix(&self.prefix).and_then(|k| k.strip_suffix("/manifest.json")) else {
                continue;
            };
            let Some((bytes, _)) = self.store.get(&meta.key).map_err(store_error(key, "read its manifest"))? else {
                continue;
            };
            let manifest = Manifest::parse(&bytes, key, &meta.key)?;
            referenced.extend(manifest.files().map(|f| self.object_path(&f.sha256)));
        }
        objects.retain(|meta| !referenced.contains(&meta.key) && meta.modified <= now.saturating_sub(min_age));
        Ok(objects)
    }
}
