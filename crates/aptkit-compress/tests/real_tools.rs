//! Assembled files read back by the real `gzip` and `xz`, and by liblzma's
//! single-stream decoder (apt's xz reader stops after one stream).

use std::collections::HashMap;
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::Mutex;

use aptkit_compress::{compress, ChunkCache, Format, NoCache, Records, Work};

fn packages(n: usize, extra: Option<usize>) -> Vec<u8> {
    let mut out = String::new();
    for i in 0..n {
        out += &format!(
            "Package: pkg-{i:05}\nVersion: 1.{i}-1\nArchitecture: amd64\nSize: {}\nSHA256: {:064x}\nDescription: package number {i}\n {}\n\n",
            1000 + i * 7,
            i * 2654435761,
            "lorem ipsum ".repeat(i % 20)
        );
        if extra == Some(i) {
            out += "Package: pkg-inserted\nVersion: 2.0\nArchitecture: all\nDescription: new\n\n";
        }
    }
    out.into_bytes()
}

fn run(tool: &str, args: &[&str], input: &[u8]) -> Vec<u8> {
    let mut child = Command::new(tool).args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().expect(tool);
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input).unwrap());
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(out.status.success(), "{tool} {args:?} failed");
    out.stdout
}

#[derive(Default)]
struct MapCache(Mutex<HashMap<(Format, String), Vec<u8>>>);

impl ChunkCache for MapCache {
    fn get(&self, format: Format, id: &str) -> Option<Vec<u8>> {
        self.0.lock().unwrap().get(&(format, id.to_string())).cloned()
    }
    fn put(&self, format: Format, id: &str, compressed: &[u8]) {
        self.0.lock().unwrap().insert((format, id.to_string()), compressed.to_vec());
    }
}

#[test]
fn gzip_and_xz_read_the_assembled_files() {
    for text in [packages(6000, None), packages(3, None), Vec::new()] {
        let (gz, work) = compress(Format::Gzip, Records::Stanzas, &text, &NoCache);
        assert_eq!(work.chunks, work.compressed);
        assert_eq!(run("gzip", &["-dc"], &gz), text, "gzip -dc");
        let mut single = Vec::new();
        flate2::read::GzDecoder::new(&gz[..]).read_to_end(&mut single).unwrap();
        assert_eq!(single, text, "one gzip member");

        let (xz, work) = compress(Format::Xz, Records::Stanzas, &text, &NoCache);
        assert_eq!(run("xz", &["-dc"], &xz), text, "xz -dc");
        let mut single = Vec::new();
        liblzma::read::XzDecoder::new(&xz[..]).read_to_end(&mut single).unwrap();
        assert_eq!(single, text, "one xz stream");
        if !text.is_empty() {
            // --list reads files only.
            let file = tempfile::NamedTempFile::new().unwrap();
            std::fs::write(file.path(), &xz).unwrap();
            let list =
                String::from_utf8(run("xz", &["--robot", "--list", file.path().to_str().unwrap()], b"")).unwrap();
            let totals = list.lines().find(|l| l.starts_with("totals")).expect("xz --list totals");
            let fields: Vec<&str> = totals.split('\t').collect();
            assert_eq!(fields[1], "1", "streams: {totals}");
            assert_eq!(fields[2], work.chunks.to_string(), "blocks: {totals}");
        }
    }
}

#[test]
fn a_republish_compresses_only_the_chunks_that_changed() {
    let cache = MapCache::default();
    let before = packages(20_000, None);
    let after = packages(20_000, Some(12_345));
    for format in [Format::Gzip, Format::Xz] {
        let (_, first) = compress(format, Records::Stanzas, &before, &cache);
        assert!(first.chunks > 10, "{first:?}");
        let (again, second) = compress(format, Records::Stanzas, &before, &cache);
        assert_eq!(second, Work { chunks: first.chunks, compressed: 0 });
        assert_eq!(again, compress(format, Records::Stanzas, &before, &NoCache).0, "cache or not, the same bytes");
        let (file, third) = compress(format, Records::Stanzas, &after, &cache);
        assert!((1..=2).contains(&third.compressed), "{third:?}");
        let tool = if format == Format::Xz { "xz" } else { "gzip" };
        assert_eq!(run(tool, &["-dc"], &file), after);
    }
}

