//! `aptkit publish …`.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::{PublishTarget, SigningArgs};
use crate::progress::ProgressMode;

#[derive(Debug, Args, Clone, Default)]
pub struct DependencyArgs {
    /// A Packages file (plain, .gz or .xz) of the base distribution that dependencies may be
    /// satisfied from, e.g. /var/lib/apt/lists/*_binary-amd64_Packages (repeatable)
    #[arg(long = "base-index", value_name = "FILE")]
    pub base_indices: Vec<PathBuf>,
    /// Publish even if some Depends/Pre-Depends cannot be satisfied
    #[arg(long)]
    pub skip_dependency_check: bool,
}

/// How long a command waits for a suite another job holds.
#[derive(Debug, Args, Clone, Default)]
pub struct WaitArgs {
    /// How long to wait for a suite another job holds (or gc), and to retry one that changed
    /// under this command, with backoff and jitter: e.g. 0 (refuse at once), 30s, 10m. Past it
    /// the command exits 75 [default: `[publish] wait` in aptkit.toml, else 10m]
    #[arg(long, value_name = "DURATION", value_parser = super::parse_duration)]
    pub wait: Option<std::time::Duration>,
}

/// How a publish shows its progress.
#[derive(Debug, Args, Clone, Default)]
pub struct ProgressArgs {
    /// Progress on stderr: auto (a bar on a terminal, plain lines in logs), bar, plain, json (one
    /// JSON object per event per line, for machines) or none (notes only)
    #[arg(long, value_enum, default_value_t = ProgressMode::Auto, value_name = "MODE")]
    pub progress: ProgressMode,
}

#[derive(Debug, Args)]
pub struct PublishNewArgs {
    /// Name of the repo or snapshot
    pub name: String,
    /// Distribution (suite) to publish as, e.g. `bookworm`
    #[arg(long, short = 'd')]
    pub distribution: String,
    #[arg(long, short = 'c', default_value = "main")]
    pub component: String,
    /// Architectures to index, comma-separated [default: those of the packages]
    #[arg(long, value_delimiter = ',')]
    pub architectures: Vec<String>,
    #[arg(long)]
    pub origin: Option<String>,
    #[arg(long)]
    pub label: Option<String>,
    /// Days the Release stays valid (sets Valid-Until; republish before then)
    #[arg(long, value_name = "DAYS")]
    pub valid_for: Option<u32>,
    /// Also publish Contents-<arch>.gz (which package ships which file, for apt-file)
    #[arg(long)]
    pub contents: bool,
    #[command(flatten)]
    pub how: PublishOptions,
}

/// What every publish takes (repo, snapshot, switch, update): where, signed
/// by which keys, the dependency check, progress and the report.
#[derive(Debug, Args)]
pub struct PublishOptions {
    #[command(flatten)]
    pub target: PublishTarget,
    #[command(flatten)]
    pub signing: SigningArgs,
    #[command(flatten)]
    pub deps: DependencyArgs,
    #[command(flatten)]
    pub progress: ProgressArgs,
    #[command(flatten)]
    pub wait: WaitArgs,
    #[command(flatten)]
    pub cdn: CdnArgs,
    /// Generations of by-hash index copies and pool files the suite keeps for clients holding
    /// an older InRelease, the current one included (1-20; gc deletes older ones once they are
    /// past --by-hash-ttl); kept by later publishes [default: `[publish] keep_generations`,
    /// else what the suite keeps, else 3]
    #[arg(long, value_name = "K")]
    pub keep_generations: Option<usize>,
    #[arg(long)]
    pub json: bool,
    /// Print the writes the publish would make (objects to create, replace, the state's
    /// compare-and-swaps) after every check it makes, and write nothing
    #[arg(long)]
    pub dry_run: bool,
}

/// The CDN in front of the publish store, purged once the publish is committed.
#[derive(Debug, Args, Clone, Default)]
pub struct CdnArgs {
    /// CloudFront distribution to invalidate the changed InRelease, Release and index paths on,
    /// once the publish is committed [default: [cloudfront] distribution in aptkit.toml]
    #[arg(long, value_name = "ID")]
    pub cloudfront_distribution: Option<String>,
    /// Wait until the CloudFront invalidation has completed (up to 20 minutes)
    #[arg(long)]
    pub purge_wait: bool,
}

