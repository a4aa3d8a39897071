//! Package sets: the immutable, content-addressed lists behind repos,
//! snapshots and publications, stored as plain `Packages`-format text.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

use aptkit_control::Paragraph;
use aptkit_index::FileDigests;
use aptkit_store::{Body, Caching, Shared, Store};

use crate::state::Refs;
use crate::{Error, Result};

/// One package: its control fields plus `Filename` (the .deb's base name),
/// `Size`, `MD5sum` and `SHA256` of the .deb.
///
/// Kept as the stanza's text, in the form [`Paragraph::write_to`] writes
/// (`Name: value` lines, continuation lines after), and read field by field
/// on demand: a set of 20,000 packages loads as 20,000 strings rather than
/// 300,000 parsed fields, which makes a one-package change to a large repo
/// cost milliseconds instead of a second. The fields every command reads
/// (name, version, architecture, source, file name, size, SHA-256) are
/// located once, when the record is made, in the same pass that checks it.
/// Records of a loaded set share the set's text instead of each holding a
/// copy.
#[derive(Debug, Clone)]
pub struct PackageRecord {
    /// The text the stanza is part of: its own, or a whole loaded set's.
    buf: Arc<Text>,
    /// The stanza's bytes in `buf`. It ends with `\n`; no blank line.
    span: Range<usize>,
    /// Relative to the stanza.
    hot: Hot,
}

impl PartialEq for PackageRecord {
    fn eq(&self, other: &Self) -> bool {
        self.text() == other.text()
    }
}
impl Eq for PackageRecord {}

/// The fields found when a record is made, in this order.
const HOT: [&str; 7] = ["Package", "Version", "Architecture", "Source", "Filename", "Size", "SHA256"];
const PACKAGE: usize = 0;
const VERSION: usize = 1;
const ARCHITECTURE: usize = 2;
const SOURCE: usize = 3;
const FILENAME: usize = 4;
const SIZE: usize = 5;
const SHA256: usize = 6;

/// Byte ranges of the [`HOT`] fields' values in a record's text; `None`
/// where the field is absent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Hot([Option<(u32, u32)>; HOT.len()]);

/// A line that is not in the written form, by its byte offset.
struct BadLine(usize);

impl Hot {
    /// Locate the hot fields of `text` (the first of each name, as
    /// [`PackageRecord::get`] reads them), checking that every line is in
    /// the written form: a `Name: value` field (a name without spaces, not
    /// a comment) or a continuation line with content. Unless `strict`, a
    /// line in another form is passed over.
    fn scan(text: &str, strict: bool) -> std::result::Result<Hot, BadLine> {
        let bytes = text.as_bytes();
        let mut hot = Hot::default();
        let mut at = 0;
        // One searcher over the stanza, not one per (short) line.
        let mut ends = memchr::memchr_iter(b'\n', bytes).chain(std::iter::once(bytes.len()));
        while at < bytes.len() {
            let line_end = ends.next().unwrap_or(bytes.len());
            let line = &bytes[at..line_end];
            match line.first() {
                Some(b' ' | b'\t') if line.iter().any(|b| !matches!(b, b' ' | b'\t')) => {}
                Some(b' ' | b'\t' | b'#') | None if strict => return Err(BadLine(at)),
                Some(b' ' | b'\t' | b'#') | None => {}
                Some(_) => {
                    // Names are short: a plain loop beats a vector search.
                    let colon = line
                        .iter()
                        .position(|&b| b == b':')
                        .filter(|&c| c > 0 && !line[..c].iter().any(|b| matches!(b, b' ' | b'\t')));
                    match colon {
                        Some(colon) => {
                            if let Some(slot) =
                                HOT.iter().position(|h| h.as_bytes().eq_ignore_ascii_case(&line[..colon]))
                            {
                                if hot.0[slot].is_none() {
                                    hot.0[slot] = Some(value_range(bytes, at + colon, line_end));
                                }
                            }
                        }
                        None if strict => return Err(BadLine(at)),
                        None => {}
                    }
                }
            }
            at = line_end + 1;
        }
        Ok(hot)
    }
}

