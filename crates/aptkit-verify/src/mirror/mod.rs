//! `aptkit mirror`: a verified copy of a published repository in a local
//! directory.
//!
//! Nothing unverified is ever moved into place. The source is verified
//! first (signatures, freshness, rollback against the mirror's own copy,
//! every index); pool files are downloaded to
//! `.aptkit-mirror/partial/<sha256>`, checked against the signed indices
//! and only then renamed to their pool path. Indices and Release files are
//! the very bytes verification checked, written last and in the publish
//! order (by-hash copies, plain names, `Release.gpg`, `Release`, `InRelease`),
//! so a client reading the mirror during an update sees the old suite or
//! the new one. A suite with any finding is left as it was.
//!
//! A rerun fetches only what changed: indices whose signed hash the mirror
//! already holds are read from disk, pool files are skipped when their size
//! and modification time match the record of what this mirror wrote
//! (`.aptkit-mirror/files.json`), and an interrupted download resumes from
//! the bytes already in its partial file.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;

use aptkit_index::ContentValidatingReader;
use aptkit_store::{FileStore, Store};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

mod plan;

pub use plan::{plan, MirrorPlan};

use crate::{finding, mismatch_finding, Error, Finding, Kind, OnPoolFile, Options, Report, SuiteData};

/// Where the mirror keeps its own bookkeeping, inside the destination.
const META_DIR: &str = ".aptkit-mirror";

#[derive(Debug, Clone, Default, Serialize)]
pub struct MirrorReport {
    /// The verification of the source, with every finding of the copy.
    #[serde(flatten)]
    pub verification: Report,
    /// Suites now in place in the mirror (verified and complete).
    pub mirrored_suites: Vec<String>,
    pub pool_files_downloaded: usize,
    pub pool_files_kept: usize,
    pub indices_downloaded: usize,
    /// Pool and index bytes fetched from the source (Release files aside).
    pub bytes_downloaded: u64,
    /// Index and Release files written because they were new or changed.
    pub metadata_files_written: usize,
    /// Pool files removed (`--delete`) because no suite here references them.
    pub pool_files_deleted: Vec<String>,
}

impl MirrorReport {
    pub fn ok(&self) -> bool {
        self.verification.ok()
    }
}

/// What the mirror knows about a pool file it wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Placed {
    size: u64,
    sha256: String,
    mtime_ns: i128,
}

/// Copy the verified suites of `source` into the directory `dest`.
/// `on_bytes` is called with every downloaded chunk's length.
/// With `delete`, pool files that no suite in the mirror references any
/// more are removed afterwards (only when everything verified).
pub fn mirror(
    source: &dyn Store,
    dest: &Path,
    opts: &Options,
    delete: bool,
    on_bytes: OnPoolFile<'_>,
) -> Result<MirrorReport, Error> {
    let meta_dir = dest.join(META_DIR);
    fs_err::create_dir_all(meta_dir.join("partial"))
        .map_err(|source| Error::Write { path: meta_dir.clone(), source })?;
    let _lock = lock(&meta_dir.join("lock"))?;

    let (mut report, suites) = verify_source(source, dest, opts)?;
    let opts = Options { deep: false, ..opts.clone() };

    let record_path = meta_dir.join("files.json");
    let record: Mutex<BTreeMap<String, Placed>> = Mutex::new(load_record(&record_path));
    let downloaded = AtomicU64::new(0);
    let count_bytes = |n: u64| {
        downloaded.fetch_add(n, Ordering::Relaxed);
        on_bytes(n);
    };
    let result = (|| -> Result<(), Error> {
        for suite in suites.iter().filter(|s| s.clean) {
            let pool = PoolCopy { source, dest, record: &record, on_bytes: &count_bytes };
            let (fetched, kept, findings) = pool.copy_all(&suite.pool, opts.threads)?;
            report.pool_files_downloaded += fetched;
            report.pool_files_kept += kept;
            if !findings.is_empty() {
                report.verification.findings.extend(findings);
                continue;
            }
            report.metadata_files_written += write_metadata(dest, suite)?;
            report.mirrored_suites.push(suite.suite.clone());
        }
        Ok(())
    })();
    let mut record = record.into_inner().unwrap();
    if result.is_ok() && delete && report.ok() {
        report.pool_files_deleted = prune_pool(dest, &mut record)?;
    }
    // Even after a failure, what was placed is verified: remember it.
    save_record(&record_path, &record)?;
    result?;
    report.bytes_downloaded += downloaded.load(Ordering::Relaxed);
    Ok(report)
}

