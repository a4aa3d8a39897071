use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

use aptkit_store::{validate_key, Body, Caching, ETag, Error, ObjectMeta, RemoteObject, Result, Store, Written};
use aws_sdk_s3::config::{RequestChecksumCalculation, ResponseChecksumValidation};
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::Client;
use aws_smithy_types::retry::ErrorKind;
use tokio::runtime::Runtime;

use crate::multipart::{Multipart, Source};

/// Set to `1` to address buckets as `https://endpoint/bucket/key` instead of
/// `https://bucket.endpoint/key` (most S3-compatible servers need this).
pub const FORCE_PATH_STYLE_ENV: &str = "APTKIT_S3_FORCE_PATH_STYLE";

/// `Cache-Control` of pool files and by-hash copies: their content never
/// changes under their key.
const CACHE_IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `Cache-Control` of mutable names (`InRelease`, plain index names). Short
/// rather than zero so that a burst of clients still hits a cache; CloudFront
/// is invalidated after a publish anyway.
const CACHE_SHORT: &str = "public, max-age=60";

/// How to reach S3. Everything not given here comes from the standard AWS
/// configuration: credentials from the environment, `~/.aws` profiles, SSO,
/// web identity or the instance metadata service; the region from
/// `AWS_REGION` or the profile, else `us-east-1`; the endpoint from
/// `AWS_ENDPOINT_URL_S3` or `AWS_ENDPOINT_URL`.
#[derive(Debug, Clone, Default)]
pub struct S3Options {
    /// An S3-compatible server, e.g. `http://127.0.0.1:9000`.
    pub endpoint_url: Option<String>,
    pub region: Option<String>,
    /// Path-style addressing (also `APTKIT_S3_FORCE_PATH_STYLE=1`).
    pub force_path_style: bool,
}

/// A [`Store`] in an S3 bucket, under an optional key prefix
/// (`s3://bucket/some/prefix`).
///
/// Conditional writes are S3's own: put-if-absent is PutObject (or
/// CompleteMultipartUpload, or CopyObject) with `If-None-Match: *`,
/// compare-and-swap is PutObject with `If-Match: <ETag>`; ETags are S3's,
/// quotes included, and only ever compared with each other.
///
/// Large bodies are never held whole: files and streams above
/// [`Multipart::threshold`] go up in parts, one part in memory at a time,
/// and an upload that failed part-way is resumed by the next write of the
/// same key. Another S3 store's object on the same server
/// ([`Body::Object`]) is copied by the server.
pub struct S3Store {
    /// Shared with open readers, which block on it while they stream.
    pub(crate) runtime: Arc<Runtime>,
    pub(crate) client: Client,
    pub(crate) bucket: String,
    /// Empty, or ends with `/`.
    pub(crate) prefix: String,
    /// Which server, as [`RemoteObject::server`]: the endpoint and the region.
    server: String,
    /// The endpoint as configured (empty: AWS's own), for messages.
    endpoint: String,
    pub(crate) limits: Multipart,
}

/// How a write (PutObject, CompleteMultipartUpload, CopyObject) ended.
pub(crate) enum Put {
    Created(ETag),
    /// 412: the precondition did not hold.
    PreconditionFailed,
    /// 409: a concurrent conditional write on the same key (S3 asks to retry).
    Conflict,
}

/// What a single PutObject sends: owned, so that a retried request can
/// send it again.
enum Payload {
    Bytes(bytes::Bytes),
    /// Streamed from the file, never read into memory.
    File(PathBuf),
}

