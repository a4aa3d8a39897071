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
///
/// With `stable`, only chunks in that set are written: the chunks of the
/// index this one replaces. A chunk seen for the first time is usually the
/// one a new package just changed, which the next publish changes again
/// (a nightly adds its version next to the last one): caching it would cost
/// a write per format per publish and save nothing. A chunk that survives
/// one publish unchanged is written when it is compressed the second time.
pub(crate) struct StoreChunkCache<'a> {
    pub store: &'a dyn Store,
    pub stable: Option<std::collections::HashSet<String>>,
}

impl ChunkCache for StoreChunkCache<'_> {
    fn get(&self, format: Format, id: &str) -> Option<Vec<u8>> {
        // A chunk that cannot be read is compressed again (see ChunkCache).
        self.store.get(&key(format, id)).ok().flatten().map(|(bytes, _)| bytes)
    }

    fn put(&self, format: Format, id: &str, compressed: &[u8]) {
        if self.stable.as_ref().is_none_or(|stable| stable.contains(id)) {
            let _ = self.store.put(&key(format, id), Body::Bytes(compressed), Caching::Immutable);
        }
    }
}

/// The ids of the chunks `text` is cut into.
pub(crate) fn chunk_ids(text: &[u8]) -> std::collections::HashSet<String> {
    aptkit_compress::chunks(text, aptkit_compress::Records::Stanzas)
        .into_iter()
        .map(|range| aptkit_compress::chunk_id(&text[range]))
        .collect()
}
