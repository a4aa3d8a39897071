//! `aptkit snapshot …`.

use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum SnapshotCommand {
    /// Freeze a repo's current packages: `snapshot create NAME from repo REPO`
    Create {
        name: String,
        #[arg(value_parser = ["from"])]
        from: String,
        #[arg(value_parser = ["repo"])]
        kind: String,
        source: String,
        /// Show what would be written and write nothing
        #[arg(long)]
        dry_run: bool,
    },
    /// List snapshots
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show a snapshot's packages
    Show {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Compare two snapshots by package name and architecture
    Diff {
        a: String,
        b: String,
        #[arg(long)]
        json: bool,
    },
    /// Merge snapshots into a new one; later sources replace earlier packages of the same name
    Merge {
        dest: String,
        #[arg(required = true)]
        sources: Vec<String>,
        /// Replace only with newer versions
        #[arg(long)]
        latest: bool,
        /// Keep every version of every package
        #[arg(long, conflicts_with = "latest")]
        no_remove: bool,
        /// Show what would be written and write nothing
        #[arg(long)]
        dry_run: bool,
    },
    /// A new snapshot with the packages matching any query (`name-pattern [(op version)]`)
    Filter {
        source: String,
        dest: String,
        #[arg(required = true)]
        queries: Vec<String>,
        /// Show what would be written and write nothing
        #[arg(long)]
        dry_run: bool,
    },
    /// Delete a snapshot that no publication uses
    Drop {
        name: String,
        /// Show what would be written and write nothing
        #[arg(long)]
        dry_run: bool,
    },
}
