//! `${shlibs:Depends}` computed natively, the way dh_shlibdeps and
//! dpkg-shlibdeps compute it, for packages being built in memory.
//!
//! For every dynamically linked ELF executable or shared library of a
//! package, each `DT_NEEDED` SONAME is looked for first in the packages
//! being built (the ELF's own package, then every sibling that has a shlibs
//! or symbols file), then in a [`TargetRoot`] — the system the packages are
//! built for, which need not be `/` and may be a stub root whose library
//! files are empty. The library's owner comes from the root's dpkg
//! database, its dependency from the owner's symbols file (the minimal
//! version every referenced `symbol@version` asks for) or shlibs file; a
//! sibling's comes from its `DEBIAN/shlibs` or `DEBIAN/symbols` and from
//! `debian/shlibs.local`.
//!
//! The result is what dpkg-shlibdeps writes for the same files: same
//! packages, versions, order. This crate reads files and never prints.

mod depends;
pub mod elf;
mod error;
pub mod gensymbols;
mod paths;
pub mod relations;
mod resolve;
mod root;
pub mod shlibs_file;
pub mod symbols;
mod version;

use std::collections::BTreeMap;

use aptkit_deb::{Tree, TreePath};

pub use depends::DepField;
pub use error::{Error, Result};
pub use root::TargetRoot;
pub use shlibs_file::ShlibsFile;
pub use symbols::SymbolFile;

/// A package being built from the same source: its tree and the control
/// files dh_makeshlibs would have given it.
#[derive(Debug, Clone, Copy)]
pub struct BuildingPackage<'a> {
    pub name: &'a str,
    pub tree: &'a Tree,
    /// Its `DEBIAN/shlibs`.
    pub shlibs: Option<&'a ShlibsFile>,
    /// Its `DEBIAN/symbols` (see [`gensymbols::instantiate`]).
    pub symbols: Option<&'a SymbolFile>,
}

/// Everything dependencies are resolved against.
#[derive(Debug, Clone)]
pub struct Resolver<'a> {
    pub root: &'a TargetRoot,
    /// All packages being built (siblings are searched in this order).
    pub packages: &'a [BuildingPackage<'a>],
    /// `debian/shlibs.local`: consulted first for every library.
    pub shlibs_local: Option<&'a ShlibsFile>,
    /// `Build-Depends` and `Build-Depends-Arch` of the source, joined with
    /// `, ` (for symbols files with `* Build-Depends-Package:`).
    pub build_depends: &'a str,
    /// The dpkg architecture of the packages (`amd64`).
    pub arch: &'a str,
    /// Multiarch directories searched before `/lib` and `/usr/lib`: dpkg
    /// does this when cross-building (`Some("aarch64-linux-gnu")`); a
    /// native build finds them through `etc/ld.so.conf.d` instead.
    pub cross_multiarch: Option<&'a str>,
    /// Extra library directories (dpkg-shlibdeps `-l`).
    pub library_dirs: &'a [String],
}

/// The `shlibs:*` substitution variables of one package.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShlibsVars {
    pub fields: BTreeMap<DepField, String>,
}

impl ShlibsVars {
    pub fn depends(&self) -> Option<&str> {
        self.fields.get(&DepField::Depends).map(String::as_str)
    }

    /// Without the relations `package` at `version` satisfies itself: a
    /// program using a library of its own package gets a dependency on
    /// that package from its shlibs file, which dpkg-gencontrol then drops
    /// (it simplifies relations against the package being built).
    pub fn without_self(mut self, package: &str, version: &str) -> ShlibsVars {
        for value in self.fields.values_mut() {
            let Ok(items) = relations::parse_list(value) else { continue };
            let kept: Vec<relations::Alternatives> = items
                .into_iter()
                .filter(|alternatives| !alternatives.iter().any(|rel| relations::satisfied_by(rel, package, version)))
                .collect();
            *value = kept
                .iter()
                .map(|alts| alts.iter().map(ToString::to_string).collect::<Vec<_>>().join(" | "))
                .collect::<Vec<_>>()
                .join(", ");
        }
        self.fields.retain(|_, v| !v.is_empty());
        self
    }

    /// `(shlibs:Depends, value)` and the like, for a substvars file.
    pub fn substvars(&self) -> Vec<(String, String)> {
        self.fields.iter().rev().map(|(f, v)| (format!("shlibs:{}", f.name()), v.clone())).collect()
    }
}

impl Resolver<'_> {
    /// What dh_shlibdeps computes for `package`: every dynamically linked
    /// ELF executable and shared library of its tree, all for `Depends`.
    pub fn package_depends(&self, package: &str) -> Result<ShlibsVars> {
        let index = self.package_index(package);
        let files: Vec<(TreePath, DepField)> =
            resolve::elf_files(self.packages[index].tree)?.into_iter().map(|p| (p, DepField::Depends)).collect();
        self.depends_of(package, &files)
    }

    /// What dpkg-shlibdeps computes for these files of `package`, each
    /// for its field (`-d`).
    pub fn depends_of(&self, package: &str, files: &[(TreePath, DepField)]) -> Result<ShlibsVars> {
        let index = self.package_index(package);
        resolve::Run::new(self, index).depends(files)
    }

    fn package_index(&self, package: &str) -> usize {
        self.packages
            .iter()
            .position(|p| p.name == package)
            .unwrap_or_else(|| panic!("`{package}` is not one of the resolver's packages"))
    }
}
