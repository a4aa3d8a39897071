//! `${shlibs:Depends}` (what dh_shlibdeps computes) and `DEBIAN/symbols`
//! (what dh_makeshlibs makes from `debian/<pkg>.symbols`), through
//! aptkit-shlibs.

use std::path::PathBuf;

use aptkit_deb::{ControlFile, FileSource, Node, Tree};
use aptkit_shlibs::elf::ElfObject;
use aptkit_shlibs::gensymbols::{self, ExportedLibrary};
use aptkit_shlibs::{BuildingPackage, Resolver, ShlibsFile, ShlibsVars, SymbolFile, TargetRoot};

use crate::source::DebianDir;
use crate::{arch, Error, Result};

/// Where shared libraries come from when computing `${shlibs:Depends}`.
#[derive(Debug, Clone)]
pub struct ShlibsTarget {
    /// The root of the system the packages are built for (`/` for the
    /// host): its dpkg database, `etc/ld.so.conf*` and library directories.
    /// Library files may be empty stubs.
    pub root: PathBuf,
}

/// One package's tree with the shlibs and symbols its siblings see.
pub(crate) struct Sibling<'t> {
    pub name: String,
    pub tree: &'t Tree,
    pub shlibs: Option<ShlibsFile>,
    pub symbols: Option<SymbolFile>,
}

impl<'t> Sibling<'t> {
    /// `shlibs` is the package's `shlibs` control member, as planned.
    pub fn new(
        dir: &DebianDir,
        name: &str,
        tree: &'t Tree,
        control_files: &[ControlFile],
        symbols: Option<SymbolFile>,
    ) -> Result<Sibling<'t>> {
        let shlibs = match control_files.iter().find(|f| f.name == "shlibs") {
            Some(member) => {
                let path = dir
                    .package_file(name, "shlibs")
                    .unwrap_or_else(|| PathBuf::from(format!("debian/{name}/DEBIAN/shlibs")));
                let text = String::from_utf8_lossy(&member.contents);
                Some(ShlibsFile::parse(&text, &path).map_err(|source| shlibs_error(name, source))?)
            }
            None => None,
        };
        Ok(Sibling { name: name.to_string(), tree, shlibs, symbols })
    }
}

fn shlibs_error(package: &str, source: aptkit_shlibs::Error) -> Error {
    Error::Shlibs { package: package.to_string(), source: Box::new(source) }
}

/// `debian/<pkg>.symbols` instantiated against the package's shared
/// libraries (dpkg-gensymbols); `None` without a template or libraries.
pub(crate) fn symbols_file(
    dir: &DebianDir,
    package: &str,
    version: &str,
    host_arch: &str,
    tree: &Tree,
) -> Result<Option<SymbolFile>> {
    let Some(template_path) = dir.package_file(package, "symbols") else { return Ok(None) };
    let template = SymbolFile::load(&template_path).map_err(|source| shlibs_error(package, source))?;
    let mut objects = Vec::new();
    for (path, entry) in tree.iter() {
        let Node::File { source, .. } = &entry.node else { continue };
        let data = match source {
            FileSource::Bytes(b) => b.to_vec(),
            FileSource::Path(p) => fs_err::read(p).map_err(Error::read(p))?,
        };
        let object = ElfObject::parse(&data).map_err(|message| Error::Package {
            package: package.to_string(),
            message: format!("{path}: not a readable ELF object: {message}"),
        })?;
        if let Some(object) = object.filter(|o| o.is_executable_or_shared && o.soname.is_some()) {
            objects.push(object);
        }
    }
    let libraries: Vec<ExportedLibrary> = objects
        .iter()
        .map(|o| ExportedLibrary { soname: o.soname.as_deref().expect("filtered"), exported: &o.exported })
        .collect();
    let file = gensymbols::instantiate(&template, package, version, host_arch, &libraries);
    Ok((!file.libraries.is_empty()).then_some(file))
}

/// `${shlibs:*}` of `package`, its siblings searched as dh_shlibdeps
/// would find them under `debian/<pkg>/`.
pub(crate) fn compute(
    root: &TargetRoot,
    dir: &DebianDir,
    siblings: &[Sibling<'_>],
    host_arch: &str,
    package: &str,
) -> Result<ShlibsVars> {
    let local_path = dir.debian.join("shlibs.local");
    let shlibs_local = match local_path.is_file() {
        true => Some(ShlibsFile::load(&local_path).map_err(|source| shlibs_error(package, source))?),
        false => None,
    };
    let build_depends = ["Build-Depends", "Build-Depends-Arch"]
        .iter()
        .filter_map(|f| dir.source.get(f))
        .map(|v| v.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join(", ");
    let packages: Vec<BuildingPackage> = siblings
        .iter()
        .map(|s| BuildingPackage {
            name: &s.name,
            tree: s.tree,
            shlibs: s.shlibs.as_ref(),
            symbols: s.symbols.as_ref(),
        })
        .collect();
    let cross = (host_arch != arch::host_arch()).then(|| arch::variable(host_arch, "DEB_HOST_MULTIARCH")).flatten();
    let resolver = Resolver {
        root,
        packages: &packages,
        shlibs_local: shlibs_local.as_ref(),
        build_depends: &build_depends,
        arch: host_arch,
        cross_multiarch: cross.as_deref(),
        library_dirs: &[],
    };
    resolver.package_depends(package).map_err(|source| shlibs_error(package, source))
}
