//! Native packaging: a source tree's `debian/` directory plus its installed
//! files (`debian/tmp`, or ready `debian/<pkg>/` trees) become `.deb` files,
//! without dpkg-deb, dpkg-buildpackage or debhelper.
//!
//! Work happens in two steps so that bad input changes nothing:
//! [`plan`] reads and checks everything (control, changelog, every
//! debhelper file, every glob) and builds each package's tree in memory;
//! [`build`] then writes all packages to temporary files and renames them
//! into place only when every one of them succeeded.

pub mod arch;
mod changelog;
mod control_files;
mod error;
mod fixups;
mod gencontrol;
mod install;
mod shlibdeps;
mod source;
mod strip;

use std::path::{Path, PathBuf};

use aptkit_control::{Paragraph, Substvars, Version};
use aptkit_deb::{ControlFile, DebWriter, Tree};

pub use changelog::format_date;
pub use error::{Error, Result};
pub use fixups::gzip;
pub use shlibdeps::ShlibsTarget;
pub use source::DebianDir;

/// What to build and how.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Architecture for `Architecture: any` packages (dpkg name, `amd64`).
    pub host_arch: String,
    /// Overrides the version from `debian/changelog` (nightly builds).
    pub version: Option<Version>,
    /// Overrides the timestamp from `debian/changelog`.
    pub source_date_epoch: Option<u64>,
    /// Build only these packages (all when empty).
    pub only: Vec<String>,
    /// The `strip` program for ELF objects (dh_strip); `None` keeps them as they are.
    pub strip: Option<String>,
    /// Compute `${shlibs:Depends}` from the packages' ELF files against this
    /// target root (dh_shlibdeps), unless a package's substvars already set
    /// it; `None` leaves it to the compile commands.
    pub shlibs: Option<ShlibsTarget>,
    /// A changelog entry for this build, put above `debian/changelog`'s own
    /// in the packages' `changelog.Debian.gz` (as `dch --newversion` would),
    /// so that a rebuild of one source for many distributions says which it is.
    pub changelog_entry: Option<ChangelogEntry>,
}

/// The entry [`Options::changelog_entry`] adds: it carries the packages'
/// version, and is dated [`Plan::source_date_epoch`] (or the newest
/// entry's date, if that is later), signed by debian/control's Maintainer.
#[derive(Debug, Clone)]
pub struct ChangelogEntry {
    /// The suite: `bookworm`.
    pub distribution: String,
    /// The change line: `Build for debian-12-bookworm.`
    pub change: String,
}

/// The binutils `strip` for `arch`: plain `strip` for the machine's own
/// architecture, `<triplet>-strip` for another one.
pub fn default_strip_program(arch: &str) -> String {
    if arch == arch::host_arch() {
        return "strip".to_string();
    }
    match arch::variable(arch, "DEB_HOST_GNU_TYPE") {
        Some(triplet) => format!("{triplet}-strip"),
        None => "strip".to_string(),
    }
}

/// One binary package, fully resolved and ready to write.
#[derive(Debug, Clone)]
pub struct PackagePlan {
    pub name: String,
    pub arch: String,
    pub version: String,
    /// `<name>_<version without epoch>_<arch>.deb`
    pub file_name: String,
    pub control: Paragraph,
    pub control_files: Vec<ControlFile>,
    pub tree: Tree,
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub source: String,
    pub version: String,
    pub source_date_epoch: u64,
    pub packages: Vec<PackagePlan>,
    /// Packages of debian/control not built for this architecture.
    pub skipped: Vec<String>,
    pub warnings: Vec<String>,
    /// Holds stripped copies of binaries until the packages are written.
    scratch: Option<std::sync::Arc<tempfile::TempDir>>,
}

