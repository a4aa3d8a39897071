use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use md5::{Digest, Md5};
use tempfile::NamedTempFile;

use crate::tree::{FileSource, Node, Tree, TreeEntry, TreePath};
use crate::{Compression, Error, Result};

/// A member of `control.tar`: `control`, `md5sums`, `postinst`, …
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlFile {
    pub name: String,
    pub contents: Vec<u8>,
    /// Maintainer scripts are 0755, everything else 0644.
    pub executable: bool,
}

/// A finished, compressed `data.tar` waiting in a temporary file for its
/// control member to be written.
pub struct DataArchive {
    file: NamedTempFile,
    compressed_size: u64,
    /// `(path, md5)` for every regular file, in archive order.
    pub md5sums: Vec<(TreePath, [u8; 16])>,
}

impl DataArchive {
    /// The `md5sums` control file: `<hex>  <path without leading slash>`.
    pub fn md5sums_file(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for (path, digest) in &self.md5sums {
            out.extend_from_slice(hex::encode(digest).as_bytes());
            out.extend_from_slice(b"  ");
            out.extend_from_slice(path.as_str().as_bytes());
            out.push(b'\n');
        }
        out
    }

    pub fn compressed_size(&self) -> u64 {
        self.compressed_size
    }
}

/// A complete `.deb` in a temporary file, waiting to be renamed into place.
pub struct PendingDeb {
    temp: NamedTempFile,
    size: u64,
}

impl PendingDeb {
    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn path(&self) -> &Path {
        self.temp.path()
    }

    /// Rename to `out`: atomic on the same filesystem, so readers see the
    /// old file or the whole new one. Like dpkg-deb, no fsync: a build is
    /// rerun after a power loss, and syncing costs as much as zstd itself.
    pub fn persist(self, out: &Path) -> Result<()> {
        let write_err = |source| Error::WriteOutput { path: out.to_path_buf(), source };
        self.temp.persist(out).map_err(|e| write_err(e.error))?;
        Ok(())
    }
}

/// Called with the number of payload bytes just read, for progress bars.
pub type ProgressFn = std::sync::Arc<dyn Fn(u64) + Send + Sync>;

/// Writes reproducible `.deb` files.
#[derive(Clone)]
pub struct DebWriter {
    pub compression: Compression,
    /// Compression threads (xz, zstd); 1 for single-threaded.
    pub threads: u32,
    /// Upper bound for every mtime written, ar headers included.
    pub source_date_epoch: u64,
    pub progress: Option<ProgressFn>,
}

const TAR_BLOCK: usize = 512;

impl DebWriter {
    /// Stream `tree` into a compressed `data.tar` in a temporary file under
    /// `tmp_dir`, hashing every regular file on the way. `arch` is the
    /// package's architecture (it selects the xz filters).
    pub fn write_data(&self, tree: &Tree, arch: &str, tmp_dir: &Path) -> Result<DataArchive> {
        let temp = NamedTempFile::new_in(tmp_dir)
            .map_err(|source| Error::WriteOutput { path: tmp_dir.to_path_buf(), source })?;
        let out = BufWriter::with_capacity(
            1 << 20,
            temp.as_file()
                .try_clone()
                .map_err(|source| Error::WriteOutput { path: temp.path().to_path_buf(), source })?,
        );
        let compress_err = |source| Error::Compress { member: "data", source };
        let mut encoder = self.compression.encoder(out, self.threads, arch).map_err(compress_err)?;
        let mut md5sums = Vec::new();
        {
            // dpkg-deb writes symlinks after everything else so that a link
            // never precedes its target on extraction.
            let (links, others): (Vec<_>, Vec<_>) =
                tree.iter().partition(|(_, e)| matches!(e.node, Node::Symlink { .. }));
            let on_disk: Vec<PathBuf> = others
                .iter()
                .filter_map(|(_, e)| match &e.node {
                    Node::File { source: FileSource::Path(p), .. } => Some(p.clone()),
                    _ => None,
                })
                .collect();
            let mut prehashed = crate::prehash::md5_files(&on_disk).into_iter();
            let mut tar = TarWriter {
                out: &mut encoder,
                epoch: self.source_date_epoch,
                progress: self.progress.as_ref(),
                prehashed: &mut prehashed,
            };
            for (path, entry) in others.into_iter().chain(links) {
                if let Some(digest) = tar.append(path, entry)? {
                    md5sums.push((path.clone(), digest));
                }
            }
            tar.finish().map_err(compress_err)?;
        }
        let mut out = encoder.finish().map_err(compress_err)?;
        out.flush().map_err(compress_err)?;
        drop(out);
        let compressed_size = temp
            .as_file()
            .metadata()
            .map_err(|source| Error::WriteOutput { path: temp.path().to_path_buf(), source })?
            .len();
        Ok(DataArchive { file: temp, compressed_size, md5sums })
    }

