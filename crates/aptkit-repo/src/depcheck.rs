//! Dependency closure: every `Depends` and `Pre-Depends` of a package set
//! must be satisfiable by the set itself plus declared base indices (the
//! distribution's own `Packages` files), per architecture.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::io::{BufRead, Read};
use std::path::Path;

use aptkit_compress::decompress::{self, Codec, OutputLimitExceeded};

use crate::package_set::PackageSet;
use crate::set_ops::compare_versions;
use crate::{Error, Result};

#[derive(Debug, Clone)]
struct Provider {
    /// `None` for an unversioned `Provides`.
    version: Option<String>,
    arch: String,
}

/// Everything that can satisfy a dependency: real packages and `Provides`.
#[derive(Debug, Clone, Default)]
pub struct Universe {
    by_name: HashMap<String, Vec<Provider>>,
    packages: usize,
}

/// One dependency that nothing satisfies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsatisfied {
    /// `name_version_arch` of the package that has the dependency.
    pub package: String,
    /// The architecture it was checked for (matters for `all` packages).
    pub architecture: String,
    pub field: String,
    /// The whole relation item, alternatives included.
    pub relation: String,
}

impl std::fmt::Display for Unsatisfied {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}: {}", self.package, self.architecture, self.field, self.relation)
    }
}

impl Universe {
    pub fn new() -> Self {
        Self::default()
    }

    /// How many packages were added (base indices and sets).
    pub fn len(&self) -> usize {
        self.packages
    }

    pub fn is_empty(&self) -> bool {
        self.packages == 0
    }

    fn add(&mut self, name: &str, version: &str, arch: &str, provides: Option<&str>) {
        self.packages += 1;
        self.by_name
            .entry(name.to_string())
            .or_default()
            .push(Provider { version: Some(version.to_string()), arch: arch.to_string() });
        for item in provides.unwrap_or("").split(',').filter(|i| !i.trim().is_empty()) {
            let (pname, constraint) = parse_relation(item);
            let version = constraint.filter(|(op, _)| op == "=").map(|(_, v)| v);
            self.by_name.entry(pname).or_default().push(Provider { version, arch: arch.to_string() });
        }
    }

    pub fn add_set(&mut self, set: &PackageSet) {
        for r in set.iter() {
            self.add(r.name(), r.version(), r.arch(), r.get("Provides"));
        }
    }

    /// Add a `Packages` file (plain, `.gz`, `.xz`, `.zst`, `.bz2` or `.lz4`,
    /// by its name, else by its first bytes), e.g. a distribution's own
    /// index from `/var/lib/apt/lists` (which apt may keep lz4-compressed)
    /// or a mirror. It is read into memory whole: no more than
    /// [`aptkit_index::MAX_PACKAGES_SIZE`] of it, decompressed.
    pub fn add_index_file(&mut self, path: &Path) -> Result<usize> {
        let read_err = |source| Error::Read { path: path.to_path_buf(), source };
        let mut file = std::io::BufReader::new(fs_err::File::open(path).map_err(read_err)?);
        let codec = match Codec::from_file_name(&path.to_string_lossy()) {
            Codec::Plain => Codec::from_magic(file.fill_buf().map_err(read_err)?),
            named => named,
        };
        let limit = aptkit_index::MAX_PACKAGES_SIZE;
        let mut text = String::new();
        decompress::decoder(codec, file, limit).and_then(|mut d| d.read_to_string(&mut text)).map_err(|e| {
            match OutputLimitExceeded::in_error(&e) {
                Some(_) => Error::BadControl {
                    path: path.to_path_buf(),
                    reason: format!("not a Packages file: it expands past {limit} bytes"),
                },
                None => read_err(e),
            }
        })?;
        let before = self.packages;
        for para in deb822_fast::borrowed::iter_paragraphs_borrowed(&text) {
            let para = para.map_err(|e| Error::BadControl {
                path: path.to_path_buf(),
                reason: format!("not a Packages file: {e}"),
            })?;
            let (Some(name), Some(version), Some(arch)) =
                (para.get_single("Package"), para.get_single("Version"), para.get_single("Architecture"))
            else {
                continue;
            };
            let provides = para.get("Provides").map(|lines| lines.join(" "));
            self.add(name, version, arch, provides.as_deref());
        }
        Ok(self.packages - before)
    }

    fn satisfies(&self, item: &str, arch: &str) -> bool {
        let (name, constraint) = parse_relation(item);
        let any_arch = item.contains(":any");
        let Some(providers) = self.by_name.get(&name) else { return false };
        providers.iter().any(|p| {
            let arch_ok = any_arch || p.arch == arch || p.arch == "all";
            let version_ok = match (&constraint, &p.version) {
                (None, _) => true,
                (Some(_), None) => false,
                (Some((op, want)), Some(have)) => {
                    let ord = compare_versions(have, want);
                    match op.as_str() {
                        "<<" | "<" => ord == Ordering::Less,
                        "<=" => ord != Ordering::Greater,
                        "=" => ord == Ordering::Equal,
                        ">=" => ord != Ordering::Less,
                        _ => ord == Ordering::Greater,
                    }
                }
            };
            arch_ok && version_ok
        })
    }
}

