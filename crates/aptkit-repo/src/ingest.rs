//! Reading .deb files into package records and the state store's pool.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use aptkit_control::parse_paragraphs;
use aptkit_deb::DebReader;
use aptkit_index::{package_stanza, FileDigests};
use crate::package_set::PackageRecord;
use crate::{Error, Result};

/// Every `.deb` named, or found (recursively) in the directories named.
pub fn collect_debs(inputs: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut debs = Vec::new();
    for input in inputs {
        let meta = std::fs::metadata(input).map_err(|source| Error::Read { path: input.clone(), source })?;
        if meta.is_dir() {
            for entry in walkdir::WalkDir::new(input).sort_by_file_name() {
                let entry = entry.map_err(|e| Error::Read { path: input.clone(), source: e.into() })?;
                if entry.file_type().is_file() && entry.path().extension().is_some_and(|e| e == "deb") {
                    debs.push(entry.into_path());
                }
            }
        } else {
            debs.push(input.clone());
        }
    }
    if debs.is_empty() {
        let names: Vec<String> = inputs.iter().map(|p| format!("`{}`", p.display())).collect();
        return Err(Error::NoPackages(names.join(", ")));
    }
    Ok(debs)
}

/// A package read from a .deb: its record, and a private copy of the file
/// whose bytes are exactly the ones hashed for the record.
pub struct Staged {
    pub record: PackageRecord,
    pub copy: PathBuf,
}

/// Read each .deb's control file, and copy it into `staging` while hashing
/// it: every byte is read once, in parallel. The copy, not the caller's
/// file, is what gets stored, so a file changed mid-add cannot be stored
/// under another file's hash. Writes nothing else: the caller checks for
/// conflicts first.
pub fn read_all(debs: &[PathBuf], staging: &Path, on_done: &(dyn Fn(&Path, u64) + Sync)) -> Result<Vec<Staged>> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<Staged>>>> = Mutex::new((0..debs.len()).map(|_| None).collect());
    let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(debs.len()).max(1);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(path) = debs.get(i) else { break };
                let copy = staging.join(format!("{i}.deb"));
                let result = read_one(path, &copy).map(|record| Staged { record, copy });
                if let Ok(staged) = &result {
                    on_done(path, staged.record.size());
                }
                results.lock().unwrap()[i] = Some(result);
            });
        }
    });
    results.into_inner().unwrap().into_iter().map(|r| r.expect("every index was processed")).collect()
}

/// Hash `path` while copying it to `copy`.
fn copy_hashing(path: &Path, copy: &Path) -> Result<FileDigests> {
    let read_err = |source| Error::Read { path: path.to_path_buf(), source };
    let mut src = fs_err::File::open(path).map_err(read_err)?;
    let mut dst = fs_err::File::create(copy).map_err(|source| Error::Read { path: copy.to_path_buf(), source })?;
    let mut hasher = aptkit_index::Hasher::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = src.read(&mut buf).map_err(read_err)?;
        if n == 0 {
            return Ok(hasher.finish());
        }
        hasher.update(&buf[..n]);
        dst.write_all(&buf[..n]).map_err(|source| Error::Read { path: copy.to_path_buf(), source })?;
    }
}

fn read_one(path: &Path, copy: &Path) -> Result<PackageRecord> {
    let bad_control = |reason: String| Error::BadControl { path: path.to_path_buf(), reason };
    let deb = DebReader::control_only(path).map_err(|source| Error::BadDeb { path: path.to_path_buf(), source })?;
    let control = deb.control_file("control").ok_or_else(|| bad_control("no control file in control.tar".into()))?;
    let text = std::str::from_utf8(&control.contents).map_err(|_| bad_control("control file is not UTF-8".into()))?;
    let para = parse_paragraphs(text)
        .map_err(|e| bad_control(format!("control file: {e}")))?
        .into_iter()
        .next()
        .ok_or_else(|| bad_control("empty control file".into()))?;
    for field in ["Package", "Version", "Architecture"] {
        if para.get(field).is_none_or(|v| v.trim().is_empty()) {
            return Err(bad_control(format!("control file lacks `{field}`")));
        }
    }
    // These values become pool paths and index lines: check them strictly.
    let package = para.get("Package").unwrap_or_default();
    if !aptkit_control::valid_package_name(package) {
        return Err(bad_control(format!("invalid package name `{package}`")));
    }
    let version = para.get("Version").unwrap_or_default();
    if version.contains(char::is_whitespace) || version.parse::<aptkit_control::Version>().is_err() {
        return Err(bad_control(format!("invalid version `{version}`")));
    }
    let arch = para.get("Architecture").unwrap_or_default();
    if !valid_architecture(arch) {
        return Err(bad_control(format!("invalid architecture `{arch}`")));
    }
    let source = aptkit_index::source_name(&para);
    if !aptkit_control::valid_package_name(source) {
        return Err(bad_control(format!("invalid source name `{source}`")));
    }
    let digests = copy_hashing(path, copy)?;
    let version = para.get("Version").unwrap_or_default();
    let file_version = version.split_once(':').map_or(version, |(_, v)| v);
    let canonical = format!("{}_{}_{}.deb", para.get("Package").unwrap_or_default(), file_version, para.get("Architecture").unwrap_or_default());
    Ok(PackageRecord(package_stanza(&para, &canonical, &digests)))
}

/// `amd64`, `all`, `linux-any`: lowercase letters, digits and `-`.
pub fn valid_architecture(arch: &str) -> bool {
    !arch.is_empty() && arch.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}
