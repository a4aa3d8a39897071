//! Symbols files (deb-symbols(5)): the installed `DEBIAN/symbols` of a
//! library package and the `debian/<pkg>.symbols` templates they are made
//! from, parsed as Dpkg::Shlibs::SymbolFile parses them.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// One symbols file: for each SONAME, its dependency templates and symbols.
#[derive(Debug, Clone, Default)]
pub struct SymbolFile {
    pub libraries: BTreeMap<String, Library>,
}

/// The entry of one SONAME.
#[derive(Debug, Clone, Default)]
pub struct Library {
    /// The header's dependency template, then each `| alternative` line:
    /// a symbol's `dep_id` indexes this list.
    pub deps: Vec<String>,
    /// `* Field: value` lines (`Build-Depends-Package`), names capitalised.
    pub fields: BTreeMap<String, String>,
    /// Plain symbols, by `name@version` (what dpkg-shlibdeps looks up).
    pub symbols: HashMap<String, SymbolEntry>,
    /// `(c++)`, `(symver)` and `(regex)` entries: they only match when a
    /// template is instantiated against a library (dpkg-gensymbols).
    pub patterns: Vec<SymbolEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SymbolEntry {
    /// `name@version`; for a `(symver)` pattern the version alone; for a
    /// `(regex)` pattern the expression.
    pub name: String,
    pub minver: String,
    pub dep_id: usize,
    /// `#MISSING: <version>#` or `#DEPRECATED: <version>#`: not used.
    pub deprecated: bool,
    /// Tags in the order given (`optional`, `arch=…`, `c++`, …).
    pub tags: Vec<(String, Option<String>)>,
}

impl SymbolEntry {
    pub fn tag(&self, name: &str) -> Option<Option<&str>> {
        self.tags.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_deref())
    }

    pub fn has_tag(&self, name: &str) -> bool {
        self.tag(name).is_some()
    }

    fn is_pattern(&self) -> bool {
        self.has_tag("c++") || self.has_tag("symver") || self.has_tag("regex")
    }
}

impl Library {
    /// The smallest `minver` of the symbols for `dep_id` (deprecated ones
    /// included, as dpkg's get_smallest_version does).
    pub fn smallest_version(&self, dep_id: usize) -> Option<&str> {
        let mut smallest: Option<&str> = None;
        for symbol in self.symbols.values().filter(|s| s.dep_id == dep_id) {
            smallest = match smallest {
                Some(s) if crate::version::compare(s, &symbol.minver).is_le() => Some(s),
                _ => Some(&symbol.minver),
            };
        }
        smallest
    }
}

impl SymbolFile {
    /// Read and parse `path`, following `#include "…"` lines relative to it.
    pub fn load(path: &Path) -> Result<SymbolFile> {
        let mut file = SymbolFile::default();
        let mut state = ParseState { current: None, seen: Vec::new() };
        file.load_into(path, &[], &mut state)?;
        Ok(file)
    }

    /// Parse text that claims to come from `path` (for errors and includes).
    pub fn parse(text: &str, path: &Path) -> Result<SymbolFile> {
        let mut file = SymbolFile::default();
        let mut state = ParseState { current: None, seen: vec![path.to_path_buf()] };
        file.parse_into(text, path, &[], &mut state)?;
        Ok(file)
    }

    pub fn library(&self, soname: &str) -> Option<&Library> {
        self.libraries.get(soname)
    }

