//! Container image references, as `docker run` takes them: `debian:bookworm`,
//! `ghcr.io/owner/builder:1.2`, `localhost:5000/img@sha256:<64 hex>`.
//!
//! The grammar is docker/distribution's (`reference/regexp.go`, with the
//! domain rule of `normalize.go`):
//!
//! ```text
//! reference        := name [ ":" tag ] [ "@" digest ]
//! name             := [ domain "/" ] path-component [ "/" path-component ]*
//! domain           := host [ ":" port ]       ; only if the first component has a `.` or `:`,
//!                                             ; is `localhost`, or has an uppercase letter
//! host             := domain-component [ "." domain-component ]* | "[" ipv6 "]"
//! domain-component := /[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]/
//! path-component   := /[a-z0-9]+/ [ separator /[a-z0-9]+/ ]*
//! separator        := /[_.]|__|[-]*/
//! tag              := /[\w][\w.-]{0,127}/
//! digest           := algorithm ":" hex      ; go-digest: sha256 (64), sha384 (96) or sha512 (128)
//!                                             ; lowercase hex digits
//! ```
//!
//! and a name (domain and path) of at most 255 characters.

use std::fmt;
use std::str::FromStr;

/// A checked image reference. It prints exactly as it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    text: String,
    domain: Option<String>,
    path: String,
    tag: Option<String>,
    digest: Option<String>,
}

impl ImageRef {
    /// The registry `host[:port]`, when the reference names one.
    pub fn domain(&self) -> Option<&str> {
        self.domain.as_deref()
    }

    /// The repository path (`debian`, `owner/builder`).
    pub fn path(&self) -> &str {
        &self.path
    }

    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }

    /// `sha256:<hex>`.
    pub fn digest(&self) -> Option<&str> {
        self.digest.as_deref()
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Why a text is not an image reference.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageRefError {
    #[error("the image name is empty")]
    Empty,
    #[error("an image name has no whitespace or control characters")]
    Whitespace,
    #[error("`{0}` is not a registry host[:port]")]
    Domain(String),
    #[error(
        "`{0}` is not a repository path component (lowercase letters and digits, joined by `.`, `_`, `__` or dashes)"
    )]
    PathComponent(String),
    #[error("repository name `{0}` must be lowercase")]
    Uppercase(String),
    #[error("`{0}` is not a tag (at most 128 letters, digits, `_`, `.` and `-`, not starting with `.` or `-`)")]
    Tag(String),
    #[error("`{0}` is not a digest (sha256:, sha384: or sha512: and that many lowercase hex digits)")]
    Digest(String),
    #[error("the repository name is longer than 255 characters")]
    TooLong,
    #[error("`{0}` is an image ID, not a name (64 hex digits)")]
    Identifier(String),
}

impl FromStr for ImageRef {
    type Err = ImageRefError;

    fn from_str(text: &str) -> Result<Self, ImageRefError> {
        if text.is_empty() {
            return Err(ImageRefError::Empty);
        }
        if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(ImageRefError::Whitespace);
        }
        if text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(ImageRefError::Identifier(text.to_string()));
        }
        let (name_and_tag, digest) = match text.split_once('@') {
            Some((n, d)) => (n, Some(check_digest(d)?)),
            None => (text, None),
        };
        // A colon after the last slash starts the tag; one before it is a port.
        let last_slash = name_and_tag.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match name_and_tag[last_slash..].rfind(':') {
            Some(i) => {
                let (name, tag) = name_and_tag.split_at(last_slash + i);
                (name, Some(check_tag(&tag[1..])?))
            }
            None => (name_and_tag, None),
        };
        let (domain, path) = match name.split_once('/') {
            Some((first, rest)) if is_domain(first) => (Some(check_domain(first)?), rest),
            _ => (None, name),
        };
        if path.chars().any(|c| c.is_ascii_uppercase()) {
            return Err(ImageRefError::Uppercase(path.to_string()));
        }
        for component in path.split('/') {
            if !valid_path_component(component) {
                return Err(ImageRefError::PathComponent(component.to_string()));
            }
        }
        if name.len() > 255 {
            return Err(ImageRefError::TooLong);
        }
        Ok(ImageRef { text: text.to_string(), domain, path: path.to_string(), tag, digest })
    }
}

/// normalize.go's `splitDockerDomain`: the first component is a registry
/// only when it could not be a repository path component.
fn is_domain(first: &str) -> bool {
    first.contains(['.', ':']) || first == "localhost" || first.chars().any(|c| c.is_ascii_uppercase())
}

fn check_domain(domain: &str) -> Result<String, ImageRefError> {
    let bad = || ImageRefError::Domain(domain.to_string());
    let (host, port) = if let Some(rest) = domain.strip_prefix('[') {
        let (ipv6, after) = rest.split_once(']').ok_or_else(bad)?;
        if ipv6.is_empty() || !ipv6.chars().all(|c| c.is_ascii_hexdigit() || c == ':') {
            return Err(bad());
        }
        match after {
            "" => (None, None),
            _ => (None, Some(after.strip_prefix(':').ok_or_else(bad)?)),
        }
    } else {
        match domain.split_once(':') {
            Some((host, port)) => (Some(host), Some(port)),
            None => (Some(domain), None),
        }
    };
    if let Some(host) = host {
        let component_ok = |c: &str| {
            !c.is_empty()
                && c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-')
                && !c.starts_with('-')
                && !c.ends_with('-')
        };
        if !host.split('.').all(component_ok) {
            return Err(bad());
        }
    }
    if let Some(port) = port {
        if port.is_empty() || !port.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
    }
    Ok(domain.to_string())
}

