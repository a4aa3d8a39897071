//! Loading `debian/`: control, changelog and the per-package debhelper files.

use std::path::{Path, PathBuf};

use aptkit_control::{parse_paragraphs, valid_package_name, ChangelogHead, Paragraph};

use crate::{arch, Error, Result};

/// Per-package files aptkit understands, `debian/<package>.<ext>`.
pub const PACKAGE_FILE_EXTENSIONS: &[&str] = &[
    "install",
    "dirs",
    "links",
    "docs",
    "conffiles",
    "triggers",
    "shlibs",
    "symbols",
    "substvars",
    "copyright",
    "lintian-overrides",
    "preinst",
    "postinst",
    "prerm",
    "postrm",
];

pub const MAINTAINER_SCRIPTS: &[&str] = &["preinst", "postinst", "prerm", "postrm"];

/// A source tree's `debian/` directory, read and checked.
#[derive(Debug, Clone)]
pub struct DebianDir {
    pub root: PathBuf,
    pub debian: PathBuf,
    pub control_path: PathBuf,
    pub source: Paragraph,
    pub binaries: Vec<Paragraph>,
    pub changelog_path: PathBuf,
    pub changelog: ChangelogHead,
}

impl DebianDir {
    pub fn load(root: &Path) -> Result<Self> {
        let debian = root.join("debian");
        if !debian.is_dir() {
            return Err(Error::MissingFile { path: debian, why: "a source tree needs a debian/ directory" });
        }
        let control_path = debian.join("control");
        let text = read_text(&control_path, "debian/control lists the packages to build")?;
        let mut paragraphs = parse_paragraphs(&text).map_err(|e| Error::syntax(&control_path, &e))?.into_iter();
        let source = paragraphs.next().ok_or_else(|| Error::Syntax {
            path: control_path.clone(),
            line: 1,
            message: "no source paragraph".into(),
        })?;
        require(&control_path, &source, &["Source", "Maintainer"])?;
        let binaries: Vec<Paragraph> = paragraphs.collect();
        if binaries.is_empty() {
            return Err(Error::Syntax {
                path: control_path,
                line: source.line,
                message: "no binary package paragraph after the source paragraph".into(),
            });
        }
        for para in &binaries {
            require(&control_path, para, &["Package", "Architecture", "Description"])?;
            let name = para.get("Package").unwrap_or_default();
            if !valid_package_name(name) {
                return Err(Error::Syntax {
                    path: control_path.clone(),
                    line: para.field("Package").map_or(para.line, |f| f.line),
                    message: format!("invalid package name `{name}`"),
                });
            }
        }
        let changelog_path = debian.join("changelog");
        let text = read_text(&changelog_path, "debian/changelog gives the version and the build date")?;
        let changelog = ChangelogHead::parse(&text).map_err(|e| Error::syntax(&changelog_path, &e))?;
        let dir =
            DebianDir { root: root.to_path_buf(), debian, control_path, source, binaries, changelog_path, changelog };
        dir.check_package_files()?;
        Ok(dir)
    }

    pub fn source_name(&self) -> &str {
        self.source.get("Source").unwrap_or_default()
    }

    pub fn package_names(&self) -> impl Iterator<Item = &str> {
        self.binaries.iter().map(|p| p.get("Package").unwrap_or_default())
    }

    /// `debian/<package>.<ext>`, or `debian/<ext>` for the first package, as
    /// debhelper looks them up.
    pub fn package_file(&self, package: &str, ext: &str) -> Option<PathBuf> {
        let specific = self.debian.join(format!("{package}.{ext}"));
        if specific.is_file() {
            return Some(specific);
        }
        let first = self.package_names().next() == Some(package);
        let generic = self.debian.join(ext);
        (first && generic.is_file()).then_some(generic)
    }

    /// A `debian/<name>.<ext>` whose `<name>` is no binary package is almost
    /// always a typo or a renamed package: refuse it rather than ignore it.
    fn check_package_files(&self) -> Result<()> {
        let entries = fs_err::read_dir(&self.debian).map_err(Error::read(&self.debian))?;
        let mut names: Vec<String> =
            entries.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        for file in names {
            let base = file.strip_suffix(".debhelper").unwrap_or(&file);
            let Some((package, ext)) = base.rsplit_once('.') else { continue };
            if !PACKAGE_FILE_EXTENSIONS.contains(&ext) || package.is_empty() {
                continue;
            }
            if !self.package_names().any(|p| p == package) {
                return Err(Error::UnknownPackage { path: self.debian.join(&file), package: package.to_string() });
            }
        }
        Ok(())
    }
}

fn read_text(path: &Path, why: &'static str) -> Result<String> {
    match fs_err::read_to_string(path) {
        Ok(text) => Ok(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Error::MissingFile { path: path.to_path_buf(), why }),
        Err(source) => Err(Error::Read { path: path.to_path_buf(), source }),
    }
}

fn require(path: &Path, para: &Paragraph, fields: &[&str]) -> Result<()> {
    for field in fields {
        if para.get(field).is_none_or(|v| v.trim().is_empty()) {
            return Err(Error::Syntax {
                path: path.to_path_buf(),
                line: para.line,
                message: format!("paragraph lacks the required field `{field}`"),
            });
        }
    }
    Ok(())
}

/// One meaningful line of a debhelper config file: its 1-based number and
/// whitespace-separated words, variables substituted.
#[derive(Debug, Clone)]
pub struct ConfigLine {
    pub line: usize,
    pub words: Vec<String>,
}

/// Read a debhelper config file: `#` comments and blank lines skipped,
/// `${DEB_HOST_MULTIARCH}` and friends substituted (debhelper compat 13).
pub fn read_config(path: &Path, arch_name: &str) -> Result<Vec<ConfigLine>> {
    let text = fs_err::read_to_string(path).map_err(Error::read(path))?;
    if text.starts_with("#!") {
        return Err(Error::Syntax {
            path: path.to_path_buf(),
            line: 1,
            message: "executable debhelper config files (dh-exec) are not supported".into(),
        });
    }
    let mut lines = Vec::new();
    for (idx, raw) in text.lines().enumerate() {
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let line = idx + 1;
        // Split first, then substitute, so that `${Space}` can put a space
        // inside a file name (that is what it is for).
        let words = trimmed
            .split_whitespace()
            .map(|w| substitute(w, arch_name))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|message| Error::Syntax { path: path.to_path_buf(), line, message })?;
        lines.push(ConfigLine { line, words });
    }
    Ok(lines)
}

fn substitute(text: &str, arch_name: &str) -> std::result::Result<String, String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find('}').ok_or_else(|| format!("unterminated variable in `{text}`"))?;
        let name = &after[..end];
        let value = match name {
            "Dollar" => "$".to_string(),
            "Space" => " ".to_string(),
            "Tab" => "\t".to_string(),
            _ if name.starts_with("env:") => std::env::var(&name[4..]).unwrap_or_default(),
            _ => arch::variable(arch_name, name)
                .ok_or_else(|| format!("unknown variable `${{{name}}}` for architecture `{arch_name}`"))?,
        };
        out.push_str(&value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}
