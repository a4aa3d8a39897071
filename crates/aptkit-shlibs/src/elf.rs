//! What dpkg-shlibdeps reads from an ELF object (through `objdump -w -f -p
//! -T -R`), read directly: the ABI "format", `DT_NEEDED`, `DT_SONAME`,
//! RPATH/RUNPATH and the dynamic symbols with their versions.

use object::elf;
use object::read::elf::{Dyn, FileHeader, ProgramHeader, Rel, Rela, SectionHeader, Sym};
use object::Endianness;

/// dpkg's "format" of an ELF object (Dpkg::Shlibs::Objdump::get_format):
/// class, byte order, canonical machine and the flags that change the ABI.
/// A library is only used for an object of the same format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Abi {
    pub bits: u8,
    pub endian: u8,
    pub machine: u16,
    pub flags: u32,
}

impl std::fmt::Display for Abi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let order = if self.endian == 1 { "little-endian" } else { "big-endian" };
        write!(
            f,
            "ELF{} {order} machine {} flags {:#x}",
            if self.bits == 1 { 32 } else { 64 },
            self.machine,
            self.flags
        )
    }
}

/// The format of the file whose first bytes are `header`, or `None` when it
/// is no ELF object dpkg knows (or is shorter than the 64 bytes dpkg reads).
pub fn abi_of(header: &[u8]) -> Option<Abi> {
    if header.len() < 64 || &header[..4] != b"\x7fELF" || header[6] != 1 {
        return None;
    }
    let (bits, endian) = (header[4], header[5]);
    let word = match bits {
        1 => 4,
        2 => 8,
        _ => return None,
    };
    let u16_at = |at: usize| {
        let b = [header[at], header[at + 1]];
        if endian == 1 {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        }
    };
    let u32_at = |at: usize| {
        let b = [header[at], header[at + 1], header[at + 2], header[at + 3]];
        if endian == 1 {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        }
    };
    if endian != 1 && endian != 2 {
        return None;
    }
    // e_type, e_machine, e_version, then e_entry/e_phoff/e_shoff, then e_flags.
    let machine = canonical_machine(u16_at(18));
    let flags = u32_at(24 + 3 * word) & abi_flags_mask(machine);
    Some(Abi { bits, endian, machine, flags })
}

/// Old and vendor machine numbers mapped to the official ones, as dpkg's
/// `%elf_mach_map` does.
fn canonical_machine(machine: u16) -> u16 {
    match machine {
        41 => elf::EM_ALPHA,    // EM_ALPHA_OLD
        0x1057 => elf::EM_AVR,  // EM_AVR_OLD
        0x9041 => elf::EM_M32R, // EM_M32R_CYGNUS
        0xbaab => 189,          // EM_MICROBLAZE_OLD
        0xdead => 90,           // EM_MN10200_CYGNUS
        0xbeef => 89,           // EM_MN10300_CYGNUS
        0x8472 => 92,           // EM_OR1K_OLD
        0xa390 => elf::EM_S390, // EM_S390_OLD
        elf::EM_SPARC32PLUS => elf::EM_SPARC,
        11 => elf::EM_SPARCV9, // EM_SPARC64_OLD
        0xabc7 => 94,          // EM_XTENSA_OLD
        other => other,
    }
}

fn abi_flags_mask(machine: u16) -> u32 {
    match machine {
        elf::EM_IA_64 => 0x10,
        elf::EM_LOONGARCH => 0x7, // the float ABI
        elf::EM_MIPS => 0xf000 | 0x20,
        elf::EM_PPC64 => 0x3,
        _ => 0,
    }
}

/// One dynamic symbol: `name@version`, or `name@Base` when unversioned
/// (how dpkg names symbols in symbols files).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DynamicSymbol {
    pub name: String,
    pub version: Option<String>,
    pub weak: bool,
}

impl DynamicSymbol {
    pub fn key(&self) -> String {
        format!("{}@{}", self.name, self.version.as_deref().unwrap_or("Base"))
    }
}

/// The parts of an ELF object shlibs dependencies are made of.
#[derive(Debug, Clone)]
pub struct ElfObject {
    pub abi: Abi,
    /// `ET_EXEC` or `ET_DYN` (what dh_shlibdeps passes on).
    pub is_executable_or_shared: bool,
    /// Has a dynamic section: not statically linked.
    pub is_dynamic: bool,
    pub soname: Option<String>,
    pub needed: Vec<String>,
    /// RUNPATH if there is one, else RPATH, split at `:`.
    pub rpath: Vec<String>,
    /// Undefined dynamic symbols, plus the ones an executable defines only
    /// through a copy relocation (they still come from a library).
    pub undefined: Vec<DynamicSymbol>,
    /// Defined, non-local dynamic symbols (what a library exports).
    pub exported: Vec<DynamicSymbol>,
}

impl ElfObject {
    /// `Ok(None)` for anything that is not an ELF object in a format dpkg
    /// knows (scripts, data, truncated files).
    pub fn parse(data: &[u8]) -> Result<Option<ElfObject>, String> {
        let Some(abi) = abi_of(data) else { return Ok(None) };
        let parsed = if abi.bits == 1 {
            parse_as::<elf::FileHeader32<Endianness>>(data, abi)
        } else {
            parse_as::<elf::FileHeader64<Endianness>>(data, abi)
        };
        parsed.map(Some).map_err(|e| e.to_string())
    }
}