/// Read `root/debian` and resolve every package, touching nothing on disk.
pub fn plan(root: &Path, opts: &Options) -> Result<Plan> {
    let dir = DebianDir::load(root)?;
    for name in &opts.only {
        if !dir.package_names().any(|p| p == name) {
            return Err(Error::UnknownPackage { path: dir.control_path.clone(), package: name.clone() });
        }
    }
    let version = opts.version.clone().unwrap_or_else(|| dir.changelog.version.clone());
    let version_text = version.to_string();
    let epoch = opts.source_date_epoch.unwrap_or(dir.changelog.timestamp.max(0) as u64);
    let native = version.debian_revision.is_none();

    let changelog_head = opts.changelog_entry.as_ref().map(|entry| changelog::entry(&dir, entry, &version_text, epoch));

    let mut generic_substvars = Substvars::new();
    load_substvars(&mut generic_substvars, &dir.debian.join("substvars"))?;

    let mut plan = Plan {
        source: dir.source_name().to_string(),
        version: version_text.clone(),
        source_date_epoch: epoch,
        packages: Vec::new(),
        skipped: Vec::new(),
        warnings: Vec::new(),
        scratch: None,
    };
    // Every package's tree first: with shlibs on, the packages not selected
    // are staged too, as their libraries resolve the selected ones' needs.
    let mut staged: Vec<Staged> = Vec::new();
    for binary in &dir.binaries {
        let name = binary.get("Package").unwrap_or_default();
        let selected = opts.only.is_empty() || opts.only.iter().any(|o| o == name);
        if !selected && opts.shlibs.is_none() {
            continue;
        }
        let arch_field = binary.get("Architecture").unwrap_or_default();
        let Some(arch) = arch::resolve(arch_field, &opts.host_arch) else {
            if selected {
                plan.skipped.push(name.to_string());
            }
            continue;
        };
        let mut tb = install::TreeBuilder::new(&dir, name, &opts.host_arch);
        tb.add_installed_files()?;
        tb.apply_dirs()?;
        tb.apply_docs()?;
        tb.add_copyright_and_changelog(epoch, native, changelog_head.as_deref())?;
        tb.apply_links(epoch)?;
        tb.add_lintian_overrides()?;
        let mut tree = tb.tree;
        if let (Some(program), true) = (&opts.strip, selected) {
            if plan.scratch.is_none() {
                let dir = tempfile::Builder::new()
                    .prefix("aptkit-strip-")
                    .tempdir()
                    .map_err(|source| Error::Write { path: std::env::temp_dir(), source })?;
                plan.scratch = Some(std::sync::Arc::new(dir));
            }
            let scratch = plan.scratch.as_ref().expect("created above").path().to_path_buf();
            strip::strip_tree(&mut tree, name, program, &scratch)?;
        }
        fixups::compress(&mut tree, epoch)?;
        fixups::fix_permissions(&mut tree);
        if let Some(path) = tree.find_conflict() {
            return Err(Error::Package {
                package: name.to_string(),
                message: format!(
                    "`{path}` lies under something that is not a directory (a file installed over a directory?)"
                ),
            });
        }

        let inputs = control_files::ControlInputs {
            dir: &dir,
            package: name,
            host_arch: &opts.host_arch,
            upstream_version: &version.upstream_version,
        };
        let mut control_files = inputs.control_files(&tree)?;
        let symbols = shlibdeps::symbols_file(&dir, name, &version_text, &opts.host_arch, &tree)?;
        if let Some(symbols) = &symbols {
            control_files.push(ControlFile {
                name: "symbols".into(),
                contents: symbols.to_text().into_bytes(),
                executable: false,
            });
        }
        staged.push(Staged { binary, name, arch, tree, control_files, symbols, selected });
    }

    let mut computed: Vec<Option<aptkit_shlibs::ShlibsVars>> = Vec::new();
    if let Some(target) = &opts.shlibs {
        // One root for all packages: its dpkg database is read once.
        let root = aptkit_shlibs::TargetRoot::new(&target.root);
        let siblings = staged
            .iter()
            .map(|s| shlibdeps::Sibling::new(&dir, s.name, &s.tree, &s.control_files, s.symbols.clone()))
            .collect::<Result<Vec<_>>>()?;
        for s in &staged {
            let wanted = s.selected && !sets_shlibs_depends(&generic_substvars, &dir, s.name)?;
            computed.push(match wanted {
                true => Some(
                    shlibdeps::compute(&root, &dir, &siblings, &opts.host_arch, s.name)?
                        .without_self(s.name, &version_text),
                ),
                false => None,
            });
        }
    }

    for (index, s) in staged.into_iter().enumerate() {
        let Staged { binary, name, arch, tree, control_files, selected, .. } = s;
        if !selected {
            continue;
        }
        let mut substvars = generic_substvars.clone();
        for (var, value) in [
            ("binary:Version", version_text.as_str()),
            ("source:Version", version_text.as_str()),
            ("source:Upstream-Version", version.upstream_version.as_str()),
            ("Arch", opts.host_arch.as_str()),
            ("misc:Depends", ""),
            ("misc:Pre-Depends", ""),
        ] {
            if substvars.get(var).is_none() {
                substvars.set(var, value);
            }
        }
        if let Some(Some(vars)) = computed.get(index) {
            for (var, value) in vars.substvars() {
                substvars.set(&var, value);
            }
        }
        load_substvars(&mut substvars, &dir.debian.join(format!("{name}.substvars")))?;

        // dpkg-gencontrol counts the DEBIAN directory and the control files
        // that exist when it runs (everything but control and md5sums).
        let installed_size = tree.installed_size_kib()
            + 1
            + control_files.iter().map(|f| (f.contents.len() as u64).div_ceil(1024)).sum::<u64>();
        let (control, warnings) = gencontrol::binary_control(&gencontrol::ControlParams {
            dir: &dir,
            binary,
            arch: &arch,
            version: &version_text,
            installed_size,
            substvars: &substvars,
        })?;
        plan.warnings.extend(warnings);
        let file_version = version_text.split_once(':').map_or(version_text.as_str(), |(_, v)| v);
        plan.packages.push(PackagePlan {
            name: name.to_string(),
            file_name: format!("{name}_{file_version}_{arch}.deb"),
            arch,
            version: version_text.clone(),
            control,
            control_files,
            tree,
        });
    }
    if plan.packages.is_empty() {
        return Err(Error::NothingToBuild(format!(
            "no package in `{}` builds on architecture `{}`",
            dir.control_path.display(),
            opts.host_arch
        )));
    }
    Ok(plan)
}

