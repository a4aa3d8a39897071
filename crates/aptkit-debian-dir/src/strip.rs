//! Stripping ELF objects as dh_strip does, with binutils' `strip` (the way
//! cargo-deb does it too): Debian packages ship stripped binaries, and
//! lintian rejects unstripped ones. Stripped copies go to a scratch
//! directory; the source tree is never modified.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use aptkit_deb::{FileSource, Node, Tree};

use crate::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ObjectKind {
    SharedLibrary,
    Executable,
    StaticLibrary,
}

/// Strip every ELF executable, shared library and static library in
/// `tree` with `program`, writing the stripped copies under `scratch`.
pub(crate) fn strip_tree(tree: &mut Tree, package: &str, program: &str, scratch: &Path) -> Result<()> {
    let mut count = 0usize;
    for (path, entry) in tree.iter_mut() {
        let Node::File { source: FileSource::Path(src), size } = &mut entry.node else { continue };
        if path.starts_with("usr/lib/debug") {
            continue;
        }
        let Some(kind) = classify(src, path.file_name())? else { continue };
        count += 1;
        let out = scratch.join(format!("{package}-{count}-{}", path.file_name()));
        let mut cmd = Command::new(program);
        cmd.args(["--remove-section=.comment", "--remove-section=.note"]);
        match kind {
            ObjectKind::SharedLibrary => cmd.arg("--strip-unneeded"),
            ObjectKind::Executable => &mut cmd,
            ObjectKind::StaticLibrary => cmd.args(["--strip-debug", "--enable-deterministic-archives"]),
        };
        cmd.arg("-o").arg(&out).arg(&*src);
        let output = cmd.output().map_err(|e| Error::Package {
            package: package.to_string(),
            message: format!(
                "cannot run `{program}` to strip `{}` ({e}); install binutils or pass --no-strip",
                src.display()
            ),
        })?;
        if !output.status.success() {
            return Err(Error::Package {
                package: package.to_string(),
                message: format!(
                    "`{program}` failed on `{}`: {}",
                    src.display(),
                    String::from_utf8_lossy(&output.stderr).trim()
                ),
            });
        }
        *size = fs_err::metadata(&out).map_err(Error::read(&out))?.len();
        *src = PathBuf::from(&out);
    }
    Ok(())
}

fn classify(path: &Path, name: &str) -> Result<Option<ObjectKind>> {
    let mut head = [0u8; 18];
    let mut file = fs_err::File::open(path).map_err(Error::read(path))?;
    let n = read_up_to(&mut file, &mut head).map_err(Error::read(path))?;
    if n >= 8 && &head[..8] == b"!<arch>\n" && name.ends_with(".a") {
        return Ok(Some(ObjectKind::StaticLibrary));
    }
    if n < 18 || &head[..4] != b"\x7fELF" {
        return Ok(None);
    }
    let e_type = match head[5] {
        1 => u16::from_le_bytes([head[16], head[17]]),
        _ => u16::from_be_bytes([head[16], head[17]]),
    };
    Ok(match e_type {
        2 => Some(ObjectKind::Executable),
        // ET_DYN is both shared libraries and position-independent executables.
        3 if crate::fixups::is_shared_library_name(name) => Some(ObjectKind::SharedLibrary),
        3 => Some(ObjectKind::Executable),
        _ => None,
    })
}

fn read_up_to(file: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}
