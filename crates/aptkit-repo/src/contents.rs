//! `Contents-<arch>` indices: which package ships which file (apt-file).
//! Each package's file list is read from its .deb once and cached in the
//! state store under the .deb's SHA-256, so republishing reads no .deb.

use std::collections::BTreeMap;
use std::io::Write;

use aptkit_deb::DebReader;
use aptkit_store::{Body, Caching, Store};

use crate::package_set::{PackageRecord, PackageSet};
use crate::{Error, Result};

fn cache_key(record: &PackageRecord) -> String {
    format!("contents/{}.list", record.sha256())
}

/// The files of one package, from the cache or from its .deb.
fn file_list(state: &dyn Store, record: &PackageRecord) -> Result<Vec<String>> {
    let key = cache_key(record);
    if let Some((bytes, _)) = state.get(&key)? {
        return Ok(String::from_utf8_lossy(&bytes).lines().map(str::to_string).collect());
    }
    let blob = record.blob_key();
    // Read the .deb from where it lies; stores that are not local hand it
    // over through a temporary file.
    let temp;
    let path = match state.local_path(&blob) {
        Some(p) => p,
        None => {
            let mut reader = state.open(&blob)?.ok_or_else(|| Error::CorruptState {
                location: state.location(),
                reason: format!("the .deb of {} (`{blob}`) is missing", record.key()),
            })?;
            let mut file =
                tempfile::NamedTempFile::new().map_err(|source| Error::Read { path: blob.clone().into(), source })?;
            std::io::copy(&mut reader, &mut file)
                .map_err(|source| Error::Read { path: blob.clone().into(), source })?;
            temp = file;
            temp.path().to_path_buf()
        }
    };
    let files = DebReader::file_list(&path).map_err(|source| Error::BadDeb { path: path.clone(), source })?;
    let text: String = files.iter().map(|f| format!("{f}\n")).collect();
    state.put_if_absent(&key, Body::Bytes(text.as_bytes()), Caching::Immutable)?;
    Ok(files)
}

/// `Contents-<arch>` for `arch` (arch `all` packages included), uncompressed.
pub(crate) fn contents_index(state: &dyn Store, set: &PackageSet, arch: &str) -> Result<Vec<u8>> {
    let mut owners: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for record in set.iter().filter(|r| r.arch() == arch || r.arch() == "all") {
        let qualified = match record.get("Section") {
            Some(section) if !section.is_empty() => format!("{section}/{}", record.name()),
            _ => record.name().to_string(),
        };
        for file in file_list(state, record)? {
            let list = owners.entry(file).or_default();
            if !list.contains(&qualified) {
                list.push(qualified.clone());
            }
        }
    }
    let mut out = Vec::new();
    for (path, packages) in owners {
        // Paths may hold spaces; readers split on the last whitespace run.
        writeln!(out, "{path:<59} {}", packages.join(",")).expect("writing to a Vec cannot fail");
    }
    Ok(out)
}
