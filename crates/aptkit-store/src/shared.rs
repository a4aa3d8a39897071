//! An object's bytes, read into memory or mapped from a local file.

use std::ops::Deref;

/// The whole of an object that is never rewritten in place, as
/// [`Store::get_immutable`](crate::Store::get_immutable) gives it. A local
/// store maps the file: its pages are the page cache's, so a large object
/// costs neither a copy nor fresh memory.
pub struct Shared(Inner);

enum Inner {
    Read(Vec<u8>),
    Mapped(memmap2::Mmap),
}

impl Shared {
    pub(crate) fn mapped(map: memmap2::Mmap) -> Self {
        Shared(Inner::Mapped(map))
    }
}

impl From<Vec<u8>> for Shared {
    fn from(bytes: Vec<u8>) -> Self {
        Shared(Inner::Read(bytes))
    }
}

impl Deref for Shared {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match &self.0 {
            Inner::Read(bytes) => bytes,
            Inner::Mapped(map) => map,
        }
    }
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let how = if matches!(self.0, Inner::Mapped(_)) { "mapped" } else { "read" };
        write!(f, "Shared({} bytes, {how})", self.len())
    }
}
