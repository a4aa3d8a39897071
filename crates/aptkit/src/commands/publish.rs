//! `aptkit publish …`.

use std::path::PathBuf;

use aptkit_repo::{Dependencies, Publication, PublishAction, PublishReport, Publisher, Repository};
use serde_json::json;

use super::{purge, Outcome};
use crate::base_indices::load_universe;
use crate::clock::now;
use crate::output;
use crate::progress::{ProgressMode, PublishProgress};
use crate::settings::{DependencyCheck, OnePublish, PublishSettings, PublishTask};

/// What was published, and what the CDN purge made of it (if one ran).
fn report(
    publication: &Publication,
    report: &PublishReport,
    purged: Option<&anyhow::Result<aptkit_repo::PurgeReport>>,
    json: bool,
    public_dir: &Option<PathBuf>,
) {
    if json {
        let invalidation = match purged {
            None => serde_json::Value::Null,
            Some(Ok(purged)) => purge::report_json(purged),
            Some(Err(e)) => json!({"error": format!("{e:#}")}),
        };
        output::print_json(&json!({
            "publication": publication.id(),
            "source": publication.source.to_string(),
            "date": publication.date,
            "architectures": publication.architectures,
            "signed_by": publication.signed_by,
            "pool_written": report.pool_written,
            "pool_present": report.pool_present,
            "indices": report.indices,
            "index_chunks": report.index_chunks,
            "index_chunks_compressed": report.index_chunks_compressed,
            "purge": report.purge,
            "invalidation": invalidation,
        }));
        return;
    }
    println!(
        "published {} ({}) at {}: {} pool files written, {} already there; {} of {} index chunks compressed",
        publication.id(),
        publication.source,
        aptkit_index::format_date(publication.date),
        report.pool_written,
        report.pool_present,
        report.index_chunks_compressed,
        report.index_chunks
    );
    let base = match (public_dir, publication.prefix.as_str()) {
        (Some(dir), "") => format!("file://{}", std::path::absolute(dir).unwrap_or(dir.clone()).display()),
        (Some(dir), prefix) => format!("file://{}/{prefix}", std::path::absolute(dir).unwrap_or(dir.clone()).display()),
        (None, _) => "URL".into(),
    };
    println!("apt sources line (after `aptkit key export --output /etc/apt/keyrings/aptkit.gpg`):");
    println!(
        "  deb [signed-by=/etc/apt/keyrings/aptkit.gpg] {base} {} {}",
        publication.distribution, publication.component
    );
    if let Some(Ok(purged)) = purged {
        println!("{}", purge::summary(purged));
    }
}

fn dependencies(check: &DependencyCheck) -> anyhow::Result<Dependencies> {
    match check {
        DependencyCheck::Skip => Ok(Dependencies::Skip),
        DependencyCheck::Against(base_indices) => Ok(Dependencies::Check(load_universe(base_indices)?)),
    }
}

/// One publish through the library's one publishing call, which also reads
/// back what it wrote before it records it (in every publish store); then
/// say what was published.
fn publish_one(
    repo: &Repository,
    public_dir: &Option<PathBuf>,
    store_flags: &[String],
    one: OnePublish,
) -> anyhow::Result<Outcome> {
    let keys = one.keys.load()?;
    let deps = dependencies(&one.deps)?;
    let what = match &one.action {
        PublishAction::New(request) => format!("cannot publish {}", request.source),
        PublishAction::Switch { distribution, snapshot, .. } => {
            format!("cannot switch `{distribution}` to snapshot `{snapshot}`")
        }
        PublishAction::Update { distribution, .. } => format!("cannot update `{distribution}`"),
    };
    let events = PublishProgress::new(one.progress, one.json);
    let published = Publisher::new(repo, &keys, deps).events(&events).run(one.action);
    let published = match published {
        Ok(published) => published,
        Err(e) => {
            events.finish();
            return Err(anyhow::Error::new(e).context(what));
        }
    };
    // The very last step, once the publication is committed: one
    // invalidation of what this publish changed.
    let retry = purge::Retry { store_flags, publication: &published.publication };
    let purged = purge::after_publish(repo, &one.cdn, retry, &events);
    events.finish();
    report(&published.publication, &published.report, purged.as_ref(), one.json, public_dir);
    match purged {
        Some(Err(e)) => Err(e),
        _ => Ok(Outcome::Success),
    }
}

pub fn run(settings: PublishSettings) -> anyhow::Result<Outcome> {
    let PublishSettings { repository: repo, public_dir, task, store_flags } = settings;
    match task {
        PublishTask::Publish(one) => publish_one(&repo, &public_dir, &store_flags, one),
        PublishTask::Purge { distribution, prefix, cdn, dry_run, json } => {
            let events = PublishProgress::new(ProgressMode::Auto, json);
            let done = purge::run(&repo, &cdn, (&prefix, &distribution), dry_run, json, &events);
            events.finish();
            done.map(|()| Outcome::Success)
        }
        PublishTask::List { json } => {
            let refs = repo.refs()?;
            if json {
                let mut list = serde_json::to_value(&refs.publications)?;
                for p in &refs.dropping {
                    let mut entry = serde_json::to_value(p)?;
                    entry["dropping"] = json!(true);
                    list.as_array_mut().expect("a list").push(entry);
                }
                output::print_json(&list);
            } else {
                for p in &refs.publications {
                    println!(
                        "{}  {} [{}] {}  {}",
                        p.id(),
                        p.component,
                        p.architectures.join(", "),
                        p.source,
                        aptkit_index::format_date(p.date)
                    );
                }
                for p in &refs.dropping {
                    println!("{}  (an interrupted drop: run `aptkit publish drop` again to finish it)", p.id());
                }
            }
            Ok(Outcome::Success)
        }
        PublishTask::Drop { distribution, prefix } => {
            repo.publish_drop(&prefix, &distribution, now())?;
            eprintln!("dropped publication {}", aptkit_repo::state::publication_id(&prefix, &distribution));
            Ok(Outcome::Success)
        }
    }
}
