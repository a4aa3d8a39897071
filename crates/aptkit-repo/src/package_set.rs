//! Package sets: the immutable, content-addressed lists behind repos,
//! snapshots and publications, stored as plain `Packages`-format text.

use std::collections::BTreeMap;

use aptkit_control::Paragraph;
use aptkit_index::FileDigests;
use aptkit_store::{Body, Caching, Store};

use crate::{Error, Result};

/// One package: its control fields plus `Filename` (the .deb's base name),
/// `Size`, `MD5sum` and `SHA256` of the .deb.
///
/// Kept as the stanza's text, in the form [`Paragraph::write_to`] writes
/// (`Name: value` lines, continuation lines after), and read field by field
/// on demand: a set of 20,000 packages loads as 20,000 strings rather than
/// 300,000 parsed fields, which makes a one-package change to a large repo
/// cost milliseconds instead of a second.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageRecord {
    /// Ends with `\n`; no blank line.
    text: String,
}

impl PackageRecord {
    pub fn from_paragraph(paragraph: &Paragraph) -> Self {
        // Written, read back and written again: the normal form a saved and
        // loaded set holds (first lines trimmed, blank continuation lines
        // dropped), so a record reads the same before and after a save.
        let text = paragraph.to_text();
        let normal = aptkit_control::parse_written_paragraphs(&text).ok().and_then(|p| p.into_iter().next());
        Self { text: normal.map_or(text, |p| p.to_text()) }
    }

    /// The stanza, as written to a package set or a `Packages` file.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// A field's value (case-insensitive name), as [`Paragraph::get`] gives it.
    pub fn get(&self, name: &str) -> Option<&str> {
        let (start, end) = self.value_range(name)?;
        Some(&self.text[start..end])
    }

