//! Steps 3 to 5: the versions published one at a time, in the order
//! given, each to its suites; a nightly suite's retention; and the one
//! CDN invalidation at the end.
//!
//! Each suite is published from a repo of its own, `release-<suite>`,
//! that the release keeps: a version's packages are added to it, the
//! nightlies past the suite's `keep` are removed from it, and the suite is
//! republished only when the repo's packages differ from what it serves
//! (a release of unchanged inputs publishes nothing).

use aptkit_repo::{Held, PackageRecord, PublishAction, PublishRequest, Publisher, Repository, Source};
use serde_json::json;

use crate::builds::Products;
use crate::events::ReleaseEvent;
use crate::journal::StepStatus;
use crate::pipeline::{CdnStep, Context};
use crate::plan::{Mode, SuitePlan};
use crate::report::{PurgeOutcome, ReleaseReport, Status, SuiteReport};
use crate::retention::{nightlies_to_drop, upstream_of};

/// The repo a release keeps for the suite `suite` under `prefix`.
pub fn repo_name(prefix: &str, suite: &str) -> String {
    if prefix.is_empty() {
        format!("release-{suite}")
    } else {
        format!("release-{}-{suite}", prefix.replace('/', "-"))
    }
}

/// Publish every version in order. Returns the suites whose publications
/// changed (in this run or in the run it resumes): what the purge covers.
pub(crate) fn all(
    ctx: &Context<'_, '_>,
    products: &[Products],
    stop: bool,
    claim: Option<&Held>,
    report: &mut ReleaseReport,
) -> Vec<String> {
    let mut changed: Vec<String> = Vec::new();
    let mut failed = stop;
    for (vi, version) in ctx.release.plan.versions.iter().enumerate() {
        for suite in &version.suites {
            let step = format!("publish/{}/{}", version.version, suite.suite);
            let mut entry = SuiteReport { suite: suite.suite.clone(), ..SuiteReport::default() };
            if let Some(recorded) = ctx.done(&step) {
                ctx.event(ReleaseEvent::Skip { step: &step });
                entry.status = Status::Done;
                entry.added = strings(&recorded.detail["added"]);
                entry.dropped = strings(&recorded.detail["dropped"]);
                if recorded.detail["published"].as_bool() == Some(true) && !changed.contains(&suite.suite) {
                    changed.push(suite.suite.clone());
                }
            } else if failed {
                entry.status = Status::Skipped;
            } else if !has_packages(ctx, products, vi, suite) {
                // Its distros' builds failed (and are reported as such):
                // the other suites are published all the same.
                entry.status = Status::Skipped;
                entry.error = Some(format!("no build of {} succeeded", suite.distros.join(", ")));
            } else {
                ctx.release.events.before_step(&step);
                ctx.event(ReleaseEvent::Start { step: &step });
                let result = claim.map_or(Ok(()), Held::check).map_err(|e| e.to_string()).and_then(|()| {
                    let debs: Vec<_> = products
                        .iter()
                        .filter(|p| p.version == vi && suite.distros.contains(&p.distro))
                        .flat_map(|p| p.debs.iter().cloned())
                        .collect();
                    publish_suite(ctx, &version.version, suite, &debs)
                });
                match result {
                    Ok(done) => {
                        entry.status = if done.published { Status::Published } else { Status::Unchanged };
                        let text = match (done.published, done.dropped.is_empty()) {
                            (false, _) => format!("{} unchanged: it holds these packages already", suite.suite),
                            (true, true) => format!("published {} with {} new packages", suite.suite, done.added.len()),
                            (true, false) => format!(
                                "published {} with {} new packages; retention dropped {}",
                                suite.suite,
                                done.added.len(),
                                done.dropped.join(", ")
                            ),
                        };
                        ctx.event(ReleaseEvent::Note { step: &step, text });
                        let detail = json!({
                            "published": done.published, "added": done.added, "dropped": done.dropped,
                        });
                        ctx.record(&step, StepStatus::Done, detail, report);
                        if done.published && !changed.contains(&suite.suite) {
                            changed.push(suite.suite.clone());
                        }
                        entry.added = done.added;
                        entry.dropped = done.dropped;
                    }
                    Err(error) => {
                        // Versions go out strictly in order: nothing after
                        // a failed publish is published.
                        failed = true;
                        ctx.record(&step, StepStatus::Failed, json!({ "error": error }), report);
                        report.failures.push(format!("{step}: {error}"));
                        entry.status = Status::Failed;
                        entry.error = Some(error);
                    }
                }
            }
            report.versions[vi].publishes.push(entry);
        }
    }
    changed
}

