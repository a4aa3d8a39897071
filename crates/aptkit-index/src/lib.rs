//! apt repository indices, as pure functions over values: no I/O here.
//!
//! - [`FileDigests`] / [`Hasher`]: size, MD5 and SHA-256 of a file in one
//!   pass (the two hashes apt needs: SHA-256 for security, MD5 for old tools);
//!   [`md5_side_by_side`] hashes many streams at once, MD5 in SIMD lanes.
//! - [`ContentValidatingReader`]: the other way round, a file checked
//!   against its listed Size and SHA256 as it is read (a wrapper over any
//!   reader; it does no I/O of its own).
//! - [`package_stanza`]: a `Packages` stanza from a `.deb`'s control file,
//!   in apt-ftparchive's field order.
//! - [`pool_path()`] gives `pool/<component>/<initial>/<source>/<file>`.
//! - [`ReleaseFile`]: the top-level and per-component `Release` files.

mod content_check;
mod digest;
mod packages;
mod release;
mod side_by_side;

pub use content_check::{ContentMismatch, ContentValidatingReader, FoundSize};
pub use digest::{FileDigests, Hasher};
pub use packages::{
    package_stanza, pool_path, source_name, source_name_from, write_packages, MAX_PACKAGES_SIZE, PACKAGE_FIELD_ORDER,
};
pub use release::{format_date, parse_date, IndexFile, ReleaseFile};
pub use side_by_side::{md5_side_by_side, parallel_streams, Lane};
