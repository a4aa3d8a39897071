//! `aptkit completions`.

use clap_complete::Shell;

use crate::cli::CompletionsArgs;

pub struct CompletionsSettings {
    pub shell: Shell,
}

impl CompletionsSettings {
    pub fn from_args(args: CompletionsArgs) -> Self {
        CompletionsSettings { shell: args.shell }
    }
}
