//! What a finished build hands to the cache, and its record in a manifest.

use std::io::Read;
use std::path::{Path, PathBuf};

use aptkit_deb::DebReader;

use super::error::{Error, Result};
use super::manifest::{check_file_name, FileRecord, PackageId};
use super::tree::sha256_file;

/// The files of a successful build.
#[derive(Debug, Clone)]
pub struct Products {
    /// The .debs (and any other file the build made: .ddeb, .buildinfo…).
    pub files: Vec<PathBuf>,
    /// The build's log.
    pub log: PathBuf,
}

/// Who stored an entry, and when: recorded in its manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    /// Seconds since the epoch (the caller's clock, so tests can fix it).
    pub created: i64,
    /// The runner's host name, when known.
    pub runner: Option<String>,
}

/// The record of one local file: its name, size, SHA-256 and, for a
/// `.deb`, `.udeb` or `.ddeb`, its package, version and architecture.
pub(crate) fn record(path: &Path) -> Result<FileRecord> {
    let name_err = |reason: String| Error::ProductName { path: path.to_path_buf(), reason };
    let file_name = path.file_name().ok_or_else(|| name_err("no file name".into()))?;
    let file_name = file_name.to_str().ok_or_else(|| name_err("not UTF-8".into()))?.to_string();
    check_file_name(&file_name).map_err(|reason| name_err(reason.to_string()))?;
    let read_err = |source| Error::ReadProduct { path: path.to_path_buf(), source };
    let size = std::fs::metadata(path).map_err(read_err)?.len();
    let sha256 = sha256_file(path).map_err(|e| match e {
        Error::ReadTree { source, .. } => read_err(source),
        other => other,
    })?;
    let is_deb = [".deb", ".udeb", ".ddeb"].iter().any(|ext| file_name.ends_with(ext));
    let package = if is_deb { Some(package_id(path)?) } else { None };
    Ok(FileRecord { file_name, size, sha256, package })
}

/// Package, version and architecture from the control member, which comes
/// before the data: only as much of the file is read as it takes.
fn package_id(path: &Path) -> Result<PackageId> {
    let read_err = |source| Error::ReadProduct { path: path.to_path_buf(), source };
    let deb_err = |source| Error::Deb { path: path.to_path_buf(), source };
    let malformed =
        |reason: &str| deb_err(aptkit_deb::Error::Malformed { path: path.to_path_buf(), reason: reason.into() });
    let mut file = std::fs::File::open(path).map_err(read_err)?;
    let mut head = Vec::new();
    let mut want = 64 << 10;
    let control = loop {
        let got = (&mut file).take(want - head.len() as u64).read_to_end(&mut head).map_err(read_err)?;
        let complete = (head.len() as u64) < want || got == 0;
        if let Some(deb) = DebReader::head(&head, complete, path).map_err(deb_err)? {
            break deb.control_file("control").map(|c| c.contents.clone());
        }
        if want > 2 * aptkit_deb::MAX_CONTROL_SIZE {
            return Err(malformed("its control member is larger than any real one"));
        }
        want *= 2;
    };
    let control = control.ok_or_else(|| malformed("no `control` file in control.tar"))?;
    let text = String::from_utf8(control).map_err(|_| malformed("the control file is not UTF-8"))?;
    let paragraphs = aptkit_control::parse_paragraphs(&text).map_err(|e| malformed(&e.to_string()))?;
    let paragraph = paragraphs.first().ok_or_else(|| malformed("the control file is empty"))?;
    let field = |name: &str| {
        paragraph.get(name).map(|v| v.trim().to_string()).ok_or_else(|| malformed(&format!("no `{name}` field")))
    };
    Ok(PackageId { package: field("Package")?, version: field("Version")?, architecture: field("Architecture")? })
}
