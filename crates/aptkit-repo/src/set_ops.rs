//! Operations on package sets: diff, merge, filter, retention.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use aptkit_control::Version;

use crate::package_set::{PackageRecord, PackageSet};

/// Compare Debian versions; unparsable versions sort as plain strings.
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    match (a.parse::<Version>(), b.parse::<Version>()) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        _ => a.cmp(b),
    }
}

/// How two sets differ, by `name_arch`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SetDiff {
    /// Only in the second set: `name_version_arch`.
    pub added: Vec<String>,
    /// Only in the first set.
    pub removed: Vec<String>,
    /// In both with other versions: `(name_arch, old version, new version)`.
    pub changed: Vec<(String, String, String)>,
}

fn by_name_arch(set: &PackageSet) -> BTreeMap<String, Vec<&PackageRecord>> {
    let mut map: BTreeMap<String, Vec<&PackageRecord>> = BTreeMap::new();
    for r in set.iter() {
        map.entry(format!("{}_{}", r.name(), r.arch())).or_default().push(r);
    }
    map
}

pub fn diff(a: &PackageSet, b: &PackageSet) -> SetDiff {
    let (ma, mb) = (by_name_arch(a), by_name_arch(b));
    let mut out = SetDiff::default();
    for (key, ra) in &ma {
        match mb.get(key) {
            None => out.removed.extend(ra.iter().map(|r| r.key())),
            Some(rb) => {
                let va: Vec<&str> = ra.iter().map(|r| r.version()).collect();
                let vb: Vec<&str> = rb.iter().map(|r| r.version()).collect();
                if va != vb {
                    out.changed.push((key.clone(), va.join(","), vb.join(",")));
                }
            }
        }
    }
    for (key, rb) in &mb {
        if !ma.contains_key(key) {
            out.added.extend(rb.iter().map(|r| r.key()));
        }
    }
    out
}

/// aptly's merge: sources in order; a package from a later source replaces
/// every version of the same name and architecture from earlier ones
/// (`latest`: only if it is newer; `keep_all`: nothing is replaced).
pub fn merge(sources: &[PackageSet], latest: bool, keep_all: bool) -> PackageSet {
    let mut out = PackageSet::new();
    for source in sources {
        for record in source.iter() {
            if !keep_all {
                let same: Vec<PackageRecord> =
                    out.iter().filter(|r| r.name() == record.name() && r.arch() == record.arch()).cloned().collect();
                if latest && same.iter().any(|r| compare_versions(r.version(), record.version()) == Ordering::Greater) {
                    continue;
                }
                for r in same {
                    out.remove(&r.key());
                }
            }
            out.insert(record.clone());
        }
    }
    out
}

/// Does `name` match a shell-style pattern (`*`, `?`)?
pub fn glob_match(pattern: &str, name: &str) -> bool {
    fn go(p: &[u8], n: &[u8]) -> bool {
        match (p.first(), n.first()) {
            (None, None) => true,
            (Some(b'*'), _) => go(&p[1..], n) || (!n.is_empty() && go(p, &n[1..])),
            (Some(b'?'), Some(_)) => go(&p[1..], &n[1..]),
            (Some(a), Some(b)) if a == b => go(&p[1..], &n[1..]),
            _ => false,
        }
    }
    go(pattern.as_bytes(), name.as_bytes())
}

/// A package query: `NAME-PATTERN` or `NAME-PATTERN (OP VERSION)`, with
/// OP one of `<<`, `<=`, `=`, `>=`, `>>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub name: String,
    pub constraint: Option<(String, String)>,
}

impl Query {
    pub fn parse(text: &str) -> Result<Query, String> {
        let text = text.trim();
        let Some(open) = text.find('(') else {
            if text.is_empty() || text.contains(char::is_whitespace) {
                return Err(format!("invalid package query `{text}`"));
            }
            return Ok(Query { name: text.to_string(), constraint: None });
        };
        let close =
            text.rfind(')').filter(|&c| c > open).ok_or_else(|| format!("unbalanced parenthesis in `{text}`"))?;
        let name = text[..open].trim().to_string();
        let inner = text[open + 1..close].trim();
        let split = inner.find(|c: char| !matches!(c, '<' | '>' | '=')).unwrap_or(inner.len());
        let (op, version) = (inner[..split].to_string(), inner[split..].trim().to_string());
        if !matches!(op.as_str(), "<<" | "<=" | "=" | ">=" | ">>") || version.is_empty() || name.is_empty() {
            return Err(format!("invalid package query `{text}` (expected e.g. `hello (>= 1.0)`)"));
        }
        Ok(Query { name, constraint: Some((op, version)) })
    }

