//! `aptkit repo …`.

use std::path::PathBuf;

use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum RepoCommand {
    /// Create an empty repo
    Create {
        name: String,
        #[arg(long, default_value = "")]
        comment: String,
        /// Keep only the newest N versions of each package (for nightlies)
        #[arg(long, value_name = "N")]
        keep_versions: Option<u32>,
        /// Show what would be written (objects to put, replace or delete) and write nothing
        #[arg(long)]
        dry_run: bool,
    },
    /// Add .deb files, or every .deb under directories
    #[command(
        after_help = "Examples:\n  aptkit repo add nightly ./out/debs\n  aptkit repo add stable hello_1.0-1_amd64.deb hello-data_1.0-1_all.deb\n  # in CI, where the build's .debs are not needed afterwards\n  aptkit repo add nightly ./out/debs --remove-files\n  aptkit repo add nightly ./out/debs --dry-run   # what would be uploaded, nothing written"
    )]
    Add {
        name: String,
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Remove the .deb files once they are added (as aptly's -remove-files):
        /// a file with no other name on the state store's filesystem is then
        /// taken in by a hard link instead of a copy. A failed add removes none
        #[arg(long)]
        remove_files: bool,
        #[arg(long)]
        json: bool,
        /// Show what would be written (objects to put, replace or delete) and write nothing (nor remove any file)
        #[arg(long)]
        dry_run: bool,
    },
    /// Remove packages by name, name_version, name_version_arch or query (`bench-*`, `hello (<< 2.0)`)
    Remove {
        name: String,
        #[arg(required = true)]
        packages: Vec<String>,
        /// Show what would be written (objects to put, replace or delete) and write nothing
        #[arg(long)]
        dry_run: bool,
    },
    /// List repos
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show a repo's packages
    Show {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Find packages: a name pattern with an optional version constraint
    #[command(after_help = "Examples:\n  aptkit repo search main 'lib*'\n  aptkit repo search main 'hello (>= 1.1)'")]
    Search {
        name: String,
        query: String,
        #[arg(long)]
        json: bool,
    },
    /// Delete a repo (its packages stay until `gc` if snapshots use them)
    Drop {
        name: String,
        /// Show what would be written (objects to put, replace or delete) and write nothing
        #[arg(long)]
        dry_run: bool,
    },
}
