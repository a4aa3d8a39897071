//! Which suites a version is published to: a table of routes, each a
//! version pattern and suite templates, the first route that matches a
//! version deciding.
//!
//! The default table sends nightlies (`YYYY.MM.DD`) to
//! `{codename}-nightly`, keeping the last 7 there, and releases to
//! `{codename}` and `{codename}-{major}.{minor}`, keeping every one: apt
//! installs the newest version a suite holds, and a user who pins a
//! `-1.3` suite gets 1.3's updates only.
//!
//! A template names its placeholders in braces: `{codename}` (the distro's
//! `DISTRIBUTION`), `{version}`, `{major}`, `{minor}`, `{patch}` (the
//! leading digits of the version's first three dot-separated parts) and
//! `{kind}` (`nightly` or `release`). What a template yields must be a
//! suite name apt and a URL read alike (letters, digits, `. _ - + ~`), or
//! the version is refused before anything is built.

use aptkit_build::source::SourceKind;
use serde::{Deserialize, Serialize};

/// Which versions a route takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum VersionPattern {
    /// `nightly`: versions shaped `YYYY.MM.DD`.
    Nightly,
    /// `release`: every other version.
    Release,
    /// A glob over the version (`1.*`, `*~rc*`): `*` any run, `?` one
    /// character.
    Glob(String),
}

impl VersionPattern {
    pub fn matches(&self, version: &str, kind: SourceKind) -> bool {
        match self {
            VersionPattern::Nightly => kind == SourceKind::Nightly,
            VersionPattern::Release => kind == SourceKind::Release,
            VersionPattern::Glob(glob) => aptkit_repo::set_ops::glob_match(glob, version),
        }
    }
}

impl From<VersionPattern> for String {
    fn from(p: VersionPattern) -> String {
        match p {
            VersionPattern::Nightly => "nightly".into(),
            VersionPattern::Release => "release".into(),
            VersionPattern::Glob(g) => g,
        }
    }
}

impl TryFrom<String> for VersionPattern {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        match text.as_str() {
            "nightly" => Ok(VersionPattern::Nightly),
            "release" => Ok(VersionPattern::Release),
            "" => Err("a route's `versions` is empty (expected `nightly`, `release` or a glob such as `1.*`)".into()),
            _ => Ok(VersionPattern::Glob(text)),
        }
    }
}

/// One row of the routing table: `[[release.routes]]` in aptkit.toml.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    pub versions: VersionPattern,
    /// Suite templates, e.g. `{codename}-nightly`.
    pub suites: Vec<String>,
    /// Keep only the newest this many nightlies in these suites; absent:
    /// keep every version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep: Option<usize>,
}

/// Where one version of one distro goes: a suite, and what it keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Target {
    pub suite: String,
    pub keep: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RouteError {
    #[error("no route in [release] routes takes version `{version}` ({kind}): add one, or a route for `*`")]
    NoRoute { version: String, kind: &'static str },
    #[error("route {route} (`{template}`): unknown placeholder `{{{name}}}` (known: {{codename}}, {{version}}, {{major}}, {{minor}}, {{patch}}, {{kind}})")]
    UnknownPlaceholder { route: usize, template: String, name: String },
    #[error("route {route} (`{template}`): an unclosed `{{`")]
    Unclosed { route: usize, template: String },
    #[error("route {route} (`{template}`): version `{version}` has no {part} part (its leading digits)")]
    MissingPart { route: usize, template: String, version: String, part: &'static str },
    #[error(
        "route {route} (`{template}`) makes suite `{suite}` for version `{version}` of `{codename}`, which is not a \
         valid suite name (letters, digits and . _ - + ~ only, not first . or -)"
    )]
    InvalidSuite { route: usize, template: String, version: String, codename: String, suite: String },
    #[error("route {route} lists no suites")]
    NoSuites { route: usize },
    #[error("route {route}: `keep = 0` would keep nothing; leave `keep` out to keep every version")]
    KeepZero { route: usize },
}

/// The routing table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routing {
    routes: Vec<Route>,
}

/// How many nightlies a nightly suite keeps by default.
pub const DEFAULT_KEEP_NIGHTLIES: usize = 7;

impl Routing {
    /// The default table (see the module), keeping `keep_nightlies`.
    pub fn default_with(keep_nightlies: usize) -> Routing {
        Routing {
            routes: vec![
                Route {
                    versions: VersionPattern::Nightly,
                    suites: vec!["{codename}-nightly".into()],
                    keep: Some(keep_nightlies),
                },
                Route {
                    versions: VersionPattern::Release,
                    suites: vec!["{codename}".into(), "{codename}-{major}.{minor}".into()],
                    keep: None,
                },
            ],
        }
    }

