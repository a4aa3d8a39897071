//! `manifest.json`: what one cache entry holds, and why it was made.
//!
//! A manifest is read from a store that other machines write to, so it is
//! checked before anything is done with it: its format, that its inputs
//! hash to the key it is stored under, that every file name is a plain
//! name (a hostile or damaged entry must not write outside the directory
//! it is restored into) and every digest a SHA-256.

use serde::{Deserialize, Serialize};

use super::error::{Error, Result};
use super::key::Inputs;

/// The manifest format this aptkit writes and reads.
pub const MANIFEST_FORMAT: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    /// The build key: the hash of `inputs`.
    pub key: String,
    pub inputs: Inputs,
    /// The .debs and other files the build made, in the order given.
    pub products: Vec<FileRecord>,
    pub log: FileRecord,
    /// The aptkit that stored the entry.
    pub aptkit_version: String,
    /// When the entry was stored, seconds since the epoch.
    pub created: i64,
    /// The machine that stored it, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runner: Option<String>,
}

/// One stored file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRecord {
    /// A plain file name (no directory).
    pub file_name: String,
    pub size: u64,
    /// Lowercase hex; also the object's name in the store.
    pub sha256: String,
    /// For a .deb: what its control file says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<PackageId>,
}

/// A .deb's `Package`, `Version` and `Architecture`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageId {
    pub package: String,
    pub version: String,
    pub architecture: String,
}

impl Manifest {
    /// Every file of the entry: the products, then the log.
    pub fn files(&self) -> impl Iterator<Item = &FileRecord> {
        self.products.iter().chain(std::iter::once(&self.log))
    }

    pub fn to_json(&self) -> Vec<u8> {
        let mut json = serde_json::to_vec_pretty(self).expect("a manifest always serializes");
        json.push(b'\n');
        json
    }

    /// The manifest of entry `key`, read from `path` in the store, checked
    /// (see the module).
    pub fn parse(bytes: &[u8], key: &str, path: &str) -> Result<Manifest> {
        let invalid = |reason: String| Error::Manifest { key: key.to_string(), path: path.to_string(), reason };
        // The format first, so that a newer aptkit's manifest is reported
        // as such rather than as whatever field this one does not know.
        #[derive(Deserialize)]
        struct Format {
            format: u32,
        }
        let format: Format = serde_json::from_slice(bytes).map_err(|e| invalid(e.to_string()))?;
        if format.format != MANIFEST_FORMAT {
            return Err(invalid(format!("format {} (this aptkit reads format {MANIFEST_FORMAT})", format.format)));
        }
        let manifest: Manifest = serde_json::from_slice(bytes).map_err(|e| invalid(e.to_string()))?;
        if manifest.key != key {
            return Err(invalid(format!("it is the manifest of key {}", manifest.key)));
        }
        let hashed = manifest.inputs.key();
        if hashed != key {
            return Err(invalid(format!("its inputs hash to {hashed}, not to its key")));
        }
        let mut names = std::collections::BTreeSet::new();
        for file in manifest.files() {
            check_file_name(&file.file_name)
                .map_err(|reason| invalid(format!("file name {:?}: {reason}", file.file_name)))?;
            if !names.insert(file.file_name.as_str()) {
                return Err(invalid(format!("file name {:?} appears twice", file.file_name)));
            }
            if !is_sha256(&file.sha256) {
                return Err(invalid(format!("`{}` of {:?} is not a SHA-256", file.sha256, file.file_name)));
            }
        }
        Ok(manifest)
    }
}

/// Whether `name` may be written into a directory as it is: not empty, no
/// `/`, no NUL or other control character, and not starting with `.`
/// (which also rules out `.` and `..`, and hidden files that a listing of
/// the restored products would not show).
pub(crate) fn check_file_name(name: &str) -> std::result::Result<(), &'static str> {
    if name.is_empty() {
        Err("empty")
    } else if name.contains('/') {
        Err("not a plain file name (contains `/`)")
    } else if name.starts_with('.') {
        Err("starts with `.`")
    } else if name.chars().any(char::is_control) {
        Err("contains a control character")
    } else {
        Ok(())
    }
}

/// 64 lowercase hex digits.
pub(crate) fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}
