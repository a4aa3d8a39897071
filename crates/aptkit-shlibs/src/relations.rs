//! Just enough of Dpkg::Deps for shlibs: parse a relation list, sort it as
//! dpkg-shlibdeps sorts its output, and find the minimal version a
//! `Build-Depends` field asks of a package.

use std::cmp::Ordering;

/// One `package[:arch] [(op version)] [[arches]] [<profiles>…]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Simple {
    pub package: String,
    pub archqual: Option<String>,
    pub relation: Option<&'static str>,
    pub version: Option<String>,
    pub arches: Option<String>,
    pub restrictions: Vec<Vec<String>>,
}

/// Alternatives (`a | b`); a relation list is a list of these.
pub type Alternatives = Vec<Simple>;

pub fn parse_list(text: &str) -> Result<Vec<Alternatives>, String> {
    text.split(',')
        .filter(|item| !item.trim().is_empty())
        .map(|item| item.split('|').map(parse_simple).collect::<Result<Vec<_>, _>>())
        .collect()
}

fn parse_simple(text: &str) -> Result<Simple, String> {
    let bad = || format!("cannot parse the relation `{}`", text.trim());
    let mut rest = text.trim();
    let name_end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || "+.-:".contains(c))).unwrap_or(rest.len());
    let (name, archqual) = match rest[..name_end].split_once(':') {
        Some((n, a)) => (n, Some(a.to_string())),
        None => (&rest[..name_end], None),
    };
    if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(bad());
    }
    rest = rest[name_end..].trim_start();
    let (mut relation, mut version) = (None, None);
    if let Some(inner) = rest.strip_prefix('(') {
        let close = inner.find(')').ok_or_else(bad)?;
        let body = inner[..close].trim();
        let op_len = body.find(|c| !matches!(c, '<' | '>' | '=')).ok_or_else(bad)?;
        relation = Some(match &body[..op_len] {
            "<<" => "<<",
            "<=" | "<" => "<=",
            "=" => "=",
            ">=" | ">" => ">=",
            ">>" => ">>",
            _ => return Err(bad()),
        });
        let v = body[op_len..].trim();
        if v.is_empty() || v.contains(char::is_whitespace) {
            return Err(bad());
        }
        version = Some(v.to_string());
        rest = inner[close + 1..].trim_start();
    }
    let mut arches = None;
    if let Some(inner) = rest.strip_prefix('[') {
        let close = inner.find(']').ok_or_else(bad)?;
        arches = Some(inner[..close].split_whitespace().collect::<Vec<_>>().join(" "));
        rest = inner[close + 1..].trim_start();
    }
    let mut restrictions = Vec::new();
    while let Some(inner) = rest.strip_prefix('<') {
        let close = inner.find('>').ok_or_else(bad)?;
        restrictions.push(inner[..close].split_whitespace().map(str::to_string).collect());
        rest = inner[close + 1..].trim_start();
    }
    if !rest.is_empty() {
        return Err(bad());
    }
    Ok(Simple { package: name.to_string(), archqual, relation, version, arches, restrictions })
}

impl std::fmt::Display for Simple {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.package)?;
        if let Some(arch) = &self.archqual {
            write!(f, ":{arch}")?;
        }
        if let (Some(op), Some(version)) = (self.relation, &self.version) {
            write!(f, " ({op} {version})")?;
        }
        if let Some(arches) = &self.arches {
            write!(f, " [{arches}]")?;
        }
        for list in &self.restrictions {
            write!(f, " <{}>", list.join(" "))?;
        }
        Ok(())
    }
}

fn relation_rank(relation: Option<&str>) -> u8 {
    match relation {
        None => 0,
        Some(">=") => 1,
        Some(">>") => 2,
        Some("=") => 3,
        Some("<<") => 4,
        _ => 5,
    }
}

/// Dpkg::Deps::deps_compare: package name, then relation, then version
/// (as text), alternative by alternative; a shorter list sorts first.
pub fn compare(a: &Alternatives, b: &Alternatives) -> Ordering {
    for pair in a.iter().zip(b) {
        let (x, y) = pair;
        let order = x
            .package
            .cmp(&y.package)
            .then(relation_rank(x.relation).cmp(&relation_rank(y.relation)))
            .then(x.version.as_deref().unwrap_or("").cmp(y.version.as_deref().unwrap_or("")));
        if order != Ordering::Equal {
            return order;
        }
    }
    a.len().cmp(&b.len())
}

