//! One `.xz` stream with a block per chunk (the .xz file format, 1.2.1).
//!
//! Each chunk is compressed by liblzma into a complete single-block stream;
//! the block is lifted out of it and the blocks are wrapped in a new stream
//! header, index and footer. One stream, not concatenated streams: apt's
//! xz reader stops at the end of the first stream.

use std::io::Write;
use std::ops::Range;

use crate::{Error, Format};

const MAGIC: [u8; 6] = [0xfd, b'7', b'z', b'X', b'Z', 0x00];
const FOOTER_MAGIC: [u8; 2] = [b'Y', b'Z'];
/// Stream flags: check type CRC64, as `xz` writes by default.
const FLAGS: [u8; 2] = [0x00, 0x04];

/// xz -6, with the dictionary cut to the chunk's size (a power of two): the same
/// matches, a tenth of -6's 94 MiB of encoder memory, and less memory for
/// the client that decodes it.
pub(crate) fn compress_chunk(text: &[u8]) -> Vec<u8> {
    let mut options = liblzma::stream::LzmaOptions::new_preset(6).expect("preset 6 is valid");
    options.dict_size((text.len() as u32).next_power_of_two().clamp(1 << 16, 8 << 20));
    let mut filters = liblzma::stream::Filters::new();
    filters.lzma2(&options);
    let stream =
        liblzma::stream::Stream::new_stream_encoder(&filters, liblzma::stream::Check::Crc64).expect("valid xz options");
    let mut enc = liblzma::write::XzEncoder::new_stream(Vec::with_capacity(text.len() / 4 + 64), stream);
    enc.write_all(text).expect("writing to a Vec cannot fail");
    enc.finish().expect("writing to a Vec cannot fail")
}

/// The block inside a single-block stream, and its index record.
struct Block<'a> {
    /// Block header, compressed data, padding and check.
    bytes: &'a [u8],
    unpadded: u64,
    uncompressed: u64,
}

fn lift_block(stream: &[u8]) -> Result<Block<'_>, String> {
    if stream.len() < 32 || stream[..6] != MAGIC || stream[stream.len() - 2..] != FOOTER_MAGIC {
        return Err("not an .xz stream".into());
    }
    if stream[6..8] != FLAGS || stream[stream.len() - 4..stream.len() - 2] != FLAGS {
        return Err("not CRC64-checked".into());
    }
    let footer = &stream[stream.len() - 12..];
    let backward = u32::from_le_bytes(footer[4..8].try_into().expect("4 bytes"));
    let index_size = (backward as usize + 1) * 4;
    let index_start =
        (stream.len() - 12).checked_sub(index_size).filter(|&s| s >= 12).ok_or("index overruns the stream")?;
    let index = &stream[index_start..stream.len() - 12];
    let mut at = 1;
    if index[0] != 0 || read_varint(index, &mut at)? != 1 {
        return Err("not a single-block stream".into());
    }
    let unpadded = read_varint(index, &mut at)?;
    let uncompressed = read_varint(index, &mut at)?;
    let padded = usize::try_from(unpadded.div_ceil(4) * 4).map_err(|_| "block too large")?;
    if 12 + padded != index_start {
        return Err("block size disagrees with the index".into());
    }
    Ok(Block { bytes: &stream[12..index_start], unpadded, uncompressed })
}

pub(crate) fn check_piece(len: usize, piece: &[u8]) -> Result<(), String> {
    let block = lift_block(piece)?;
    if block.uncompressed != len as u64 {
        return Err(format!("holds {} bytes, the chunk has {len}", block.uncompressed));
    }
    Ok(())
}

