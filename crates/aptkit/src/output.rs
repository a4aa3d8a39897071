//! How results reach people and machines: `error:` / `caused by:` lines,
//! JSON documents, progress bars on a terminal and plain lines in a log.

use std::io::{IsTerminal, Write};

use aptkit_repo::PackageSet;
use aptkit_verify::Report;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

pub fn print_error(err: &anyhow::Error) {
    eprintln!("error: {err}");
    for cause in err.chain().skip(1) {
        eprintln!("  caused by: {cause}");
    }
    if exit_code_of(err) == std::process::ExitCode::from(EXIT_RETRY_LATER) {
        eprintln!("  (this may pass if run again later: exit code {EXIT_RETRY_LATER})");
    } else if err.chain().any(|cause| {
        cause.downcast_ref::<aptkit_store::Error>().is_some()
            || cause.downcast_ref::<aptkit_repo::Error>().is_some_and(|e| {
                matches!(e.kind(), aptkit_repo::ErrorKind::Store { .. } | aptkit_repo::ErrorKind::Cdn { .. })
            })
    }) {
        // A store or the CDN refused (permissions, a missing bucket or
        // distribution, a bad request): CI should not loop on it.
        eprintln!("  (running it again will not help until the cause above is fixed: exit code 2)");
    }
}

/// EX_TEMPFAIL (sysexits.h): the command failed, and running it again
/// unchanged may succeed (another job held the suite, the state changed
/// under it, the store was unreachable). CI retries on this code alone.
pub const EXIT_RETRY_LATER: u8 = 75;

/// The exit code for an error: [`EXIT_RETRY_LATER`] when its cause says a
/// retry may succeed, else 2.
pub fn exit_code_of(err: &anyhow::Error) -> std::process::ExitCode {
    let retryable = err.chain().any(|cause| {
        cause.downcast_ref::<aptkit_repo::Error>().is_some_and(aptkit_repo::Error::is_retryable)
            || cause.downcast_ref::<aptkit_store::Error>().is_some_and(aptkit_store::Error::is_transient)
            || cause.downcast_ref::<aptkit_verify::Error>().is_some_and(aptkit_verify::Error::is_transient)
    });
    std::process::ExitCode::from(if retryable { EXIT_RETRY_LATER } else { 2 })
}

pub fn print_json(value: &serde_json::Value) {
    println!("{}", serde_json::to_string_pretty(value).expect("JSON values always serialise"));
}

/// A repo's or snapshot's packages: one key a line, or a JSON list.
pub fn print_package_set(set: &PackageSet, json: bool) {
    if json {
        print_json(&json!(set
            .iter()
            .map(|r| json!({"package": r.name(), "version": r.version(), "architecture": r.arch(), "sha256": r.sha256(), "size": r.size()}))
            .collect::<Vec<_>>()));
    } else {
        for r in set.iter() {
            println!("{}", r.key());
        }
    }
}

/// A verification: one line per suite, then one per finding (`verify` and
/// `mirror`).
pub fn print_verification(report: &Report, deep: bool) {
    for s in &report.suites {
        println!(
            "{}: signed by {}, {} indices, {} packages{}",
            s.suite,
            if s.signed_by.is_empty() { "nobody trusted".to_string() } else { s.signed_by.join(", ") },
            s.indices_checked,
            s.packages,
            if deep { format!(", {} pool files", s.pool_files_checked) } else { String::new() }
        );
    }
    for f in &report.findings {
        println!("FAIL {f}");
    }
    for s in &report.stale {
        println!("STALE {s}");
    }
}

pub fn warn(message: &str) {
    eprintln!("warning: {message}");
}

/// A byte progress bar on stderr; off a terminal (a CI log) a plain line
/// every [`PLAIN_EVERY`] instead; hidden when output is for machines.
pub fn byte_bar(total: u64, message: &str, quiet: bool) -> ProgressBar {
    let template = if std::io::stderr().is_terminal() {
        "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}"
    } else {
        "{msg}: {bytes} of {total_bytes} ({bytes_per_sec}), {elapsed}"
    };
    progress(ProgressBar::new(total), template, message, quiet)
}