    /// The file as dpkg-gensymbols writes `DEBIAN/symbols`: libraries and
    /// fields sorted, symbols sorted by name, no tags, no deprecated ones.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for (soname, library) in &self.libraries {
            let mut deps = library.deps.iter();
            out.push_str(&format!("{soname} {}\n", deps.next().map_or("", String::as_str)));
            for dep in deps {
                out.push_str(&format!("| {dep}\n"));
            }
            for (field, value) in &library.fields {
                out.push_str(&format!("* {field}: {value}\n"));
            }
            let mut symbols: Vec<&SymbolEntry> = library.symbols.values().filter(|s| !s.deprecated).collect();
            symbols.sort_by(|a, b| a.name.cmp(&b.name));
            for symbol in symbols {
                out.push_str(&format!(" {} {}", symbol.name, symbol.minver));
                if symbol.dep_id != 0 {
                    out.push_str(&format!(" {}", symbol.dep_id));
                }
                out.push('\n');
            }
        }
        out
    }

    fn load_into(&mut self, path: &Path, base_tags: &[(String, Option<String>)], state: &mut ParseState) -> Result<()> {
        if state.seen.iter().any(|p| p == path) {
            return Ok(()); // an include loop: dpkg stops there too
        }
        let text = fs_err::read_to_string(path).map_err(Error::read(path))?;
        state.seen.push(path.to_path_buf());
        let result = self.parse_into(&text, path, base_tags, state);
        state.seen.pop();
        result
    }

    fn parse_into(
        &mut self,
        text: &str,
        path: &Path,
        base_tags: &[(String, Option<String>)],
        state: &mut ParseState,
    ) -> Result<()> {
        let syntax = |line: usize, message: String| Error::Syntax { path: path.to_path_buf(), line, message };
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            if let Some((deprecated, spec)) = symbol_line(raw) {
                let Some(current) = &state.current else {
                    return Err(syntax(line, "symbol information must be preceded by a header line".into()));
                };
                let mut entry = parse_symbol_spec(spec).ok_or_else(|| {
                    syntax(line, format!("cannot parse symbol line `{raw}` (expected ` name@version minver [dep-id]`)"))
                })?;
                entry.deprecated = deprecated;
                for (name, value) in base_tags.iter().rev() {
                    if !entry.has_tag(name) {
                        entry.tags.insert(0, (name.clone(), value.clone()));
                    }
                }
                let library = self.libraries.get_mut(current).expect("the current library exists");
                add_symbol(library, entry);
            } else if let Some((tagspec, include)) = include_line(raw) {
                let mut tags = base_tags.to_vec();
                if let Some(spec) = tagspec {
                    tags.extend(parse_tags(spec));
                }
                let target = path.parent().unwrap_or(Path::new(".")).join(include);
                self.load_into(&target, &tags, state)?;
            } else if raw.starts_with('#') || raw.is_empty() {
                continue;
            } else if let Some(alternative) = raw.strip_prefix('|') {
                let library = self.current_library(state).ok_or_else(|| {
                    syntax(line, "an alternative dependency (`| …`) must follow a header line".into())
                })?;
                library.deps.push(alternative.trim_start().to_string());
            } else if let Some(field) = raw.strip_prefix('*') {
                let (name, value) = field
                    .split_once(':')
                    .map(|(n, v)| (n.trim(), v.trim()))
                    .filter(|(n, v)| !n.is_empty() && !v.is_empty())
                    .ok_or_else(|| {
                        syntax(line, format!("cannot parse field line `{raw}` (expected `* Field: value`)"))
                    })?;
                let library = self
                    .current_library(state)
                    .ok_or_else(|| syntax(line, "a field line (`* …`) must follow a header line".into()))?;
                library.fields.insert(capitalize_field(name), value.to_string());
            } else if let Some((soname, dep)) = header_line(raw) {
                let library = self.libraries.entry(soname.to_string()).or_default();
                // A repeated header replaces the dependencies, keeps the symbols.
                library.deps = vec![dep.to_string()];
                state.current = Some(soname.to_string());
            } else {
                return Err(syntax(line, format!("cannot parse line `{raw}` (expected `soname dependency-template`)")));
            }
        }
        Ok(())
    }

    fn current_library(&mut self, state: &ParseState) -> Option<&mut Library> {
        self.libraries.get_mut(state.current.as_ref()?)
    }
}

struct ParseState {
    current: Option<String>,
    seen: Vec<PathBuf>,
}

fn add_symbol(library: &mut Library, entry: SymbolEntry) {
    if entry.is_pattern() {
        library.patterns.push(entry);
    } else {
        library.symbols.insert(entry.name.clone(), entry);
    }
}

/// ` spec` or `#MISSING: 1.2# spec` / `#DEPRECATED: 1.2# spec`.
fn symbol_line(raw: &str) -> Option<(bool, &str)> {
    if raw.starts_with([' ', '\t']) {
        return Some((false, raw.trim_start()));
    }
    for prefix in ["#MISSING: ", "#DEPRECATED: "] {
        if let Some(rest) = raw.strip_prefix(prefix) {
            let (version, spec) = rest.split_once('#')?;
            if version.is_empty() {
                return None;
            }
            return Some((true, spec.trim_start()));
        }
    }
    None
}

