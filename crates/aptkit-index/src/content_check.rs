//! Checking a file against the Size and SHA256 that an index lists for it,
//! while it streams past.
//!
//! It lives here, beside [`crate::FileDigests`], because it is the reading
//! side of what this crate writes: whoever fetches a file that a Release or
//! Packages file describes (verify, mirror) checks it this way, and the
//! crate is pure (sha2 and hex), so any reader can depend on it.

use std::io::{self, Read};

use sha2::{Digest, Sha256};

/// Passes on what `inner` yields, counting and hashing it (SHA-256), and
/// reads at most one byte past the expected size: a file that is too long
/// is known to be so without reading the rest of it. Read it to its end,
/// then [`finish`](Self::finish) tells whether it was exactly the expected
/// content.
pub struct ContentValidatingReader<R> {
    inner: R,
    expected_size: u64,
    expected_sha256: String,
    read: u64,
    sha256: Sha256,
}

/// How a file differs from its listing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContentMismatch {
    #[error("expected {expected} bytes, found {found}")]
    Size { expected: u64, found: FoundSize },
    #[error("expected SHA256 {expected}, found SHA256 {found}")]
    Sha256 { expected: String, found: String },
}

/// The size a file turned out to have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FoundSize {
    /// Shorter than expected: this many bytes in all.
    Exactly(u64),
    /// Longer than expected: reading stopped one byte past the size.
    More,
}

impl std::fmt::Display for FoundSize {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FoundSize::Exactly(n) => write!(f, "{n} bytes"),
            FoundSize::More => f.write_str("more"),
        }
    }
}

impl<R: Read> ContentValidatingReader<R> {
    /// `expected_sha256` is lowercase hex, as indices list it.
    pub fn new(inner: R, expected_size: u64, expected_sha256: &str) -> Self {
        ContentValidatingReader {
            inner,
            expected_size,
            expected_sha256: expected_sha256.to_string(),
            read: 0,
            sha256: Sha256::new(),
        }
    }

    /// Count and hash `earlier`, the bytes that a resumed download already
    /// holds, as if they had come through this reader (they are not passed
    /// on). Returns how many there were.
    pub fn resume_after(&mut self, mut earlier: impl Read) -> io::Result<u64> {
        let mut buf = vec![0u8; 256 << 10];
        let before = self.read;
        loop {
            match earlier.read(&mut buf) {
                Ok(0) => return Ok(self.read - before),
                Ok(n) => self.account(&buf[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Bytes counted so far (resumed ones included).
    pub fn bytes_read(&self) -> u64 {
        self.read
    }

    /// Whether what was read (to the end) is exactly the expected content.
    pub fn finish(self) -> Result<(), ContentMismatch> {
        if self.read != self.expected_size {
            let found = if self.read > self.expected_size { FoundSize::More } else { FoundSize::Exactly(self.read) };
            return Err(ContentMismatch::Size { expected: self.expected_size, found });
        }
        let found = hex::encode(self.sha256.finalize());
        if found != self.expected_sha256 {
            return Err(ContentMismatch::Sha256 { expected: self.expected_sha256, found });
        }
        Ok(())
    }

    fn account(&mut self, bytes: &[u8]) {
        self.read += bytes.len() as u64;
        self.sha256.update(bytes);
    }
}

impl<R: Read> Read for ContentValidatingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // One byte past the expected size is enough to know it is exceeded.
        let room = (self.expected_size + 1).saturating_sub(self.read);
        let want = (buf.len() as u64).min(room) as usize;
        if want == 0 {
            return Ok(0);
        }
        let n = self.inner.read(&mut buf[..want])?;
        self.account(&buf[..n]);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SHA-256 of `abc`.
    const ABC: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    fn check(content: &[u8], size: u64, sha256: &str) -> (Vec<u8>, Result<(), ContentMismatch>) {
        let mut reader = ContentValidatingReader::new(content, size, sha256);
        let mut out = Vec::new();
        reader.read_to_end(&mut out).unwrap();
        (out, reader.finish())
    }

    #[test]
    fn exact_content_passes_through_and_checks() {
        assert_eq!(check(b"abc", 3, ABC), (b"abc".to_vec(), Ok(())));
    }

    #[test]
    fn a_short_file_reports_its_size() {
        let (_, outcome) = check(b"ab", 3, ABC);
        assert_eq!(outcome, Err(ContentMismatch::Size { expected: 3, found: FoundSize::Exactly(2) }));
        assert_eq!(outcome.unwrap_err().to_string(), "expected 3 bytes, found 2 bytes");
    }

    #[test]
    fn a_long_file_is_read_one_byte_past_the_size_and_no_further() {
        let long = vec![b'a'; 1 << 20];
        let mut rest = &long[..];
        let mut reader = ContentValidatingReader::new(&mut rest, 3, ABC);
        let mut out = Vec::new();
        reader.read_to_end(&mut out).unwrap();
        assert_eq!(out.len(), 4);
        assert_eq!(reader.finish(), Err(ContentMismatch::Size { expected: 3, found: FoundSize::More }));
        assert_eq!(rest.len(), long.len() - 4);
    }

    #[test]
    fn the_wrong_content_reports_its_hash() {
        let (_, outcome) = check(b"abd", 3, ABC);
        let Err(ContentMismatch::Sha256 { expected, found }) = outcome else { panic!("{outcome:?}") };
        assert_eq!(expected, ABC);
        assert_eq!(found, hex::encode(Sha256::digest(b"abd")));
    }

    #[test]
    fn a_resumed_read_counts_the_bytes_held_before() {
        let mut reader = ContentValidatingReader::new(&b"c"[..], 3, ABC);
        assert_eq!(reader.resume_after(&b"ab"[..]).unwrap(), 2);
        let mut out = Vec::new();
        reader.read_to_end(&mut out).unwrap();
        assert_eq!(out, b"c");
        assert_eq!(reader.bytes_read(), 3);
        assert_eq!(reader.finish(), Ok(()));
    }
}