/// `libc6:any (>= 2.34)` -> (`libc6`, Some((`>=`, `2.34`))).
fn parse_relation(item: &str) -> (String, Option<(String, String)>) {
    let item = item.trim();
    let (head, constraint) = match item.find('(') {
        Some(open) => {
            let inner = item[open + 1..].split(')').next().unwrap_or("").trim();
            let split = inner.find(|c: char| !matches!(c, '<' | '>' | '=')).unwrap_or(inner.len());
            (&item[..open], Some((inner[..split].to_string(), inner[split..].trim().to_string())))
        }
        None => (item, None),
    };
    let name = head.split_whitespace().next().unwrap_or("").split(':').next().unwrap_or("").to_string();
    (name, constraint)
}

/// Every unsatisfiable `Pre-Depends`/`Depends` item of `set`, checked for
/// each architecture in `architectures` (arch `all` packages for each).
pub fn check(set: &PackageSet, architectures: &[String], base: &Universe) -> Vec<Unsatisfied> {
    let mut universe = base.clone();
    universe.add_set(set);
    let mut problems = Vec::new();
    for arch in architectures {
        for r in set.iter().filter(|r| r.arch() == arch || r.arch() == "all") {
            for field in ["Pre-Depends", "Depends"] {
                let Some(value) = r.get(field) else { continue };
                for item in value.split(',').map(str::trim).filter(|i| !i.is_empty()) {
                    if !item.split('|').any(|alt| universe.satisfies(alt, arch)) {
                        problems.push(Unsatisfied {
                            package: r.key(),
                            architecture: arch.clone(),
                            field: field.to_string(),
                            relation: item.to_string(),
                        });
                    }
                }
            }
        }
    }
    problems.sort_by(|a, b| (&a.package, &a.architecture).cmp(&(&b.package, &b.architecture)));
    problems.dedup_by(|a, b| a.package == b.package && a.relation == b.relation && a.field == b.field);
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::package_set::PackageRecord;
    use aptkit_control::Paragraph;

    fn rec(name: &str, version: &str, arch: &str, fields: &[(&str, &str)]) -> PackageRecord {
        let mut p = Paragraph::new();
        p.set("Package", name);
        p.set("Version", version);
        p.set("Architecture", arch);
        for (k, v) in fields {
            p.set(k, *v);
        }
        PackageRecord::from_paragraph(&p)
    }

    #[test]
    fn finds_what_nothing_satisfies() {
        let mut set = PackageSet::new();
        set.insert(rec(
            "hello",
            "1.0-1",
            "amd64",
            &[("Depends", "libc6 (>= 2.34), hello-data (= 1.0-1), mta | postfix, virt")],
        ));
        set.insert(rec("hello-data", "1.0-1", "all", &[("Depends", "perl:any")]));
        set.insert(rec("virt-provider", "1", "amd64", &[("Provides", "virt")]));
        let mut base = Universe::new();
        base.add("libc6", "2.36-9", "amd64", None);
        base.add("postfix", "3.7", "amd64", Some("mail-transport-agent"));
        let problems = check(&set, &["amd64".to_string()], &base);
        let text: Vec<String> = problems.iter().map(|p| p.relation.clone()).collect();
        assert_eq!(text, ["perl:any"]);
        base.add("perl", "5.36", "amd64", None);
        assert!(check(&set, &["amd64".to_string()], &base).is_empty());
        set.insert(rec("new", "1", "amd64", &[("Pre-Depends", "libc6 (>= 2.99)")]));
        let problems = check(&set, &["amd64".to_string()], &base);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].to_string(), "new_1_amd64 (amd64): Pre-Depends: libc6 (>= 2.99)");
    }

    /// Base indices as apt keeps them, compressed by the real tools
    /// (scripts/install-test-tools.sh), and a gzip one with no `.gz`.
    #[test]
    fn reads_base_indices_in_every_compression_apt_keeps() {
        let dir = tempfile::tempdir().unwrap();
        let text = "Package: libc6\nVersion: 2.36-9\nArchitecture: amd64\n\nPackage: perl\nVersion: 5.36\nArchitecture: amd64\nProvides: perl-base\n";
        let plain = dir.path().join("Packages");
        std::fs::write(&plain, text).unwrap();
        let compressed = |program: &str| {
            let out = std::process::Command::new(program).arg("-c").arg(&plain).output().unwrap();
            assert!(out.status.success(), "{program} must be installed (scripts/install-test-tools.sh)");
            out.stdout
        };
        let mut files = vec![plain.clone()];
        for (extension, program) in
            [(".gz", "gzip"), (".xz", "xz"), (".zst", "zstd"), (".bz2", "bzip2"), (".lz4", "lz4")]
        {
            let path = dir.path().join(format!("Packages{extension}"));
            std::fs::write(&path, compressed(program)).unwrap();
            files.push(path);
        }
        let unnamed = dir.path().join("gzip_Packages");
        std::fs::write(&unnamed, compressed("gzip")).unwrap();
        files.push(unnamed);
        for file in files {
            let mut universe = Universe::new();
            assert_eq!(universe.add_index_file(&file).unwrap(), 2, "{}", file.display());
            assert!(universe.satisfies("perl-base", "amd64"), "{}", file.display());
        }
    }
}
