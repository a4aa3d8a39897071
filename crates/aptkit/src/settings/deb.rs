//! `aptkit deb info|contents`.

use std::path::PathBuf;

use crate::cli::DebCommand;

pub struct DebSettings {
    pub view: DebView,
    pub deb: PathBuf,
    pub json: bool,
}

/// What of a .deb to show.
pub enum DebView {
    /// Its control members and control file.
    Info,
    /// Its files.
    Contents,
}

impl DebSettings {
    pub fn from_args(cmd: DebCommand) -> Self {
        let (view, args) = match cmd {
            DebCommand::Info(args) => (DebView::Info, args),
            DebCommand::Contents(args) => (DebView::Contents, args),
        };
        DebSettings { view, deb: args.deb, json: args.json }
    }
}