    /// Build the compressed `control.tar` from `files` (sorted by name).
    pub fn control_tar(&self, files: &[ControlFile]) -> Result<Vec<u8>> {
        let compress_err = |source| Error::Compress { member: "control", source };
        let mut encoder = self.compression.encoder(Vec::new(), 1, "all").map_err(compress_err)?;
        {
            let mut tar = TarWriter {
                out: &mut encoder,
                epoch: self.source_date_epoch,
                progress: None,
                prehashed: &mut std::iter::empty(),
            };
            let root = TreeEntry { node: Node::Dir, mode: 0o755, mtime: self.source_date_epoch };
            tar.append(&TreePath::root(), &root)?;
            let mut sorted: Vec<&ControlFile> = files.iter().collect();
            sorted.sort_by(|a, b| a.name.cmp(&b.name));
            for file in sorted {
                let path = TreePath::new(&file.name)?;
                let entry = TreeEntry {
                    node: Node::File {
                        source: FileSource::Bytes(file.contents.as_slice().into()),
                        size: file.contents.len() as u64,
                    },
                    mode: if file.executable { 0o755 } else { 0o644 },
                    mtime: self.source_date_epoch,
                };
                tar.append(&path, &entry)?;
            }
            tar.finish().map_err(compress_err)?;
        }
        encoder.finish().map_err(compress_err)
    }

    /// Assemble `debian-binary`, `control.tar.*` and `data.tar.*` into a
    /// temporary file in `dir`. Nothing appears under a final name until
    /// [`PendingDeb::persist`]; a dropped `PendingDeb` leaves no trace.
    pub fn assemble(&self, control_tar: &[u8], data: DataArchive, dir: &Path) -> Result<PendingDeb> {
        let write_err = |source| Error::WriteOutput { path: dir.to_path_buf(), source };
        // 0644 like dpkg-deb's output, not the 0600 of temporary files.
        let temp = tempfile::Builder::new()
            .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644))
            .prefix(".aptkit-")
            .suffix(".deb.tmp")
            .tempfile_in(dir)
            .map_err(write_err)?;
        let write_err = |source| Error::WriteOutput { path: temp.path().to_path_buf(), source };
        {
            let mut ar = ar::Builder::new(BufWriter::new(temp.as_file()));
            let ext = self.compression.extension();
            self.ar_member(&mut ar, "debian-binary", b"2.0\n".len() as u64, &b"2.0\n"[..]).map_err(write_err)?;
            self.ar_member(&mut ar, &format!("control.tar{ext}"), control_tar.len() as u64, control_tar)
                .map_err(write_err)?;
            let mut data_file = data.file.reopen().map_err(write_err)?;
            self.ar_member(&mut ar, &format!("data.tar{ext}"), data.compressed_size, &mut data_file)
                .map_err(write_err)?;
            ar.into_inner().map_err(write_err)?.flush().map_err(write_err)?;
        }
        let size = temp.as_file().metadata().map_err(write_err)?.len();
        Ok(PendingDeb { temp, size })
    }

    fn ar_member<W: Write, R: Read>(&self, ar: &mut ar::Builder<W>, name: &str, size: u64, data: R) -> io::Result<()> {
        let mut header = ar::Header::new(name.as_bytes().to_vec(), size);
        header.set_mtime(self.source_date_epoch);
        header.set_uid(0);
        header.set_gid(0);
        header.set_mode(0o100644);
        ar.append(&header, data)
    }
}

/// A GNU-format tar writer that sets every header field itself, so names
/// keep dpkg-deb's `./` prefix (the `tar` crate's path helpers strip it).
struct TarWriter<'a, W: Write> {
    out: &'a mut W,
    epoch: u64,
    progress: Option<&'a ProgressFn>,
    /// MD5s of the files read from disk, in archive order.
    prehashed: &'a mut dyn Iterator<Item = Result<crate::prehash::Prehashed>>,
}

