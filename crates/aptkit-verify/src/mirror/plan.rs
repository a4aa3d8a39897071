//! `aptkit mirror --dry-run`: the source verified as the mirror verifies
//! it, and what the mirror would then change in the destination, with
//! nothing written there (no bookkeeping directory, no lock, no partial
//! file): the pool files it would download, the index and Release files it
//! would write or remove, and with `--delete` the pool files it would
//! delete.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;

use aptkit_store::Store;
use serde::Serialize;

use super::{load_record, metadata_changes, unreferenced_pool, verify_source, PoolCopy, META_DIR};
use crate::{Error, Options, Report};

#[derive(Debug, Clone, Default, Serialize)]
pub struct MirrorPlan {
    /// The verification of the source, as the mirror would see it.
    #[serde(flatten)]
    pub verification: Report,
    /// Suites the mirror would put in place (verified). A suite with a
    /// finding would be left as it is.
    pub suites_to_mirror: Vec<String>,
    /// Pool files the mirror would download (not in the destination with
    /// the size and SHA-256 the indices give).
    pub pool_files_to_download: Vec<String>,
    /// Their bytes.
    pub pool_bytes_to_download: u64,
    /// Pool files already in place.
    pub pool_files_kept: usize,
    /// Index and Release files that would be written (new or changed), in
    /// the order the mirror writes them, destination-relative.
    pub metadata_files_to_write: Vec<String>,
    /// Release files the source no longer has, which would be removed.
    pub metadata_files_to_remove: Vec<String>,
    /// With `delete`, and only when everything verified: pool files no
    /// suite would reference any more.
    pub pool_files_to_delete: Vec<String>,
}

impl MirrorPlan {
    pub fn ok(&self) -> bool {
        self.verification.ok()
    }
}

/// What [`super::mirror`] of `source` into `dest` would do; nothing is
/// written in `dest`.
pub fn plan(source: &dyn Store, dest: &Path, opts: &Options, delete: bool) -> Result<MirrorPlan, Error> {
    let (report, suites) = verify_source(source, dest, opts)?;
    let mut plan = MirrorPlan { verification: report.verification, ..Default::default() };
    // What is in place is judged as the mirror judges it: by its record of
    // what it wrote, else by hashing the file. Nothing read is kept.
    let record = Mutex::new(load_record(&dest.join(META_DIR).join("files.json")));
    let none = |_: u64| {};
    let pool = PoolCopy { source, dest, record: &record, on_bytes: &none };
    let relative = |path: &Path| path.strip_prefix(dest).unwrap_or(path).to_string_lossy().into_owned();
    let to_download = Mutex::new(BTreeMap::new());
    // What the mirror would write, dest-relative, for --delete's scan.
    let mut overlay: BTreeMap<String, &[u8]> = BTreeMap::new();
    for suite in suites.iter().filter(|s| s.clean) {
        let kept = Mutex::new(0usize);
        crate::for_each_pool_file(&suite.pool, opts.threads, |key, size, sha256| {
            // Placed for an earlier suite of this run, it is kept for this one.
            let earlier = to_download.lock().unwrap().contains_key(key);
            if earlier || pool.already_placed(key, &dest.join(key), size, sha256)? {
                *kept.lock().unwrap() += 1;
            } else {
                to_download.lock().unwrap().insert(key.to_string(), size);
            }
            Ok(None)
        })?;
        plan.pool_files_kept += kept.into_inner().unwrap();
        for (path, bytes) in metadata_changes(dest, suite) {
            match bytes {
                Some(bytes) => {
                    plan.metadata_files_to_write.push(relative(&path));
                    overlay.insert(relative(&path), bytes);
                }
                None => plan.metadata_files_to_remove.push(relative(&path)),
            }
        }
        plan.suites_to_mirror.push(suite.suite.clone());
    }
    let to_download = to_download.into_inner().unwrap();
    plan.pool_bytes_to_download = to_download.values().sum();
    plan.pool_files_to_download = to_download.into_keys().collect();
    if delete && plan.ok() {
        // The scan the mirror's --delete makes, of the indices as they
        // would be once written.
        plan.pool_files_to_delete = unreferenced_pool(dest, &overlay)?;
    }
    Ok(plan)
}
