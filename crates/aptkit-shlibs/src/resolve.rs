//! dpkg-shlibdeps' main loop for the files of one package: find each
//! needed library, pick the symbols or shlibs file that describes it, and
//! raise the dependency to what the referenced symbols need.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use aptkit_deb::{FileSource, Node, Tree, TreePath};

use crate::depends::{Collected, DepField};
use crate::elf::{abi_of, Abi, ElfObject};
use crate::paths::{self, Kind};
use crate::shlibs_file::split_soname;
use crate::symbols::Library;
use crate::{relations, Error, Resolver, Result, ShlibsFile, ShlibsVars, SymbolFile};

/// dpkg's DEFAULT_LIBRARY_PATH and its deprecated DEFAULT_MULTILIB_PATH.
const DEFAULT_DIRS: &[&str] = &["/lib", "/usr/lib"];
const MULTILIB_DIRS: &[&str] = &["/lib32", "/usr/lib32", "/lib64", "/usr/lib64"];

/// Where dh_shlibdeps never looks: detached debug symbols.
const DEBUG_DIRS: &[&str] = &["lib", "lib64", "usr", "bin", "sbin", "opt", "dev", "emul", ".build-id"];

/// The files dh_shlibdeps passes to dpkg-shlibdeps: regular files (not
/// symlinks) that are ELF executables or shared objects, dynamically
/// linked, outside `usr/lib/debug/<…>/`.
pub(crate) fn elf_files(tree: &Tree) -> Result<Vec<TreePath>> {
    let mut files = Vec::new();
    for (path, entry) in tree.iter() {
        let Node::File { source, .. } = &entry.node else { continue };
        let p = path.as_str();
        if DEBUG_DIRS.iter().any(|d| p.starts_with(&format!("usr/lib/debug/{d}/"))) {
            continue;
        }
        let header = read_header(source)?;
        if abi_of(&header).is_none() || !matches!(elf_type(&header), 2 | 3) {
            continue;
        }
        let data = read_source(source)?;
        let object = ElfObject::parse(&data).map_err(|message| Error::Elf { elf: path.to_string(), message })?;
        if object.is_some_and(|o| o.is_dynamic) {
            files.push(path.clone());
        }
    }
    Ok(files)
}

fn elf_type(header: &[u8]) -> u16 {
    let b = [header[16], header[17]];
    if header[5] == 1 {
        u16::from_le_bytes(b)
    } else {
        u16::from_be_bytes(b)
    }
}

fn read_header(source: &FileSource) -> Result<Vec<u8>> {
    match source {
        FileSource::Bytes(b) => Ok(b[..b.len().min(64)].to_vec()),
        FileSource::Path(p) => read_host_header(p),
    }
}

fn read_host_header(path: &Path) -> Result<Vec<u8>> {
    let mut header = Vec::with_capacity(64);
    fs_err::File::open(path)
        .map_err(Error::read(path))?
        .take(64)
        .read_to_end(&mut header)
        .map_err(Error::read(path))?;
    Ok(header)
}

fn read_source(source: &FileSource) -> Result<Vec<u8>> {
    match source {
        FileSource::Bytes(b) => Ok(b.to_vec()),
        FileSource::Path(p) => fs_err::read(p).map_err(Error::read(p)),
    }
}

/// Where a needed library was found.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Location {
    /// In a package being built: (package index, canonical path in its tree).
    Building(usize, String),
    /// In the target root, at the path searched (not resolved).
    Root(String),
}

/// A symbols file loaded from the root, or one of a package being built.
enum Symbols<'a> {
    Root(Arc<SymbolFile>),
    Building(&'a SymbolFile),
}

impl Symbols<'_> {
    fn library(&self, soname: &str) -> Option<&Library> {
        match self {
            Symbols::Root(f) => f.library(soname),
            Symbols::Building(f) => f.library(soname),
        }
    }
}

enum Shlibs<'a> {
    Root(Arc<ShlibsFile>),
    Building(&'a ShlibsFile),
}

impl Shlibs<'_> {
    fn file(&self) -> &ShlibsFile {
        match self {
            Shlibs::Root(f) => f,
            Shlibs::Building(f) => f,
        }
    }
}

