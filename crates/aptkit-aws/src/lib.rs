//! AWS for aptkit: the S3 backend of [`aptkit_store::Store`], for publish and
//! state stores on AWS or on any S3-compatible server (MinIO, moto, …), and
//! CloudFront invalidation of a publication's mutable paths.
//!
//! The `Store` trait is synchronous, so that no crate but this one (and the
//! binary that picks it) sees async code or the AWS SDK: each client here
//! owns a small Tokio runtime and blocks on it inside every method.

mod cloudfront;
mod multipart;
mod s3;

pub use cloudfront::{CloudFront, CloudFrontError};
pub use multipart::{Multipart, MULTIPART_THRESHOLD_ENV, PART_SIZE_ENV};
pub use s3::{S3Options, S3Store, FORCE_PATH_STYLE_ENV};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use tokio::runtime::Runtime;

/// Two workers: enough for a few concurrent requests (verify reads the pool
/// on several threads) without a thread per core of a big host.
fn runtime() -> std::io::Result<Runtime> {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).thread_name("aptkit-aws").enable_all().build()
}

/// The standard AWS configuration (credentials chain, region, endpoint from
/// the environment and profiles), with what the caller gives on top.
fn load_config(runtime: &Runtime, endpoint_url: Option<&str>, region: Option<&str>) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).http_client(https_client());
    if let Some(region) = region {
        loader = loader.region(Region::new(region.to_string()));
    }
    if let Some(endpoint) = endpoint_url {
        loader = loader.endpoint_url(endpoint);
    }
    let config = runtime.block_on(loader.load());
    match config.region() {
        Some(_) => config,
        // The SDK needs a region to sign with; S3 buckets answer from any
        // region's endpoint, and CloudFront is global (us-east-1).
        None => config.into_builder().region(Region::from_static("us-east-1")).build(),
    }
}

/// An HTTPS client on rustls with ring (already in the tree through ureq,
/// where the SDK's default would build aws-lc from C), trusting the
/// system's certificates, made on its first request: the SDK validates the
/// client of every provider it makes (STS's among them) when the
/// configuration loads, and the HTTPS client loads and parses the system's
/// certificates then, ~4 ms of every command, even when no request goes
/// out over it (static credentials, a plain-HTTP endpoint).
fn https_client() -> aws_sdk_s3::config::SharedHttpClient {
    aws_sdk_s3::config::SharedHttpClient::new(LazyHttps(std::sync::OnceLock::new()))
}

#[derive(Debug)]
struct LazyHttps(std::sync::OnceLock<aws_sdk_s3::config::SharedHttpClient>);

impl aws_sdk_s3::config::HttpClient for LazyHttps {
    fn http_connector(
        &self,
        settings: &aws_smithy_runtime_api::client::http::HttpConnectorSettings,
        components: &aws_sdk_s3::config::RuntimeComponents,
    ) -> aws_smithy_runtime_api::client::http::SharedHttpConnector {
        use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
        let client = self.0.get_or_init(|| {
            aws_smithy_http_client::Builder::new().tls_provider(Provider::Rustls(CryptoMode::Ring)).build_https()
        });
        client.http_connector(settings, components)
    }
}

/// The endpoint a service's requests go to when none is given: its
/// variable (`AWS_ENDPOINT_URL_S3`), else `AWS_ENDPOINT_URL`, unless the SDK
/// is told to ignore them; empty for AWS's own (or one set in a profile).
fn endpoint_from_env(service_variable: &str) -> String {
    let ignored = std::env::var("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS").is_ok_and(|v| v.eq_ignore_ascii_case("true"));
    if ignored {
        return String::new();
    }
    std::env::var(service_variable).or_else(|_| std::env::var("AWS_ENDPOINT_URL")).unwrap_or_default()
}

fn plain_http_client(endpoint: &str) -> Option<aws_sdk_s3::config::SharedHttpClient> {
    let plain = endpoint.get(..7).is_some_and(|scheme| scheme.eq_ignore_ascii_case("http://"));
    plain.then(|| aws_smithy_http_client::Builder::new().build_http())
}