    /// Byte range of `name`'s value in `text`.
    fn value_range(&self, name: &str) -> Option<(usize, usize)> {
        let bytes = self.text.as_bytes();
        let mut at = 0;
        while at < bytes.len() {
            let line_end = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |i| at + i);
            let line = &bytes[at..line_end];
            if line.len() > name.len() && line[name.len()] == b':' && line[..name.len()].eq_ignore_ascii_case(name.as_bytes()) {
                let start = at + name.len() + 1 + usize::from(bytes.get(at + name.len() + 1) == Some(&b' '));
                // The value runs on over continuation lines.
                let mut end = line_end;
                while end + 1 < bytes.len() && matches!(bytes[end + 1], b' ' | b'\t') {
                    end = memchr::memchr(b'\n', &bytes[end + 1..]).map_or(bytes.len(), |i| end + 1 + i);
                }
                return Some((start.min(end), end));
            }
            at = line_end + 1;
        }
        None
    }

    /// Write the stanza with `name` set to `value` (in place if present,
    /// appended otherwise), as [`Paragraph::set`] then `write_to` would.
    pub fn write_with(&self, name: &str, value: &str, out: &mut Vec<u8>) {
        match self.value_range(name) {
            Some((start, end)) => {
                let line_start = self.text[..start].rfind('\n').map_or(0, |i| i + 1);
                out.extend_from_slice(self.text[..line_start].as_bytes());
                out.extend_from_slice(format!("{}: {value}", &self.text[line_start..line_start + name.len()]).as_bytes());
                out.extend_from_slice(self.text[end..].as_bytes());
            }
            None => {
                out.extend_from_slice(self.text.as_bytes());
                out.extend_from_slice(format!("{name}: {value}\n").as_bytes());
            }
        }
    }

    /// The fields as a [`Paragraph`], for code that walks them all.
    pub fn paragraph(&self) -> Paragraph {
        aptkit_control::parse_written_paragraphs(&self.text).ok().and_then(|p| p.into_iter().next()).unwrap_or_default()
    }

    pub fn name(&self) -> &str {
        self.get("Package").unwrap_or_default()
    }
    pub fn version(&self) -> &str {
        self.get("Version").unwrap_or_default()
    }
    pub fn arch(&self) -> &str {
        self.get("Architecture").unwrap_or_default()
    }
    pub fn sha256(&self) -> &str {
        self.get("SHA256").unwrap_or_default()
    }
    pub fn file_name(&self) -> &str {
        self.get("Filename").unwrap_or_default()
    }
    pub fn size(&self) -> u64 {
        self.get("Size").and_then(|s| s.parse().ok()).unwrap_or(0)
    }
    /// The source package: `Source` without its version, else `Package`.
    pub fn source(&self) -> &str {
        aptkit_index::source_name_from(self.get("Source"), self.name())
    }
    /// `name_version_arch`: at most one package per key in a set.
    pub fn key(&self) -> String {
        format!("{}_{}_{}", self.name(), self.version(), self.arch())
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

/// A line as [`Paragraph::write_to`] writes it: `Name: value` (a name
/// without spaces, not a comment) or a continuation line with content.
fn written_line(line: &[u8]) -> bool {
    match line.first() {
        Some(b' ' | b'\t') => line.iter().any(|b| !matches!(b, b' ' | b'\t')),
        Some(b'#') | None => false,
        Some(_) => memchr::memchr(b':', line).is_some_and(|colon| colon > 0 && !line[..colon].iter().any(|b| matches!(b, b' ' | b'\t'))),
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
        let mut out = Vec::with_capacity(self.records.values().map(|r| r.text.len() + 1).sum());
        for (i, r) in self.records.values().enumerate() {
            if i > 0 {
                out.push(b'\n');
            }
            out.extend_from_slice(r.text.as_bytes());
        }
        out
    }

    /// Read a set written by [`to_bytes`](Self::to_bytes). Each stanza is
    /// checked for the written form (every line a `Name: value` field or a
    /// continuation) and kept as text; anything else is corrupt state.
    pub fn from_bytes(bytes: &[u8], location: &str) -> Result<Self> {
        let corrupt = |reason: String| Error::CorruptState { location: location.to_string(), reason };
        let text = std::str::from_utf8(bytes).map_err(|_| corrupt("package set is not UTF-8".into()))?;
        if text.contains('\r') {
            return Err(corrupt("package set: carriage return in a written set".into()));
        }
        let mut records = Vec::new();
        let mut line_no = 1;
        for stanza in text.split_inclusive("\n\n") {
            let body = stanza.strip_suffix('\n').filter(|b| b.ends_with('\n')).unwrap_or(stanza);
            for line in body.lines() {
                if !written_line(line.as_bytes()) {
                    return Err(corrupt(format!("package set: line {line_no}: not a field of a written stanza")));
                }
                line_no += 1;
            }
            line_no += 1;
            if !body.ends_with('\n') {
                return Err(corrupt(format!("package set: line {line_no}: stanza does not end with a newline")));
            }
            let record = PackageRecord { text: body.to_string() };
            if record.get("Package").is_none() {
                return Err(corrupt(format!("package set: stanza before line {line_no} has no Package field")));
            }
            records.push((record.key(), record));
        }
        // Written sets are sorted: collecting them is a bulk build.
        Ok(PackageSet { records: records.into_iter().collect() })
    }

    /// Store the set under its content hash; returns its id (the key).
    pub fn save(&self, store: &dyn Store) -> Result<String> {
        let bytes = self.to_bytes();
        // Named by the SHA-256 of the bytes (chunk_id is that, in hex).
        let id = format!("sets/{}.packages", aptkit_compress::chunk_id(&bytes));
        store.put_if_absent(&id, Body::Bytes(&bytes), Caching::Immutable)?;
        Ok(id)
    }

    pub fn load(store: &dyn Store, id: &str) -> Result<Self> {
        let (bytes, _) = store.get(id)?.ok_or_else(|| Error::CorruptState {
            location: store.location(),
            reason: format!("package set `{id}` is missing"),
        })?;
        Self::from_bytes(&bytes, &format!("{} ({id})", store.location()))
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
        assert_eq!((made.get("Package"), made.get("Empty"), made.get("Description")), (Some("padded"), None, Some("short\n long")));
    }

    #[test]
    fn write_with_replaces_in_place_or_appends() {
        let record = PackageRecord::from_paragraph(&aptkit_control::parse_written_paragraphs(STANZA).unwrap().remove(0));
        for (name, value) in [("Filename", "pool/main/g/greet/hello_1.0-1_amd64.deb"), ("Conffiles", "x"), ("Description", "y"), ("New", "z")] {
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
            set.insert(PackageRecord::from_paragraph(&aptkit_control::parse_written_paragraphs(&STANZA.replace("hello", name)).unwrap().remove(0)));
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
