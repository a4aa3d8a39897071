//! Which upstream version a build packages: `--version` when given, else
//! the one in the source tarball's name (`NAME-VERSION.tar.gz`), else the
//! upstream part of `debian/changelog`'s newest version. The package
//! version is then `UPSTREAM-PKGVER`.

use std::path::Path;

use aptkit_control::{check_upstream_version, Version};

/// Tarball suffixes whose stem is `NAME-VERSION`.
const TARBALL_SUFFIXES: &[&str] = &[".tar.gz", ".tgz", ".tar.xz", ".tar.bz2", ".tar.zst"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamVersion {
    pub version: String,
    pub origin: VersionOrigin,
}

/// Where an upstream version was found, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionOrigin {
    Flag,
    Tarball,
    Changelog,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersionError {
    #[error("--version `{value}` is not an upstream version: {reason}")]
    Flag { value: String, reason: String },
    #[error("the source tarball `{tarball}` names the version `{value}`, which is not an upstream version: {reason} (rename it, or give --version)")]
    Tarball { tarball: String, value: String, reason: String },
    #[error("debian/changelog's version `{value}` has no valid upstream part: {reason} (fix it, or give --version)")]
    Changelog { value: String, reason: String },
    #[error("no upstream version: give --version, name the source tarball NAME-VERSION.tar.gz, or add a debian/changelog entry")]
    Unknown,
}

/// The upstream version, from the first of `flag`, `tarball`'s name and
/// `changelog` that has one. A tarball whose name carries no version
/// (`source.tar.gz`) is passed over; a version that is there but invalid
/// is an error, never passed over.
pub fn upstream_version(
    flag: Option<&str>,
    tarball: Option<&Path>,
    changelog: Option<&Version>,
) -> Result<UpstreamVersion, VersionError> {
    if let Some(value) = flag {
        check_upstream_version(value).map_err(|reason| VersionError::Flag { value: value.to_string(), reason })?;
        return Ok(UpstreamVersion { version: value.to_string(), origin: VersionOrigin::Flag });
    }
    let tarball_name = tarball.and_then(Path::file_name).map(|n| n.to_string_lossy().into_owned());
    if let Some(name) = &tarball_name {
        if let Some(value) = version_in_tarball_name(name) {
            check_upstream_version(value).map_err(|reason| VersionError::Tarball {
                tarball: name.clone(),
                value: value.to_string(),
                reason,
            })?;
            return Ok(UpstreamVersion { version: value.to_string(), origin: VersionOrigin::Tarball });
        }
    }
    if let Some(version) = changelog {
        let value = &version.upstream_version;
        check_upstream_version(value)
            .map_err(|reason| VersionError::Changelog { value: version.to_string(), reason })?;
        return Ok(UpstreamVersion { version: value.clone(), origin: VersionOrigin::Changelog });
    }
    Err(VersionError::Unknown)
}

/// `hello-1.0.tar.gz` -> `1.0`: the version starts after the first `-`
/// followed by a digit (`hello-world-2.1~rc1.tar.xz` -> `2.1~rc1`).
pub fn version_in_tarball_name(file_name: &str) -> Option<&str> {
    let stem = TARBALL_SUFFIXES.iter().find_map(|suffix| file_name.strip_suffix(suffix))?;
    let start =
        stem.match_indices('-').map(|(i, _)| i + 1).find(|&i| stem[i..].starts_with(|c: char| c.is_ascii_digit()))?;
    // A name is needed before the version.
    (start > 1).then(|| &stem[start..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn changelog(v: &str) -> Version {
        v.parse().unwrap()
    }

    #[test]
    fn the_flag_comes_first() {
        let got =
            upstream_version(Some("2.0"), Some(Path::new("hello-1.0.tar.gz")), Some(&changelog("0.9-1"))).unwrap();
        assert_eq!(got, UpstreamVersion { version: "2.0".into(), origin: VersionOrigin::Flag });
    }

    #[test]
    fn then_the_tarball_name() {
        let got = upstream_version(None, Some(Path::new("/tmp/out/hello-1.0.tar.gz")), Some(&changelog("0.9-1")));
        assert_eq!(got.unwrap(), UpstreamVersion { version: "1.0".into(), origin: VersionOrigin::Tarball });
    }

    #[test]
    fn then_the_changelog_without_epoch_or_revision() {
        let got = upstream_version(None, None, Some(&changelog("1:2.4+dfsg-3"))).unwrap();
        assert_eq!(got, UpstreamVersion { version: "2.4+dfsg".into(), origin: VersionOrigin::Changelog });
        // A tarball named without a version is passed over.
        let got = upstream_version(None, Some(Path::new("source.tar.gz")), Some(&changelog("1.0-1"))).unwrap();
        assert_eq!(got.origin, VersionOrigin::Changelog);
        // A native version is all upstream.
        assert_eq!(upstream_version(None, None, Some(&changelog("0.1.0"))).unwrap().version, "0.1.0");
    }

    #[test]
    fn nothing_to_go_by() {
        assert_eq!(upstream_version(None, None, None), Err(VersionError::Unknown));
        assert_eq!(upstream_version(None, Some(Path::new("x.zip")), None), Err(VersionError::Unknown));
    }

    #[test]
    fn invalid_versions_are_errors_not_skipped() {
        assert!(matches!(upstream_version(Some("v1.0"), None, None), Err(VersionError::Flag { .. })));
        assert!(matches!(upstream_version(Some("1:0"), None, None), Err(VersionError::Flag { .. })));
        let err = upstream_version(None, Some(Path::new("hello-1_0.tar.gz")), Some(&changelog("1.0-1"))).unwrap_err();
        assert!(matches!(&err, VersionError::Tarball { value, .. } if value == "1_0"), "{err}");
        let err = upstream_version(None, None, Some(&changelog("v1.0-1"))).unwrap_err();
        assert!(matches!(&err, VersionError::Changelog { value, .. } if value == "v1.0-1"), "{err}");
    }

    #[test]
    fn versions_in_tarball_names() {
        for (name, want) in [
            ("hello-1.0.tar.gz", Some("1.0")),
            ("hello-world-2.1~rc1.tar.xz", Some("2.1~rc1")),
            ("libfoo2-3.0-beta.tgz", Some("3.0-beta")),
            ("aptkit-0.1.0.tar.zst", Some("0.1.0")),
            ("hello-1.0.tar.bz2", Some("1.0")),
            ("hello.tar.gz", None),
            ("hello-latest.tar.gz", None),
            ("-1.0.tar.gz", None),
            ("hello-1.0.zip", None),
            ("hello-1.0", None),
        ] {
            assert_eq!(version_in_tarball_name(name), want, "{name}");
        }
    }
}
