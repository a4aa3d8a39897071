use std::io::{self, Write};

use crate::{Error, Result};

/// One `Name: value` field. `value` is the text after the colon with the
/// first line trimmed and continuation lines kept byte for byte (leading
/// space included), joined by `\n`, so multi-line fields such as
/// `Description` round-trip exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub value: String,
    /// 1-based line of the field name in its file (0 for fields made in code).
    pub line: usize,
}

/// An ordered deb822 paragraph; field names compare case-insensitively.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Paragraph {
    fields: Vec<Field>,
    /// 1-based line of the paragraph's first field (0 when made in code).
    pub line: usize,
}

/// Parse deb822 text (a control file, a Packages file) into paragraphs.
/// Comment lines (`#`) are dropped. Any syntax error fails the whole parse.
pub fn parse_paragraphs(text: &str) -> Result<Vec<Paragraph>> {
    let parse = deb822_lossless::Deb822::parse(text);
    if let Some(err) = parse.positioned_errors().first() {
        return Err(Error::Syntax { line: line_of(text, err.range.start().into()), message: err.message.clone() });
    }
    if let Some(message) = parse.errors().first() {
        return Err(Error::Syntax { line: 1, message: message.clone() });
    }
    // Line numbers from offsets through a table of line starts: asking each
    // node for its line rescans the text from the start (quadratic on a
    // Packages file of thousands of stanzas).
    let line_starts: Vec<usize> =
        std::iter::once(0).chain(text.bytes().enumerate().filter(|&(_, b)| b == b'\n').map(|(i, _)| i + 1)).collect();
    let line_at = |offset: usize| line_starts.partition_point(|&start| start <= offset);
    let mut paragraphs = Vec::new();
    for para in parse.tree().paragraphs() {
        let mut out = Paragraph { fields: Vec::new(), line: 0 };
        for entry in para.entries() {
            let range = rowan::ast::AstNode::syntax(&entry).text_range();
            let raw = &text[usize::from(range.start())..usize::from(range.end())];
            let line = line_at(usize::from(range.start()));
            let (name, value) = split_entry(raw).ok_or_else(|| Error::Syntax {
                line,
                message: format!("malformed field `{}`", raw.lines().next().unwrap_or("")),
            })?;
            if out.get(name).is_some() {
                return Err(Error::Syntax { line, message: format!("duplicate field `{name}`") });
            }
            out.fields.push(Field { name: name.to_string(), value, line });
        }
        if let Some(first) = out.fields.first() {
            out.line = first.line;
            paragraphs.push(out);
        }
    }
    Ok(paragraphs)
}

/// Parse paragraphs in the form [`Paragraph::write_to`] writes them: `\n`
/// line ends, no comments, blank lines between paragraphs. This is for
/// aptkit's own package sets, tens of thousands of stanzas read on every
/// repo change; it skips [`parse_paragraphs`]' lossless syntax tree and is
/// ~10x faster. It gives the same paragraphs for such text, and refuses
/// (never guesses at) anything else.
pub fn parse_written_paragraphs(text: &str) -> Result<Vec<Paragraph>> {
    let mut paragraphs = Vec::new();
    let mut current = Paragraph::default();
    for (index, line) in text.split_terminator('\n').enumerate() {
        let line_no = index + 1;
        if line.is_empty() {
            if !current.fields.is_empty() {
                paragraphs.push(std::mem::take(&mut current));
            }
            continue;
        }
        if line.starts_with([' ', '\t']) {
            let Some(field) = current.fields.last_mut() else {
                return Err(Error::Syntax { line: line_no, message: "continuation line before any field".into() });
            };
            if !line.trim().is_empty() {
                field.value.push('\n');
                field.value.push_str(line.trim_end());
            }
            continue;
        }
        let (name, value) = split_entry(line)
            .ok_or_else(|| Error::Syntax { line: line_no, message: format!("malformed field `{line}`") })?;
        if line.starts_with('#') || line.contains('\r') {
            return Err(Error::Syntax { line: line_no, message: "not in the form aptkit writes".into() });
        }
        if current.get(name).is_some() {
            return Err(Error::Syntax { line: line_no, message: format!("duplicate field `{name}`") });
        }
        if current.fields.is_empty() {
            current.line = line_no;
        }
        current.fields.push(Field { name: name.to_string(), value, line: line_no });
    }
    if !current.fields.is_empty() {
        paragraphs.push(current);
    }
    Ok(paragraphs)
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].bytes().filter(|&b| b == b'\n').count() + 1
}

