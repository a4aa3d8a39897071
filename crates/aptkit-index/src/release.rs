use std::fmt::Write;

use crate::FileDigests;

/// One index listed in a Release file, by path relative to the Release
/// file's directory (`main/binary-amd64/Packages.xz`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexFile {
    pub path: String,
    pub digests: FileDigests,
}

/// A `Release` file (the top-level one of a suite, or a component's).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReleaseFile {
    pub origin: Option<String>,
    pub label: Option<String>,
    pub suite: Option<String>,
    /// `Archive:` (component-level Release files use it instead of Suite).
    pub archive: Option<String>,
    pub version: Option<String>,
    pub codename: Option<String>,
    /// Seconds since the epoch; must grow with every publication (apt
    /// ignores a Release older than the one it has).
    pub date: Option<i64>,
    /// Seconds since the epoch after which apt reports the suite expired.
    pub valid_until: Option<i64>,
    pub architectures: Vec<String>,
    pub components: Vec<String>,
    pub component: Option<String>,
    pub architecture: Option<String>,
    pub description: Option<String>,
    pub not_automatic: bool,
    pub but_automatic_upgrades: bool,
    pub acquire_by_hash: bool,
    /// 40-hex fingerprints (apt accepts nothing else here).
    pub signed_by: Vec<String>,
    pub files: Vec<IndexFile>,
}

/// The date format of Release files: `Sat, 21 Nov 2026 10:16:37 UTC`.
pub fn format_date(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|d| d.format("%a, %d %b %Y %H:%M:%S UTC").to_string())
        .unwrap_or_default()
}

/// Parse a Release `Date:` value (`Sat, 21 Nov 2026 10:16:37 UTC`; apt
/// also writes `+0000`) to seconds since the epoch.
pub fn parse_date(value: &str) -> Option<i64> {
    let value = value.trim();
    if let Ok(d) = chrono::DateTime::parse_from_rfc2822(value) {
        return Some(d.timestamp());
    }
    let naive = value.strip_suffix(" UTC").or_else(|| value.strip_suffix(" GMT"))?;
    chrono::NaiveDateTime::parse_from_str(naive, "%a, %d %b %Y %H:%M:%S").ok().map(|d| d.and_utc().timestamp())
}

impl ReleaseFile {
    /// The text, fields in apt-ftparchive's order, then MD5Sum (for old
    /// tools) and SHA256 (what apt checks) sections.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let mut field = |name: &str, value: Option<&str>| {
            if let Some(v) = value.filter(|v| !v.is_empty()) {
                let _ = writeln!(out, "{name}: {v}");
            }
        };
        field("Origin", self.origin.as_deref());
        field("Label", self.label.as_deref());
        field("Suite", self.suite.as_deref());
        field("Version", self.version.as_deref());
        field("Codename", self.codename.as_deref());
        field("Archive", self.archive.as_deref());
        field("Component", self.component.as_deref());
        field("Architecture", self.architecture.as_deref());
        field("Date", self.date.map(format_date).as_deref());
        field("Valid-Until", self.valid_until.map(format_date).as_deref());
        field("NotAutomatic", self.not_automatic.then_some("yes"));
        field("ButAutomaticUpgrades", self.but_automatic_upgrades.then_some("yes"));
        field("Acquire-By-Hash", self.acquire_by_hash.then_some("yes"));
        field("Architectures", Some(&self.architectures.join(" ")));
        field("Components", Some(&self.components.join(" ")));
        field("Description", self.description.as_deref());
        field("Signed-By", Some(&self.signed_by.join(", ")));
        if !self.files.is_empty() {
            let width = self.files.iter().map(|f| f.digests.size.to_string().len()).max().unwrap_or(1).max(8);
            out.push_str("MD5Sum:\n");
            for f in &self.files {
                let _ = writeln!(out, " {} {:>width$} {}", f.digests.md5_hex(), f.digests.size, f.path);
            }
            out.push_str("SHA256:\n");
            for f in &self.files {
                let _ = writeln!(out, " {} {:>width$} {}", f.digests.sha256_hex(), f.digests.size, f.path);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_use_apts_format() {
        assert_eq!(format_date(1_795_256_197), "Sat, 21 Nov 2026 10:16:37 UTC");
        assert_eq!(parse_date("Sat, 21 Nov 2026 10:16:37 UTC"), Some(1_795_256_197));
        assert_eq!(parse_date("Sat, 21 Nov 2026 11:16:37 +0100"), Some(1_795_256_197));
        assert_eq!(parse_date("yesterday"), None);
    }

    #[test]
    fn release_text() {
        let release = ReleaseFile {
            origin: Some("aptkit".into()),
            suite: Some("stable".into()),
            codename: Some("bookworm".into()),
            date: Some(1_795_256_197),
            architectures: vec!["amd64".into()],
            components: vec!["main".into()],
            acquire_by_hash: true,
            files: vec![IndexFile { path: "main/binary-amd64/Packages".into(), digests: FileDigests::of_bytes(b"") }],
            ..Default::default()
        };
        assert_eq!(
            release.to_text(),
            "Origin: aptkit\nSuite: stable\nCodename: bookworm\nDate: Sat, 21 Nov 2026 10:16:37 UTC\nAcquire-By-Hash: yes\n\
             Architectures: amd64\nComponents: main\nMD5Sum:\n d41d8cd98f00b204e9800998ecf8427e        0 main/binary-amd64/Packages\n\
             SHA256:\n e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855        0 main/binary-amd64/Packages\n"
        );
    }
}
