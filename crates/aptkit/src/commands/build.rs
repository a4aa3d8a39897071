//! `aptkit build`: the distros built, `--jobs` at a time, their output
//! streamed with the distro id in front of each line.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use aptkit_build::compile::{self, Action, Built, Plan};
use serde_json::json;

use super::Outcome;
use crate::output;
use crate::settings::BuildSettings;

pub fn run(settings: BuildSettings) -> anyhow::Result<Outcome> {
    if settings.dry_run {
        return dry_run(&settings);
    }
    let BuildSettings { distros, ids, compile: build_settings, jobs, quiet, json, .. } = settings;
    let width = ids.iter().map(String::len).max().unwrap_or(0);
    let stderr = Mutex::new(std::io::stderr());
    let stream = |id: &str, line: &str| {
        if !quiet {
            let _ = writeln!(stderr.lock().expect("stderr"), "[{id:<width$}] {line}");
        }
    };
    eprintln!(
        "building {} distro{} with engine {}, logs in {}",
        ids.len(),
        if ids.len() == 1 { "" } else { "s" },
        build_settings.engine.name(),
        build_settings.log_dir.display()
    );
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, Result<Built, compile::Error>)>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(ids.len()) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(id) = ids.get(i) else { break };
                let distro = distros.find(id).expect("checked when the settings were resolved");
                let result = compile::build(&distros, distro, &build_settings, &stream);
                results.lock().expect("results").push((i, result));
            });
        }
    });
    let mut results = results.into_inner().expect("results");
    results.sort_by_key(|(i, _)| *i);

    let mut failures = Failures::default();
    let mut report = Vec::new();
    for (i, result) in results {
        let id = &ids[i];
        match result {
            Ok(built) => {
                if !json {
                    let how = if built.reused { "reused" } else { "built" };
                    println!(
                        "{id}: {how} {} {} {} for {} in {:.1} s",
                        built.debs.len(),
                        plural(built.debs.len(), "package"),
                        built.version,
                        built.distribution,
                        built.seconds
                    );
                    for deb in &built.debs {
                        println!("  {}  ({} bytes)", deb.path.display(), deb.size);
                    }
                }
                report.push(built_json(&built));
            }
            Err(err) => report.push(failures.record(id, err, "failed")),
        }
    }
    if json {
        output::print_json(&json!({ "engine": build_settings.engine.name(), "builds": report }));
    }
    if failures.count > 0 {
        eprintln!("error: {} of {} {} failed", failures.count, ids.len(), plural(ids.len(), "build"));
    }
    Ok(failures.outcome())
}

/// `--dry-run`: each distro's plan, in the order given; nothing runs.
fn dry_run(settings: &BuildSettings) -> anyhow::Result<Outcome> {
    let BuildSettings { distros, ids, compile: build_settings, json, .. } = settings;
    let mut failures = Failures::default();
    let mut report = Vec::new();
    for id in ids {
        let distro = distros.find(id).expect("checked when the settings were resolved");
        match compile::plan(distro, build_settings) {
            Ok(plan) => {
                if !json {
                    print_plan(&plan, build_settings);
                }
                report.push(plan_json(&plan));
            }
            Err(err) => report.push(failures.record(id, err, "would fail")),
        }
    }
    if *json {
        output::print_json(&json!({ "engine": build_settings.engine.name(), "dry_run": true, "builds": report }));
    }
    Ok(failures.outcome())
}

/// The builds (or plans) that failed: each printed as it comes, and the
/// command's outcome, retryable only if every failure is.
#[derive(Default)]
struct Failures {
    count: usize,
    any_final: bool,
}

impl Failures {
    /// Print the failure of `id` (`the build of ID failed`) and return its
    /// entry for the JSON report.
    fn record(&mut self, id: &str, err: compile::Error, what: &str) -> serde_json::Value {
        self.count += 1;
        let entry = json!({"distro": id, "status": "failed", "error": err.to_string()});
        let err = anyhow::Error::from(err).context(format!("the build of {id} {what}"));
        output::print_error(&err);
        self.any_final |= output::exit_code_of(&err) != std::process::ExitCode::from(output::EXIT_RETRY_LATER);
        entry
    }

    fn outcome(&self) -> Outcome {
        match self.count {
            0 => Outcome::Success,
            _ => Outcome::Failed { retryable: !self.any_final },
        }
    }
}

fn print_plan(plan: &Plan, settings: &compile::BuildSettings) {
    let Plan { distro, source, version, distribution, .. } = plan;
    let key = plan.key.as_deref().map(|k| format!(" (key {k})")).unwrap_or_default();
    match &plan.action {
        Action::Reuse { files } => {
            println!("{distro}: would reuse {source} {version} for {distribution} from the build cache{key}");
            for file in files {
                println!("  would restore {}", plan.dir.join(file).display());
            }
        }
        Action::Build(why) => {
            println!("{distro}: would build {source} {version} for {distribution}: {}{key}", why.describe());
            match &plan.image {
                Some(image) => println!(
                    "  in {} ({}), engine {}",
                    image.base,
                    image.id.as_deref().unwrap_or("not on this machine"),
                    settings.engine.name()
                ),
                None => println!("  on the host (--engine none)"),
            }
            let cache = match (&settings.cache, plan.stores) {
                (Some(cache), true) => {
                    format!(", and store its products in the build cache ({})", cache.cache.location())
                }
                _ => String::new(),
            };
            println!("  would write {}{cache}", plan.dir.display());
        }
    }
}

fn plan_json(plan: &Plan) -> serde_json::Value {
    let (status, why, files) = match &plan.action {
        Action::Reuse { files } => ("would-reuse", None, files.clone()),
        Action::Build(why) => ("would-build", Some(why.describe()), Vec::new()),
    };
    json!({
        "distro": plan.distro,
        "source": plan.source,
        "status": status,
        "why": why,
        "version": plan.version,
        "distribution": plan.distribution,
        "image": plan.image.as_ref().map(|i| json!({"base": i.base, "id": i.id})),
        "key": plan.key,
        "dir": plan.dir,
        "files": files,
        "stores": plan.stores,
    })
}

fn built_json(built: &Built) -> serde_json::Value {
    json!({
        "distro": built.distro,
        "status": if built.reused { "reused" } else { "built" },
        "version": built.version,
        "distribution": built.distribution,
        "dir": built.dir,
        "log": built.log,
        "key": built.key,
        "seconds": built.seconds,
        "debs": built.debs.iter().map(|d| json!({
            "package": d.package, "architecture": d.architecture, "path": d.path, "size": d.size,
        })).collect::<Vec<_>>(),
    })
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        word.to_string()
    } else {
        format!("{word}s")
    }
}
