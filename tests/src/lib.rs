//! Shared fixtures for the end-to-end tests: the freshly built `aptkit`
//! binary, the compiled example source tree, debhelper's reference build
//! of the same tree, and the real tools used as oracles.

mod apt;
pub mod moto;
pub mod proxy;

pub use apt::AptClient;

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, OnceLock};

/// The workspace root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ lies in the workspace").to_path_buf()
}

/// The `aptkit` binary, built by cargo for this very test run (a test
/// package cannot name another package's binary, so build it once here:
/// cargo is already done with its own lock when tests run).
///
/// `$APTKIT_TEST_BIN` names a binary built beforehand instead: a target
/// dir that two worktrees share keeps one `debug/aptkit`, whichever
/// compiled last, and cargo finds it fresh for the other worktree too.
pub fn aptkit_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Some(bin) = std::env::var_os("APTKIT_TEST_BIN").filter(|b| !b.is_empty()) {
            let bin = PathBuf::from(bin);
            assert!(bin.is_file(), "APTKIT_TEST_BIN: no aptkit binary at {}", bin.display());
            return bin;
        }
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "--quiet", "-p", "aptkit", "--bin", "aptkit"])
            .current_dir(repo_root())
            .status()
            .expect("run cargo build for the aptkit binary");
        assert!(status.success(), "building the aptkit binary failed");
        let target =
            std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| repo_root().join("target"));
        let bin = target.join("debug").join("aptkit");
        assert!(bin.is_file(), "no aptkit binary at {}", bin.display());
        bin
    })
}

pub fn aptkit() -> Command {
    let mut cmd = Command::new(aptkit_bin());
    cmd.env_remove("SOURCE_DATE_EPOCH");
    cmd
}

/// Run a command and insist that it succeeds, showing its output if not.
pub fn run_ok(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({})\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A tool the tests need: missing tools fail the test loudly, never skip it.
pub fn require_tool(name: &str) {
    let found = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(name).is_file()))
        .unwrap_or(false);
    assert!(found, "`{name}` is not installed: run scripts/install-test-tools.sh (the README's test command does)");
}

/// Every file under `dir`, recursively.
pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// `cp -a SRC DST`.
pub fn copy_tree(src: &Path, dst: &Path) {
    run_ok(Command::new("cp").arg("-a").arg(src).arg(dst));
}

/// The example source tree (`testdata/hello`) compiled once per test run
/// with its own compile step (`make install DESTDIR=debian/tmp`), as the
/// compile stage would leave it.
pub fn compiled_example() -> &'static Path {
    compiled_source("hello")
}

/// `testdata/<name>` compiled once per test run with its `compile.sh`.
pub fn compiled_source(name: &'static str) -> &'static Path {
    static TREES: OnceLock<Mutex<HashMap<&'static str, &'static Path>>> = OnceLock::new();
    once_per_name(&TREES, name, || {
        let dir = tempfile::tempdir().expect("temp dir");
        let tree = dir.path().join(name);
        copy_tree(&repo_root().join("testdata").join(name), &tree);
        run_ok(Command::new("sh").arg(tree.join("compile.sh")));
        assert!(tree.join("debian/tmp").is_dir(), "{name}/compile.sh installed nothing into debian/tmp");
        (dir, tree)
    })
}

/// Make something once per name for the whole test run; the temporary
/// directory lives as long as the process (as the other fixtures do).
fn once_per_name(
    cache: &'static OnceLock<Mutex<HashMap<&'static str, &'static Path>>>,
    name: &'static str,
    make: impl FnOnce() -> (tempfile::TempDir, PathBuf),
) -> &'static Path {
    let mut made = cache.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    if let Some(path) = made.get(name) {
        return path;
    }
    let (dir, path) = make();
    std::mem::forget(dir);
    let path: &'static Path = Box::leak(path.into_boxed_path());
    made.insert(name, path);
    path
}

/// A private copy of the compiled example, free to modify.
pub fn example_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let tree = dir.path().join("hello");
    copy_tree(compiled_example(), &tree);
    (dir, tree)
}

/// Package `tree` with aptkit into a fresh directory; returns the .debs.
pub fn package(tree: &Path, extra: &[&str]) -> (tempfile::TempDir, Vec<PathBuf>) {
    let out = tempfile::tempdir().expect("temp dir");
    run_ok(aptkit().arg("package").arg(tree).arg("--out").arg(out.path()).args(extra));
    let debs = debs_in(out.path());
    (out, debs)
}

pub fn debs_in(dir: &Path) -> Vec<PathBuf> {
    let mut debs: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read output dir")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "deb"))
        .collect();
    debs.sort();
    debs
}

