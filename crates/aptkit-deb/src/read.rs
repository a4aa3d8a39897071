use std::io::Read;
use std::path::{Path, PathBuf};

use aptkit_compress::decompress::{self, Codec, OutputLimitExceeded};
use md5::{Digest, Md5};

use crate::{Error, Result};

/// The most a control member may expand to. dpkg caps nothing, but it is
/// read into memory whole, and real ones hold a few KiB (the md5sums of the
/// very largest packages, a few MiB): 64 MiB is far past any real package
/// and refuses a compression bomb before it fills memory.
pub const MAX_CONTROL_SIZE: u64 = 64 << 20;

/// The compressions dpkg-deb reads in each member (its lzma, long
/// deprecated, aside).
const CONTROL_CODECS: &[Codec] = &[Codec::Plain, Codec::Gzip, Codec::Xz, Codec::Zstd];
const DATA_CODECS: &[Codec] = &[Codec::Plain, Codec::Gzip, Codec::Xz, Codec::Zstd, Codec::Bzip2];

/// One file of `control.tar`.
#[derive(Debug, Clone)]
pub struct ControlMember {
    /// Name without `./` (`control`, `postinst`).
    pub name: String,
    pub mode: u32,
    pub contents: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataKind {
    Dir,
    File,
    Symlink(String),
    Hardlink(String),
    Other(u8),
}

/// One entry of `data.tar`, as stored.
#[derive(Debug, Clone)]
pub struct DataEntry {
    /// The stored name, e.g. `./usr/bin/hello` or `./usr/`.
    pub name: String,
    pub kind: DataKind,
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    pub user: String,
    pub group: String,
    pub size: u64,
    pub mtime: u64,
    /// MD5 of a regular file's content.
    pub md5: Option<[u8; 16]>,
}

/// A parsed `.deb`: its members' names and sizes, control files and data
/// listing. The data member is streamed, never held in memory whole.
#[derive(Debug)]
pub struct DebReader {
    pub path: PathBuf,
    pub total_size: u64,
    pub control_member_name: String,
    pub control_member_size: u64,
    pub data_member_name: String,
    pub data_member_size: u64,
    pub control: Vec<ControlMember>,
    pub data: Vec<DataEntry>,
}

impl DebReader {
    /// Read the whole archive: control files and the data listing (every
    /// data file is streamed once to compute its MD5).
    pub fn open(path: &Path) -> Result<Self> {
        Self::read(path, DataMode::Hashed)
    }

    /// The paths of every file and symlink in the package (`usr/bin/hello`,
    /// no `./`), without hashing their contents: what Contents indices list.
    pub fn file_list(path: &Path) -> Result<Vec<String>> {
        let deb = Self::read(path, DataMode::Listed)?;
        Ok(deb
            .data
            .into_iter()
            .filter(|e| !matches!(e.kind, DataKind::Dir))
            .map(|e| e.name.trim_start_matches("./").to_string())
            .filter(|n| !n.is_empty())
            .collect())
    }

    /// The control files of a .deb from its first bytes, as they stream past
    /// (the control member comes before the data): `None` while `head` ends
    /// before the data member's header, unless `complete` (the whole file),
    /// when that is an error. `path` names the file in errors.
    pub fn head(head: &[u8], complete: bool, path: &Path) -> Result<Option<DebHead>> {
        let mut input = HeadReader { rest: head, ran_out: false };
        match Self::read_from(&mut input, path, head.len() as u64, DataMode::Skipped) {
            Ok(deb) => {
                let data_start = (head.len() - input.rest.len()) as u64;
                Ok(Some(DebHead { control: deb.control, data_end: data_start + deb.data_member_size }))
            }
            Err(_) if input.ran_out && !complete => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn read(path: &Path, mode: DataMode) -> Result<Self> {
        let read_err = |source| Error::ReadDeb { path: path.to_path_buf(), source };
        let file = fs_err::File::open(path).map_err(read_err)?;
        let total_size = file.metadata().map_err(read_err)?.len();
        Self::read_from(std::io::BufReader::new(file), path, total_size, mode)
    }

    fn read_from(input: impl Read, path: &Path, total_size: u64, mode: DataMode) -> Result<Self> {
        let read_err = |source| Error::ReadDeb { path: path.to_path_buf(), source };
        let malformed = |reason: String| Error::Malformed { path: path.to_path_buf(), reason };
        let mut archive = ar::Archive::new(input);

        let (name, mut entry) = next_member(&mut archive, "debian-binary", path)?;
        if name != "debian-binary" {
            return Err(malformed(format!("first member is `{name}`, not `debian-binary`")));
        }
        let mut version = String::new();
        entry.read_to_string(&mut version).map_err(read_err)?;
        if !version.starts_with("2.") {
            return Err(malformed(format!("unsupported format version `{}`", version.trim())));
        }
        drop(entry);

        let (control_member_name, entry) = next_member(&mut archive, "control.tar", path)?;
        let control_member_size = entry.header().size();
        let codec = member_codec(&control_member_name, "control.tar", CONTROL_CODECS).map_err(malformed)?;
        let control = read_control(decompress::decoder(codec, entry, MAX_CONTROL_SIZE).map_err(read_err)?)
            .map_err(|e| member_error(path, &control_member_name, e))?;

        let (data_member_name, entry) = next_member(&mut archive, "data.tar", path)?;
        let data_member_size = entry.header().size();
        let codec = member_codec(&data_member_name, "data.tar", DATA_CODECS).map_err(malformed)?;
        let data = match mode {
            DataMode::Skipped => {
                // ar's Entry reads itself to the end when dropped: skipping
                // the data member must not read it (the entry owns no memory).
                std::mem::forget(entry);
                Vec::new()
            }
            // No limit: the data member is streamed, never held.
            _ => read_data(decompress::decoder(codec, entry, u64::MAX).map_err(read_err)?, mode == DataMode::Hashed)
                .map_err(|e| member_error(path, &data_member_name, e))?,
        };

        Ok(DebReader {
            path: path.to_path_buf(),
            total_size,
            control_member_name,
            control_member_size,
            data_member_name,
            data_member_size,
            control,
            data,
        })
    }

    pub fn control_file(&self, name: &str) -> Option<&ControlMember> {
        self.control.iter().find(|m| m.name == name)
    }
}

/// What the first bytes of a .deb tell ([`DebReader::head`]).
#[derive(Debug)]
pub struct DebHead {
    pub control: Vec<ControlMember>,
    /// Where the data member ends: a shorter file was cut short.
    pub data_end: u64,
}

impl DebHead {
    pub fn control_file(&self, name: &str) -> Option<&ControlMember> {
        self.control.iter().find(|m| m.name == name)
    }
}

/// A slice as a reader that remembers whether anyone read past its end.
struct HeadReader<'a> {
    rest: &'a [u8],
    ran_out: bool,
}

impl Read for HeadReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.rest.is_empty() && !buf.is_empty() {
            self.ran_out = true;
        }
        self.rest.read(buf)
    }
}

