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
    #[command(flatten)]
    pub wait: super::WaitArgs,
    #[arg(long)]
    pub json: bool,
}
