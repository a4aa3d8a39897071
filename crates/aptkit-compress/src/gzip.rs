//! One gzip member from independently deflated chunks (RFC 1951/1952).
//!
//! Each chunk is raw deflate ending in a sync flush (an empty stored block,
//! `00 00 ff ff`), so it is byte-aligned and not final; chunks concatenate
//! into one deflate stream, closed by an empty final block. Each chunk
//! starts with no window: that costs a few hundred bytes per chunk.

use std::ops::Range;

use flate2::{Compress, Compression, FlushCompress};

use crate::{Error, Format};

const SYNC_MARKER: [u8; 4] = [0x00, 0x00, 0xff, 0xff];
/// ID1 ID2, deflate, no flags, mtime 0 (reproducible), no extra flags, Unix.
const HEADER: [u8; 10] = [0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03];
/// An empty final block with fixed codes: BFINAL=1, BTYPE=01, end of block.
const FINAL_BLOCK: [u8; 2] = [0x03, 0x00];

pub(crate) fn deflate_chunk(text: &[u8]) -> Vec<u8> {
    let mut z = Compress::new(Compression::new(6), false);
    let mut out = Vec::with_capacity(text.len() / 3 + 64);
    loop {
        if out.capacity() - out.len() < 64 {
            out.reserve(out.capacity().max(64));
        }
        let consumed = z.total_in() as usize;
        z.compress_vec(&text[consumed..], &mut out, FlushCompress::Sync).expect("deflate into memory cannot fail");
        // The flush is complete once all input is in and output had room to spare.
        if z.total_in() as usize == text.len() && out.len() < out.capacity() && out.ends_with(&SYNC_MARKER) {
            return out;
        }
    }
}

pub(crate) fn check_piece(piece: &[u8]) -> Result<(), String> {
    if piece.ends_with(&SYNC_MARKER) {
        Ok(())
    } else {
        Err("does not end in a deflate sync flush".into())
    }
}

/// The pieces of a file [`assemble`] made, given their lengths.
pub(crate) fn split(file: &[u8], lengths: &[u64]) -> Option<Vec<Vec<u8>>> {
    let body = file.get(HEADER.len()..file.len().checked_sub(FINAL_BLOCK.len() + 8)?)?;
    if file[..HEADER.len()] != HEADER || !file[HEADER.len() + body.len()..].starts_with(&FINAL_BLOCK) {
        return None;
    }
    if lengths.iter().sum::<u64>() != body.len() as u64 {
        return None;
    }
    let mut at = 0;
    let mut pieces = Vec::with_capacity(lengths.len());
    for &len in lengths {
        let piece = &body[at..at + len as usize];
        check_piece(piece).ok()?;
        pieces.push(piece.to_vec());
        at += len as usize;
    }
    Some(pieces)
}

pub(crate) fn assemble(text: &[u8], ranges: &[Range<usize>], pieces: &[Vec<u8>]) -> Result<Vec<u8>, Error> {
    let body: usize = pieces.iter().map(Vec::len).sum();
    let mut out = Vec::with_capacity(HEADER.len() + body + FINAL_BLOCK.len() + 8);
    out.extend_from_slice(&HEADER);
    for (range, piece) in ranges.iter().zip(pieces) {
        check_piece(piece).map_err(|reason| Error::BadChunk {
            format: Format::Gzip,
            chunk: crate::chunk_id(&text[range.clone()]),
            reason,
        })?;
        out.extend_from_slice(piece);
    }
    out.extend_from_slice(&FINAL_BLOCK);
    out.extend_from_slice(&crc32fast::hash(text).to_le_bytes());
    out.extend_from_slice(&(text.len() as u32).to_le_bytes());
    Ok(out)
}
