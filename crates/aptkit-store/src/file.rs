use std::io::{Read, Write};

use sha2::Digest;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::{validate_key, Body, Caching, ETag, Error, ObjectMeta, Result, Store, Written};

/// A store in a local directory: the embedded default.
///
/// Every write goes to a temporary file in the target directory first, so
/// readers only ever see whole objects. Put-if-absent publishes with
/// `link(2)`, which fails atomically if the name exists; compare-and-swap
/// holds an exclusive `flock(2)` on a lock file while it checks and renames.
/// The ETag of a small object (refs documents: what compare-and-swap is
/// used on) is the SHA-256 of its content, so it can never come back after
/// other writes the way inode, mtime and size can (ext4 reuses inodes and
/// its clock is coarse). Larger objects, which are immutable, use inode,
/// mtime and size, so that listing a pool reads no file.
#[derive(Debug, Clone)]
pub struct FileStore {
    root: PathBuf,
}

/// Objects up to this size get content-hash ETags.
const CONTENT_ETAG_LIMIT: u64 = 64 << 10;

/// Names starting with this are the store's own (temporaries, lock file).
const INTERNAL_PREFIX: &str = ".aptkit-";
/// The compare-and-swap lock, at the root.
const LOCK_FILE: &str = ".aptkit-lock";
/// Where callers stage files (see [`Store::staging_dir`]), at the root.
const STAGING: &str = ".aptkit-staging";

impl FileStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        FileStore { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path(&self, key: &str) -> Result<PathBuf> {
        validate_key(key)?;
        if key.split('/').any(|c| c.starts_with(INTERNAL_PREFIX)) {
            return Err(Error::InvalidKey { key: key.to_string(), reason: "reserved name" });
        }
        Ok(self.root.join(key))
    }

