//! Command-line grammar: `aptkit <object> <verb>`. Commands receive typed
//! settings built from these structs, never the structs themselves.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "aptkit", version, about = "From source to a signed apt repository, and proof that it is intact")]
#[command(arg_required_else_help = true, after_long_help = EXIT_CODES)]
pub struct Cli {
    #[command(flatten)]
    pub stores: StoreArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Where state and published files live (overrides aptkit.toml); given before the command:
/// `aptkit --state DIR repo list`.
#[derive(Debug, Args, Clone, Default)]
pub struct StoreArgs {
    /// Private state store: repos, snapshots, publication records [default: ./.aptkit]
    #[arg(long, value_name = "DIR|URL")]
    pub state: Option<String>,
    /// Public store served to apt clients: pool/ and dists/ [default: ./public]
    #[arg(long, value_name = "DIR|URL")]
    pub public: Option<String>,
    /// Configuration file [default: ./aptkit.toml if present]
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build .deb files from a source tree's debian/ directory, natively
    #[command(after_help = PACKAGE_EXAMPLES)]
    Package(PackageArgs),
    /// Inspect .deb files with aptkit's own reader
    #[command(subcommand)]
    Deb(DebCommand),
    /// Mutable named sets of packages (aptly's `repo`)
    #[command(subcommand)]
    Repo(RepoCommand),
    /// Immutable package sets (aptly's `snapshot`)
    #[command(subcommand)]
    Snapshot(SnapshotCommand),
    /// Signed apt distributions made from repos or snapshots
    #[command(subcommand)]
    Publish(PublishCommand),
    /// Signing keys: generate one, export its public keyring for `signed-by`
    #[command(subcommand)]
    Key(KeyCommand),
    /// Serve the publish store over HTTP on loopback, to try it with apt
    Serve(ServeArgs),
    /// Verify a published repository end to end: signatures, freshness, every hash (exit 1 on findings)
    #[command(
        after_help = "Examples:\n  aptkit verify ./public --keyring repo-key.gpg\n  aptkit verify /srv/mirror --keyring debian-archive-keyring.gpg --suite bookworm --deep --json\n  aptkit verify ./public --keyring k.gpg --state verify-state.json --max-age 86400"
    )]
    Verify(VerifyArgs),
    /// Download a verified copy of a published repository; reruns fetch only what changed
    #[command(
        after_help = "Nothing unverified is moved into place; indices and Release files are written last.\n\nExamples:\n  aptkit mirror https://apt.example.com/debian /srv/mirror --keyring repo-key.gpg --suite stable\n  aptkit mirror s3://bucket/repo /srv/mirror --keyring k.gpg --arch amd64 --json"
    )]
    Mirror(MirrorArgs),
    /// Check that every Depends/Pre-Depends of a publication can be satisfied (exit 1 if not)
    #[command(
        after_help = "Example:\n  aptkit check stable --base-index /var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages"
    )]
    Check {
        distribution: String,
        #[command(flatten)]
        target: PublishTarget,
        #[arg(long = "base-index", value_name = "FILE")]
        base_indices: Vec<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Delete package files and sets nothing references any more, and what killed writes left behind
    Gc {
        /// Only list what would be deleted
        #[arg(long)]
        dry_run: bool,
        /// Spare objects younger than this many seconds (a concurrent writer may be using them)
        #[arg(long, default_value_t = 3600)]
        min_age: i64,
        #[arg(long)]
        json: bool,
    },
}

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
    },
    /// Add .deb files, or every .deb under directories
    #[command(
        after_help = "Examples:\n  aptkit repo add nightly ./out/debs\n  aptkit repo add stable hello_1.0-1_amd64.deb hello-data_1.0-1_all.deb\n  # in CI, where the build's .debs are not needed afterwards\n  aptkit repo add nightly ./out/debs --remove-files"
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
    },
    /// Remove packages by name, name_version, name_version_arch or query (`bench-*`, `hello (<< 2.0)`)
    Remove {
        name: String,
        #[arg(required = true)]
        packages: Vec<String>,
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
    Drop { name: String },
}

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
    },
    /// A new snapshot with the packages matching any query (`name-pattern [(op version)]`)
    Filter {
        source: String,
        dest: String,
        #[arg(required = true)]
        queries: Vec<String>,
    },
    /// Delete a snapshot that no publication uses
    Drop { name: String },
}