fn parse_as<Elf: FileHeader<Endian = Endianness>>(data: &[u8], abi: Abi) -> object::Result<ElfObject> {
    let header = Elf::parse(data)?;
    let endian = header.endian()?;
    let e_type = header.e_type(endian);
    let is_mips64el = header.is_mips64el(endian);
    let segments = header.program_headers(endian, data)?;
    let has_dynamic_segment = segments.iter().any(|p| p.p_type(endian) == elf::PT_DYNAMIC);
    let sections = header.sections(endian, data)?;

    let mut object = ElfObject {
        abi,
        is_executable_or_shared: e_type == elf::ET_EXEC || e_type == elf::ET_DYN,
        is_dynamic: has_dynamic_segment,
        soname: None,
        needed: Vec::new(),
        rpath: Vec::new(),
        undefined: Vec::new(),
        exported: Vec::new(),
    };
    if let Some((dynamic, strings_index)) = sections.dynamic(endian, data)? {
        object.is_dynamic = true;
        let strings = sections.strings(endian, data, strings_index)?;
        let (mut rpath, mut runpath) = (None, None);
        for entry in dynamic {
            let Some(tag) = entry.tag32(endian) else { continue };
            let text = || entry.string(endian, strings).map(|s| String::from_utf8_lossy(s).into_owned());
            match tag {
                elf::DT_NEEDED => object.needed.push(text()?),
                elf::DT_SONAME => object.soname = Some(text()?),
                elf::DT_RPATH => rpath = Some(text()?),
                elf::DT_RUNPATH => runpath = Some(text()?),
                _ => {}
            }
        }
        // objdump prints both; dpkg keeps RUNPATH when there is one.
        if let Some(path) = runpath.or(rpath).filter(|p| !p.is_empty()) {
            object.rpath = path.split(':').map(str::to_string).collect();
        }
    }

    let symbols = sections.symbols(endian, data, elf::SHT_DYNSYM)?;
    if symbols.is_empty() {
        return Ok(object);
    }
    let versions = sections.versions(endian, data)?;
    let copy_relocated = match copy_relocation_type(header.e_machine(endian)) {
        Some(copy) => copy_relocated_symbols::<Elf>(&sections, endian, data, symbols.section(), copy, is_mips64el)?,
        None => Vec::new(),
    };
    for (index, symbol) in symbols.enumerate() {
        if index.0 == 0 {
            continue;
        }
        let name = String::from_utf8_lossy(symbol.name(endian, symbols.strings())?).into_owned();
        let version = match &versions {
            Some(table) => table
                .version(table.version_index(endian, index))?
                .map(|v| String::from_utf8_lossy(v.name()).into_owned()),
            None => None,
        };
        let entry = DynamicSymbol { name, version, weak: symbol.is_weak() };
        let defined = !symbol.is_undefined(endian);
        if !defined || copy_relocated.contains(&(index.0 as u32)) {
            object.undefined.push(entry);
        } else if !symbol.is_local() {
            object.exported.push(entry);
        }
    }
    Ok(object)
}

/// Indices of the dynamic symbols a `R_*_COPY` relocation points at: an
/// executable's copy of a library's variable (`stdout`, `environ`) is
/// "defined" in the executable but still needs the library (dpkg marks
/// these undefined too).
fn copy_relocated_symbols<Elf: FileHeader<Endian = Endianness>>(
    sections: &object::read::elf::SectionTable<'_, Elf>,
    endian: Endianness,
    data: &[u8],
    dynsym: object::SectionIndex,
    copy: u32,
    is_mips64el: bool,
) -> object::Result<Vec<u32>> {
    let mut found = Vec::new();
    for section in sections.iter() {
        if section.link(endian) != dynsym {
            continue;
        }
        if let Some((relocs, _)) = section.rela(endian, data)? {
            found.extend(
                relocs.iter().filter(|r| r.r_type(endian, is_mips64el) == copy).map(|r| r.r_sym(endian, is_mips64el)),
            );
        }
        if let Some((relocs, _)) = section.rel(endian, data)? {
            found.extend(relocs.iter().filter(|r| r.r_type(endian) == copy).map(|r| r.r_sym(endian)));
        }
    }
    Ok(found)
}

fn copy_relocation_type(machine: u16) -> Option<u32> {
    Some(match machine {
        elf::EM_X86_64 => elf::R_X86_64_COPY,
        elf::EM_386 => elf::R_386_COPY,
        elf::EM_AARCH64 => elf::R_AARCH64_COPY,
        elf::EM_ARM => elf::R_ARM_COPY,
        elf::EM_PPC => elf::R_PPC_COPY,
        elf::EM_PPC64 => elf::R_PPC64_COPY,
        elf::EM_S390 => elf::R_390_COPY,
        elf::EM_RISCV => elf::R_RISCV_COPY,
        elf::EM_LOONGARCH => elf::R_LARCH_COPY,
        elf::EM_MIPS => elf::R_MIPS_COPY,
        elf::EM_SPARC | elf::EM_SPARCV9 => elf::R_SPARC_COPY,
        elf::EM_ALPHA => elf::R_ALPHA_COPY,
        elf::EM_SH => elf::R_SH_COPY,
        elf::EM_68K => elf::R_68K_COPY,
        elf::EM_IA_64 => elf::R_IA64_COPY,
        elf::EM_PARISC => elf::R_PARISC_COPY,
        _ => return None,
    })
}
