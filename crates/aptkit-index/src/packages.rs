use std::io::{self, Write};

use aptkit_control::Paragraph;

use crate::FileDigests;

/// The most a `Packages` index may hold once decompressed, for the readers
/// that hold one in memory (verify, mirror, depcheck's base indices): 1 GiB,
/// twenty times Debian bookworm's main/binary-amd64 (50 MB). A fixed cap
/// rather than a multiple of the compressed size, because an index of many
/// similar stanzas compresses far past any ratio one would fix, while a
/// compression bomb of zeros must still be refused before it fills memory.
pub const MAX_PACKAGES_SIZE: u64 = 1 << 30;

/// apt-ftparchive's field order for `Packages` (apt's tagfile-order.c);
/// fields it does not list follow in their control-file order.
pub const PACKAGE_FIELD_ORDER: &[&str] = &[
    "Package",
    "Package-Type",
    "Architecture",
    "Subarchitecture",
    "Version",
    "Kernel-Version",
    "Built-Using",
    "Built-For-Profiles",
    "Multi-Arch",
    "Priority",
    "Essential",
    "Installer-Menu-Item",
    "Section",
    "Source",
    "Origin",
    "Maintainer",
    "Original-Maintainer",
    "Bugs",
    "Installed-Size",
    "Provides",
    "Pre-Depends",
    "Depends",
    "Recommends",
    "Suggests",
    "Conflicts",
    "Breaks",
    "Replaces",
    "Enhances",
    "Filename",
    "Size",
    "MD5sum",
    "SHA1",
    "SHA256",
    "SHA512",
    "Homepage",
    "Description",
    "Tag",
    "Task",
];

/// The `Packages` stanza for a `.deb` with this control file, stored at
/// `filename` (relative to the repository root) with these digests.
pub fn package_stanza(control: &Paragraph, filename: &str, digests: &FileDigests) -> Paragraph {
    let mut fields: Vec<(String, String)> = control
        .fields()
        .iter()
        .filter(|f| !matches!(f.name.as_str(), "Filename" | "Size" | "MD5sum" | "SHA1" | "SHA256" | "SHA512"))
        .map(|f| (f.name.clone(), f.value.clone()))
        .collect();
    fields.push(("Filename".into(), filename.to_string()));
    fields.push(("Size".into(), digests.size.to_string()));
    fields.push(("MD5sum".into(), digests.md5_hex()));
    fields.push(("SHA256".into(), digests.sha256_hex()));
    let rank = |name: &str| {
        PACKAGE_FIELD_ORDER.iter().position(|o| o.eq_ignore_ascii_case(name)).unwrap_or(PACKAGE_FIELD_ORDER.len())
    };
    // A stable sort keeps unknown fields in their original order, after the known ones.
    fields.sort_by_key(|(name, _)| rank(name));
    let mut stanza = Paragraph::new();
    for (name, value) in fields {
        stanza.set(&name, value);
    }
    stanza
}

/// Write stanzas separated by blank lines, as a `Packages` file.
pub fn write_packages<'a>(stanzas: impl IntoIterator<Item = &'a Paragraph>, out: &mut impl Write) -> io::Result<()> {
    for (i, stanza) in stanzas.into_iter().enumerate() {
        if i > 0 {
            out.write_all(b"\n")?;
        }
        stanza.write_to(out)?;
    }
    Ok(())
}

/// The source package name: `Source` without its version, else `Package`.
pub fn source_name(control: &Paragraph) -> &str {
    source_name_from(control.get("Source"), control.get("Package").unwrap_or_default())
}

/// [`source_name`] from the two fields: `Source` (maybe `name (version)`)
/// and `Package`.
pub fn source_name_from<'a>(source: Option<&'a str>, package: &'a str) -> &'a str {
    source.and_then(|s| s.split_whitespace().next()).unwrap_or(package)
}

/// Debian's pool layout: `pool/main/h/hello/hello_1.0_amd64.deb`, with
/// `lib` sources under four letters (`pool/main/libg/libgreet/…`).
pub fn pool_path(component: &str, source: &str, file_name: &str) -> String {
    let initial =
        if source.starts_with("lib") && source.len() > 3 { &source[..4] } else { &source[..1.min(source.len())] };
    format!("pool/{component}/{initial}/{source}/{file_name}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use aptkit_control::parse_paragraphs;

    #[test]
    fn stanza_follows_apt_ftparchive_order() {
        let control = &parse_paragraphs(
            "Package: hello\nSource: hello-src\nVersion: 1.0-1\nArchitecture: amd64\nMaintainer: A <a@b>\nInstalled-Size: 40\nDepends: libc6\nSection: misc\nPriority: optional\nX-Custom: yes\nHomepage: https://h\nDescription: hi\n there\n",
        )
        .unwrap()[0];
        let d = FileDigests::of_bytes(b"deb");
        let stanza = package_stanza(control, "pool/main/h/hello-src/hello_1.0-1_amd64.deb", &d);
        let names: Vec<&str> = stanza.fields().iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "Package",
                "Architecture",
                "Version",
                "Priority",
                "Section",
                "Source",
                "Maintainer",
                "Installed-Size",
                "Depends",
                "Filename",
                "Size",
                "MD5sum",
                "SHA256",
                "Homepage",
                "Description",
                "X-Custom"
            ]
        );
    }

    #[test]
    fn pool_paths() {
        assert_eq!(pool_path("main", "hello", "h.deb"), "pool/main/h/hello/h.deb");
        assert_eq!(pool_path("main", "libgreet", "l.deb"), "pool/main/libg/libgreet/l.deb");
        assert_eq!(pool_path("contrib", "lib", "l.deb"), "pool/contrib/l/lib/l.deb");
    }
}
