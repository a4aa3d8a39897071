//! `aptkit package`: versions, architecture, compression and timestamps,
//! parsed and defaulted.

use std::path::PathBuf;

use anyhow::Context;
use aptkit_control::Version;
use aptkit_deb::Compression;
use aptkit_debian_dir::{arch, Options, ShlibsTarget};

use crate::cli::PackageArgs;

pub struct PackageSettings {
    pub source_dir: PathBuf,
    pub out: PathBuf,
    pub options: Options,
    pub compression: Compression,
    pub threads: u32,
    pub json: bool,
}

impl PackageSettings {
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
        Ok(PackageSettings {
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
                changelog_entry: None,
                shlibs: (!args.no_shlibs).then_some(ShlibsTarget { root: args.target_root }),
            },
            compression,
            threads,
            json: args.json,
        })
    }
}
