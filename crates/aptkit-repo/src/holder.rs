//! Who holds a publish claim, told precisely enough that a claim left by a
//! killed publisher (Ctrl-C, a cancelled CI job, SIGKILL) on this machine
//! can be taken over at once instead of after [`crate::state::CLAIM_TTL`].
//!
//! A process is named by its pid, the time it started (pids are reused)
//! and the pid namespace and kernel boot it lives in (containers on one
//! kernel share the boot but not the namespace). Only a holder from this
//! boot and this namespace can be checked; any other (another machine, a
//! container, the machine before a reboot) counts as alive until its claim
//! expires.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    /// For messages only: the host name.
    pub host: String,
    pub pid: u32,
    /// Since boot, in clock ticks (`/proc/<pid>/stat`, field 22).
    pub started: u64,
    /// `/proc/sys/kernel/random/boot_id`.
    pub boot: String,
    /// `/proc/self/ns/pid`, e.g. `pid:[4026531836]`.
    pub pid_namespace: String,
}

impl Holder {
    /// This process, where the system tells (Linux); `None` elsewhere.
    pub fn this_process() -> Option<Holder> {
        Self::of_process(std::process::id())
    }

    /// Process `pid` of this namespace, if it is running.
    pub fn of_process(pid: u32) -> Option<Holder> {
        Some(Holder {
            host: read_trimmed("/proc/sys/kernel/hostname").unwrap_or_default(),
            pid,
            started: start_time(pid)?,
            boot: read_trimmed("/proc/sys/kernel/random/boot_id")?,
            pid_namespace: std::fs::read_link("/proc/self/ns/pid").ok()?.to_string_lossy().into_owned(),
        })
    }

    /// True only when the holder is certainly gone: it ran in this pid
    /// namespace on this boot, and no process with its pid and start time
    /// runs now.
    pub fn is_gone(&self) -> bool {
        let Some(here) = Self::this_process() else { return false };
        if here.boot != self.boot || here.pid_namespace != self.pid_namespace {
            return false;
        }
        match start_time(self.pid) {
            Some(started) => started != self.started,
            // /proc may hide other users' processes (hidepid): gone only
            // if kill(2), which sees them all, finds no such process.
            None => !process_exists(self.pid),
        }
    }
}

fn process_exists(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else { return false };
    // SAFETY: signal 0 sends nothing; it only checks that the process exists.
    let sent = unsafe { libc::kill(pid, 0) };
    sent == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

fn read_trimmed(path: &str) -> Option<String> {
    std::fs::read_to_string(path).ok().map(|s| s.trim().to_string())
}

/// Field 22 of `/proc/<pid>/stat`. The second field (the command name, in
/// parentheses) may hold spaces and parentheses itself: count from the
/// last `)`.
fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = &stat[stat.rfind(')')? + 1..];
    // Fields from the third (state) on: the 22nd is the 20th of these.
    after_name.split_whitespace().nth(19)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_running_process_is_not_gone_and_an_exited_one_is() {
        let me = Holder::this_process().expect("Linux tells who a process is");
        assert!(!me.is_gone());
        let mut child = std::process::Command::new("sleep").arg("30").spawn().unwrap();
        let holder = Holder::of_process(child.id()).unwrap();
        assert_ne!(holder.started, 0);
        assert!(!holder.is_gone());
        // kill(2) sees pid 1, which always runs; no pid is u32::MAX.
        assert!(process_exists(1) && !process_exists(u32::MAX));
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(holder.is_gone());
        // The same pid started at another time is another process.
        assert!(Holder { started: me.started + 1, ..me.clone() }.is_gone());
        // Held in another namespace, or before a reboot: cannot be told.
        assert!(!Holder { pid_namespace: "pid:[1]".into(), ..holder.clone() }.is_gone());
        assert!(!Holder { boot: "another boot".into(), ..holder }.is_gone());
    }
}
