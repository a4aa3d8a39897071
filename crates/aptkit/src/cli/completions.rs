//! `aptkit completions`.

use clap::Args;

pub const EXAMPLES: &str = "\
Examples:
  aptkit completions bash > ~/.local/share/bash-completion/completions/aptkit
  # zsh: a directory in $fpath, before compinit runs
  aptkit completions zsh > ~/.zfunc/_aptkit
  aptkit completions fish > ~/.config/fish/completions/aptkit.fish";

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    pub shell: clap_complete::Shell,
}
