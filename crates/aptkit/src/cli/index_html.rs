//! `aptkit index-html`.

use clap::Args;

pub const LONG_ABOUT: &str = "Write browsable index.html pages into the publish store (--public): one per directory, \
listing its subdirectories and files with sizes and times, so that people can browse a repository served from \
S3, which lists no directories. Only pages that changed are written (a rerun writes nothing); by-hash/ trees are \
named but get no pages; an index.html that aptkit did not write is never replaced. Run it after each publish.";

pub const EXAMPLES: &str = "Examples:\n  aptkit index-html\n  aptkit --public s3://my-apt-bucket/debian index-html --dry-run\n  aptkit --public /srv/apt index-html --prefix ubuntu --json";

#[derive(Debug, Args)]
pub struct IndexHtmlArgs {
    /// Only index this part of the publish store (e.g. `debian`) [default: all of it]
    #[arg(long, default_value = "", hide_default_value = true)]
    pub prefix: String,
    /// Only list the pages that would be written or deleted
    #[arg(long)]
    pub dry_run: bool,
    /// Print the report as JSON (written, unchanged, removed, foreign pages; directories)
    #[arg(long)]
    pub json: bool,
}
