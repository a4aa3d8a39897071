//! Following symlinks inside a root that is not `/`: the target root (whose
//! absolute symlinks point into itself, as after a chroot) or a package's
//! tree being built.

/// What a path names, without following a final symlink.
pub(crate) enum Kind {
    Dir,
    File,
    Symlink(String),
}

/// Symlinks followed before giving up (the kernel's limit).
const MAX_LINKS: usize = 40;

/// The canonical path (absolute, `/`-separated, no symlinks) of the regular
/// file `path` names inside a root described by `kind`, or `None` when
/// there is no such file. `..` never leaves the root.
pub(crate) fn resolve_file(path: &str, kind: &dyn Fn(&str) -> Option<Kind>) -> Option<String> {
    let (resolved, final_kind) = resolve(path, kind)?;
    matches!(final_kind, Kind::File).then_some(resolved)
}

fn resolve(path: &str, kind: &dyn Fn(&str) -> Option<Kind>) -> Option<(String, Kind)> {
    let mut pending: Vec<String> = components(path).into_iter().rev().collect();
    let mut done: Vec<String> = Vec::new();
    let mut links = 0;
    let mut last = Kind::Dir;
    while let Some(part) = pending.pop() {
        match part.as_str() {
            "." => continue,
            ".." => {
                done.pop();
                last = Kind::Dir;
                continue;
            }
            _ => {}
        }
        let candidate =
            format!("/{}", done.iter().chain(std::iter::once(&part)).cloned().collect::<Vec<_>>().join("/"));
        match kind(&candidate)? {
            Kind::Symlink(target) => {
                links += 1;
                if links > MAX_LINKS {
                    return None;
                }
                if target.starts_with('/') {
                    done.clear();
                }
                pending.extend(components(&target).into_iter().rev());
                last = Kind::Dir;
            }
            other => {
                if !pending.is_empty() && !matches!(other, Kind::Dir) {
                    return None; // a file in the middle of the path
                }
                done.push(part);
                last = other;
            }
        }
    }
    Some((format!("/{}", done.join("/")), last))
}

fn components(path: &str) -> Vec<String> {
    path.split('/').filter(|p| !p.is_empty()).map(str::to_string).collect()
}

/// `a//b/./c` -> `/a/b/c` (dpkg's canonpath; no symlinks followed).
pub(crate) fn tidy(path: &str) -> String {
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty() && *p != ".").collect();
    format!("/{}", parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn fs() -> HashMap<&'static str, Kind> {
        let mut fs = HashMap::new();
        fs.insert("/lib", Kind::Symlink("usr/lib".into()));
        fs.insert("/usr", Kind::Dir);
        fs.insert("/usr/lib", Kind::Dir);
        fs.insert("/usr/lib/x", Kind::Dir);
        fs.insert("/usr/lib/x/libz.so.1", Kind::Symlink("libz.so.1.2.13".into()));
        fs.insert("/usr/lib/x/libz.so.1.2.13", Kind::File);
        fs.insert("/usr/lib/x/abs.so.1", Kind::Symlink("/lib/x/libz.so.1".into()));
        fs.insert("/usr/lib/x/up.so.1", Kind::Symlink("../../../../../usr/lib/x/libz.so.1.2.13".into()));
        fs.insert("/usr/lib/x/loop.so.1", Kind::Symlink("loop.so.1".into()));
        fs
    }

    #[test]
    fn follows_symlinks_inside_the_root() {
        let fs = fs();
        let kind = |p: &str| {
            fs.get(p).map(|k| match k {
                Kind::Dir => Kind::Dir,
                Kind::File => Kind::File,
                Kind::Symlink(t) => Kind::Symlink(t.clone()),
            })
        };
        let want = Some("/usr/lib/x/libz.so.1.2.13".to_string());
        assert_eq!(resolve_file("/lib/x/libz.so.1", &kind), want);
        assert_eq!(resolve_file("/usr/lib/x/abs.so.1", &kind), want);
        assert_eq!(resolve_file("/usr/lib/x/up.so.1", &kind), want);
        assert_eq!(resolve_file("/usr/lib/x/loop.so.1", &kind), None);
        assert_eq!(resolve_file("/usr/lib/x/none.so.1", &kind), None);
        assert_eq!(resolve_file("/usr/lib/x", &kind), None);
        assert_eq!(tidy("usr//lib/./x/"), "/usr/lib/x");
    }
}
