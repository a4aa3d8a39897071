//! Debian architecture names, their GNU triplets and architecture wildcards.

/// `(debian arch, multiarch triplet, cpu, bits, endianness)` for the release
/// architectures and the common ports.
const ARCHES: &[(&str, &str, &str, u32, &str)] = &[
    ("amd64", "x86_64-linux-gnu", "amd64", 64, "little"),
    ("arm64", "aarch64-linux-gnu", "arm64", 64, "little"),
    ("armel", "arm-linux-gnueabi", "arm", 32, "little"),
    ("armhf", "arm-linux-gnueabihf", "arm", 32, "little"),
    ("i386", "i386-linux-gnu", "i386", 32, "little"),
    ("mips64el", "mips64el-linux-gnuabi64", "mips64el", 64, "little"),
    ("ppc64el", "powerpc64le-linux-gnu", "ppc64el", 64, "little"),
    ("riscv64", "riscv64-linux-gnu", "riscv64", 64, "little"),
    ("s390x", "s390x-linux-gnu", "s390x", 64, "big"),
    ("loong64", "loongarch64-linux-gnu", "loong64", 64, "little"),
    ("ppc64", "powerpc64-linux-gnu", "ppc64", 64, "big"),
];

/// The dpkg architecture of this machine: `dpkg --print-architecture` where
/// dpkg exists, otherwise derived from the Rust target.
pub fn host_arch() -> String {
    if let Ok(out) = std::process::Command::new("dpkg").arg("--print-architecture").output() {
        let arch = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if out.status.success() && !arch.is_empty() {
            return arch;
        }
    }
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "i386",
        "arm" => "armhf",
        "powerpc64" if cfg!(target_endian = "little") => "ppc64el",
        "riscv64" => "riscv64",
        "s390x" => "s390x",
        "loongarch64" => "loong64",
        other => other,
    }
    .to_string()
}

fn lookup(arch: &str) -> Option<&'static (&'static str, &'static str, &'static str, u32, &'static str)> {
    ARCHES.iter().find(|a| a.0 == arch)
}

pub fn is_known(arch: &str) -> bool {
    arch == "all" || lookup(arch).is_some()
}

/// The value of a `DEB_HOST_*`/`DEB_BUILD_*` variable for `arch` (no
/// cross-building: build and host are the same machine).
pub fn variable(arch: &str, name: &str) -> Option<String> {
    let (debian, triplet, cpu, bits, endian) = *lookup(arch)?;
    let key = name.strip_prefix("DEB_HOST_").or_else(|| name.strip_prefix("DEB_BUILD_"))?;
    Some(match key {
        "ARCH" => debian.to_string(),
        "MULTIARCH" | "GNU_TYPE" => triplet.to_string(),
        "ARCH_CPU" => cpu.to_string(),
        "ARCH_OS" => "linux".to_string(),
        "ARCH_BITS" => bits.to_string(),
        "ARCH_ENDIAN" => endian.to_string(),
        "GNU_CPU" => triplet.split('-').next().unwrap_or(cpu).to_string(),
        "GNU_SYSTEM" => triplet.split_once('-').map(|(_, s)| s.to_string()).unwrap_or_default(),
        _ => return None,
    })
}

/// Does an `Architecture:` value of a binary paragraph build on `host`?
/// Returns the package architecture (`all` or `host`) or `None` to skip.
pub fn resolve(field: &str, host: &str) -> Option<String> {
    let mut any_match = false;
    for word in field.split_whitespace() {
        if word == "all" {
            return Some("all".to_string());
        }
        any_match |= matches_wildcard(word, host);
    }
    any_match.then(|| host.to_string())
}

fn matches_wildcard(word: &str, host: &str) -> bool {
    let cpu = lookup(host).map(|a| a.2).unwrap_or(host);
    match word {
        "any" | "linux-any" => true,
        w if w == host || w == format!("linux-{host}") => true,
        w => w.strip_prefix("any-").is_some_and(|c| c == cpu),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_architecture_fields() {
        assert_eq!(resolve("any", "amd64").as_deref(), Some("amd64"));
        assert_eq!(resolve("all", "amd64").as_deref(), Some("all"));
        assert_eq!(resolve("arm64 amd64", "amd64").as_deref(), Some("amd64"));
        assert_eq!(resolve("arm64", "amd64"), None);
        assert_eq!(resolve("any-amd64", "amd64").as_deref(), Some("amd64"));
        assert_eq!(variable("amd64", "DEB_HOST_MULTIARCH").as_deref(), Some("x86_64-linux-gnu"));
        assert_eq!(variable("arm64", "DEB_BUILD_ARCH_BITS").as_deref(), Some("64"));
    }
}
