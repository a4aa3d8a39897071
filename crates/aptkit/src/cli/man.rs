//! `aptkit man`.

use clap::Args;

pub const EXAMPLES: &str = "\
Each command has its own page, named as git's are: `aptkit man repo add` is aptkit-repo-add(1).

Examples:
  aptkit man | man -l -
  aptkit man publish repo | man -l -
  aptkit man > /usr/local/share/man/man1/aptkit.1";

#[derive(Debug, Args)]
pub struct ManArgs {
    /// The command whose page to print, e.g. `publish repo` [default: aptkit's own page]
    #[arg(value_name = "COMMAND")]
    pub command: Vec<String>,
}
