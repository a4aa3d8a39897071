//! `aptkit verify`.

use std::path::PathBuf;

use clap::Args;

use super::TrustArgs;

pub const EXAMPLES: &str = "Examples:\n  aptkit verify ./public --keyring repo-key.gpg\n  aptkit verify /srv/mirror --keyring debian-archive-keyring.gpg --suite bookworm --deep --json\n  aptkit verify ./public --keyring k.gpg --state verify-state.json --max-age 86400";

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The repository root: a directory, file://, http(s):// or s3://bucket/prefix URL
    pub location: String,
    #[command(flatten)]
    pub trust: TrustArgs,
    /// Also check every pool file's size and SHA-256
    #[arg(long)]
    pub deep: bool,
    /// File remembering the last accepted Date per suite (refuses rollbacks)
    #[arg(long = "state", value_name = "FILE")]
    pub state_file: Option<PathBuf>,
    #[arg(long)]
    pub json: bool,
}
