use aws_sdk_cloudfront::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_cloudfront::types::{InvalidationBatch, Paths};
use aws_sdk_cloudfront::Client;
use tokio::runtime::Runtime;

/// A CloudFront distribution whose cached copies of mutable paths
/// (`/dists/<suite>/InRelease`, …) are invalidated after a publish:
/// CloudFront ignores apt's `Cache-Control: max-age=0` and keeps its own TTL.
pub struct CloudFront {
    runtime: Runtime,
    client: Client,
    distribution_id: String,
}

#[derive(Debug)]
pub struct CloudFrontError {
    pub distribution_id: String,
    pub message: String,
    /// The same request may succeed later: CloudFront was unreachable,
    /// failed (5xx), throttled it, or has too many invalidations in
    /// progress.
    pub retryable: bool,
}

impl std::fmt::Display for CloudFrontError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CloudFront distribution {}: {}", self.distribution_id, self.message)
    }
}

impl std::error::Error for CloudFrontError {}

/// CloudFront's answers that say "later": too many invalidations (or
/// wildcard paths) in progress, or too many requests.
const RETRYABLE_CODES: [&str; 4] =
    ["TooManyInvalidationsInProgress", "Throttling", "ThrottlingException", "ServiceUnavailable"];

impl CloudFront {
    /// Credentials and region as for S3 (the standard AWS chain); the
    /// endpoint from `endpoint_url`, `$AWS_ENDPOINT_URL_CLOUDFRONT` or
    /// `$AWS_ENDPOINT_URL`, else AWS's. Nothing is sent yet.
    pub fn connect(distribution_id: &str, endpoint_url: Option<&str>) -> Result<CloudFront, CloudFrontError> {
        let runtime = crate::runtime().map_err(|e| CloudFrontError {
            distribution_id: distribution_id.to_string(),
            message: format!("cannot start the AWS runtime: {e}"),
            retryable: false,
        })?;
        let config = crate::load_config(&runtime, endpoint_url, None);
        let endpoint =
            endpoint_url.map(str::to_string).unwrap_or_else(|| crate::endpoint_from_env("AWS_ENDPOINT_URL_CLOUDFRONT"));
        let mut config = aws_sdk_cloudfront::config::Builder::from(&config);
        if let Some(client) = crate::plain_http_client(&endpoint) {
            config = config.http_client(client);
        }
        let client = Client::from_conf(config.build());
        Ok(CloudFront { runtime, client, distribution_id: distribution_id.to_string() })
    }

    /// Invalidate `paths` (each starting with `/`; `*` only at the end).
    /// `caller_reference` identifies the request: sending the same one with
    /// the same paths again (a resumed release) returns the invalidation
    /// already made instead of making another. Returns its id.
    ///
    /// CloudFront allows 3,000 paths and 15 wildcard paths in progress per
    /// distribution: invalidate only what changed, never `pool/`.
    pub fn invalidate(&self, paths: &[String], caller_reference: &str) -> Result<String, CloudFrontError> {
        if paths.is_empty() || paths.iter().any(|p| !p.starts_with('/')) {
            return Err(self.error(format!("invalidation paths must be given and start with `/`: {paths:?}")));
        }
        let batch_paths = Paths::builder()
            .quantity(paths.len() as i32)
            .set_items(Some(paths.to_vec()))
            .build()
            .map_err(|e| self.error(e.to_string()))?;
        let batch = InvalidationBatch::builder()
            .paths(batch_paths)
            .caller_reference(caller_reference)
            .build()
            .map_err(|e| self.error(e.to_string()))?;
        let request =
            self.client.create_invalidation().distribution_id(&self.distribution_id).invalidation_batch(batch).send();
        let out = self.runtime.block_on(request).map_err(|e| self.sdk_error("create an invalidation", e))?;
        out.invalidation()
            .map(|i| i.id().to_string())
            .ok_or_else(|| self.error("CloudFront returned no invalidation".into()))
    }

    /// The distribution's id.
    pub fn distribution_id(&self) -> &str {
        &self.distribution_id
    }

    /// `InProgress` or `Completed` (as the server spells it).
    pub fn status(&self, invalidation_id: &str) -> Result<String, CloudFrontError> {
        let request = self.client.get_invalidation().distribution_id(&self.distribution_id).id(invalidation_id).send();
        let out = self.runtime.block_on(request).map_err(|e| self.sdk_error("read invalidation", e))?;
        Ok(out.invalidation().map(|i| i.status().to_string()).unwrap_or_default())
    }

    fn error(&self, message: String) -> CloudFrontError {
        CloudFrontError { distribution_id: self.distribution_id.clone(), message, retryable: false }
    }

    fn sdk_error<E>(&self, op: &str, e: SdkError<E>) -> CloudFrontError
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let status = e.raw_response().map(|r| r.status().as_u16());
        let retryable = match (&e, e.code(), status) {
            // Never reached CloudFront, or no answer in time.
            (SdkError::DispatchFailure(_) | SdkError::TimeoutError(_), _, _) => true,
            (_, Some(code), _) if RETRYABLE_CODES.contains(&code) => true,
            (_, _, Some(status)) => status >= 500 || status == 429,
            _ => false,
        };
        let message = match (e.code(), status) {
            (Some(code), Some(status)) => {
                format!("cannot {op}: {code} (HTTP {status}): {}", e.message().unwrap_or("no message"))
            }
            _ => format!("cannot {op}: {}", crate::s3::error_chain(&e)),
        };
        CloudFrontError { retryable, ..self.error(message) }
    }
}