pub(crate) struct Run<'r, 'a> {
    r: &'r Resolver<'a>,
    package: usize,
    collected: Collected,
    symbols_cache: HashMap<PathBuf, Arc<SymbolFile>>,
    shlibs_cache: HashMap<PathBuf, Arc<ShlibsFile>>,
    library_dirs: Option<Vec<String>>,
}

impl<'r, 'a> Run<'r, 'a> {
    pub fn new(r: &'r Resolver<'a>, package: usize) -> Self {
        Run {
            r,
            package,
            collected: Collected::default(),
            symbols_cache: HashMap::new(),
            shlibs_cache: HashMap::new(),
            library_dirs: None,
        }
    }

    pub fn depends(mut self, files: &[(TreePath, DepField)]) -> Result<ShlibsVars> {
        for (path, field) in files {
            self.scan(path, *field)?;
        }
        let fields = self.collected.write().map_err(|message| Error::Elf {
            elf: format!("package {}", self.r.packages[self.package].name),
            message,
        })?;
        Ok(ShlibsVars { fields })
    }

    fn elf_name(&self, path: &TreePath) -> String {
        format!("{path} (package {})", self.r.packages[self.package].name)
    }

    fn scan(&mut self, path: &TreePath, field: DepField) -> Result<()> {
        let tree = self.r.packages[self.package].tree;
        let Some(Node::File { source, .. }) = tree.get(path).map(|e| &e.node) else {
            return Err(Error::Elf { elf: self.elf_name(path), message: "not a regular file of the package".into() });
        };
        let data = read_source(source)?;
        let Some(object) =
            ElfObject::parse(&data).map_err(|message| Error::Elf { elf: self.elf_name(path), message })?
        else {
            return Ok(()); // dpkg: "unknown executable format", no dependencies
        };
        let origin = format!("/{}", path.parent().map(|p| p.as_str().to_string()).unwrap_or_default());
        let rpath: Vec<String> =
            object.rpath.iter().map(|p| p.replace("${ORIGIN}", &origin).replace("$ORIGIN", &origin)).collect();

        // Every candidate library for every SONAME, in search order.
        let mut candidates: Vec<(String, Vec<Location>)> = Vec::new();
        for soname in &object.needed {
            let found = self.find_library(soname, &rpath, object.abi)?;
            if found.is_empty() {
                if split_soname(soname).is_some() {
                    return Err(Error::LibraryNotFound {
                        elf: self.elf_name(path),
                        soname: soname.clone(),
                        root: self.r.root.path().to_path_buf(),
                        searched: self.searched_description(&rpath),
                    });
                }
                continue; // dpkg only warns about unversioned SONAMEs
            }
            candidates.push((soname.clone(), found));
        }
        let owners = self.owners_for(&candidates)?;

        let mut elf_symbols: Vec<(String, Symbols<'a>)> = Vec::new();
        'soname: for (soname, libs) in &candidates {
            for lib in libs {
                let packages = owners.get(lib).cloned().unwrap_or_else(|| vec![String::new()]);
                if self.is_foreign_stub(lib, &packages)? {
                    continue;
                }
                let mut missing_info = false;
                for owner in &packages {
                    let local = self.r.shlibs_local.is_some_and(|f| f.dependency_for(soname).is_some());
                    let symbols = if local { None } else { self.find_symbols(owner, soname, lib)? };
                    if let Some(symbols) = symbols {
                        let library = symbols.library(soname).expect("chosen because it lists the SONAME");
                        let minver = library.smallest_version(0).filter(|v| !v.is_empty() && *v != "0");
                        if let Some(dep) = library.deps.first() {
                            self.collected.update(field, dep, minver, false);
                        }
                        if !elf_symbols.iter().any(|(s, _)| s == soname) {
                            elf_symbols.push((soname.clone(), symbols));
                        }
                        continue 'soname;
                    }
                    if !self.is_public_library(lib)? {
                        continue;
                    }
                    if let Some(dep) = self.find_shlibs(owner, soname, lib)? {
                        self.collected.set_from_shlibs(field, &dep);
                        continue 'soname;
                    }
                    missing_info = true;
                }
                if !missing_info {
                    continue;
                }
                // dpkg forgives a library of the ELF's own package.
                if matches!(lib, Location::Building(p, _) if *p == self.package) {
                    continue;
                }
                return Err(Error::NoDependencyInfo {
                    elf: self.elf_name(path),
                    soname: soname.clone(),
                    library: self.describe(lib),
                    hint: "give its package a shlibs or symbols file, or add the SONAME to debian/shlibs.local",
                });
            }
        }

        for symbol in &object.undefined {
            let key = symbol.key();
            let found = object.needed.iter().find_map(|soname| {
                let (_, symbols) = elf_symbols.iter().find(|(s, _)| s == soname)?;
                let library = symbols.library(soname)?;
                let entry = library.symbols.get(&key).filter(|e| !e.deprecated)?;
                Some((library.deps.get(entry.dep_id)?.clone(), entry.minver.clone()))
            });
            if let Some((dep, minver)) = found {
                self.collected.update(field, &dep, Some(&minver), false);
            }
        }

        for soname in &object.needed {
            let Some((_, symbols)) = elf_symbols.iter().find(|(s, _)| s == soname) else { continue };
            let Some(library) = symbols.library(soname) else { continue };
            let dev_packages =
                library.fields.get("Build-Depends-Packages").or_else(|| library.fields.get("Build-Depends-Package"));
            for dev in dev_packages.into_iter().flat_map(|v| v.split([',', ' ', '\t']).filter(|p| !p.is_empty())) {
                if let Some(minver) = relations::min_version_from_build_deps(self.r.build_depends, dev) {
                    for dep in &library.deps {
                        self.collected.update(field, dep, Some(&minver), true);
                    }
                }
            }
        }
        Ok(())
    }