#[derive(Debug, Subcommand)]
pub enum PublishCommand {
    /// Publish a repo
    #[command(
        after_help = "Examples:\n  aptkit publish repo nightly -d bookworm-nightly --key keys/repo.asc\n  aptkit publish repo main -d stable --key repo.asc --cloudfront-distribution E2QWRUHAPOMQZL"
    )]
    Repo(PublishNewArgs),
    /// Publish a snapshot
    #[command(after_help = "Example:\n  aptkit publish snapshot hello-1.0 -d bookworm --key keys/repo.asc")]
    Snapshot(PublishNewArgs),
    /// Point a snapshot publication at another snapshot
    #[command(after_help = "Example:\n  aptkit publish switch stable hello-1.1 --key keys/repo.asc --wait 10m")]
    Switch {
        distribution: String,
        snapshot: String,
        #[command(flatten)]
        how: PublishOptions,
    },
    /// Republish a repo publication with the repo's current packages
    ///
    /// Jobs that publish one suite at once take turns: each waits (--wait) while another holds
    /// the suite, and publishes the repo's packages as they are when its turn comes.
    #[command(
        after_help = "Examples:\n  aptkit repo add nightly out/ && aptkit publish update bookworm-nightly --key \
                            keys/repo.asc\n  aptkit publish update stable --key keys/repo.asc --wait 0   # refuse \
                            at once if busy"
    )]
    Update {
        distribution: String,
        #[command(flatten)]
        how: PublishOptions,
    },
    /// List publications, and the claims jobs hold (publishing, dropping, gc, a release)
    ///
    /// A claim names its holder and when its lease runs out; one whose lease ran out is taken
    /// over by the next job (or broken at once with `aptkit publish unlock`). With --json, a
    /// publication that is claimed has a `claim` object.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Invalidate on CloudFront what the last publish of a suite changed (retry a failed purge)
    ///
    /// Sends the same invalidation the publish sent or meant to send: the InRelease, Release,
    /// Release.gpg and plain index paths that publish changed (never pool/ or by-hash/), with the
    /// same CallerReference. Recorded once made, so running it again sends nothing.
    #[command(after_help = PURGE_EXAMPLES)]
    Purge {
        distribution: String,
        #[command(flatten)]
        target: PublishTarget,
        #[command(flatten)]
        cdn: CdnArgs,
        /// Print the paths and the CallerReference; send nothing
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        json: bool,
    },
    /// Remove a publication's dists/ tree (pool files stay for `gc`)
    ///
    /// InRelease goes first, so clients stop trusting the suite before its indices go. A drop
    /// that fails part-way leaves the suite marked as being dropped (`publish list` shows it, and
    /// it cannot be published meanwhile): run the same command again to finish it.
    #[command(
        after_help = "Examples:\n  aptkit publish drop stable --dry-run\n  aptkit publish drop stable --prefix debian\n  aptkit publish drop stable --cloudfront-distribution E2QWRUHAPOMQZL"
    )]
    Drop {
        distribution: String,
        #[command(flatten)]
        target: PublishTarget,
        #[command(flatten)]
        wait: WaitArgs,
        /// Once the drop is committed, invalidate the suite's whole `dists/SUITE/*` on this
        /// CloudFront distribution (edges would serve its cached InRelease for their TTL)
        #[command(flatten)]
        cdn: CdnArgs,
        /// Print the objects it would delete and the state writes; change nothing
        #[arg(long)]
        dry_run: bool,
        /// With --dry-run: the plan as JSON
        #[arg(long)]
        json: bool,
    },
    /// Break a claim on a suite left by a job that died (names its holder)
    ///
    /// A publish, drop or gc claims what it works on; the claim is a lease its holder renews
    /// while it works, so the claim of a job killed anywhere is taken over by the next job once
    /// its lease runs out (60 s; `APTKIT_CLAIM_LEASE` seconds). This removes it at once. A live
    /// lease (its holder may be at work) is refused with exit code 2 unless --force; a holder
    /// whose claim is broken writes nothing more, and retries if it waits. SUITE is the
    /// distribution (with --prefix), or a publication id (`debian/stable`), or `:gc` for gc's
    /// claim. Nothing to break is not an error.
    #[command(
        after_help = "Examples:\n  aptkit publish unlock stable\n  aptkit publish unlock stable --prefix debian \
                            --force\n  aptkit publish unlock :gc --dry-run"
    )]
    Unlock {
        /// The suite (distribution), a publication id (`debian/stable`), or `:gc`
        suite: String,
        #[command(flatten)]
        target: PublishTarget,
        /// Break the claim even though its lease is live
        #[arg(long)]
        force: bool,
        /// Report the broken claim (or null) as JSON
        #[arg(long)]
        json: bool,
        /// Name the claim it would break, and break none
        #[arg(long)]
        dry_run: bool,
    },
}

const PURGE_EXAMPLES: &str = "Examples:
  aptkit publish purge stable --cloudfront-distribution E2QWRUHAPOMQZL
  aptkit publish purge nightly --prefix debian --dry-run";
