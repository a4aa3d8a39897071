//! `aptkit package`: debian/ templates + installed files -> .deb files.

use std::sync::Arc;

use anyhow::Context;
use aptkit_deb::DebWriter;
use serde_json::json;

use super::Outcome;
use crate::output;
use crate::settings::PackageSettings;

pub fn run(settings: PackageSettings) -> anyhow::Result<Outcome> {
    let plan = aptkit_debian_dir::plan(&settings.source_dir, &settings.options)
        .with_context(|| format!("cannot package `{}`", settings.source_dir.display()))?;
    for warning in &plan.warnings {
        output::warn(warning);
    }
    let total: u64 = plan
        .packages
        .iter()
        .flat_map(|p| p.tree.iter())
        .map(|(_, e)| match &e.node {
            aptkit_deb::Node::File { source: aptkit_deb::FileSource::Path(_), size } => *size,
            _ => 0,
        })
        .sum();
    let bar = output::byte_bar(total, &format!("packaging {} {}", plan.source, plan.version), settings.json);
    let progress_bar = bar.clone();
    let writer = DebWriter {
        compression: settings.compression,
        threads: settings.threads,
        source_date_epoch: plan.source_date_epoch,
        progress: Some(Arc::new(move |n| progress_bar.inc(n))),
    };
    let built = aptkit_debian_dir::build(&plan, &settings.out, &writer)
        .with_context(|| format!("cannot write packages into `{}`", settings.out.display()))?;
    bar.finish_and_clear();

    if settings.json {
        let packages: Vec<_> = built
            .iter()
            .zip(&plan.packages)
            .map(|(b, p)| json!({"package": b.package, "version": p.version, "architecture": p.arch, "path": b.path, "size": b.size}))
            .collect();
        output::print_json(&json!({
            "source": plan.source,
            "version": plan.version,
            "source_date_epoch": plan.source_date_epoch,
            "packages": packages,
            "skipped": plan.skipped,
            "warnings": plan.warnings,
        }));
    } else {
        for b in &built {
            println!("{}  ({} bytes)", b.path.display(), b.size);
        }
        for skipped in &plan.skipped {
            eprintln!("skipped {skipped}: not built for architecture {}", settings.options.host_arch);
        }
    }
    Ok(Outcome::Success)
}
