//! `aptkit check`.

use std::path::PathBuf;

use clap::Args;

use super::PublishTarget;

pub const EXAMPLES: &str = "Example:\n  aptkit check stable --base-index /var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages";

#[derive(Debug, Args)]
pub struct CheckArgs {
    pub distribution: String,
    #[command(flatten)]
    pub target: PublishTarget,
    #[arg(long = "base-index", value_name = "FILE")]
    pub base_indices: Vec<PathBuf>,
    #[arg(long)]
    pub json: bool,
}
