//! `aptkit mirror`: a verified copy of a published repository, with the
//! verification engine of `aptkit verify`.

use std::path::Path;

use anyhow::Context;
use aptkit_verify::{MirrorPlan, MirrorReport};

use super::Outcome;
use crate::output;
use crate::settings::MirrorSettings;

pub fn run(settings: MirrorSettings) -> anyhow::Result<Outcome> {
    let MirrorSettings { location, store, dest, options, delete, json, dry_run } = settings;
    if dry_run {
        let plan = aptkit_verify::mirror_plan(store.as_ref(), &dest, &options, delete)
            .with_context(|| format!("cannot plan a mirror of {location} into `{}`", dest.display()))?;
        if json {
            output::print_json(&serde_json::to_value(&plan)?);
        } else {
            print_mirror_plan(&plan, &dest, delete);
        }
        return Ok(if plan.ok() { Outcome::Success } else { Outcome::CheckFailed });
    }
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

fn print_mirror_plan(plan: &MirrorPlan, dest: &Path, delete: bool) {
    output::print_verification(&plan.verification, false);
    let dest_file = |file: &str| dest.join(file).display().to_string();
    for file in &plan.pool_files_to_download {
        println!("would download {}", dest_file(file));
    }
    for file in &plan.metadata_files_to_write {
        println!("would write {}", dest_file(file));
    }
    for file in plan.metadata_files_to_remove.iter().chain(&plan.pool_files_to_delete) {
        println!("would delete {}", dest_file(file));
    }
    println!(
        "would download {} pool files ({} bytes), keep {} pool files, write {} metadata files, delete {} files{}",
        plan.pool_files_to_download.len(),
        plan.pool_bytes_to_download,
        plan.pool_files_kept,
        plan.metadata_files_to_write.len(),
        plan.metadata_files_to_remove.len() + plan.pool_files_to_delete.len(),
        if delete && !plan.ok() { " (--delete deletes nothing while a suite has findings)" } else { "" }
    );
    if plan.ok() {
        println!(
            "dry run: {} would be mirrored into {}; nothing was written",
            plan.suites_to_mirror.join(", "),
            dest.display()
        );
    } else {
        println!("dry run: suites with findings would be left as they are; nothing was written");
    }
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
