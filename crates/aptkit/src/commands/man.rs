//! `aptkit man`: a manual page on stdout, in roff.

use std::io::Write;

use super::Outcome;
use crate::reference;
use crate::settings::ManSettings;

pub fn run(settings: ManSettings) -> anyhow::Result<Outcome> {
    std::io::stdout().write_all(&reference::man_page(&settings.page))?;
    Ok(Outcome::Success)
}
