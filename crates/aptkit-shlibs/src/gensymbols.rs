//! The `DEBIAN/symbols` that dh_makeshlibs (through dpkg-gensymbols) makes
//! from a library package's `debian/<pkg>.symbols` template and the
//! symbols its libraries export: what a sibling package built from the same
//! source resolves against.

use std::collections::HashMap;

use crate::elf::DynamicSymbol;
use crate::symbols::{Library, SymbolEntry, SymbolFile};
use crate::version::compare;

/// Symbols the toolchain adds to every object (dpkg's %internal_symbol):
/// never part of a library's ABI unless a template allows them.
const INTERNAL: &[&str] = &[
    "__bss_end__",
    "__bss_end",
    "_bss_end__",
    "__bss_start",
    "__bss_start__",
    "__data_start",
    "__do_global_ctors_aux",
    "__do_global_dtors_aux",
    "__do_jv_register_classes",
    "_DYNAMIC",
    "_edata",
    "_end",
    "__end__",
    "__exidx_end",
    "__exidx_start",
    "_fbss",
    "_fdata",
    "_fini",
    "_ftext",
    "_GLOBAL_OFFSET_TABLE_",
    "__gmon_start__",
    "__gnu_local_gp",
    "_gp",
    "_init",
    "_PROCEDURE_LINKAGE_TABLE_",
    "_SDA2_BASE_",
    "_SDA_BASE_",
];

fn is_internal(name: &str) -> bool {
    INTERNAL.contains(&name) || name.starts_with("__aeabi_") || name.starts_with(".gomp_critical_user_")
}

/// One shared library of the package: its SONAME and exported symbols.
pub struct ExportedLibrary<'a> {
    pub soname: &'a str,
    pub exported: &'a [DynamicSymbol],
}

/// Instantiate `template` for `package` at `version` (the full version,
/// as dpkg-gensymbols takes it from the changelog), for architecture
/// `arch`.
///
/// Not done: `(c++)` patterns need C++ demangling; symbols they would
/// match get `version` as their minimal version, as new symbols do, which
/// is stricter (higher) than the template asks, never looser.
pub fn instantiate(
    template: &SymbolFile,
    package: &str,
    version: &str,
    arch: &str,
    libraries: &[ExportedLibrary<'_>],
) -> SymbolFile {
    let mut out = SymbolFile::default();
    for library in libraries {
        let base = template.library(library.soname);
        let mut result = Library {
            deps: base.map_or_else(|| vec!["#PACKAGE# #MINVER#".to_string()], |b| b.deps.clone()),
            fields: base.map(|b| b.fields.clone()).unwrap_or_default(),
            ..Library::default()
        };
        for dep in &mut result.deps {
            *dep = dep.replace("#PACKAGE#", package);
        }
        for value in result.fields.values_mut() {
            *value = value.replace("#PACKAGE#", package);
        }
        let empty = Library::default();
        let base = base.unwrap_or(&empty);
        let mut found: HashMap<String, SymbolEntry> = HashMap::new();
        for symbol in library.exported {
            let key = symbol.key();
            let listed = base.symbols.get(&key);
            if is_internal(&symbol.name) && !listed.is_some_and(|s| s.has_tag("allow-internal")) {
                continue;
            }
            let entry = match listed {
                Some(s) if s.deprecated => {
                    let minver = if s.has_tag("optional") { s.minver.clone() } else { version.to_string() };
                    SymbolEntry { minver, deprecated: false, ..s.clone() }
                }
                Some(s) => SymbolEntry { minver: lower(&s.minver, version), ..s.clone() },
                None => match matching_pattern(base, &key) {
                    Some(p) => SymbolEntry { name: key.clone(), minver: lower(&p.minver, version), ..p.clone() },
                    None => SymbolEntry {
                        name: key.clone(),
                        minver: version.to_string(),
                        dep_id: 0,
                        deprecated: false,
                        tags: Vec::new(),
                    },
                },
            };
            found.insert(key, entry);
        }
        // Listed but not exported: kept (dpkg-gensymbols only warns) unless
        // meant for another architecture or older than this version.
        for (key, symbol) in &base.symbols {
            if found.contains_key(key) || symbol.deprecated || !arch_is_concerned(symbol, arch) {
                continue;
            }
            if compare(version, &symbol.minver).is_gt() {
                continue;
            }
            found.insert(key.clone(), symbol.clone());
        }
        result.symbols = found;
        out.libraries.insert(library.soname.to_string(), result);
    }
    out
}

fn lower(a: &str, b: &str) -> String {
    if compare(a, b).is_le() { a } else { b }.to_string()
}

/// The `(symver)` or `(regex)` pattern matching `key` (`name@version`),
/// aliases first as dpkg tries them.
fn matching_pattern<'a>(library: &'a Library, key: &str) -> Option<&'a SymbolEntry> {
    let version = key.split_once('@').map(|(_, v)| v)?;
    let usable = |p: &&SymbolEntry| !p.deprecated && !p.has_tag("c++");
    let symver = library.patterns.iter().filter(usable).find(|p| p.has_tag("symver") && !p.has_tag("regex"));
    if let Some(p) = symver.filter(|p| p.name == version) {
        return Some(p);
    }
    library.patterns.iter().filter(usable).find(|p| {
        if p.has_tag("symver") && !p.has_tag("regex") {
            return p.name == version;
        }
        let target = if p.has_tag("symver") { version } else { key };
        p.has_tag("regex") && regex_lite::Regex::new(&p.name).is_ok_and(|re| re.is_match(target))
    })
}

