//! Package sets: the immutable, content-addressed lists behind repos,
//! snapshots and publications, stored as plain `Packages`-format text.

use std::collections::BTreeMap;

use aptkit_control::{parse_paragraphs, Paragraph};
use aptkit_index::{FileDigests, Hasher};
use aptkit_store::{Body, Caching, Store};

use crate::{Error, Result};

/// One package: its control fields plus `Filename` (the .deb's base name),
/// `Size`, `MD5sum` and `SHA256` of the .deb.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageRecord(pub Paragraph);

impl PackageRecord {
    pub fn name(&self) -> &str {
        self.0.get("Package").unwrap_or_default()
    }
    pub fn version(&self) -> &str {
        self.0.get("Version").unwrap_or_default()
    }
    pub fn arch(&self) -> &str {
        self.0.get("Architecture").unwrap_or_default()
    }
    pub fn sha256(&self) -> &str {
        self.0.get("SHA256").unwrap_or_default()
    }
    pub fn file_name(&self) -> &str {
        self.0.get("Filename").unwrap_or_default()
    }
    pub fn size(&self) -> u64 {
        self.0.get("Size").and_then(|s| s.parse().ok()).unwrap_or(0)
    }
    /// `name_version_arch`: at most one package per key in a set.
    pub fn key(&self) -> String {
        format!("{}_{}_{}", self.name(), self.version(), self.arch())
    }
    /// Where the .deb lives in the state store (content-addressed).
    pub fn blob_key(&self) -> String {
        blob_key(self.sha256())
    }
    pub fn digests(&self) -> Option<FileDigests> {
        let md5 = hex_array::<16>(self.0.get("MD5sum")?)?;
        let sha256 = hex_array::<32>(self.0.get("SHA256")?)?;
        Some(FileDigests { size: self.size(), md5, sha256 })
    }
}

pub fn blob_key(sha256: &str) -> String {
    format!("pool/{}/{sha256}.deb", &sha256[..2.min(sha256.len())])
}

fn hex_array<const N: usize>(s: &str) -> Option<[u8; N]> {
    let mut out = [0u8; N];
    if s.len() != 2 * N {
        return None;
    }
    for (i, chunk) in s.as_bytes().chunks(2).enumerate() {
        out[i] = u8::from_str_radix(std::str::from_utf8(chunk).ok()?, 16).ok()?;
    }
    Some(out)
}

/// A set of packages, at most one per `name_version_arch`, kept sorted so
/// the same set always serialises to the same bytes (and the same id).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PackageSet {
    records: BTreeMap<String, PackageRecord>,
}

impl PackageSet {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    pub fn get(&self, key: &str) -> Option<&PackageRecord> {
        self.records.get(key)
    }

    pub fn insert(&mut self, record: PackageRecord) -> Option<PackageRecord> {
        self.records.insert(record.key(), record)
    }

    pub fn remove(&mut self, key: &str) -> Option<PackageRecord> {
        self.records.remove(key)
    }

    pub fn iter(&self) -> impl Iterator<Item = &PackageRecord> {
        self.records.values()
    }

    pub fn retain(&mut self, mut keep: impl FnMut(&PackageRecord) -> bool) {
        self.records.retain(|_, r| keep(r));
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        aptkit_index::write_packages(self.records.values().map(|r| &r.0), &mut out).expect("writing to a Vec cannot fail");
        out
    }

    pub fn from_bytes(bytes: &[u8], location: &str) -> Result<Self> {
        let corrupt = |reason: String| Error::CorruptState { location: location.to_string(), reason };
        let text = std::str::from_utf8(bytes).map_err(|_| corrupt("package set is not UTF-8".into()))?;
        let mut set = PackageSet::new();
        for para in parse_paragraphs(text).map_err(|e| corrupt(format!("package set: {e}")))? {
            set.insert(PackageRecord(para));
        }
        Ok(set)
    }

    /// Store the set under its content hash; returns its id (the key).
    pub fn save(&self, store: &dyn Store) -> Result<String> {
        let bytes = self.to_bytes();
        let mut h = Hasher::new();
        h.update(&bytes);
        let id = format!("sets/{}.packages", h.finish().sha256_hex());
        store.put_if_absent(&id, Body::Bytes(&bytes), Caching::Immutable)?;
        Ok(id)
    }

    pub fn load(store: &dyn Store, id: &str) -> Result<Self> {
        let (bytes, _) = store.get(id)?.ok_or_else(|| Error::CorruptState {
            location: store.location(),
            reason: format!("package set `{id}` is missing"),
        })?;
        Self::from_bytes(&bytes, &format!("{} ({id})", store.location()))
    }
}
