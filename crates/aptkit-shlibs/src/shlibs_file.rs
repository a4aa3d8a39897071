//! shlibs files (deb-shlibs(5)): `[type: ]library version dependencies`,
//! as dpkg-shlibdeps' extract_from_shlibs reads them.

use std::path::{Path, PathBuf};

use crate::{Error, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShlibsLine {
    /// `udeb` in `udeb: libfoo 1 libfoo1-udeb`; `None` for every type.
    pub package_type: Option<String>,
    pub library: String,
    pub version: String,
    pub dependency: String,
}

#[derive(Debug, Clone, Default)]
pub struct ShlibsFile {
    pub path: PathBuf,
    pub lines: Vec<ShlibsLine>,
}

impl ShlibsFile {
    pub fn load(path: &Path) -> Result<ShlibsFile> {
        let text = fs_err::read_to_string(path).map_err(Error::read(path))?;
        ShlibsFile::parse(&text, path)
    }

    /// Comments (`#` first) and blank lines are skipped; a line that is none
    /// of the forms above is an error naming the file and line (dpkg only
    /// warns and skips it, which hides a typo until a dependency is missing).
    pub fn parse(text: &str, path: &Path) -> Result<ShlibsFile> {
        let mut lines = Vec::new();
        for (index, raw) in text.lines().enumerate() {
            let trimmed = raw.trim();
            if raw.starts_with('#') || trimmed.is_empty() {
                continue;
            }
            let mut words = trimmed.split_whitespace().peekable();
            let package_type = match words.peek() {
                Some(w) if w.ends_with(':') && w.len() > 1 => {
                    let t = w.trim_end_matches(':').to_string();
                    words.next();
                    Some(t)
                }
                _ => None,
            };
            let (Some(library), Some(version)) = (words.next(), words.next()) else {
                return Err(Error::Syntax {
                    path: path.to_path_buf(),
                    line: index + 1,
                    message: format!("cannot parse shlibs line `{raw}` (expected `library soversion dependencies`)"),
                });
            };
            let dependency = words.collect::<Vec<_>>().join(" ");
            lines.push(ShlibsLine {
                package_type,
                library: library.to_string(),
                version: version.to_string(),
                dependency,
            });
        }
        Ok(ShlibsFile { path: path.to_path_buf(), lines })
    }

    /// The dependency for `soname` in a `deb` package: a line of type `deb`
    /// wins, else the first untyped line (dpkg's rule).
    pub fn dependency_for(&self, soname: &str) -> Option<&str> {
        let (name, version) = split_soname(soname)?;
        let mut found = None;
        for line in &self.lines {
            if line.library != name || line.version != version {
                continue;
            }
            match &line.package_type {
                Some(t) if t == "deb" => return Some(&line.dependency),
                Some(_) => {}
                None => {
                    found.get_or_insert(line.dependency.as_str());
                }
            }
        }
        found
    }
}

/// `libfoo.so.1.2` -> (`libfoo`, `1.2`); `libfoo-2.0.so` -> (`libfoo`,
/// `2.0`); anything else has no name and version (dpkg's split_soname).
pub fn split_soname(soname: &str) -> Option<(&str, &str)> {
    if let Some(i) = soname.rfind(".so.") {
        // Perl's `^(.+)\.so\.(.+)$` is greedy: the last `.so.` splits.
        let (name, version) = (&soname[..i], &soname[i + 4..]);
        if !name.is_empty() && !version.is_empty() {
            return Some((name, version));
        }
    }
    let stem = soname.strip_suffix(".so")?;
    // `^(.+)-(\d.*)\.so$`, greedy too: the last dash before a digit.
    let dash = stem
        .char_indices()
        .rev()
        .filter(|(_, c)| *c == '-')
        .map(|(i, _)| i)
        .find(|&i| i > 0 && stem[i + 1..].starts_with(|c: char| c.is_ascii_digit()))?;
    Some((&stem[..dash], &stem[dash + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_dependency_of_a_soname() {
        let text = "# comment\nlibgreet 1 libgreet1 (>= 1.0)\nudeb: libgreet 1 libgreet1-udeb (>= 1.0)\n\nlibz 1 zlib1g (>= 1:1.2.0)\n";
        let file = ShlibsFile::parse(text, Path::new("shlibs")).unwrap();
        assert_eq!(file.dependency_for("libgreet.so.1"), Some("libgreet1 (>= 1.0)"));
        assert_eq!(file.dependency_for("libz.so.1"), Some("zlib1g (>= 1:1.2.0)"));
        assert_eq!(file.dependency_for("libz.so.2"), None);
        let typed = ShlibsFile::parse("libfoo 1 libfoo1\ndeb: libfoo 1 libfoo1 (>= 2)\n", Path::new("s")).unwrap();
        assert_eq!(typed.dependency_for("libfoo.so.1"), Some("libfoo1 (>= 2)"));
    }

    #[test]
    fn a_malformed_line_names_the_file_and_line() {
        let err = ShlibsFile::parse("libgreet 1 libgreet1\nlibbroken\n", Path::new("debian/shlibs.local")).unwrap_err();
        assert!(err.to_string().starts_with("debian/shlibs.local:2: "), "{err}");
    }

    #[test]
    fn splits_sonames_as_dpkg() {
        assert_eq!(split_soname("libc.so.6"), Some(("libc", "6")));
        assert_eq!(split_soname("libfoo.so.1.2.3"), Some(("libfoo", "1.2.3")));
        assert_eq!(split_soname("libfoo-2.0.so"), Some(("libfoo", "2.0")));
        assert_eq!(split_soname("libfoo-bar-2.so"), Some(("libfoo-bar", "2")));
        assert_eq!(split_soname("libfoo-2.0-3.so"), Some(("libfoo-2.0", "3")));
        assert_eq!(split_soname("libfoo.so"), None);
        assert_eq!(split_soname("ld-linux-x86-64.so.2"), Some(("ld-linux-x86-64", "2")));
    }
}
