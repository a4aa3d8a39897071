use std::io::{self, Write};
use std::str::FromStr;

use aptkit_compress::decompress::Codec;

/// Compression of the control and data members.
///
/// xz is the default because every dpkg can read it; zstd needs dpkg >=
/// 1.21.18 (Debian 12, Ubuntu 22.04 patched) and is much faster to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// `level: None` is aptkit's default xz profile (see [`xz_filters`]);
    /// `Some(n)` is exactly `xz -n`.
    Xz {
        level: Option<u32>,
    },
    Zstd {
        level: i32,
    },
    Gzip {
        level: u32,
    },
    None,
}

impl Default for Compression {
    fn default() -> Self {
        Compression::Xz { level: None }
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
            if (0..=max).contains(&l) {
                Ok(l)
            } else {
                Err(format!("compression level {l} for {name} must be 0..={max}"))
            }
        };
        Ok(match name {
            "xz" => Compression::Xz { level: level.map(|l| check(l, 9)).transpose()?.map(|l| l as u32) },
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

    /// An encoder writing into `out`, using up to `threads` threads for xz
    /// and zstd. The output never depends on the thread count: both always
    /// run in their multi-threaded mode (even with one thread), whose xz
    /// blocks and zstd jobs are cut by size, not by timing. `arch` is the
    /// package architecture (it picks the xz filters).
    pub(crate) fn encoder<W: Write>(&self, out: W, threads: u32, arch: &str) -> io::Result<Encoder<W>> {
        use liblzma::stream::{Check, MtStreamBuilder};
        let threads = threads.max(1);
        Ok(match *self {
            Compression::Xz { level } => {
                let filters = xz_filters(level, arch).map_err(io::Error::other)?;
                let stream = MtStreamBuilder::new()
                    .filters(filters)
                    .threads(threads)
                    .check(Check::Crc64)
                    .encoder()
                    .map_err(io::Error::other)?;
                Encoder::Xz(liblzma::write::XzEncoder::new_stream(out, stream))
            }
            Compression::Zstd { level } => {
                let mut enc = zstd::stream::Encoder::new(out, level)?;
                enc.multithread(threads)?;
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

    /// The codec that reads this compression back.
    pub fn codec(&self) -> Codec {
        match self {
            Compression::Xz { .. } => Codec::Xz,
            Compression::Zstd { .. } => Codec::Zstd,
            Compression::Gzip { .. } => Codec::Gzip,
            Compression::None => Codec::Plain,
        }
    }
}

/// The xz filter chain. An explicit level is plain LZMA2 at that preset,
/// exactly `xz -N`. The default profile is tuned for packages, whose bulk
/// is machine code: for x86 architectures, the x86 BCJ filter (which every
/// liblzma has decoded since 2009) turns relative call addresses into
/// absolute ones and so makes the code far more compressible; that gain
/// pays for a faster match finder (hash chains instead of binary trees,
/// shorter "nice" matches) with the 8 MiB dictionary of `-6`. Measured on
/// 300 MiB of ELF binaries with 2 threads (bench/package.sh): about 1.01x
/// the size of `xz -6` in about 0.55x its time. Other architectures get plain `-6`, the level dpkg-deb
/// uses: the ARM64 and RISC-V BCJ filters need xz >= 5.4, which Debian 11
/// and Ubuntu 22.04 lack.
pub(crate) fn xz_filters(level: Option<u32>, arch: &str) -> Result<liblzma::stream::Filters, liblzma::stream::Error> {
    use liblzma::stream::{Filters, LzmaOptions, MatchFinder};
    let mut filters = Filters::new();
    let options = match level {
        Some(level) => LzmaOptions::new_preset(level)?,
        None if matches!(arch, "amd64" | "i386") => {
            filters.x86();
            let mut opts = LzmaOptions::new_preset(4)?;
            opts.dict_size(8 << 20).match_finder(MatchFinder::HashChain4).nice_len(20);
            opts
        }
        None => LzmaOptions::new_preset(6)?,
    };
    filters.lzma2(&options);
    Ok(filters)
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
        assert_eq!("xz".parse::<Compression>().unwrap(), Compression::Xz { level: None });
        assert_eq!("xz:9".parse::<Compression>().unwrap(), Compression::Xz { level: Some(9) });
        assert_eq!("zstd:19".parse::<Compression>().unwrap(), Compression::Zstd { level: 19 });
        assert_eq!("gzip".parse::<Compression>().unwrap(), Compression::Gzip { level: 9 });
        assert!("xz:10".parse::<Compression>().is_err());
        assert!("bzip2".parse::<Compression>().is_err());
    }

    #[test]
    fn round_trips_every_compression() {
        let data: Vec<u8> = (0..200_000u32).flat_map(|i| (i % 251).to_le_bytes()).collect();
        for c in ["xz", "xz:1", "zstd", "gzip", "none"] {
            let c: Compression = c.parse().unwrap();
            for arch in ["amd64", "arm64"] {
                let mut outputs = Vec::new();
                for threads in [1, 2, 3] {
                    let mut enc = c.encoder(Vec::new(), threads, arch).unwrap();
                    enc.write_all(&data).unwrap();
                    let packed = enc.finish().unwrap();
                    let mut out = Vec::new();
                    let mut decoder = aptkit_compress::decompress::decoder(c.codec(), &packed[..], u64::MAX).unwrap();
                    std::io::Read::read_to_end(&mut decoder, &mut out).unwrap();
                    assert_eq!(out, data, "{c:?} with {threads} threads for {arch}");
                    outputs.push(packed);
                }
                assert!(outputs.windows(2).all(|w| w[0] == w[1]), "{c:?} output depends on the thread count");
            }
        }
    }
}
