//! `aptkit verify`.

use anyhow::Context;
use aptkit_verify::{Keyring, Options};

use super::Outcome;
use crate::cli::VerifyArgs;
use crate::output;
use crate::settings::{self, ConfigFile};

pub fn run(args: VerifyArgs, config: &ConfigFile) -> anyhow::Result<Outcome> {
    let is_http = args.location.starts_with("http://") || args.location.starts_with("https://");
    anyhow::ensure!(!is_http || !args.suites.is_empty(), "`{}`: HTTP cannot list a repository; name the suites with --suite", args.location);
    let store = settings::open_source(&args.location, config)?;
    let bytes = std::fs::read(&args.keyring).with_context(|| format!("cannot read keyring `{}`", args.keyring.display()))?;
    let keyring = Keyring::from_bytes(&bytes).with_context(|| format!("invalid keyring `{}`", args.keyring.display()))?;
    let total: u64 = 0;
    let bar = output::byte_bar(total, "verifying pool", args.json || !args.deep);
    let progress = bar.clone();
    let opts = Options {
        keyring,
        suites: args.suites,
        deep: args.deep,
        max_age: args.max_age,
        required_signers: args.required_signers,
        state_file: args.state_file,
        now: chrono::Utc::now().timestamp(),
        threads: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        components: args.components,
        architectures: args.architectures,
    };
    let report = aptkit_verify::verify(store.as_ref(), &opts, &move |n| progress.inc(n))
        .with_context(|| format!("cannot verify {}", args.location))?;
    bar.finish_and_clear();
    if args.json {
        output::print_json(&serde_json::to_value(&report)?);
    } else {
        for s in &report.suites {
            println!(
                "{}: signed by {}, {} indices, {} packages{}",
                s.suite,
                if s.signed_by.is_empty() { "nobody trusted".to_string() } else { s.signed_by.join(", ") },
                s.indices_checked,
                s.packages,
                if args.deep { format!(", {} pool files", s.pool_files_checked) } else { String::new() }
            );
        }
        for f in &report.findings {
            println!("FAIL {f}");
        }
        println!("{}", if report.ok() { "verified: no problems found" } else { "verification FAILED" });
    }
    Ok(if report.ok() { Outcome::Success } else { Outcome::CheckFailed })
}