fn next_member<'a, R: Read>(
    archive: &'a mut ar::Archive<R>,
    what: &str,
    path: &Path,
) -> Result<(String, ar::Entry<'a, R>)> {
    let malformed = |reason: String| Error::Malformed { path: path.to_path_buf(), reason };
    let entry = archive
        .next_entry()
        .ok_or_else(|| malformed(format!("missing the {what} member")))?
        .map_err(|e| malformed(format!("bad ar archive: {e}")))?;
    let name = String::from_utf8_lossy(entry.header().identifier()).trim_end_matches('/').to_string();
    Ok((name, entry))
}

fn member_codec(name: &str, prefix: &str, supported: &[Codec]) -> std::result::Result<Codec, String> {
    if !name.starts_with(prefix) {
        return Err(format!("expected a `{prefix}.*` member, found `{name}`"));
    }
    match Codec::split_extension(name) {
        (base, codec) if base == prefix && supported.contains(&codec) => Ok(codec),
        _ => Err(format!("unsupported compression in member `{name}`")),
    }
}

/// A member that cannot be read: too large once decompressed, or malformed.
fn member_error(path: &Path, member: &str, e: std::io::Error) -> Error {
    match OutputLimitExceeded::in_error(&e) {
        Some(exceeded) => {
            Error::MemberTooLarge { path: path.to_path_buf(), member: member.to_string(), limit: exceeded.max_output }
        }
        None => Error::Malformed { path: path.to_path_buf(), reason: format!("bad {member}: {e}") },
    }
}

fn read_control(input: impl Read) -> std::io::Result<Vec<ControlMember>> {
    let mut members = Vec::new();
    let mut archive = tar::Archive::new(input);
    for entry in archive.entries()? {
        let mut entry = entry?;
        if entry.header().entry_type() != tar::EntryType::Regular {
            continue;
        }
        let name = String::from_utf8_lossy(&entry.path_bytes()).trim_start_matches("./").to_string();
        let mode = entry.header().mode()?;
        let mut contents = Vec::new();
        entry.read_to_end(&mut contents)?;
        members.push(ControlMember { name, mode, contents });
    }
    Ok(members)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DataMode {
    Skipped,
    Listed,
    Hashed,
}

fn read_data(input: impl Read, hash: bool) -> std::io::Result<Vec<DataEntry>> {
    let mut entries = Vec::new();
    let mut archive = tar::Archive::new(input);
    let mut buf = vec![0u8; 256 * 1024];
    for entry in archive.entries()? {
        let mut entry = entry?;
        let header = entry.header().clone();
        let link = || entry_link(&header);
        let kind = match header.entry_type() {
            tar::EntryType::Directory => DataKind::Dir,
            tar::EntryType::Regular | tar::EntryType::Continuous => DataKind::File,
            tar::EntryType::Symlink => DataKind::Symlink(link()),
            tar::EntryType::Link => DataKind::Hardlink(link()),
            other => DataKind::Other(other.as_byte()),
        };
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let link_name = entry.link_name_bytes().map(|b| String::from_utf8_lossy(&b).into_owned());
        let kind = match (kind, link_name) {
            (DataKind::Symlink(_), Some(l)) => DataKind::Symlink(l),
            (DataKind::Hardlink(_), Some(l)) => DataKind::Hardlink(l),
            (k, _) => k,
        };
        let md5 = if hash && kind == DataKind::File {
            let mut hasher = Md5::new();
            loop {
                let n = entry.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                hasher.update(&buf[..n]);
            }
            Some(hasher.finalize().into())
        } else {
            None
        };
        entries.push(DataEntry {
            name,
            kind,
            mode: header.mode()?,
            uid: header.uid()?,
            gid: header.gid()?,
            user: header.username().ok().flatten().unwrap_or("").to_string(),
            group: header.groupname().ok().flatten().unwrap_or("").to_string(),
            size: header.size()?,
            mtime: header.mtime()?,
            md5,
        });
    }
    Ok(entries)
}

fn entry_link(header: &tar::Header) -> String {
    header.link_name_bytes().map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default()
}
