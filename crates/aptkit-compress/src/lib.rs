//! Index compression that a republish redoes only where the index changed.
//!
//! xz -6 of a large `Packages` file is most of a republish (9 MB of text
//! take ~4 CPU-seconds). So an index is cut into content-defined chunks at
//! stanza boundaries ([`chunks`]); each chunk is compressed on its own
//! ([`compress_chunk`]) and the pieces are joined into one standard file
//! ([`assemble`]): one `.xz` stream with a block per chunk, or one gzip
//! member whose deflate stream is cut by sync flushes (as pigz does). apt,
//! zcat and xz read both as ordinary files.
//!
//! A chunk's compressed form depends only on its text, so it can be kept
//! under the text's SHA-256 ([`ChunkCache`]) and reused: adding a package to
//! a 20,000-package suite changes one or two chunks, and only those are
//! compressed again. Cuts depend only on nearby stanzas, so an insertion
//! moves no boundary but its own.
//!
//! [`decompress`] is the other direction, for everything aptkit reads: one
//! reader for gzip, xz, zstd, bzip2 and lz4 as apt reads them, with an
//! output limit that its caller sets.

mod chunking;
pub mod decompress;
mod gzip;
mod xz;

use std::ops::Range;

use sha2::{Digest, Sha256};

pub use chunking::{chunks, Records};

/// The compressed formats apt reads for indices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Gzip,
    Xz,
}

impl Format {
    /// Roughly how much longer a chunk takes than in gzip (xz -6 is ~10x
    /// slower than deflate -6 on Packages text).
    fn relative_cost(self) -> u32 {
        match self {
            Format::Gzip => 1,
            Format::Xz => 10,
        }
    }

    /// The file name suffix, without the dot: `gz`, `xz`.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Gzip => "gz",
            Format::Xz => "xz",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A chunk's compressed form is not what [`compress_chunk`] makes (a
    /// damaged cache entry, say); `chunk` is its SHA-256.
    #[error("compressed {format:?} chunk {chunk} is damaged: {reason}")]
    BadChunk { format: Format, chunk: String, reason: String },
}

/// Compress one chunk on its own: a complete single-block `.xz` stream
/// (xz -6, CRC64), or raw deflate (level 6) ending in a sync flush.
pub fn compress_chunk(format: Format, text: &[u8]) -> Vec<u8> {
    match format {
        Format::Gzip => gzip::deflate_chunk(text),
        Format::Xz => xz::compress_chunk(text),
    }
}

/// Join compressed chunks of `text` (cut at `ranges`, as [`chunks`] gives)
/// into one file of `format`. Each piece is checked against its range.
pub fn assemble(format: Format, text: &[u8], ranges: &[Range<usize>], pieces: &[Vec<u8>]) -> Result<Vec<u8>, Error> {
    assert_eq!(ranges.len(), pieces.len(), "one compressed piece per chunk");
    match format {
        Format::Gzip => gzip::assemble(text, ranges, pieces),
        Format::Xz => xz::assemble(text, ranges, pieces),
    }
}

/// The pieces a file that [`assemble`] made is made of, one per chunk of
/// `chunk_lengths` bytes of text, each as [`compress_chunk`] makes it:
/// what a republish takes its unchanged chunks from. `piece_lengths` are
/// [`compress_all_pieces`]'s (gzip needs them). `None` when the file is not
/// such a file, or not of those chunks.
pub fn split(format: Format, file: &[u8], chunk_lengths: &[usize], piece_lengths: &[u64]) -> Option<Vec<Vec<u8>>> {
    match format {
        Format::Gzip => gzip::split(file, piece_lengths).filter(|p| p.len() == chunk_lengths.len()),
        Format::Xz => xz::split(file, chunk_lengths),
    }
}

/// SHA-256 (hex) of a chunk's text: the name its compressed forms are kept under.
pub fn chunk_id(text: &[u8]) -> String {
    hex(&Sha256::digest(text))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Where compressed chunks are kept between publishes. Best effort by
/// design: a chunk that cannot be read is compressed again, and one that
/// cannot be written is compressed again next time, so neither may fail
/// the publish.
pub trait ChunkCache: Sync {
    fn get(&self, format: Format, id: &str) -> Option<Vec<u8>>;
    fn put(&self, format: Format, id: &str, compressed: &[u8]);
}

/// A cache that keeps nothing: every chunk is compressed.
pub struct NoCache;

impl ChunkCache for NoCache {
    fn get(&self, _: Format, _: &str) -> Option<Vec<u8>> {
        None
    }
    fn put(&self, _: Format, _: &str, _: &[u8]) {}
}

/// What [`compress`] did, for reports and for tests that the work follows
/// the change.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Work {
    pub chunks: usize,
    /// Chunks compressed now (not found in the cache, or found damaged).
    pub compressed: usize,
}

