//! Debian control data for aptkit.
//!
//! This crate owns no I/O: callers hand it text and get typed values back, so
//! errors carry a line number and the caller adds the file name.
//!
//! - [`Paragraph`]: a deb822 paragraph whose field values keep their exact
//!   continuation lines (parsed with `deb822-lossless`), writable back out.
//! - [`Substvars`]: dpkg substitution variables and `${…}` expansion.
//! - [`relations`]: tidying relation fields after substitution.
//! - [`ChangelogHead`]: what packaging needs from `debian/changelog`.
//! - [`Version`]: Debian versions (from `debversion`).

mod changelog;
mod error;
mod paragraph;
pub mod relations;
mod substvars;

pub use changelog::ChangelogHead;
pub use debversion::Version;
pub use error::{Error, Result};
pub use paragraph::{parse_paragraphs, parse_written_paragraphs, Field, Paragraph};
pub use substvars::Substvars;

/// Debian policy 5.6.1 for package and source names: lowercase letters,
/// digits, `+`, `-`, `.`; at least two characters, starting with a letter
/// or digit.
pub fn valid_package_name(name: &str) -> bool {
    name.len() >= 2
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '+' | '-' | '.'))
}

#[cfg(test)]
mod tests {
    #[test]
    fn package_names_follow_policy() {
        for good in ["hello", "libgreet1", "g++", "lib.x-1"] {
            assert!(super::valid_package_name(good), "{good}");
        }
        for bad in ["", "a", "Hello", "-x", "a_b", "a b", "é1"] {
            assert!(!super::valid_package_name(bad), "{bad}");
        }
    }
}
