//! The compile stage in a container: the Build-Depends installed into an
//! image of their own, then the compile commands run in a throwaway
//! container of it.
//!
//! Mount points, stable for `build` scripts to rely on:
//!
//! | path | what | mode |
//! |---|---|---|
//! | `/aptkit/src` | the unpacked source tree, a scratch copy; the working directory | read-write |
//! | `/aptkit/distros` | the distros directory (`$APTKIT_DISTRO_DIR` is the folder in it) | read-only |
//! | `/aptkit/out` | the build's output: the target's dpkg database for shlibs | read-write |
//! | `/aptkit/ctl` | the scripts aptkit runs | read-only |
//!
//! Nothing else of the host is mounted: the container never sees a key,
//! and it cannot write anywhere but the scratch source tree and the output
//! directory. The network is the host's (`--network host`), so that apt in
//! the image reaches the mirror the host uses and a build can fetch what
//! it needs (cargo, go modules).

use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use super::engine::Engine;
use super::error::{Error, Result};
use super::log::BuildLog;

pub const SRC: &str = "/aptkit/src";
pub const DISTROS: &str = "/aptkit/distros";
pub const OUT: &str = "/aptkit/out";
pub const CTL: &str = "/aptkit/ctl";

/// The image with `depends` installed on `base_id`, made once and kept
/// (tagged `aptkit-build-deps:<hash>`): installing a compiler takes a
/// minute, and a rebuild of the same Build-Depends on the same base should
/// not pay it again. Returns the image to compile in.
pub struct BuildDependsImage<'a> {
    pub engine: Engine,
    pub distro: &'a str,
    /// `DOCKER_BASE` and its image ID.
    pub base: &'a str,
    pub base_id: &'a str,
    /// The dependencies, as `apt-get satisfy` takes them.
    pub depends: &'a str,
    /// Where they come from, for messages.
    pub control: &'a Path,
    pub ctl: &'a Path,
}

impl BuildDependsImage<'_> {
    pub fn ensure(&self, log: &BuildLog) -> Result<String> {
        let BuildDependsImage { engine, distro, base, base_id, depends, control, ctl } = *self;
        let hash = Sha256::digest(format!("aptkit build-depends image 1\n{base_id}\n{depends}\n"));
        let tag = format!("aptkit-build-deps:{}", &hex::encode(hash)[..20]);
        if engine.image_id(&tag)?.is_some() {
            log.note(&format!("Build-Depends: already installed in {tag}"));
            return Ok(tag);
        }
        log.note(&format!("installing Build-Depends in {base}: {depends}"));
        let name = container_name(distro, "deps");
        let mut cmd = engine.command();
        cmd.args(["run", "--name", &name, "--network", "host"])
            .args(engine.run_options())
            .arg("--env")
            .arg(format!("APTKIT_BUILD_DEPENDS={depends}"))
            .args(mount(ctl, CTL, true))
            .args([base, "sh", &format!("{CTL}/build-depends.sh")]);
        let status = log.run(cmd);
        let status = match status {
            Ok(status) => status,
            Err(e) => {
                engine.remove_container(&name);
                return Err(e);
            }
        };
        if !status.success() {
            engine.remove_container(&name);
            let mut why =
                log.tail_matching(|l| l.starts_with("E:") || l.contains("Depends:") || l.contains("Unsatisfied"));
            if why.is_empty() {
                why.push(log.tail());
            }
            return Err(Error::BuildDepends {
                distro: distro.into(),
                image: base.into(),
                control: control.into(),
                why: why.iter().map(|l| format!("  {l}")).collect::<Vec<_>>().join("\n"),
                log: log.path().into(),
            });
        }
        let mut commit = engine.command();
        commit.args(["commit", "--change", &format!("LABEL org.aptkit.build-depends-of={base}"), &name, &tag]);
        let committed = log.run(commit);
        engine.remove_container(&name);
        let status = committed?;
        if !status.success() {
            return Err(Error::StepFailed {
                distro: distro.into(),
                what: format!("keeping the Build-Depends image ({} commit)", engine.name()),
                status: status.to_string(),
                tail: log.tail(),
                log: log.path().into(),
            });
        }
        Ok(tag)
    }
}