/// A counting progress bar (packages, files) on stderr, as [`byte_bar`]. A
/// zero total is a spinner.
pub fn count_bar(total: u64, message: &str, quiet: bool) -> ProgressBar {
    let bar = if total == 0 { ProgressBar::new_spinner() } else { ProgressBar::new(total) };
    let template =
        if std::io::stderr().is_terminal() { "{spinner} {msg} {pos} {elapsed}" } else { "{msg}: {pos}, {elapsed}" };
    progress(bar, template, message, quiet)
}

fn progress(bar: ProgressBar, template: &str, message: &str, quiet: bool) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    if !std::io::stderr().is_terminal() {
        let lines = PlainLines::new(PLAIN_EVERY, Box::new(std::io::stderr()));
        bar.set_draw_target(indicatif::ProgressDrawTarget::term_like_with_hz(Box::new(lines), 1));
        // Work that moves no counter for a while (one large upload) still
        // gets its line.
        bar.enable_steady_tick(PLAIN_EVERY);
    }
    bar.set_style(ProgressStyle::with_template(template).expect("static template is valid").progress_chars("=> "));
    bar.set_message(message.to_string());
    bar
}

/// How often progress is a line in a log.
pub const PLAIN_EVERY: std::time::Duration = std::time::Duration::from_secs(10);

/// A draw target for indicatif that writes what a bar would show as one
/// plain line on stderr, every [`PLAIN_EVERY`] from the start (a command
/// done sooner prints none; its summary says the rest): CI logs get
/// progress without cursor movements or a line per tick.
struct PlainLines {
    every: std::time::Duration,
    out: std::sync::Mutex<Box<dyn std::io::Write + Send>>,
    /// What is being drawn, and when the last line was printed.
    drawn: std::sync::Mutex<(String, std::time::Instant)>,
}

impl PlainLines {
    fn new(every: std::time::Duration, out: Box<dyn std::io::Write + Send>) -> Self {
        let drawn = std::sync::Mutex::new((String::new(), std::time::Instant::now()));
        PlainLines { every, out: std::sync::Mutex::new(out), drawn }
    }
}

impl std::fmt::Debug for PlainLines {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlainLines").field("every", &self.every).finish_non_exhaustive()
    }
}

impl indicatif::TermLike for PlainLines {
    fn width(&self) -> u16 {
        200
    }
    fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn write_line(&self, s: &str) -> std::io::Result<()> {
        self.write_str(s)
    }
    fn write_str(&self, s: &str) -> std::io::Result<()> {
        self.drawn.lock().expect("not poisoned").0.push_str(s);
        Ok(())
    }
    fn clear_line(&self) -> std::io::Result<()> {
        Ok(())
    }
    fn flush(&self) -> std::io::Result<()> {
        let mut drawn = self.drawn.lock().expect("not poisoned");
        let line = std::mem::take(&mut drawn.0);
        let line = line.trim();
        if drawn.1.elapsed() >= self.every && !line.is_empty() {
            writeln!(self.out.lock().expect("not poisoned"), "{line}")?;
            drawn.1 = std::time::Instant::now();
        }
        Ok(())
    }
}

/// The writes a dry run of `what` would make: a line each, or as JSON
/// (`{"dry_run": true, <subject>: what, "plan": [...]}` with `extra`'s
/// fields).
pub fn print_planned(subject: &str, what: &str, plan: &[aptkit_store::Planned], json: bool, extra: serde_json::Value) {
    if json {
        let mut out = serde_json::json!({"dry_run": true, subject: what, "plan": plan});
        if let (Some(out), serde_json::Value::Object(extra)) = (out.as_object_mut(), extra) {
            out.extend(extra);
        }
        print_json(&out);
        return;
    }
    for p in plan {
        let from = p.from.as_ref().map(|f| format!(" from {f}")).unwrap_or_default();
        println!("would {} {}/{} ({} bytes){from}", p.op, p.location, p.key, p.size);
    }
    println!("dry run of {what}: {} writes planned, nothing written", plan.len());
}