impl S3Store {
    /// Connect to `s3://bucket[/prefix]`. Nothing is sent yet: a wrong
    /// bucket or missing credentials show up on the first request.
    pub fn connect(url: &str, options: &S3Options) -> Result<S3Store> {
        let invalid = |reason: String| Error::Io {
            op: "open",
            key: String::new(),
            location: url.to_string(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidInput, reason),
        };
        let (bucket, prefix) = parse_url(url).map_err(invalid)?;
        let runtime = crate::runtime().map_err(|e| invalid(format!("cannot start the S3 runtime: {e}")))?;
        let limits = Multipart::from_env().map_err(invalid)?;
        // The same endpoint (as given, else from the environment the SDK
        // reads it from) and region: a server that can copy between the
        // two stores' buckets. Both stores of one process are made with the
        // same options and credentials chain.
        let endpoint = options.endpoint_url.clone().unwrap_or_else(|| crate::endpoint_from_env("AWS_ENDPOINT_URL_S3"));
        let sdk_config = crate::load_config(&runtime, options.endpoint_url.as_deref(), options.region.as_deref());
        let region = sdk_config.region().map(|r| r.to_string()).unwrap_or_default();
        let server = format!("s3 {} {region}", endpoint.trim_end_matches('/'));
        let force_path_style =
            options.force_path_style || std::env::var(FORCE_PATH_STYLE_ENV).is_ok_and(|v| v == "1" || v == "true");
        let mut config = aws_sdk_s3::config::Builder::from(&sdk_config);
        if let Some(client) = crate::plain_http_client(&endpoint) {
            config = config.http_client(client);
        }
        let config = config
            .force_path_style(force_path_style)
            // Checksums only where S3 requires them: several S3-compatible
            // servers reject the aws-chunked uploads with trailing checksums
            // that the SDK sends by default. Integrity is TLS's and, end to
            // end, the signed indices' (every publish verifies what it wrote).
            .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
            .response_checksum_validation(ResponseChecksumValidation::WhenRequired)
            .build();
        let endpoint = endpoint.trim_end_matches('/').to_string();
        let client = Client::from_conf(config);
        Ok(S3Store { runtime: Arc::new(runtime), client, bucket, prefix, server, endpoint, limits })
    }

    /// The same store with other multipart sizes (tests and tuning; the
    /// binary takes them from the environment, see [`Multipart`]).
    pub fn with_multipart(mut self, limits: Multipart) -> S3Store {
        self.limits = limits.checked();
        self
    }

    /// Create the bucket (for tests and first-time setup on a local server).
    pub fn create_bucket(&self) -> Result<()> {
        let request = self.client.create_bucket().bucket(&self.bucket).send();
        match self.runtime.block_on(request) {
            Ok(_) => Ok(()),
            Err(e) if matches!(e.code(), Some("BucketAlreadyOwnedByYou")) => Ok(()),
            Err(e) => Err(self.sdk_err("create bucket", "", e)),
        }
    }

    pub(crate) fn full_key(&self, key: &str) -> Result<String> {
        validate_key(key)?;
        Ok(format!("{}{key}", self.prefix))
    }

    pub(crate) fn io_err(&self, op: &'static str, key: &str, source: std::io::Error) -> Error {
        Error::Io { op, key: key.to_string(), location: self.location(), source }
    }

    /// An SDK error as a store error naming the key, the S3 error code and
    /// the HTTP status. Requests (and so credentials) are never part of it.
    /// A server that could not be reached, timed out, failed (5xx) or asked
    /// to slow down is [`Error::Unavailable`]: the same request may succeed
    /// later.
    pub(crate) fn sdk_err<E>(&self, op: &'static str, key: &str, e: SdkError<E>) -> Error
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let status = e.raw_response().map(|r| r.status().as_u16());
        let message = match (e.code(), status, &e) {
            (Some(code), Some(status), _) => {
                format!("S3 error {code} (HTTP {status}): {}", e.message().unwrap_or("no message"))
            }
            (None, Some(status), _) => format!("S3 answered HTTP {status}: {}", error_chain(&e)),
            // The SDK's layers (`dispatch failure: io error: client error
            // (Connect): …`) say nothing the innermost cause does not.
            (_, None, SdkError::DispatchFailure(_) | SdkError::TimeoutError(_)) => {
                let chain = error_chain(&e);
                let cause = chain.rsplit(": ").next().unwrap_or(&chain);
                let at = if self.endpoint.is_empty() { String::new() } else { format!(" at {}", self.endpoint) };
                let what = if matches!(e, SdkError::TimeoutError(_)) { "timed out" } else { "could not be reached" };
                format!("S3{at} {what}: {cause}")
            }
            _ => format!("S3 request failed: {}", error_chain(&e)),
        };
        // Not a dispatch failure of TLS, DNS or the configuration (a mistyped
        // endpoint stays mistyped), nor a 501 or 505 (a server without
        // conditional writes never gets them). A connection closed before
        // the answer was complete is transient (the SDK marks it so).
        let unreachable = match &e {
            SdkError::DispatchFailure(d) => {
                d.is_io()
                    || d.is_timeout()
                    || d.as_connector_error().and_then(|c| c.as_other()) == Some(ErrorKind::TransientError)
            }
            SdkError::TimeoutError(_) => true,
            _ => false,
        };
        let overloaded = status.is_some_and(|s| (s >= 500 && s != 501 && s != 505) || s == 429)
            || matches!(e.code(), Some("SlowDown" | "RequestTimeout" | "InternalError" | "ServiceUnavailable"));
        let source = std::io::Error::other(message);
        if unreachable || overloaded {
            return Error::Unavailable { op, key: key.to_string(), location: self.location(), source };
        }
        self.io_err(op, key, source)
    }

