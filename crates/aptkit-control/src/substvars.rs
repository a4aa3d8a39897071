use std::collections::BTreeMap;

use crate::{Error, Result};

/// dpkg substitution variables (deb-substvars(5)).
///
/// Later assignments win, so load the generic file first and the
/// package-specific one after it, as dpkg-gencontrol does.
#[derive(Debug, Clone, Default)]
pub struct Substvars {
    vars: BTreeMap<String, String>,
}

/// Expansion depth past which a self-referencing variable is an error,
/// not an endless loop.
const MAX_DEPTH: usize = 32;

impl Substvars {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.vars.insert(name.to_string(), value.into());
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// Read a substvars file: `name=value` or `name?=value` lines, `#` comments.
    pub fn parse_into(&mut self, text: &str) -> Result<()> {
        for (idx, raw) in text.lines().enumerate() {
            let line = raw.trim_end();
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let (name, value) = line.split_once('=').ok_or_else(|| Error::Syntax {
                line: idx + 1,
                message: format!("expected `name=value`, found `{line}`"),
            })?;
            let name = name.strip_suffix('?').unwrap_or(name).trim();
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == ':' || c == '-' || c == '_') {
                return Err(Error::Syntax { line: idx + 1, message: format!("invalid variable name `{name}`") });
            }
            self.set(name, value);
        }
        Ok(())
    }

    /// Expand every `${name}`. Unknown variables expand to nothing (dpkg
    /// warns and does the same); `Error` only for a self-referencing value.
    pub fn expand(&self, text: &str) -> std::result::Result<String, String> {
        self.expand_depth(text, 0)
    }

    fn expand_depth(&self, text: &str, depth: usize) -> std::result::Result<String, String> {
        if depth > MAX_DEPTH {
            return Err(format!("substitution variables nest deeper than {MAX_DEPTH} levels in `{text}`"));
        }
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                out.push_str(&rest[start..]);
                return Ok(out);
            };
            let name = &after[..end];
            let value = match name {
                "Newline" => "\n",
                "Space" => " ",
                "Tab" => "\t",
                "" => "",
                _ => self.get(name).unwrap_or(""),
            };
            if value.contains("${") {
                out.push_str(&self.expand_depth(value, depth + 1)?);
            } else {
                out.push_str(value);
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    /// Names of the `${…}` references in `text` that have no value.
    pub fn unknown_in<'t>(&self, text: &'t str) -> Vec<&'t str> {
        let mut unknown = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else { break };
            let name = &after[..end];
            if !matches!(name, "Newline" | "Space" | "Tab") && self.get(name).is_none() {
                unknown.push(name);
            }
            rest = &after[end + 1..];
        }
        unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_known_nested_and_unknown() {
        let mut s = Substvars::new();
        s.parse_into("# generated\nshlibs:Depends=libc6 (>= 2.34)\nmisc:Depends=\nfoo?=${bar}x\nbar=b\n").unwrap();
        assert_eq!(s.expand("${shlibs:Depends}, ${misc:Depends}, ${nope}").unwrap(), "libc6 (>= 2.34), , ");
        assert_eq!(s.expand("${foo}").unwrap(), "bx");
        assert_eq!(s.unknown_in("${foo} ${nope}"), vec!["nope"]);
    }

    #[test]
    fn self_reference_is_an_error() {
        let mut s = Substvars::new();
        s.set("a", "${a}");
        assert!(s.expand("${a}").is_err());
    }

    #[test]
    fn bad_line_is_reported() {
        let err = Substvars::new().parse_into("a=1\nno equals sign\n").unwrap_err();
        assert_eq!(err.line(), 2);
    }
}
