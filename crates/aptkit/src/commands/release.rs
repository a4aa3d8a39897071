//! `aptkit release`: the pipeline runs in aptkit-release; here its events
//! are printed as they come, and its summary at the end.

use std::io::Write;
use std::sync::Mutex;

use aptkit_release::{BuildOptions, CdnStep, PublishOptions, Release, ReleaseEvent, ReleaseEvents, ReleaseReport};
use aptkit_repo::{Cdn, Dependencies, PurgeWait};

use super::{purge, Outcome};
use crate::base_indices::load_universe;
use crate::output;
use crate::progress::{ProgressMode, PublishProgress};
use crate::settings::{DependencyCheck, ReleaseSettings};

/// A test hook: the release stops before the step this names, says so on
/// stderr, and waits there (to be killed). The tests use it to kill a
/// release at exact moments; nothing else sets it.
const PAUSE_ENV: &str = "APTKIT_TEST_PAUSE_BEFORE_STEP";

/// The release's events on stderr: one line per step, builds' output
/// prefixed with version and distro.
struct Printer {
    quiet: bool,
    pause_before: Option<String>,
    stderr: Mutex<std::io::Stderr>,
}

impl Printer {
    fn say(&self, line: &str) {
        let _ = writeln!(self.stderr.lock().expect("stderr"), "{line}");
    }
}

impl ReleaseEvents for Printer {
    fn event(&self, event: ReleaseEvent<'_>) {
        match event {
            ReleaseEvent::Start { step } => self.say(&format!("==> {step}")),
            ReleaseEvent::Skip { step } => self.say(&format!("==> {step}: finished by an earlier run, not repeated")),
            ReleaseEvent::Note { step, text } => self.say(&format!("    {step}: {text}")),
            ReleaseEvent::BuildLine { version, distro, line } if !self.quiet => {
                self.say(&format!("[{version} {distro}] {line}"))
            }
            ReleaseEvent::BuildLine { .. } => {}
        }
    }

    fn before_step(&self, step: &str) {
        if self.pause_before.as_deref() == Some(step) {
            self.say(&format!("paused before {step} ({PAUSE_ENV})"));
            loop {
                std::thread::sleep(std::time::Duration::from_secs(3600));
            }
        }
    }
}

pub fn run(settings: ReleaseSettings) -> anyhow::Result<Outcome> {
    let keys = settings.keys.load()?;
    let dependencies = match &settings.deps {
        DependencyCheck::Skip => Dependencies::Skip,
        DependencyCheck::Against(files) => Dependencies::Check(load_universe(files)?),
    };
    let cloudfront = purge::cloudfront(&settings.cdn)?;
    super::publish::warn_unless_url_safe(&settings.prefix);
    let printer = Printer {
        quiet: settings.quiet,
        pause_before: std::env::var(PAUSE_ENV).ok().filter(|s| !s.is_empty()),
        stderr: Mutex::new(std::io::stderr()),
    };
    let progress = PublishProgress::new(ProgressMode::Auto, settings.json);
    let cdn = cloudfront.as_ref().map(|cdn| CdnStep {
        cdn: cdn as &(dyn Cdn + Sync),
        path_prefix: settings.cdn.path_prefix.clone(),
        wait: settings.cdn.wait.then(PurgeWait::default),
    });
    let release = Release {
        repository: &settings.repository,
        keys: &keys,
        distros: &settings.distros,
        plan: settings.plan.clone(),
        mode: settings.mode,
        git: settings.git.clone(),
        tarballs: settings.tarballs.clone(),
        build: BuildOptions {
            engine: settings.engine,
            host_arch: aptkit_debian_dir::arch::host_arch(),
            compression: "xz".parse().expect("xz is a compression"),
            cache_dir: settings.cache_dir.clone(),
            out: settings.out.clone(),
            log_dir: settings.log_dir.clone(),
            source_date_epoch: settings.source_date_epoch,
            provenance: settings.provenance.clone(),
            jobs: settings.jobs,
        },
        publish: PublishOptions {
            prefix: settings.prefix.clone(),
            component: settings.component.clone(),
            origin: settings.origin.clone(),
            label: settings.label.clone(),
            dependencies,
            wait: settings.wait,
        },
        cdn,
        resume: settings.resume,
        all_or_nothing: settings.all_or_nothing,
        dry_run: settings.dry_run,
        status_page_public: settings.status_page_public,
        now: crate::clock::now,
        events: &printer,
        publish_events: &progress,
    };
    if !settings.dry_run {
        printer.say(&format!(
            "releasing {} for {} with engine {}, logs in {}",
            settings.plan.versions.iter().map(|v| v.version.as_str()).collect::<Vec<_>>().join(", "),
            settings.plan.versions[0].distros.iter().map(|d| d.id.as_str()).collect::<Vec<_>>().join(", "),
            settings.engine.name(),
            settings.log_dir.display()
        ));
    }
    let report = release.run();
    progress.finish();
    let report = report?;
    if settings.json {
        output::print_json(&serde_json::json!({ "plan": settings.plan, "report": report }));
    } else {
        print_summary(&report, &settings);
    }
    if report.failed() {
        return Ok(Outcome::Failed { retryable: false });
    }
    Ok(Outcome::Success)
}

