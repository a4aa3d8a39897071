//! Where the compile commands run: a Docker or podman container, or the
//! host. Containers are driven through the engine's own command line, as a
//! user would type it: `docker run`, `docker image inspect`, `docker
//! commit`. Nothing else about the engine is assumed, so podman, whose
//! command line is Docker's, is the same code with another program name.

use std::process::{Command, Stdio};

use super::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Docker,
    Podman,
    /// The host: no container, the host's own tools and libraries.
    Host,
}

impl Engine {
    /// `docker`, `podman`, `none`: as `--engine` takes them.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Docker => "docker",
            Engine::Podman => "podman",
            Engine::Host => "none",
        }
    }

    pub fn parse(name: &str) -> Option<Engine> {
        match name {
            "docker" => Some(Engine::Docker),
            "podman" => Some(Engine::Podman),
            "none" | "host" => Some(Engine::Host),
            _ => None,
        }
    }

    /// The engine to use when none is chosen: Docker where a Docker engine
    /// answers, else the host.
    pub fn detect() -> Engine {
        match Engine::Docker.check() {
            Ok(()) => Engine::Docker,
            Err(_) => Engine::Host,
        }
    }

    /// The engine's command, or `None` for the host.
    pub fn program(self) -> Option<String> {
        let var = match self {
            Engine::Docker => "APTKIT_DOCKER",
            Engine::Podman => "APTKIT_PODMAN",
            Engine::Host => return None,
        };
        Some(std::env::var(var).unwrap_or_else(|_| self.name().to_string()))
    }

    /// A command of the engine's (`docker ARGS…`).
    pub fn command(self) -> Command {
        let program = self.program().expect("the host has no engine command");
        let mut cmd = Command::new(program);
        cmd.stdin(Stdio::null());
        cmd
    }

    /// That the engine is installed and its daemon (for Docker) answers.
    pub fn check(self) -> Result<()> {
        let Some(program) = self.program() else { return Ok(()) };
        // Docker's client answers `version` without a daemon; its server
        // part needs one. podman has no daemon: its client's version is it.
        let format = if self == Engine::Docker { "{{.Server.Version}}" } else { "{{.Client.Version}}" };
        let out = match self.command().args(["version", "--format", format]).output() {
            Ok(out) => out,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::EngineMissing { engine: self.name().into(), program })
            }
            Err(source) => return Err(Error::Spawn { program, source }),
        };
        if out.status.success() {
            return Ok(());
        }
        let why = last_line(&out.stderr).unwrap_or_else(|| format!("`{program} version` failed ({})", out.status));
        Err(Error::EngineDown { engine: self.name().into(), why })
    }

    /// The ID of the local image `image`, or `None` when the engine has no
    /// such image.
    pub fn image_id(self, image: &str) -> Result<Option<String>> {
        let out = self
            .command()
            .args(["image", "inspect", "--format", "{{.Id}}", image])
            .output()
            .map_err(|source| Error::Spawn { program: self.program().unwrap_or_default(), source })?;
        let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
        Ok((out.status.success() && !id.is_empty()).then_some(id))
    }

    /// The ID of `image`, pulled first when it is not on this machine, as
    /// `docker run` would.
    pub fn ensure_image(self, distro: &str, image: &str) -> Result<String> {
        if let Some(id) = self.image_id(image)? {
            return Ok(id);
        }
        let out = self
            .command()
            .args(["pull", "--quiet", image])
            .output()
            .map_err(|source| Error::Spawn { program: self.program().unwrap_or_default(), source })?;
        let missing = |why: String| Error::ImageMissing { distro: distro.into(), image: image.into(), why };
        if !out.status.success() {
            return Err(missing(last_line(&out.stderr).unwrap_or_else(|| format!("pull failed ({})", out.status))));
        }
        self.image_id(image)?.ok_or_else(|| missing("pulled, but the engine does not list it".into()))
    }

    /// Options of every `run`: podman's containers get the host's resource
    /// limits, as Docker's do (podman's defaults can be below what a
    /// compiler's build system opens).
    pub fn run_options(self) -> &'static [&'static str] {
        match self {
            Engine::Podman => &["--ulimit", "host"],
            Engine::Docker | Engine::Host => &[],
        }
    }

    /// Remove a container, if it is still there (after a failed step).
    pub fn remove_container(self, name: &str) {
        let _ = self.command().args(["rm", "--force", name]).stdout(Stdio::null()).stderr(Stdio::null()).status();
    }
}

pub(super) fn last_line(bytes: &[u8]) -> Option<String> {
    String::from_utf8_lossy(bytes).lines().rev().map(str::trim).find(|l| !l.is_empty()).map(str::to_string)
}
