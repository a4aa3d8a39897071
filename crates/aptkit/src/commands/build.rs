//! `aptkit build`: the distros built, `--jobs` at a time, their output
//! streamed with the distro id in front of each line.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use aptkit_build::compile::{self, Built};
use serde_json::json;

use super::Outcome;
use crate::output;
use crate::settings::BuildSettings;

pub fn run(settings: BuildSettings) -> anyhow::Result<Outcome> {
    let BuildSettings { distros, ids, compile: build_settings, jobs, quiet, json } = settings;
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

    let mut failed = 0;
    let mut all_retryable = true;
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
            Err(err) => {
                failed += 1;
                report.push(json!({"distro": id, "status": "failed", "error": err.to_string()}));
                let err = anyhow::Error::from(err).context(format!("the build of {id} failed"));
                output::print_error(&err);
                all_retryable &= output::exit_code_of(&err) == std::process::ExitCode::from(output::EXIT_RETRY_LATER);
            }
        }
    }
    if json {
        output::print_json(&json!({ "engine": build_settings.engine.name(), "builds": report }));
    }
    if failed > 0 {
        eprintln!("error: {failed} of {} {} failed", ids.len(), plural(ids.len(), "build"));
        return Ok(Outcome::Failed { retryable: all_retryable });
    }
    Ok(Outcome::Success)
}

fn built_json(built: &Built) -> serde_json::Value {
    json!({
        "distro": built.distro,
        "status": if built.reused { "reused" } else { "built" },
        "version": built.version,
        "distribution": built.distribution,
        "dir": built.dir,
        "log": built.log,
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
