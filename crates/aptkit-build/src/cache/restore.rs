//! Restoring an entry: every file downloaded into a staging directory and
//! checked against the manifest as it streams past, then all renamed into
//! place. Nothing appears in the output directory unless every file of the
//! entry arrived whole and matched.

use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use aptkit_store::Store;
use sha2::{Digest, Sha256};

use super::error::{store_error, Error, Result};
use super::manifest::{check_file_name, FileRecord, Manifest};
use super::products::Products;

/// An entry found by [`super::BuildCache::lookup`], its manifest checked.
pub struct CacheEntry {
    pub(super) store: Arc<dyn Store>,
    /// The object key of each file, by SHA-256.
    pub(super) objects_prefix: String,
    /// Where the manifest was read from, for errors.
    pub(super) manifest_path: String,
    pub(super) manifest: Manifest,
}

impl std::fmt::Debug for CacheEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CacheEntry").field("store", &self.store.location()).field("manifest", &self.manifest).finish()
    }
}

impl CacheEntry {
    pub fn key(&self) -> &str {
        &self.manifest.key
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// Download every product and the log into `out_dir` (made if missing),
    /// each checked against the manifest's size and SHA-256; returns their
    /// paths, as a build would have. On any error `out_dir` is left as
    /// it was: files are staged in a temporary directory inside it and
    /// renamed into place only once all of them matched. A file of the same
    /// name already in `out_dir` is replaced.
    pub fn restore_into(&self, out_dir: &Path) -> Result<Products> {
        let write_err = |path: &Path| {
            let (key, path) = (self.key().to_string(), path.to_path_buf());
            move |source: std::io::Error| Error::Write { key, path, source }
        };
        // Checked at lookup already; checked again here, where it matters,
        // so that no other way of making an entry can skip it.
        for file in self.manifest.files() {
            if let Err(reason) = check_file_name(&file.file_name) {
                let reason = format!("file name {:?}: {reason}", file.file_name);
                return Err(Error::Manifest { key: self.key().to_string(), path: self.manifest_path.clone(), reason });
            }
        }
        std::fs::create_dir_all(out_dir).map_err(write_err(out_dir))?;
        let staging =
            tempfile::Builder::new().prefix(".aptkit-cache-").tempdir_in(out_dir).map_err(write_err(out_dir))?;
        let mut staged = Vec::new();
        for file in self.manifest.files() {
            let path = staging.path().join(&file.file_name);
            self.download(file, &path)?;
            staged.push((path, out_dir.join(&file.file_name)));
        }
        for (done, (from, to)) in staged.iter().enumerate() {
            if let Err(source) = std::fs::rename(from, to) {
                // Renames within one directory only fail when something is
                // badly wrong; take back the files already moved.
                for (_, moved) in &staged[..done] {
                    let _ = std::fs::remove_file(moved);
                }
                return Err(write_err(to)(source));
            }
        }
        let mut files: Vec<PathBuf> = staged.into_iter().map(|(_, to)| to).collect();
        let log = files.pop().expect("the log is always there");
        Ok(Products { files, log })
    }

    /// Stream one object into `path`, hashing it on the way.
    fn download(&self, file: &FileRecord, path: &Path) -> Result<()> {
        let object = format!("{}{}", self.objects_prefix, file.sha256);
        let corrupt =
            |reason: String| Error::Corrupt { key: self.key().to_string(), file: file.file_name.clone(), reason };
        let doing = format!("download `{}`", file.file_name);
        let read_err = |source| {
            store_error(self.key(), &doing)(aptkit_store::Error::Io {
                op: "read",
                key: object.clone(),
                location: self.store.location(),
                source,
            })
        };
        let write_err = |source| Error::Write { key: self.key().to_string(), path: path.to_path_buf(), source };

        let Some(reader) = self.store.open(&object).map_err(store_error(self.key(), &doing))? else {
            return Err(corrupt(format!("its object `{object}` is missing from {}", self.store.location())));
        };
        // One byte more than expected is enough to tell that it is too long.
        let mut reader = reader.take(file.size.saturating_add(1));
        let mut out = std::fs::File::create(path).map_err(write_err)?;
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        let mut buf = vec![0u8; 256 << 10];
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Err(read_err(e)),
            };
            hasher.update(&buf[..n]);
            out.write_all(&buf[..n]).map_err(write_err)?;
            size += n as u64;
        }
        if size != file.size {
            let held = if size > file.size { "more".to_string() } else { size.to_string() };
            return Err(corrupt(format!("the manifest says {} bytes, the store holds {held}", file.size)));
        }
        let sha256 = hex::encode(hasher.finalize());
        if sha256 != file.sha256 {
            return Err(corrupt(format!("its SHA-256 is {sha256}, the manifest says {}", file.sha256)));
        }
        Ok(())
    }
}
