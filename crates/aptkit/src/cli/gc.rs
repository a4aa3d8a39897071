//! `aptkit gc`.

use clap::Args;

#[derive(Debug, Args)]
pub struct GcArgs {
    /// Only list what would be deleted
    #[arg(long)]
    pub dry_run: bool,
    /// Spare objects younger than this many seconds (a concurrent writer may be using them)
    #[arg(long, default_value_t = 3600)]
    pub min_age: i64,
    /// Keep by-hash index copies that no kept generation lists until the last generation that
    /// listed them has been superseded for this many seconds (a CDN or proxy may serve an InRelease listing
    /// them that long); the last three generations stay always
    #[arg(long, default_value_t = 86400)]
    pub by_hash_ttl: i64,
    #[command(flatten)]
    pub wait: super::WaitArgs,
    #[arg(long)]
    pub json: bool,
}
