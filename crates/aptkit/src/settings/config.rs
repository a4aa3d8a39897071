//! `aptkit.toml`: the defaults that flags override.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;

/// `aptkit.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    pub state: Option<String>,
    pub public: Option<String>,
    #[serde(default)]
    pub signing: SigningConfig,
    #[serde(default)]
    pub s3: S3Config,
    #[serde(default)]
    pub build: BuildConfig,
    #[serde(default)]
    pub publish: PublishConfig,
    #[serde(default)]
    pub cloudfront: CloudFrontConfig,
    #[serde(default)]
    pub release: ReleaseConfig,
}

/// `[release]`: how `aptkit release` makes, routes and keeps versions.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename_all = "kebab-case")]
pub struct ReleaseConfig {
    /// The git repository sources are made from (default: `.`).
    pub git: Option<PathBuf>,
    /// A directory of source tarballs to release from instead of git.
    pub tarballs: Option<PathBuf>,
    /// The commit nightlies are made from (default: the branch checked out).
    pub nightly_ref: Option<String>,
    /// A release's tag (default: `v{version}`).
    pub tag_format: Option<String>,
    /// Nightlies a nightly suite keeps (default: 7).
    pub keep_nightlies: Option<usize>,
    /// The routing table, replacing the default: `[[release.routes]]` with
    /// `versions` (`nightly`, `release` or a glob), `suites` (templates
    /// with `{codename}`, `{version}`, `{major}`, `{minor}`, `{patch}`,
    /// `{kind}`) and an optional `keep`.
    pub routes: Option<Vec<aptkit_release::Route>>,
    /// Path prefix of the publications in the publish store.
    pub prefix: Option<String>,
    #[serde(default)]
    pub all_or_nothing: bool,
    #[serde(default)]
    pub status_page_public: bool,
}

/// `[publish]`: how publishes (and drops, and gc) share a suite.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishConfig {
    /// How long to wait for a suite another job holds, e.g. `"10m"`, `"0"`
    /// (the default for `--wait`).
    pub wait: Option<String>,
    /// Generations of by-hash copies and pool files each suite keeps (the
    /// default for `--keep-generations`).
    pub keep_generations: Option<usize>,
}

/// How long a publish waits for a busy suite when neither `--wait` nor
/// `[publish] wait` says.
pub const DEFAULT_WAIT: std::time::Duration = std::time::Duration::from_secs(600);

impl ConfigFile {
    /// `--wait`, else `[publish] wait`, else [`DEFAULT_WAIT`].
    pub fn wait(&self, flag: Option<std::time::Duration>) -> anyhow::Result<std::time::Duration> {
        if let Some(wait) = flag {
            return Ok(wait);
        }
        match &self.publish.wait {
            Some(text) => crate::cli::parse_duration(text)
                .map_err(|e| anyhow::anyhow!("invalid config file: [publish] wait: {e}")),
            None => Ok(DEFAULT_WAIT),
        }
    }
}

/// `[cloudfront]`: the CDN in front of the publish store, purged after each
/// publish. Credentials come from the standard AWS chain, as for S3.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloudFrontConfig {
    /// The distribution's id (`--cloudfront-distribution` overrides it).
    pub distribution: Option<String>,
    /// Another CloudFront API endpoint (moto in tests; default: AWS's, or
    /// `$AWS_ENDPOINT_URL_CLOUDFRONT` / `$AWS_ENDPOINT_URL`).
    pub endpoint_url: Option<String>,
    /// Where the distribution serves the publish store, when not at its
    /// root: `apt` if `https://cdn.example.org/apt/dists/…` is the store's
    /// `dists/…`.
    pub path_prefix: Option<String>,
}

/// `[build]`: the build stage.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename_all = "kebab-case")]
pub struct BuildConfig {
    /// The distros directory (default: `./distros`).
    pub distros: Option<PathBuf>,
    /// `docker`, `podman` or `none` (default: docker where it answers).
    pub engine: Option<String>,
    /// Where products go (default: `./out`).
    pub out: Option<PathBuf>,
    /// Builds at once (default: 1).
    pub jobs: Option<usize>,
    /// Where build logs are kept.
    pub log_dir: Option<PathBuf>,
}

/// `[s3]`: how to reach `s3://` stores. Credentials are never configured
/// here: they come from the standard AWS chain (environment, profiles, SSO,
/// instance metadata).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Config {
    /// An S3-compatible server, e.g. `http://127.0.0.1:9000` (default: AWS,
    /// or `$AWS_ENDPOINT_URL_S3` / `$AWS_ENDPOINT_URL`).
    pub endpoint_url: Option<String>,
    /// Default: `$AWS_REGION` or the profile's, else `us-east-1`.
    pub region: Option<String>,
    /// `https://endpoint/bucket/key` instead of `https://bucket.endpoint/key`
    /// (also `APTKIT_S3_FORCE_PATH_STYLE=1`).
    #[serde(default)]
    pub force_path_style: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SigningConfig {
    #[serde(default)]
    pub keys: Vec<PathBuf>,
    #[serde(default)]
    pub key_envs: Vec<String>,
}

impl ConfigFile {
    /// `aptkit.toml`, from `explicit` or the current directory. Relative paths
    /// in it (stores, key files, the distros directory) are relative to the file's directory, as with
    /// cargo's config: the file means the same wherever aptkit runs from.
    pub fn load(explicit: Option<&Path>) -> anyhow::Result<ConfigFile> {
        let path = match explicit {
            Some(p) => p.to_path_buf(),
            None => {
                let default = PathBuf::from("aptkit.toml");
                if !default.exists() {
                    return Ok(ConfigFile::default());
                }
                default
            }
        };
        let text =
            std::fs::read_to_string(&path).with_context(|| format!("cannot read config file `{}`", path.display()))?;
        let mut config: ConfigFile =
            toml::from_str(&text).with_context(|| format!("invalid config file `{}`", path.display()))?;
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        for location in [&mut config.state, &mut config.public].into_iter().flatten() {
            if !location.contains("://") && Path::new(location.as_str()).is_relative() {
                *location = dir.join(location.as_str()).to_string_lossy().into_owned();
            }
        }
        for path in config
            .signing
            .keys
            .iter_mut()
            .chain(&mut config.build.distros)
            .chain(&mut config.build.out)
            .chain(&mut config.build.log_dir)
            .chain(&mut config.release.git)
            .chain(&mut config.release.tarballs)
        {
            if path.is_relative() {
                *path = dir.join(&*path);
            }
        }
        Ok(config)
    }
}
