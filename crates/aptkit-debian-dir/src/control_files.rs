//! The members of `control.tar` besides `control` and `md5sums`:
//! conffiles, maintainer scripts, triggers and shlibs (what dh_installdeb
//! and dh_makeshlibs produce).

use aptkit_deb::{ControlFile, FileSource, Node, Tree, TreePath};

use crate::source::{read_config, DebianDir, MAINTAINER_SCRIPTS};
use crate::{fixups, Error, Result};

pub(crate) struct ControlInputs<'a> {
    pub dir: &'a DebianDir,
    pub package: &'a str,
    pub host_arch: &'a str,
    pub upstream_version: &'a str,
}

impl ControlInputs<'_> {
    pub fn control_files(&self, tree: &Tree) -> Result<Vec<ControlFile>> {
        let mut files = Vec::new();
        if let Some(conffiles) = self.conffiles(tree)? {
            files.push(ControlFile { name: "conffiles".into(), contents: conffiles, executable: false });
        }
        for script in MAINTAINER_SCRIPTS {
            if let Some(contents) = self.maintainer_script(script)? {
                files.push(ControlFile { name: (*script).into(), contents, executable: true });
            }
        }
        let libraries = shared_libraries(tree)?;
        if let Some(shlibs) = self.shlibs(&libraries)? {
            files.push(ControlFile { name: "shlibs".into(), contents: shlibs, executable: false });
        }
        if let Some(triggers) = self.triggers(!libraries.is_empty())? {
            files.push(ControlFile { name: "triggers".into(), contents: triggers, executable: false });
        }
        Ok(files)
    }

    /// `debian/<pkg>.conffiles` plus every regular file under `/etc`.
    fn conffiles(&self, tree: &Tree) -> Result<Option<Vec<u8>>> {
        let mut list: Vec<String> = Vec::new();
        if let Some(file) = self.dir.package_file(self.package, "conffiles") {
            for line in read_config(&file, self.host_arch)? {
                for word in &line.words {
                    let path = TreePath::new(word).map_err(|_| Error::Escapes {
                        path: file.clone(),
                        line: line.line,
                        value: word.clone(),
                        what: "package root",
                    })?;
                    if !matches!(tree.get(&path).map(|e| &e.node), Some(Node::File { .. })) {
                        return Err(Error::Syntax {
                            path: file.clone(),
                            line: line.line,
                            message: format!("conffile `{path}` is not a regular file in package `{}`", self.package),
                        });
                    }
                    list.push(path.to_string());
                }
            }
        }
        for (path, entry) in tree.iter() {
            if path.starts_with("etc") && matches!(entry.node, Node::File { .. }) {
                list.push(path.to_string());
            }
        }
        list.sort();
        list.dedup();
        Ok((!list.is_empty()).then(|| list.iter().map(|p| format!("{p}\n")).collect::<String>().into_bytes()))
    }

    /// `debian/<pkg>.<script>` with `#DEBHELPER#` replaced by the content of
    /// `debian/<pkg>.<script>.debhelper` (or nothing). A snippet without a
    /// template becomes a script of its own, as dh_installdeb makes it.
    fn maintainer_script(&self, script: &str) -> Result<Option<Vec<u8>>> {
        let template = self.dir.package_file(self.package, script);
        let snippet_path = self.dir.debian.join(format!("{}.{script}.debhelper", self.package));
        let snippet = match fs_err::read_to_string(&snippet_path) {
            Ok(s) => Some(s),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(source) => return Err(Error::Read { path: snippet_path, source }),
        };
        let Some(template) = template else {
            return Ok(snippet.map(|s| format!("#!/bin/sh\nset -e\n{s}").into_bytes()));
        };
        let text = fs_err::read_to_string(&template).map_err(Error::read(&template))?;
        if !text.starts_with("#!") {
            return Err(Error::Syntax {
                path: template,
                line: 1,
                message: "a maintainer script must start with `#!` (e.g. `#!/bin/sh`)".into(),
            });
        }
        // As dh_installdeb: the token is replaced in place, so a line holding
        // only `#DEBHELPER#` becomes the snippet (or an empty line).
        let out = text.replace("#DEBHELPER#", snippet.as_deref().unwrap_or("").trim_end_matches('\n'));
        Ok(Some(out.into_bytes()))
    }

    /// `debian/<pkg>.shlibs` as given, or one line per public shared library:
    /// `libname soversion package (>= upstream-version)`.
    fn shlibs(&self, libraries: &[(String, String)]) -> Result<Option<Vec<u8>>> {
        if let Some(file) = self.dir.package_file(self.package, "shlibs") {
            return Ok(Some(fs_err::read(&file).map_err(Error::read(&file))?));
        }
        let mut lines: Vec<String> = libraries
            .iter()
            .map(|(name, version)| format!("{name} {version} {} (>= {})\n", self.package, self.upstream_version))
            .collect();
        lines.sort();
        lines.dedup();
        Ok((!lines.is_empty()).then(|| lines.concat().into_bytes()))
    }

    /// `debian/<pkg>.triggers`, plus the ldconfig trigger a package with
    /// public shared libraries needs (dh_makeshlibs adds it since compat 9).
    fn triggers(&self, has_libraries: bool) -> Result<Option<Vec<u8>>> {
        let mut text = match self.dir.package_file(self.package, "triggers") {
            Some(file) => fs_err::read_to_string(&file).map_err(Error::read(&file))?,
            None => String::new(),
        };
        if has_libraries && !text.lines().any(|l| l.split_whitespace().nth(1) == Some("ldconfig")) {
            if !text.is_empty() && !text.ends_with('\n') {
                text.push('\n');
            }
            text.push_str("# Triggers added by aptkit\nactivate-noawait ldconfig\n");
        }
        Ok((!text.is_empty()).then(|| text.into_bytes()))
    }
}

