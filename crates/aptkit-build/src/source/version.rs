//! Which versions a source tarball may have, and which of them are nightlies.
//!
//! dpkg (lib/dpkg/parsehelp.c, `parseversion`) reads `[epoch:]upstream[-revision]`:
//! the upstream part must start with a digit and hold only letters, digits
//! and `.+~-:`, where a hyphen is only possible when a revision follows (dpkg
//! splits at the last one) and a colon only after an epoch. A source tarball
//! carries the upstream version alone, so here both are refused: what is left
//! is a digit, then ASCII letters, digits, `.`, `+` and `~`.

use super::error::{Error, Result};

/// How a version's tarball is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// `YYYY.MM.DD` (a real date): from a branch head.
    Nightly,
    /// Any other version: from the tag the tag format names.
    Release,
}

impl SourceKind {
    /// Checks that `version` is a valid upstream version, then says which
    /// kind it is: a nightly if it has the shape `YYYY.MM.DD`, which must then
    /// be a real date (`2026.13.40` is refused, not taken for a release).
    pub fn of(version: &str) -> Result<SourceKind> {
        check_upstream_version(version)?;
        let b = version.as_bytes();
        let shaped = b.len() == 10
            && b[4] == b'.'
            && b[7] == b'.'
            && [0, 1, 2, 3, 5, 6, 8, 9].iter().all(|&i| b[i].is_ascii_digit());
        if !shaped {
            return Ok(SourceKind::Release);
        }
        let field = |range: std::ops::Range<usize>| version[range].parse::<u32>().expect("checked digits");
        match chrono::NaiveDate::from_ymd_opt(field(0..4) as i32, field(5..7), field(8..10)) {
            Some(_) => Ok(SourceKind::Nightly),
            None => Err(Error::InvalidDate { version: version.to_string() }),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Nightly => "nightly",
            SourceKind::Release => "release",
        }
    }
}

/// An upstream version as a source tarball may carry it (see the module).
pub fn check_upstream_version(version: &str) -> Result<()> {
    let invalid = |reason: String| Err(Error::InvalidVersion { version: version.to_string(), reason });
    let Some(first) = version.chars().next() else {
        return invalid("it is empty".to_string());
    };
    if !first.is_ascii_digit() {
        return invalid("it must start with a digit".to_string());
    }
    for c in version.chars() {
        match c {
            c if c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '~') => {}
            '-' => return invalid("a hyphen starts a Debian revision, which a source tarball has none of".to_string()),
            ':' => return invalid("a colon ends an epoch, which is never part of a tarball's version".to_string()),
            c => {
                return invalid(format!("`{}` is not allowed (only letters, digits, `.`, `+`, `~`)", c.escape_debug()))
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nightlies_are_real_dates() {
        for v in ["2026.05.01", "2024.02.29", "2000.12.31"] {
            assert_eq!(SourceKind::of(v).unwrap(), SourceKind::Nightly, "{v}");
        }
        for v in ["2026.13.40", "2026.02.30", "2023.02.29", "2026.00.10", "2026.01.00"] {
            assert!(matches!(SourceKind::of(v), Err(Error::InvalidDate { .. })), "{v}");
        }
    }

    #[test]
    fn other_valid_versions_are_releases() {
        for v in ["1.2.0", "0", "1.0~rc1", "2.0+dfsg", "2026.5.1", "2026.05.01.1", "20260501", "1.2.0a"] {
            assert_eq!(SourceKind::of(v).unwrap(), SourceKind::Release, "{v}");
        }
    }

    #[test]
    fn invalid_upstream_versions_are_refused_with_a_reason() {
        for (v, reason) in [
            ("", "empty"),
            ("v1.2.0", "start with a digit"),
            (".1", "start with a digit"),
            ("1.2-1", "hyphen"),
            ("1:1.2", "colon"),
            ("1.2 beta", "` ` is not allowed"),
            ("1.2_3", "`_` is not allowed"),
            ("1/2", "`/` is not allowed"),
            ("1.2é", "`é` is not allowed"),
            ("1\n", "`\\n` is not allowed"),
        ] {
            match SourceKind::of(v) {
                Err(e @ Error::InvalidVersion { .. }) => {
                    let text = e.to_string();
                    assert!(text.contains(reason) && text.contains(&format!("`{v}`")), "{v}: {text}")
                }
                other => panic!("{v}: {other:?}"),
            }
        }
    }
}