    /// A table from aptkit.toml, its templates checked (numbered from 1 in
    /// errors, as a user counts them).
    pub fn new(routes: Vec<Route>) -> Result<Routing, RouteError> {
        for (i, route) in routes.iter().enumerate() {
            let n = i + 1;
            if route.suites.is_empty() {
                return Err(RouteError::NoSuites { route: n });
            }
            if route.keep == Some(0) {
                return Err(RouteError::KeepZero { route: n });
            }
            for template in &route.suites {
                placeholders(template, n)?;
            }
        }
        Ok(Routing { routes })
    }

    pub fn routes(&self) -> &[Route] {
        &self.routes
    }

    /// The suites `version` of a distro published as `codename` goes to,
    /// in template order (one suite named twice appears once).
    pub fn targets(&self, version: &str, codename: &str) -> Result<Vec<Target>, RouteError> {
        // Versions are checked before routing; an invalid one matches only a glob.
        let kind = SourceKind::of(version).unwrap_or(SourceKind::Release);
        self.targets_as(version, kind, codename)
    }

    /// [`Routing::targets`], routing `version` as a version of `kind`
    /// (a promoted nightly goes where releases go).
    pub fn targets_as(&self, version: &str, kind: SourceKind, codename: &str) -> Result<Vec<Target>, RouteError> {
        let (n, route) = self
            .routes
            .iter()
            .enumerate()
            .find(|(_, r)| r.versions.matches(version, kind))
            .ok_or_else(|| RouteError::NoRoute { version: version.into(), kind: kind.as_str() })?;
        let mut targets: Vec<Target> = Vec::new();
        for template in &route.suites {
            let suite = render(template, n + 1, version, kind, codename)?;
            if !aptkit_control::valid_archive_name(&suite) {
                return Err(RouteError::InvalidSuite {
                    route: n + 1,
                    template: template.clone(),
                    version: version.into(),
                    codename: codename.into(),
                    suite,
                });
            }
            if !targets.iter().any(|t| t.suite == suite) {
                targets.push(Target { suite, keep: route.keep });
            }
        }
        Ok(targets)
    }
}

impl Default for Routing {
    fn default() -> Self {
        Routing::default_with(DEFAULT_KEEP_NIGHTLIES)
    }
}

const PLACEHOLDERS: [&str; 6] = ["codename", "version", "major", "minor", "patch", "kind"];

/// The pieces of a template: literal text and placeholder names, in order.
fn placeholders(template: &str, route: usize) -> Result<Vec<(bool, &str)>, RouteError> {
    let mut pieces = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        pieces.push((false, &rest[..open]));
        let after = &rest[open + 1..];
        let close = after.find('}').ok_or_else(|| RouteError::Unclosed { route, template: template.into() })?;
        let name = &after[..close];
        if !PLACEHOLDERS.contains(&name) {
            return Err(RouteError::UnknownPlaceholder { route, template: template.into(), name: name.into() });
        }
        pieces.push((true, name));
        rest = &after[close + 1..];
    }
    pieces.push((false, rest));
    Ok(pieces)
}

fn render(template: &str, route: usize, version: &str, kind: SourceKind, codename: &str) -> Result<String, RouteError> {
    let mut out = String::new();
    for (is_placeholder, text) in placeholders(template, route)? {
        if !is_placeholder {
            out.push_str(text);
            continue;
        }
        let part = |index: usize, part: &'static str| {
            numeric_part(version, index).ok_or_else(|| RouteError::MissingPart {
                route,
                template: template.into(),
                version: version.into(),
                part,
            })
        };
        match text {
            "codename" => out.push_str(codename),
            "version" => out.push_str(version),
            "kind" => out.push_str(kind.as_str()),
            "major" => out.push_str(part(0, "major")?),
            "minor" => out.push_str(part(1, "minor")?),
            "patch" => out.push_str(part(2, "patch")?),
            _ => unreachable!("checked by placeholders()"),
        }
    }
    Ok(out)
}