#[derive(Debug, Args)]
pub struct PublishTarget {
    /// Path prefix in the publish store (e.g. `debian`) [default: its root]
    #[arg(long, default_value = "")]
    pub prefix: String,
}

#[derive(Debug, Args, Clone, Default)]
pub struct SigningArgs {
    /// Secret key file to sign with (repeatable: several keys sign, for rotation)
    #[arg(long = "key", value_name = "FILE")]
    pub keys: Vec<PathBuf>,
    /// Environment variable holding an armored secret key (repeatable)
    #[arg(long = "key-env", value_name = "VAR")]
    pub key_envs: Vec<String>,
}

#[derive(Debug, Args, Clone, Default)]
pub struct DependencyArgs {
    /// A Packages file (plain, .gz or .xz) of the base distribution that dependencies may be
    /// satisfied from, e.g. /var/lib/apt/lists/*_binary-amd64_Packages (repeatable)
    #[arg(long = "base-index", value_name = "FILE")]
    pub base_indices: Vec<PathBuf>,
    /// Publish even if some Depends/Pre-Depends cannot be satisfied
    #[arg(long)]
    pub skip_dependency_check: bool,
}

/// How a publish shows its progress.
#[derive(Debug, Args, Clone, Default)]
pub struct ProgressArgs {
    /// Progress on stderr: auto (a bar on a terminal, plain lines in logs), bar, plain, json (one
    /// JSON object per event per line, for machines) or none (notes only)
    #[arg(long, value_enum, default_value_t = crate::progress::ProgressMode::Auto, value_name = "MODE")]
    pub progress: crate::progress::ProgressMode,
}

