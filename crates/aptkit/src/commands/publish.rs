//! `aptkit publish …`.

use std::path::PathBuf;

use anyhow::Context;
use aptkit_repo::{Dependencies, Publication, PublishAction, PublishReport, Publisher, Repository};
use serde_json::json;

use super::{purge, Outcome};
use crate::base_indices::load_universe;
use crate::clock::now;
use crate::output;
use crate::progress::{ProgressMode, PublishProgress};
use crate::settings::{CdnSettings, DependencyCheck, OnePublish, PublishSettings, PublishTask};

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
    if let PublishAction::New(request) = &one.action {
        warn_unless_url_safe(&request.prefix);
    }
    let what = match &one.action {
        PublishAction::New(request) => format!("cannot publish {}", request.source),
        PublishAction::Switch { distribution, snapshot, .. } => {
            format!("cannot switch `{distribution}` to snapshot `{snapshot}`")
        }
        PublishAction::Update { distribution, .. } => format!("cannot update `{distribution}`"),
    };
    let events = PublishProgress::new(one.progress, one.json);
    let publisher = Publisher::new(repo, &keys, deps)
        .events(&events)
        .wait(one.wait)
        .dry_run(one.dry_run)
        .keep_generations(one.keep_generations);
    let published = match publisher.run(one.action) {
        Ok(published) => published,
        Err(e) => {
            events.finish();
            return Err(anyhow::Error::new(e).context(what));
        }
    };
    if one.dry_run {
        events.finish();
        print_plan(&published, &one.cdn, one.json)?;
        return Ok(Outcome::Success);
    }
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

/// A dry run's plan: one line per write, then the CDN invalidation the
/// publish would end with (the paths and CallerReference it would send),
/// or `{"dry_run": true, "plan": […], "purge": […], "invalidation": …}`.
fn print_plan(published: &aptkit_repo::Published, cdn: &CdnSettings, json: bool) -> anyhow::Result<()> {
    let id = published.publication.id();
    let invalidation = planned_invalidation(cdn, &published.publication)?;
    let extra = json!({"purge": published.report.purge, "invalidation": invalidation_json(&invalidation)});
    output::print_planned("publication", &id, &published.planned, json, extra);
    print_invalidation(&invalidation, "publish", json);
    Ok(())
}

/// The CloudFront invalidation a dry run's command would end with, if a
/// distribution is set: the distribution and the plan.
fn planned_invalidation<'a>(
    cdn: &'a CdnSettings,
    publication: &Publication,
) -> anyhow::Result<Option<(&'a str, aptkit_repo::PurgePlan)>> {
    let Some(distribution) = cdn.distribution.as_deref() else { return Ok(None) };
    Ok(Some((distribution, aptkit_repo::plan_purge(&[publication], &cdn.path_prefix)?)))
}

fn invalidation_json(invalidation: &Option<(&str, aptkit_repo::PurgePlan)>) -> serde_json::Value {
    let Some((distribution, plan)) = invalidation else { return serde_json::Value::Null };
    json!({"distribution": distribution, "paths": plan.paths, "reference": plan.reference})
}

/// `would invalidate N paths on CloudFront distribution D once the WHAT is
/// committed (CallerReference R):`, then the paths (nothing with --json).
fn print_invalidation(invalidation: &Option<(&str, aptkit_repo::PurgePlan)>, what: &str, json: bool) {
    let (Some((distribution, plan)), false) = (invalidation, json) else { return };
    println!(
        "would invalidate {} paths on CloudFront distribution {distribution} once the {what} is committed \
         (CallerReference {}):",
        plan.paths.len(),
        plan.reference
    );
    plan.paths.iter().for_each(|p| println!("  {p}"));
}