fn split_entry(raw: &str) -> Option<(&str, String)> {
    let (name, rest) = raw.split_once(':')?;
    let name = name.trim();
    if name.is_empty() || name.contains(char::is_whitespace) {
        return None;
    }
    let mut lines = rest.lines();
    let mut value = lines.next().unwrap_or("").trim().to_string();
    for cont in lines.filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        value.push('\n');
        value.push_str(cont.trim_end());
    }
    Some((name, value))
}

impl Paragraph {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name.eq_ignore_ascii_case(name))
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.field(name).map(|f| f.value.as_str())
    }

    /// Set a field, keeping its position if it exists, appending otherwise.
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        let value = value.into();
        match self.fields.iter_mut().find(|f| f.name.eq_ignore_ascii_case(name)) {
            Some(f) => f.value = value,
            None => self.fields.push(Field { name: name.to_string(), value, line: 0 }),
        }
    }

    pub fn remove(&mut self, name: &str) -> Option<Field> {
        let pos = self.fields.iter().position(|f| f.name.eq_ignore_ascii_case(name))?;
        Some(self.fields.remove(pos))
    }

    /// Keep only fields for which `keep` returns true.
    pub fn retain(&mut self, mut keep: impl FnMut(&Field) -> bool) {
        self.fields.retain(|f| keep(f));
    }

    /// Write the paragraph in deb822 form, without a trailing blank line.
    /// Empty single-line values are skipped, as dpkg does.
    pub fn write_to(&self, out: &mut impl Write) -> io::Result<()> {
        for f in &self.fields {
            if f.value.is_empty() {
                continue;
            }
            if f.value.starts_with('\n') {
                writeln!(out, "{}:{}", f.name, f.value)?;
            } else {
                writeln!(out, "{}: {}", f.name, f.value)?;
            }
        }
        Ok(())
    }

    pub fn to_text(&self) -> String {
        let mut buf = Vec::new();
        self.write_to(&mut buf).expect("writing to a Vec cannot fail");
        String::from_utf8(buf).expect("fields are UTF-8")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_continuation_lines_and_line_numbers() {
        let text = "Source: foo\n\n# comment\nPackage: a\nDescription: short\n long\n .\n  verbatim\nDepends: x,\n y\n";
        let paras = parse_paragraphs(text).unwrap();
        assert_eq!(paras.len(), 2);
        let a = &paras[1];
        assert_eq!(a.line, 4);
        assert_eq!(a.field("description").unwrap().line, 5);
        assert_eq!(a.get("Description"), Some("short\n long\n .\n  verbatim"));
        assert_eq!(a.to_text(), "Package: a\nDescription: short\n long\n .\n  verbatim\nDepends: x,\n y\n");
    }

    #[test]
    fn written_paragraphs_read_back_as_the_lossless_parser_reads_them() {
        let text = "Package: a\nDescription: short\n long\n .\n  verbatim\nConffiles:\n /etc/a 0123\n\nPackage: b\nVersion: 1:2.0~rc1\nDepends: x (>= 1),\n y\n";
        let lossless = parse_paragraphs(text).unwrap();
        assert_eq!(parse_written_paragraphs(text).unwrap(), lossless);
        let mut rewritten = Vec::new();
        for (i, p) in lossless.iter().enumerate() {
            if i > 0 {
                rewritten.push(b'\n');
            }
            p.write_to(&mut rewritten).unwrap();
        }
        assert_eq!(String::from_utf8(rewritten).unwrap(), text);
        for bad in [
            " leading continuation\n",
            "Package: a\nnot a field\n",
            "Package: a\npackage: b\n",
            "# comment\nPackage: a\n",
            "Package: a\r\n",
        ] {
            assert!(parse_written_paragraphs(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn reports_line_of_syntax_error() {
        let err = parse_paragraphs("Package: a\nVersion: 1\nthis is not a field\n").unwrap_err();
        assert_eq!(err.line(), 3, "{err}");
    }

    #[test]
    fn rejects_duplicate_fields() {
        let err = parse_paragraphs("Package: a\npackage: b\n").unwrap_err();
        assert!(err.to_string().contains("duplicate field `package`"), "{err}");
        assert_eq!(err.line(), 2);
    }
}