/// The source verified as a mirror verifies it: indices `dest` already
/// holds under their signed hash are read from there (and not counted as
/// downloads), and the Dates of its suites seed the rollback check.
fn verify_source(source: &dyn Store, dest: &Path, opts: &Options) -> Result<(MirrorReport, Vec<SuiteData>), Error> {
    let index_hits: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let cache = |key: &str, sha256: &str| -> Option<Vec<u8>> {
        let bytes = local_index(dest, key, sha256)?;
        index_hits.lock().unwrap().push(key.to_string());
        Some(bytes)
    };
    let known_dates = local_release_dates(dest)?;
    let opts = Options { deep: false, ..opts.clone() };
    let (verification, suites) = crate::verify_collecting(source, &opts, Some(&cache), &known_dates, &|_| {})?;
    let mut report = MirrorReport { verification, ..Default::default() };
    let hits = index_hits.into_inner().unwrap();
    for suite in suites.iter().filter(|s| s.clean) {
        for (path, _, bytes) in &suite.indices {
            if !hits.contains(&format!("dists/{}/{path}", suite.suite)) {
                report.indices_downloaded += 1;
                // Verification read the plain name and its by-hash copy.
                report.bytes_downloaded += bytes.len() as u64 * (1 + suite.by_hash as u64);
            }
        }
    }

    Ok((report, suites))
}

/// One mirror at a time per destination.
fn lock(path: &Path) -> Result<File, Error> {
    let file = File::create(path).map_err(|source| Error::Write { path: path.to_path_buf(), source })?;
    file.try_lock().map_err(|e| Error::Write {
        path: path.to_path_buf(),
        source: std::io::Error::new(std::io::ErrorKind::WouldBlock, format!("another mirror is writing here ({e})")),
    })?;
    Ok(file)
}

/// The mirror's copy of an index with this hash, if it has one: the
/// by-hash copy, else the plain name.
fn local_index(dest: &Path, key: &str, sha256: &str) -> Option<Vec<u8>> {
    let (dir, _) = key.rsplit_once('/')?;
    [dest.join(format!("{dir}/by-hash/SHA256/{sha256}")), dest.join(key)]
        .into_iter()
        .filter_map(|p| std::fs::read(p).ok())
        .find(|b| hex::encode(Sha256::digest(b)) == sha256)
}

/// The Date of every suite the mirror holds: the mirror only moves
/// forward, whatever the source serves.
fn local_release_dates(dest: &Path) -> Result<BTreeMap<String, i64>, Error> {
    let local = FileStore::new(dest);
    let mut dates = BTreeMap::new();
    for meta in local.list("dists/")? {
        let Some(suite) = meta
            .key
            .strip_prefix("dists/")
            .and_then(|k| k.strip_suffix("/InRelease").or_else(|| k.strip_suffix("/Release")))
        else {
            continue;
        };
        let Some((bytes, _)) = local.get(&meta.key)? else { continue };
        let text = String::from_utf8_lossy(&bytes);
        if let Some(date) =
            text.lines().find_map(|l| l.strip_prefix("Date:")).and_then(|d| aptkit_index::parse_date(d.trim()))
        {
            let entry = dates.entry(suite.to_string()).or_insert(date);
            *entry = (*entry).max(date);
        }
    }
    Ok(dates)
}

struct PoolCopy<'a> {
    source: &'a dyn Store,
    dest: &'a Path,
    record: &'a Mutex<BTreeMap<String, Placed>>,
    on_bytes: &'a (dyn Fn(u64) + Sync),
}

enum Copied {
    Fetched,
    Kept,
    Failed(Finding),
}