/// Compress `text` into one file of `format`, taking unchanged chunks from
/// `cache` and compressing the rest on all cores.
pub fn compress(format: Format, records: Records, text: &[u8], cache: &dyn ChunkCache) -> (Vec<u8>, Work) {
    compress_all(&[format], records, text, cache).remove(0)
}

/// [`compress`] into several formats at once: the text is cut and its
/// chunks hashed once, and every chunk of every format that must be
/// compressed joins one queue, slowest format first, so that all cores stay
/// busy whether one chunk changed or all of them.
pub fn compress_all(formats: &[Format], records: Records, text: &[u8], cache: &dyn ChunkCache) -> Vec<(Vec<u8>, Work)> {
    compress_all_pieces(formats, records, text, cache).into_iter().map(|(file, work, _)| (file, work)).collect()
}

/// [`compress_all`], with each file's piece lengths: the bytes each chunk
/// takes in it, in order. [`split`] needs them to cut a gzip file back
/// into its pieces (a deflate stream marks no boundaries); an xz file
/// indexes its blocks itself, and its list is empty.
pub fn compress_all_pieces(
    formats: &[Format],
    records: Records,
    text: &[u8],
    cache: &dyn ChunkCache,
) -> Vec<(Vec<u8>, Work, Vec<u64>)> {
    let ranges = chunks(text, records);
    let cores = aptkit_parallel::cores();
    let ids: Vec<String> = aptkit_parallel::map(ranges.len(), cores, |i| chunk_id(&text[ranges[i].clone()]));
    // (format, chunk) pairs. Cache reads may be network round trips: more
    // of them in flight than cores.
    let pairs: Vec<(usize, usize)> = (0..formats.len()).flat_map(|f| (0..ranges.len()).map(move |i| (f, i))).collect();
    let mut pieces: Vec<Option<Vec<u8>>> = aptkit_parallel::map(pairs.len(), cores.max(8), |p| {
        let (f, i) = pairs[p];
        cache.get(formats[f], &ids[i]).filter(|piece| piece_fits(formats[f], &text[ranges[i].clone()], piece))
    });
    // Compression is CPU (and, for xz, memory) bound: one per core. The
    // longest jobs start first (a format's cost times the chunk's length),
    // so that a few chunks on two cores do not end with one core idle.
    let mut missing: Vec<usize> = (0..pairs.len()).filter(|&p| pieces[p].is_none()).collect();
    missing
        .sort_by_key(|&p| std::cmp::Reverse(formats[pairs[p].0].relative_cost() as usize * ranges[pairs[p].1].len()));
    let made = aptkit_parallel::map(missing.len(), cores, |m| {
        let (f, i) = pairs[missing[m]];
        let piece = compress_chunk(formats[f], &text[ranges[i].clone()]);
        cache.put(formats[f], &ids[i], &piece);
        piece
    });
    for (p, piece) in missing.iter().zip(made) {
        pieces[*p] = Some(piece);
    }
    let mut pieces = pieces.into_iter().map(|p| p.expect("every chunk was found or made"));
    formats
        .iter()
        .map(|&format| {
            let mine: Vec<Vec<u8>> = pieces.by_ref().take(ranges.len()).collect();
            let compressed = missing.iter().filter(|&&p| formats[pairs[p].0] == format).count();
            let file = assemble(format, text, &ranges, &mine).expect("every piece was checked or made here");
            let lengths = match format {
                Format::Gzip => mine.iter().map(|piece| piece.len() as u64).collect(),
                Format::Xz => Vec::new(),
            };
            (file, Work { chunks: ranges.len(), compressed }, lengths)
        })
        .collect()
}

/// Whether a cached piece has the shape [`assemble`] needs for `chunk`.
fn piece_fits(format: Format, chunk: &[u8], piece: &[u8]) -> bool {
    match format {
        Format::Gzip => gzip::check_piece(piece).is_ok(),
        Format::Xz => xz::check_piece(chunk.len(), piece).is_ok(),
    }
}
