//! `aptkit serve`: a small static HTTP server for trying a repository with
//! apt on one machine. GET and HEAD only, one thread per connection.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};

use anyhow::Context;

use super::Outcome;
use crate::cli::ServeArgs;
use crate::settings::Settings;

pub fn run(settings: &Settings, args: ServeArgs) -> anyhow::Result<Outcome> {
    let root = match args.root.or_else(|| settings.public_dir.clone()) {
        Some(r) => r,
        None => anyhow::bail!("the publish store is not a directory: pass --root"),
    };
    let listener = TcpListener::bind((args.bind.as_str(), args.port))
        .with_context(|| format!("cannot listen on {}:{}", args.bind, args.port))?;
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

fn handle(mut stream: TcpStream, root: &Path) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    loop {
        let mut request = String::new();
        if reader.read_line(&mut request)? == 0 {
            return Ok(());
        }
        let mut keep_alive = true;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
                break;
            }
            if header.to_ascii_lowercase().starts_with("connection:") && header.to_ascii_lowercase().contains("close") {
                keep_alive = false;
            }
        }
        let mut parts = request.split_whitespace();
        let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or("/"));
        let path = resolve(root, target);
        let head_only = method == "HEAD";
        match (method, path.as_ref().and_then(|p| std::fs::read(p).ok())) {
            ("GET" | "HEAD", Some(body)) => {
                write!(stream, "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nContent-Type: application/octet-stream\r\n\r\n", body.len())?;
                if !head_only {
                    stream.write_all(&body)?;
                }
            }
            ("GET" | "HEAD", None) => write!(stream, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")?,
            _ => write!(stream, "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")?,
        }
        if !keep_alive {
            return Ok(());
        }
    }
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
    let path = root.join(rel);
    path.is_file().then_some(path)
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
        assert!(resolve(dir.path(), "/missing").is_none());
    }
}