    fn io_err(&self, op: &'static str, key: &str) -> impl FnOnce(std::io::Error) -> Error + '_ {
        let key = key.to_string();
        move |source| Error::Io { op, key, location: self.location(), source }
    }

    /// Write `body` to a temporary file beside `path`.
    fn write_temp(&self, key: &str, path: &Path, body: Body<'_>) -> Result<tempfile::NamedTempFile> {
        if matches!(body, Body::Object { .. }) {
            return body.streamed(key, &self.location(), |body| self.write_temp(key, path, body));
        }
        let dir = path.parent().expect("keys have a parent under the root");
        make_dirs(dir).map_err(self.io_err("create directories for", key))?;
        let mut temp =
            tempfile::Builder::new().prefix(".aptkit-tmp-").tempfile_in(dir).map_err(self.io_err("write", key))?;
        // Published files must be readable by the web server whatever the
        // umask: not the 0600 of a temporary file, nor 0640 under umask 027.
        temp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(SERVED_FILE_MODE))
            .map_err(self.io_err("write", key))?;
        match body {
            Body::Bytes(bytes) => temp.write_all(bytes).map_err(self.io_err("write", key))?,
            Body::File(src) | Body::Immutable(src) => {
                // std::fs::File on both ends lets io::copy use copy_file_range(2).
                let mut file = std::fs::File::open(src).map_err(self.io_err("read the source of", key))?;
                std::io::copy(&mut file, temp.as_file_mut()).map_err(self.io_err("write", key))?;
            }
            Body::Reader(reader, size) => {
                let copied = std::io::copy(reader, temp.as_file_mut()).map_err(self.io_err("write", key))?;
                if copied != size {
                    let msg = format!("expected {size} bytes, the source gave {copied}");
                    return Err(self.io_err("write", key)(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, msg)));
                }
            }
            Body::Object { .. } => unreachable!("made a file or a stream above"),
        }
        Ok(temp)
    }

    /// Replace `path` with a hard link to the immutable file `src` (link
    /// to a temporary name, then rename over). `None`: another filesystem.
    fn link_over(&self, key: &str, path: &Path, src: &Path) -> Result<Option<ETag>> {
        // rename(2) of a name onto another name of the same file does
        // nothing and leaves both names: a plain index name that already is
        // its by-hash copy (an unchanged index) is left as it is, or every
        // republish would leave a temporary name behind.
        let same_file = |a: &std::fs::Metadata, b: &std::fs::Metadata| a.dev() == b.dev() && a.ino() == b.ino();
        let source = std::fs::metadata(src).map_err(self.io_err("stat the source of", key))?;
        if let Ok(current) = std::fs::metadata(path) {
            if same_file(&source, &current) {
                return Ok(Some(self.meta(key, &current)?.etag));
            }
        }
        let dir = path.parent().expect("keys have a parent");
        make_dirs(dir).map_err(self.io_err("create directories for", key))?;
        let temp = tempfile::Builder::new().prefix(INTERNAL_PREFIX).make_in(dir, |p| std::fs::hard_link(src, p));
        let Ok(temp) = temp else { return Ok(None) };
        let temp_path = temp.path().to_path_buf();
        temp.persist(path).map_err(|e| self.io_err("write", key)(e.error))?;
        // Another publisher may have linked the same file in between, which
        // makes the rename a no-op: then the temporary name is still there.
        if std::fs::symlink_metadata(&temp_path).is_ok_and(|m| same_file(&source, &m)) {
            fs_err::remove_file(&temp_path).map_err(self.io_err("remove a temporary name beside", key))?;
        }
        let meta = std::fs::metadata(path).map_err(self.io_err("stat", key))?;
        Ok(Some(self.meta(key, &meta)?.etag))
    }

    fn meta(&self, key: &str, meta: &std::fs::Metadata) -> Result<ObjectMeta> {
        let etag = if meta.len() <= CONTENT_ETAG_LIMIT {
            let bytes =
                not_found(std::fs::read(self.root.join(key))).map_err(self.io_err("read", key))?.unwrap_or_default();
            ETag(format!("sha256-{}", hex::encode(sha2::Sha256::digest(&bytes))))
        } else {
            let mtime_ns = meta.mtime() as i128 * 1_000_000_000 + meta.mtime_nsec() as i128;
            ETag(format!("{:x}-{:x}-{:x}", meta.ino(), mtime_ns, meta.len()))
        };
        Ok(ObjectMeta { key: key.to_string(), size: meta.len(), etag, modified: changed(meta) })
    }

    fn lock(&self) -> Result<fs_err::File> {
        make_dirs(&self.root).map_err(self.io_err("create", ""))?;
        let file = fs_err::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.root.join(LOCK_FILE))
            .map_err(self.io_err("open the lock file of", ""))?;
        self.flock(file, "")
    }

    /// The directory of `key` locked, for a compare-and-swap of a file a
    /// publish store serves: no lock file is left among what clients see.
    fn lock_dir_of(&self, key: &str, path: &Path) -> Result<fs_err::File> {
        let dir = path.parent().unwrap_or(&self.root);
        make_dirs(dir).map_err(self.io_err("create directories for", key))?;
        let file = fs_err::File::open(dir).map_err(self.io_err("open the directory of", key))?;
        self.flock(file, key)
    }

    fn flock(&self, file: fs_err::File, key: &str) -> Result<fs_err::File> {
        // SAFETY: flock on a valid, open file descriptor.
        let rc = unsafe { libc::flock(std::os::fd::AsRawFd::as_raw_fd(file.file()), libc::LOCK_EX) };
        if rc != 0 {
            return Err(self.io_err("lock", key)(std::io::Error::last_os_error()));
        }
        Ok(file) // unlocked when closed
    }

    /// Replace `path` with `body` if `key`'s version is `expected`, while
    /// `_lock` is held.
    fn swap_locked(
        &self,
        key: &str,
        path: &Path,
        body: &[u8],
        expected: Option<&ETag>,
        _lock: fs_err::File,
    ) -> Result<Written> {
        let current = self.head(key)?;
        if current.as_ref().map(|m| &m.etag) != expected {
            return Ok(Written::Conflict(current));
        }
        let temp = self.write_temp(key, path, Body::Bytes(body))?;
        temp.persist(path).map_err(|e| self.io_err("write", key)(e.error))?;
        let meta = std::fs::metadata(path).map_err(self.io_err("stat", key))?;
        Ok(Written::Created(self.meta(key, &meta)?.etag))
    }
}