const PUBLIC_LIB_DIRS: &[&str] = &["lib", "usr/lib"];

/// `(library name, soname version)` for every ELF shared object with a
/// SONAME in a public library directory (`usr/lib`, `usr/lib/<triplet>`).
fn shared_libraries(tree: &Tree) -> Result<Vec<(String, String)>> {
    let mut found = Vec::new();
    for (path, entry) in tree.iter() {
        let Node::File { source, .. } = &entry.node else { continue };
        let Some(parent) = path.parent() else { continue };
        let in_lib_dir = PUBLIC_LIB_DIRS.iter().any(|d| {
            parent.as_str() == *d
                || parent
                    .as_str()
                    .strip_prefix(d)
                    .and_then(|r| r.strip_prefix('/'))
                    .is_some_and(|r| r.contains("-linux-") && !r.contains('/'))
        });
        if !in_lib_dir || !fixups::is_shared_library_name(path.file_name()) {
            continue;
        }
        let data = match source {
            FileSource::Bytes(b) => b.to_vec(),
            FileSource::Path(p) => fs_err::read(p).map_err(Error::read(p))?,
        };
        if let Some(soname) = elf_soname(&data) {
            if let Some(parsed) = split_soname(&soname) {
                found.push(parsed);
            }
        }
    }
    Ok(found)
}

/// `libfoo.so.1` -> (`libfoo`, `1`); `libfoo-2.0.so` -> (`libfoo`, `2.0`).
fn split_soname(soname: &str) -> Option<(String, String)> {
    if let Some((name, version)) = soname.split_once(".so.") {
        return Some((name.to_string(), version.to_string()));
    }
    let stem = soname.strip_suffix(".so")?;
    let (name, version) = stem.rsplit_once('-')?;
    version.starts_with(|c: char| c.is_ascii_digit()).then(|| (name.to_string(), version.to_string()))
}

fn elf_soname(data: &[u8]) -> Option<String> {
    use object::elf::{FileHeader32, FileHeader64};
    match object::FileKind::parse(data).ok()? {
        object::FileKind::Elf64 => soname_of::<FileHeader64<object::Endianness>>(data),
        object::FileKind::Elf32 => soname_of::<FileHeader32<object::Endianness>>(data),
        _ => None,
    }
}

fn soname_of<Elf: object::read::elf::FileHeader<Endian = object::Endianness>>(data: &[u8]) -> Option<String> {
    use object::read::elf::Dyn;
    let header = Elf::parse(data).ok()?;
    let endian = header.endian().ok()?;
    let sections = header.sections(endian, data).ok()?;
    // The index returned with the dynamic table is that of its string table.
    let (dynamic, strings_index) = sections.dynamic(endian, data).ok()??;
    let strings = sections.strings(endian, data, strings_index).ok()?;
    dynamic
        .iter()
        .find(|d| d.tag32(endian) == Some(object::elf::DT_SONAME))
        .and_then(|d| d.string(endian, strings).ok())
        .map(|s| String::from_utf8_lossy(s).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_sonames() {
        assert_eq!(split_soname("libgreet.so.1"), Some(("libgreet".into(), "1".into())));
        assert_eq!(split_soname("libfoo-2.0.so"), Some(("libfoo".into(), "2.0".into())));
        assert_eq!(split_soname("libfoo.so"), None);
    }

    #[test]
    fn reads_the_soname_of_a_real_library() {
        let libc = [
            "/lib/x86_64-linux-gnu/libc.so.6",
            "/usr/lib/x86_64-linux-gnu/libc.so.6",
            "/lib/aarch64-linux-gnu/libc.so.6",
        ]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .expect("a glibc to read");
        assert_eq!(elf_soname(&std::fs::read(libc).unwrap()).as_deref(), Some("libc.so.6"));
        assert_eq!(elf_soname(b"not an ELF file"), None);
    }
}
