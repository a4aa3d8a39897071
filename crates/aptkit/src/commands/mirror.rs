//! `aptkit mirror`: a verified copy of a published repository, with the
//! verification engine of `aptkit verify`.

use std::path::Path;

use anyhow::Context;
use aptkit_verify::MirrorReport;

use super::Outcome;
use crate::output;
use crate::settings::MirrorSettings;

pub fn run(settings: MirrorSettings) -> anyhow::Result<Outcome> {
    let MirrorSettings { location, store, dest, options, delete, json } = settings;
    let bar = output::byte_bar(0, "downloading", json);
    let progress = bar.clone();
    let report = aptkit_verify::mirror(store.as_ref(), &dest, &options, delete, &move |n| progress.inc(n))
        .with_context(|| format!("cannot mirror {location} into `{}`", dest.display()))?;
    bar.finish_and_clear();
    if json {
        output::print_json(&serde_json::to_value(&report)?);
    } else {
        print_mirror_report(&report, &dest);
    }
    Ok(if report.ok() { Outcome::Success } else { Outcome::CheckFailed })
}

fn print_mirror_report(report: &MirrorReport, dest: &Path) {
    output::print_verification(&report.verification, false);
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
        println!("mirrored {} into {}", report.mirrored_suites.join(", "), dest.display());
    } else {
        println!("mirror FAILED: suites with findings were left as they were");
    }
}