/// Whether `suite` has packages of version `vi` to publish: a promotion
/// finds them in the suites it promotes from; a build, in its products.
fn has_packages(ctx: &Context<'_, '_>, products: &[Products], vi: usize, suite: &SuitePlan) -> bool {
    matches!(ctx.release.mode, Mode::Promote { .. })
        || products.iter().any(|p| p.version == vi && suite.distros.contains(&p.distro) && !p.debs.is_empty())
}

fn strings(value: &serde_json::Value) -> Vec<String> {
    value.as_array().map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect()).unwrap_or_default()
}

struct SuiteDone {
    published: bool,
    added: Vec<String>,
    dropped: Vec<String>,
}

fn publish_suite(
    ctx: &Context<'_, '_>,
    version: &str,
    suite: &SuitePlan,
    debs: &[std::path::PathBuf],
) -> Result<SuiteDone, String> {
    let release = ctx.release;
    let repository = release.repository;
    let prefix = &release.publish.prefix;
    let name = repo_name(prefix, &suite.suite);
    let err = |what: &str, e: aptkit_repo::Error| format!("{what}: {e}");
    // What a promotion takes is found before anything is made: a version
    // the nightly suite lacks leaves the state as it was.
    let promoted = match release.mode {
        Mode::Promote { .. } => Some(promoted(ctx, version, suite)?),
        _ => None,
    };
    ensure_repo(repository, &name, &suite.suite, ctx.now()).map_err(|e| err("cannot make its repo", e))?;

    let added = match &promoted {
        Some(records) => {
            repository.repo_change(&name, records, &[]).map_err(|e| err("cannot add the promoted packages", e))?
        }
        // A rerun's packages are in the repo already: a look at their
        // SHA-256s spares the add (which would rewrite each stored file
        // to restart its age for gc).
        _ if all_in_repo(repository, &name, debs)? => aptkit_repo::AddReport::default(),
        _ => {
            repository.repo_add(&name, debs, &|_, _| {}).map_err(|e| err(&format!("cannot add to repo `{name}`"), e))?
        }
    };

    let mut dropped = Vec::new();
    if let Some(keep) = suite.keep {
        let set = repository.repo_packages(&name).map_err(|e| err("cannot read its repo", e))?;
        dropped = nightlies_to_drop(set.iter().map(PackageRecord::version), keep);
        let keys: Vec<String> =
            set.iter().filter(|r| dropped.iter().any(|d| d == upstream_of(r.version()))).map(|r| r.key()).collect();
        if !keys.is_empty() {
            repository.repo_change(&name, &[], &keys).map_err(|e| err("cannot apply retention", e))?;
        }
    }

    let refs = repository.refs().map_err(|e| err("cannot read the state", e))?;
    let set = refs.repos.get(&name).map(|r| r.set.clone()).unwrap_or_default();
    let action = match refs.publication(prefix, &suite.suite) {
        None => PublishAction::New(PublishRequest {
            prefix: prefix.clone(),
            distribution: suite.suite.clone(),
            component: release.publish.component.clone(),
            source: Source::Repo(name.clone()),
            architectures: None,
            origin: release.publish.origin.clone(),
            label: release.publish.label.clone(),
            valid_for_days: None,
            contents: false,
        }),
        Some(p) if p.source != Source::Repo(name.clone()) => {
            return Err(format!(
                "the suite `{}` is published from {}, not by aptkit release (repo `{name}`): drop that publication or \
                 route the release elsewhere",
                p.id(),
                p.source
            ))
        }
        Some(p) if p.set == set => return Ok(SuiteDone { published: false, added: added.added, dropped }),
        Some(_) => PublishAction::Update { prefix: prefix.clone(), distribution: suite.suite.clone() },
    };
    Publisher::new(repository, release.keys, release.publish.dependencies.clone())
        .events(release.publish_events)
        .wait(release.publish.wait)
        .run(action)
        .map_err(|e| err(&format!("cannot publish `{}`", suite.suite), e))?;
    Ok(SuiteDone { published: true, added: added.added, dropped })
}

