//! `aptkit mirror`.

use std::path::PathBuf;

use clap::Args;

use super::TrustArgs;

pub const EXAMPLES: &str = "Nothing unverified is moved into place; indices and Release files are written last.\n\nExamples:\n  aptkit mirror https://apt.example.com/debian /srv/mirror --keyring repo-key.gpg --suite stable\n  aptkit mirror s3://bucket/repo /srv/mirror --keyring k.gpg --arch amd64 --json\n  aptkit mirror https://apt.example.com/debian /srv/mirror --keyring repo-key.gpg --suite stable --delete --dry-run";

#[derive(Debug, Args)]
pub struct MirrorArgs {
    /// The repository to copy: a directory, file://, http(s):// or s3://bucket/prefix URL
    pub location: String,
    /// The local directory to copy it into (created if missing)
    pub dest: PathBuf,
    #[command(flatten)]
    pub trust: TrustArgs,
    /// Afterwards, delete pool files that no suite in DEST references any more
    #[arg(long)]
    pub delete: bool,
    /// Parallel downloads [default: number of CPUs, at least 4]
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    #[arg(long)]
    pub json: bool,
    /// Verify the source and list what the mirror would download, write and delete; change nothing in DEST
    #[arg(long)]
    pub dry_run: bool,
}
