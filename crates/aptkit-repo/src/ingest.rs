//! Reading .deb files into package records and the state store's pool.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::package_set::PackageRecord;
use crate::{Error, Result};
use aptkit_control::parse_paragraphs;
use aptkit_deb::DebReader;
use aptkit_index::{package_stanza, FileDigests};
use sha2::{Digest, Sha256};

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

/// How `repo add` takes in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intake {
    /// Copy it: the caller's file stays theirs.
    Copy,
    /// Take the file itself (the caller removes the original once the add
    /// is committed): a hard link, so nothing is copied, where the file is
    /// a regular file with no other name, on the state store's filesystem.
    /// Otherwise it is copied.
    Move,
}

/// A package read from a .deb: its record, and a private copy (or link) of
/// the file whose bytes are exactly the ones hashed for the record.
pub struct Staged {
    pub record: PackageRecord,
    pub copy: PathBuf,
    /// `copy` is a link to the caller's file ([`Intake::Move`]), not a copy.
    pub linked: bool,
}

/// Copy each .deb into `staging` while hashing it (or link it there and
/// hash it, see [`Intake::Move`]), and read its control file from the same
/// bytes as they pass: every byte is read once, in parallel. The staged
/// file, not the caller's name for it, is what gets stored, so a file
/// changed mid-add cannot be stored under another file's hash or described
/// by another file's control. Writes nothing else: the caller checks for
/// conflicts first.
///
/// Files are hashed side by side ([`aptkit_index::md5_side_by_side`]):
/// MD5 runs in SIMD lanes across files, not one file at a time.
pub fn read_all(
    debs: &[PathBuf],
    staging: &Path,
    intake: Intake,
    on_done: &(dyn Fn(&Path, u64) + Sync),
) -> Result<Vec<Staged>> {
    aptkit_index::md5_side_by_side(debs.len(), |i| {
        let copy = staging.join(format!("{i}.deb"));
        let read_err = |source| Error::Read { path: debs[i].clone(), source };
        let (src, dst) = if intake == Intake::Move && link_sole_name(&debs[i], &copy) {
            // The staged link is the file now: read it, not the caller's name.
            (fs_err::File::open(&copy).map_err(read_err)?, None)
        } else {
            let src = fs_err::File::open(&debs[i]).map_err(read_err)?;
            let dst = fs_err::File::create(&copy).map_err(|source| Error::Read { path: copy.clone(), source })?;
            // The blob is linked into the publish store, which a web server
            // reads: readable by all whatever the umask.
            dst.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(aptkit_store::SERVED_FILE_MODE))
                .map_err(|source| Error::Read { path: copy.clone(), source })?;
            (src, Some(dst))
        };
        Ok(Copying {
            path: &debs[i],
            header: None,
            head: Vec::new(),
            tried: 0,
            src,
            dst,
            copy,
            sha256: Sha256::new(),
            on_done,
        })
    })
    .into_iter()
    .collect()
}

/// Hard-link `path` to `link` if `path` is a regular file whose only name
/// is `path` (another name could rewrite the stored bytes later), readable
/// by all and writable by its owner only (its mode becomes the published
/// pool file's; a failed add must not have changed it). False, with nothing
/// left behind, when it is not, or cannot be linked (another filesystem).
fn link_sole_name(path: &Path, link: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let servable = |mode: u32| mode & 0o444 == 0o444 && mode & 0o022 == 0;
    let sole = |p: &Path, names: u64| {
        std::fs::symlink_metadata(p).is_ok_and(|m| m.is_file() && m.nlink() == names && servable(m.mode()))
    };
    if !sole(path, 1) || std::fs::hard_link(path, link).is_err() {
        return false;
    }
    // Checked again through the link: the name may have changed meanwhile.
    if sole(link, 2) {
        return true;
    }
    let _ = std::fs::remove_file(link);
    false
}

