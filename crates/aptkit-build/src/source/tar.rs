//! A tar stream whose bytes depend only on what is put in: POSIX ustar
//! headers (pax extended headers only for what ustar cannot hold), every
//! entry owned by root:root (uid and gid 0) with one mtime, no device
//! numbers, the end padded to a whole 10240-byte record as GNU tar and
//! `git archive` do.

use std::io::{self, Write};

const BLOCK: usize = 512;
const RECORD: u64 = 20 * BLOCK as u64;
/// The largest value an 11-digit octal field holds.
const OCTAL_11_MAX: u64 = 0o77777777777;

pub(crate) struct TarWriter<W: Write> {
    out: W,
    mtime: u64,
    written: u64,
}

impl<W: Write> TarWriter<W> {
    /// Every entry gets `mtime` (seconds since the epoch).
    pub fn new(out: W, mtime: u64) -> Self {
        TarWriter { out, mtime, written: 0 }
    }

    /// A pax global header with a `comment` (as `git archive` writes the
    /// commit id, which `git get-tar-commit-id` reads back).
    pub fn global_comment(&mut self, comment: &str) -> io::Result<()> {
        let data = pax_record("comment", comment);
        self.raw_header("pax_global_header", b'g', 0o644, data.len() as u64, "")?;
        self.data(&data)
    }

    /// A directory: `path` without its trailing slash.
    pub fn dir(&mut self, path: &str) -> io::Result<()> {
        self.header(&format!("{path}/"), b'5', 0o755, 0, "")
    }

    pub fn file(&mut self, path: &str, executable: bool, contents: &[u8]) -> io::Result<()> {
        self.header(path, b'0', if executable { 0o755 } else { 0o644 }, contents.len() as u64, "")?;
        self.data(contents)
    }

    pub fn symlink(&mut self, path: &str, target: &str) -> io::Result<()> {
        self.header(path, b'2', 0o777, 0, target)
    }

    /// The end-of-archive blocks and the record padding; returns the sink.
    pub fn finish(mut self) -> io::Result<W> {
        let end = (self.written + 2 * BLOCK as u64).div_ceil(RECORD) * RECORD;
        let zeros = vec![0u8; (end - self.written) as usize];
        self.write(&zeros)?;
        Ok(self.out)
    }

    /// A ustar header, preceded by a pax header for what does not fit.
    fn header(&mut self, path: &str, kind: u8, mode: u32, size: u64, link: &str) -> io::Result<()> {
        let mut pax = Vec::new();
        let (prefix, name) = split_ustar_path(path).unwrap_or_else(|| {
            pax.extend(pax_record("path", path));
            ("", truncate(path, 100))
        });
        if link.len() > 100 {
            pax.extend(pax_record("linkpath", link));
        }
        if size > OCTAL_11_MAX {
            pax.extend(pax_record("size", &size.to_string()));
        }
        if self.mtime > OCTAL_11_MAX {
            pax.extend(pax_record("mtime", &self.mtime.to_string()));
        }
        if !pax.is_empty() {
            self.raw_header("././@PaxHeader", b'x', 0o644, pax.len() as u64, "")?;
            self.data(&pax)?;
        }
        let mut block = [0u8; BLOCK];
        put(&mut block[0..100], name.as_bytes());
        put(&mut block[345..500], prefix.as_bytes());
        self.fill(&mut block, kind, mode, size, truncate(link, 100))
    }

    fn raw_header(&mut self, name: &str, kind: u8, mode: u32, size: u64, link: &str) -> io::Result<()> {
        let mut block = [0u8; BLOCK];
        put(&mut block[0..100], name.as_bytes());
        self.fill(&mut block, kind, mode, size, link)
    }

