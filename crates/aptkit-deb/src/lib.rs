//! Read and write `.deb` archives.
//!
//! A `.deb` is an ar archive of `debian-binary`, `control.tar.*` and
//! `data.tar.*`, in that order (deb(5)). Writing is split the way the bytes
//! must flow: the data member is streamed first (every payload byte is read
//! once, hashed for `md5sums` and compressed in the same pass) into a
//! temporary file, because `md5sums` and `Installed-Size` belong to the
//! control member that precedes it. [`DebWriter`] then assembles the ar
//! archive and renames it into place, so a failed build never leaves a
//! partial `.deb` behind.
//!
//! Everything written is reproducible: entries sorted as dpkg-deb sorts them,
//! owner root:root, mtimes clamped to `SOURCE_DATE_EPOCH`.

mod compression;
mod error;
mod listing;
mod prehash;
mod read;
mod tree;
mod write;

pub use compression::Compression;
pub use error::{Error, Result};
pub use listing::{format_contents, format_info};
pub use read::{ControlMember, DataEntry, DataKind, DebHead, DebReader, MAX_CONTROL_SIZE};
pub use tree::{FileSource, Node, Tree, TreeEntry, TreePath};
pub use write::{ControlFile, DataArchive, DebWriter, PendingDeb, ProgressFn};
