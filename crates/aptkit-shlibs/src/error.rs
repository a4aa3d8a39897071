use std::path::PathBuf;

/// What can go wrong computing shlibs dependencies. Every error names the
/// file it is about: the ELF object (as a path inside its package), the
/// library, or the symbols/shlibs file and line.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// dpkg-shlibdeps: "cannot find library … needed by …".
    #[error(
        "{elf}: needs `{soname}`, found neither in the packages being built nor in the target root `{}` \
         ({searched})",
        root.display()
    )]
    LibraryNotFound { elf: String, soname: String, root: PathBuf, searched: String },
    /// dpkg-shlibdeps: "no dependency information found for …".
    #[error(
        "{elf}: needs `{soname}` (found as `{library}`), but no package has a symbols or shlibs entry for it; \
         {hint}"
    )]
    NoDependencyInfo { elf: String, soname: String, library: String, hint: &'static str },
    #[error("{}:{line}: {message}", path.display())]
    Syntax { path: PathBuf, line: usize, message: String },
    #[error("{elf}: not a readable ELF object: {message}")]
    Elf { elf: String, message: String },
    #[error("failed to read `{}`", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub(crate) fn read(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
        move |source| Error::Read { path: path.to_path_buf(), source }
    }
}