    pub fn matches(&self, record: &PackageRecord) -> bool {
        if !glob_match(&self.name, record.name()) {
            return false;
        }
        let Some((op, version)) = &self.constraint else { return true };
        let ord = compare_versions(record.version(), version);
        match op.as_str() {
            "<<" => ord == Ordering::Less,
            "<=" => ord != Ordering::Greater,
            "=" => ord == Ordering::Equal,
            ">=" => ord != Ordering::Less,
            _ => ord == Ordering::Greater,
        }
    }
}

/// Keep the newest `keep` versions of each package name and architecture.
pub fn retain_newest(set: &mut PackageSet, keep: usize) -> Vec<String> {
    let mut dropped = Vec::new();
    for records in by_name_arch(&set.clone()).values() {
        let mut versions: Vec<&PackageRecord> = records.clone();
        versions.sort_by(|a, b| compare_versions(b.version(), a.version()));
        for old in versions.into_iter().skip(keep) {
            dropped.push(old.key());
        }
    }
    for key in &dropped {
        set.remove(key);
    }
    dropped
}

#[cfg(test)]
mod tests {
    use super::*;
    use aptkit_control::Paragraph;

    fn rec(name: &str, version: &str) -> PackageRecord {
        let mut p = Paragraph::new();
        p.set("Package", name);
        p.set("Version", version);
        p.set("Architecture", "amd64");
        p.set("SHA256", format!("{:064}", version.len()));
        PackageRecord::from_paragraph(&p)
    }

    fn set(records: &[PackageRecord]) -> PackageSet {
        let mut s = PackageSet::new();
        for r in records {
            s.insert(r.clone());
        }
        s
    }

    #[test]
    fn merge_replaces_diff_reports_retain_keeps_newest() {
        let a = set(&[rec("hello", "1.0-1"), rec("lib", "2.0")]);
        let b = set(&[rec("hello", "1.1-1"), rec("new", "0.1")]);
        let merged = merge(&[a.clone(), b.clone()], false, false);
        let keys: Vec<String> = merged.iter().map(|r| r.key()).collect();
        assert_eq!(keys, ["hello_1.1-1_amd64", "lib_2.0_amd64", "new_0.1_amd64"]);
        let older_last = merge(&[b.clone(), a.clone()], true, false);
        assert!(older_last.get("hello_1.1-1_amd64").is_some() && older_last.get("hello_1.0-1_amd64").is_none());
        assert_eq!(merge(&[a.clone(), b.clone()], false, true).len(), 4);

        let d = diff(&a, &b);
        assert_eq!(d.added, ["new_0.1_amd64"]);
        assert_eq!(d.removed, ["lib_2.0_amd64"]);
        assert_eq!(d.changed, [("hello_amd64".to_string(), "1.0-1".to_string(), "1.1-1".to_string())]);

        let mut many =
            set(&[rec("n", "2026.11.19"), rec("n", "2026.11.21"), rec("n", "2026.11.20"), rec("n", "2026.11.9")]);
        let dropped = retain_newest(&mut many, 2);
        assert_eq!(dropped.len(), 2);
        let left: Vec<&str> = many.iter().map(|r| r.version()).collect();
        assert_eq!(left, ["2026.11.20", "2026.11.21"]);
    }

    #[test]
    fn queries() {
        let q = Query::parse("hel* (>= 1.0-1)").unwrap();
        assert!(q.matches(&rec("hello", "1.1-1")));
        assert!(!q.matches(&rec("hello", "1.0~rc1-1")));
        assert!(!q.matches(&rec("world", "2.0")));
        assert!(Query::parse("hello").unwrap().matches(&rec("hello", "0")));
        assert!(Query::parse("hello (~ 1)").is_err());
        assert!(Query::parse("two words").is_err());
    }
}