#[cfg(test)]
mod exit_code_tests {
    use std::process::ExitCode;

    use super::{exit_code_of, EXIT_RETRY_LATER};

    fn store_error(source: std::io::Error, unavailable: bool) -> aptkit_store::Error {
        let (op, key, location) = ("read", "dists/stable/InRelease".to_string(), "s3://b".to_string());
        if unavailable {
            aptkit_store::Error::Unavailable { op, key, location, source }
        } else {
            aptkit_store::Error::Io { op, key, location, source }
        }
    }

    #[test]
    fn only_errors_a_retry_may_cure_exit_75() {
        let retry = ExitCode::from(EXIT_RETRY_LATER);
        let wrapped = |e: aptkit_repo::Error| anyhow::Error::new(e).context("cannot update `stable`");
        let down = store_error(std::io::Error::other("HTTP 503"), true);
        assert_eq!(exit_code_of(&wrapped(aptkit_repo::Error::Store(down))), retry);
        let denied = store_error(std::io::Error::other("S3 error AccessDenied (HTTP 403)"), false);
        assert_eq!(exit_code_of(&wrapped(aptkit_repo::Error::Store(denied))), ExitCode::from(2));
        let stale = aptkit_repo::Error::Stale { subject: "stable".into(), reason: "changed".into() };
        assert_eq!(exit_code_of(&wrapped(stale)), retry);
        assert_eq!(exit_code_of(&wrapped(aptkit_repo::Error::Invalid("bad".into()))), ExitCode::from(2));
        // verify and mirror: a read broken off like a network connection.
        let cut = aptkit_verify::Error::Read {
            path: "pool/a.deb".into(),
            source: std::io::Error::from(std::io::ErrorKind::ConnectionReset),
        };
        assert_eq!(exit_code_of(&anyhow::Error::new(cut)), retry);
        // A CDN purge after the publish: CloudFront busy, or the distribution unknown.
        let cdn = |retryable| aptkit_repo::Error::Cdn {
            cdn: "CloudFront distribution E1".into(),
            publications: vec!["stable".into()],
            source: aptkit_repo::CdnError { message: "TooManyInvalidationsInProgress".into(), retryable },
        };
        assert_eq!(exit_code_of(&wrapped(cdn(true))), retry);
        assert_eq!(exit_code_of(&wrapped(cdn(false))), ExitCode::from(2));
        let corrupt = aptkit_verify::Error::EmptyKeyring;
        assert_eq!(exit_code_of(&anyhow::Error::new(corrupt)), ExitCode::from(2));
    }
}

#[cfg(test)]
mod plain_lines_tests {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

    use super::PlainLines;

    /// A writer whose bytes the test reads back.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn bar(every: Duration, out: &Shared) -> ProgressBar {
        let bar = ProgressBar::new(0);
        let lines = PlainLines::new(every, Box::new(out.clone()));
        bar.set_draw_target(ProgressDrawTarget::term_like_with_hz(Box::new(lines), 20));
        bar.set_style(ProgressStyle::with_template("{msg}: {pos}").unwrap());
        bar.set_message("adding to main");
        bar
    }

    #[test]
    fn a_log_gets_whole_plain_lines_no_sooner_than_every_interval() {
        // Due at once: each draw is one plain line, no escapes, no `\r`.
        let out = Shared::default();
        let fast = bar(Duration::ZERO, &out);
        for _ in 0..3 {
            fast.inc(1);
            std::thread::sleep(Duration::from_millis(60));
        }
        fast.abandon();
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        assert!(text.lines().count() >= 2, "{text:?}");
        assert!(text.lines().all(|l| l.starts_with("adding to main: ") && !l.contains('\r') && !l.contains('\x1b')));
        assert_eq!(text.lines().last(), Some("adding to main: 3"), "{text:?}");

        // Not due yet: a short command prints no progress at all.
        let out = Shared::default();
        let slow = bar(Duration::from_secs(3600), &out);
        slow.inc(5);
        slow.abandon();
        assert!(out.0.lock().unwrap().is_empty());
    }
}
