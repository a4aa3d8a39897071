use std::io::{self, Read, Write};
use std::sync::OnceLock;

use md5_many::{Md5Many, Md5State};
use sha2::{Digest, Sha256};

/// Size and digests of one file, as Packages and Release list them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FileDigests {
    pub size: u64,
    pub md5: [u8; 16],
    pub sha256: [u8; 32],
}

impl FileDigests {
    pub fn md5_hex(&self) -> String {
        hex::encode(self.md5)
    }

    pub fn sha256_hex(&self) -> String {
        hex::encode(self.sha256)
    }

    pub fn of_bytes(bytes: &[u8]) -> Self {
        let mut h = Hasher::new();
        h.update(bytes);
        h.finish()
    }

    /// Hash everything `reader` yields.
    pub fn of_reader(mut reader: impl Read) -> io::Result<Self> {
        let mut h = Hasher::new();
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            let n = reader.read(&mut buf)?;
            if n == 0 {
                return Ok(h.finish());
            }
            h.update(&buf[..n]);
        }
    }
}

/// Computes [`FileDigests`] incrementally; also an `io::Write` sink, so a
/// generator can write an index to a file, a compressor and a hasher at once.
#[derive(Clone, Default)]
pub struct Hasher {
    size: u64,
    md5: Md5State,
    sha256: Sha256,
}

impl Hasher {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn update(&mut self, data: &[u8]) {
        self.size += data.len() as u64;
        self.md5.update(data);
        self.sha256.update(data);
    }

    pub fn finish(self) -> FileDigests {
        FileDigests { size: self.size, md5: self.md5.finalize(), sha256: self.sha256.finalize().into() }
    }
}

impl Write for Hasher {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The multi-buffer MD5 engine, with the CPU's SIMD level detected once.
pub(crate) fn md5_engine() -> Md5Many {
    static ENGINE: OnceLock<Md5Many> = OnceLock::new();
    *ENGINE.get_or_init(Md5Many::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digests() {
        let d = FileDigests::of_bytes(b"abc");
        assert_eq!(d.size, 3);
        assert_eq!(d.md5_hex(), "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(d.sha256_hex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(FileDigests::of_reader(&b"abc"[..]).unwrap(), d);
    }
}
