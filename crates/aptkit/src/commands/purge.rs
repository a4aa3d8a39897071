//! The CloudFront step of a publish, and `aptkit publish purge`: the
//! library plans and records the invalidation ([`Repository::purge`]);
//! here it meets CloudFront, and a failure says how to retry just it.

use anyhow::Context;
use aptkit_repo::{Cdn, CdnError, Publication, PublishEvents, PurgeReport, PurgeWait, Repository};
use serde_json::json;

use crate::output;
use crate::settings::CdnSettings;

/// [`aptkit_aws::CloudFront`] as the library's [`Cdn`].
pub struct CloudFrontCdn(aptkit_aws::CloudFront);

/// The CloudFront distribution the settings name, connected; `None` when
/// they name none.
pub fn cloudfront(cdn: &CdnSettings) -> anyhow::Result<Option<CloudFrontCdn>> {
    let Some(id) = cdn.distribution.as_deref() else { return Ok(None) };
    Ok(Some(CloudFrontCdn(aptkit_aws::CloudFront::connect(id, cdn.endpoint_url.as_deref())?)))
}

impl Cdn for CloudFrontCdn {
    fn name(&self) -> String {
        format!("CloudFront distribution {}", self.0.distribution_id())
    }

    fn invalidate(&self, paths: &[String], reference: &str) -> Result<String, CdnError> {
        self.0.invalidate(paths, reference).map_err(cdn_error)
    }

    fn completed(&self, id: &str) -> Result<bool, CdnError> {
        // AWS says `Completed`; moto `COMPLETED`.
        Ok(self.0.status(id).map_err(cdn_error)?.eq_ignore_ascii_case("completed"))
    }
}

fn cdn_error(e: aptkit_aws::CloudFrontError) -> CdnError {
    // The library's error names the distribution already.
    CdnError { message: e.message, retryable: e.retryable }
}

/// Where the purge was asked for: the retry command repeats it.
pub struct Retry<'a> {
    pub store_flags: &'a [String],
    pub publication: &'a Publication,
}

/// Purge what the publish of `publication` (committed) changed, if a
/// distribution is set. An error says the publish is committed and gives
/// the command that retries just this step.
pub fn after_publish(
    repo: &Repository,
    cdn: &CdnSettings,
    retry: Retry<'_>,
    events: &dyn PublishEvents,
) -> Option<anyhow::Result<PurgeReport>> {
    let distribution = cdn.distribution.as_deref()?;
    let p = retry.publication;
    Some(purge(repo, cdn, distribution, &p.prefix, &p.distribution, events).with_context(|| {
        format!(
            "published {} (the publish is committed), but the CloudFront invalidation on distribution \
             {distribution} failed; to retry just that step: {}",
            p.id(),
            retry_command(retry.store_flags, &p.prefix, &p.distribution, distribution, cdn.wait)
        )
    }))
}

/// Purge the whole `dists/<suite>/` of a suite just dropped (committed),
/// if a distribution is set; an error says so and gives the retry command.
pub fn after_drop(
    repo: &Repository,
    cdn: &CdnSettings,
    store_flags: &[String],
    (prefix, suite): (&str, &str),
    events: &dyn PublishEvents,
) -> Option<anyhow::Result<PurgeReport>> {
    let distribution = cdn.distribution.as_deref()?;
    Some(purge(repo, cdn, distribution, prefix, suite, events).with_context(|| {
        format!(
            "dropped {} (the drop is committed), but the CloudFront invalidation on distribution {distribution} \
             failed; to retry just that step: {}",
            aptkit_repo::state::publication_id(prefix, suite),
            retry_command(store_flags, prefix, suite, distribution, cdn.wait)
        )
    }))
}

/// `aptkit publish purge`.
pub fn run(
    repo: &Repository,
    cdn: &CdnSettings,
    (prefix, suite): (&str, &str),
    dry_run: bool,
    json: bool,
    events: &dyn PublishEvents,
) -> anyhow::Result<()> {
    if dry_run {
        let (_, plan) = repo.purge_plan(&[(prefix, suite)], &cdn.path_prefix)?;
        if json {
            output::print_json(&json!({"dry_run": true, "paths": plan.paths, "reference": plan.reference}));
        } else {
            plan.paths.iter().for_each(|p| println!("{p}"));
            println!("CallerReference {} (nothing sent: --dry-run)", plan.reference);
        }
        return Ok(());
    }
    let distribution = cdn.distribution.as_deref().expect("settings require a distribution without --dry-run");
    let report = purge(repo, cdn, distribution, prefix, suite, events)?;
    if json {
        output::print_json(&json!({
            "publication": aptkit_repo::state::publication_id(prefix, suite),
            "invalidation": report_json(&report),
        }));
    } else {
        println!("{}", summary(&report));
    }
    Ok(())
}

fn purge(
    repo: &Repository,
    cdn: &CdnSettings,
    distribution: &str,
    prefix: &str,
    suite: &str,
    events: &dyn PublishEvents,
) -> anyhow::Result<PurgeReport> {
    let cloudfront = aptkit_aws::CloudFront::connect(distribution, cdn.endpoint_url.as_deref())?;
    let wait = cdn.wait.then(PurgeWait::default);
    Ok(repo.purge(&CloudFrontCdn(cloudfront), &[(prefix, suite)], &cdn.path_prefix, wait, events)?)
}

/// One line for people.
pub fn summary(report: &PurgeReport) -> String {
    let state = match (report.already, report.completed) {
        (_, true) => "completed",
        (true, false) => "sent before, nothing sent now",
        (false, false) => "in progress",
    };
    format!(
        "invalidated {} paths on {}: invalidation {} ({state})",
        report.plan.paths.len(),
        report.cdn,
        report.invalidation
    )
}

/// The `invalidation` object of `--json` reports.
pub fn report_json(report: &PurgeReport) -> serde_json::Value {
    json!({
        "cdn": report.cdn,
        "id": report.invalidation,
        "paths": report.plan.paths,
        "reference": report.plan.reference,
        "already_sent": report.already,
        "completed": report.completed,
    })
}

/// `aptkit [stores] publish purge SUITE [--prefix P] --cloudfront-distribution ID`.
fn retry_command(store_flags: &[String], prefix: &str, suite: &str, distribution: &str, wait: bool) -> String {
    let mut words: Vec<String> = vec!["aptkit".into()];
    words.extend(store_flags.iter().cloned());
    words.extend(["publish".into(), "purge".into(), suite.into()]);
    if !prefix.is_empty() {
        words.extend(["--prefix".into(), prefix.into()]);
    }
    words.extend(["--cloudfront-distribution".into(), distribution.into()]);
    if wait {
        words.push("--purge-wait".into());
    }
    words.iter().map(|w| shell_word(w)).collect::<Vec<_>>().join(" ")
}

/// `word`, quoted for a POSIX shell where it needs to be.
fn shell_word(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./:=@%+,~".contains(c);
    if !word.is_empty() && !word.starts_with('~') && word.chars().all(plain) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_retry_command_repeats_the_stores_and_quotes_what_needs_it() {
        let flags = ["--state".to_string(), "s3://b/state".into(), "--config".into(), "my dir/aptkit.toml".into()];
        assert_eq!(
            super::retry_command(&flags, "debian", "1.0~rc1", "EABC", true),
            "aptkit --state s3://b/state --config 'my dir/aptkit.toml' publish purge 1.0~rc1 --prefix debian \
             --cloudfront-distribution EABC --purge-wait"
        );
    }
}
