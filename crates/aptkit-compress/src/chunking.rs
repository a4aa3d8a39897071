//! Content-defined cuts at record boundaries.

use std::ops::Range;

/// What a cut may fall between.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Records {
    /// deb822 stanzas, separated by a blank line (`Packages`).
    Stanzas,
    /// Lines (`Contents`).
    Lines,
}

/// No chunk is cut shorter than this (unless the text ends): small chunks
/// compress worse, and each is an xz block with its own header and index
/// entry.
const MIN_CHUNK: usize = 240 << 10;
/// Past the minimum, a record starts a new chunk with probability
/// `record length / CUT_EVERY`, so chunks average about MIN + CUT_EVERY
/// (~272 KiB; ~14% in xz size against one stream). Most of the length is
/// the fixed minimum, not the random part, because a change recompresses
/// the chunk it lands in and a change is likelier to land in a long one:
/// the expected recompression per change is E[len²] / E[len]. With
/// 128 KiB + 128 KiB it was 305 KiB on Debian's bookworm Packages (50 MB;
/// chunks up to 682 KiB), with 240 KiB + 32 KiB it is 276 KiB (up to 436
/// KiB) at a smaller total. The random part stays far longer than a record,
/// so a change of one record moves a cut only rarely (about record length
/// / CUT_EVERY, 1-2%).
const CUT_EVERY: u64 = 32 << 10;
/// A chunk is cut before it grows past this, cut or no cut.
const MAX_CHUNK: usize = 1 << 20;

/// Cut `text` into chunks that cover it exactly, each ending at a record
/// boundary. Whether a record starts a chunk depends on its first line
/// (for a stanza, `Package: name`), its length and the bytes since the last
/// cut, so a change to one record moves only the cuts next to it.
pub fn chunks(text: &[u8], records: Records) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut at = 0;
    while at < text.len() {
        let end = record_end(text, at, records);
        let len = end - at;
        if at > start && (at - start + len > MAX_CHUNK || (at - start >= MIN_CHUNK && cuts_before(&text[at..end], len)))
        {
            out.push(start..at);
            start = at;
        }
        at = end;
    }
    if start < text.len() {
        out.push(start..text.len());
    }
    out
}

/// The end of the record starting at `at`: past its separator.
fn record_end(text: &[u8], at: usize, records: Records) -> usize {
    let rest = &text[at..];
    let found = match records {
        Records::Stanzas => memchr::memmem::find(rest, b"\n\n").map(|i| i + 2),
        Records::Lines => memchr::memchr(b'\n', rest).map(|i| i + 1),
    };
    at + found.unwrap_or(rest.len())
}

/// The cut decision for a record: its first line hashed (FNV-1a, then
/// MurmurHash3's finaliser, since FNV's high bits barely change between
/// `pkg-00001` and `pkg-00002`), compared with a threshold that grows with
/// the record's length.
fn cuts_before(record: &[u8], len: usize) -> bool {
    let first_line = memchr::memchr(b'\n', record).map_or(record, |i| &record[..i]);
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in first_line {
        hash = (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(0xff51_afd7_ed55_8ccd);
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    hash ^= hash >> 33;
    // P(cut) = len / CUT_EVERY, in 20-bit fixed point.
    (hash >> 44) * CUT_EVERY < (len as u64) << 20
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn stanza(name: &str, version: &str) -> String {
        format!("Package: {name}\nVersion: {version}\nArchitecture: amd64\nDescription: {}\n\n", "x".repeat(300))
    }

    fn index(names: &[String]) -> String {
        names.iter().map(|n| stanza(n, "1.0")).collect()
    }

    #[test]
    fn chunks_cover_the_text_at_record_boundaries() {
        let names: Vec<String> = (0..5000).map(|i| format!("pkg-{i:05}")).collect();
        let text = index(&names);
        let ranges = chunks(text.as_bytes(), Records::Stanzas);
        assert!(ranges.len() > 3, "{} chunks", ranges.len());
        assert_eq!(ranges[0].start, 0);
        assert_eq!(ranges.last().unwrap().end, text.len());
        for pair in ranges.windows(2) {
            assert_eq!(pair[0].end, pair[1].start);
            assert!(text[pair[1].start..].starts_with("Package: "));
        }
        for r in &ranges[..ranges.len() - 1] {
            assert!(r.len() >= MIN_CHUNK && r.len() <= MAX_CHUNK, "chunk of {} bytes", r.len());
        }
    }

    #[test]
    fn an_inserted_stanza_changes_at_most_the_chunks_around_it() {
        let names: Vec<String> = (0..10_000).map(|i| format!("pkg-{i:05}")).collect();
        let before = index(&names);
        let mut more = names.clone();
        more.insert(5123, "pkg-05122a".into());
        let after = index(&more);
        fn ids(t: &str) -> Vec<&str> {
            chunks(t.as_bytes(), Records::Stanzas).into_iter().map(|r| &t[r]).collect()
        }
        let (old, new) = (ids(&before), ids(&after));
        let changed = new.iter().filter(|c| !old.contains(c)).count();
        assert!((1..=2).contains(&changed), "{changed} of {} chunks changed", new.len());
    }

    #[test]
    fn one_record_added_or_removed_anywhere_changes_about_one_chunk() {
        // Stanzas of uneven length, as real ones are.
        let stanzas: Vec<String> =
            (0..6000).map(|i| stanza(&format!("pkg-{i:05}"), &"1.0.".repeat(1 + i * 7 % 40))).collect();
        let before = stanzas.concat();
        let old: HashSet<&str> = chunks(before.as_bytes(), Records::Stanzas).into_iter().map(|r| &before[r]).collect();
        let (mut total, mut worst, mut trials) = (0, 0, 0);
        for at in (0..stanzas.len()).step_by(97) {
            let mut added = stanzas.clone();
            added.insert(at, stanza(&format!("pkg-{at:05}a"), "2.0"));
            let mut removed = stanzas.clone();
            removed.remove(at);
            for after in [added.concat(), removed.concat()] {
                let ranges = chunks(after.as_bytes(), Records::Stanzas);
                let changed = ranges.into_iter().filter(|r| !old.contains(&after[r.clone()])).count();
                (total, worst, trials) = (total + changed, worst.max(changed), trials + 1);
            }
        }
        assert!(total as f64 / trials as f64 <= 1.2, "{total} chunks changed in {trials} changes");
        assert!(worst <= 3, "one change rewrote {worst} chunks");
    }

    #[test]
    fn text_without_separators_is_one_chunk_and_empty_text_none() {
        assert_eq!(chunks(b"no newline at all", Records::Lines), vec![0..17]);
        assert!(chunks(b"", Records::Stanzas).is_empty());
        let lines: String = (0..100_000).map(|i| format!("usr/share/doc/pkg-{i}/copyright  misc/pkg-{i}\n")).collect();
        let ranges = chunks(lines.as_bytes(), Records::Lines);
        assert!(ranges.len() > 5 && ranges.iter().all(|r| lines.as_bytes()[r.end - 1] == b'\n'));
    }
}