#[test]
fn a_damaged_cache_entry_is_compressed_again() {
    let cache = MapCache::default();
    let text = packages(2000, None);
    for format in [Format::Gzip, Format::Xz] {
        let (good, first) = compress(format, Records::Stanzas, &text, &cache);
        for piece in cache.0.lock().unwrap().values_mut() {
            piece.truncate(piece.len() - 1);
        }
        let (file, work) = compress(format, Records::Stanzas, &text, &cache);
        assert_eq!(work.compressed, first.chunks, "every damaged entry redone");
        assert_eq!(file, good);
    }
}

#[test]
fn assemble_names_a_damaged_piece() {
    let text = packages(50, None);
    let ranges = aptkit_compress::chunks(&text, Records::Stanzas);
    let mut pieces: Vec<Vec<u8>> =
        ranges.iter().map(|r| aptkit_compress::compress_chunk(Format::Xz, &text[r.clone()])).collect();
    pieces[0][40] ^= 0xff;
    pieces[0].truncate(20);
    let err = aptkit_compress::assemble(Format::Xz, &text, &ranges, &pieces).unwrap_err().to_string();
    assert!(err.contains(&aptkit_compress::chunk_id(&text[ranges[0].clone()])), "{err}");
}

#[test]
fn both_formats_at_once_are_each_what_one_format_alone_makes() {
    let cache = MapCache::default();
    let before = packages(5000, None);
    let after = packages(5000, Some(2500));
    let formats = [Format::Gzip, Format::Xz];
    // gzip's chunks cached, xz's not: each format counts its own work.
    let (_, gz_work) = compress(Format::Gzip, Records::Stanzas, &before, &cache);
    let both = aptkit_compress::compress_all(&formats, Records::Stanzas, &before, &cache);
    assert_eq!(
        (both[0].1, both[1].1),
        (Work { chunks: gz_work.chunks, compressed: 0 }, Work { chunks: gz_work.chunks, compressed: gz_work.chunks })
    );
    for (format, (file, _)) in formats.into_iter().zip(&both) {
        assert_eq!(*file, compress(format, Records::Stanzas, &before, &NoCache).0, "{format:?}");
    }
    let changed = aptkit_compress::compress_all(&formats, Records::Stanzas, &after, &cache);
    for (format, (file, work)) in formats.into_iter().zip(&changed) {
        assert!((1..=2).contains(&work.compressed), "{format:?}: {work:?}");
        let tool = if format == Format::Xz { "xz" } else { "gzip" };
        assert_eq!(run(tool, &["-dc"], file), after);
    }
}

/// A file cut back into its pieces gives exactly the pieces it was made
/// of, so a republish can take its unchanged chunks from the file it
/// replaces; anything else (other chunks, wrong lengths, another file) is
/// refused, never cut wrong.
#[test]
fn an_assembled_file_splits_into_the_pieces_it_was_made_of() {
    let text = packages(3000, None);
    let ranges = aptkit_compress::chunks(&text, Records::Stanzas);
    assert!(ranges.len() >= 3, "{} chunks", ranges.len());
    let lengths: Vec<usize> = ranges.iter().map(|r| r.len()).collect();
    let made = aptkit_compress::compress_all_pieces(&[Format::Gzip, Format::Xz], Records::Stanzas, &text, &NoCache);
    for (format, (file, _, piece_lengths)) in [Format::Gzip, Format::Xz].into_iter().zip(&made) {
        let pieces: Vec<Vec<u8>> =
            ranges.iter().map(|r| aptkit_compress::compress_chunk(format, &text[r.clone()])).collect();
        let split = aptkit_compress::split(format, file, &lengths, piece_lengths);
        assert!(split.as_ref() == Some(&pieces), "{format:?}: the split differs from the pieces");
        // Other chunk lengths or piece lengths, or a truncated file: refused.
        let mut other = lengths.clone();
        other.swap(0, 1);
        let shorter: Vec<u64> = piece_lengths.iter().map(|l| l.saturating_sub(1)).collect();
        match format {
            Format::Xz => assert!(aptkit_compress::split(format, file, &other, piece_lengths).is_none()),
            Format::Gzip => assert!(aptkit_compress::split(format, file, &lengths, &shorter).is_none()),
        }
        assert!(aptkit_compress::split(format, &file[..file.len() - 1], &lengths, piece_lengths).is_none());
    }
}