    fn get_object(
        &self,
        key: &str,
        range: Option<String>,
    ) -> Result<Option<aws_sdk_s3::operation::get_object::GetObjectOutput>> {
        let full = self.full_key(key)?;
        let request = self.client.get_object().bucket(&self.bucket).key(full).set_range(range).send();
        match self.runtime.block_on(request) {
            Ok(out) => Ok(Some(out)),
            Err(e) if is_not_found(&e) => Ok(None),
            Err(e) => Err(self.sdk_err("read", key, e)),
        }
    }

    fn reader(&self, key: &str, body: ByteStream) -> Box<dyn Read + Send> {
        Box::new(S3Reader { runtime: self.runtime.clone(), key: key.to_string(), body, chunk: bytes::Bytes::new() })
    }

    /// Write `key` from any body, under `condition` (see [`Self::put_object`]).
    /// A 409 (a concurrent conditional write on the key) is asked again
    /// where the body can be sent again; a stream cannot, and reports it.
    fn write(&self, key: &str, body: Body<'_>, caching: Caching, condition: Option<Option<&ETag>>) -> Result<Put> {
        let threshold = self.limits.threshold;
        match body {
            Body::Object { store, key: source, size } => {
                if let Some(remote) = store.remote_object(source).filter(|r| r.server == self.server) {
                    return retry_conflicts(|| self.copy(key, &remote, size, caching, condition.is_some()));
                }
                body.streamed(key, &self.location(), |body| self.write(key, body, caching, condition))
            }
            Body::Bytes(b) => {
                let payload = Payload::Bytes(bytes::Bytes::copy_from_slice(b));
                retry_conflicts(|| self.put_object(key, &payload, Some(caching), condition))
            }
            Body::File(path) | Body::Immutable(path) => {
                let size = std::fs::metadata(path).map_err(|e| {
                    self.io_err(
                        "read the source of",
                        key,
                        std::io::Error::new(e.kind(), format!("{}: {e}", path.display())),
                    )
                })?;
                if size.len() > threshold {
                    return self.upload_in_parts(key, Source::File(path), size.len(), caching, condition);
                }
                let payload = Payload::File(path.to_path_buf());
                retry_conflicts(|| self.put_object(key, &payload, Some(caching), condition))
            }
            Body::Reader(reader, size) if size > threshold => {
                self.upload_in_parts(key, Source::Reader(reader), size, caching, condition)
            }
            // At most the threshold: read whole, here, outside the runtime
            // (the reader may be another S3Store's, which blocks on its own
            // runtime and must not be called from inside this one's).
            Body::Reader(reader, size) => {
                let mut bytes = Vec::with_capacity(size as usize);
                (&mut *reader)
                    .take(size + 1)
                    .read_to_end(&mut bytes)
                    .map_err(|e| self.io_err("read the source of", key, e))?;
                if bytes.len() as u64 != size {
                    return Err(self.short_source(key, size, bytes.len() as u64));
                }
                let payload = Payload::Bytes(bytes.into());
                retry_conflicts(|| self.put_object(key, &payload, Some(caching), condition))
            }
        }
    }

    /// A source that gave another number of bytes than announced.
    pub(crate) fn short_source(&self, key: &str, size: u64, got: u64) -> Error {
        let msg = if got > size {
            format!("expected {size} bytes, the source gave more")
        } else {
            format!("expected {size} bytes, the source gave {got}")
        };
        self.io_err("write", key, std::io::Error::new(std::io::ErrorKind::UnexpectedEof, msg))
    }

