//! A distro folder's name: `DISTRO-NUMERIC_VERSION[-NAME]`.

/// The parts of `debian-12-bookworm` or `ubuntu-24.04-noble`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderName {
    /// `debian`: a lowercase letter, then lowercase letters and digits.
    pub distro: String,
    /// `12`, `24.04`: digits, in dot-separated groups.
    pub version: String,
    /// `bookworm`: lowercase letters and digits, in words joined by single
    /// hyphens (`bookworm-backports`).
    pub name: Option<String>,
}

impl FolderName {
    /// The name's parts, or why it has none.
    pub fn parse(text: &str) -> Result<FolderName, &'static str> {
        let lower_alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
        let mut parts = text.splitn(3, '-');
        let distro = parts.next().unwrap_or_default();
        let Some(version) = parts.next() else {
            return Err("no `-` between the distribution and its version number");
        };
        let name = parts.next();
        if distro.is_empty()
            || !distro.starts_with(|c: char| c.is_ascii_lowercase())
            || !distro.chars().all(lower_alnum)
        {
            return Err("the distribution is not a lowercase word (`debian`, `ubuntu`)");
        }
        if !version.split('.').all(|group| !group.is_empty() && group.chars().all(|c| c.is_ascii_digit())) {
            return Err("the version is not a number such as `12` or `24.04` (digits and dots)");
        }
        if let Some(name) = name {
            if !name.split('-').all(|word| !word.is_empty() && word.chars().all(lower_alnum)) {
                return Err("the version name is not lowercase words joined by `-` (`bookworm`)");
            }
        }
        Ok(FolderName { distro: distro.to_string(), version: version.to_string(), name: name.map(str::to_string) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_of_good_names() {
        let n = FolderName::parse("debian-12-bookworm").unwrap();
        assert_eq!((n.distro.as_str(), n.version.as_str(), n.name.as_deref()), ("debian", "12", Some("bookworm")));
        let n = FolderName::parse("ubuntu-24.04-noble").unwrap();
        assert_eq!((n.distro.as_str(), n.version.as_str(), n.name.as_deref()), ("ubuntu", "24.04", Some("noble")));
        let n = FolderName::parse("debian-13").unwrap();
        assert_eq!((n.version.as_str(), n.name), ("13", None));
        let n = FolderName::parse("debian-12-bookworm-backports").unwrap();
        assert_eq!(n.name.as_deref(), Some("bookworm-backports"));
        assert!(FolderName::parse("raspbian2-11.1.0-bullseye").is_ok());
    }

    #[test]
    fn bad_names_say_which_part_is_wrong() {
        for (bad, part) in [
            ("debian", "no `-`"),
            ("debian12", "no `-`"),
            ("Debian-12", "distribution"),
            ("-12-x", "distribution"),
            ("12-12", "distribution"),
            ("_shared-1", "distribution"),
            ("debian-bookworm", "version"),
            ("debian-12.", "version"),
            ("debian-.12", "version"),
            ("debian-12..1", "version"),
            ("debian--bookworm", "version"),
            ("debian-12-", "version name"),
            ("debian-12-Bookworm", "version name"),
            ("debian-12-book_worm", "version name"),
            ("debian-12-a--b", "version name"),
            ("debian-12-bookworm ", "version name"),
        ] {
            let why = FolderName::parse(bad).unwrap_err();
            assert!(why.contains(part), "{bad}: {why}");
        }
    }
}
