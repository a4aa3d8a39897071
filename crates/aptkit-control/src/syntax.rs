//! The syntax of names and of the parts of a version: pure checks, no I/O.
//!
//! The version rules are dpkg's own (`parseversion` in
//! `lib/dpkg/parsehelp.c`, documented in deb-version(7)); their messages are
//! dpkg's words, so a user who runs `dpkg --validate-version` sees the same.

/// Debian policy 5.6.1 for package and source names: lowercase letters,
/// digits, `+`, `-`, `.`; at least two characters, starting with a letter
/// or digit.
pub fn valid_package_name(name: &str) -> bool {
    name.len() >= 2
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '+' | '-' | '.'))
}

/// A suite (distribution), component, repo or snapshot name: letters,
/// digits and `. _ - + ~`, at most 128 characters, not starting with `.` or
/// `-`. A suite is one word of an apt sources line and a directory under
/// `dists/`: no spaces, no `/` (suites must not nest), nothing a shell, apt
/// or a URL would read differently, and nothing that looks like an option.
pub fn valid_archive_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && !name.starts_with(['.', '-'])
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+' | '~'))
}

/// A Debian revision, the part of a version after its last hyphen
/// (`1~bookworm`): not empty, and only ASCII letters, digits and `+ . ~`.
/// dpkg requires no leading digit here (`dpkg --validate-version 1.0-~x`
/// accepts it); a hyphen cannot occur, since the revision starts after the
/// last one.
pub fn check_debian_revision(revision: &str) -> Result<(), String> {
    if revision.is_empty() {
        return Err("revision number is empty".into());
    }
    match revision.chars().find(|&c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '~'))) {
        Some(c) => Err(format!(
            "invalid character `{}` in revision number (letters, digits and + . ~ only)",
            c.escape_default()
        )),
        None => Ok(()),
    }
}

/// An upstream version that a Debian revision will follow (`1.0`,
/// `2.1+dfsg`, `1.0~rc1`): not empty, starting with a digit, and only ASCII
/// letters, digits and `. + - ~`. A colon is refused: dpkg would read what
/// precedes it as an epoch.
pub fn check_upstream_version(version: &str) -> Result<(), String> {
    if version.is_empty() {
        return Err("version number is empty".into());
    }
    if !version.starts_with(|c: char| c.is_ascii_digit()) {
        return Err("version number does not start with digit".into());
    }
    match version.chars().find(|&c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '-' | '~'))) {
        Some(c) => Err(format!(
            "invalid character `{}` in version number (letters, digits and . + - ~ only)",
            c.escape_default()
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_names_follow_policy() {
        for good in ["hello", "libgreet1", "g++", "lib.x-1"] {
            assert!(valid_package_name(good), "{good}");
        }
        for bad in ["", "a", "Hello", "-x", "a_b", "a b", "é1"] {
            assert!(!valid_package_name(bad), "{bad}");
        }
    }

    #[test]
    fn archive_names() {
        for good in ["bookworm", "bookworm-backports", "stable", "noble_updates", "1.0", "a+b~c", "Main"] {
            assert!(valid_archive_name(good), "{good}");
        }
        let long = "a".repeat(129);
        for bad in ["", ".hidden", "-rf", "a/b", "a b", "a\tb", "bookworm\n", "é", "a:b", "a*", long.as_str()] {
            assert!(!valid_archive_name(bad), "{bad}");
        }
    }

    /// Each case as `dpkg --validate-version 1.0-<revision>` (dpkg 1.21)
    /// judges it: an error or a warning is a refusal here.
    #[test]
    fn revisions_as_dpkg_judges_them() {
        for good in ["1", "1~bookworm", "0ubuntu1", "1+deb12u1", "~bookworm", "a", "1.2.3", "1~24.04"] {
            assert_eq!(check_debian_revision(good), Ok(()), "{good}");
        }
        assert_eq!(check_debian_revision("").unwrap_err(), "revision number is empty");
        for bad in ["1_2", "1 2", "1-2", "1:2", "1/2", "ü", "1\n"] {
            let err = check_debian_revision(bad).unwrap_err();
            assert!(err.starts_with("invalid character"), "{bad}: {err}");
        }
    }

    #[test]
    fn upstream_versions_as_dpkg_judges_them() {
        for good in ["1.0", "0.1.0", "2.1+dfsg", "1.0~rc1", "1.0-beta", "20261121", "1a"] {
            assert_eq!(check_upstream_version(good), Ok(()), "{good}");
        }
        assert_eq!(check_upstream_version("").unwrap_err(), "version number is empty");
        assert_eq!(check_upstream_version("v1.0").unwrap_err(), "version number does not start with digit");
        for bad in ["1_0", "1.0 2", "1:0", "1/0", "1.0é"] {
            assert!(check_upstream_version(bad).unwrap_err().starts_with("invalid character"), "{bad}");
        }
    }
}