    /// dpkg's library search path: RPATH, `-l` directories, then (cross
    /// builds) the multiarch directories, `/lib`, `/usr/lib`, the root's
    /// ld.so.conf directories and the old multilib ones.
    fn search_dirs(&mut self, rpath: &[String]) -> Result<Vec<String>> {
        if self.library_dirs.is_none() {
            let mut system: Vec<String> = Vec::new();
            if let Some(triplet) = self.r.cross_multiarch {
                system.push(format!("/lib/{triplet}"));
                system.push(format!("/usr/lib/{triplet}"));
            }
            system.extend(DEFAULT_DIRS.iter().map(|d| d.to_string()));
            let custom = self.r.library_dirs;
            for dir in self.r.root.ld_so_conf_dirs()? {
                if !custom.contains(&dir) && !system.contains(&dir) {
                    system.push(dir);
                }
            }
            system.extend(MULTILIB_DIRS.iter().map(|d| d.to_string()));
            let mut all = custom.to_vec();
            all.extend(system);
            self.library_dirs = Some(all);
        }
        let mut dirs = rpath.to_vec();
        dirs.extend(self.library_dirs.clone().expect("set above"));
        Ok(dirs)
    }

    fn searched_description(&mut self, rpath: &[String]) -> String {
        let dirs = self.search_dirs(rpath).unwrap_or_default();
        let packages: Vec<&str> = self.build_dirs().into_iter().map(|i| self.r.packages[i].name).collect();
        format!("library search path {}; packages searched: {}", dirs.join(":"), packages.join(", "))
    }

    /// The ELF's own package, then every package with shlibs or symbols.
    fn build_dirs(&self) -> Vec<usize> {
        let mut dirs = vec![self.package];
        for (i, p) in self.r.packages.iter().enumerate() {
            if i != self.package && (p.shlibs.is_some() || p.symbols.is_some()) {
                dirs.push(i);
            }
        }
        dirs
    }

