//! `aptkit release`.

use std::path::PathBuf;

use clap::Args;

use super::{CdnArgs, DependencyArgs, SigningArgs, WaitArgs};

pub const EXAMPLES: &str = "\
Examples:
  # nightly 2026.12.02 from the branch checked out, release 1.3.0 from tag v1.3.0, for every
  # folder of ./distros: bookworm-nightly gets 2026.12.02-1~bookworm; bookworm and bookworm-1.3
  # get 1.3.0-1~bookworm
  aptkit release 2026.12.02 1.3.0 --git . --key repo-key.asc
  # continue after a failure or a kill: finished steps are not repeated
  aptkit release 2026.12.03 --git . --key repo-key.asc --resume
  # that nightly's very .debs to the release suites, nothing rebuilt
  aptkit release 2026.12.03 --promote-from nightly --key repo-key.asc
  # what would run, and what an earlier run finished
  aptkit release 1.3.0 --git . --dry-run
  # a CI matrix: one job per distro builds into the shared state store,
  aptkit --state s3://ci/state release 1.3.0 --git . --key-env KEY --build-only --distro debian-12-bookworm
  # then one job publishes what the matrix built, and purges the CDN once
  aptkit --state s3://ci/state --public s3://apt release 1.3.0 --git . --key-env KEY --no-build \\
    --cloudfront-distribution E2QWRUHAPOMQZL";

pub const LONG_ABOUT: &str = "\
From source to published nightlies and releases, in one resumable command

For each version: its source tarball is made from git (a nightly YYYY.MM.DD from the branch \
head, a release from its tag), signed and kept in the state store; every selected distro is \
built, --jobs at a time, through the build cache (unchanged inputs are restored, never \
rebuilt); then the versions are published one at a time, in the order given, each to the \
suites the routing says (by default nightlies to <codename>-nightly, keeping the last \
--keep-nightlies; releases to <codename> and <codename>-<major>.<minor>); and last, once every \
publish succeeded, one CloudFront invalidation covers everything the release changed.

Every step is recorded in a journal in the state store (releases/<versions>/journal.json) \
when it ends. After a failure or a kill, the same command with --resume continues from the \
first unfinished step and repeats none. A release of the same versions that is running \
elsewhere is refused (exit 75) with its holder named. One distro's failed build does not stop \
the others from being published unless --all-or-nothing; the exit code is then 2 and the \
summary names what failed. The summary is also a static HTML page in the state store \
(releases/<versions>/status.html).

Each suite is published from a repo the release keeps, release-<suite>; `aptkit gc` later \
collects the pool files of nightlies retention dropped.";

#[derive(Debug, Args)]
pub struct ReleaseArgs {
    /// Versions, published in this order: YYYY.MM.DD is a nightly, anything else a release
    #[arg(value_name = "VERSION", required = true)]
    pub versions: Vec<String>,
    /// The git repository sources are made from [default: `[release] git`, else .]
    #[arg(long = "git", value_name = "DIR")]
    pub git_dir: Option<PathBuf>,
    /// Take each version's source tarball (NAME-VERSION.tar.gz, .xz, .zst, .bz2, as `aptkit source --out DIR` makes it) from DIR instead of making it from git [default: `[release] tarballs`]
    #[arg(long, value_name = "DIR", conflicts_with_all = ["git_dir", "nightly_ref", "tag_format"])]
    pub tarballs: Option<PathBuf>,
    /// The commit nightlies are made from [default: `[release] nightly-ref`, else the branch checked out]
    #[arg(long, value_name = "REF")]
    pub nightly_ref: Option<String>,
    /// A release's tag, `{version}` replaced [default: `[release] tag-format`, else v{version}]
    #[arg(long, value_name = "FMT")]
    pub tag_format: Option<String>,
    /// The distros directory [default: `[build] distros` in aptkit.toml, else the git tree's distros/]
    #[arg(long = "distros", value_name = "DIR")]
    pub distros_dir: Option<PathBuf>,
    /// Only these distros (folder names), comma-separated or repeated [default: every folder]
    #[arg(long = "distro", value_name = "ID", value_delimiter = ',')]
    pub distro_ids: Vec<String>,
    /// Where the compile commands run: docker, podman, or none (the host) [default: `[build] engine`, else docker where it answers, else none]
    #[arg(long, value_name = "ENGINE")]
    pub engine: Option<String>,
    /// Builds at once [default: `[build] jobs`, else 1]
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    /// Nightlies a nightly suite keeps [default: `[release] keep-nightlies`, else 7]
    #[arg(long, value_name = "N")]
    pub keep_nightlies: Option<usize>,
    /// Continue the unfinished release of these versions from its first unfinished step
    #[arg(long)]
    pub resume: bool,
    /// Publish the packages of each version already in its nightly suites to the release suites, rebuilding nothing
    #[arg(long, value_name = "KIND", value_parser = ["nightly"], conflicts_with_all = ["build_only", "no_build"])]
    pub promote_from: Option<String>,
    /// Make the sources and build into the build cache; publish nothing (one job of a CI matrix)
    #[arg(long, conflicts_with = "no_build")]
    pub build_only: bool,
    /// Publish what the build cache holds; a build it lacks is an error, never compiled (after a CI matrix)
    #[arg(long)]
    pub no_build: bool,
    /// Publish nothing unless every build succeeded
    #[arg(long)]
    pub all_or_nothing: bool,
    /// Products go to DIR/<version>/<distro>/ [default: `[build] out`, else ./out]
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Build logs go to DIR/<version>/<distro>.log [default: `[build] log-dir`, else a new directory under $TMPDIR]
    #[arg(long, value_name = "DIR")]
    pub log_dir: Option<PathBuf>,
    /// Path prefix of the publications in the publish store
    #[arg(long, default_value = "")]
    pub prefix: String,
    #[arg(long, short = 'c', default_value = "main")]
    pub component: String,
    #[arg(long)]
    pub origin: Option<String>,
    #[arg(long)]
    pub label: Option<String>,
    /// Also write the status page (and build logs) into the publish store, as releases/<versions>/index.html
    #[arg(long)]
    pub status_page_public: bool,
    #[command(flatten)]
    pub signing: SigningArgs,
    #[command(flatten)]
    pub deps: DependencyArgs,
    #[command(flatten)]
    pub wait: WaitArgs,
    #[command(flatten)]
    pub cdn: CdnArgs,
    /// Do not stream the builds' output (the logs still get it)
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Say what would run, and what an earlier run finished; run and write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Print the summary as JSON on stdout
    #[arg(long)]
    pub json: bool,
}