/// Modes of what a store writes, whatever the umask: a web server serves
/// the publish store, and its pool files are links to the state's blobs.
/// (To keep a state store private, make its directory 0700 yourself.)
/// Whatever else writes files to be served (staged blobs, mirrors) uses
/// [`SERVED_FILE_MODE`] and [`make_dirs`] too.
pub const SERVED_FILE_MODE: u32 = 0o644;
const DIR_MODE: u32 = 0o755;

/// `create_dir_all`, with each directory it makes set to 0755 whatever the
/// umask, for trees a web server serves.
pub fn make_dirs(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        make_dirs(parent)?;
    }
    match std::fs::create_dir(dir) {
        Ok(()) => std::fs::set_permissions(dir, std::fs::Permissions::from_mode(DIR_MODE)),
        // Made meanwhile by another writer.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
        Err(e) => Err(std::io::Error::new(e.kind(), format!("{}: {e}", dir.display()))),
    }
}

/// When a file or one of its names last changed: the age gc goes by. Not
/// the mtime alone: a name made by link(2) just now (a pool file placed by
/// a publish, a blob taken in by `--remove-files`) keeps its file's old
/// mtime, while link(2) sets the ctime.
fn changed(meta: &std::fs::Metadata) -> i64 {
    meta.mtime().max(meta.ctime())
}

fn not_found<T>(r: std::io::Result<T>) -> std::io::Result<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

impl Store for FileStore {
    fn location(&self) -> String {
        // Absolute: a URL, and one name for the store from any directory
        // (publication records and verify's rollback state keep it).
        format!("file://{}", std::path::absolute(&self.root).unwrap_or_else(|_| self.root.clone()).display())
    }

    fn get(&self, key: &str) -> Result<Option<(Vec<u8>, ETag)>> {
        let path = self.path(key)?;
        let Some(mut file) = not_found(std::fs::File::open(&path)).map_err(self.io_err("read", key))? else {
            return Ok(None);
        };
        let meta = file.metadata().map_err(self.io_err("read", key))?;
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        file.read_to_end(&mut bytes).map_err(self.io_err("read", key))?;
        let etag = if bytes.len() as u64 <= CONTENT_ETAG_LIMIT {
            ETag(format!("sha256-{}", hex::encode(sha2::Sha256::digest(&bytes))))
        } else {
            self.meta(key, &meta)?.etag
        };
        Ok(Some((bytes, etag)))
    }

    fn get_immutable(&self, key: &str) -> Result<Option<crate::Shared>> {
        let path = self.path(key)?;
        let Some(file) = not_found(std::fs::File::open(&path)).map_err(self.io_err("read", key))? else {
            return Ok(None);
        };
        if file.metadata().map_err(self.io_err("read", key))?.len() == 0 {
            return Ok(Some(Vec::new().into())); // nothing to map
        }
        // SAFETY: a mapping is undefined behaviour if its file changes. This
        // store never writes a file in place (every write is a new file
        // renamed or linked over the name, and a deleted file stays mapped),
        // and the caller promises that nothing else rewrites the object.
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(self.io_err("map", key))?;
        Ok(Some(crate::Shared::mapped(map)))
    }

    fn open(&self, key: &str) -> Result<Option<Box<dyn Read + Send>>> {
        let path = self.path(key)?;
        let file = not_found(std::fs::File::open(&path)).map_err(self.io_err("open", key))?;
        Ok(file.map(|f| Box::new(std::io::BufReader::with_capacity(256 * 1024, f)) as Box<dyn Read + Send>))
    }

    fn open_at(&self, key: &str, offset: u64) -> Result<Option<Box<dyn Read + Send>>> {
        use std::io::{Seek, SeekFrom};
        let path = self.path(key)?;
        let Some(mut file) = not_found(std::fs::File::open(&path)).map_err(self.io_err("open", key))? else {
            return Ok(None);
        };
        file.seek(SeekFrom::Start(offset)).map_err(self.io_err("seek", key))?;
        Ok(Some(Box::new(std::io::BufReader::with_capacity(256 * 1024, file))))
    }

