//! A build's log: every line a step prints goes to the build's log file and
//! to the caller (who shows it prefixed with the distro id), and the last
//! lines are kept for the error message of a failed step.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Mutex;

use super::error::{Error, Result};

/// Lines of a failed step shown in its error.
const TAIL_LINES: usize = 25;

/// Where a build's output lines go as they are printed.
pub trait LogSink: Sync {
    fn line(&self, distro: &str, line: &str);
}

impl<F: Fn(&str, &str) + Sync> LogSink for F {
    fn line(&self, distro: &str, line: &str) {
        self(distro, line)
    }
}

/// Drops every line (the log file still gets them).
pub struct Quiet;

impl LogSink for Quiet {
    fn line(&self, _: &str, _: &str) {}
}

pub struct BuildLog<'a> {
    distro: String,
    path: PathBuf,
    file: Mutex<std::fs::File>,
    tail: Mutex<VecDeque<String>>,
    sink: &'a dyn LogSink,
}

impl<'a> BuildLog<'a> {
    pub fn create(distro: &str, path: &Path, sink: &'a dyn LogSink) -> Result<Self> {
        let log_err = |source| Error::Log { distro: distro.into(), path: path.into(), source };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(log_err)?;
        }
        let file = std::fs::File::create(path).map_err(log_err)?;
        Ok(BuildLog {
            distro: distro.into(),
            path: path.into(),
            file: Mutex::new(file),
            tail: Mutex::new(VecDeque::new()),
            sink,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A line of aptkit's own (`==> installing Build-Depends`).
    pub fn note(&self, text: &str) {
        self.line(&format!("==> {text}"));
    }

    pub fn line(&self, line: &str) {
        {
            let mut file = self.file.lock().expect("log lock");
            // A log that cannot be written does not stop a build; the
            // step's own status decides.
            let _ = writeln!(file, "{line}");
        }
        let mut tail = self.tail.lock().expect("tail lock");
        if tail.len() == TAIL_LINES {
            tail.pop_front();
        }
        tail.push_back(line.to_string());
        drop(tail);
        self.sink.line(&self.distro, line);
    }

    /// The last lines logged, indented, for an error message.
    pub fn tail(&self) -> String {
        let tail = self.tail.lock().expect("tail lock");
        tail.iter().map(|l| format!("  | {l}")).collect::<Vec<_>>().join("\n")
    }

    /// The lines of the tail that match `keep` (apt's `E:` lines).
    pub fn tail_matching(&self, keep: impl Fn(&str) -> bool) -> Vec<String> {
        self.tail.lock().expect("tail lock").iter().filter(|l| keep(l)).cloned().collect()
    }

    /// Run `cmd` with its stdout and stderr, interleaved as printed, going
    /// to this log; its stdin is empty.
    pub fn run(&self, mut cmd: Command) -> Result<ExitStatus> {
        let program = cmd.get_program().to_string_lossy().into_owned();
        let spawn = |source| Error::Spawn { program: program.clone(), source };
        let (reader, writer) = std::io::pipe().map_err(spawn)?;
        let writer_err = writer.try_clone().map_err(spawn)?;
        cmd.stdin(Stdio::null()).stdout(writer).stderr(writer_err);
        let mut child = cmd.spawn().map_err(spawn)?;
        // The child holds the pipe's writing ends now; ours are gone with
        // `cmd`, so the reader ends when the child (and anything it left
        // running with the pipe open) exits.
        drop(cmd);
        let mut lines = BufReader::new(reader);
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match lines.read_until(b'\n', &mut buf) {
                Ok(0) => break,
                Ok(_) => {
                    let text = String::from_utf8_lossy(&buf);
                    // Progress output redraws with `\r`: keep its last state.
                    let text = text.trim_end_matches(['\n', '\r']);
                    let text = text.rsplit('\r').next().unwrap_or(text);
                    self.line(text);
                }
                Err(_) => break,
            }
        }
        child.wait().map_err(spawn)
    }
}