fn print_summary(report: &ReleaseReport, settings: &ReleaseSettings) {
    let verdict = match (report.dry_run, report.failed()) {
        (true, _) => "dry run, nothing done",
        (false, false) => "succeeded",
        (false, true) => "FAILED",
    };
    println!("release {}: {verdict} in {:.1} s (journal {})", report.id, report.seconds, report.journal);
    for version in &report.versions {
        println!("{} ({})", version.version, version.kind);
        if let Some(source) = &version.source {
            println!("  source  {}  {} ({})", source.file, source.sha256, source.status.word());
        }
        for build in &version.builds {
            let debs: Vec<&str> = build.debs.iter().map(|d| d.file.as_str()).collect();
            println!(
                "  build   {:<24} {:<11} {:>6.1} s  {}",
                build.distro,
                build.status.word(),
                build.seconds,
                debs.join(" ")
            );
            if let Some(error) = &build.error {
                for line in error.lines() {
                    println!("          | {line}");
                }
            }
        }
        for publish in &version.publishes {
            let mut line = format!("  publish {:<24} {}", publish.suite, publish.status.word());
            if !publish.added.is_empty() {
                line.push_str(&format!(", {} added", publish.added.len()));
            }
            if !publish.dropped.is_empty() {
                line.push_str(&format!(", dropped {}", publish.dropped.join(" ")));
            }
            if let Some(error) = &publish.error {
                line.push_str(&format!(": {error}"));
            }
            println!("{line}");
        }
    }
    if let Some(purge) = &report.purge {
        let what = purge
            .invalidation
            .as_ref()
            .map(|i| format!(": invalidation {i} of {} paths", purge.paths.len()))
            .unwrap_or_default();
        println!("purge   {} {}{what}", purge.cdn, purge.status.word());
    }
    if let Some(page) = &report.status_page {
        println!("status page: {}/{page}", settings.repository.state_store().location());
    }
    if !report.dry_run && !report.failed() {
        let base = match &settings.public_dir {
            Some(dir) => format!("file://{}", std::path::absolute(dir).unwrap_or(dir.clone()).display()),
            None => "URL".into(),
        };
        let base = if settings.prefix.is_empty() { base } else { format!("{base}/{}", settings.prefix) };
        let suites = report.suites();
        if !suites.is_empty() {
            println!("apt sources lines (after `aptkit key export --output /etc/apt/keyrings/aptkit.gpg`):");
            for suite in suites {
                println!("  deb [signed-by=/etc/apt/keyrings/aptkit.gpg] {base} {suite} {}", settings.component);
            }
        }
    }
    for failure in &report.failures {
        eprintln!("error: {failure}");
    }
}