/// Whether the repo holds every one of `debs`, byte for byte (by file
/// name and SHA-256).
fn all_in_repo(repository: &Repository, name: &str, debs: &[std::path::PathBuf]) -> Result<bool, String> {
    let set = repository.repo_packages(name).map_err(|e| format!("cannot read repo `{name}`: {e}"))?;
    let held: std::collections::HashSet<(&str, &str)> =
        set.iter().map(|r| (r.file_name().rsplit('/').next().unwrap_or_default(), r.sha256())).collect();
    for deb in debs {
        let read_err = |e: std::io::Error| format!("cannot read `{}`: {e}", deb.display());
        let file = std::fs::File::open(deb).map_err(read_err)?;
        let sha256 = aptkit_index::FileDigests::of_reader(file).map_err(read_err)?.sha256_hex();
        let file = deb.file_name().unwrap_or_default().to_string_lossy();
        if !held.contains(&(file.as_ref(), sha256.as_str())) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The repo exists after this, made by this run or another.
fn ensure_repo(repository: &Repository, name: &str, suite: &str, now: i64) -> aptkit_repo::Result<()> {
    if repository.refs()?.repos.contains_key(name) {
        return Ok(());
    }
    match repository.repo_create(name, &format!("the packages of suite {suite}, kept by aptkit release"), None, now) {
        Err(aptkit_repo::Error::RepoExists(_)) | Ok(()) => Ok(()),
        Err(e) => Err(e),
    }
}

/// The packages of `version` in the suites it is promoted from, of the
/// distros that publish to `suite`: the very records (and files) the
/// nightly suites serve.
fn promoted(ctx: &Context<'_, '_>, version: &str, suite: &SuitePlan) -> Result<Vec<PackageRecord>, String> {
    let plan = ctx.release.plan.versions.iter().find(|v| v.version == version).expect("a planned version");
    let mut records = Vec::new();
    for distro in plan.distros.iter().filter(|d| suite.distros.contains(&d.id)) {
        let from = distro.promote_from.as_deref().expect("promotions name their source suite");
        let from_repo = repo_name(&ctx.release.publish.prefix, from);
        let set = ctx
            .release
            .repository
            .repo_packages(&from_repo)
            .map_err(|e| format!("cannot promote {version} from `{from}`: {e}"))?;
        let found: Vec<PackageRecord> = set.iter().filter(|r| upstream_of(r.version()) == version).cloned().collect();
        if found.is_empty() {
            return Err(format!(
                "cannot promote {version}: the suite `{from}` holds no packages of it ({})",
                distro.id
            ));
        }
        for record in found {
            if !records.iter().any(|r: &PackageRecord| r.key() == record.key()) {
                records.push(record);
            }
        }
    }
    Ok(records)
}

/// One invalidation for every suite the release changed, after the last
/// publish.
pub(crate) fn purge(
    ctx: &Context<'_, '_>,
    cdn: &CdnStep<'_>,
    changed: &[String],
    report: &mut ReleaseReport,
) -> PurgeOutcome {
    let name = cdn.cdn.name();
    let mut outcome = PurgeOutcome { cdn: name, ..PurgeOutcome::default() };
    if let Some(recorded) = ctx.done("purge") {
        ctx.event(ReleaseEvent::Skip { step: "purge" });
        outcome.status = Status::Done;
        outcome.invalidation = recorded.detail["invalidation"].as_str().map(str::to_string);
        outcome.paths = strings(&recorded.detail["paths"]);
        return outcome;
    }
    if changed.is_empty() {
        outcome.status = Status::Unchanged;
        return outcome;
    }
    ctx.release.events.before_step("purge");
    ctx.event(ReleaseEvent::Start { step: "purge" });
    let prefix = ctx.release.publish.prefix.as_str();
    let targets: Vec<(&str, &str)> = changed.iter().map(|s| (prefix, s.as_str())).collect();
    match ctx.release.repository.purge(cdn.cdn, &targets, &cdn.path_prefix, cdn.wait, ctx.release.publish_events) {
        Ok(purged) => {
            outcome.status = Status::Published;
            outcome.invalidation = Some(purged.invalidation.clone());
            outcome.paths = purged.plan.paths.clone();
            let detail = json!({ "invalidation": purged.invalidation, "paths": purged.plan.paths });
            ctx.record("purge", StepStatus::Done, detail, report);
        }
        Err(e) => {
            // The error's own text names the CDN but not why it refused
            // (that is its source, e.g. `NoSuchDistribution`): add the
            // causes, as `aptkit publish` shows them.
            let mut why = e.to_string();
            let mut cause = std::error::Error::source(&e);
            while let Some(c) = cause {
                why.push_str(&format!(": {c}"));
                cause = c.source();
            }
            let error = format!("{why} (every publish is committed; `--resume` retries just the purge)");
            ctx.record("purge", StepStatus::Failed, json!({ "error": error }), report);
            report.failures.push(format!("purge: {error}"));
            outcome.status = Status::Failed;
            outcome.error = Some(error);
        }
    }
    outcome
}
