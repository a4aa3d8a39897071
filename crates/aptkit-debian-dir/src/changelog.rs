//! The changelog entry of a rebuild: one source packaged for several
//! distributions gets, in each package's changelog, an entry of its own
//! version and distribution above the source's own entries.

use crate::{ChangelogEntry, DebianDir};

/// The entry's text, blank line after it included, in debian/changelog's
/// format (deb-changelog(5)).
pub(crate) fn entry(dir: &DebianDir, entry: &ChangelogEntry, version: &str, epoch: u64) -> Vec<u8> {
    let maintainer = dir.source.get("Maintainer").unwrap_or_default();
    // Never older than the entry below it: a changelog reads newest first.
    let when = (epoch as i64).max(dir.changelog.timestamp);
    format!(
        "{source} ({version}) {distribution}; urgency=medium\n\n  * {change}\n\n -- {maintainer}  {date}\n\n",
        source = dir.source_name(),
        distribution = entry.distribution,
        change = entry.change,
        date = format_date(when),
    )
    .into_bytes()
}

/// A changelog trailer's date, `Wed, 02 Dec 2026 05:35:32 +0000`, in UTC.
pub fn format_date(epoch: i64) -> String {
    let when = chrono::DateTime::from_timestamp(epoch, 0).unwrap_or_default();
    when.format("%a, %d %b %Y %H:%M:%S +0000").to_string()
}

#[cfg(test)]
mod tests {
    use super::format_date;

    #[test]
    fn dates_read_as_date_r_writes_them() {
        assert_eq!(format_date(0), "Thu, 01 Jan 1970 00:00:00 +0000");
        assert_eq!(format_date(1_796_189_732), "Wed, 02 Dec 2026 05:35:32 +0000");
        assert_eq!(format_date(951_782_400), "Tue, 29 Feb 2000 00:00:00 +0000");
    }
}
