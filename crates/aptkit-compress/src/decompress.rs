//! The one decompressing reader of aptkit, for every compressed thing apt
//! reads: the members of a `.deb`, `Packages` indices, base indices from
//! `/var/lib/apt/lists`. Each codec reads the way apt's does: concatenated
//! gzip members, xz streams, zstd frames, bzip2 streams and lz4 frames all
//! form one output, so `cat a.gz b.gz` reads as its two parts in turn.
//!
//! Every decoder has an output limit, which the caller sets: a few hundred
//! kilobytes of xz expand to gigabytes of zeros, and a reader that holds its
//! output in memory would otherwise hold all of them. Past the limit a read
//! fails with [`OutputLimitExceeded`] (inside an `io::Error`), having
//! decompressed no more than the limit and one decoder buffer.

use std::io::{self, BufReader, Read};

/// A compression format, as a file name's ending or its first bytes tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Codec {
    /// Not compressed: the bytes are passed on as they are (within the limit).
    Plain,
    Gzip,
    Xz,
    Zstd,
    Bzip2,
    Lz4,
}

impl Codec {
    /// Every compressed codec, in the order apt prefers them for indices.
    pub const COMPRESSED: [Codec; 5] = [Codec::Xz, Codec::Zstd, Codec::Gzip, Codec::Bzip2, Codec::Lz4];

    /// The file name ending, dot included: `.gz`, `.xz`, `.zst`, `.bz2`,
    /// `.lz4`; nothing for [`Codec::Plain`].
    pub fn extension(self) -> &'static str {
        match self {
            Codec::Plain => "",
            Codec::Gzip => ".gz",
            Codec::Xz => ".xz",
            Codec::Zstd => ".zst",
            Codec::Bzip2 => ".bz2",
            Codec::Lz4 => ".lz4",
        }
    }

    /// `Packages.xz` -> (`Packages`, `Xz`); a name with no known ending is
    /// itself and [`Codec::Plain`].
    pub fn split_extension(name: &str) -> (&str, Codec) {
        Codec::COMPRESSED
            .into_iter()
            .find_map(|codec| name.strip_suffix(codec.extension()).map(|base| (base, codec)))
            .unwrap_or((name, Codec::Plain))
    }

    /// The codec a file name's ending names ([`Codec::Plain`] for none).
    pub fn from_file_name(name: &str) -> Codec {
        Codec::split_extension(name).1
    }

    /// The codec whose magic number `head` starts with ([`Codec::Plain`]
    /// for none: text such as a Packages file never starts with one).
    pub fn from_magic(head: &[u8]) -> Codec {
        const MAGIC: [(&[u8], Codec); 5] = [
            (&[0x1f, 0x8b], Codec::Gzip),
            (&[0xfd, b'7', b'z', b'X', b'Z', 0x00], Codec::Xz),
            (&[0x28, 0xb5, 0x2f, 0xfd], Codec::Zstd),
            (b"BZh", Codec::Bzip2),
            (&[0x04, 0x22, 0x4d, 0x18], Codec::Lz4),
        ];
        MAGIC.into_iter().find(|(magic, _)| head.starts_with(magic)).map_or(Codec::Plain, |(_, codec)| codec)
    }
}

/// Decompress `input` as `codec`, yielding at most `max_output` bytes: a
/// read that would go past them fails with [`OutputLimitExceeded`]. Pass
/// `u64::MAX` only where the output is streamed, never held.
pub fn decoder<R: Read>(codec: Codec, input: R, max_output: u64) -> io::Result<Decoder<R>> {
    let stream = match codec {
        Codec::Plain => Stream::Plain(input),
        Codec::Gzip => Stream::Gzip(flate2::read::MultiGzDecoder::new(input)),
        Codec::Xz => Stream::Xz(liblzma::read::XzDecoder::new_multi_decoder(input)),
        // zstd's reader goes on to the next frame by itself.
        Codec::Zstd => Stream::Zstd(zstd::stream::read::Decoder::new(input)?),
        Codec::Bzip2 => Stream::Bzip2(bzip2::read::MultiBzDecoder::new(input)),
        Codec::Lz4 => Stream::Lz4(lz4::Lz4Decoder::new(input)),
    };
    Ok(Decoder { stream, produced: 0, max_output })
}

/// A decompressing reader with an output limit (see [`decoder`]).
pub struct Decoder<R: Read> {
    stream: Stream<R>,
    produced: u64,
    max_output: u64,
}

enum Stream<R: Read> {
    Plain(R),
    Gzip(flate2::read::MultiGzDecoder<R>),
    Xz(liblzma::read::XzDecoder<R>),
    Zstd(zstd::stream::read::Decoder<'static, BufReader<R>>),
    Bzip2(bzip2::read::MultiBzDecoder<R>),
    Lz4(lz4::Lz4Decoder<R>),
}

impl<R: Read> Decoder<R> {
    /// How many bytes it has yielded so far.
    pub fn produced(&self) -> u64 {
        self.produced
    }
}

impl<R: Read> Read for Decoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // Ask for no more than one byte past the limit: that byte, if the
        // stream has it, proves the limit exceeded, and it is never passed on.
        let room = self.max_output - self.produced;
        let want = (buf.len() as u64).min(room.saturating_add(1)) as usize;
        let buf = &mut buf[..want];
        let n = match &mut self.stream {
            Stream::Plain(r) => r.read(buf),
            Stream::Gzip(r) => r.read(buf),
            Stream::Xz(r) => r.read(buf),
            Stream::Zstd(r) => r.read(buf),
            Stream::Bzip2(r) => r.read(buf),
            Stream::Lz4(r) => r.read(buf),
        }?;
        if n as u64 > room {
            return Err(io::Error::other(OutputLimitExceeded { max_output: self.max_output }));
        }
        self.produced += n as u64;
        Ok(n)
    }
}

/// A decoder's output went past the limit its caller set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("expands past {max_output} bytes")]
pub struct OutputLimitExceeded {
    pub max_output: u64,
}

impl OutputLimitExceeded {
    /// The limit that `error`, or any error it wraps (a tar reader's, say),
    /// reports as exceeded.
    pub fn in_error(error: &io::Error) -> Option<OutputLimitExceeded> {
        let first = error.get_ref().map(|e| e as &(dyn std::error::Error + 'static));
        std::iter::successors(first, |e| e.source()).find_map(|e| {
            e.downcast_ref::<OutputLimitExceeded>()
                .copied()
                .or_else(|| e.downcast_ref::<io::Error>().and_then(OutputLimitExceeded::in_error))
        })
    }
}

mod lz4;
#[cfg(test)]
mod tests;
