//! `aptkit serve`: a small static HTTP server for trying a repository with
//! apt on one machine. GET and HEAD, one thread per connection. Files are
//! streamed (a large .deb is never held in memory); a single byte range is
//! honoured (apt resumes an interrupted download with `Range`, and `aptkit
//! mirror` does over HTTP); `If-Modified-Since` gets a 304, which is how
//! `apt-get update` tells an unchanged InRelease apart (its "Hit:").

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::net::{TcpListener, TcpStream};
use std::ops::Range;
use std::path::{Component, Path, PathBuf};

use anyhow::Context;

use super::Outcome;
use crate::settings::ServeSettings;

/// Longest request or header line read; past it the connection is closed.
const MAX_LINE: u64 = 16 << 10;

pub fn run(settings: ServeSettings) -> anyhow::Result<Outcome> {
    let ServeSettings { root, bind, port } = settings;
    anyhow::ensure!(root.is_dir(), "cannot serve `{}`: not a directory", root.display());
    let listener =
        TcpListener::bind((bind.as_str(), port)).with_context(|| format!("cannot listen on {bind}:{port}"))?;
    let addr = listener.local_addr()?;
    eprintln!("serving {} on http://{addr}/ (Ctrl-C to stop)", root.display());
    for stream in listener.incoming().flatten() {
        let root = root.clone();
        std::thread::spawn(move || {
            let _ = handle(stream, &root);
        });
    }
    Ok(Outcome::Success)
}

/// What of a request the server acts on.
#[derive(Debug, Default)]
struct Request {
    method: String,
    target: String,
    keep_alive: bool,
    range: Option<String>,
    if_range: Option<String>,
    if_modified_since: Option<String>,
}

/// The next request on the connection, `None` at its end.
fn read_request(reader: &mut impl BufRead) -> std::io::Result<Option<Request>> {
    let mut line = String::new();
    if reader.take(MAX_LINE).read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let mut parts = line.split_whitespace();
    let mut request = Request {
        method: parts.next().unwrap_or("").to_string(),
        target: parts.next().unwrap_or("/").to_string(),
        ..Default::default()
    };
    // HTTP/1.1 keeps the connection open unless told otherwise; 1.0 closes it.
    request.keep_alive = parts.next() == Some("HTTP/1.1");
    loop {
        let mut header = String::new();
        if reader.take(MAX_LINE).read_line(&mut header)? == 0 || header.trim().is_empty() {
            break;
        }
        let Some((name, value)) = header.split_once(':') else { continue };
        let value = value.trim().to_string();
        match name.trim().to_ascii_lowercase().as_str() {
            "connection" => {
                request.keep_alive = !value.eq_ignore_ascii_case("close")
                    && (request.keep_alive || value.eq_ignore_ascii_case("keep-alive"))
            }
            "range" => request.range = Some(value),
            "if-range" => request.if_range = Some(value),
            "if-modified-since" => request.if_modified_since = Some(value),
            _ => {}
        }
    }
    Ok(Some(request))
}

fn handle(stream: TcpStream, root: &Path) -> std::io::Result<()> {
    // Headers and body go out in separate writes: without this, Nagle's
    // algorithm holds the body back for the client's delayed ACK.
    stream.set_nodelay(true)?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut stream = stream;
    while let Some(request) = read_request(&mut reader)? {
        respond(&mut stream, root, &request)?;
        if !request.keep_alive {
            return Ok(());
        }
    }
    Ok(())
}

fn respond(stream: &mut TcpStream, root: &Path, request: &Request) -> std::io::Result<()> {
    let empty = |stream: &mut TcpStream, status: &str| write!(stream, "HTTP/1.1 {status}\r\nContent-Length: 0\r\n\r\n");
    if request.method != "GET" && request.method != "HEAD" {
        return empty(stream, "405 Method Not Allowed");
    }
    let opened = resolve(root, &request.target).and_then(|path| {
        let file = File::open(path).ok()?;
        let meta = file.metadata().ok().filter(|m| m.is_file())?;
        Some((file, meta))
    });
    let Some((mut file, meta)) = opened else { return empty(stream, "404 Not Found") };
    let len = meta.len();
    let secs = |t: std::time::SystemTime| t.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    let mtime = meta.modified().unwrap_or(std::time::UNIX_EPOCH);
    let modified = secs(mtime);
    // HTTP dates count whole seconds: a file written in this very second
    // could be replaced within it, and a client holding this date would
    // then be told the new file is the one it has. Such a file gets no
    // Last-Modified (as Apache does), so it cannot be revalidated. For the
    // same reason a client's date in the very second the file was written
    // proves nothing (apt, given no Last-Modified, sends the time it
    // downloaded its copy, which may precede a second write in that
    // second): only a date past that second gets a 304. Last-Modified is
    // the end of the file's second, so that a client echoing it qualifies.
    let written_within = mtime.duration_since(std::time::UNIX_EPOCH).is_ok_and(|d| d.subsec_nanos() > 0);
    let last_modified =
        (secs(std::time::SystemTime::now()) > modified).then(|| http_date(modified + i64::from(written_within)));
    if let Some(date) = &last_modified {
        let since = request.if_modified_since.as_deref().and_then(aptkit_index::parse_date);
        if since.is_some_and(|since| modified < since) {
            return write!(stream, "HTTP/1.1 304 Not Modified\r\nLast-Modified: {date}\r\n\r\n");
        }
    }
    // A range only applies to the version the client has part of.
    let range = request.range.as_deref().filter(|_| request.if_range.is_none() || request.if_range == last_modified);
    let (status, body, content_range) = match range.and_then(|r| byte_range(r, len)) {
        None => ("200 OK", 0..len, String::new()),
        Some(Ok(r)) => {
            ("206 Partial Content", r.clone(), format!("Content-Range: bytes {}-{}/{len}\r\n", r.start, r.end - 1))
        }
        Some(Err(Unsatisfiable)) => {
            return write!(
                stream,
                "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */{len}\r\nContent-Length: 0\r\n\r\n"
            );
        }
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\n{content_range}Content-Type: application/octet-stream\r\n{}Accept-Ranges: bytes\r\n\r\n",
        body.end - body.start,
        last_modified.map(|d| format!("Last-Modified: {d}\r\n")).unwrap_or_default()
    );
    stream.write_all(head.as_bytes())?;
    if request.method == "HEAD" {
        return Ok(());
    }
    file.seek(SeekFrom::Start(body.start))?;
    // File to socket: std hands this to sendfile(2).
    let sent = std::io::copy(&mut file.take(body.end - body.start), stream)?;
    if sent < body.end - body.start {
        // The file shrank while being sent: the client must not take the
        // short body as whole.
        return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "file changed while being sent"));
    }
    Ok(())
}