/// The value of the field whose colon is at `colon` on a line ending at
/// `line_end`: past one space, and on over continuation lines.
fn value_range(bytes: &[u8], colon: usize, line_end: usize) -> (u32, u32) {
    let start = colon + 1 + usize::from(bytes.get(colon + 1) == Some(&b' '));
    let mut end = line_end;
    while end + 1 < bytes.len() && matches!(bytes[end + 1], b' ' | b'\t') {
        end = memchr::memchr(b'\n', &bytes[end + 1..]).map_or(bytes.len(), |i| end + 1 + i);
    }
    // Record texts are stanzas, far below 4 GiB.
    (start.min(end) as u32, end as u32)
}

impl PackageRecord {
    pub fn from_paragraph(paragraph: &Paragraph) -> Self {
        // Written, read back and written again: the normal form a saved and
        // loaded set holds (first lines trimmed, blank continuation lines
        // dropped), so a record reads the same before and after a save.
        let text = paragraph.to_text();
        let normal = aptkit_control::parse_written_paragraphs(&text).ok().and_then(|p| p.into_iter().next());
        let text = normal.map_or(text, |p| p.to_text());
        let hot = Hot::scan(&text, false).unwrap_or_default();
        Self { span: 0..text.len(), buf: Arc::new(Text::from(text)), hot }
    }

    /// The stanza, as written to a package set or a `Packages` file.
    pub fn text(&self) -> &str {
        &self.buf.as_str()[self.span.clone()]
    }

    /// A field's value (case-insensitive name), as [`Paragraph::get`] gives it.
    pub fn get(&self, name: &str) -> Option<&str> {
        let (start, end) = match HOT.iter().position(|h| h.eq_ignore_ascii_case(name)) {
            Some(slot) => self.hot.0[slot]?,
            None => self.find(name)?,
        };
        Some(&self.text()[start as usize..end as usize])
    }

    fn hot(&self, slot: usize) -> Option<&str> {
        self.hot.0[slot].map(|(start, end)| &self.text()[start as usize..end as usize])
    }

    /// Byte range of `name`'s value in `text`, by reading the lines.
    fn find(&self, name: &str) -> Option<(u32, u32)> {
        let bytes = self.text().as_bytes();
        let mut at = 0;
        while at < bytes.len() {
            let line_end = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |i| at + i);
            let line = &bytes[at..line_end];
            if line.len() > name.len()
                && line[name.len()] == b':'
                && line[..name.len()].eq_ignore_ascii_case(name.as_bytes())
            {
                return Some(value_range(bytes, at + name.len(), line_end));
            }
            at = line_end + 1;
        }
        None
    }

    /// Write the stanza with `name` set to `value` (in place if present,
    /// appended otherwise), as [`Paragraph::set`] then `write_to` would.
    pub fn write_with(&self, name: &str, value: &str, out: &mut Vec<u8>) {
        let range = match HOT.iter().position(|h| h.eq_ignore_ascii_case(name)) {
            Some(slot) => self.hot.0[slot],
            None => self.find(name),
        };
        let text = self.text();
        match range {
            Some((start, end)) => {
                let (start, end) = (start as usize, end as usize);
                let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
                out.extend_from_slice(&text.as_bytes()[..line_start]);
                out.extend_from_slice(&text.as_bytes()[line_start..line_start + name.len()]);
                out.extend_from_slice(b": ");
                out.extend_from_slice(value.as_bytes());
                out.extend_from_slice(&text.as_bytes()[end..]);
            }
            None => {
                out.extend_from_slice(text.as_bytes());
                out.extend_from_slice(format!("{name}: {value}\n").as_bytes());
            }
        }
    }

    /// The fields as a [`Paragraph`], for code that walks them all.
    pub fn paragraph(&self) -> Paragraph {
        aptkit_control::parse_written_paragraphs(self.text())
            .ok()
            .and_then(|p| p.into_iter().next())
            .unwrap_or_default()
    }

    pub fn name(&self) -> &str {
        self.hot(PACKAGE).unwrap_or_default()
    }
    pub fn version(&self) -> &str {
        self.hot(VERSION).unwrap_or_default()
    }
    pub fn arch(&self) -> &str {
        self.hot(ARCHITECTURE).unwrap_or_default()
    }
    pub fn sha256(&self) -> &str {
        self.hot(SHA256).unwrap_or_default()
    }
    pub fn file_name(&self) -> &str {
        self.hot(FILENAME).unwrap_or_default()
    }
    pub fn size(&self) -> u64 {
        self.hot(SIZE).and_then(|s| s.parse().ok()).unwrap_or(0)
    }
    /// The source package: `Source` without its version, else `Package`.
    pub fn source(&self) -> &str {
        aptkit_index::source_name_from(self.hot(SOURCE), self.name())
    }
    /// `name_version_arch`: at most one package per key in a set.
    pub fn key(&self) -> String {
        let (name, version, arch) = (self.name(), self.version(), self.arch());
        let mut key = String::with_capacity(name.len() + version.len() + arch.len() + 2);
        for (i, part) in [name, version, arch].into_iter().enumerate() {
            if i > 0 {
                key.push('_');
            }
            key.push_str(part);
        }
        key
    }
    /// Where the .deb lives in the state store (content-addressed).
    pub fn blob_key(&self) -> String {
        blob_key(self.sha256())
    }
    pub fn digests(&self) -> Option<FileDigests> {
        let md5 = hex_array::<16>(self.get("MD5sum")?)?;
        let sha256 = hex_array::<32>(self.get("SHA256")?)?;
        Some(FileDigests { size: self.size(), md5, sha256 })
    }
}

