//! `aptkit serve`.

use std::path::PathBuf;

use clap::Args;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Directory to serve [default: the publish store]
    #[arg(long)]
    pub root: Option<PathBuf>,
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Address to bind (loopback by default: this is for trying things out)
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: String,
}