/// The target system of builds in `image` (a Build-Depends image), as
/// `${shlibs:Depends}` reads it: its dpkg database and library names,
/// exported once per image into `roots/<image>` (an image does not
/// change under its tag: the tag is the hash of its base and its
/// Build-Depends) and reused by every build from it.
pub fn target_root(
    engine: Engine,
    image: &str,
    roots: &Path,
    ctl: &Path,
    multiarch: &str,
    log: &BuildLog,
) -> Result<PathBuf> {
    let root = roots.join(image.replace([':', '/'], "_"));
    if root.join("var/lib/dpkg/status").is_file() {
        return Ok(root);
    }
    let scratch = |source| Error::Scratch { path: roots.into(), source };
    std::fs::create_dir_all(roots).map_err(scratch)?;
    let partial = tempfile::Builder::new().prefix(".partial-").tempdir_in(roots).map_err(scratch)?;
    log.note(&format!("exporting the dpkg database of {image}"));
    let name = container_name("target-root", "export");
    let mut cmd = engine.command();
    cmd.args(["run", "--rm", "--name", &name, "--network", "none"])
        .args(engine.run_options())
        .args(mount(partial.path(), OUT, false))
        .args(mount(ctl, CTL, true))
        .args(["--env", &format!("DEB_HOST_MULTIARCH={multiarch}"), "--env", &format!("APTKIT_EXPORT_ROOT={OUT}")]);
    if let Some(owner) = owner(engine, roots) {
        cmd.args(["--env", &format!("APTKIT_OWNER={owner}")]);
    }
    cmd.args([image, "sh", "-e", &format!("{CTL}/export-root.sh")]);
    let status = log.run(cmd)?;
    if !status.success() {
        engine.remove_container(&name);
        return Err(Error::StepFailed {
            distro: log.distro().into(),
            what: format!("exporting the dpkg database of {image}"),
            status: status.to_string(),
            tail: log.tail(),
            log: log.path().into(),
        });
    }
    // Another build may have exported the same image meanwhile: either copy is the same.
    match std::fs::rename(partial.path(), &root) {
        Ok(()) => {
            let _ = partial.keep();
        }
        Err(_) if root.join("var/lib/dpkg/status").is_file() => {}
        Err(source) => return Err(scratch(source)),
    }
    Ok(root)
}

/// What one compile container gets.
pub struct CompileRun<'a> {
    pub engine: Engine,
    pub distro: &'a str,
    pub image: &'a str,
    pub src: &'a Path,
    pub distros_root: &'a Path,
    pub out: &'a Path,
    pub ctl: &'a Path,
    /// `KEY=value` pairs for the compile commands.
    pub env: Vec<(String, String)>,
}

/// Run the compile script in a throwaway container; its exit status.
pub fn compile(run: &CompileRun<'_>, log: &BuildLog) -> Result<std::process::ExitStatus> {
    let name = container_name(run.distro, "compile");
    let mut cmd = run.engine.command();
    cmd.args(["run", "--rm", "--name", &name, "--network", "host", "--workdir", SRC]);
    cmd.args(run.engine.run_options());
    cmd.args(mount(run.src, SRC, false))
        .args(mount(run.distros_root, DISTROS, true))
        .args(mount(run.out, OUT, false))
        .args(mount(run.ctl, CTL, true));
    for (key, value) in &run.env {
        cmd.arg("--env").arg(format!("{key}={value}"));
    }
    cmd.args([run.image, "sh", &format!("{CTL}/compile.sh")]);
    let status = log.run(cmd);
    // A client that failed to start or was cut off can leave the container.
    if !matches!(status, Ok(s) if s.success()) {
        run.engine.remove_container(&name);
    }
    status
}

fn mount(host: &Path, container: &str, read_only: bool) -> [String; 2] {
    // `--mount` is one CSV record: a field with a comma or a quote is quoted.
    let source = format!("source={}", host.display());
    let source = if source.contains([',', '"']) { format!("\"{}\"", source.replace('"', "\"\"")) } else { source };
    let mut spec = format!("type=bind,{source},target={container}");
    if read_only {
        spec.push_str(",readonly");
    }
    ["--mount".to_string(), spec]
}

/// A container name that says what it is and cannot collide with another
/// build's, here or in a parallel job.
fn container_name(distro: &str, step: &str) -> String {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("aptkit-{step}-{distro}-{}-{n}", std::process::id())
}

/// The user the files made in the mounts go back to (Docker runs builds as
/// root; podman maps root to the user already): the owner of the build's
/// scratch directory, which this process made.
pub fn owner(engine: Engine, scratch: &Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    if engine != Engine::Docker {
        return None;
    }
    let meta = std::fs::metadata(scratch).ok()?;
    Some(format!("{}:{}", meta.uid(), meta.gid()))
}

/// Whether `cmd`'s program exists (for the host steps).
pub fn on_path(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program} >/dev/null 2>&1")])
        .status()
        .is_ok_and(|s| s.success())
}
