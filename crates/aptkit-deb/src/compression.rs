use std::io::{self, BufReader, Read, Write};
use std::str::FromStr;

/// Compression of the control and data members.
///
/// xz is the default because every dpkg can read it; zstd needs dpkg >=
/// 1.21.18 (Debian 12, Ubuntu 22.04 patched) and is much faster to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    Xz { level: u32 },
    Zstd { level: i32 },
    Gzip { level: u32 },
    None,
}

impl Default for Compression {
    fn default() -> Self {
        // The levels dpkg-deb uses by default.
        Compression::Xz { level: 6 }
    }
}

impl FromStr for Compression {
    type Err = String;

    /// `xz`, `zstd`, `gzip`, `none`, optionally with a level: `xz:9`, `zstd:19`.
    fn from_str(s: &str) -> Result<Self, String> {
        let (name, level) = match s.split_once(':') {
            Some((n, l)) => (n, Some(l.parse::<i32>().map_err(|_| format!("invalid compression level `{l}`"))?)),
            None => (s, None),
        };
        let check = |l: i32, max: i32| {
            if (0..=max).contains(&l) { Ok(l) } else { Err(format!("compression level {l} for {name} must be 0..={max}")) }
        };
        Ok(match name {
            "xz" => Compression::Xz { level: check(level.unwrap_or(6), 9)? as u32 },
            "zstd" | "zst" => Compression::Zstd { level: check(level.unwrap_or(3), 22)? },
            "gzip" | "gz" => Compression::Gzip { level: check(level.unwrap_or(9), 9)? as u32 },
            "none" => Compression::None,
            other => return Err(format!("unknown compression `{other}` (expected xz, zstd, gzip or none)")),
        })
    }
}

impl Compression {
    /// Member name suffix: `.xz`, `.zst`, `.gz`, or nothing.
    pub fn extension(&self) -> &'static str {
        match self {
            Compression::Xz { .. } => ".xz",
            Compression::Zstd { .. } => ".zst",
            Compression::Gzip { .. } => ".gz",
            Compression::None => "",
        }
    }

    /// An encoder writing into `out`; `threads` > 1 enables multi-threaded
    /// xz and zstd (their output then depends on the thread count only
    /// through block boundaries, which are fixed by size, not by timing).
    pub(crate) fn encoder<W: Write>(&self, out: W, threads: u32) -> io::Result<Encoder<W>> {
        Ok(match *self {
            Compression::Xz { level } => {
                let stream = if threads > 1 {
                    liblzma::stream::MtStreamBuilder::new()
                        .preset(level)
                        .threads(threads)
                        .check(liblzma::stream::Check::Crc64)
                        .encoder()
                } else {
                    liblzma::stream::Stream::new_easy_encoder(level, liblzma::stream::Check::Crc64)
                }
                .map_err(io::Error::other)?;
                Encoder::Xz(liblzma::write::XzEncoder::new_stream(out, stream))
            }
            Compression::Zstd { level } => {
                let mut enc = zstd::stream::Encoder::new(out, level)?;
                if threads > 1 {
                    enc.multithread(threads)?;
                }
                enc.include_checksum(false)?;
                Encoder::Zstd(enc)
            }
            Compression::Gzip { level } => {
                // No file name and mtime 0 in the header: reproducible, as `gzip -n`.
                Encoder::Gzip(flate2::GzBuilder::new().write(out, flate2::Compression::new(level)))
            }
            Compression::None => Encoder::None(out),
        })
    }

    /// Compression used by a member name such as `data.tar.xz`.
    pub(crate) fn from_member_name(name: &str) -> Option<Compression> {
        let ext = name.rsplit_once(".tar").map(|(_, ext)| ext)?;
        Some(match ext {
            ".xz" => Compression::Xz { level: 6 },
            ".zst" => Compression::Zstd { level: 3 },
            ".gz" => Compression::Gzip { level: 9 },
            "" => Compression::None,
            _ => return None,
        })
    }

    pub(crate) fn decoder<'a, R: Read + 'a>(&self, input: R) -> io::Result<Box<dyn Read + 'a>> {
        Ok(match self {
            Compression::Xz { .. } => Box::new(liblzma::read::XzDecoder::new_multi_decoder(input)),
            Compression::Zstd { .. } => Box::new(zstd::stream::Decoder::with_buffer(BufReader::new(input))?),
            Compression::Gzip { .. } => Box::new(flate2::read::MultiGzDecoder::new(input)),
            Compression::None => Box::new(input),
        })
    }
}

pub(crate) enum Encoder<W: Write> {
    Xz(liblzma::write::XzEncoder<W>),
    Zstd(zstd::stream::Encoder<'static, W>),
    Gzip(flate2::write::GzEncoder<W>),
    None(W),
}

impl<W: Write> Encoder<W> {
    pub(crate) fn finish(self) -> io::Result<W> {
        match self {
            Encoder::Xz(e) => e.finish(),
            Encoder::Zstd(e) => e.finish(),
            Encoder::Gzip(e) => e.finish(),
            Encoder::None(w) => Ok(w),
        }
    }
}

impl<W: Write> Write for Encoder<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Encoder::Xz(e) => e.write(buf),
            Encoder::Zstd(e) => e.write(buf),
            Encoder::Gzip(e) => e.write(buf),
            Encoder::None(w) => w.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Encoder::Xz(e) => e.flush(),
            Encoder::Zstd(e) => e.flush(),
            Encoder::Gzip(e) => e.flush(),
            Encoder::None(w) => w.flush(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_and_levels() {
        assert_eq!("xz".parse::<Compression>().unwrap(), Compression::Xz { level: 6 });
        assert_eq!("zstd:19".parse::<Compression>().unwrap(), Compression::Zstd { level: 19 });
        assert_eq!("gzip".parse::<Compression>().unwrap(), Compression::Gzip { level: 9 });
        assert!("xz:10".parse::<Compression>().is_err());
        assert!("bzip2".parse::<Compression>().is_err());
    }

    #[test]
    fn round_trips_every_compression() {
        let data: Vec<u8> = (0..200_000u32).flat_map(|i| (i % 251).to_le_bytes()).collect();
        for c in ["xz", "zstd", "gzip", "none"] {
            let c: Compression = c.parse().unwrap();
            for threads in [1, 2] {
                let mut enc = c.encoder(Vec::new(), threads).unwrap();
                enc.write_all(&data).unwrap();
                let packed = enc.finish().unwrap();
                let mut out = Vec::new();
                c.decoder(&packed[..]).unwrap().read_to_end(&mut out).unwrap();
                assert_eq!(out, data, "{c:?} with {threads} threads");
            }
        }
    }
}