    fn find_library(&mut self, soname: &str, rpath: &[String], abi: Abi) -> Result<Vec<Location>> {
        let dirs = self.search_dirs(rpath)?;
        for index in self.build_dirs() {
            let tree = self.r.packages[index].tree;
            let mut found = Vec::new();
            for dir in &dirs {
                let Some(real) = tree_resolve(tree, &format!("{dir}/{soname}")) else { continue };
                let path = TreePath::new(&real).expect("resolved paths are clean");
                let Some(Node::File { source, .. }) = tree.get(&path).map(|e| &e.node) else { continue };
                if abi_of(&read_header(source)?) == Some(abi) {
                    found.push(Location::Building(index, real));
                }
            }
            if !found.is_empty() {
                return Ok(found);
            }
        }
        let mut found = Vec::new();
        for dir in &dirs {
            let searched = paths::tidy(&format!("{dir}/{soname}"));
            let Some(real) = self.r.root.resolve_file(&searched) else { continue };
            let header = read_host_header(&self.r.root.host_path(&real))?;
            // An empty file is a stub of an exported root: nothing to check.
            if header.is_empty() || abi_of(&header) == Some(abi) {
                found.push(Location::Root(searched));
            }
        }
        Ok(found)
    }

    /// The packages owning each root candidate (dpkg-query --search), by
    /// its path, else by its real path, as dpkg-shlibdeps falls back.
    fn owners_for(&self, candidates: &[(String, Vec<Location>)]) -> Result<HashMap<Location, Vec<String>>> {
        let mut by_real: HashMap<String, Vec<String>> = HashMap::new();
        let mut direct: HashMap<String, Vec<String>> = HashMap::new();
        for location in candidates.iter().flat_map(|(_, l)| l) {
            let Location::Root(path) = location else { continue };
            let real = self.r.root.resolve_file(path).unwrap_or_else(|| path.clone());
            for queried in [path, &real] {
                let owners = self.r.root.owners(queried)?;
                if !owners.is_empty() {
                    let mut sorted = owners.to_vec();
                    sorted.sort();
                    let queried_real = self.r.root.resolve_file(queried).unwrap_or_else(|| queried.clone());
                    by_real.entry(queried_real).or_insert_with(|| sorted.clone());
                    direct.insert(queried.clone(), sorted);
                }
            }
        }
        let mut out = HashMap::new();
        for location in candidates.iter().flat_map(|(_, l)| l) {
            let Location::Root(path) = location else { continue };
            let real = self.r.root.resolve_file(path).unwrap_or_else(|| path.clone());
            if let Some(owners) = direct.get(path).or_else(|| by_real.get(&real)) {
                out.insert(location.clone(), owners.clone());
            }
        }
        Ok(out)
    }

