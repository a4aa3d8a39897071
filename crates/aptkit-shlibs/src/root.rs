//! The target root: the system the packages will be installed on (`/`, a
//! chroot, or a stub root exported from a build container). Only its dpkg
//! database, `etc/ld.so.conf*` and `etc/dpkg/` are read; its library files
//! may be zero-length copies (`cp -a --attributes-only`), so their contents
//! are used only when they are real.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::paths::{self, Kind};
use crate::{Error, Result};

#[derive(Debug)]
pub struct TargetRoot {
    path: PathBuf,
    /// Installed path -> the packages whose `.list` names it (what
    /// `dpkg-query --search` answers).
    owners: OnceLock<HashMap<String, Vec<String>>>,
}

impl TargetRoot {
    pub fn new(path: impl Into<PathBuf>) -> TargetRoot {
        TargetRoot { path: path.into(), owners: OnceLock::new() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The host path of an absolute path inside the root.
    pub fn host_path(&self, path: &str) -> PathBuf {
        self.path.join(path.trim_start_matches('/'))
    }

    /// The canonical path of the regular file `path` names in the root.
    pub fn resolve_file(&self, path: &str) -> Option<String> {
        paths::resolve_file(path, &|p: &str| self.kind(p))
    }

    fn kind(&self, path: &str) -> Option<Kind> {
        let host = self.host_path(path);
        let meta = std::fs::symlink_metadata(&host).ok()?;
        if meta.file_type().is_symlink() {
            let target = std::fs::read_link(&host).ok()?;
            return Some(Kind::Symlink(target.to_string_lossy().into_owned()));
        }
        Some(if meta.is_dir() { Kind::Dir } else { Kind::File })
    }

    /// The packages owning `path` (as the dpkg database spells it).
    pub fn owners(&self, path: &str) -> Result<&[String]> {
        if self.owners.get().is_none() {
            let index = self.read_owners()?;
            let _ = self.owners.set(index);
        }
        Ok(self.owners.get().expect("set above").get(path).map(Vec::as_slice).unwrap_or(&[]))
    }

    fn read_owners(&self) -> Result<HashMap<String, Vec<String>>> {
        let info = self.host_path("var/lib/dpkg/info");
        let mut index: HashMap<String, Vec<String>> = HashMap::new();
        let entries = match std::fs::read_dir(&info) {
            Ok(entries) => entries,
            // No dpkg database: nothing is packaged (only building packages resolve).
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(index),
            Err(source) => return Err(Error::Read { path: info, source }),
        };
        let mut lists: Vec<(String, PathBuf)> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name.strip_suffix(".list").map(|pkg| (pkg.to_string(), e.path()))
            })
            .collect();
        lists.sort();
        for (package, list) in lists {
            let text = fs_err::read_to_string(&list).map_err(Error::read(&list))?;
            for line in text.lines().filter(|l| !l.is_empty()) {
                index.entry(line.to_string()).or_default().push(package.clone());
            }
        }
        Ok(index)
    }

    /// `var/lib/dpkg/info/<package>.<what>` when it exists (what
    /// `dpkg-query --control-path` answers).
    pub fn control_file(&self, package: &str, what: &str) -> Option<PathBuf> {
        let path = self.host_path(&format!("var/lib/dpkg/info/{package}.{what}"));
        path.is_file().then_some(path)
    }

    /// A file of the root's dpkg configuration (`etc/dpkg/shlibs.default`).
    pub fn config_file(&self, relative: &str) -> Option<PathBuf> {
        let path = self.host_path(&format!("etc/dpkg/{relative}"));
        path.is_file().then_some(path)
    }

    /// Directories listed by `etc/ld.so.conf` and the files it includes, in
    /// order, as dpkg's parse_ldso_conf reads them (globs expanded inside
    /// the root).
    pub fn ld_so_conf_dirs(&self) -> Result<Vec<String>> {
        let mut dirs = Vec::new();
        let mut visited = Vec::new();
        self.parse_ld_so_conf("/etc/ld.so.conf", &mut dirs, &mut visited)?;
        Ok(dirs)
    }

    fn parse_ld_so_conf(&self, file: &str, dirs: &mut Vec<String>, visited: &mut Vec<String>) -> Result<()> {
        let host = self.host_path(file);
        let text = match std::fs::read_to_string(&host) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(source) => return Err(Error::Read { path: host, source }),
        };
        visited.push(file.to_string());
        for raw in text.lines() {
            let line = raw.trim_end().trim_end_matches('/');
            if line.trim().is_empty() {
                continue;
            }
            if let Some(pattern) = line.strip_prefix("include").filter(|r| r.starts_with(char::is_whitespace)) {
                let pattern = pattern.trim();
                let absolute = if pattern.starts_with('/') {
                    pattern.to_string()
                } else {
                    let parent = file.rsplit_once('/').map_or("", |(p, _)| p);
                    format!("{parent}/{pattern}")
                };
                for include in self.glob(&absolute) {
                    if !visited.contains(&include) {
                        self.parse_ld_so_conf(&include, dirs, visited)?;
                    }
                }
            } else if line.trim_start().starts_with('/') {
                let dir = line.trim_start().to_string();
                if !dirs.contains(&dir) {
                    dirs.push(dir);
                }
            }
        }
        Ok(())
    }

    /// Expand a glob given as a path inside the root; results are paths
    /// inside the root, sorted (as Perl's glob sorts them).
    fn glob(&self, pattern: &str) -> Vec<String> {
        let host_pattern = self.host_path(pattern);
        let prefix = self.path.to_string_lossy().trim_end_matches('/').to_string();
        let mut found: Vec<String> = glob::glob(&host_pattern.to_string_lossy())
            .map(|paths| {
                paths
                    .filter_map(|p| p.ok())
                    .filter_map(|p| p.to_string_lossy().strip_prefix(&prefix).map(paths::tidy))
                    .collect()
            })
            .unwrap_or_default();
        found.sort();
        found
    }
}
