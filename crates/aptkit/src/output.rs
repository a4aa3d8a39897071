//! How results reach people and machines: `error:` / `caused by:` lines,
//! JSON documents, progress bars only on a terminal.

use std::io::IsTerminal;

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

/// A byte progress bar on stderr, hidden when stderr is not a terminal or
/// when output is for machines.
pub fn byte_bar(total: u64, message: &str, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}")
            .expect("static template is valid")
            .progress_chars("=> "),
    );
    bar.set_message(message.to_string());
    bar
}

/// A counting progress bar (packages, files) on stderr, hidden when not on
/// a terminal or when output is for machines. A zero total is a spinner.
pub fn count_bar(total: u64, message: &str, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = if total == 0 { ProgressBar::new_spinner() } else { ProgressBar::new(total) };
    bar.set_style(ProgressStyle::with_template("{spinner} {msg} {pos} {elapsed}").expect("static template is valid"));
    bar.set_message(message.to_string());
    bar
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
        println!("would {} {}/{} ({} bytes)", p.op, p.location, p.key, p.size);
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
