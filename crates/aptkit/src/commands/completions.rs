//! `aptkit completions`: a shell completion script on stdout.

use std::io::Write;

use super::Outcome;
use crate::reference;
use crate::settings::CompletionsSettings;

pub fn run(settings: CompletionsSettings) -> anyhow::Result<Outcome> {
    std::io::stdout().write_all(&reference::completion_script(settings.shell))?;
    Ok(Outcome::Success)
}
