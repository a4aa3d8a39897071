//! Compressed index chunks kept in the state store between publishes, so
//! a republish compresses only the chunks of `Packages` that changed.

use aptkit_compress::{ChunkCache, Format};
use aptkit_store::{Body, Caching, Store};

/// Where chunks live: `cache/index-chunks/<sha256 of the text>.<gz|xz>`.
pub(crate) const PREFIX: &str = "cache/index-chunks/";

pub(crate) fn key(format: Format, id: &str) -> String {
    format!("{PREFIX}{id}.{}", format.extension())
}

/// The state store as a [`ChunkCache`]. Keys name content, so concurrent
/// publishers writing the same chunk write the same thing. A put replaces:
/// it only happens after a miss, and a miss may be a damaged entry.
pub(crate) struct StoreChunkCache<'a>(pub &'a dyn Store);

impl ChunkCache for StoreChunkCache<'_> {
    fn get(&self, format: Format, id: &str) -> Option<Vec<u8>> {
        // A chunk that cannot be read is compressed again (see ChunkCache).
        self.0.get(&key(format, id)).ok().flatten().map(|(bytes, _)| bytes)
    }

    fn put(&self, format: Format, id: &str, compressed: &[u8]) {
        let _ = self.0.put(&key(format, id), Body::Bytes(compressed), Caching::Immutable);
    }
}
