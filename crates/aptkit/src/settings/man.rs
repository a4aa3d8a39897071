//! `aptkit man`: which page.

use crate::cli::ManArgs;
use crate::reference;

pub struct ManSettings {
    /// The command whose page to print.
    pub page: clap::Command,
}

impl ManSettings {
    pub fn from_args(args: ManArgs) -> anyhow::Result<Self> {
        let mut page = reference::man_tree();
        for name in &args.command {
            let Some(sub) = page.find_subcommand(name).cloned() else {
                let path = page.get_bin_name().unwrap_or("aptkit");
                anyhow::bail!("`{path}` has no command `{name}`: `{path} --help` lists them");
            };
            page = sub;
        }
        Ok(ManSettings { page })
    }
}