/// `(arch=amd64 i386)`, `(arch=!armel)`, with `any` and `linux-any`
/// wildcards; `arch-bits`/`arch-endian` are not checked.
fn arch_is_concerned(symbol: &SymbolEntry, arch: &str) -> bool {
    let Some(Some(list)) = symbol.tag("arch") else { return true };
    let matches = |term: &str| {
        term == arch
            || term == "any"
            || term == "linux-any"
            || term == format!("any-{arch}")
            || term == format!("linux-{arch}")
    };
    let terms: Vec<&str> = list.split([' ', ',']).filter(|t| !t.is_empty()).collect();
    if terms.iter().all(|t| t.starts_with('!')) {
        !terms.iter().any(|t| matches(&t[1..]))
    } else {
        terms.iter().any(|t| matches(t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn sym(name: &str, version: Option<&str>) -> DynamicSymbol {
        DynamicSymbol { name: name.into(), version: version.map(str::to_string), weak: false }
    }

    #[test]
    fn instantiates_a_template_against_the_exports() {
        let template = SymbolFile::parse(
            "libfoo.so.1 #PACKAGE# #MINVER#\n* Build-Depends-Package: libfoo-dev\n foo_old@FOO_1 1.0\n \
             foo_gone@FOO_1 0.5\n (arch=armel)foo_arm@FOO_1 1.0\n (symver)FOO_2 2.0\n (regex)\"^foo_x\" 1.5\n",
            Path::new("debian/libfoo1.symbols"),
        )
        .unwrap();
        let exported = [
            sym("foo_old", Some("FOO_1")),
            sym("foo_two", Some("FOO_2")),
            sym("foo_xyz", Some("FOO_3")),
            sym("foo_new", Some("FOO_3")),
            sym("_init", None),
        ];
        let libs = [ExportedLibrary { soname: "libfoo.so.1", exported: &exported }];
        let out = instantiate(&template, "libfoo1", "3.0-1", "amd64", &libs);
        let lib = out.library("libfoo.so.1").unwrap();
        assert_eq!(lib.deps, ["libfoo1 #MINVER#"]);
        assert_eq!(lib.fields["Build-Depends-Package"], "libfoo-dev");
        let minver = |k: &str| lib.symbols.get(k).map(|s| s.minver.as_str());
        assert_eq!(minver("foo_old@FOO_1"), Some("1.0"));
        assert_eq!(minver("foo_two@FOO_2"), Some("2.0"));
        assert_eq!(minver("foo_xyz@FOO_3"), Some("1.5"));
        assert_eq!(minver("foo_new@FOO_3"), Some("3.0-1"));
        assert_eq!(minver("foo_gone@FOO_1"), None, "older than the version and not exported");
        assert_eq!(minver("foo_arm@FOO_1"), None, "another architecture's symbol");
        assert_eq!(minver("_init@Base"), None);
    }

    #[test]
    fn a_library_without_template_gets_the_default_entry() {
        let exported = [sym("greet", None)];
        let libs = [ExportedLibrary { soname: "libgreet.so.1", exported: &exported }];
        let out = instantiate(&SymbolFile::default(), "libgreet1", "1.0-1", "amd64", &libs);
        let lib = out.library("libgreet.so.1").unwrap();
        assert_eq!(lib.deps, ["libgreet1 #MINVER#"]);
        assert_eq!(lib.symbols["greet@Base"].minver, "1.0-1");
    }
}
