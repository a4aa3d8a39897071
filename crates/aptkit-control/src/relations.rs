//! Relation fields (`Depends`, `Pre-Depends`, …) after substitution.

/// Fields whose values are comma-separated package relations.
pub const RELATION_FIELDS: &[&str] = &[
    "Pre-Depends",
    "Depends",
    "Recommends",
    "Suggests",
    "Enhances",
    "Breaks",
    "Conflicts",
    "Provides",
    "Replaces",
    "Built-Using",
    "Static-Built-Using",
];

pub fn is_relation_field(name: &str) -> bool {
    RELATION_FIELDS.iter().any(|f| f.eq_ignore_ascii_case(name))
}

/// Normalise a relation list the way dpkg-gencontrol prints it: one line,
/// `, ` between items, ` | ` between alternatives, empty items (left by
/// substvars that expanded to nothing) dropped, exact duplicates dropped.
pub fn normalize(value: &str) -> String {
    let mut items: Vec<String> = Vec::new();
    for item in value.split(',') {
        let alternatives: Vec<String> = item.split('|').map(normalize_one).filter(|alt| !alt.is_empty()).collect();
        if alternatives.is_empty() {
            continue;
        }
        let item = alternatives.join(" | ");
        if !items.contains(&item) {
            items.push(item);
        }
    }
    items.join(", ")
}

/// `foo  (>=1.0)` -> `foo (>= 1.0)`.
fn normalize_one(rel: &str) -> String {
    let collapsed: String = rel.split_whitespace().collect::<Vec<_>>().join(" ");
    let Some(open) = collapsed.find('(') else { return collapsed };
    let Some(close) = collapsed[open..].find(')').map(|c| c + open) else { return collapsed };
    let name = collapsed[..open].trim_end();
    let inner = collapsed[open + 1..close].trim();
    let split = inner.find(|c: char| !matches!(c, '<' | '>' | '=')).unwrap_or(inner.len());
    let (op, version) = inner.split_at(split);
    let tail = collapsed[close + 1..].trim();
    let mut out = format!("{name} ({} {})", op.trim(), version.trim());
    if !tail.is_empty() {
        out.push(' ');
        out.push_str(tail);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn drops_empty_items_and_tidies_spacing() {
        assert_eq!(normalize("libc6 (>=2.34),  , foo\n  |  bar,"), "libc6 (>= 2.34), foo | bar");
        assert_eq!(normalize(" , "), "");
        assert_eq!(normalize("a, a, b (= 1:2.0-1)"), "a, b (= 1:2.0-1)");
        assert_eq!(normalize("x:any (<< 3) <!nocheck>"), "x:any (<< 3) <!nocheck>");
    }
}
