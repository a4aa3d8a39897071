//! `aptkit gc`.

use serde_json::json;

use super::Outcome;
use crate::output;
use crate::progress::{ProgressMode, PublishProgress};
use crate::settings::GcSettings;

pub fn run(settings: GcSettings) -> anyhow::Result<Outcome> {
    let GcSettings { repository, dry_run, min_age, by_hash_ttl, json, wait } = settings;
    let events = PublishProgress::new(ProgressMode::None, false);
    let report = repository.gc_waiting((min_age, by_hash_ttl), dry_run, wait, &events)?;
    if json {
        output::print_json(
            &json!({"dry_run": dry_run, "state": report.state, "public": report.public, "bytes": report.bytes}),
        );
    } else {
        let verb = if dry_run { "would delete" } else { "deleted" };
        report.state.iter().for_each(|k| println!("{verb} state {k}"));
        report.public.iter().for_each(|k| println!("{verb} public {k}"));
        eprintln!("{verb} {} objects, {} bytes", report.state.len() + report.public.len(), report.bytes);
    }
    Ok(Outcome::Success)
}