/// A record's or a set's text: UTF-8, checked once when it is made.
#[derive(Debug)]
struct Text(Shared);

impl Text {
    fn new(bytes: Shared) -> Option<Self> {
        std::str::from_utf8(&bytes).ok()?;
        Some(Text(bytes))
    }

    fn as_str(&self) -> &str {
        // SAFETY: checked in `new` (or made from a String); the bytes of a
        // Shared never change.
        unsafe { std::str::from_utf8_unchecked(&self.0) }
    }
}

impl From<String> for Text {
    fn from(text: String) -> Self {
        Text(text.into_bytes().into())
    }
}

pub fn blob_key(sha256: &str) -> String {
    format!("pool/{}/{sha256}.deb", &sha256[..2.min(sha256.len())])
}

fn hex_array<const N: usize>(s: &str) -> Option<[u8; N]> {
    let mut out = [0u8; N];
    if s.len() != 2 * N {
        return None;
    }
    for (i, chunk) in s.as_bytes().chunks(2).enumerate() {
        out[i] = u8::from_str_radix(std::str::from_utf8(chunk).ok()?, 16).ok()?;
    }
    Some(out)
}

/// A set of packages, at most one per `name_version_arch`, kept sorted so
/// the same set always serialises to the same bytes (and the same id).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PackageSet {
    records: BTreeMap<String, PackageRecord>,
}

impl PackageSet {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    pub fn get(&self, key: &str) -> Option<&PackageRecord> {
        self.records.get(key)
    }

    pub fn insert(&mut self, record: PackageRecord) -> Option<PackageRecord> {
        self.records.insert(record.key(), record)
    }

    pub fn remove(&mut self, key: &str) -> Option<PackageRecord> {
        self.records.remove(key)
    }

    pub fn iter(&self) -> impl Iterator<Item = &PackageRecord> {
        self.records.values()
    }

    pub fn retain(&mut self, mut keep: impl FnMut(&PackageRecord) -> bool) {
        self.records.retain(|_, r| keep(r));
    }