/// A package being planned, before its control file is written.
struct Staged<'d> {
    binary: &'d Paragraph,
    name: &'d str,
    arch: String,
    tree: Tree,
    control_files: Vec<ControlFile>,
    symbols: Option<aptkit_shlibs::SymbolFile>,
    selected: bool,
}

/// Did the compile commands write `shlibs:Depends` themselves (into
/// `debian/substvars` or `debian/<pkg>.substvars`)? Then theirs is kept.
fn sets_shlibs_depends(generic: &Substvars, dir: &DebianDir, package: &str) -> Result<bool> {
    let mut vars = generic.clone();
    load_substvars(&mut vars, &dir.debian.join(format!("{package}.substvars")))?;
    Ok(vars.get("shlibs:Depends").is_some())
}

fn load_substvars(vars: &mut Substvars, path: &Path) -> Result<()> {
    match fs_err::read_to_string(path) {
        Ok(text) => vars.parse_into(&text).map_err(|e| Error::syntax(path, &e)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(Error::Read { path: path.to_path_buf(), source }),
    }
}

/// A written package.
#[derive(Debug, Clone)]
pub struct Built {
    pub package: String,
    pub path: PathBuf,
    pub size: u64,
}

/// Write every planned package into `out_dir`. Packages are written in
/// parallel to temporary files and renamed into place only when all of them
/// succeeded: a failure leaves `out_dir` as it was.
pub fn build(plan: &Plan, out_dir: &Path, writer: &DebWriter) -> Result<Vec<Built>> {
    fs_err::create_dir_all(out_dir).map_err(|source| Error::Write { path: out_dir.to_path_buf(), source })?;
    let results: Vec<Result<aptkit_deb::PendingDeb>> = std::thread::scope(|scope| {
        let handles: Vec<_> =
            plan.packages.iter().map(|pkg| scope.spawn(move || write_one(pkg, out_dir, writer))).collect();
        handles.into_iter().map(|h| h.join().expect("package writer panicked")).collect()
    });
    let pending: Vec<aptkit_deb::PendingDeb> = results.into_iter().collect::<Result<_>>()?;
    let mut built = Vec::new();
    for (pkg, deb) in plan.packages.iter().zip(pending) {
        let path = out_dir.join(&pkg.file_name);
        let size = deb.size();
        deb.persist(&path).map_err(|source| Error::Deb { package: pkg.name.clone(), source })?;
        built.push(Built { package: pkg.name.clone(), path, size });
    }
    Ok(built)
}

fn write_one(pkg: &PackagePlan, out_dir: &Path, writer: &DebWriter) -> Result<aptkit_deb::PendingDeb> {
    let deb_err = |source| Error::Deb { package: pkg.name.clone(), source };
    let data = writer.write_data(&pkg.tree, &pkg.arch, out_dir).map_err(deb_err)?;
    let mut control = Vec::new();
    pkg.control.write_to(&mut control).expect("writing to a Vec cannot fail");
    let mut files = pkg.control_files.clone();
    files.push(ControlFile { name: "control".into(), contents: control, executable: false });
    files.push(ControlFile { name: "md5sums".into(), contents: data.md5sums_file(), executable: false });
    let control_tar = writer.control_tar(&files).map_err(deb_err)?;
    writer.assemble(&control_tar, data, out_dir).map_err(deb_err)
}
