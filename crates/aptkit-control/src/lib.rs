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
//! - [`valid_package_name`], [`valid_archive_name`], [`check_debian_revision`],
//!   [`check_upstream_version`]: the syntax of names and version parts.

mod changelog;
mod error;
mod paragraph;
pub mod relations;
mod substvars;
mod syntax;

pub use changelog::ChangelogHead;
pub use debversion::Version;
pub use error::{Error, Result};
pub use paragraph::{parse_paragraphs, parse_written_paragraphs, Field, Paragraph};
pub use substvars::Substvars;
pub use syntax::{check_debian_revision, check_upstream_version, valid_archive_name, valid_package_name};
