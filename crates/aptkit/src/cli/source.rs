//! `aptkit source`.

use std::path::PathBuf;

use aptkit_build::source::DEFAULT_TAG_FORMAT;
use clap::Args;

use super::SigningArgs;

pub const EXAMPLES: &str = "\
Examples:
  # a release: the commit of tag v1.3.0, signed by the key of aptkit.toml's [signing]
  aptkit source 1.3.0 --git . --out dist
  # a nightly: the head of the branch checked out, or of another one
  aptkit source 2026.05.01 --git . --out dist --key repo-key.asc
  aptkit source 2026.05.01 --git . --ref origin/main --out dist --json
  # tags named release-1.3.0, Debian's orig naming for dpkg-source
  aptkit source 1.3.0 --git ~/src/hello --tag-format 'release-{version}' --orig";

pub const LONG_ABOUT: &str = "\
Make a reproducible, signed source tarball of a git commit: a nightly from a branch, a release from its tag

Writes NAME-VERSION.tar.gz (or NAME_VERSION.orig.tar.gz with --orig), its detached armored signature \
FILE.asc, and its line in SHA256SUMS into --out. The tarball holds exactly the commit's tree under \
NAME-VERSION/ (no untracked files, no .gitattributes filters, no submodules), and its bytes depend only \
on the commit and the version: made twice, or from another clone, it is the same file.

SHA256SUMS keeps its other lines: the line of this tarball is added or replaced, and the lines are \
sorted by file name. The three files are written only when everything succeeded (temporary files, then \
renames): an error leaves --out as it was.

The signing key is found as the publish commands find theirs: --key/--key-env, else [signing] in \
aptkit.toml, else $APTKIT_SIGNING_KEY.";

#[derive(Debug, Args)]
pub struct SourceArgs {
    /// Upstream version: YYYY.MM.DD (a real date) is a nightly, from a branch head; any other, a release, from its tag.
    /// Letters, digits, `.`, `+`, `~`, starting with a digit (no epoch, no Debian revision)
    pub version: String,
    /// The repository: the top of a working tree, or a git directory (bare or .git)
    #[arg(long = "git", value_name = "DIR")]
    pub git_dir: PathBuf,
    /// The commit to use (branch, tag, commit id) [default: nightly, the branch checked out; release, the tag]
    #[arg(long = "ref", value_name = "REF")]
    pub git_ref: Option<String>,
    /// The tag of a release, `{version}` replaced by the version
    #[arg(long, value_name = "FMT", default_value = DEFAULT_TAG_FORMAT)]
    pub tag_format: String,
    /// Source package name [default: `Source:` of debian/control in the commit, else the directory's name]
    #[arg(long)]
    pub name: Option<String>,
    /// Name the tarball NAME_VERSION.orig.tar.gz, as dpkg-source wants it
    #[arg(long)]
    pub orig: bool,
    /// Directory to write the tarball, its .asc and SHA256SUMS into (created if missing)
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out: PathBuf,
    #[command(flatten)]
    pub signing: SigningArgs,
    /// Print a JSON report (file, signature, sums, sha256, name, version, kind, commit, ref)
    #[arg(long)]
    pub json: bool,
}