/// `(tags)#include "file"`.
fn include_line(raw: &str) -> Option<(Option<&str>, &str)> {
    let (tagspec, rest) = match raw.strip_prefix('(') {
        Some(_) => {
            let close = raw.find(")#include")?;
            (Some(&raw[..=close]), &raw[close + 1..])
        }
        None => (None, raw),
    };
    let rest = rest.strip_prefix("#include")?;
    if !rest.starts_with(char::is_whitespace) {
        return None;
    }
    let inner = rest.trim_start().strip_prefix('"')?;
    let end = inner.find('"')?;
    Some((tagspec, &inner[..end]))
}

/// `libfoo.so.1 libfoo1 #MINVER#`.
fn header_line(raw: &str) -> Option<(&str, &str)> {
    let (soname, rest) = raw.split_once(char::is_whitespace)?;
    (!soname.is_empty() && !raw.starts_with(char::is_whitespace)).then_some((soname, rest.trim_start()))
}

/// `(tag1|tag2=value)`, the parentheses included.
fn parse_tags(spec: &str) -> Vec<(String, Option<String>)> {
    let inner = spec.trim().trim_start_matches('(').trim_end_matches(')');
    inner
        .split('|')
        .filter(|t| !t.is_empty())
        .map(|tag| match tag.rsplit_once('=') {
            Some((name, value)) => (name.to_string(), Some(value.to_string())),
            None => (tag.to_string(), None),
        })
        .collect()
}

/// `[(tags)]name minver [dep-id]`, the name optionally quoted.
fn parse_symbol_spec(spec: &str) -> Option<SymbolEntry> {
    let mut tags = Vec::new();
    let mut rest = spec;
    if rest.starts_with('(') {
        let close = rest.find(')')?;
        if close > 1 {
            tags = parse_tags(&rest[..=close]);
            rest = &rest[close + 1..];
        }
    }
    let (name, after) = match rest.chars().next() {
        Some(quote @ ('"' | '\'')) if !tags.is_empty() => {
            let end = rest[1..].find(quote)? + 1;
            (&rest[1..end], &rest[end + 1..])
        }
        _ => {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            (&rest[..end], &rest[end..])
        }
    };
    if name.is_empty() {
        return None;
    }
    // dpkg: exactly one blank, the minimal version, optionally one blank and
    // a dependency index.
    let after = after.strip_prefix([' ', '\t'])?;
    let minver_end = after.find(char::is_whitespace).unwrap_or(after.len());
    let minver = &after[..minver_end];
    if minver.is_empty() {
        return None;
    }
    let tail = &after[minver_end..];
    let dep_id = tail
        .strip_prefix([' ', '\t'])
        .map(|t| t.chars().take_while(char::is_ascii_digit).collect::<String>())
        .filter(|d| !d.is_empty())
        .and_then(|d| d.parse().ok())
        .unwrap_or(0);
    let mut entry = SymbolEntry { name: name.to_string(), minver: minver.to_string(), dep_id, deprecated: false, tags };
    // `*@VERSION` is shorthand for an optional (symver) pattern.
    if let Some(version) = entry.name.strip_prefix("*@") {
        entry.name = version.to_string();
        for tag in ["symver", "optional"] {
            if !entry.has_tag(tag) {
                entry.tags.push((tag.to_string(), None));
            }
        }
    }
    Some(entry)
}

/// `build-depends-package` -> `Build-Depends-Package`.
fn capitalize_field(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars.flat_map(char::to_lowercase)).collect(),
                None => String::new(),
            }
        })
        .collect::<Vec<String>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIBC: &str = "\
ld-linux-x86-64.so.2 libc6 #MINVER#
| libc6 (>> 2.36), libc6 (<< 2.37)
 GLIBC_2.2.5@GLIBC_2.2.5 2.2.5
 GLIBC_PRIVATE@GLIBC_PRIVATE 0 1
libc.so.6 libc6 #MINVER#
| libc6 (>> 2.36), libc6 (<< 2.37)
* Build-Depends-Package: libc-dev
 puts@GLIBC_2.2.5 2.2.5
 __libc_start_main@GLIBC_2.34 2.34
 __libc_start_main@GLIBC_2.2.5 2.2.5
