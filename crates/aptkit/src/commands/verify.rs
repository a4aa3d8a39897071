//! `aptkit verify` and `aptkit mirror`: one verification engine, reporting
//! or copying.

use std::sync::Arc;

use anyhow::Context;
use aptkit_store::Store;
use aptkit_verify::{Keyring, MirrorReport, Options, Report};

use super::Outcome;
use crate::cli::{MirrorArgs, TrustArgs, VerifyArgs};
use crate::output;
use crate::settings::{self, ConfigFile};

pub fn run(args: VerifyArgs, config: &ConfigFile) -> anyhow::Result<Outcome> {
    let store = open(&args.location, &args.trust, config)?;
    let mut opts = options(&args.trust, std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1))?;
    opts.deep = args.deep;
    opts.state_file = args.state_file;
    let bar = output::byte_bar(0, "verifying pool", args.json || !args.deep);
    let progress = bar.clone();
    let report = aptkit_verify::verify(store.as_ref(), &opts, &move |n| progress.inc(n))
        .with_context(|| format!("cannot verify {}", args.location))?;
    bar.finish_and_clear();
    if args.json {
        output::print_json(&serde_json::to_value(&report)?);
    } else {
        print_report(&report, args.deep);
        println!("{}", if report.ok() { "verified: no problems found" } else { "verification FAILED" });
    }
    Ok(if report.ok() { Outcome::Success } else { Outcome::CheckFailed })
}

pub fn mirror(args: MirrorArgs, config: &ConfigFile) -> anyhow::Result<Outcome> {
    let store = open(&args.location, &args.trust, config)?;
    // Downloads wait on the network more than on the CPU.
    let jobs = args.jobs.unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).max(4));
    let opts = options(&args.trust, jobs)?;
    let bar = output::byte_bar(0, "downloading", args.json);
    let progress = bar.clone();
    let report = aptkit_verify::mirror(store.as_ref(), &args.dest, &opts, args.delete, &move |n| progress.inc(n))
        .with_context(|| format!("cannot mirror {} into `{}`", args.location, args.dest.display()))?;
    bar.finish_and_clear();
    if args.json {
        output::print_json(&serde_json::to_value(&report)?);
    } else {
        print_mirror_report(&report, &args);
    }
    Ok(if report.ok() { Outcome::Success } else { Outcome::CheckFailed })
}

fn open(location: &str, trust: &TrustArgs, config: &ConfigFile) -> anyhow::Result<Arc<dyn Store>> {
    let is_http = location.starts_with("http://") || location.starts_with("https://");
    anyhow::ensure!(
        !is_http || !trust.suites.is_empty(),
        "`{location}`: HTTP cannot list a repository; name the suites with --suite"
    );
    let local = match location.split_once("://") {
        None => Some(location),
        Some(("file", path)) => Some(path),
        Some(_) => None,
    };
    if let Some(path) = local {
        anyhow::ensure!(
            std::path::Path::new(path).is_dir(),
            "cannot read the repository `{location}`: no such directory"
        );
    }
    settings::open_source(location, config)
}

fn options(trust: &TrustArgs, threads: usize) -> anyhow::Result<Options> {
    let bytes =
        std::fs::read(&trust.keyring).with_context(|| format!("cannot read keyring `{}`", trust.keyring.display()))?;
    let keyring =
        Keyring::from_bytes(&bytes).with_context(|| format!("invalid keyring `{}`", trust.keyring.display()))?;
    Ok(Options {
        keyring,
        suites: trust.suites.clone(),
        deep: false,
        max_age: trust.max_age,
        required_signers: trust.required_signers.clone(),
        state_file: None,
        now: chrono::Utc::now().timestamp(),
        threads,
        components: trust.components.clone(),
        architectures: trust.architectures.clone(),
    })
}

fn print_report(report: &Report, deep: bool) {
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
}

fn print_mirror_report(report: &MirrorReport, args: &MirrorArgs) {
    print_report(&report.verification, false);
    println!(
        "downloaded {} pool files and {} indices ({} bytes), kept {} pool files, wrote {} metadata files, deleted {} pool files",
        report.pool_files_downloaded,
        report.indices_downloaded,
        report.bytes_downloaded,
        report.pool_files_kept,
        report.metadata_files_written,
        report.pool_files_deleted.len()
    );
    if report.ok() {
        println!("mirrored {} into {}", report.mirrored_suites.join(", "), args.dest.display());
    } else {
        println!("mirror FAILED: suites with findings were left as they were");
    }
}