/// `[a-z0-9]+` runs joined by one `.`, one `_`, `__`, or any number of `-`.
fn valid_path_component(component: &str) -> bool {
    let is_alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    let mut chars = component.chars().peekable();
    loop {
        // An alphanumeric run.
        let mut run = 0;
        while chars.peek().is_some_and(|&c| is_alnum(c)) {
            chars.next();
            run += 1;
        }
        if run == 0 {
            return false;
        }
        // A separator, then another run; or the end.
        let separator: String = std::iter::from_fn(|| chars.next_if(|&c| !is_alnum(c))).collect();
        let ok = match separator.as_str() {
            "" => return true,
            "." | "_" | "__" => true,
            s => s.chars().all(|c| c == '-'),
        };
        if !ok {
            return false;
        }
    }
}

fn check_tag(tag: &str) -> Result<String, ImageRefError> {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let ok = tag.len() <= 128 && tag.starts_with(word) && tag.chars().all(|c| word(c) || c == '.' || c == '-');
    if ok {
        Ok(tag.to_string())
    } else {
        Err(ImageRefError::Tag(tag.to_string()))
    }
}

fn check_digest(digest: &str) -> Result<String, ImageRefError> {
    let (hex, len) = match digest.split_once(':') {
        Some(("sha256", hex)) => (hex, 64),
        Some(("sha384", hex)) => (hex, 96),
        Some(("sha512", hex)) => (hex, 128),
        _ => return Err(ImageRefError::Digest(digest.to_string())),
    };
    if hex.len() == len && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        Ok(digest.to_string())
    } else {
        Err(ImageRefError::Digest(digest.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ImageRef, ImageRefError> {
        text.parse()
    }

    const SHA: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn accepts_what_docker_run_takes() {
        let r = parse("debian:bookworm").unwrap();
        assert_eq!((r.domain(), r.path(), r.tag(), r.digest()), (None, "debian", Some("bookworm"), None));
        assert_eq!(r.to_string(), "debian:bookworm");
        let r = parse("ghcr.io/owner/builder:1.2").unwrap();
        assert_eq!((r.domain(), r.path(), r.tag()), (Some("ghcr.io"), "owner/builder", Some("1.2")));
        let r = parse("localhost:5000/img").unwrap();
        assert_eq!((r.domain(), r.path(), r.tag()), (Some("localhost:5000"), "img", None));
        let r = parse(&format!("debian:bookworm@sha256:{SHA}")).unwrap();
        assert_eq!((r.tag(), r.digest()), (Some("bookworm"), Some(format!("sha256:{SHA}").as_str())));
        for good in [
            "ubuntu:24.04",
            "rust:1-bookworm",
            "debian",
            "library/debian:bookworm-slim",
            "registry.example.com:5000/a/b_c__d---e.f:v1_2.3-x",
            "Registry.Example.com/team/img",
            "[::1]:5000/img:tag",
            "192.168.1.10:5000/img",
            "a0/b1/c2/d3",
            "img:_private",
        ] {
            assert!(parse(good).is_ok(), "{good}: {:?}", parse(good));
        }
        assert!(parse(&format!("img:{}", "t".repeat(128))).is_ok());
    }

    #[test]
    fn refuses_what_docker_refuses() {
        use ImageRefError::*;
        let long_tag = format!("img:{}", "t".repeat(129));
        let long_name = format!("{}/img", "a".repeat(252));
        let cases: Vec<(&str, ImageRefError)> = vec![
            ("", Empty),
            ("debian: bookworm", Whitespace),
            ("debian:bookworm\n", Whitespace),
            (" debian", Whitespace),
            ("Debian:bookworm", Uppercase("Debian".into())),
            ("owner/Img", Uppercase("owner/Img".into())),
            ("debian:", Tag("".into())),
            ("debian:-slim", Tag("-slim".into())),
            ("debian:.x", Tag(".x".into())),
            ("debian:book+worm", Tag("book+worm".into())),
            (long_tag.as_str(), Tag("t".repeat(129))),
            ("debian:bookworm/slim", Domain("debian:bookworm".into())),
            ("-debian", PathComponent("-debian".into())),
            ("a//b", PathComponent("".into())),
            ("a/", PathComponent("".into())),
            ("a___b", PathComponent("a___b".into())),
            ("a._b", PathComponent("a._b".into())),
            ("a..b", PathComponent("a..b".into())),
            ("debian.", PathComponent("debian.".into())),
            (":tag", PathComponent("".into())),
            ("host:port/img", Domain("host:port".into())),
            ("-bad.host/img", Domain("-bad.host".into())),
            ("bad_host.io/img", Domain("bad_host.io".into())),
            ("debian@sha256:abc", Digest("sha256:abc".into())),
            ("debian@md5:0123456789abcdef0123456789abcdef", Digest("md5:0123456789abcdef0123456789abcdef".into())),
            (long_name.as_str(), TooLong),
            (SHA, Identifier(SHA.into())),
        ];
        for (text, want) in cases {
            assert_eq!(parse(text), Err(want), "{text:?}");
        }
        let upper = format!("debian@sha256:{}", SHA.to_uppercase());
        assert!(matches!(parse(&upper), Err(Digest(_))));
    }
}
