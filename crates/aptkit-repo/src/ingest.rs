//! Reading .deb files into package records and the state store's pool.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use aptkit_control::parse_paragraphs;
use aptkit_deb::DebReader;
use aptkit_index::package_stanza;
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
///
/// Each worker keeps [`aptkit_index::parallel_streams`] files open side by
/// side and feeds one chunk of each to [`aptkit_index::update_many`], so
/// MD5 runs in SIMD lanes across files instead of one file at a time.
pub fn read_all(debs: &[PathBuf], staging: &Path, on_done: &(dyn Fn(&Path, u64) + Sync)) -> Result<Vec<Staged>> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<Staged>>>> = Mutex::new((0..debs.len()).map(|_| None).collect());
    let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(debs.len()).max(1);
    let take = || {
        let i = next.fetch_add(1, Ordering::Relaxed);
        (i < debs.len()).then_some(i)
    };
    let finish = |i: usize, result: Result<Staged>| {
        if let Ok(staged) = &result {
            on_done(&debs[i], staged.record.size());
        }
        results.lock().unwrap()[i] = Some(result);
    };
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| hash_side_by_side(debs, staging, &take, &finish));
        }
    });
    results.into_inner().unwrap().into_iter().map(|r| r.expect("every index was processed")).collect()
}

/// Bytes read from each open file per round: 16 lanes of 64 KiB stay in L2.
const CHUNK: usize = 64 * 1024;

/// One .deb being copied and hashed.
struct Lane {
    index: usize,
    header: Header,
    src: fs_err::File,
    dst: fs_err::File,
    copy: PathBuf,
    hasher: aptkit_index::Hasher,
    buf: Vec<u8>,
    filled: usize,
}

/// A worker: keeps up to `parallel_streams()` lanes busy until `take` runs dry.
fn hash_side_by_side(
    debs: &[PathBuf],
    staging: &Path,
    take: &dyn Fn() -> Option<usize>,
    finish: &dyn Fn(usize, Result<Staged>),
) {
    let width = aptkit_index::parallel_streams().max(1);
    let mut lanes: Vec<Lane> = Vec::with_capacity(width);
    let mut spare: Vec<Vec<u8>> = Vec::new();
    loop {
        while lanes.len() < width {
            let Some(index) = take() else { break };
            let copy = staging.join(format!("{index}.deb"));
            match open_lane(&debs[index], &copy) {
                Ok((header, src, dst)) => {
                    let buf = spare.pop().unwrap_or_else(|| vec![0; CHUNK]);
                    let hasher = aptkit_index::Hasher::new();
                    lanes.push(Lane { index, header, src, dst, copy, hasher, buf, filled: 0 });
                }
                Err(e) => finish(index, Err(e)),
            }
        }
        if lanes.is_empty() {
            return;
        }
        // One chunk from every lane; a lane whose read or write fails ends
        // with that error, the others go on.
        let mut failed: Vec<(usize, Error)> = Vec::new();
        for (at, lane) in lanes.iter_mut().enumerate() {
            if let Err(e) = lane.advance(&debs[lane.index]) {
                failed.push((at, e));
            }
        }
        {
            let (mut hashers, chunks): (Vec<&mut aptkit_index::Hasher>, Vec<&[u8]>) =
                lanes.iter_mut().map(|l| (&mut l.hasher, &l.buf[..l.filled])).unzip();
            aptkit_index::update_many(&mut hashers, &chunks);
        }
        for (at, error) in failed.into_iter().rev() {
            let lane = lanes.swap_remove(at);
            spare.push(lane.buf);
            finish(lane.index, Err(error));
        }
        // A short read means end of file: that lane's copy is complete.
        let mut at = 0;
        while at < lanes.len() {
            if lanes[at].filled == CHUNK {
                at += 1;
                continue;
            }
            let lane = lanes.swap_remove(at);
            spare.push(lane.buf);
            let record = PackageRecord::from_paragraph(&package_stanza(&lane.header.para, &lane.header.canonical, &lane.hasher.finish()));
            finish(lane.index, Ok(Staged { record, copy: lane.copy }));
        }
    }
}

impl Lane {
    /// Read the next chunk (until it is full or the file ends) and write
    /// it to the copy.
    fn advance(&mut self, path: &Path) -> Result<()> {
        self.filled = 0;
        while self.filled < CHUNK {
            let read = self.src.read(&mut self.buf[self.filled..]);
            let n = read.map_err(|source| Error::Read { path: path.to_path_buf(), source })?;
            if n == 0 {
                break;
            }
            self.filled += n;
        }
        let written = self.dst.write_all(&self.buf[..self.filled]);
        written.map_err(|source| Error::Read { path: self.copy.clone(), source })
    }
}

/// A checked control paragraph, and the file name apt will know it by.
struct Header {
    para: aptkit_control::Paragraph,
    canonical: String,
}

/// Check `path`'s control file, then open it and create its copy.
fn open_lane(path: &Path, copy: &Path) -> Result<(Header, fs_err::File, fs_err::File)> {
    let header = read_header(path)?;
    let src = fs_err::File::open(path).map_err(|source| Error::Read { path: path.to_path_buf(), source })?;
    let dst = fs_err::File::create(copy).map_err(|source| Error::Read { path: copy.to_path_buf(), source })?;
    Ok((header, src, dst))
}

fn read_header(path: &Path) -> Result<Header> {
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
    let file_version = version.split_once(':').map_or(version, |(_, v)| v);
    let canonical = format!("{package}_{file_version}_{arch}.deb");
    Ok(Header { para, canonical })
}

/// `amd64`, `all`, `linux-any`: lowercase letters, digits and `-`.
pub fn valid_architecture(arch: &str) -> bool {
    !arch.is_empty() && arch.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}