/// Every name in a directory (to prove nothing, not even a temp file, was left).
pub fn dir_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// debhelper's own build of the example (`dpkg-buildpackage -b`), the
/// reference aptkit's output is compared with.
pub fn debhelper_reference() -> &'static Path {
    debhelper_build("hello")
}

/// `dpkg-buildpackage -b` of `testdata/<name>`: the directory holding the
/// `.deb` files.
pub fn debhelper_build(name: &'static str) -> &'static Path {
    static REFS: OnceLock<Mutex<HashMap<&'static str, &'static Path>>> = OnceLock::new();
    once_per_name(&REFS, name, || {
        require_tool("dpkg-buildpackage");
        require_tool("dh");
        let dir = tempfile::tempdir().expect("temp dir");
        let tree = dir.path().join("src").join(name);
        std::fs::create_dir_all(tree.parent().unwrap()).unwrap();
        copy_tree(&repo_root().join("testdata").join(name), &tree);
        run_ok(
            Command::new("dpkg-buildpackage")
                .args(["-b", "-us", "-uc"])
                .env("DEB_BUILD_OPTIONS", "noautodbgsym")
                .current_dir(&tree),
        );
        let debs_dir = dir.path().join("src");
        (dir, debs_dir)
    })
}

/// The package name of a `.deb` file name (`hello_1.0-1_amd64.deb` -> `hello`).
pub fn package_name(deb: &Path) -> String {
    deb.file_name().unwrap().to_string_lossy().split('_').next().unwrap().to_string()
}

/// A control file as `(field, value)` pairs, continuation lines joined.
pub fn control_fields(text: &str) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.starts_with([' ', '\t']) {
            let last = fields.last_mut().expect("continuation line after a field");
            last.1.push('\n');
            last.1.push_str(line);
        } else if let Some((k, v)) = line.split_once(':') {
            fields.push((k.to_string(), v.trim().to_string()));
        }
    }
    fields
}

/// The local image scripts/install-test-tools.sh makes (debootstrap
/// --variant=minbase bookworm, docker import): no registry is reachable.
pub fn test_image() -> String {
    let image = std::env::var("APTKIT_TEST_IMAGE").unwrap_or_else(|_| "localhost/aptkit-test/debian:bookworm".into());
    let found = Command::new("docker").args(["image", "inspect", &image]).output().expect("run docker");
    assert!(
        found.status.success(),
        "no image {image}: run scripts/install-test-tools.sh (the README's test command does)"
    );
    image
}

/// The minimal Debian root made by scripts/install-test-tools.sh (copy it
/// before changing anything).
pub fn rootfs() -> PathBuf {
    let path = std::env::var_os("APTKIT_TEST_ROOTFS")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target/test-rootfs/bookworm"));
    assert!(
        path.join("var/lib/dpkg/status").is_file(),
        "no Debian root at {}: run scripts/install-test-tools.sh (the README's test command does)",
        path.display()
    );
    path
}

/// Run a command inside `root`, insisting that it succeeds.
pub fn chroot(root: &Path, args: &[&str]) -> std::process::Output {
    run_ok(Command::new("chroot").arg(root).args(args).env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"))
}

/// `aptkit serve --root DIR` on a free loopback port, stopped when dropped.
pub struct Served {
    child: std::process::Child,
    pub port: u16,
}

impl Served {
    pub fn start(root: &Path) -> Self {
        use std::io::BufRead;
        let mut child = aptkit()
            .args(["serve", "--port", "0", "--root"])
            .arg(root)
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start aptkit serve");
        let mut line = String::new();
        std::io::BufReader::new(child.stderr.take().unwrap()).read_line(&mut line).unwrap();
        // "serving ROOT on http://127.0.0.1:PORT/ (Ctrl-C to stop)"
        let port = line
            .split("http://127.0.0.1:")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no port in `{line}`"));
        Served { child, port }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every path under `root` with what it is: a directory, a symlink's
/// target, or a file's executable bit and contents.
pub fn tree_of(root: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let rel = path.strip_prefix(root).unwrap().display().to_string();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let what = if meta.file_type().is_symlink() {
                format!("-> {}", std::fs::read_link(&path).unwrap().display())
            } else if meta.is_dir() {
                stack.push(path.clone());
                "dir".to_string()
            } else {
                let exec = meta.permissions().mode() & 0o100 != 0;
                format!("exec={exec} {}", String::from_utf8_lossy(&std::fs::read(&path).unwrap()))
            };
            out.push((rel, what));
        }
    }
    out.sort();
    out
}