    fn head(&self, key: &str) -> Result<Option<ObjectMeta>> {
        let path = self.path(key)?;
        let meta = not_found(std::fs::metadata(&path)).map_err(self.io_err("stat", key))?;
        meta.filter(|m| m.is_file()).map(|m| self.meta(key, &m)).transpose()
    }

    fn put_if_absent(&self, key: &str, body: Body<'_>, _caching: Caching) -> Result<Written> {
        if matches!(body, Body::Object { .. }) {
            // Another local store's blob is linked, anything else streamed.
            return body.streamed(key, &self.location(), |body| self.put_if_absent(key, body, _caching));
        }
        let path = self.path(key)?;
        if let Body::Immutable(src) = body {
            // link(2) is the existence check; its directory is made only
            // when it is missing (a pool of 20,000 files: no extra stats).
            let mut linked = std::fs::hard_link(src, &path);
            if linked.as_ref().is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound) {
                make_dirs(path.parent().expect("keys have a parent"))
                    .map_err(self.io_err("create directories for", key))?;
                linked = std::fs::hard_link(src, &path);
            }
            match linked {
                Ok(()) => {
                    let meta = std::fs::metadata(&path).map_err(self.io_err("stat", key))?;
                    return Ok(Written::Created(self.meta(key, &meta)?.etag));
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    return Ok(Written::Conflict(self.head(key)?))
                }
                Err(_) => {} // another filesystem: copy below
            }
        }
        if let Some(existing) = self.head(key)? {
            return Ok(Written::Conflict(Some(existing)));
        }
        let temp = self.write_temp(key, &path, body)?;
        match std::fs::hard_link(temp.path(), &path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Ok(Written::Conflict(self.head(key)?)),
            Err(e) => return Err(self.io_err("write", key)(e)),
        }
        drop(temp);
        let meta = std::fs::metadata(&path).map_err(self.io_err("stat", key))?;
        Ok(Written::Created(self.meta(key, &meta)?.etag))
    }

    fn put_if_match(&self, key: &str, body: &[u8], expected: Option<&ETag>) -> Result<Written> {
        let path = self.path(key)?;
        let lock = self.lock()?;
        self.swap_locked(key, &path, body, expected, lock)
    }

    fn put_if_match_cached(
        &self,
        key: &str,
        body: &[u8],
        expected: Option<&ETag>,
        _caching: Caching,
    ) -> Result<Written> {
        let path = self.path(key)?;
        let lock = self.lock_dir_of(key, &path)?;
        self.swap_locked(key, &path, body, expected, lock)
    }

    fn put(&self, key: &str, body: Body<'_>, _caching: Caching) -> Result<ETag> {
        if matches!(body, Body::Object { .. }) {
            return body.streamed(key, &self.location(), |body| self.put(key, body, _caching));
        }
        let path = self.path(key)?;
        if let Body::Immutable(src) = body {
            if let Some(etag) = self.link_over(key, &path, src)? {
                return Ok(etag);
            }
        }
        let temp = self.write_temp(key, &path, body)?;
        temp.persist(&path).map_err(|e| self.io_err("write", key)(e.error))?;
        let meta = std::fs::metadata(&path).map_err(self.io_err("stat", key))?;
        Ok(self.meta(key, &meta)?.etag)
    }

    fn touch(&self, key: &str, _caching: Caching) -> Result<bool> {
        let path = self.path(key)?;
        match std::fs::File::open(&path) {
            Ok(file) => file.set_modified(std::time::SystemTime::now()).map_err(self.io_err("touch", key))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(self.io_err("touch", key)(e)),
        }
        Ok(true)
    }

    fn list(&self, prefix: &str) -> Result<Vec<ObjectMeta>> {
        if !self.root.is_dir() {
            return Ok(Vec::new());
        }
        // Walk only the directory the prefix points into.
        let dir = match prefix.rfind('/') {
            Some(i) => self.root.join(&prefix[..i]),
            None => self.root.clone(),
        };
        if !dir.is_dir() {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for entry in walkdir::WalkDir::new(&dir).sort_by_file_name() {
            let entry = entry.map_err(|e| self.io_err("list", prefix)(e.into()))?;
            if !entry.file_type().is_file() || entry.file_name().to_string_lossy().starts_with(INTERNAL_PREFIX) {
                continue;
            }
            let rel = entry.path().strip_prefix(&self.root).expect("walk stays under the root");
            let key = rel.to_string_lossy().into_owned();
            if key.starts_with(prefix) {
                let meta = entry.metadata().map_err(|e| self.io_err("stat", &key)(e.into()))?;
                out.push(self.meta(&key, &meta)?);
            }
        }
        out.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(out)
    }

    fn delete(&self, key: &str) -> Result<()> {
        let path = self.path(key)?;
        not_found(std::fs::remove_file(&path)).map_err(self.io_err("delete", key))?;
        Ok(())
    }

    fn staging_dir(&self) -> Option<PathBuf> {
        Some(self.root.join(STAGING))
    }

    fn remove_empty_dirs(&self, prefix: &str) -> Result<()> {
        let prefix = prefix.trim_end_matches('/');
        let dir = if prefix.is_empty() { self.root.clone() } else { self.path(prefix)? };
        if !dir.is_dir() {
            return Ok(());
        }
        for entry in walkdir::WalkDir::new(&dir).contents_first(true).into_iter().flatten() {
            if entry.file_type().is_dir() && entry.path() != self.root {
                // Fails, and is meant to, on a directory with anything in it.
                let _ = std::fs::remove_dir(entry.path());
            }
        }
        Ok(())
    }

    fn sweep_leftovers(&self, min_age: i64, now: i64, dry_run: bool) -> Result<Vec<(String, u64)>> {
        if !self.root.is_dir() {
            return Ok(Vec::new());
        }
        let mut found = Vec::new();
        let mut walk = walkdir::WalkDir::new(&self.root).min_depth(1).sort_by_file_name().into_iter();
        while let Some(entry) = walk.next() {
            let entry = entry.map_err(|e| self.io_err("list", "")(e.into()))?;
            let name = entry.file_name().to_string_lossy();
            let in_staging = entry.depth() == 2 && entry.path().parent() == Some(&self.root.join(STAGING));
            let internal =
                name.starts_with(INTERNAL_PREFIX) && name != LOCK_FILE && !(entry.depth() == 1 && name == STAGING);
            if !internal && !in_staging {
                continue;
            }
            // A leftover is removed whole; nothing under it is looked at.
            if entry.file_type().is_dir() {
                walk.skip_current_dir();
            }
            let rel = entry
                .path()
                .strip_prefix(&self.root)
                .expect("walk stays under the root")
                .to_string_lossy()
                .into_owned();
            let meta = entry.metadata().map_err(|e| self.io_err("stat", &rel)(e.into()))?;
            // A staging directory of an add still running is written to,
            // and a temporary file (or name) of a write still running is
            // young.
            if now - changed(&meta) < min_age {
                continue;
            }
            let size = if meta.is_dir() {
                walkdir::WalkDir::new(entry.path())
                    .into_iter()
                    .flatten()
                    .filter_map(|e| e.metadata().ok())
                    .filter(|m| m.is_file())
                    .map(|m| m.len())
                    .sum()
            } else {
                meta.len()
            };
            if !dry_run {
                let removed = if meta.is_dir() {
                    std::fs::remove_dir_all(entry.path())
                } else {
                    std::fs::remove_file(entry.path())
                };
                not_found(removed).map_err(self.io_err("remove the leftover", &rel))?;
            }
            found.push((rel, size));
        }
        Ok(found)
    }

    fn local_path(&self, key: &str) -> Option<PathBuf> {
        self.path(key).ok().filter(|p| p.is_file())
    }

    fn concurrency(&self) -> usize {
        aptkit_parallel::cores()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_store_honours_the_contract() {
        let dir = tempfile::tempdir().unwrap();
        crate::contract::exercise(&FileStore::new(dir.path().join("store")));
    }

    #[test]
    fn a_touch_restarts_the_age_and_keeps_the_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path().join("store"));
        store.put("pool/a.deb", Body::Bytes(b"deb"), Caching::Immutable).unwrap();
        let path = dir.path().join("store/pool/a.deb");
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(86_400);
        std::fs::File::open(&path).unwrap().set_modified(old).unwrap();
        assert!(store.touch("pool/a.deb", Caching::Immutable).unwrap());
        let age = std::fs::metadata(&path).unwrap().modified().unwrap().elapsed().unwrap_or_default();
        assert!(age < std::time::Duration::from_secs(60), "{age:?}");
        assert_eq!(store.get("pool/a.deb").unwrap().unwrap().0, b"deb");
        assert!(!store.touch("pool/missing.deb", Caching::Immutable).unwrap());
    }

    /// Every name in `dir`, the store's own included.
    fn names_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    }

    #[test]
    fn linking_the_same_file_over_a_name_again_leaves_no_temporary_name() {
        // A republish links each plain index name to its by-hash copy; an
        // unchanged index is the same file already.
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path());
        store.put_if_absent("d/by-hash/x", Body::Bytes(b"index"), Caching::Immutable).unwrap();
        let by_hash = store.local_path("d/by-hash/x").unwrap();
        let first = store.put("d/Packages", Body::Immutable(&by_hash), Caching::Short).unwrap();
        for _ in 0..3 {
            assert_eq!(store.put("d/Packages", Body::Immutable(&by_hash), Caching::Short).unwrap(), first);
        }
        assert_eq!(names_in(&dir.path().join("d")), ["Packages", "by-hash"]);
        // And a changed index replaces the name, again leaving nothing.
        store.put_if_absent("d/by-hash/y", Body::Bytes(b"index 2"), Caching::Immutable).unwrap();
        store.put("d/Packages", Body::Immutable(&store.local_path("d/by-hash/y").unwrap()), Caching::Short).unwrap();
        assert_eq!(store.get("d/Packages").unwrap().unwrap().0, b"index 2");
        assert_eq!(names_in(&dir.path().join("d")), ["Packages", "by-hash"]);
    }

    #[test]
    fn leftovers_of_interrupted_writes_are_swept_when_old_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let store = FileStore::new(root);
        let make = |rel: &str, contents: &[u8]| {
            let path = root.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, contents).unwrap();
        };
        // Ages go by ctime, which no call can set back: the old ones are
        // made first, and the young ones two seconds later.
        store.put("d/Packages", Body::Bytes(b"index"), Caching::Short).unwrap();
        store.put_if_match("refs.json", b"{}", None).unwrap(); // makes the lock file
        make("d/.aptkit-tmp-Ab12Cd", b"half a file");
        make(".aptkit-staging/.tmpOld/x.deb", b"staged by a killed add");
        // A temporary name that is a link to an old file (a link never
        // renamed) is as old as the link.
        std::fs::hard_link(root.join("d/Packages"), root.join("d/.aptkit-Zy98Xw")).unwrap();
        std::thread::sleep(std::time::Duration::from_secs(2));
        make("d/.aptkit-tmp-young", b"being written now");
        make(".aptkit-staging/.tmpNew/y.deb", b"staged by a running add");
        std::fs::hard_link(root.join("d/Packages"), root.join("d/.aptkit-Linked")).unwrap();
        // (Linking touched the ctime of the older link too.)
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
        let expected = vec![(".aptkit-staging/.tmpOld".to_string(), 22), ("d/.aptkit-tmp-Ab12Cd".to_string(), 11)];
        assert_eq!(store.sweep_leftovers(2, now, true).unwrap(), expected);
        assert!(root.join("d/.aptkit-tmp-Ab12Cd").exists(), "a dry run removes nothing");
        assert_eq!(store.sweep_leftovers(2, now, false).unwrap(), expected);
        assert_eq!(names_in(&root.join("d")), [".aptkit-Linked", ".aptkit-Zy98Xw", ".aptkit-tmp-young", "Packages"]);
        assert_eq!(names_in(root), [".aptkit-lock", ".aptkit-staging", "d", "refs.json"]);
        assert_eq!(names_in(&root.join(".aptkit-staging")), [".tmpNew"]);
        // Later, all of it is old: the lock, the staging directory and every
        // object stay.
        let later = now + 3600;
        let swept: Vec<String> = store.sweep_leftovers(60, later, false).unwrap().into_iter().map(|(p, _)| p).collect();
        assert_eq!(swept, [".aptkit-staging/.tmpNew", "d/.aptkit-Linked", "d/.aptkit-Zy98Xw", "d/.aptkit-tmp-young"]);
        assert_eq!(names_in(root), [".aptkit-lock", ".aptkit-staging", "d", "refs.json"]);
        assert_eq!(store.get("d/Packages").unwrap().unwrap().0, b"index");
        assert!(FileStore::new(root.join("missing")).sweep_leftovers(0, now, false).unwrap().is_empty());
    }

    #[test]
    fn empty_directories_are_removed_under_a_prefix_only() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path());
        for key in [
            "dists/a/main/binary-amd64/Packages",
            "dists/a/main/binary-amd64/by-hash/SHA256/x",
            "dists/b/Release",
            "pool/p/x.deb",
        ] {
            store.put(key, Body::Bytes(b"x"), Caching::Short).unwrap();
        }
        store.delete("dists/a/main/binary-amd64/Packages").unwrap();
        store.remove_empty_dirs("dists/a/").unwrap();
        assert!(
            dir.path().join("dists/a/main/binary-amd64/by-hash/SHA256/x").is_file(),
            "a directory with a file stays"
        );
        store.delete("dists/a/main/binary-amd64/by-hash/SHA256/x").unwrap();
        std::fs::create_dir_all(dir.path().join("pool/empty/too")).unwrap();
        store.remove_empty_dirs("dists/a").unwrap();
        assert_eq!(names_in(dir.path()), ["dists", "pool"]);
        assert_eq!(names_in(&dir.path().join("dists")), ["b"]);
        assert!(dir.path().join("pool/empty/too").is_dir(), "nothing outside the prefix is touched");
        store.remove_empty_dirs("pool/").unwrap();
        assert_eq!(names_in(&dir.path().join("pool")), ["p"]);
        store.remove_empty_dirs("nothing/here").unwrap();
    }

    #[test]
    fn a_name_made_by_link_is_as_young_as_the_link() {
        // gc goes by this age: a pool file a publish just linked in, or a
        // blob taken in by `--remove-files`, must not look as old as its file.
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("old.deb");
        std::fs::write(&old, b"deb").unwrap();
        std::fs::File::open(&old)
            .unwrap()
            .set_modified(std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_600_000_000))
            .unwrap();
        let store = FileStore::new(dir.path().join("store"));
        store.put_if_absent("pool/x.deb", Body::Immutable(&old), Caching::Immutable).unwrap();
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
        let meta = store.head("pool/x.deb").unwrap().unwrap();
        assert!(now - meta.modified < 60, "modified {} is not now ({now})", meta.modified);
        assert_eq!(store.list("pool/").unwrap()[0].modified, meta.modified);
    }

    #[test]
    fn concurrent_compare_and_swap_loses_no_update() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path());
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let store = store.clone();
                std::thread::spawn(move || {
                    for _ in 0..25 {
                        loop {
                            let current = store.get("counter").unwrap();
                            let (n, etag) = match &current {
                                Some((b, e)) => (String::from_utf8_lossy(b).parse::<u32>().unwrap(), Some(e)),
                                None => (0, None),
                            };
                            let next = (n + 1).to_string();
                            if let Written::Created(_) = store.put_if_match("counter", next.as_bytes(), etag).unwrap() {
                                break;
                            }
                        }
                    }
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        assert_eq!(store.get("counter").unwrap().unwrap().0, b"200");
    }
}
