//! Command-line grammar: `aptkit <object> <verb>`, one file per object. These
//! structs are only parsed flags: `settings::ResolvedCommand::from_cli` turns
//! them into typed settings once, and commands never see them.

mod build;
mod check;
mod completions;
mod deb;
mod distros;
mod duration;
mod gc;
mod index_html;
mod key;
mod man;
mod mirror;
mod package;
mod publish;
mod release;
mod repo;
mod serve;
mod snapshot;
mod source;
mod verify;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

pub use build::BuildArgs;
pub use check::CheckArgs;
pub use completions::CompletionsArgs;
pub use deb::DebCommand;
pub use distros::{DistrosCommand, DistrosDirArgs};
pub use duration::parse_duration;
pub use gc::GcArgs;
pub use index_html::IndexHtmlArgs;
pub use key::KeyCommand;
pub use man::ManArgs;
pub use mirror::MirrorArgs;
pub use package::PackageArgs;
pub use publish::{CdnArgs, DependencyArgs, PublishCommand, PublishNewArgs, PublishOptions, WaitArgs};
pub use release::ReleaseArgs;
pub use repo::RepoCommand;
pub use serve::ServeArgs;
pub use snapshot::SnapshotCommand;
pub use source::SourceArgs;
pub use verify::VerifyArgs;

/// Said in `aptkit --help` (and so in docs/cli.md and aptkit(1)).
const EXIT_CODES: &str = "\
Exit codes:
  0   success
  1   a check ran and found problems (verify, check, distros check, repo search)
  2   an error: bad input, a failed build, a conflict, a failed store
  75  an error that may pass if the same command is run again later, unchanged: another job
      held the suite (or gc ran) past --wait, the state kept changing under the command, or the
      store was unreachable. CI may retry on 75 alone.";

#[derive(Debug, Parser)]
#[command(name = "aptkit", version, about = "From source to a signed apt repository, and proof that it is intact")]
#[command(arg_required_else_help = true, after_long_help = EXIT_CODES)]
pub struct Cli {
    #[command(flatten)]
    pub stores: StoreArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Where state and published files live (overrides aptkit.toml); given before the command:
/// `aptkit --state DIR repo list`.
#[derive(Debug, Args, Clone, Default)]
pub struct StoreArgs {
    /// Private state store: repos, snapshots, publication records [default: ./.aptkit]
    #[arg(long, value_name = "DIR|URL")]
    pub state: Option<String>,
    /// Public store served to apt clients: pool/ and dists/ [default: ./public]
    #[arg(long, value_name = "DIR|URL")]
    pub public: Option<String>,
    /// Configuration file [default: ./aptkit.toml if present]
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Make a reproducible, signed source tarball of a git commit: a nightly from a branch, a release from its tag
    #[command(after_help = source::EXAMPLES, long_about = source::LONG_ABOUT)]
    Source(SourceArgs),
    /// Compile a source for target distributions (in a container) and package it natively
    #[command(after_help = build::EXAMPLES, long_about = build::LONG_ABOUT)]
    Build(BuildArgs),
    /// Build .deb files from a source tree's debian/ directory, natively
    #[command(after_help = package::EXAMPLES)]
    Package(PackageArgs),
    /// Inspect .deb files with aptkit's own reader
    #[command(subcommand)]
    Deb(DebCommand),
    /// The target distributions of a project (./distros): list them, check them
    #[command(subcommand, after_help = distros::EXAMPLES)]
    Distros(DistrosCommand),
    /// Mutable named sets of packages (aptly's `repo`)
    #[command(subcommand)]
    Repo(RepoCommand),
    /// Immutable package sets (aptly's `snapshot`)
    #[command(subcommand)]
    Snapshot(SnapshotCommand),
    /// Signed apt distributions made from repos or snapshots
    #[command(subcommand)]
    Publish(PublishCommand),
    /// From source to published nightlies and releases: build every distro, publish each version, purge the CDN; resumable
    #[command(after_help = release::EXAMPLES, long_about = release::LONG_ABOUT)]
    Release(Box<ReleaseArgs>),
    /// Signing keys: generate one, export its public keyring for `signed-by`
    #[command(subcommand)]
    Key(KeyCommand),
    /// Serve the publish store over HTTP on loopback, to try it with apt
    Serve(ServeArgs),
    /// Verify a published repository end to end: signatures, freshness, every hash (exit 1 on findings)
    #[command(after_help = verify::EXAMPLES)]
    Verify(VerifyArgs),
    /// Download a verified copy of a published repository; reruns fetch only what changed
    #[command(after_help = mirror::EXAMPLES)]
    Mirror(MirrorArgs),
    /// Check that every Depends/Pre-Depends of a publication can be satisfied (exit 1 if not)
    #[command(after_help = check::EXAMPLES)]
    Check(CheckArgs),
    /// Delete package files and sets nothing references any more, and what killed writes left behind
    Gc(GcArgs),
    /// Write browsable index.html pages into the publish store (S3 lists no directories)
    #[command(after_help = index_html::EXAMPLES, long_about = index_html::LONG_ABOUT)]
    IndexHtml(IndexHtmlArgs),
    /// Print a shell completion script to stdout
    #[command(after_help = completions::EXAMPLES)]
    Completions(CompletionsArgs),
    /// Print the manual page of aptkit, or of one of its commands, to stdout (roff)
    #[command(after_help = man::EXAMPLES)]
    Man(ManArgs),
}

/// Where in the publish store a publication lives, shared by publish and check.
#[derive(Debug, Args)]
pub struct PublishTarget {
    /// Path prefix in the publish store (e.g. `debian`) [default: its root]
    #[arg(long, default_value = "")]
    pub prefix: String,
}

/// The keys to sign with, shared by publish, key export and source.
#[derive(Debug, Args, Clone, Default)]
pub struct SigningArgs {
    /// Secret key file to sign with (repeatable: several keys sign, for rotation)
    #[arg(long = "key", value_name = "FILE")]
    pub keys: Vec<PathBuf>,
    /// Environment variable holding an armored secret key (repeatable)
    #[arg(long = "key-env", value_name = "VAR")]
    pub key_envs: Vec<String>,
}

/// What a repository must prove, shared by verify and mirror.
#[derive(Debug, Args)]
pub struct TrustArgs {
    /// Keyring of the keys that may sign (binary or armored)
    #[arg(long, required = true)]
    pub keyring: PathBuf,
    /// Suites to check [default: every suite under dists/; required over HTTP]
    #[arg(long = "suite")]
    pub suites: Vec<String>,
    /// Refuse a Release older than this many seconds
    #[arg(long, value_name = "SECONDS")]
    pub max_age: Option<i64>,
    /// Fingerprint that must have signed (repeatable)
    #[arg(long = "require-signer", value_name = "FINGERPRINT", value_parser = parse_fingerprint)]
    pub required_signers: Vec<String>,
    /// Only these components' indices (partial mirrors; repeatable)
    #[arg(long = "component")]
    pub components: Vec<String>,
    /// Only these architectures' indices (partial mirrors; repeatable)
    #[arg(long = "arch")]
    pub architectures: Vec<String>,
}

/// A key's fingerprint: 40 hex digits (v4) or 64 (v6), spaces allowed as
/// `gpg --fingerprint` prints them.
fn parse_fingerprint(value: &str) -> Result<String, String> {
    let hex: String = value.chars().filter(|c| !c.is_whitespace()).collect();
    if matches!(hex.len(), 40 | 64) && hex.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(hex.to_ascii_uppercase())
    } else {
        Err(format!("`{value}` is not a fingerprint (40 or 64 hex digits)"))
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