pub fn run(settings: PublishSettings) -> anyhow::Result<Outcome> {
    let PublishSettings { repository: repo, public_dir, task, store_flags } = settings;
    match task {
        PublishTask::Publish(one) => publish_one(&repo, &public_dir, &store_flags, *one),
        PublishTask::Purge { distribution, prefix, cdn, dry_run, json } => {
            let events = PublishProgress::new(ProgressMode::Auto, json);
            let done = purge::run(&repo, &cdn, (&prefix, &distribution), dry_run, json, &events);
            events.finish();
            done.map(|()| Outcome::Success)
        }
        PublishTask::List { json } => {
            let refs = repo.refs()?;
            // Who holds what (a publish, a drop, gc, a release), and until when.
            let claims = repo.claims(now())?;
            if json {
                let mut list = serde_json::to_value(&refs.publications)?;
                for (entry, p) in list.as_array_mut().expect("a list").iter_mut().zip(&refs.publications) {
                    if let Some(claim) = claims.iter().find(|c| c.subject == p.id()) {
                        entry["claim"] = serde_json::to_value(claim)?;
                    }
                }
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
                for claim in &claims {
                    println!("{}", claim_line(claim)?);
                }
            }
            Ok(Outcome::Success)
        }
        PublishTask::Drop { distribution, prefix, dry_run: true, json, cdn, .. } => {
            let id = aptkit_repo::state::publication_id(&prefix, &distribution);
            let plan = repo.publish_drop_plan(&prefix, &distribution).with_context(|| format!("cannot drop `{id}`"))?;
            // The invalidation it would end with: the suite's whole dists/.
            // Dated as the drop will record it: the reference is the one the
            // real purge sends.
            let refs = repo.refs()?;
            let date = refs.publication(&prefix, &distribution).map(|p| p.date).into_iter();
            let date = date.chain(refs.dropped_dates.get(&id).copied()).max().unwrap_or_default();
            let suite = aptkit_repo::dropped_suite(&prefix, &distribution, date);
            let invalidation = planned_invalidation(&cdn, &suite)?;
            output::print_planned(
                "publication",
                &id,
                &plan,
                json,
                json!({"invalidation": invalidation_json(&invalidation)}),
            );
            print_invalidation(&invalidation, "drop", json);
            Ok(Outcome::Success)
        }
        PublishTask::Drop { distribution, prefix, wait, cdn, .. } => {
            let events = PublishProgress::new(ProgressMode::None, false);
            let id = aptkit_repo::state::publication_id(&prefix, &distribution);
            repo.publish_drop_waiting(&prefix, &distribution, wait, &events)
                .with_context(|| format!("cannot drop `{id}`"))?;
            eprintln!("dropped publication {id}");
            // The very last step, as after a publish.
            match purge::after_drop(&repo, &cdn, &store_flags, (&prefix, &distribution), &events) {
                Some(Ok(report)) => println!("{}", purge::summary(&report)),
                Some(Err(e)) => return Err(e),
                None => {}
            }
            Ok(Outcome::Success)
        }
        PublishTask::Unlock { subject, force, json, planned: None } => unlock(&repo, &subject, force, json, None),
        PublishTask::Unlock { subject, force, json, planned: Some(planned) } => {
            unlock(&planned.repository(), &subject, force, json, Some(&planned))
        }
    }
}

/// `claimed: SUBJECT by HOLDER (publishing) since …, lease live until …`.
fn claim_line(claim: &aptkit_repo::ClaimInfo) -> anyhow::Result<String> {
    Ok(format!(
        "claimed: {} by {} ({}) since {}, lease {} {}{}",
        claim.subject,
        claim.holder.as_deref().unwrap_or("an unnamed job"),
        serde_json::to_value(claim.activity)?.as_str().unwrap_or("working"),
        aptkit_index::format_date(claim.since),
        if claim.live { "live until" } else { "ran out at" },
        aptkit_index::format_date(claim.expires),
        if claim.live { "" } else { " (the next job takes it over; `aptkit publish unlock` breaks it now)" },
    ))
}

/// `publish unlock`: break the claim on `subject`, naming whose it was.
fn unlock(
    repo: &Repository,
    subject: &str,
    force: bool,
    json: bool,
    planned: Option<&crate::settings::Planned>,
) -> anyhow::Result<Outcome> {
    let broken = repo.unlock(subject, force, now()).with_context(|| format!("cannot unlock `{subject}`"))?;
    if let Some(planned) = planned {
        let extra = json!({ "broken": broken });
        output::print_planned("subject", subject, &planned.planned(), json, extra);
        if json {
            return Ok(Outcome::Success);
        }
    } else if json {
        output::print_json(&json!({ "subject": subject, "broken": broken }));
        return Ok(Outcome::Success);
    }
    let did = if planned.is_some() { "would have broken" } else { "broke" };
    match broken {
        None => println!("nothing holds `{subject}`: no claim to break"),
        Some(claim) => println!(
            "{did} the claim on `{subject}`: {}{} since {}, lease {} {}",
            claim.holder.map(|h| format!("{h}, ")).unwrap_or_default(),
            serde_json::to_value(claim.activity)?.as_str().unwrap_or("working"),
            aptkit_index::format_date(claim.since),
            if claim.live { "live until" } else { "ran out at" },
            aptkit_index::format_date(claim.expires),
        ),
    }
    Ok(Outcome::Success)
}

/// A prefix with characters URLs must encode works in a store, but every
/// client must then encode it alike, and they do not: S3 and CloudFront
/// read `+` in a path as itself, some proxies and web servers as a space.
pub(crate) fn warn_unless_url_safe(prefix: &str) {
    let unsafe_chars: Vec<char> =
        prefix.chars().filter(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '/'))).collect();
    if !unsafe_chars.is_empty() {
        output::warn(&format!(
            "prefix `{prefix}` has characters a URL must encode ({}): apt sources lines and CDN paths \
             for it must encode them alike; letters, digits, `-`, `.`, `_` and `/` need nothing",
            unsafe_chars.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
        ));
    }
}
