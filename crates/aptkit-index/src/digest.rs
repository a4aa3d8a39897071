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

/// The multi-buffer MD5 engine, with the CPU's SIMD level detected once.
fn md5_engine() -> Md5Many {
    static ENGINE: OnceLock<Md5Many> = OnceLock::new();
    *ENGINE.get_or_init(Md5Many::new)
}

/// How many streams [`update_many`] hashes in one SIMD pass: 16 with
/// AVX-512, 8 with AVX2, 4 with SSE or NEON.
pub fn parallel_streams() -> usize {
    md5_engine().lanes()
}

/// Feed `chunks[i]` to `hashers[i]`, for every `i` at once.
///
/// One MD5 stream is a chain of dependent blocks and runs at ~0.5 GB/s on a
/// core; independent streams side by side in SIMD lanes run at ~7 GB/s
/// (AVX-512), which takes MD5 from the dominant cost of indexing a pool to
/// a small one. SHA-256 runs per stream: with SHA-NI it is already fast.
///
/// # Panics
/// If `hashers` and `chunks` differ in length.
pub fn update_many(hashers: &mut [&mut Hasher], chunks: &[&[u8]]) {
    assert_eq!(hashers.len(), chunks.len(), "one chunk per hasher");
    let mut md5: Vec<Md5State> = hashers.iter().map(|h| h.md5).collect();
    md5_engine().update_many(&mut md5, chunks);
    for ((hasher, state), chunk) in hashers.iter_mut().zip(md5).zip(chunks) {
        hasher.md5 = state;
        hasher.size += chunk.len() as u64;
        hasher.sha256.update(chunk);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// `update_many` must agree with the reference md-5 and with one-stream
    /// hashing for every length around the block and padding boundaries,
    /// streams of unequal lengths, and chunkings that split blocks.
    #[test]
    fn update_many_matches_reference_md5_and_sha256() {
        use md5::Digest as _;
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for round in 0..40 {
            let streams = 1 + round % 37;
            let messages: Vec<Vec<u8>> = (0..streams)
                .map(|i| {
                    let len = match (round + i) % 4 {
                        0 => (next() % 130) as usize,
                        1 => 64 * (next() % 20) as usize + 55 + (next() % 3) as usize,
                        _ => (next() % 300_000) as usize,
                    };
                    (0..len).map(|_| next() as u8).collect()
                })
                .collect();
            let mut hashers: Vec<Hasher> = (0..streams).map(|_| Hasher::new()).collect();
            let mut offsets = vec![0usize; streams];
            while offsets.iter().zip(&messages).any(|(o, m)| *o < m.len()) {
                let chunks: Vec<&[u8]> = offsets
                    .iter_mut()
                    .zip(&messages)
                    .map(|(o, m)| {
                        let take = ((next() % 70_000) as usize).min(m.len() - *o);
                        *o += take;
                        &m[*o - take..*o]
                    })
                    .collect();
                let mut refs: Vec<&mut Hasher> = hashers.iter_mut().collect();
                update_many(&mut refs, &chunks);
            }
            for (hasher, message) in hashers.into_iter().zip(&messages) {
                let got = hasher.finish();
                let want_md5: [u8; 16] = md5::Md5::digest(message).into();
                assert_eq!(got.md5, want_md5, "md5 of {} bytes, round {round}", message.len());
                assert_eq!(got, FileDigests::of_bytes(message), "one-stream hashing of {} bytes", message.len());
                assert_eq!(got.sha256, <[u8; 32]>::from(Sha256::digest(message)));
            }
        }
    }

    #[test]
    fn known_digests() {
        let d = FileDigests::of_bytes(b"abc");
        assert_eq!(d.size, 3);
        assert_eq!(d.md5_hex(), "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(d.sha256_hex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(FileDigests::of_reader(&b"abc"[..]).unwrap(), d);
    }
}
