//! The dependencies collected over a package's ELF files and how
//! dpkg-shlibdeps writes them: a template (`libc6 #MINVER#`, `libgreet1
//! (>= 1.0)`) with the highest minimal version any symbol asked for.

use std::collections::BTreeMap;

use crate::relations;

/// The relation field a dependency goes to (dpkg-shlibdeps `-d`), weakest
/// first: a dependency is written only in the strongest field needing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DepField {
    Suggests,
    Recommends,
    Depends,
    PreDepends,
}

impl DepField {
    pub fn name(self) -> &'static str {
        match self {
            DepField::Suggests => "Suggests",
            DepField::Recommends => "Recommends",
            DepField::Depends => "Depends",
            DepField::PreDepends => "Pre-Depends",
        }
    }
}

/// Template -> minimal version: `None` stands for dpkg's empty version
/// (no symbol information: the template is written without a version).
#[derive(Debug, Default)]
pub(crate) struct Collected {
    fields: BTreeMap<DepField, BTreeMap<String, Option<String>>>,
}

impl Collected {
    /// update_dependency_version: every comma-separated part of `dep` gets
    /// at least `minver`; `existing_only` leaves parts not seen yet alone.
    pub fn update(&mut self, field: DepField, dep: &str, minver: Option<&str>, existing_only: bool) {
        let deps = self.fields.entry(field).or_default();
        for part in split_template(dep, true) {
            match deps.get_mut(&part) {
                Some(current) => {
                    let raise = match (current.as_deref(), minver) {
                        (None, _) => true,
                        (Some(_), None) => false,
                        (Some(have), Some(want)) => crate::version::compare(want, have).is_gt(),
                    };
                    if raise {
                        *current = minver.map(str::to_string);
                    }
                }
                None if !existing_only => {
                    deps.insert(part, minver.map(str::to_string));
                }
                None => {}
            }
        }
    }

    /// add_shlibs_dep: a shlibs line's dependencies replace what symbols
    /// gave the same template (dpkg resets them to the empty version).
    pub fn set_from_shlibs(&mut self, field: DepField, dep: &str) {
        let deps = self.fields.entry(field).or_default();
        for part in split_template(dep, false) {
            deps.insert(part, None);
        }
    }

    /// The `shlibs:<Field>` values, strongest field first, each sorted as
    /// dpkg sorts it; a template already written in a stronger field with a
    /// version at least as high is left out of the weaker one.
    pub fn write(&self) -> Result<BTreeMap<DepField, String>, String> {
        let mut seen: BTreeMap<&str, Option<&str>> = BTreeMap::new();
        let mut out = BTreeMap::new();
        for (field, deps) in self.fields.iter().rev() {
            let mut items = Vec::new();
            for (template, version) in deps {
                let keep = match seen.get(template.as_str()) {
                    None => true,
                    Some(earlier) => stronger(*earlier, version.as_deref()),
                };
                if !keep {
                    continue;
                }
                seen.insert(template, version.as_deref());
                items.push(instantiate(template, version.as_deref()));
            }
            let text = items.join(", ");
            if text.trim().is_empty() {
                continue;
            }
            let parsed = relations::parse_list(&text).map_err(|e| format!("invalid dependency generated: {e}"))?;
            if !parsed.is_empty() {
                out.insert(*field, relations::sorted(parsed));
            }
        }
        Ok(out)
    }
}

/// dpkg's filter_deps: is `version` stronger than the one already written?
fn stronger(earlier: Option<&str>, version: Option<&str>) -> bool {
    match (earlier, version) {
        (a, b) if a == b => false,
        (_, None) => false,
        (None, Some(_)) => true,
        (Some(a), Some(b)) => !crate::version::compare(a, b).is_gt(),
    }
}

/// `libc6 #MINVER#` -> `libc6 (>= 2.34)`; without a version (or with
/// version `0`, which Perl takes as false) the marker is dropped.
fn instantiate(template: &str, version: Option<&str>) -> String {
    let text = match version.filter(|v| !v.is_empty() && *v != "0") {
        Some(v) => template.replace("#MINVER#", &format!("(>= {v})")),
        None => template.replace("#MINVER#", ""),
    };
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Split at commas: `\s*,\s*` for symbol templates, `,\s*` for shlibs
/// lines (the two places in dpkg-shlibdeps differ; keys must match dpkg's).
fn split_template(dep: &str, trim_before_comma: bool) -> Vec<String> {
    dep.split(',')
        .map(|part| {
            let part = part.trim_start();
            if trim_before_comma {
                part.trim_end()
            } else {
                part
            }
        })
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_highest_minimal_version_per_template() {
        let mut deps = Collected::default();
        deps.update(DepField::Depends, "libc6 #MINVER#", Some("2.2.5"), false);
        deps.update(DepField::Depends, "libc6 #MINVER#", Some("2.34"), false);
        deps.update(DepField::Depends, "libc6 #MINVER#", Some("2.3.4"), false);
        deps.update(DepField::Depends, "libm6 #MINVER#", Some(""), false);
        deps.update(DepField::Depends, "libc6 (>> 2.36), libc6 (<< 2.37)", Some("0"), false);
        deps.set_from_shlibs(DepField::Depends, "libgreet1 (>= 1.0)");
        deps.update(DepField::Depends, "libz1 #MINVER#", Some("1:1.2"), true);
        let out = deps.write().unwrap();
        assert_eq!(
            out[&DepField::Depends],
            "libc6 (>= 2.34), libc6 (>> 2.36), libc6 (<< 2.37), libgreet1 (>= 1.0), libm6"
        );
    }

    #[test]
    fn a_stronger_field_takes_the_dependency() {
        let mut deps = Collected::default();
        deps.update(DepField::PreDepends, "libc6 #MINVER#", Some("2.34"), false);
        deps.update(DepField::Depends, "libc6 #MINVER#", Some("2.17"), false);
        deps.update(DepField::Depends, "libz1 #MINVER#", Some("1.2"), false);
        let out = deps.write().unwrap();
        assert_eq!(out[&DepField::PreDepends], "libc6 (>= 2.34)");
        assert_eq!(out[&DepField::Depends], "libz1 (>= 1.2)");
    }
}
