//! What a release will do, worked out and checked before anything is
//! built: every version valid and named once, every distro known, every
//! suite the routing table gives valid. A bad input is refused here, so
//! that nothing is built or published for a release that cannot finish.

use aptkit_build::source::SourceKind;
use aptkit_build::Distros;
use serde::Serialize;

use crate::routing::{RouteError, Routing};

/// Where a release takes its packages from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Source, builds, publishes, purge: the whole pipeline.
    Full,
    /// Source and builds only, into the build cache, no publish and no
    /// claim: one job of a CI matrix.
    BuildOnly,
    /// Publish what the build cache holds (the matrix built it); a build
    /// the cache lacks is an error, never compiled.
    NoBuild,
    /// Publish the packages of each version already in the suites of
    /// `from` (nightly) to the suites of its own kind, without building:
    /// the same files, bit for bit.
    Promote { from: SourceKind },
}

#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// The journal's id: the versions, in order.
    pub id: String,
    pub versions: Vec<VersionPlan>,
}

#[derive(Debug, Clone, Serialize)]
pub struct VersionPlan {
    pub version: String,
    /// `nightly` or `release`: how the source is made and, unless
    /// promoted, how it is routed.
    pub kind: &'static str,
    /// The distros built (or promoted), in the order given.
    pub distros: Vec<DistroPlan>,
    /// Every suite the version goes to, in routing order, with the distros
    /// whose packages it gets.
    pub suites: Vec<SuitePlan>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DistroPlan {
    pub id: String,
    pub codename: String,
    /// With [`Mode::Promote`]: the suite its packages are taken from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub promote_from: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SuitePlan {
    pub suite: String,
    /// Nightlies kept (retention), if the route says.
    pub keep: Option<usize>,
    pub distros: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("no versions to release")]
    NoVersions,
    #[error("version `{version}`: {reason}")]
    BadVersion { version: String, reason: String },
    #[error("version `{0}` is named twice")]
    Twice(String),
    #[error("{0}")]
    Distro(#[from] aptkit_build::distros::Error),
    #[error("`{0}` holds no distro folders to release")]
    NoDistros(String),
    #[error("routing {version} for {distro}: {source}")]
    Route { version: String, distro: String, source: Box<RouteError> },
    #[error("--promote-from {from}: {version} is a {kind}, not a {from}: only a {from}'s packages can be promoted")]
    NotPromotable { version: String, kind: &'static str, from: &'static str },
}

impl Plan {
    /// The plan for `versions` × `ids` (every distro when empty) under
    /// `routing`.
    pub fn new(
        versions: &[String],
        distros: &Distros,
        ids: &[String],
        routing: &Routing,
        mode: Mode,
    ) -> Result<Plan, PlanError> {
        if versions.is_empty() {
            return Err(PlanError::NoVersions);
        }
        for (i, v) in versions.iter().enumerate() {
            if versions[..i].contains(v) {
                return Err(PlanError::Twice(v.clone()));
            }
        }
        let ids: Vec<String> = if ids.is_empty() { distros.ids().map(str::to_string).collect() } else { ids.to_vec() };
        if ids.is_empty() {
            return Err(PlanError::NoDistros(distros.dir.display().to_string()));
        }
        let mut planned = Vec::new();
        for version in versions {
            let kind = SourceKind::of(version)
                .map_err(|e| PlanError::BadVersion { version: version.clone(), reason: e.to_string() })?;
            // A promoted version is routed as what it becomes.
            let route_kind = match mode {
                Mode::Promote { from } if from != kind => {
                    return Err(PlanError::NotPromotable {
                        version: version.clone(),
                        kind: kind.as_str(),
                        from: from.as_str(),
                    })
                }
                Mode::Promote { from: SourceKind::Nightly } => SourceKind::Release,
                Mode::Promote { .. } => SourceKind::Nightly,
                _ => kind,
            };
            let mut plan =
                VersionPlan { version: version.clone(), kind: kind.as_str(), distros: vec![], suites: vec![] };
            for id in &ids {
                let distro = distros.find(id)?;
                let route_err = |source| PlanError::Route {
                    version: version.clone(),
                    distro: id.clone(),
                    source: Box::new(source),
                };
                let codename = distro.distribution.as_str();
                let promote_from = match mode {
                    Mode::Promote { from } => {
                        let from_suites = routing.targets_as(version, from, codename).map_err(route_err)?;
                        Some(from_suites[0].suite.clone())
                    }
                    _ => None,
                };
                for target in routing.targets_as(version, route_kind, codename).map_err(route_err)? {
                    match plan.suites.iter_mut().find(|s| s.suite == target.suite) {
                        Some(suite) => suite.distros.push(id.clone()),
                        None => plan.suites.push(SuitePlan {
                            suite: target.suite,
                            keep: target.keep,
                            distros: vec![id.clone()],
                        }),
                    }
                }
                plan.distros.push(DistroPlan { id: id.clone(), codename: codename.to_string(), promote_from });
            }
            planned.push(plan);
        }
        Ok(Plan { id: crate::release_id(versions), versions: planned })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn distros() -> (tempfile::TempDir, Distros) {
        let dir = tempfile::tempdir().unwrap();
        for (id, codename) in [("debian-12-bookworm", "bookworm"), ("ubuntu-24.04-noble", "noble")] {
            let d = dir.path().join(id);
            std::fs::create_dir_all(d.join("debian")).unwrap();
            std::fs::write(d.join("DOCKER_BASE"), "debian:bookworm\n").unwrap();
            std::fs::write(d.join("DISTRIBUTION"), format!("{codename}\n")).unwrap();
            std::fs::write(d.join("PKGVER"), format!("1~{codename}\n")).unwrap();
            std::fs::write(
                d.join("debian/control"),
                "Source: hello\nMaintainer: A <a@example.org>\n\nPackage: hello\nArchitecture: any\nDescription: hi\n",
            )
            .unwrap();
            std::fs::write(
                d.join("debian/changelog"),
                "hello (1.0-1) unstable; urgency=medium\n\n  * x\n\n -- A <a@example.org>  Mon, 01 Jan 2024 00:00:00 +0000\n",
            )
            .unwrap();
        }
        let distros = Distros::load(dir.path()).unwrap();
        (dir, distros)
    }

    fn v(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_nightly_and_a_release_go_where_the_default_routing_says() {
        let (_dir, distros) = distros();
        let plan = Plan::new(&v(&["2026.12.02", "1.3.0"]), &distros, &[], &Routing::default(), Mode::Full).unwrap();
        assert_eq!(plan.id, "2026.12.02_1.3.0");
        let suites = |i: usize| plan.versions[i].suites.iter().map(|s| s.suite.as_str()).collect::<Vec<_>>();
        assert_eq!(suites(0), ["bookworm-nightly", "noble-nightly"]);
        assert_eq!(suites(1), ["bookworm", "bookworm-1.3", "noble", "noble-1.3"]);
        assert_eq!(plan.versions[0].suites[0].keep, Some(7));
    }

    #[test]
    fn bad_input_is_refused_before_anything_runs() {
        let (_dir, distros) = distros();
        let routing = Routing::default();
        let err = |versions: &[&str], ids: &[&str]| {
            Plan::new(&v(versions), &distros, &v(ids), &routing, Mode::Full).unwrap_err().to_string()
        };
        assert!(err(&["1.0-1"], &[]).contains("version `1.0-1`"), "{}", err(&["1.0-1"], &[]));
        assert!(err(&["1.0", "1.0"], &[]).contains("named twice"));
        assert!(err(&["1.0"], &["debian-13-trixie"]).contains("debian-13-trixie"));
        assert!(err(&[], &[]).contains("no versions"));
        let bad = Routing::new(vec![crate::Route {
            versions: crate::VersionPattern::Release,
            suites: vec!["{codename}/{version}".into()],
            keep: None,
        }])
        .unwrap();
        let e = Plan::new(&v(&["1.0"]), &distros, &[], &bad, Mode::Full).unwrap_err().to_string();
        assert!(e.contains("bookworm/1.0"), "{e}");
    }

    #[test]
    fn a_promoted_nightly_goes_to_the_release_suites_from_the_nightly_suite() {
        let (_dir, distros) = distros();
        let mode = Mode::Promote { from: SourceKind::Nightly };
        let plan =
            Plan::new(&v(&["2026.12.03"]), &distros, &v(&["debian-12-bookworm"]), &Routing::default(), mode).unwrap();
        let version = &plan.versions[0];
        assert_eq!(version.distros[0].promote_from.as_deref(), Some("bookworm-nightly"));
        let suites: Vec<_> = version.suites.iter().map(|s| s.suite.as_str()).collect();
        assert_eq!(suites, ["bookworm", "bookworm-2026.12"]);
        let e = Plan::new(&v(&["1.0"]), &distros, &[], &Routing::default(), mode).unwrap_err().to_string();
        assert!(e.contains("1.0 is a release, not a nightly"), "{e}");
    }
}
