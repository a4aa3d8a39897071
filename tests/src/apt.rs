//! A real apt client, isolated from the system: its own
//! sources, lists, cache and dpkg status in a temporary directory.

use std::path::Path;
use std::process::Command;

pub struct AptClient {
    dir: tempfile::TempDir,
}

impl AptClient {
    /// A client with one `sources.list` line. With `host_status`, it knows
    /// this machine's installed packages (so dependencies on libc6 resolve);
    /// otherwise it starts from an empty dpkg status.
    pub fn new(source_line: &str, host_status: bool) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let d = dir.path();
        for sub in [
            "etc/apt/sources.list.d",
            "etc/apt/preferences.d",
            "var/lib/apt/lists/partial",
            "var/cache/apt/archives/partial",
            "var/lib/dpkg",
        ] {
            std::fs::create_dir_all(d.join(sub)).unwrap();
        }
        let status = d.join("var/lib/dpkg/status");
        if host_status {
            std::fs::copy("/var/lib/dpkg/status", &status).unwrap();
        } else {
            std::fs::write(&status, "").unwrap();
        }
        std::fs::write(d.join("etc/apt/sources.list"), format!("{source_line}\n")).unwrap();
        AptClient { dir }
    }

    /// `deb [signed-by=KEYRING] file:ROOT SUITE main`
    pub fn for_directory(root: &Path, suite: &str, keyring: &Path) -> Self {
        Self::new(&format!("deb [signed-by={}] file:{} {suite} main", keyring.display(), root.display()), false)
    }

    pub fn cmd(&self, program: &str) -> Command {
        let d = self.dir.path();
        let mut cmd = Command::new(program);
        cmd.arg(format!("-oDir={}", d.display()))
            .arg(format!("-oDir::State::status={}", d.join("var/lib/dpkg/status").display()))
            .args(["-oDir::Etc::trusted=/dev/null", "-oDir::Etc::trustedparts=/dev/null", "-oAPT::Architecture=amd64"])
            .args(["-oDebug::NoLocking=1", "-oAPT::Sandbox::User=root"]);
        cmd
    }

    /// `apt-get update`: clean only if it succeeded with no warning or error.
    pub fn update(&self) -> (bool, String) {
        let out = self.cmd("apt-get").arg("update").output().expect("apt-get is installed");
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        (out.status.success() && !text.contains("W: ") && !text.contains("E: "), text)
    }

    /// The candidate version of `package`, as apt sees it.
    pub fn candidate(&self, package: &str) -> Option<String> {
        let out = self.cmd("apt-cache").args(["policy", package]).output().expect("apt-cache is installed");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .find_map(|l| l.trim().strip_prefix("Candidate: ").map(str::to_string))
            .filter(|v| v != "(none)")
    }

    /// `apt-get install --download-only -y package`: (success, output).
    pub fn download(&self, package: &str) -> (bool, String) {
        let out = self.cmd("apt-get").args(["install", "--download-only", "-y", package]).output().expect("apt-get");
        (
            out.status.success(),
            format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)),
        )
    }

    /// The .deb files downloaded so far.
    pub fn downloaded(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.dir.path().join("var/cache/apt/archives"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".deb"))
            .collect();
        names.sort();
        names
    }
}
