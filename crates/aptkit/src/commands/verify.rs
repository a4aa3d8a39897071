//! `aptkit verify`: signatures, freshness and every hash of a published
//! repository.

use anyhow::Context;

use super::Outcome;
use crate::output;
use crate::settings::VerifySettings;

pub fn run(settings: VerifySettings) -> anyhow::Result<Outcome> {
    let VerifySettings { location, store, options, json } = settings;
    let bar = output::byte_bar(0, "verifying pool", json || !options.deep);
    let progress = bar.clone();
    let report = aptkit_verify::verify(store.as_ref(), &options, &move |n| progress.inc(n))
        .with_context(|| format!("cannot verify {location}"))?;
    bar.finish_and_clear();
    if json {
        output::print_json(&serde_json::to_value(&report)?);
    } else {
        output::print_verification(&report, options.deep);
        println!("{}", if report.ok() { "verified: no problems found" } else { "verification FAILED" });
    }
    Ok(if report.ok() { Outcome::Success } else { Outcome::CheckFailed })
}
