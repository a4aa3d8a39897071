//! Nightly retention: a nightly suite keeps its newest N nightlies, by the
//! date in their upstream version, and the rest leave the suite. Their pool
//! files stay until `aptkit gc`, after its grace period, finds nothing
//! referring to them (a client that read the old index can still fetch
//! them meanwhile).
//!
//! Only nightly-shaped versions (`YYYY.MM.DD`) count and only they are ever
//! dropped: a release someone published to the nightly suite by hand, or
//! a package of another upstream version, stays.

use std::collections::BTreeSet;

use aptkit_build::source::SourceKind;

/// The upstream part of a Debian version: without the epoch (`N:`) and
/// the revision (after the last `-`).
pub fn upstream_of(debian_version: &str) -> &str {
    let without_epoch = match debian_version.split_once(':') {
        Some((epoch, rest)) if !epoch.is_empty() && epoch.chars().all(|c| c.is_ascii_digit()) => rest,
        _ => debian_version,
    };
    match without_epoch.rsplit_once('-') {
        Some((upstream, _revision)) => upstream,
        None => without_epoch,
    }
}

/// Of the packages' Debian versions, the nightly upstream versions to drop
/// so that the newest `keep` remain, oldest first.
pub fn nightlies_to_drop<'a>(debian_versions: impl IntoIterator<Item = &'a str>, keep: usize) -> Vec<String> {
    let nightlies: BTreeSet<&str> = debian_versions
        .into_iter()
        .map(upstream_of)
        .filter(|v| matches!(SourceKind::of(v), Ok(SourceKind::Nightly)))
        .collect();
    // `YYYY.MM.DD` sorts by date as text.
    let drop = nightlies.len().saturating_sub(keep);
    nightlies.into_iter().take(drop).map(str::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_versions_lose_epoch_and_revision() {
        assert_eq!(upstream_of("2026.12.02-1~bookworm"), "2026.12.02");
        assert_eq!(upstream_of("1:2.0-3"), "2.0");
        assert_eq!(upstream_of("1.0-rc1-2"), "1.0-rc1");
        assert_eq!(upstream_of("7"), "7");
        assert_eq!(upstream_of("a:b"), "a:b");
    }

    #[test]
    fn eight_nightlies_keep_the_newest_seven() {
        let versions: Vec<String> = (1..=8).map(|d| format!("2026.12.{d:02}-1~bookworm")).collect();
        // Each nightly has several packages (and architectures): counted once.
        let many: Vec<&str> = versions.iter().chain(&versions).map(String::as_str).collect();
        assert_eq!(nightlies_to_drop(many, 7), ["2026.12.01"]);
        assert!(nightlies_to_drop(versions.iter().map(String::as_str), 8).is_empty());
        assert_eq!(nightlies_to_drop(versions.iter().map(String::as_str), 6), ["2026.12.01", "2026.12.02"]);
    }

    #[test]
    fn dates_order_across_months_and_years_and_releases_are_never_dropped() {
        let versions = ["2027.01.01-1", "2026.12.31-1", "2026.02.01-1", "1.3.0-1", "2026.13.01-1"];
        assert_eq!(nightlies_to_drop(versions, 2), ["2026.02.01"]);
        assert!(nightlies_to_drop(["1.0-1", "2.0-1"], 1).is_empty());
    }
}
