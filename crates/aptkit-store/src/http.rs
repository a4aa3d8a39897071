use std::io::Read;

use crate::{Body, Caching, ETag, Error, ObjectMeta, Result, Store, Written};

/// A read-only store over HTTP(S): a published repository as clients see
/// it. Listing is impossible over plain HTTP, so callers name what they
/// need (suites, Release files).
pub struct HttpStore {
    base: String,
    agent: ureq::Agent,
}

impl HttpStore {
    /// `base` is the repository root, e.g. `http://127.0.0.1:8080/debian`.
    pub fn new(base: &str) -> Self {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(std::time::Duration::from_secs(300)))
            .http_status_as_error(false)
            .build()
            .into();
        HttpStore { base: base.trim_end_matches('/').to_string(), agent }
    }

    fn url(&self, key: &str) -> Result<String> {
        crate::validate_key(key)?;
        // `+` and `~` are common in Debian versions; encode everything that
        // is not unreserved so that every server sees the same path.
        let encoded: String = key
            .split('/')
            .map(|part| {
                part.bytes()
                    .map(|b| match b {
                        b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
                        _ => format!("%{b:02X}"),
                    })
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("/");
        Ok(format!("{}/{encoded}", self.base))
    }

    fn io_err(&self, op: &'static str, key: &str, e: impl std::fmt::Display) -> Error {
        Error::Io {
            op,
            key: key.to_string(),
            location: self.base.clone(),
            source: std::io::Error::other(e.to_string()),
        }
    }

    /// A server that could not be reached, or that failed or was
    /// overloaded (5xx, 429): the same request may succeed later.
    fn unavailable(&self, op: &'static str, key: &str, e: impl std::fmt::Display) -> Error {
        Error::Unavailable {
            op,
            key: key.to_string(),
            location: self.base.clone(),
            source: std::io::Error::other(e.to_string()),
        }
    }

    /// A request that got no answer: transient if the connection failed or
    /// timed out, not if the URL or TLS setup is wrong.
    fn call_err(&self, key: &str, e: ureq::Error) -> Error {
        match e {
            ureq::Error::Io(_) | ureq::Error::Timeout(_) | ureq::Error::ConnectionFailed => {
                self.unavailable("fetch", key, e)
            }
            other => self.io_err("fetch", key, other),
        }
    }

    /// The error for an unexpected HTTP status.
    fn status_err(&self, key: &str, code: u16, context: &str) -> Error {
        let message = format!("HTTP status {code}{context}");
        if code >= 500 || code == 429 {
            self.unavailable("fetch", key, message)
        } else {
            self.io_err("fetch", key, message)
        }
    }

    fn read_only(&self, key: &str) -> Error {
        Error::Io {
            op: "write",
            key: key.to_string(),
            location: self.base.clone(),
            source: std::io::Error::new(std::io::ErrorKind::Unsupported, "HTTP repositories are read-only"),
        }
    }

    fn fetch(&self, key: &str) -> Result<Option<ureq::http::Response<ureq::Body>>> {
        let url = self.url(key)?;
        let response = self.agent.get(&url).call().map_err(|e| self.call_err(key, e))?;
        match response.status().as_u16() {
            200 => Ok(Some(response)),
            404 | 410 => Ok(None),
            code => Err(self.status_err(key, code, "")),
        }
    }

    /// GET from byte `offset` on, with a Range request.
    fn fetch_from(&self, key: &str, offset: u64) -> Result<Option<Box<dyn Read + Send>>> {
        let url = self.url(key)?;
        let response = self
            .agent
            .get(&url)
            .header("Range", &format!("bytes={offset}-"))
            .call()
            .map_err(|e| self.call_err(key, e))?;
        let status = response.status().as_u16();
        let mut reader = response.into_body().into_reader();
        match status {
            206 => Ok(Some(Box::new(reader))),
            // A server without Range support sends everything: skip ahead.
            200 => {
                let skipped = std::io::copy(&mut (&mut reader).take(offset), &mut std::io::sink())
                    .map_err(|e| self.io_err("read", key, e))?;
                if skipped < offset {
                    return Err(self.io_err("fetch", key, format!("object is shorter than offset {offset}")));
                }
                Ok(Some(Box::new(reader)))
            }
            404 | 410 => Ok(None),
            code => Err(self.status_err(key, code, &format!(" for a range from byte {offset}"))),
        }
    }
}

impl Store for HttpStore {
    fn location(&self) -> String {
        self.base.clone()
    }

    fn get(&self, key: &str) -> Result<Option<(Vec<u8>, ETag)>> {
        let Some(response) = self.fetch(key)? else { return Ok(None) };
        let etag = response.headers().get("etag").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let mut bytes = Vec::new();
        response.into_body().into_reader().read_to_end(&mut bytes).map_err(|e| self.io_err("read", key, e))?;
        Ok(Some((bytes, ETag(etag))))
    }

    fn open(&self, key: &str) -> Result<Option<Box<dyn Read + Send>>> {
        Ok(self.fetch(key)?.map(|r| Box::new(r.into_body().into_reader()) as Box<dyn Read + Send>))
    }

    fn open_at(&self, key: &str, offset: u64) -> Result<Option<Box<dyn Read + Send>>> {
        if offset == 0 {
            return self.open(key);
        }
        self.fetch_from(key, offset)
    }

    fn head(&self, key: &str) -> Result<Option<ObjectMeta>> {
        let url = self.url(key)?;
        let response = self.agent.head(&url).call().map_err(|e| self.call_err(key, e))?;
        if response.status().as_u16() != 200 {
            return Ok(None);
        }
        let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
        Ok(Some(ObjectMeta {
            key: key.to_string(),
            size: header("content-length").and_then(|v| v.parse().ok()).unwrap_or(0),
            etag: ETag(header("etag").unwrap_or_default()),
            modified: 0,
        }))
    }

    fn put_if_absent(&self, key: &str, _body: Body<'_>, _caching: Caching) -> Result<Written> {
        Err(self.read_only(key))
    }

    fn put_if_match(&self, key: &str, _body: &[u8], _expected: Option<&ETag>) -> Result<Written> {
        Err(self.read_only(key))
    }

    fn put(&self, key: &str, _body: Body<'_>, _caching: Caching) -> Result<ETag> {
        Err(self.read_only(key))
    }

    fn list(&self, prefix: &str) -> Result<Vec<ObjectMeta>> {
        Err(Error::Io {
            op: "list",
            key: prefix.to_string(),
            location: self.base.clone(),
            source: std::io::Error::new(std::io::ErrorKind::Unsupported, "HTTP cannot list: name the suites (--suite)"),
        })
    }

    fn delete(&self, key: &str) -> Result<()> {
        Err(self.read_only(key))
    }
}