impl PoolCopy<'_> {
    /// Every pool file, in parallel: (downloaded, kept, findings).
    fn copy_all(
        &self,
        pool: &BTreeMap<String, (u64, String)>,
        threads: usize,
    ) -> Result<(usize, usize, Vec<Finding>), Error> {
        let fetched = AtomicUsize::new(0);
        let kept = AtomicUsize::new(0);
        let findings = crate::for_each_pool_file(pool, threads, |key, size, sha| {
            let counter = match self.copy(key, size, sha)? {
                Copied::Fetched => &fetched,
                Copied::Kept => &kept,
                Copied::Failed(f) => return Ok(Some(f)),
            };
            counter.fetch_add(1, Ordering::Relaxed);
            Ok(None)
        })?;
        Ok((fetched.into_inner(), kept.into_inner(), findings))
    }

    fn copy(&self, key: &str, size: u64, sha256: &str) -> Result<Copied, Error> {
        let target = self.dest.join(key);
        if self.already_placed(key, &target, size, sha256)? {
            return Ok(Copied::Kept);
        }
        let partial = self.dest.join(META_DIR).join("partial").join(sha256);
        let io = |source| Error::Write { path: partial.clone(), source };
        let mut have = std::fs::metadata(&partial).map(|m| m.len()).unwrap_or(0);
        if have > size {
            fs_err::remove_file(&partial).map_err(io)?;
            have = 0;
        }
        let Some(reader) = self.source.open_at(key, have)? else {
            return Ok(Copied::Failed(finding(Kind::Missing, key, format!("{size} bytes"), "nothing")));
        };
        let mut checked = ContentValidatingReader::new(reader, size, sha256);
        if have > 0 {
            // Resume: the bytes already here count towards the size and hash.
            let existing = File::open(&partial).map_err(|source| Error::Read { path: partial.clone(), source })?;
            checked
                .resume_after(existing.take(have))
                .map_err(|source| Error::Read { path: partial.clone(), source })?;
        }
        let mut out = fs_err::OpenOptions::new().create(true).append(true).open(&partial).map_err(io)?;
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            let n = checked.read(&mut buf).map_err(|source| Error::Read { path: PathBuf::from(key), source })?;
            if n == 0 {
                break;
            }
            out.write_all(&buf[..n]).map_err(io)?;
            (self.on_bytes)(n as u64);
        }
        drop(out);
        if let Err(mismatch) = checked.finish() {
            fs_err::remove_file(&partial).map_err(io)?;
            return Ok(Copied::Failed(mismatch_finding(key, mismatch, "more")));
        }
        if let Some(parent) = target.parent() {
            aptkit_store::make_dirs(parent).map_err(|source| Error::Write { path: parent.to_path_buf(), source })?;
        }
        // A mirror is served: readable by all whatever the umask.
        fs_err::set_permissions(&partial, std::os::unix::fs::PermissionsExt::from_mode(aptkit_store::SERVED_FILE_MODE))
            .map_err(io)?;
        fs_err::rename(&partial, &target).map_err(io)?;
        self.remember(key, &target, size, sha256)?;
        Ok(Copied::Fetched)
    }

    /// Is the right file already at `target`? Trust the record when size
    /// and mtime still match (no re-reading); otherwise hash it.
    fn already_placed(&self, key: &str, target: &Path, size: u64, sha256: &str) -> Result<bool, Error> {
        let Ok(meta) = std::fs::metadata(target) else { return Ok(false) };
        if meta.len() != size {
            return Ok(false);
        }
        let recorded = self.record.lock().unwrap().get(key).cloned();
        if recorded.is_some_and(|r| r.sha256 == sha256 && r.size == size && r.mtime_ns == mtime_ns(&meta)) {
            return Ok(true);
        }
        let read_err = |source| Error::Read { path: target.to_path_buf(), source };
        let mut checked = ContentValidatingReader::new(File::open(target).map_err(read_err)?, size, sha256);
        io::copy(&mut BufReader::with_capacity(256 << 10, &mut checked), &mut io::sink()).map_err(read_err)?;
        if checked.finish().is_err() {
            return Ok(false);
        }
        self.remember(key, target, size, sha256)?;
        Ok(true)
    }

    fn remember(&self, key: &str, target: &Path, size: u64, sha256: &str) -> Result<(), Error> {
        let meta = std::fs::metadata(target).map_err(|source| Error::Read { path: target.to_path_buf(), source })?;
        let placed = Placed { size, sha256: sha256.to_string(), mtime_ns: mtime_ns(&meta) };
        self.record.lock().unwrap().insert(key.to_string(), placed);
        Ok(())
    }
}

fn mtime_ns(meta: &std::fs::Metadata) -> i128 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_nanos() as i128)
        .unwrap_or(-1)
}

/// The files a verified suite's copy is made of, in the publish order
/// (by-hash copies, plain names, `Release.gpg`, `Release`, `InRelease`),
/// each with its bytes, or `None` for a Release file the source no longer
/// has, which must not outlive it here (clients would read a stale suite
/// from it); only those that differ from what `dest` holds.
fn metadata_changes<'a>(dest: &Path, suite: &'a SuiteData) -> Vec<(PathBuf, Option<&'a [u8]>)> {
    let dists = format!("dists/{}", suite.suite);
    let mut files: Vec<(PathBuf, Option<&[u8]>)> = Vec::new();
    if suite.by_hash {
        for (path, sha, bytes) in &suite.indices {
            let dir = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
            files.push((dest.join(format!("{dists}/{dir}/by-hash/SHA256/{sha}")), Some(bytes)));
        }
    }
    for (path, _, bytes) in &suite.indices {
        files.push((dest.join(format!("{dists}/{path}")), Some(bytes)));
    }
    for (name, bytes) in &suite.release_files {
        files.push((dest.join(format!("{dists}/{name}")), Some(bytes)));
    }
    for name in ["Release.gpg", "Release", "InRelease"] {
        if !suite.release_files.iter().any(|(n, _)| n == name) {
            files.push((dest.join(format!("{dists}/{name}")), None));
        }
    }
    // Two indices with the same bytes in one directory share a by-hash copy.
    let mut seen = std::collections::HashSet::new();
    files.retain(|(path, _)| seen.insert(path.clone()));
    files.retain(|(path, bytes)| match bytes {
        Some(bytes) => !std::fs::read(path).is_ok_and(|existing| existing == *bytes),
        None => path.exists(),
    });
    files
}

