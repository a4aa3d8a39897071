use crate::{Error, Result, Version};

/// What packaging takes from the newest `debian/changelog` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangelogHead {
    pub source: String,
    pub version: Version,
    pub distribution: String,
    /// Seconds since the epoch of the entry's trailer date: the default
    /// SOURCE_DATE_EPOCH, as dpkg-buildpackage derives it.
    pub timestamp: i64,
}

impl ChangelogHead {
    /// Parse the newest entry of a changelog. Errors carry the 1-based line.
    pub fn parse(text: &str) -> Result<Self> {
        let parsed = debian_changelog::ChangeLog::parse(text);
        if let Some((message, offset)) = parsed.errors_with_offsets().first() {
            let offset = usize::from(*offset).min(text.len());
            let line = text[..offset].bytes().filter(|&b| b == b'\n').count() + 1;
            return Err(Error::Syntax { line, message: message.clone() });
        }
        let changelog = parsed.tree();
        let entry =
            changelog.iter().next().ok_or(Error::Syntax { line: 1, message: "no changelog entry found".into() })?;
        let line = entry.line() + 1;
        let syntax = |message: &str| Error::Syntax { line, message: message.to_string() };
        let source = entry.package().ok_or_else(|| syntax("entry has no package name"))?;
        let version = match entry.try_version() {
            Some(Ok(v)) => v,
            Some(Err(e)) => return Err(Error::Version { line, version: String::new(), message: e.to_string() }),
            None => return Err(syntax("entry has no version")),
        };
        let distribution = entry
            .distributions()
            .and_then(|d| d.into_iter().next())
            .ok_or_else(|| syntax("entry has no distribution"))?;
        let timestamp = entry
            .datetime()
            .ok_or_else(|| syntax("entry has no valid trailer date (` -- Name <email>  Date`)"))?
            .timestamp();
        Ok(Self { source, version, distribution, timestamp })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_newest_entry() {
        let text = "hello (2:1.0-2) bookworm; urgency=medium\n\n  * b\n\n -- A B <a@b.c>  Mon, 02 Nov 2026 10:00:00 +0100\n\nhello (1.0-1) unstable; urgency=low\n\n  * a\n\n -- A B <a@b.c>  Sun, 01 Nov 2026 10:00:00 +0000\n";
        let head = ChangelogHead::parse(text).unwrap();
        assert_eq!(head.source, "hello");
        assert_eq!(head.version.to_string(), "2:1.0-2");
        assert_eq!(head.distribution, "bookworm");
        assert_eq!(head.timestamp, 1_793_610_000);
    }

    #[test]
    fn garbage_and_empty_are_errors() {
        assert!(ChangelogHead::parse("").is_err());
        assert!(ChangelogHead::parse("garbage\n").is_err());
        let no_date = "hello (1.0-1) unstable; urgency=low\n\n  * a\n";
        assert!(ChangelogHead::parse(no_date).is_err());
    }
}
