//! `aptkit index-html`.

use anyhow::Context;
use serde_json::json;

use super::Outcome;
use crate::output;
use crate::settings::IndexHtmlSettings;

pub fn run(settings: IndexHtmlSettings) -> anyhow::Result<Outcome> {
    let IndexHtmlSettings { public, prefix, dry_run, json } = settings;
    let location = public.location();
    let report = aptkit_repo::write_index_pages(public.as_ref(), &prefix, dry_run)
        .with_context(|| format!("cannot write index.html pages into the publish store {location}"))?;
    if json {
        output::print_json(&json!({
            "store": location,
            "dry_run": dry_run,
            "directories": report.directories,
            "written": report.written,
            "unchanged": report.unchanged,
            "removed": report.removed,
            "foreign": report.foreign,
        }));
        return Ok(Outcome::Success);
    }
    for key in &report.foreign {
        output::warn(&format!("left {key} alone: aptkit did not write it"));
    }
    if dry_run {
        report.written.iter().for_each(|k| println!("would write {k}"));
        report.removed.iter().for_each(|k| println!("would delete {k}"));
    }
    // Unlike the listed keys, the summary starts with a number: a script can tell them apart.
    let (written, removed) = if dry_run { ("would be written", "would be deleted") } else { ("written", "deleted") };
    let removed = match report.removed.len() {
        0 => String::new(),
        n => format!(", {n} of empty directories {removed}"),
    };
    println!(
        "{} of {} index.html pages {written} ({} unchanged{removed}) in {location}",
        report.written.len(),
        report.directories,
        report.unchanged
    );
    Ok(Outcome::Success)
}