/// One .deb being hashed: MD5 by the side-by-side engine, SHA-256, the
/// control file and the copy (if it is copied) here.
struct Copying<'a> {
    path: &'a Path,
    /// Read from the first bytes; `head` holds them until it can be.
    header: Option<Header>,
    head: Vec<u8>,
    /// How many bytes the last try at the header had.
    tried: usize,
    src: fs_err::File,
    dst: Option<fs_err::File>,
    copy: PathBuf,
    sha256: Sha256,
    on_done: &'a (dyn Fn(&Path, u64) + Sync),
}

/// A control member that has not ended this far into the file is not one.
const HEAD_LIMIT: usize = 64 << 20;

impl Copying<'_> {
    /// Read the header once the bytes seen so far hold the control member
    /// (almost always within the first chunk), or all bytes are seen.
    fn see(&mut self, chunk: &[u8], complete: bool) -> Result<()> {
        if self.header.is_some() {
            return Ok(());
        }
        let seen = self.head.len() + chunk.len();
        // Tried again only once the bytes seen doubled: no quadratic parsing.
        let header = if !complete && seen < 2 * self.tried {
            None
        } else if self.head.is_empty() {
            read_header(chunk, complete, self.path)?
        } else {
            self.head.extend_from_slice(chunk);
            read_header(&self.head, complete, self.path)?
        };
        if header.is_some() {
            self.header = header;
            self.head = Vec::new();
            return Ok(());
        }
        if self.head.len() < seen {
            self.head.extend_from_slice(chunk);
        }
        self.tried = self.tried.max(seen).max(1);
        if seen > HEAD_LIMIT {
            return Err(Error::BadControl {
                path: self.path.to_path_buf(),
                reason: format!("no control member in the first {} MiB", HEAD_LIMIT >> 20),
            });
        }
        Ok(())
    }
}

impl aptkit_index::Lane for Copying<'_> {
    type Output = Staged;
    type Error = Error;

    fn read(&mut self, buf: &mut [u8]) -> Result<usize> {
        self.src.read(buf).map_err(|source| Error::Read { path: self.path.to_path_buf(), source })
    }

    fn take(&mut self, chunk: &[u8]) -> Result<()> {
        self.see(chunk, false)?;
        self.sha256.update(chunk);
        match &mut self.dst {
            Some(dst) => dst.write_all(chunk).map_err(|source| Error::Read { path: self.copy.clone(), source }),
            None => Ok(()),
        }
    }

    fn finish(mut self, md5: [u8; 16], size: u64) -> Result<Staged> {
        self.see(&[], true)?;
        let header = self.header.expect("a complete file yields a header or an error");
        if size < header.data_end {
            let reason = format!("truncated: {size} bytes, but its data member ends at byte {}", header.data_end);
            return Err(Error::BadDeb {
                path: self.path.to_path_buf(),
                source: aptkit_deb::Error::Malformed { path: self.path.to_path_buf(), reason },
            });
        }
        let digests = FileDigests { size, md5, sha256: self.sha256.finalize().into() };
        let record = PackageRecord::from_paragraph(&package_stanza(&header.para, &header.canonical, &digests));
        (self.on_done)(self.path, size);
        Ok(Staged { record, linked: self.dst.is_none(), copy: self.copy })
    }
}

/// A checked control paragraph, and the file name apt will know it by.
struct Header {
    para: aptkit_control::Paragraph,
    canonical: String,
    /// Where the file must run to ([`aptkit_deb::DebHead::data_end`]).
    data_end: u64,
}

/// The header of the .deb at `path` from its first bytes, `head`: `None`
/// if they end before its control member does (and are not the whole file).
fn read_header(head: &[u8], complete: bool, path: &Path) -> Result<Option<Header>> {
    let bad_control = |reason: String| Error::BadControl { path: path.to_path_buf(), reason };
    let deb =
        DebReader::head(head, complete, path).map_err(|source| Error::BadDeb { path: path.to_path_buf(), source })?;
    let Some(deb) = deb else { return Ok(None) };
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
    Ok(Some(Header { para, canonical, data_end: deb.data_end }))
}

/// `amd64`, `all`, `linux-any`: lowercase letters, digits and `-`.
pub fn valid_architecture(arch: &str) -> bool {
    !arch.is_empty() && arch.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}
