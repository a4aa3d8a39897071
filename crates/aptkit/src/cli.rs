//! Command-line grammar: `aptkit <object> <verb>`. Commands receive typed
//! settings built from these structs, never the structs themselves.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "aptkit", version, about = "From source to a signed apt repository, and proof that it is intact")]
#[command(arg_required_else_help = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build .deb files from a source tree's debian/ directory, natively
    #[command(after_help = PACKAGE_EXAMPLES)]
    Package(PackageArgs),
    /// Inspect .deb files with aptkit's own reader
    #[command(subcommand)]
    Deb(DebCommand),
}

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
        let mut doc = String::from("# aptkit command reference\n\nGenerated from the command definitions; do not edit by hand.\n");
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