    /// Everything but the name fields, then the checksum.
    fn fill(&mut self, block: &mut [u8; BLOCK], kind: u8, mode: u32, size: u64, link: &str) -> io::Result<()> {
        octal(&mut block[100..108], mode.into());
        octal(&mut block[108..116], 0);
        octal(&mut block[116..124], 0);
        octal(&mut block[124..136], size.min(OCTAL_11_MAX));
        octal(&mut block[136..148], self.mtime.min(OCTAL_11_MAX));
        block[156] = kind;
        put(&mut block[157..257], link.as_bytes());
        block[257..263].copy_from_slice(b"ustar\0");
        block[263..265].copy_from_slice(b"00");
        put(&mut block[265..297], b"root");
        put(&mut block[297..329], b"root");
        octal(&mut block[329..337], 0);
        octal(&mut block[337..345], 0);
        block[148..156].fill(b' ');
        let sum: u32 = block.iter().map(|&b| u32::from(b)).sum();
        block[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        self.write(block)
    }

    /// Contents, padded to a whole block.
    fn data(&mut self, contents: &[u8]) -> io::Result<()> {
        self.write(contents)?;
        let pad = (BLOCK - contents.len() % BLOCK) % BLOCK;
        self.write(&[0u8; BLOCK][..pad])
    }

    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)?;
        self.written += bytes.len() as u64;
        Ok(())
    }
}

/// ustar's `prefix` (155 bytes) and `name` (100 bytes), split at a slash,
/// with the longest name that fits; `None` when no split fits.
fn split_ustar_path(path: &str) -> Option<(&str, &str)> {
    if path.len() <= 100 {
        return Some(("", path));
    }
    // The name must not be empty: a directory's trailing slash is no split point.
    let body = path.strip_suffix('/').unwrap_or(path);
    body.match_indices('/')
        .map(|(i, _)| (&path[..i], &path[i + 1..]))
        .find(|(prefix, name)| name.len() <= 100 && prefix.len() <= 155)
}

/// At most `max` bytes of `text`, cut at a character boundary.
fn truncate(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

fn put(field: &mut [u8], bytes: &[u8]) {
    field[..bytes.len()].copy_from_slice(bytes);
}

/// Zero-padded octal digits filling the field but its last byte, a NUL.
fn octal(field: &mut [u8], value: u64) {
    let width = field.len() - 1;
    field[..width].copy_from_slice(format!("{value:0width$o}").as_bytes());
    field[width] = 0;
}

/// `LEN key=value\n`, where LEN counts the whole record, its own digits too.
fn pax_record(key: &str, value: &str) -> Vec<u8> {
    let base = key.len() + value.len() + 3;
    let mut len = base + 1;
    while len != base + len.to_string().len() {
        len = base + len.to_string().len();
    }
    format!("{len} {key}={value}\n").into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pax_records_count_their_own_length() {
        assert_eq!(pax_record("path", "a"), b"9 path=a\n");
        // 98 bytes without the length: 2 digits would make 100, so it takes 3.
        let record = pax_record("path", &"x".repeat(91));
        assert_eq!(record.len(), 101);
        assert!(record.starts_with(b"101 path=x"));
    }

    #[test]
    fn long_paths_split_into_prefix_and_name_or_go_to_pax() {
        assert_eq!(split_ustar_path("a/b"), Some(("", "a/b")));
        let dir = "d".repeat(120);
        let path = format!("{dir}/file");
        assert_eq!(split_ustar_path(&path), Some((dir.as_str(), "file")));
        assert_eq!(split_ustar_path(&format!("{dir}/")), None);
        assert_eq!(split_ustar_path(&"n".repeat(101)), None);
        assert_eq!(split_ustar_path(&format!("{}/x", "p".repeat(156))), None);
    }

    #[test]
    fn headers_are_ustar_with_a_valid_checksum() {
        let mut tar = TarWriter::new(Vec::new(), 1_700_000_000);
        tar.file("top/a", true, b"hello").unwrap();
        let bytes = tar.finish().unwrap();
        assert_eq!(bytes.len(), 10240);
        let header = &bytes[..BLOCK];
        assert_eq!(&header[..6], b"top/a\0");
        assert_eq!(&header[100..108], b"0000755\0");
        assert_eq!(&header[124..136], b"00000000005\0");
        assert_eq!(&header[136..148], format!("{:011o}\0", 1_700_000_000).as_bytes());
        assert_eq!(&header[257..265], b"ustar\x0000");
        assert_eq!(&header[265..270], b"root\0");
        let mut unsummed = header.to_vec();
        unsummed[148..156].fill(b' ');
        let sum: u32 = unsummed.iter().map(|&b| u32::from(b)).sum();
        assert_eq!(&header[148..156], format!("{sum:06o}\0 ").as_bytes());
        assert_eq!(&bytes[BLOCK..BLOCK + 5], b"hello");
        assert!(bytes[BLOCK + 5..].iter().all(|&b| b == 0));
    }
}