    /// The set as a `Packages`-format text: stanzas in key order, a blank
    /// line between them.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.records.values().map(|r| r.span.len() + 1).sum());
        for (i, r) in self.records.values().enumerate() {
            if i > 0 {
                out.push(b'\n');
            }
            out.extend_from_slice(r.text().as_bytes());
        }
        out
    }

    /// Read a set written by [`to_bytes`](Self::to_bytes). Each stanza is
    /// checked for the written form (every line a `Name: value` field or a
    /// continuation) and kept as text; anything else is corrupt state.
    pub fn from_bytes(bytes: &[u8], location: &str) -> Result<Self> {
        Self::from_shared(bytes.to_vec().into(), location)
    }

    /// [`from_bytes`](Self::from_bytes), keeping `bytes` as the records' text.
    fn from_shared(bytes: Shared, location: &str) -> Result<Self> {
        let corrupt = |reason: String| Error::CorruptState { location: location.to_string(), reason };
        let text = Arc::new(Text::new(bytes).ok_or_else(|| corrupt("package set is not UTF-8".into()))?);
        let bytes = text.as_str().as_bytes();
        if memchr::memchr(b'\r', bytes).is_some() {
            return Err(corrupt("package set: carriage return in a written set".into()));
        }
        let line_of = |offset: usize| 1 + memchr::memchr_iter(b'\n', &bytes[..offset]).count();
        // Stanzas run to ~500 bytes; reserving for more costs only address space.
        let mut records = Vec::with_capacity(bytes.len() / 256 + 1);
        let mut at = 0;
        while at < bytes.len() {
            // A stanza runs to its blank line (kept out of the record).
            let end = memchr::memmem::find(&bytes[at..], b"\n\n").map_or(bytes.len(), |i| at + i + 1);
            let body = &text.as_str()[at..end];
            if !body.ends_with('\n') {
                return Err(corrupt(format!("package set: line {}: stanza does not end with a newline", line_of(end))));
            }
            let hot = Hot::scan(body, true).map_err(|BadLine(offset)| {
                corrupt(format!("package set: line {}: not a field of a written stanza", line_of(at + offset)))
            })?;
            let record = PackageRecord { buf: Arc::clone(&text), span: at..end, hot };
            if record.hot(PACKAGE).is_none() {
                return Err(corrupt(format!("package set: stanza at line {} has no Package field", line_of(at))));
            }
            records.push((record.key(), record));
            at = end + 1;
        }
        // Written sets are sorted: collecting them is a bulk build.
        Ok(PackageSet { records: records.into_iter().collect() })
    }

    /// Store the set under its content hash; returns its id (the key).
    pub fn save(&self, store: &dyn Store) -> Result<String> {
        self.save_in(store, &Refs::default())
    }

    /// [`save`](Self::save) knowing what `refs` names: a set it names is
    /// most likely in the store (a repo back to an earlier state, a
    /// snapshot filtered to all it has), and is touched to restart its age
    /// rather than sent again; one that is gone all the same is written.
    pub fn save_in(&self, store: &dyn Store, refs: &Refs) -> Result<String> {
        let bytes = self.to_bytes();
        // Named by the SHA-256 of the bytes (chunk_id is that, in hex).
        let id = format!("sets/{}.packages", aptkit_compress::chunk_id(&bytes));
        if refs.named_sets().any(|named| *named == id) && store.touch(&id, Caching::Immutable)? {
            return Ok(id);
        }
        if let aptkit_store::Written::Conflict(_) = store.put_if_absent(&id, Body::Bytes(&bytes), Caching::Immutable)? {
            // The same set is there already, maybe unreferenced and old
            // enough for a concurrent gc (a repo back to an earlier state, a
            // new empty repo): rewrite it so that its age restarts, as
            // re-added blobs are. Readers that mapped it keep their copy.
            if !store.touch(&id, Caching::Immutable)? {
                store.put(&id, Body::Bytes(&bytes), Caching::Immutable)?;
            }
        }
        Ok(id)
    }

    pub fn load(store: &dyn Store, id: &str) -> Result<Self> {
        // Sets are content-addressed: never rewritten, so a local store
        // maps the file, and the records point into it.
        let bytes = store.get_immutable(id)?.ok_or_else(|| Error::CorruptState {
            location: store.location(),
            reason: format!("package set `{id}` is missing"),
        })?;
        Self::from_shared(bytes, &format!("{} ({id})", store.location()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STANZA: &str = "Package: hello\nSource: greet (1.0)\nVersion: 1:1.0-1\nArchitecture: amd64\nConffiles:\n /etc/hello.conf 0123\nFilename: hello_1.0-1_amd64.deb\nSize: 10\nDescription: hi\n long\n .\n  verbatim\n";

    #[test]
    fn fields_read_from_text_as_the_paragraph_gives_them() {
        let para = aptkit_control::parse_written_paragraphs(STANZA).unwrap().remove(0);
        let record = PackageRecord::from_paragraph(&para);
        assert_eq!(record.text(), STANZA);
        for f in para.fields() {
            assert_eq!(record.get(&f.name), Some(f.value.as_str()), "{}", f.name);
            assert_eq!(record.get(&f.name.to_lowercase()), Some(f.value.as_str()));
        }
        assert_eq!(record.get("Missing"), None);
        assert_eq!(record.source(), "greet");
        assert_eq!(record.key(), "hello_1:1.0-1_amd64");
        assert_eq!(record.paragraph(), para);

        // Values set in code read as they will after a save and a load.
        let mut made = Paragraph::new();
        made.set("Package", " padded ");
        made.set("Empty", "");
        made.set("Description", "short\n long  \n   \n");
        let made = PackageRecord::from_paragraph(&made);
        assert_eq!(
            (made.get("Package"), made.get("Empty"), made.get("Description")),
            (Some("padded"), None, Some("short\n long"))
        );
    }

    #[test]
    fn records_of_a_loaded_set_read_every_field_as_the_paragraph_gives_it() {
        let hashes = "MD5sum: 0123456789abcdef0123456789abcdef\nSHA256: 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n";
        let mut set = PackageSet::new();
        for name in ["a", "b", "c"] {
            let text = STANZA.replace("hello", name) + hashes;
            set.insert(PackageRecord::from_paragraph(
                &aptkit_control::parse_written_paragraphs(&text).unwrap().remove(0),
            ));
        }
        let loaded = PackageSet::from_bytes(&set.to_bytes(), "here").unwrap();
        assert_eq!(loaded, set);
        for (record, made) in loaded.iter().zip(set.iter()) {
            let para = aptkit_control::parse_written_paragraphs(record.text()).unwrap().remove(0);
            for f in para.fields() {
                assert_eq!(record.get(&f.name), Some(f.value.as_str()), "{}", f.name);
                assert_eq!(record.get(&f.name.to_uppercase()), Some(f.value.as_str()), "{}", f.name);
            }
            assert_eq!((record.key(), record.source(), record.size()), (made.key(), "greet", 10));
            assert_eq!(record.sha256(), "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
            assert_eq!(record.digests(), made.digests());
            // A record outlives its set's other records (they share the text).
            let kept = record.clone();
            assert_eq!(kept.text(), record.text());
        }
    }

    #[test]
    fn write_with_replaces_in_place_or_appends() {
        let record =
            PackageRecord::from_paragraph(&aptkit_control::parse_written_paragraphs(STANZA).unwrap().remove(0));
        for (name, value) in [
            ("Filename", "pool/main/g/greet/hello_1.0-1_amd64.deb"),
            ("Conffiles", "x"),
            ("Description", "y"),
            ("New", "z"),
        ] {
            let mut para = record.paragraph();
            para.set(name, value);
            let mut out = Vec::new();
            record.write_with(name, value, &mut out);
            assert_eq!(String::from_utf8(out).unwrap(), para.to_text(), "{name}");
        }
    }

    #[test]
    fn a_set_round_trips_and_damage_is_reported() {
        let mut set = PackageSet::new();
        for name in ["a", "b", "c"] {
            set.insert(PackageRecord::from_paragraph(
                &aptkit_control::parse_written_paragraphs(&STANZA.replace("hello", name)).unwrap().remove(0),
            ));
        }
        let bytes = set.to_bytes();
        assert_eq!(PackageSet::from_bytes(&bytes, "here").unwrap(), set);
        assert!(PackageSet::from_bytes(b"", "here").unwrap().is_empty());
        for damaged in ["Package: a\n\n\nPackage: b\n", "Package: a\nnot a field\n", " Package: a\n", "Version: 1\n"] {
            let err = PackageSet::from_bytes(damaged.as_bytes(), "here").unwrap_err();
            assert!(err.to_string().contains("here"), "{damaged:?}: {err}");
        }
    }
}