/// The leading digits of the `index`th dot-separated part of `version`
/// (`1.3.0~rc1`: 1, 3, 0), if it starts with one.
fn numeric_part(version: &str, index: usize) -> Option<&str> {
    let part = version.split('.').nth(index)?;
    let digits = part.find(|c: char| !c.is_ascii_digit()).unwrap_or(part.len());
    (digits > 0).then(|| &part[..digits])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn suites(routing: &Routing, version: &str, codename: &str) -> Vec<String> {
        routing.targets(version, codename).unwrap().into_iter().map(|t| t.suite).collect()
    }

    #[test]
    fn the_default_table_sends_nightlies_and_releases_where_the_issue_says() {
        let routing = Routing::default();
        let nightly = routing.targets("2026.12.02", "bookworm").unwrap();
        assert_eq!(nightly, vec![Target { suite: "bookworm-nightly".into(), keep: Some(7) }]);
        assert_eq!(suites(&routing, "1.3.0", "bookworm"), ["bookworm", "bookworm-1.3"]);
        assert_eq!(suites(&routing, "1.3.0~rc1", "noble"), ["noble", "noble-1.3"]);
        assert_eq!(routing.targets("1.3.0", "trixie").unwrap()[0].keep, None);
    }

    #[test]
    fn the_first_matching_route_decides_and_globs_match_versions() {
        let routing = Routing::new(vec![
            Route {
                versions: VersionPattern::Glob("*~rc*".into()),
                suites: vec!["{codename}-testing".into()],
                keep: Some(3),
            },
            Route { versions: VersionPattern::Glob("*".into()), suites: vec!["{codename}-{kind}".into()], keep: None },
        ])
        .unwrap();
        assert_eq!(suites(&routing, "2.0~rc2", "bookworm"), ["bookworm-testing"]);
        assert_eq!(suites(&routing, "2.0", "bookworm"), ["bookworm-release"]);
        assert_eq!(suites(&routing, "2026.01.31", "bookworm"), ["bookworm-nightly"]);
    }

    #[test]
    fn a_version_no_route_takes_is_refused_by_name() {
        let routing = Routing::new(vec![Route {
            versions: VersionPattern::Nightly,
            suites: vec!["{codename}-nightly".into()],
            keep: None,
        }])
        .unwrap();
        let err = routing.targets("1.3.0", "bookworm").unwrap_err().to_string();
        assert!(err.contains("`1.3.0`") && err.contains("release"), "{err}");
    }

    #[test]
    fn bad_templates_are_refused_when_the_table_is_read() {
        let route = |t: &str| Route { versions: VersionPattern::Release, suites: vec![t.into()], keep: None };
        let err = Routing::new(vec![route("{codename}-{branch}")]).unwrap_err();
        assert!(matches!(&err, RouteError::UnknownPlaceholder { name, route: 1, .. } if name == "branch"), "{err}");
        assert!(err.to_string().contains("{branch}"), "{err}");
        assert!(matches!(Routing::new(vec![route("{codename")]), Err(RouteError::Unclosed { .. })));
        let none = Route { versions: VersionPattern::Release, suites: vec![], keep: None };
        assert!(matches!(Routing::new(vec![none]), Err(RouteError::NoSuites { route: 1 })));
        let zero = Route { versions: VersionPattern::Nightly, suites: vec!["x".into()], keep: Some(0) };
        assert!(matches!(Routing::new(vec![zero]), Err(RouteError::KeepZero { route: 1 })));
        assert!(VersionPattern::try_from(String::new()).is_err());
    }

    #[test]
    fn a_template_that_yields_an_invalid_suite_names_the_route_version_and_suite() {
        let routing = Routing::new(vec![Route {
            versions: VersionPattern::Release,
            suites: vec!["{codename}/{version}".into()],
            keep: None,
        }])
        .unwrap();
        let err = routing.targets("1.3.0", "bookworm").unwrap_err().to_string();
        assert!(err.contains("`bookworm/1.3.0`") && err.contains("route 1") && err.contains("`1.3.0`"), "{err}");
        // A leading `-`, as an empty codename would make it.
        let routing = Routing::new(vec![Route {
            versions: VersionPattern::Release,
            suites: vec!["{codename}-{major}".into()],
            keep: None,
        }])
        .unwrap();
        assert!(matches!(routing.targets("1.0", ""), Err(RouteError::InvalidSuite { .. })));
    }

    #[test]
    fn a_version_without_the_parts_a_template_needs_is_refused() {
        let routing = Routing::default();
        let err = routing.targets("7", "bookworm").unwrap_err();
        assert!(matches!(&err, RouteError::MissingPart { part: "minor", .. }), "{err}");
        assert_eq!(numeric_part("1.3.0~rc1", 2), Some("0"));
        assert_eq!(numeric_part("1.x", 1), None);
    }

    #[test]
    fn a_suite_named_twice_is_published_once() {
        let routing = Routing::new(vec![Route {
            versions: VersionPattern::Release,
            suites: vec!["{codename}".into(), "{codename}".into()],
            keep: None,
        }])
        .unwrap();
        assert_eq!(suites(&routing, "1.0", "bookworm"), ["bookworm"]);
    }

    #[test]
    fn routes_read_from_toml_shaped_json() {
        let route: Route =
            serde_json::from_str(r#"{"versions": "nightly", "suites": ["{codename}-daily"], "keep": 3}"#).unwrap();
        assert_eq!(route.versions, VersionPattern::Nightly);
        assert!(serde_json::from_str::<Route>(r#"{"versions": "nightly", "suites": [], "kep": 3}"#).is_err());
    }
}