/// A `Range` that no byte of the file satisfies (answered with 416).
#[derive(Debug, PartialEq)]
struct Unsatisfiable;

/// The bytes a `Range: bytes=...` header asks of a file of `len` bytes.
/// `None`: a header to ignore, answered with the whole file as HTTP allows
/// (not bytes, several ranges, or malformed).
fn byte_range(header: &str, len: u64) -> Option<Result<Range<u64>, Unsatisfiable>> {
    let (unit, spec) = header.split_once('=')?;
    if !unit.trim().eq_ignore_ascii_case("bytes") || spec.contains(',') {
        return None;
    }
    let (first, last) = spec.trim().split_once('-')?;
    let number = |s: &str| if s.is_empty() { Some(None) } else { s.parse::<u64>().ok().map(Some) };
    let range = match (number(first)?, number(last)?) {
        // The last n bytes.
        (None, Some(n)) => len.saturating_sub(n)..len,
        (Some(a), None) => a..len,
        (Some(a), Some(b)) if a <= b => a..len.min(b.saturating_add(1)),
        _ => return None,
    };
    Some(if range.start < range.end { Ok(range) } else { Err(Unsatisfiable) })
}

/// An HTTP date (RFC 9110's IMF-fixdate).
fn http_date(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|d| d.format("%a, %d %b %Y %H:%M:%S GMT").to_string())
        .unwrap_or_default()
}

/// Map a request target to a file under `root`, refusing anything that
/// could leave it. Percent-escapes are decoded (`+` is a literal plus).
fn resolve(root: &Path, target: &str) -> Option<PathBuf> {
    let raw = target.split(['?', '#']).next()?;
    let decoded = percent_decode(raw)?;
    let rel = Path::new(decoded.trim_start_matches('/'));
    if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
        return None;
    }
    Some(root.join(rel))
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_leaves_the_root() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a+b_1.0.deb"), "x").unwrap();
        assert!(resolve(dir.path(), "/a%2Bb_1.0.deb").is_some());
        assert!(resolve(dir.path(), "/a+b_1.0.deb").is_some());
        assert!(resolve(dir.path(), "/../etc/passwd").is_none());
        assert!(resolve(dir.path(), "/%2e%2e/etc/passwd").is_none());
        assert_eq!(resolve(dir.path(), "/dists/stable/InRelease?x#y"), Some(dir.path().join("dists/stable/InRelease")));
    }

    #[test]
    fn byte_ranges_as_http_defines_them() {
        let r = |h: &str| byte_range(h, 1000);
        assert_eq!(r("bytes=0-99"), Some(Ok(0..100)));
        assert_eq!(r("bytes=900-"), Some(Ok(900..1000)));
        assert_eq!(r("bytes=-100"), Some(Ok(900..1000)));
        assert_eq!(r("bytes=-5000"), Some(Ok(0..1000)));
        assert_eq!(r("bytes=990-5000"), Some(Ok(990..1000)), "an end past the file is cut to it");
        assert_eq!(r("bytes=1000-"), Some(Err(Unsatisfiable)));
        assert_eq!(r("bytes=-0"), Some(Err(Unsatisfiable)));
        assert_eq!(byte_range("bytes=0-", 0), Some(Err(Unsatisfiable)), "no byte of an empty file");
        // Ignored (the whole file is sent): other units, several ranges, nonsense.
        for ignored in ["items=0-1", "bytes=0-1,5-6", "bytes=5-1", "bytes=-", "bytes=a-b", "bytes 0-1"] {
            assert_eq!(r(ignored), None, "{ignored}");
        }
    }

    #[test]
    fn http_dates_are_imf_fixdates_that_read_back() {
        assert_eq!(http_date(1_795_324_182), "Sun, 22 Nov 2026 05:09:42 GMT");
        assert_eq!(aptkit_index::parse_date(&http_date(1_795_324_182)), Some(1_795_324_182));
    }
}