/// A sorted relation list, written as dpkg writes it.
pub fn sorted(mut items: Vec<Alternatives>) -> String {
    items.sort_by(compare);
    items
        .iter()
        .map(|alts| alts.iter().map(Simple::to_string).collect::<Vec<_>>().join(" | "))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Does `package` at `version` satisfy `relation` (no architecture
/// qualifier, no architecture or profile restriction)?
pub fn satisfied_by(relation: &Simple, package: &str, version: &str) -> bool {
    if relation.package != package || relation.archqual.is_some() || relation.arches.is_some() {
        return false;
    }
    let Some(wanted) = relation.version.as_deref() else { return true };
    let order = crate::version::compare(version, wanted);
    match relation.relation {
        Some(">=") => order.is_ge(),
        Some(">>") => order.is_gt(),
        Some("=") => order.is_eq(),
        Some("<<") => order.is_lt(),
        Some("<=") => order.is_le(),
        _ => true,
    }
}

/// The highest version `Build-Depends` asks of `package` with `>=` or
/// `>>` anywhere (alternatives included), skipping relations that only
/// apply under a build profile (none is active). dpkg-shlibdeps raises the
/// dependency of a library whose symbols file names `package` as its
/// `Build-Depends-Package` to this version.
pub fn min_version_from_build_deps(build_depends: &str, package: &str) -> Option<String> {
    let items = parse_list(build_depends).ok()?;
    let mut best: Option<String> = None;
    for simple in items.iter().flatten() {
        let active = simple.restrictions.is_empty()
            || simple.restrictions.iter().any(|list| list.iter().all(|term| term.starts_with('!')));
        if !active || simple.package != package || !matches!(simple.relation, Some(">=" | ">>")) {
            continue;
        }
        let version = simple.version.clone().expect("a relation has a version");
        if best.as_deref().is_none_or(|b| crate::version::compare(&version, b).is_gt()) {
            best = Some(version);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_as_dpkg_shlibdeps_output() {
        let items =
            parse_list("libz1 (>= 1:1.2), libc6 (>= 2.34), libc6 (<< 2.37), libc6, libgreet1 | libgreet2").unwrap();
        assert_eq!(sorted(items), "libc6, libc6 (>= 2.34), libc6 (<< 2.37), libgreet1 | libgreet2, libz1 (>= 1:1.2)");
    }

    #[test]
    fn parses_and_writes_relations() {
        let items = parse_list(" foo:any  ( >=1.0 ) [amd64  i386] <!nocheck> <stage1>| bar (>2)").unwrap();
        assert_eq!(items[0][0].to_string(), "foo:any (>= 1.0) [amd64 i386] <!nocheck> <stage1>");
        assert_eq!(items[0][1].to_string(), "bar (>= 2)");
        assert!(parse_list("foo (>= 1.0").is_err());
    }

    #[test]
    fn knows_what_a_version_satisfies() {
        let rel = |t: &str| parse_list(t).unwrap().remove(0).remove(0);
        assert!(satisfied_by(&rel("hello (>= 1.0)"), "hello", "1.0-1"));
        assert!(satisfied_by(&rel("hello"), "hello", "1.0-1"));
        assert!(!satisfied_by(&rel("hello (>= 2.0)"), "hello", "1.0-1"));
        assert!(!satisfied_by(&rel("hello-data (>= 1.0)"), "hello", "1.0-1"));
        assert!(!satisfied_by(&rel("hello:any (>= 1.0)"), "hello", "1.0-1"));
    }

    #[test]
    fn finds_the_build_dependency_version() {
        let bd = "debhelper-compat (= 13), libfoo-dev (>= 1.2), libfoo-dev (>= 1.10) <!stage1> | other, \
                  libfoo-dev (>= 9) <stage1>";
        assert_eq!(min_version_from_build_deps(bd, "libfoo-dev").as_deref(), Some("1.10"));
        assert_eq!(min_version_from_build_deps(bd, "debhelper-compat"), None);
        assert_eq!(min_version_from_build_deps(bd, "libbar-dev"), None);
    }
}