    /// find_symbols_file: for an installed package its symbols file (the
    /// root's `etc/dpkg/symbols` overrides first); for a library of no
    /// installed package, the symbols of the package being built that holds
    /// it, then of any package being built.
    fn find_symbols(&mut self, owner: &str, soname: &str, lib: &Location) -> Result<Option<Symbols<'a>>> {
        if owner.is_empty() {
            let mut order = Vec::new();
            if let Location::Building(p, _) = lib {
                order.push(*p);
            }
            order.extend(0..self.r.packages.len());
            for index in order {
                if let Some(symbols) = self.r.packages[index].symbols {
                    if symbols.library(soname).is_some() {
                        return Ok(Some(Symbols::Building(symbols)));
                    }
                }
            }
            return Ok(None);
        }
        let root = self.r.root;
        let files = [
            root.config_file(&format!("symbols/{owner}.symbols.{}", self.r.arch)),
            root.config_file(&format!("symbols/{owner}.symbols")),
            root.control_file(owner, "symbols"),
        ];
        for file in files.into_iter().flatten() {
            let loaded = match self.symbols_cache.get(&file) {
                Some(f) => f.clone(),
                None => {
                    let f = Arc::new(SymbolFile::load(&file)?);
                    self.symbols_cache.insert(file.clone(), f.clone());
                    f
                }
            };
            if loaded.library(soname).is_some() {
                return Ok(Some(Symbols::Root(loaded)));
            }
        }
        Ok(None)
    }

    /// add_shlibs_dep's file order: shlibs.local, the root's
    /// shlibs.override, the owner's shlibs (or the building packages'),
    /// the root's shlibs.default.
    fn find_shlibs(&mut self, owner: &str, soname: &str, lib: &Location) -> Result<Option<String>> {
        let root = self.r.root;
        let mut files: Vec<Shlibs<'a>> = Vec::new();
        if let Some(local) = self.r.shlibs_local {
            files.push(Shlibs::Building(local));
        }
        if let Some(path) = root.config_file("shlibs.override") {
            files.push(Shlibs::Root(self.load_shlibs(&path)?));
        }
        if owner.is_empty() {
            if let Location::Building(p, _) = lib {
                files.extend(self.r.packages[*p].shlibs.map(Shlibs::Building));
            }
            files.extend(self.r.packages.iter().filter_map(|p| p.shlibs).map(Shlibs::Building));
        } else if let Some(path) = root.control_file(owner, "shlibs") {
            files.push(Shlibs::Root(self.load_shlibs(&path)?));
        }
        if let Some(path) = root.config_file("shlibs.default") {
            files.push(Shlibs::Root(self.load_shlibs(&path)?));
        }
        Ok(files.iter().find_map(|f| f.file().dependency_for(soname).map(str::to_string)))
    }

    fn load_shlibs(&mut self, path: &Path) -> Result<Arc<ShlibsFile>> {
        if let Some(f) = self.shlibs_cache.get(path) {
            return Ok(f.clone());
        }
        let f = Arc::new(ShlibsFile::load(path)?);
        self.shlibs_cache.insert(path.to_path_buf(), f.clone());
        Ok(f)
    }

    /// A shared object with a SONAME (dpkg's is_public_library). A stub
    /// (empty) library of the root is taken to be one: it was found by its
    /// SONAME.
    fn is_public_library(&self, lib: &Location) -> Result<bool> {
        let data = match lib {
            Location::Building(p, path) => {
                let tree = self.r.packages[*p].tree;
                let entry = tree.get(&TreePath::new(path).expect("clean path")).map(|e| &e.node);
                let Some(Node::File { source, .. }) = entry else { return Ok(false) };
                read_source(source)?
            }
            Location::Root(path) => {
                let real = self.r.root.resolve_file(path).unwrap_or_else(|| path.clone());
                let host = self.r.root.host_path(&real);
                let data = fs_err::read(&host).map_err(Error::read(&host))?;
                if data.is_empty() {
                    return Ok(true);
                }
                data
            }
        };
        let object = ElfObject::parse(&data).ok().flatten();
        Ok(object.is_some_and(|o| o.soname.is_some() && o.is_executable_or_shared))
    }

    /// A stub's ELF class and machine cannot be checked: a root with a
    /// second architecture (`libc6:i386` beside `libc6:amd64`) would offer
    /// its libraries too. Its owners' architecture qualifiers tell instead.
    fn is_foreign_stub(&self, lib: &Location, owners: &[String]) -> Result<bool> {
        let Location::Root(path) = lib else { return Ok(false) };
        let real = self.r.root.resolve_file(path).unwrap_or_else(|| path.clone());
        let host = self.r.root.host_path(&real);
        let is_stub = fs_err::metadata(&host).map_err(Error::read(&host))?.len() == 0;
        let foreign =
            |owner: &String| owner.split_once(':').is_some_and(|(_, arch)| arch != self.r.arch && arch != "all");
        Ok(is_stub && !owners.is_empty() && owners.iter().all(foreign))
    }

    fn describe(&self, lib: &Location) -> String {
        match lib {
            Location::Building(p, path) => format!("{path} in package {}", self.r.packages[*p].name),
            Location::Root(path) => format!("{path} in the target root"),
        }
    }
}

/// The canonical path of the regular file `path` names in a package tree.
fn tree_resolve(tree: &Tree, path: &str) -> Option<String> {
    paths::resolve_file(path, &|p: &str| {
        let entry = tree.get(&TreePath::new(p).ok()?)?;
        Some(match &entry.node {
            Node::Dir => Kind::Dir,
            Node::File { .. } => Kind::File,
            Node::Symlink { target } => Kind::Symlink(target.clone()),
        })
    })
}
