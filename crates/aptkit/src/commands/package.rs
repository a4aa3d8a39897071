//! `aptkit package`: debian/ templates + installed files -> .deb files.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use aptkit_control::Version;
use aptkit_deb::{Compression, DebWriter};
use aptkit_debian_dir::{arch, Options};
use serde_json::json;

use super::Outcome;
use crate::cli::PackageArgs;
use crate::output;

pub struct Settings {
    pub source_dir: PathBuf,
    pub out: PathBuf,
    pub options: Options,
    pub compression: Compression,
    pub threads: u32,
    pub json: bool,
}

impl Settings {
    pub fn from_args(args: PackageArgs) -> anyhow::Result<Self> {
        let compression: Compression =
            args.compression.parse().map_err(|e: String| anyhow::anyhow!(e)).context("invalid --compression")?;
        let version = args
            .pkg_version
            .as_deref()
            .map(|v| v.parse::<Version>().map_err(|e| anyhow::anyhow!("invalid --version `{v}`: {e}")))
            .transpose()?;
        let host_arch = args.arch.unwrap_or_else(arch::host_arch);
        if host_arch == "all" || !arch::is_known(&host_arch) {
            anyhow::bail!(
                "unknown architecture `{host_arch}` given to --arch (expected a machine architecture such as amd64)"
            );
        }
        let env_epoch = match std::env::var("SOURCE_DATE_EPOCH") {
            Ok(v) if !v.is_empty() => {
                Some(v.parse::<u64>().with_context(|| format!("invalid SOURCE_DATE_EPOCH `{v}` in the environment"))?)
            }
            _ => None,
        };
        let threads = args
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get() as u32).unwrap_or(1))
            .max(1);
        Ok(Settings {
            source_dir: args.source_dir,
            out: args.out,
            options: Options {
                version,
                source_date_epoch: args.source_date_epoch.or(env_epoch),
                only: args.packages,
                strip: (!args.no_strip).then(|| {
                    args.strip_program.unwrap_or_else(|| aptkit_debian_dir::default_strip_program(&host_arch))
                }),
                host_arch,
            },
            compression,
            threads,
            json: args.json,
        })
    }
}

pub fn run(settings: Settings) -> anyhow::Result<Outcome> {
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