#[derive(Debug, Args)]
pub struct PublishNewArgs {
    /// Name of the repo or snapshot
    pub name: String,
    /// Distribution (suite) to publish as, e.g. `bookworm`
    #[arg(long, short = 'd')]
    pub distribution: String,
    #[arg(long, short = 'c', default_value = "main")]
    pub component: String,
    #[command(flatten)]
    pub target: PublishTarget,
    /// Architectures to index, comma-separated [default: those of the packages]
    #[arg(long, value_delimiter = ',')]
    pub architectures: Vec<String>,
    #[arg(long)]
    pub origin: Option<String>,
    #[arg(long)]
    pub label: Option<String>,
    /// Days the Release stays valid (sets Valid-Until; republish before then)
    #[arg(long, value_name = "DAYS")]
    pub valid_for: Option<u32>,
    /// Also publish Contents-<arch>.gz (which package ships which file, for apt-file)
    #[arg(long)]
    pub contents: bool,
    #[command(flatten)]
    pub signing: SigningArgs,
    #[command(flatten)]
    pub deps: DependencyArgs,
    #[command(flatten)]
    pub progress: ProgressArgs,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum PublishCommand {
    /// Publish a repo
    #[command(after_help = "Example:\n  aptkit publish repo nightly -d bookworm-nightly --key keys/repo.asc")]
    Repo(PublishNewArgs),
    /// Publish a snapshot
    #[command(after_help = "Example:\n  aptkit publish snapshot hello-1.0 -d bookworm --key keys/repo.asc")]
    Snapshot(PublishNewArgs),
    /// Point a snapshot publication at another snapshot
    Switch {
        distribution: String,
        snapshot: String,
        #[command(flatten)]
        target: PublishTarget,
        #[command(flatten)]
        signing: SigningArgs,
        #[command(flatten)]
        deps: DependencyArgs,
        #[command(flatten)]
        progress: ProgressArgs,
        #[arg(long)]
        json: bool,
    },
    /// Republish a repo publication with the repo's current packages
    Update {
        distribution: String,
        #[command(flatten)]
        target: PublishTarget,
        #[command(flatten)]
        signing: SigningArgs,
        #[command(flatten)]
        deps: DependencyArgs,
        #[command(flatten)]
        progress: ProgressArgs,
        #[arg(long)]
        json: bool,
    },
    /// List publications
    List {
        #[arg(long)]
        json: bool,
    },
    /// Remove a publication's dists/ tree (pool files stay for `gc`)
    ///
    /// InRelease goes first, so clients stop trusting the suite before its indices go. A drop
    /// that fails part-way leaves the suite marked as being dropped (`publish list` shows it, and
    /// it cannot be published meanwhile): run the same command again to finish it.
    Drop {
        distribution: String,
        #[command(flatten)]
        target: PublishTarget,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Generate a signing key (secret key file; keep it private)
    Generate {
        /// Where to write the armored secret key
        #[arg(long, short)]
        output: PathBuf,
        #[arg(long, default_value = "aptkit repository signing key")]
        uid: String,
        /// ed25519, rsa3072 or rsa4096
        #[arg(long, default_value = "ed25519")]
        algorithm: String,
    },
    /// Export the public keyring of a secret key, for apt's `signed-by`
    Export {
        #[command(flatten)]
        signing: SigningArgs,
        /// Where to write the keyring (binary unless --armor)
        #[arg(long, short)]
        output: PathBuf,
        #[arg(long)]
        armor: bool,
    },
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The repository root: a directory, file://, http(s):// or s3://bucket/prefix URL
    pub location: String,
    #[command(flatten)]
    pub trust: TrustArgs,
    /// Also check every pool file's size and SHA-256
    #[arg(long)]
    pub deep: bool,
    /// File remembering the last accepted Date per suite (refuses rollbacks)
    #[arg(long = "state", value_name = "FILE")]
    pub state_file: Option<PathBuf>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct MirrorArgs {
    /// The repository to copy: a directory, file://, http(s):// or s3://bucket/prefix URL
    pub location: String,
    /// The local directory to copy it into (created if missing)
    pub dest: PathBuf,
    #[command(flatten)]
    pub trust: TrustArgs,
    /// Afterwards, delete pool files that no suite in DEST references any more
    #[arg(long)]
    pub delete: bool,
    /// Parallel downloads [default: number of CPUs, at least 4]
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    #[arg(long)]
    pub json: bool,
}

/// What a repository must prove, shared by verify and mirror.
#[derive(Debug, Args)]
pub struct TrustArgs {
    /// Keyring of the keys that may sign (binary or armored)
    #[arg(long, required = true)]
    pub keyring: PathBuf,
    /// Suites to check [default: every suite under dists/; required over HTTP]
    #[arg(long = "suite")]
    pub suites: Vec<String>,
    /// Refuse a Release older than this many seconds
    #[arg(long, value_name = "SECONDS")]
    pub max_age: Option<i64>,
    /// Fingerprint that must have signed (repeatable)
    #[arg(long = "require-signer", value_name = "FINGERPRINT", value_parser = parse_fingerprint)]
    pub required_signers: Vec<String>,
    /// Only these components' indices (partial mirrors; repeatable)
    #[arg(long = "component")]
    pub components: Vec<String>,
    /// Only these architectures' indices (partial mirrors; repeatable)
    #[arg(long = "arch")]
    pub architectures: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Directory to serve [default: the publish store]
    #[arg(long)]
    pub root: Option<PathBuf>,
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Address to bind (loopback by default: this is for trying things out)
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: String,
}

const EXIT_CODES: &str = "\
Exit codes:
  0   success
  1   a check ran and found problems (verify, check, repo search)
  2   an error: bad input, a conflict, a failed store
  75  an error that may pass if the same command is run again later, unchanged: another job
      holds the suite (or gc runs), the state changed under the command, or the store was
      unreachable. CI may retry on 75 alone.";

const PACKAGE_EXAMPLES: &str = "\
Examples:
  # after `make install DESTDIR=debian/tmp` in ./hello
  aptkit package ./hello --out ./out
  # a nightly: override the changelog's version, use zstd
  aptkit package ./hello --out ./out --version 1.1~nightly20261121-1 --compression zstd
  # only one package, for another architecture, machine-readable result
  aptkit package ./hello --out ./out --package hello --arch arm64 --json";

#[derive(Debug, Args)]
pub struct PackageArgs {
    /// Source tree containing debian/ and the installed files (debian/tmp or debian/<pkg>/)
    pub source_dir: PathBuf,
    /// Directory to write the .deb files into (created if missing)
    #[arg(long, short, default_value = ".")]
    pub out: PathBuf,
    /// Architecture for `Architecture: any` packages [default: the host's dpkg architecture]
    #[arg(long)]
    pub arch: Option<String>,
    /// Package version, overriding debian/changelog (e.g. for nightly builds)
    #[arg(long = "version", value_name = "VERSION")]
    pub pkg_version: Option<String>,
    /// Compression of the control and data members: xz, zstd, gzip or none, with an optional level (xz:9)
    #[arg(long, short = 'Z', default_value = "xz")]
    pub compression: String,
    /// Compression threads [default: all cores]
    #[arg(long)]
    pub threads: Option<u32>,
    /// Build only this package (repeatable)
    #[arg(long = "package", short = 'p', value_name = "NAME")]
    pub packages: Vec<String>,
    /// Timestamp clamp for file times [default: SOURCE_DATE_EPOCH, else the changelog's date]
    #[arg(long)]
    pub source_date_epoch: Option<u64>,
    /// Keep ELF binaries and libraries unstripped (default: strip them as dh_strip does)
    #[arg(long)]
    pub no_strip: bool,
    /// The binutils strip program [default: strip, or <triplet>-strip for a foreign --arch]
    #[arg(long, value_name = "PROGRAM", conflicts_with = "no_strip")]
    pub strip_program: Option<String>,
    /// Print a JSON document describing the built packages
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum DebCommand {
    /// Show a .deb's control members and control file (the layout of `dpkg-deb --info`)
    Info(DebArgs),
    /// List a .deb's files (the layout of `dpkg-deb --contents`, times in UTC)
    Contents(DebArgs),
}

#[derive(Debug, Args)]
pub struct DebArgs {
    pub deb: PathBuf,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

/// A key's fingerprint: 40 hex digits (v4) or 64 (v6), spaces allowed as
/// `gpg --fingerprint` prints them.
fn parse_fingerprint(value: &str) -> Result<String, String> {
    let hex: String = value.chars().filter(|c| !c.is_whitespace()).collect();
    if matches!(hex.len(), 40 | 64) && hex.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(hex.to_ascii_uppercase())
    } else {
        Err(format!("`{value}` is not a fingerprint (40 or 64 hex digits)"))
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }

    /// docs/cli.md is generated from the clap definitions; this test fails
    /// when they drift apart. Regenerate with `APTKIT_UPDATE_DOCS=1 cargo test -p aptkit`.
    #[test]
    fn cli_reference_is_up_to_date() {
        let mut doc = String::from(
            "# aptkit command reference\n\nGenerated from the command definitions; do not edit by hand.\n",
        );
        let mut cmd = super::Cli::command();
        cmd.build();
        render(&mut cmd, "aptkit", &mut doc);
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/cli.md");
        if std::env::var_os("APTKIT_UPDATE_DOCS").is_some() {
            std::fs::write(&path, &doc).unwrap();
        }
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(current == doc, "docs/cli.md is stale: run `APTKIT_UPDATE_DOCS=1 cargo test -p aptkit`");
    }

    fn render(cmd: &mut clap::Command, path: &str, doc: &mut String) {
        let help = cmd.render_long_help().to_string();
        doc.push_str(&format!("\n## `{path}`\n\n```text\n{}\n```\n", help.trim_end()));
        for sub in cmd.get_subcommands_mut().filter(|s| s.get_name() != "help") {
            let name = format!("{path} {}", sub.get_name());
            render(sub, &name, doc);
        }
    }
}