    /// One PutObject. `condition` is `If-None-Match: *` (`Some(None)`) or
    /// `If-Match: etag`; unconditional when `None`.
    fn put_object(
        &self,
        key: &str,
        payload: &Payload,
        caching: Option<Caching>,
        condition: Option<Option<&ETag>>,
    ) -> Result<Put> {
        let full = self.full_key(key)?;
        let stream = match payload {
            Payload::Bytes(b) => ByteStream::from(b.clone()),
            Payload::File(path) => self.runtime.block_on(ByteStream::from_path(path)).map_err(|e| {
                self.io_err("read the source of", key, std::io::Error::other(format!("{}: {e}", path.display())))
            })?,
        };
        let request = self.client.put_object().bucket(&self.bucket).key(full).body(stream);
        let request = request.set_cache_control(caching.map(|c| cache_control(c).to_string()));
        let mut request = request.set_content_type(content_type(key).map(str::to_string));
        request = match condition {
            None => request,
            Some(None) => request.if_none_match("*"),
            Some(Some(etag)) => request.if_match(etag.0.clone()),
        };
        match self.runtime.block_on(request.send()) {
            Ok(out) => match out.e_tag() {
                Some(etag) => Ok(Put::Created(ETag(etag.to_string()))),
                // Some S3-compatible servers omit it: ask.
                None => Ok(Put::Created(self.head(key)?.map(|m| m.etag).unwrap_or_else(|| ETag(String::new())))),
            },
            Err(e) => match e.raw_response().map(|r| r.status().as_u16()) {
                Some(412) => Ok(Put::PreconditionFailed),
                Some(409) => Ok(Put::Conflict),
                _ => Err(self.sdk_err("write", key, e)),
            },
        }
    }
}

/// `s3://bucket/some/prefix/` -> (`bucket`, `some/prefix/`).
fn parse_url(url: &str) -> std::result::Result<(String, String), String> {
    let rest = url.strip_prefix("s3://").ok_or_else(|| format!("`{url}` is not an s3:// URL"))?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    if bucket.is_empty() {
        return Err(format!("`{url}` names no bucket (s3://BUCKET/PREFIX)"));
    }
    let prefix = prefix.trim_end_matches('/');
    if prefix.is_empty() {
        return Ok((bucket.to_string(), String::new()));
    }
    validate_key(prefix).map_err(|e| format!("invalid prefix in `{url}`: {e}"))?;
    Ok((bucket.to_string(), format!("{prefix}/")))
}

/// 404, except for a missing bucket: that is a mistake to report, not an
/// absent object. (HEAD responses have no body and so no code: a HEAD on a
/// missing bucket reads as an absent object; the next listing or GET names it.)
fn is_not_found<E: ProvideErrorMetadata>(e: &SdkError<E>) -> bool {
    e.raw_response().is_some_and(|r| r.status().as_u16() == 404) && e.code() != Some("NoSuchBucket")
}

pub(crate) fn cache_control(caching: Caching) -> &'static str {
    match caching {
        Caching::Immutable => CACHE_IMMUTABLE,
        Caching::Short => CACHE_SHORT,
    }
}

/// A write that met a 409 (another conditional write on the key in
/// flight) asked again a few times: then it is either created or 412.
fn retry_conflicts(mut write: impl FnMut() -> Result<Put>) -> Result<Put> {
    for attempt in 0..5 {
        match write()? {
            Put::Conflict => std::thread::sleep(std::time::Duration::from_millis(50 << attempt)),
            done => return Ok(done),
        }
    }
    write()
}

/// Browsers and proxies get a sensible type; S3 would say `binary/octet-stream`.
pub(crate) fn content_type(key: &str) -> Option<&'static str> {
    let name = key.rsplit('/').next().unwrap_or(key);
    let ext = name.rsplit_once('.').map(|(_, ext)| ext);
    Some(match (name, ext) {
        (_, Some("deb" | "udeb" | "ddeb")) => "application/vnd.debian.binary-package",
        (_, Some("gz")) => "application/gzip",
        (_, Some("xz")) => "application/x-xz",
        (_, Some("zst")) => "application/zstd",
        (_, Some("gpg")) => "application/pgp-signature",
        // `aptkit index-html`'s pages: a browser must render them, not download them.
        (_, Some("html")) => "text/html; charset=utf-8",
        ("Release" | "InRelease" | "Packages" | "Sources", _) => "text/plain; charset=utf-8",
        _ => return None,
    })
}

/// A GET's body as a blocking reader, one chunk at a time.
struct S3Reader {
    runtime: Arc<Runtime>,
    key: String,
    body: ByteStream,
    chunk: bytes::Bytes,
}

