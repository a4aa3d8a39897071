//! lz4 frames as apt (liblz4) reads them: one frame after another, and a
//! frame cut short an error. lz4_flex's `FrameDecoder` stops at each
//! frame's end mark, and takes input that ends between two blocks, or
//! inside a frame header, for the end of the stream; so its input is
//! watched here, frame by frame, to tell the two apart.

use std::io::{self, BufRead, Read};

/// The lz4 frame magic number (little-endian); skippable frames and the
/// legacy format are left to lz4_flex, which refuses the former.
const FRAME_MAGIC: u32 = 0x184D_2204;

pub(super) struct Lz4Decoder<R: Read> {
    frames: lz4_flex::frame::FrameDecoder<FrameWatch<io::BufReader<R>>>,
}

impl<R: Read> Lz4Decoder<R> {
    pub(super) fn new(input: R) -> Self {
        // The frame decoder reads block headers a few bytes at a time.
        let watch = FrameWatch { inner: io::BufReader::new(input), part: Part::Magic, field: Vec::new(), flags: 0 };
        Lz4Decoder { frames: lz4_flex::frame::FrameDecoder::new(watch) }
    }
}

impl<R: Read> Read for Lz4Decoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let n = self.frames.read(buf)?;
            if n > 0 || buf.is_empty() {
                return Ok(n);
            }
            let watch = self.frames.get_mut();
            if !watch.between_frames() {
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "lz4 frame cut short"));
            }
            if watch.inner.fill_buf()?.is_empty() {
                return Ok(0);
            }
            // Another frame follows: the decoder goes on to it.
        }
    }
}

/// Where in a frame the input is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Magic,
    /// FLG and BD.
    Descriptor,
    /// Content size, dictionary id (as FLG says) and the header checksum.
    HeaderRest,
    BlockSize,
    /// Block bytes (and block checksum) still to come.
    Block(u64),
    ContentChecksum,
    /// Not a frame this watch knows (legacy format): left to lz4_flex.
    Unknown,
}

/// Passes the input on, following the frame structure of what passes.
struct FrameWatch<R> {
    inner: R,
    part: Part,
    /// The bytes of the current fixed-size field read so far.
    field: Vec<u8>,
    /// The frame's FLG byte.
    flags: u8,
}

impl<R> FrameWatch<R> {
    fn between_frames(&self) -> bool {
        matches!(self.part, Part::Magic | Part::Unknown) && self.field.is_empty()
    }

    fn follow(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let need = match self.part {
                Part::Unknown => return,
                Part::Block(left) => {
                    let n = left.min(bytes.len() as u64);
                    bytes = &bytes[n as usize..];
                    self.part = if n == left { Part::BlockSize } else { Part::Block(left - n) };
                    continue;
                }
                Part::Magic | Part::BlockSize | Part::ContentChecksum => 4,
                Part::Descriptor => 2,
                // Content size (FLG bit 3), dictionary id (bit 0), HC.
                Part::HeaderRest => 8 * (self.flags >> 3 & 1) as usize + 4 * (self.flags & 1) as usize + 1,
            };
            let n = (need - self.field.len()).min(bytes.len());
            self.field.extend_from_slice(&bytes[..n]);
            bytes = &bytes[n..];
            if self.field.len() == need {
                self.part = self.next_part();
                self.field.clear();
            }
        }
    }

    /// The part after a complete field.
    fn next_part(&mut self) -> Part {
        let word = self.field.get(..4).map_or(0, |b| u32::from_le_bytes(b.try_into().expect("4 bytes")));
        match self.part {
            Part::Magic if word == FRAME_MAGIC => Part::Descriptor,
            Part::Magic => Part::Unknown,
            Part::Descriptor => {
                self.flags = self.field[0];
                Part::HeaderRest
            }
            Part::HeaderRest => Part::BlockSize,
            // The end mark, then the content checksum if FLG bit 2 says so.
            Part::BlockSize if word == 0 => {
                if self.flags & 0b100 != 0 {
                    Part::ContentChecksum
                } else {
                    Part::Magic
                }
            }
            // The high bit marks an uncompressed block; FLG bit 4, block checksums.
            Part::BlockSize => Part::Block((word & 0x7fff_ffff) as u64 + 4 * (self.flags >> 4 & 1) as u64),
            Part::ContentChecksum => Part::Magic,
            Part::Block(_) | Part::Unknown => unreachable!("not a fixed-size field"),
        }
    }
}

impl<R: Read> Read for FrameWatch<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.follow(&buf[..n]);
        Ok(n)
    }
}