impl<W: Write> TarWriter<'_, W> {
    /// Append one entry; returns the MD5 of a regular file's content.
    fn append(&mut self, path: &TreePath, entry: &TreeEntry) -> Result<Option<[u8; 16]>> {
        let write_err = |source| Error::Compress { member: "data", source };
        let mut header = tar::Header::new_gnu();
        header.set_mtime(entry.mtime.min(self.epoch));
        header.set_uid(0);
        header.set_gid(0);
        header.set_username("root").map_err(write_err)?;
        header.set_groupname("root").map_err(write_err)?;
        header.set_mode(entry.mode & 0o7777);
        let name = path.tar_name(matches!(entry.node, Node::Dir));
        match &entry.node {
            Node::Dir => {
                header.set_entry_type(tar::EntryType::Directory);
                header.set_size(0);
                self.write_header(&mut header, &name, None).map_err(write_err)?;
                Ok(None)
            }
            Node::Symlink { target } => {
                header.set_entry_type(tar::EntryType::Symlink);
                header.set_size(0);
                self.write_header(&mut header, &name, Some(target)).map_err(write_err)?;
                Ok(None)
            }
            Node::File { source, size } => {
                header.set_entry_type(tar::EntryType::Regular);
                header.set_size(*size);
                self.write_header(&mut header, &name, None).map_err(write_err)?;
                let digest = match source {
                    FileSource::Bytes(bytes) => {
                        self.out.write_all(bytes).map_err(write_err)?;
                        Md5::digest(bytes).into()
                    }
                    FileSource::Path(p) => {
                        let hashed = self.prehashed.next().expect("every file on disk was prehashed")?;
                        self.copy_file(p, *size, &hashed)?
                    }
                };
                self.pad(*size).map_err(write_err)?;
                Ok(Some(digest))
            }
        }
    }

    /// Copy a file's bytes into the archive, checking that it is still the
    /// file `hashed` describes (same size, same mtime) after the copy.
    fn copy_file(&mut self, path: &Path, size: u64, hashed: &crate::prehash::Prehashed) -> Result<[u8; 16]> {
        let read_err = |source| Error::ReadInput { path: path.to_path_buf(), source };
        let mut file = fs_err::File::open(path).map_err(read_err)?;
        let mut buf = vec![0u8; 256 * 1024];
        let mut copied = 0u64;
        loop {
            let n = file.read(&mut buf).map_err(read_err)?;
            if n == 0 {
                break;
            }
            copied += n as u64;
            if copied > size {
                break;
            }
            self.out.write_all(&buf[..n]).map_err(|source| Error::Compress { member: "data", source })?;
            if let Some(progress) = self.progress {
                progress(n as u64);
            }
        }
        let meta = file.metadata().map_err(read_err)?;
        if copied != size || hashed.len != size || !hashed.unchanged(&meta) {
            let found = if copied != size { copied } else { meta.len() };
            return Err(Error::InputChanged { path: path.to_path_buf(), expected: size, found });
        }
        Ok(hashed.md5)
    }

    fn write_header(&mut self, header: &mut tar::Header, name: &str, link: Option<&str>) -> io::Result<()> {
        if let Some(target) = link {
            if target.len() > 100 {
                self.long_name(b'K', target)?;
            }
            let slot = &mut header.as_old_mut().linkname;
            let n = target.len().min(slot.len());
            slot[..n].copy_from_slice(&target.as_bytes()[..n]);
        }
        if name.len() > 100 {
            self.long_name(b'L', name)?;
        }
        let slot = &mut header.as_old_mut().name;
        let n = name.len().min(slot.len());
        slot[..n].copy_from_slice(&name.as_bytes()[..n]);
        header.set_cksum();
        self.out.write_all(header.as_bytes())
    }

    /// GNU long name (`L`) or long link (`K`) pseudo-entry, as GNU tar writes.
    fn long_name(&mut self, kind: u8, value: &str) -> io::Result<()> {
        let mut header = tar::Header::new_gnu();
        let slot = &mut header.as_old_mut().name;
        slot[..13].copy_from_slice(b"././@LongLink");
        header.set_mode(0o644);
        header.set_uid(0);
        header.set_gid(0);
        header.set_mtime(0);
        header.set_username("root")?;
        header.set_groupname("root")?;
        header.set_size(value.len() as u64 + 1);
        header.set_entry_type(tar::EntryType::new(kind));
        header.set_cksum();
        self.out.write_all(header.as_bytes())?;
        self.out.write_all(value.as_bytes())?;
        self.out.write_all(&[0])?;
        self.pad(value.len() as u64 + 1)
    }

    fn pad(&mut self, size: u64) -> io::Result<()> {
        let rem = (size % TAR_BLOCK as u64) as usize;
        if rem != 0 {
            self.out.write_all(&[0u8; TAR_BLOCK][..TAR_BLOCK - rem])?;
        }
        Ok(())
    }

    /// Two zero blocks end the archive.
    fn finish(&mut self) -> io::Result<()> {
        self.out.write_all(&[0u8; 2 * TAR_BLOCK])
    }
}
