//! Large objects on S3: multipart uploads that a rerun resumes, and
//! server-side copies (CopyObject, UploadPartCopy) between stores on one
//! server.
//!
//! Memory: a file's parts are streamed from the file (its MD5 taken by a
//! first read of the part); a stream's parts are read one at a time, so an
//! upload holds at most one part, and a publish at most its concurrency
//! times the part size. A copy holds nothing.
//!
//! Resuming: an upload that fails part-way is not aborted. The next write
//! of the same key finds it (ListMultipartUploads with the key as prefix:
//! one request, not a listing of the pool), lists its parts, and sends only
//! those whose size and MD5 (a part's ETag) differ from what it would send.
//! `aptkit gc` aborts the ones nobody came back for
//! ([`S3Store::sweep_uploads`]).

use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use aptkit_store::{Caching, ETag, Error, RemoteObject, Result, Store};
use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::primitives::{ByteStream, Length};
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart, MetadataDirective};
use md5::Digest;

use crate::s3::{cache_control, content_type, Put, S3Store};

const MIB: u64 = 1 << 20;
/// S3's limits: parts of 5 MiB to 5 GiB (the last may be smaller), at most
/// 10,000 of them; one CopyObject copies at most 5 GiB.
const MIN_PART: u64 = 5 * MIB;
const MAX_PART: u64 = 5 << 30;
const MAX_PARTS: u64 = 10_000;
const MAX_COPY: u64 = 5 << 30;

/// Uploads larger than this many bytes go up in parts.
pub const MULTIPART_THRESHOLD_ENV: &str = "APTKIT_S3_MULTIPART_THRESHOLD";
/// The size of each part, in bytes.
pub const PART_SIZE_ENV: &str = "APTKIT_S3_PART_SIZE";

/// Sizes of multipart transfers. The defaults are the AWS CLI's (8 MiB
/// threshold and parts); [`MULTIPART_THRESHOLD_ENV`] and [`PART_SIZE_ENV`]
/// override them, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Multipart {
    /// Files and streams larger than this go up in parts; smaller ones in
    /// one PutObject (a stream read whole first: at most this much).
    /// In-memory bodies (indices) always go up in one PutObject.
    pub threshold: u64,
    /// The size of each part: at least 5 MiB (S3's minimum), and grown (to
    /// whole MiB) so that no upload needs more than 10,000 parts.
    pub part_size: u64,
    /// Server-side copies larger than this go in parts (UploadPartCopy):
    /// at most 5 GiB, the largest object one CopyObject copies.
    pub copy_threshold: u64,
    /// The size of each part of a server-side copy.
    pub copy_part_size: u64,
}

impl Default for Multipart {
    fn default() -> Self {
        Multipart { threshold: 8 * MIB, part_size: 8 * MIB, copy_threshold: MAX_COPY, copy_part_size: 512 * MIB }
    }
}

impl Multipart {
    /// The defaults, with what the environment sets.
    pub fn from_env() -> std::result::Result<Multipart, String> {
        let read = |name: &str| -> std::result::Result<Option<u64>, String> {
            match std::env::var(name) {
                Ok(v) => v.trim().parse().map(Some).map_err(|_| format!("{name}=`{v}` is not a number of bytes")),
                Err(_) => Ok(None),
            }
        };
        let mut limits = Multipart::default();
        if let Some(threshold) = read(MULTIPART_THRESHOLD_ENV)? {
            limits.threshold = threshold;
        }
        if let Some(part_size) = read(PART_SIZE_ENV)? {
            limits.part_size = part_size;
        }
        Ok(limits.checked())
    }

    /// Within S3's limits.
    pub(crate) fn checked(self) -> Multipart {
        Multipart {
            threshold: self.threshold,
            part_size: self.part_size.clamp(MIN_PART, MAX_PART),
            copy_threshold: self.copy_threshold.min(MAX_COPY),
            copy_part_size: self.copy_part_size.clamp(MIN_PART, MAX_PART),
        }
    }