impl Read for S3Reader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.chunk.is_empty() {
            match self.runtime.block_on(self.body.try_next()) {
                Ok(Some(chunk)) => self.chunk = chunk,
                Ok(None) => return Ok(0),
                Err(e) => {
                    // The connection failed mid-body: a network fault,
                    // transient (`aptkit_store::Error::is_transient`).
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::ConnectionAborted,
                        format!("reading S3 object `{}`: {}", self.key, error_chain(&e)),
                    ));
                }
            }
        }
        let n = buf.len().min(self.chunk.len());
        buf[..n].copy_from_slice(&self.chunk.split_to(n));
        Ok(n)
    }
}

impl Store for S3Store {
    fn location(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.prefix).trim_end_matches('/').to_string()
    }

    fn get(&self, key: &str) -> Result<Option<(Vec<u8>, ETag)>> {
        let Some(out) = self.get_object(key, None)? else { return Ok(None) };
        let etag = ETag(out.e_tag().unwrap_or_default().to_string());
        let bytes = self.runtime.block_on(out.body.collect()).map_err(|e| {
            let source = std::io::Error::new(std::io::ErrorKind::ConnectionAborted, error_chain(&e));
            self.io_err("read", key, source)
        })?;
        Ok(Some((bytes.to_vec(), etag)))
    }

    fn open(&self, key: &str) -> Result<Option<Box<dyn Read + Send>>> {
        Ok(self.get_object(key, None)?.map(|out| self.reader(key, out.body)))
    }

    fn open_at(&self, key: &str, offset: u64) -> Result<Option<Box<dyn Read + Send>>> {
        if offset == 0 {
            return self.open(key);
        }
        let full = self.full_key(key)?;
        let request = self.client.get_object().bucket(&self.bucket).key(full).range(format!("bytes={offset}-")).send();
        match self.runtime.block_on(request) {
            Ok(out) => Ok(Some(self.reader(key, out.body))),
            Err(e) if is_not_found(&e) => Ok(None),
            // 416: the offset is at or past the end. At the end is an empty
            // rest (a download that was complete), past it an error.
            Err(e) if e.raw_response().is_some_and(|r| r.status().as_u16() == 416) => match self.head(key)? {
                None => Ok(None),
                Some(meta) if meta.size == offset => Ok(Some(Box::new(std::io::empty()))),
                Some(meta) => {
                    let msg = format!("object is {} bytes, shorter than offset {offset}", meta.size);
                    Err(self.io_err("read", key, std::io::Error::new(std::io::ErrorKind::UnexpectedEof, msg)))
                }
            },
            Err(e) => Err(self.sdk_err("read", key, e)),
        }
    }

    fn head(&self, key: &str) -> Result<Option<ObjectMeta>> {
        let full = self.full_key(key)?;
        let request = self.client.head_object().bucket(&self.bucket).key(full).send();
        match self.runtime.block_on(request) {
            Ok(out) => Ok(Some(ObjectMeta {
                key: key.to_string(),
                size: out.content_length().unwrap_or(0).max(0) as u64,
                etag: ETag(out.e_tag().unwrap_or_default().to_string()),
                modified: out.last_modified().map(|t| t.secs()).unwrap_or(0),
            })),
            Err(e) if is_not_found(&e) => Ok(None),
            Err(e) => Err(self.sdk_err("stat", key, e)),
        }
    }

    fn put_if_absent(&self, key: &str, body: Body<'_>, caching: Caching) -> Result<Written> {
        match self.write(key, body, caching, Some(None))? {
            Put::Created(etag) => Ok(Written::Created(etag)),
            Put::PreconditionFailed | Put::Conflict => Ok(Written::Conflict(self.head(key)?)),
        }
    }

    fn put_if_match(&self, key: &str, body: &[u8], expected: Option<&ETag>) -> Result<Written> {
        let payload = Payload::Bytes(bytes::Bytes::copy_from_slice(body));
        match self.put_object(key, &payload, None, Some(expected))? {
            Put::Created(etag) => Ok(Written::Created(etag)),
            // Either way another writer came first: the caller re-reads and retries.
            Put::PreconditionFailed | Put::Conflict => Ok(Written::Conflict(self.head(key)?)),
        }
    }

    fn put_if_match_cached(
        &self,
        key: &str,
        body: &[u8],
        expected: Option<&ETag>,
        caching: Caching,
    ) -> Result<Written> {
        let payload = Payload::Bytes(bytes::Bytes::copy_from_slice(body));
        match retry_conflicts(|| self.put_object(key, &payload, Some(caching), Some(expected)))? {
            Put::Created(etag) => Ok(Written::Created(etag)),
            Put::PreconditionFailed | Put::Conflict => Ok(Written::Conflict(self.head(key)?)),
        }
    }

    fn put(&self, key: &str, body: Body<'_>, caching: Caching) -> Result<ETag> {
        match self.write(key, body, caching, None)? {
            Put::Created(etag) => Ok(etag),
            Put::PreconditionFailed => Err(self.io_err(
                "write",
                key,
                std::io::Error::other("S3 refused an unconditional write with a precondition failure"),
            )),
            // Only a stream that met another writer's upload gets here.
            Put::Conflict => Err(Error::Unavailable {
                op: "write",
                key: key.to_string(),
                location: self.location(),
                source: std::io::Error::other("another upload of this key was in flight; try again"),
            }),
        }
    }

    fn touch(&self, key: &str, caching: Caching) -> Result<bool> {
        S3Store::touch(self, key, caching)
    }

    fn list(&self, prefix: &str) -> Result<Vec<ObjectMeta>> {
        let full = format!("{}{prefix}", self.prefix);
        let mut out = Vec::new();
        let mut token = None;
        loop {
            let request = self
                .client
                .list_objects_v2()
                .bucket(&self.bucket)
                .set_prefix((!full.is_empty()).then(|| full.clone()))
                .set_continuation_token(token.take())
                .send();
            let page = self.runtime.block_on(request).map_err(|e| self.sdk_err("list", prefix, e))?;
            for object in page.contents() {
                let Some(key) = object.key().and_then(|k| k.strip_prefix(&self.prefix)) else { continue };
                // "Folder" placeholders that consoles create (`dists/`) are
                // not objects a store can address.
                if key.ends_with('/') {
                    continue;
                }
                out.push(ObjectMeta {
                    key: key.to_string(),
                    size: object.size().unwrap_or(0).max(0) as u64,
                    etag: ETag(object.e_tag().unwrap_or_default().to_string()),
                    modified: object.last_modified().map(|t| t.secs()).unwrap_or(0),
                });
            }
            match page.next_continuation_token() {
                Some(next) if page.is_truncated() == Some(true) => token = Some(next.to_string()),
                _ => break,
            }
        }
        // S3 lists in UTF-8 byte order already; sorting keeps the promise
        // for servers that do not.
        out.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(out)
    }

    fn remote_object(&self, key: &str) -> Option<RemoteObject> {
        let key = self.full_key(key).ok()?;
        Some(RemoteObject { server: self.server.clone(), bucket: self.bucket.clone(), key })
    }

    fn sweep_leftovers(&self, min_age: i64, now: i64, dry_run: bool) -> Result<Vec<(String, u64)>> {
        self.sweep_uploads(min_age, now, dry_run)
    }

    fn delete(&self, key: &str) -> Result<()> {
        let full = self.full_key(key)?;
        let request = self.client.delete_object().bucket(&self.bucket).key(full).send();
        match self.runtime.block_on(request) {
            Ok(_) => Ok(()),
            // S3 answers 204 for an absent key; some compatible servers 404.
            Err(e) if is_not_found(&e) => Ok(()),
            Err(e) => Err(self.sdk_err("delete", key, e)),
        }
    }
}

