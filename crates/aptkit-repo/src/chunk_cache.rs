//! Compressed index chunks a republish takes instead of compressing them
//! again, so that it compresses only the chunks of `Packages` that changed:
//! first from the compressed indices the suite's current InRelease lists
//! (two GETs, whatever the number of chunks), then from the state store's
//! chunk cache (a new publication, or indices that cannot be used).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use aptkit_compress::{ChunkCache, Format, Records};
use aptkit_index::FileDigests;
use aptkit_store::{Body, Caching, Store};

use crate::ahead::Ahead;

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
///
/// With `stable_only` too, only chunks in that set are looked up: a repo's
/// republish, whose new chunks hold the packages just added, which no
/// publish of that repo has seen (a snapshot switched back to may find its
/// chunks there, cached when it was first published).
pub(crate) struct StoreChunkCache<'a> {
    pub store: &'a dyn Store,
    pub stable: Option<std::collections::HashSet<String>>,
    pub stable_only: bool,
}

impl ChunkCache for StoreChunkCache<'_> {
    fn get(&self, format: Format, id: &str) -> Option<Vec<u8>> {
        if self.stable_only && self.stable.as_ref().is_some_and(|stable| !stable.contains(id)) {
            return None;
        }
        // A chunk that cannot be read is compressed again (see ChunkCache).
        self.store.get(&key(format, id)).ok().flatten().map(|(bytes, _)| bytes)
    }

    fn put(&self, format: Format, id: &str, compressed: &[u8]) {
        if self.stable.as_ref().is_none_or(|stable| stable.contains(id)) {
            let _ = self.store.put(&key(format, id), Body::Bytes(compressed), Caching::Immutable);
        }
    }
}

/// The ids of the chunks `text` is cut into, in order, with their lengths.
pub(crate) fn chunk_ids(text: &[u8]) -> Vec<(String, usize)> {
    aptkit_compress::chunks(text, Records::Stanzas)
        .into_iter()
        .map(|range| (aptkit_compress::chunk_id(&text[range.clone()]), range.len()))
        .collect()
}

/// One compressed index in place: its format, its size and digests as the
/// current InRelease lists them, the key of its by-hash copy, and its piece
/// lengths as its publication recorded them (gzip).
pub(crate) struct InPlace<'a> {
    pub format: Format,
    pub listed: &'a FileDigests,
    pub by_hash: String,
    pub piece_lengths: &'a [u64],
}

/// The pieces of the compressed indices in place, by (format, chunk id),
/// when they were made from `text` (whose chunks are `chunks`): each file
/// read by its by-hash name (immutable) and checked against the listing.
/// Whatever cannot be used is left out, and so is compressed again.
pub(crate) fn pieces_in_place(
    public: &dyn Store,
    files: &[InPlace<'_>],
    chunks: &[(String, usize)],
) -> HashMap<(Format, String), Vec<u8>> {
    let lengths: Vec<usize> = chunks.iter().map(|(_, len)| *len).collect();
    let found = aptkit_parallel::map(files.len(), files.len(), |i| {
        let file = &files[i];
        let (bytes, _) = public.get(&file.by_hash).ok()??;
        if FileDigests::of_bytes(&bytes) != *file.listed {
            return None;
        }
        aptkit_compress::split(file.format, &bytes, &lengths, file.piece_lengths)
    });
    let mut out = HashMap::new();
    for (file, pieces) in files.iter().zip(found) {
        for ((id, _), piece) in chunks.iter().zip(pieces.into_iter().flatten()) {
            out.insert((file.format, id.clone()), piece);
        }
    }
    out
}

/// Pieces in place first, then those compressed ahead, then the store's
/// cache (which alone is written).
pub(crate) struct PiecesFirst<'a> {
    pub in_place: HashMap<(Format, String), Vec<u8>>,
    pub ahead: Option<&'a Ahead>,
    pub cache: StoreChunkCache<'a>,
    /// Pieces taken from `ahead`: compressed by this publish all the same.
    pub from_ahead: AtomicUsize,
}

impl ChunkCache for PiecesFirst<'_> {
    fn get(&self, format: Format, id: &str) -> Option<Vec<u8>> {
        let key = (format, id.to_string());
        if let Some(piece) = self.in_place.get(&key) {
            return Some(piece.clone());
        }
        if let Some(piece) = self.ahead.and_then(|ahead| ahead.wait().get(&key)) {
            self.from_ahead.fetch_add(1, Ordering::Relaxed);
            return Some(piece.clone());
        }
        self.cache.get(format, id)
    }

    fn put(&self, format: Format, id: &str, compressed: &[u8]) {
        self.cache.put(format, id, compressed);
    }
}
