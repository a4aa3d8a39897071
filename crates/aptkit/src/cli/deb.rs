//! `aptkit deb info|contents`.

use std::path::PathBuf;

use clap::{Args, Subcommand};

#[derive(Debug, Subcommand)]
pub enum DebCommand {
    /// Show a .deb's control members and control file (the layout of `dpkg-deb --info`)
    Info(DebArgs),
    /// List a .deb's files (the layout of `dpkg-deb --contents`, times in UTC)
    Contents(DebArgs),
}

#[derive(Debug, Args)]
pub struct DebArgs {
    pub deb: PathBuf,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}
