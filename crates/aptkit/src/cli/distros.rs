//! `aptkit distros list|check`.

use std::path::PathBuf;

use clap::{Args, Subcommand};

pub const EXAMPLES: &str = "\
A distros directory holds one folder per target distribution, named
DISTRO-NUMERIC_VERSION[-NAME] (debian-12-bookworm, ubuntu-24.04-noble), with DOCKER_BASE,
DISTRIBUTION, PKGVER, debian/ (or a symlink to another folder's) and an optional build script.

Examples:
  aptkit distros list
  aptkit distros list --distros packaging/distros --json
  # in CI: exit 1 and one line per problem when any folder is malformed
  aptkit distros check";

const LIST_EXAMPLES: &str = "\
Examples:
  aptkit distros list
  # paths in JSON are real paths, symlinks resolved
  aptkit distros list --distros packaging/distros --json";

const CHECK_EXAMPLES: &str = "\
Each problem is one line naming the folder and the file:
  FAIL ubuntu-24.04-noble/DISTRIBUTION: missing (the suite the packages are published to)

Examples:
  aptkit distros check
  aptkit distros check --distros testdata/hello/distros";

#[derive(Debug, Subcommand)]
pub enum DistrosCommand {
    /// List the target distributions: id, suite, revision, image, templates, build script
    #[command(after_help = LIST_EXAMPLES)]
    List {
        #[command(flatten)]
        location: DistrosDirArgs,
        #[arg(long)]
        json: bool,
    },
    /// Check every folder; exit 1 listing every problem, one per line
    #[command(after_help = CHECK_EXAMPLES)]
    Check {
        #[command(flatten)]
        location: DistrosDirArgs,
    },
}

/// Where the distro folders are.
#[derive(Debug, Args)]
pub struct DistrosDirArgs {
    /// The distros directory [default: `[build] distros` in aptkit.toml, else ./distros]
    #[arg(long = "distros", value_name = "DIR")]
    pub dir: Option<PathBuf>,
}