#MISSING: 2.30# gone@GLIBC_2.2.5 2.2.5
";

    #[test]
    fn parses_an_installed_symbols_file() {
        let file = SymbolFile::parse(LIBC, Path::new("libc6.symbols")).unwrap();
        let libc = file.library("libc.so.6").unwrap();
        assert_eq!(libc.deps, ["libc6 #MINVER#", "libc6 (>> 2.36), libc6 (<< 2.37)"]);
        assert_eq!(libc.fields.get("Build-Depends-Package").map(String::as_str), Some("libc-dev"));
        assert_eq!(libc.symbols["__libc_start_main@GLIBC_2.34"].minver, "2.34");
        assert!(libc.symbols["gone@GLIBC_2.2.5"].deprecated);
        assert_eq!(libc.smallest_version(0), Some("2.2.5"));
        let ld = file.library("ld-linux-x86-64.so.2").unwrap();
        assert_eq!(ld.symbols["GLIBC_PRIVATE@GLIBC_PRIVATE"].dep_id, 1);
        assert_eq!(ld.smallest_version(1), Some("0"));

        let written = file.to_text();
        assert!(written.starts_with("ld-linux-x86-64.so.2 libc6 #MINVER#\n| libc6 (>> 2.36), libc6 (<< 2.37)\n"));
        assert!(written.contains(" GLIBC_PRIVATE@GLIBC_PRIVATE 0 1\n"), "{written}");
        assert!(!written.contains("gone@"), "{written}");
        let again = SymbolFile::parse(&written, Path::new("again")).unwrap();
        assert_eq!(again.to_text(), written);
    }

    #[test]
    fn parses_template_tags_and_patterns() {
        let text = "\
libfoo.so.1 #PACKAGE# #MINVER#
* Build-Depends-Package: libfoo-dev
 (optional)foo_old@Base 1.0
 (arch=amd64 i386|optional)foo_x86@Base 1.1
 (c++)\"foo::bar()@Base\" 1.2
 (symver)FOO_1.3 1.3
 *@FOO_1.4 1.4
 (regex)\"^foo_internal_\" 1.5
";
        let file = SymbolFile::parse(text, Path::new("debian/libfoo1.symbols")).unwrap();
        let lib = file.library("libfoo.so.1").unwrap();
        assert_eq!(lib.symbols.len(), 2);
        let x86 = &lib.symbols["foo_x86@Base"];
        assert_eq!(x86.tag("arch"), Some(Some("amd64 i386")));
        assert!(x86.has_tag("optional"));
        let names: Vec<&str> = lib.patterns.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["foo::bar()@Base", "FOO_1.3", "FOO_1.4", "^foo_internal_"]);
        assert!(lib.patterns[2].has_tag("optional"));
    }

    #[test]
    fn a_malformed_line_names_the_file_and_line() {
        let text = "libfoo.so.1 libfoo1 #MINVER#\n foo@Base 1.0\n bar@Base\n";
        let err = SymbolFile::parse(text, Path::new("debian/libfoo1.symbols")).unwrap_err();
        let message = err.to_string();
        assert!(message.starts_with("debian/libfoo1.symbols:3: "), "{message}");
        assert!(message.contains("bar@Base"), "{message}");

        let err = SymbolFile::parse(" foo@Base 1.0\n", Path::new("x.symbols")).unwrap_err();
        assert!(err.to_string().starts_with("x.symbols:1: symbol information must be preceded"), "{err}");
    }

    #[test]
    fn includes_are_read_relative_to_the_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("common.inc"), " shared@Base 2.0\n").unwrap();
        let main = dir.path().join("libfoo1.symbols");
        std::fs::write(&main, "libfoo.so.1 libfoo1 #MINVER#\n(optional)#include \"common.inc\"\n foo@Base 1.0\n")
            .unwrap();
        let file = SymbolFile::load(&main).unwrap();
        let lib = file.library("libfoo.so.1").unwrap();
        assert!(lib.symbols["shared@Base"].has_tag("optional"));
        assert_eq!(lib.smallest_version(0), Some("1.0"));
    }
}