/// Write a verified suite's indices and Release files in the publish
/// order; returns how many files changed.
fn write_metadata(dest: &Path, suite: &SuiteData) -> Result<usize, Error> {
    let changes = metadata_changes(dest, suite);
    for (path, bytes) in &changes {
        match bytes {
            Some(bytes) => write_file(path, bytes)?,
            None => fs_err::remove_file(path).map_err(|source| Error::Write { path: path.clone(), source })?,
        }
    }
    Ok(changes.len())
}

/// Atomically replace `path` with `bytes` unless it already holds them.
fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<bool, Error> {
    if std::fs::read(path).is_ok_and(|existing| existing == bytes) {
        return Ok(false);
    }
    write_file(path, bytes)?;
    Ok(true)
}

/// Atomically replace `path` with `bytes`, readable by all.
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let io = |source| Error::Write { path: path.to_path_buf(), source };
    let dir = path.parent().expect("mirror paths have a parent");
    aptkit_store::make_dirs(dir).map_err(io)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
    tmp.write_all(bytes).map_err(io)?;
    tmp.as_file()
        .set_permissions(std::os::unix::fs::PermissionsExt::from_mode(aptkit_store::SERVED_FILE_MODE))
        .map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

fn load_record(path: &Path) -> BTreeMap<String, Placed> {
    // A lost or damaged record only costs re-hashing, never correctness.
    std::fs::read(path).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default()
}

fn save_record(path: &Path, record: &BTreeMap<String, Placed>) -> Result<(), Error> {
    let text = serde_json::to_vec(record).expect("a map of records serialises");
    write_if_changed(path, &text).map(|_| ())
}

/// Remove pool files that no Packages index in the mirror references. The
/// indices here were all verified before they were written; one that
/// cannot be read stops the pruning before anything is deleted.
fn prune_pool(dest: &Path, record: &mut BTreeMap<String, Placed>) -> Result<Vec<String>, Error> {
    let local = FileStore::new(dest);
    let unreferenced = unreferenced_pool(dest, &BTreeMap::new())?;
    for key in &unreferenced {
        local.delete(key)?;
        record.remove(key);
    }
    Ok(unreferenced)
}

/// The pool files in `dest` that no Packages index in `dest` references,
/// with the files of `overlay` (dest-relative key: bytes) read as holding
/// those bytes, as they will once a mirror has written them.
fn unreferenced_pool(dest: &Path, overlay: &BTreeMap<String, &[u8]>) -> Result<Vec<String>, Error> {
    let local = FileStore::new(dest);
    let mut indices: BTreeMap<String, BTreeMap<String, Vec<u8>>> = BTreeMap::new();
    let mut keys: std::collections::BTreeSet<String> = local.list("dists/")?.into_iter().map(|m| m.key).collect();
    keys.extend(overlay.keys().filter(|k| k.starts_with("dists/")).cloned());
    for key in keys {
        if key.contains("/by-hash/") {
            continue;
        }
        let base = crate::strip_compression(&key);
        if base.ends_with("/Packages") {
            let bytes = match overlay.get(&key) {
                Some(bytes) => bytes.to_vec(),
                None => local.get(&key)?.map(|(b, _)| b).unwrap_or_default(),
            };
            indices.entry(base.to_string()).or_default().insert(key.clone(), bytes);
        }
    }
    let mut referenced = std::collections::HashSet::new();
    for (base, files) in &indices {
        let unreadable = || Error::Read {
            path: dest.join(base),
            source: std::io::Error::other("cannot read this index: nothing pruned"),
        };
        let text = crate::decompressed_index(|p| files.get(p).map(Vec::as_slice), base)
            .and_then(Result::ok)
            .ok_or_else(unreadable)?;
        let text = crate::utf8_text(&text);
        let stanzas = crate::pool_entries(&text).map_err(|_| unreadable())?;
        referenced.extend(stanzas.iter().filter_map(|p| p.filename.map(str::to_string)));
    }
    Ok(local.list("pool/")?.into_iter().map(|meta| meta.key).filter(|key| !referenced.contains(key)).collect())
}