pub(crate) fn assemble(text: &[u8], ranges: &[Range<usize>], pieces: &[Vec<u8>]) -> Result<Vec<u8>, Error> {
    let mut blocks = Vec::with_capacity(pieces.len());
    for (range, piece) in ranges.iter().zip(pieces) {
        let bad = |reason: String| Error::BadChunk {
            format: Format::Xz,
            chunk: crate::chunk_id(&text[range.clone()]),
            reason,
        };
        check_piece(range.len(), piece).map_err(bad)?;
        blocks.push(lift_block(piece).map_err(bad)?);
    }
    let body: usize = blocks.iter().map(|b| b.bytes.len()).sum();
    let mut out = Vec::with_capacity(12 + body + 16 * blocks.len() + 32);
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&FLAGS);
    out.extend_from_slice(&crc32fast::hash(&FLAGS).to_le_bytes());
    for block in &blocks {
        out.extend_from_slice(block.bytes);
    }
    let sizes: Vec<(u64, u64)> = blocks.iter().map(|b| (b.unpadded, b.uncompressed)).collect();
    write_index_and_footer(&mut out, &sizes);
    Ok(out)
}

/// The blocks of a stream [`assemble`] made, each wrapped again as the
/// single-block stream [`compress_chunk`] made; one per chunk of
/// `chunk_lengths` bytes of text.
pub(crate) fn split(file: &[u8], chunk_lengths: &[usize]) -> Option<Vec<Vec<u8>>> {
    if file.len() < 24 || file[..6] != MAGIC || file[6..8] != FLAGS || file[file.len() - 2..] != FOOTER_MAGIC {
        return None;
    }
    let footer = &file[file.len() - 12..];
    let index_size = (u32::from_le_bytes(footer[4..8].try_into().ok()?) as usize + 1) * 4;
    let index_start = (file.len() - 12).checked_sub(index_size).filter(|&s| s >= 12)?;
    let index = &file[index_start..file.len() - 12];
    let mut at = 1;
    if index[0] != 0 || read_varint(index, &mut at).ok()? != chunk_lengths.len() as u64 {
        return None;
    }
    let mut offset = 12;
    let mut pieces = Vec::with_capacity(chunk_lengths.len());
    for &len in chunk_lengths {
        let unpadded = read_varint(index, &mut at).ok()?;
        let uncompressed = read_varint(index, &mut at).ok()?;
        if uncompressed != len as u64 {
            return None;
        }
        let padded = usize::try_from(unpadded.div_ceil(4) * 4).ok()?;
        let block = file.get(offset..offset + padded).filter(|_| offset + padded <= index_start)?;
        offset += padded;
        pieces.push(single_block_stream(block, unpadded, uncompressed));
    }
    (offset == index_start).then_some(pieces)
}

/// A stream of one block: what liblzma writes for one chunk.
fn single_block_stream(block: &[u8], unpadded: u64, uncompressed: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(block.len() + 48);
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&FLAGS);
    out.extend_from_slice(&crc32fast::hash(&FLAGS).to_le_bytes());
    out.extend_from_slice(block);
    write_index_and_footer(&mut out, &[(unpadded, uncompressed)]);
    out
}

/// The index of `blocks` ((unpadded, uncompressed) sizes), then the footer.
fn write_index_and_footer(out: &mut Vec<u8>, blocks: &[(u64, u64)]) {
    let mut index = vec![0x00];
    write_varint(&mut index, blocks.len() as u64);
    for &(unpadded, uncompressed) in blocks {
        write_varint(&mut index, unpadded);
        write_varint(&mut index, uncompressed);
    }
    index.resize(index.len().div_ceil(4) * 4, 0);
    let crc = crc32fast::hash(&index);
    index.extend_from_slice(&crc.to_le_bytes());
    out.extend_from_slice(&index);
    let mut footer = Vec::with_capacity(6);
    footer.extend_from_slice(&((index.len() / 4 - 1) as u32).to_le_bytes());
    footer.extend_from_slice(&FLAGS);
    out.extend_from_slice(&crc32fast::hash(&footer).to_le_bytes());
    out.extend_from_slice(&footer);
    out.extend_from_slice(&FOOTER_MAGIC);
}

/// xz's multibyte integers: 7 bits a byte, least significant first.
fn read_varint(bytes: &[u8], at: &mut usize) -> Result<u64, String> {
    let mut value = 0u64;
    for shift in (0..63).step_by(7) {
        let byte = *bytes.get(*at).ok_or("index ends inside a number")?;
        *at += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err("index number too long".into())
}

fn write_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}