/// An error and its causes as one line (`dispatch failure: io error: …:
/// Connection refused (os error 111)`), without the debug dump that the
/// SDK's `DisplayErrorContext` appends.
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut cause = e.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !parts.last().is_some_and(|last| last.ends_with(&text)) {
            parts.push(text);
        }
        cause = c.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_bucket_and_prefix() {
        assert_eq!(parse_url("s3://b").unwrap(), ("b".into(), "".into()));
        assert_eq!(parse_url("s3://b/").unwrap(), ("b".into(), "".into()));
        assert_eq!(parse_url("s3://b/some/prefix/").unwrap(), ("b".into(), "some/prefix/".into()));
        for bad in ["s3://", "s3:///x", "s3://b/a/../c", "s3://b//x", "file:///x"] {
            assert!(parse_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn content_types_follow_the_name() {
        assert_eq!(
            content_type("pool/main/h/hello/hello_1.0+b1_amd64.deb"),
            Some("application/vnd.debian.binary-package")
        );
        assert_eq!(content_type("dists/stable/InRelease"), Some("text/plain; charset=utf-8"));
        assert_eq!(content_type("pool/main/index.html"), Some("text/html; charset=utf-8"));
        assert_eq!(content_type("dists/stable/main/binary-amd64/by-hash/SHA256/abc"), None);
    }
}
