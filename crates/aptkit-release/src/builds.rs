//! Step 2: every distro of every version, `--jobs` at a time, through the
//! build cache. A build an earlier run finished (or a CI matrix runner
//! did) is restored from the cache, never compiled again; one distro's
//! failure does not stop the others.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use aptkit_build::cache::BuildCache;
use aptkit_build::compile::{self, BuildSettings, CacheUse, Source};
use serde_json::json;

use crate::events::ReleaseEvent;
use crate::journal::StepStatus;
use crate::pipeline::Context;
use crate::plan::Mode;
use crate::report::{BuildReport, DebReport, ReleaseReport, Status};

/// The packages one distro's build of one version made.
pub(crate) struct Products {
    pub version: usize,
    pub distro: String,
    pub debs: Vec<PathBuf>,
}

struct Job {
    version: usize,
    distro: String,
    step: String,
    /// Finished before: restore only.
    done: bool,
}

pub(crate) fn all(ctx: &Context<'_, '_>, tarballs: &[Option<PathBuf>], report: &mut ReleaseReport) -> Vec<Products> {
    let release = ctx.release;
    let mut jobs = Vec::new();
    for (vi, version) in release.plan.versions.iter().enumerate() {
        for distro in &version.distros {
            let step = format!("build/{}/{}", version.version, distro.id);
            if tarballs[vi].is_none() {
                report.versions[vi].builds.push(BuildReport {
                    distro: distro.id.clone(),
                    status: Status::Skipped,
                    error: Some("its source could not be made".into()),
                    ..BuildReport::default()
                });
                continue;
            }
            let done = ctx.done(&step).is_some();
            jobs.push(Job { version: vi, distro: distro.id.clone(), step, done });
        }
    }
    let next = AtomicUsize::new(0);
    let results = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..release.build.jobs.max(1).min(jobs.len()) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(job) = jobs.get(i) else { break };
                let tarball = tarballs[job.version].as_ref().expect("jobs have sources");
                let result = build_one(ctx, job, tarball);
                // Recorded as soon as it ends: a release killed during
                // another build keeps this one.
                let recorded = record(ctx, job, &result);
                results.lock().expect("results").push((i, result, recorded));
            });
        }
    });
    let mut results = results.into_inner().expect("results");
    results.sort_by_key(|(i, _, _)| *i);
    let mut products = Vec::new();
    for (i, result, recorded) in results {
        let job = &jobs[i];
        if let Err(failure) = recorded {
            report.failures.push(failure);
        }
        match result {
            Ok(built) => {
                let (status, debs) = status_and_debs(job, &built);
                report.versions[job.version].builds.push(BuildReport {
                    distro: job.distro.clone(),
                    status,
                    seconds: built.seconds,
                    log: Some(built.log.display().to_string()),
                    debs,
                    error: None,
                });
                products.push(Products {
                    version: job.version,
                    distro: job.distro.clone(),
                    debs: built.debs.iter().map(|d| d.path.clone()).collect(),
                });
            }
            Err(error) => {
                report.failures.push(format!("{}: {}", job.step, first_line(&error)));
                let log = release.build.log_dir.join(&release.plan.versions[job.version].version);
                report.versions[job.version].builds.push(BuildReport {
                    distro: job.distro.clone(),
                    status: Status::Failed,
                    log: Some(log.join(format!("{}.log", job.distro)).display().to_string()),
                    error: Some(error),
                    ..BuildReport::default()
                });
            }
        }
    }
    products
}

fn status_and_debs(job: &Job, built: &compile::Built) -> (Status, Vec<DebReport>) {
    let status = match (job.done, built.reused) {
        (true, _) => Status::Done,
        (false, true) => Status::Reused,
        (false, false) => Status::Built,
    };
    let debs = built
        .debs
        .iter()
        .map(|d| DebReport {
            file: d.path.file_name().unwrap_or_default().to_string_lossy().into_owned(),
            size: d.size,
        })
        .collect();
    (status, debs)
}

/// The journal's record of a build that ended now (none for a build an
/// earlier run finished: it was only restored).
fn record(ctx: &Context<'_, '_>, job: &Job, result: &Result<compile::Built, String>) -> Result<(), String> {
    match result {
        Ok(_) if job.done => Ok(()),
        Ok(built) => {
            let (status, debs) = status_and_debs(job, built);
            let detail = json!({
                "status": status, "debs": debs, "seconds": built.seconds,
                "log": built.log, "runner": ctx.release.build.provenance.runner,
            });
            ctx.try_record(&job.step, StepStatus::Done, detail)
        }
        Err(error) => ctx.try_record(&job.step, StepStatus::Failed, json!({ "error": error })),
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}

/// The build's error as its message (its log tail included).
fn build_one(ctx: &Context<'_, '_>, job: &Job, tarball: &std::path::Path) -> Result<compile::Built, String> {
    let release = ctx.release;
    let version = &release.plan.versions[job.version].version;
    let distro = release.distros.find(&job.distro).expect("the plan checked every distro");
    let options = &release.build;
    let settings = BuildSettings {
        source: Source::Tarball(tarball.to_path_buf()),
        engine: options.engine,
        out: options.out.join(version),
        version: Some(version.clone()),
        host_arch: options.host_arch.clone(),
        log_dir: options.log_dir.join(version),
        source_date_epoch: options.source_date_epoch,
        compression: options.compression,
        cache_dir: options.cache_dir.clone(),
        cache: Some(CacheUse {
            cache: BuildCache::new(release.repository.state_arc().clone()),
            rebuild: false,
            restore_only: job.done || release.mode == Mode::NoBuild,
            provenance: options.provenance.clone(),
        }),
    };
    if job.done {
        ctx.event(ReleaseEvent::Skip { step: &job.step });
    } else {
        ctx.event(ReleaseEvent::Start { step: &job.step });
    }
    let sink = |distro: &str, line: &str| {
        ctx.event(ReleaseEvent::BuildLine { version, distro, line });
    };
    compile::build(release.distros, distro, &settings, &sink).map_err(|e| e.to_string())
}