    /// The part size for an object of `size` bytes: the configured one,
    /// or larger where that would take more than 10,000 parts. A rerun
    /// computes the same, and so finds the same part boundaries.
    pub fn part_size_for(part_size: u64, size: u64) -> u64 {
        let needed = size.div_ceil(MAX_PARTS);
        if needed <= part_size {
            part_size
        } else {
            needed.div_ceil(MIB) * MIB
        }
    }
}

/// Where the parts of an upload come from.
pub(crate) enum Source<'a> {
    /// A local file: each part streamed from it.
    File(&'a Path),
    /// A stream, read one part at a time on the calling thread (outside
    /// the runtime: it may be another S3 store's reader).
    Reader(&'a mut (dyn Read + Send)),
}

/// The parts an unfinished upload has: number -> (size, ETag).
type Sent = HashMap<i32, (u64, String)>;

impl S3Store {
    /// Upload `size` bytes from `source` to `key` in parts, resuming an
    /// unfinished upload of the key; completed under `condition` (as
    /// [`S3Store::put_object`]'s). On an error the upload is left for the
    /// next try to resume.
    pub(crate) fn upload_in_parts(
        &self,
        key: &str,
        source: Source<'_>,
        size: u64,
        caching: Caching,
        condition: Option<Option<&ETag>>,
    ) -> Result<Put> {
        let full = self.full_key(key)?;
        let part_size = Multipart::part_size_for(self.limits.part_size, size);
        let count = size.div_ceil(part_size).max(1);
        let (upload_id, sent) = match self.unfinished_upload(key, &full)? {
            Some(id) => {
                let sent = self.parts_of(key, &full, &id)?;
                (id, sent)
            }
            None => (self.create_upload(key, &full, caching)?, Sent::new()),
        };
        let read_err = |e: std::io::Error| self.io_err("read the source of", key, e);
        let mut source = match source {
            Source::File(path) => {
                let file = std::fs::File::open(path)
                    .map_err(|e| read_err(std::io::Error::new(e.kind(), format!("{}: {e}", path.display()))))?;
                Parts::File(path, file)
            }
            Source::Reader(reader) => Parts::Reader(reader),
        };
        let mut completed = Vec::with_capacity(count as usize);
        for n in 1..=count {
            let offset = (n - 1) * part_size;
            let len = part_size.min(size - offset);
            let number = n as i32;
            let (md5, body) = source.part(offset, len).map_err(|e| match e {
                PartError::Io(e) => read_err(e),
                PartError::Short(got) => self.short_source(key, size, offset + got),
            })?;
            let etag = match sent.get(&number) {
                Some((sent_len, etag)) if *sent_len == len && etag.trim_matches('"').eq_ignore_ascii_case(&md5) => {
                    etag.clone()
                }
                _ => self.upload_part(key, &full, &upload_id, number, body, &md5)?,
            };
            completed.push(CompletedPart::builder().part_number(number).e_tag(etag).build());
        }
        if let Parts::Reader(reader) = source {
            let mut extra = [0u8; 1];
            if reader.read(&mut extra).map_err(read_err)? > 0 {
                return Err(self.short_source(key, size, size + 1));
            }
        }
        self.complete(key, &full, &upload_id, completed, condition)
    }

    /// The newest unfinished upload of exactly `full`, if any.
    fn unfinished_upload(&self, key: &str, full: &str) -> Result<Option<String>> {
        let uploads = self.uploads(full, key)?;
        Ok(uploads.into_iter().filter(|u| u.key == full).max_by_key(|u| u.initiated).map(|u| u.id))
    }

    /// Every unfinished upload under `prefix`, all pages (`key` names
    /// the write in errors).
    fn uploads(&self, prefix: &str, key: &str) -> Result<Vec<Upload>> {
        let mut out = Vec::new();
        let (mut key_marker, mut id_marker) = (None, None);
        loop {
            let request = self
                .client
                .list_multipart_uploads()
                .bucket(&self.bucket)
                .set_prefix((!prefix.is_empty()).then(|| prefix.to_string()))
                .set_key_marker(key_marker.take())
                .set_upload_id_marker(id_marker.take())
                .send();
            let page =
                self.runtime.block_on(request).map_err(|e| self.sdk_err("list unfinished uploads of", key, e))?;
            for u in page.uploads() {
                if let (Some(key), Some(id)) = (u.key(), u.upload_id()) {
                    let initiated = u.initiated().map(|t| t.secs()).unwrap_or(0);
                    out.push(Upload { key: key.to_string(), id: id.to_string(), initiated });
                }
            }
            if page.is_truncated() != Some(true) {
                return Ok(out);
            }
            key_marker = page.next_key_marker().map(str::to_string);
            id_marker = page.next_upload_id_marker().map(str::to_string);
            if key_marker.is_none() {
                return Ok(out);
            }
        }
    }

    /// The parts an unfinished upload has, all pages.
    fn parts_of(&self, key: &str, full: &str, upload_id: &str) -> Result<Sent> {
        let mut sent = Sent::new();
        let mut marker = None;
        loop {
            let request = self
                .client
                .list_parts()
                .bucket(&self.bucket)
                .key(full)
                .upload_id(upload_id)
                .set_part_number_marker(marker.take())
                .send();
            let page =
                self.runtime.block_on(request).map_err(|e| self.sdk_err("list the uploaded parts of", key, e))?;
            for p in page.parts() {
                if let (Some(n), Some(etag)) = (p.part_number(), p.e_tag()) {
                    sent.insert(n, (p.size().unwrap_or(0).max(0) as u64, etag.to_string()));
                }
            }
            match page.next_part_number_marker() {
                Some(next) if page.is_truncated() == Some(true) => marker = Some(next.to_string()),
                _ => return Ok(sent),
            }
        }
    }

    fn create_upload(&self, key: &str, full: &str, caching: Caching) -> Result<String> {
        let request = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(full)
            .cache_control(cache_control(caching))
            .set_content_type(content_type(key).map(str::to_string))
            .send();
        let out = self.runtime.block_on(request).map_err(|e| self.sdk_err("start an upload of", key, e))?;
        out.upload_id()
            .map(str::to_string)
            .ok_or_else(|| self.io_err("start an upload of", key, std::io::Error::other("S3 gave no upload id")))
    }

    fn upload_part(
        &self,
        key: &str,
        full: &str,
        upload_id: &str,
        number: i32,
        body: PartBody<'_>,
        md5: &str,
    ) -> Result<String> {
        let stream = match body {
            PartBody::Bytes(bytes) => ByteStream::from(bytes),
            PartBody::File(path, offset, len) => {
                let stream = ByteStream::read_from().path(path).offset(offset).length(Length::Exact(len)).build();
                self.runtime.block_on(stream).map_err(|e| {
                    self.io_err("read the source of", key, std::io::Error::other(format!("{}: {e}", path.display())))
                })?
            }
        };
        let request = self
            .client
            .upload_part()
            .bucket(&self.bucket)
            .key(full)
            .upload_id(upload_id)
            .part_number(number)
            .body(stream)
            .send();
        let out = self.runtime.block_on(request).map_err(|e| self.sdk_err("upload a part of", key, e))?;
        // Without an ETag (some compatible servers), the part's MD5 is what S3 would say.
        Ok(out.e_tag().map(str::to_string).unwrap_or_else(|| format!("\"{md5}\"")))
    }

    /// CompleteMultipartUpload under `condition`. A 409 (a concurrent
    /// conditional write) is asked again: the parts stay where they are.
    fn complete(
        &self,
        key: &str,
        full: &str,
        upload_id: &str,
        parts: Vec<CompletedPart>,
        condition: Option<Option<&ETag>>,
    ) -> Result<Put> {
        let parts = CompletedMultipartUpload::builder().set_parts(Some(parts)).build();
        for attempt in 0.. {
            let mut request = self
                .client
                .complete_multipart_upload()
                .bucket(&self.bucket)
                .key(full)
                .upload_id(upload_id)
                .multipart_upload(parts.clone());
            request = match condition {
                None => request,
                Some(None) => request.if_none_match("*"),
                Some(Some(etag)) => request.if_match(etag.0.clone()),
            };
            let e = match self.runtime.block_on(request.send()) {
                Ok(out) => return Ok(Put::Created(self.etag_or_head(key, out.e_tag())?)),
                Err(e) => e,
            };
            let status = e.raw_response().map(|r| r.status().as_u16());
            match (status, e.code()) {
                (Some(409), _) if attempt < 5 => std::thread::sleep(std::time::Duration::from_millis(50 << attempt)),
                // The key exists: this upload is of no more use.
                (Some(412), _) => {
                    self.abort(key, full, upload_id)?;
                    return Ok(Put::PreconditionFailed);
                }
                (Some(409), _) => return Ok(Put::Conflict),
                // Another writer of the key completed (or replaced a part
                // of) the same upload first.
                (_, Some("NoSuchUpload" | "InvalidPart")) => {
                    if condition == Some(None) && self.head_full(key)? {
                        return Ok(Put::PreconditionFailed);
                    }
                    let source = std::io::Error::other(format!(
                        "another writer completed or changed upload {upload_id} of this key first: try again"
                    ));
                    return Err(Error::Unavailable {
                        op: "write",
                        key: key.to_string(),
                        location: self.location(),
                        source,
                    });
                }
                _ => return Err(self.sdk_err("complete the upload of", key, e)),
            }
        }
        unreachable!("the loop returns")
    }

    fn abort(&self, key: &str, full: &str, upload_id: &str) -> Result<()> {
        let request = self.client.abort_multipart_upload().bucket(&self.bucket).key(full).upload_id(upload_id).send();
        match self.runtime.block_on(request) {
            Ok(_) => Ok(()),
            Err(e) if e.code() == Some("NoSuchUpload") => Ok(()),
            Err(e) => Err(self.sdk_err("abort an unfinished upload of", key, e)),
        }
    }

    fn head_full(&self, key: &str) -> Result<bool> {
        Ok(self.head(key)?.is_some())
    }

    fn etag_or_head(&self, key: &str, etag: Option<&str>) -> Result<ETag> {
        match etag {
            Some(etag) => Ok(ETag(etag.to_string())),
            // Some S3-compatible servers omit it: ask.
            None => Ok(self.head(key)?.map(|m| m.etag).unwrap_or_else(|| ETag(String::new()))),
        }
    }

    /// Copy `source` (`size` bytes, on this store's server) to `key`,
    /// server-side: the bytes never pass through this process. With
    /// `absent`, only if `key` does not exist: CopyObject and
    /// CompleteMultipartUpload take `If-None-Match: *` on S3. No HEAD is
    /// sent first (it would be one more request per pool file of a cold
    /// publish): a server that ignores the header on a copy (moto 5.2 does;
    /// the test launcher makes it honour it) would replace the object, so
    /// callers that may find one there ask first themselves, as a publish
    /// does when its pool may hold files already.
    pub(crate) fn copy(
        &self,
        key: &str,
        source: &RemoteObject,
        size: u64,
        caching: Caching,
        absent: bool,
    ) -> Result<Put> {
        let full = self.full_key(key)?;
        let copy_source = format!("{}/{}", source.bucket, percent_encode(&source.key));
        if size > self.limits.copy_threshold {
            // Parts copied for nothing would cost far more than a HEAD.
            if absent && self.head_full(key)? {
                return Ok(Put::PreconditionFailed);
            }
            return self.copy_in_parts(key, &full, &copy_source, size, caching, absent);
        }
        let mut request = self
            .client
            .copy_object()
            .bucket(&self.bucket)
            .key(&full)
            .copy_source(&copy_source)
            // The destination's own headers, not the source's.
            .metadata_directive(MetadataDirective::Replace)
            .cache_control(cache_control(caching))
            .set_content_type(content_type(key).map(str::to_string));
        if absent {
            request = request.if_none_match("*");
        }
        match self.runtime.block_on(request.send()) {
            Ok(out) => {
                let etag = out.copy_object_result().and_then(|r| r.e_tag());
                Ok(Put::Created(self.etag_or_head(key, etag)?))
            }
            Err(e) => match e.raw_response().map(|r| r.status().as_u16()) {
                Some(412) => Ok(Put::PreconditionFailed),
                Some(409) => Ok(Put::Conflict),
                Some(404) if e.code() != Some("NoSuchBucket") => Err(self.missing_source(key, source)),
                _ => Err(self.sdk_err("copy", key, e)),
            },
        }
    }

    /// Restart an object's age without sending its bytes: a CopyObject onto
    /// itself (allowed when the metadata is replaced, here by the same
    /// headers a write gives it). `false` when it is gone, or too large for
    /// one CopyObject (over 5 GiB): the caller writes it again.
    pub(crate) fn touch(&self, key: &str, caching: Caching) -> Result<bool> {
        let full = self.full_key(key)?;
        let request = self
            .client
            .copy_object()
            .bucket(&self.bucket)
            .key(&full)
            .copy_source(format!("{}/{}", self.bucket, percent_encode(&full)))
            .metadata_directive(MetadataDirective::Replace)
            .cache_control(cache_control(caching))
            .set_content_type(content_type(key).map(str::to_string));
        match self.runtime.block_on(request.send()) {
            Ok(_) => Ok(true),
            Err(e) => match e.raw_response().map(|r| r.status().as_u16()) {
                Some(404) if e.code() != Some("NoSuchBucket") => Ok(false),
                Some(400) if e.code() == Some("InvalidRequest") => Ok(false),
                _ => Err(self.sdk_err("touch", key, e)),
            },
        }
    }

    /// A copy larger than one CopyObject takes: UploadPartCopy of ranges.
    fn copy_in_parts(
        &self,
        key: &str,
        full: &str,
        copy_source: &str,
        size: u64,
        caching: Caching,
        absent: bool,
    ) -> Result<Put> {
        let part_size = Multipart::part_size_for(self.limits.copy_part_size, size);
        let upload_id = self.create_upload(key, full, caching)?;
        let mut completed = Vec::new();
        for (i, offset) in (0..size).step_by(part_size as usize).enumerate() {
            let last = (offset + part_size).min(size) - 1;
            let request = self
                .client
                .upload_part_copy()
                .bucket(&self.bucket)
                .key(full)
                .upload_id(&upload_id)
                .part_number(i as i32 + 1)
                .copy_source(copy_source)
                .copy_source_range(format!("bytes={offset}-{last}"))
                .send();
            let out = self.runtime.block_on(request).map_err(|e| self.sdk_err("copy a part of", key, e))?;
            let etag = out.copy_part_result().and_then(|r| r.e_tag()).unwrap_or_default();
            completed.push(CompletedPart::builder().part_number(i as i32 + 1).e_tag(etag).build());
        }
        self.complete(key, full, &upload_id, completed, absent.then_some(None))
    }

    fn missing_source(&self, key: &str, source: &RemoteObject) -> Error {
        let reason = format!("the source object `s3://{}/{}` is missing", source.bucket, source.key);
        self.io_err("copy", key, std::io::Error::new(std::io::ErrorKind::NotFound, reason))
    }

    /// Unfinished uploads under the store's prefix started at least
    /// `min_age` seconds before `now`, aborted unless `dry_run`: each as
    /// `KEY (unfinished upload)` and the size of its parts.
    pub(crate) fn sweep_uploads(&self, min_age: i64, now: i64, dry_run: bool) -> Result<Vec<(String, u64)>> {
        let uploads = self.uploads(&self.prefix, "")?;
        let mut found = Vec::new();
        for upload in uploads {
            let Some(key) = upload.key.strip_prefix(&self.prefix) else { continue };
            // One started just now may be a publish at work.
            if now - upload.initiated < min_age {
                continue;
            }
            let size = self.parts_of(key, &upload.key, &upload.id)?.values().map(|(size, _)| size).sum();
            if !dry_run {
                self.abort(key, &upload.key, &upload.id)?;
            }
            found.push((format!("{key} (unfinished upload)"), size));
        }
        found.sort();
        Ok(found)
    }
}

struct Upload {
    key: String,
    id: String,
    initiated: i64,
}

/// A source being cut into parts.
enum Parts<'a> {
    File(&'a Path, std::fs::File),
    Reader(&'a mut (dyn Read + Send)),
}

enum PartBody<'a> {
    Bytes(bytes::Bytes),
    /// Streamed from the file by the SDK: never in memory whole.
    File(&'a Path, u64, u64),
}

enum PartError {
    Io(std::io::Error),
    /// The source ended this many bytes into the part.
    Short(u64),
}

impl<'a> Parts<'a> {
    /// The part at `offset`, `len` bytes: its MD5 (hex) and its body.
    fn part(&mut self, offset: u64, len: u64) -> std::result::Result<(String, PartBody<'a>), PartError> {
        match self {
            Parts::File(path, file) => {
                file.seek(SeekFrom::Start(offset)).map_err(PartError::Io)?;
                let mut md5 = md5::Md5::new();
                let mut buf = vec![0u8; 256 << 10];
                let mut left = len;
                while left > 0 {
                    let want = left.min(buf.len() as u64) as usize;
                    let n = match file.read(&mut buf[..want]) {
                        Ok(0) => return Err(PartError::Short(len - left)),
                        Ok(n) => n,
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                        Err(e) => return Err(PartError::Io(e)),
                    };
                    md5.update(&buf[..n]);
                    left -= n as u64;
                }
                Ok((hex::encode(md5.finalize()), PartBody::File(path, offset, len)))
            }
            Parts::Reader(reader) => {
                let mut bytes = Vec::with_capacity(len as usize);
                (&mut **reader).take(len).read_to_end(&mut bytes).map_err(PartError::Io)?;
                if (bytes.len() as u64) < len {
                    return Err(PartError::Short(bytes.len() as u64));
                }
                Ok((hex::encode(md5::Md5::digest(&bytes)), PartBody::Bytes(bytes.into())))
            }
        }
    }
}

/// A key as CopyObject's `x-amz-copy-source` wants it: URL-encoded, `/`
/// kept.
fn percent_encode(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for &b in key.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_grow_so_that_none_needs_more_than_ten_thousand() {
        let eight = 8 * MIB;
        assert_eq!(Multipart::part_size_for(eight, 600 * MIB), eight);
        assert_eq!(Multipart::part_size_for(eight, 10_000 * eight), eight);
        let huge = 5u64 << 40; // 5 TiB, S3's largest object
        let part = Multipart::part_size_for(eight, huge);
        assert!(huge.div_ceil(part) <= MAX_PARTS && part.is_multiple_of(MIB) && part <= MAX_PART, "{part}");
        assert_eq!(Multipart { part_size: 1, ..Multipart::default() }.checked().part_size, MIN_PART);
    }

    #[test]
    fn copy_sources_are_url_encoded() {
        assert_eq!(percent_encode("pool/h/hello_1.0+b1~x 1_amd64.deb"), "pool/h/hello_1.0%2Bb1~x%201_amd64.deb");
    }
}
