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
pub use paragraph::{parse_paragraphs, Field, Paragraph};
pub use substvars::Substvars;
