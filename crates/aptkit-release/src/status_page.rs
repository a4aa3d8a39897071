//! The release's status page: one static HTML file, per version × distro
//! (built, reused, failed with its log tail, published to which suites,
//! timings) with the build logs beside it, written to the state store as
//! `releases/<id>/status.html` (and `logs/<version>/<distro>.log`), and
//! with `status_page_public` also to the publish store as
//! `releases/<id>/index.html`, where a CDN serves it.

use std::fmt::Write as _;

use aptkit_store::{Body, Caching, Store};

use crate::pipeline::Context;
use crate::report::{ReleaseReport, Status};

use aptkit_repo::html_escape as escape;

/// Lines of a failed build's log shown on the page.
const TAIL: usize = 30;

pub(crate) fn write(ctx: &Context<'_, '_>, report: &mut ReleaseReport) {
    let release = ctx.release;
    let base = format!("releases/{}", report.id);
    let mut stores: Vec<(&dyn Store, String)> = vec![(release.repository.state_store(), "status.html".into())];
    if release.status_page_public {
        stores.push((release.repository.public_store(), "index.html".into()));
    }
    // Logs first, so the page never links to a log that is not there.
    let mut logs = Vec::new();
    for version in &report.versions {
        for build in &version.builds {
            let Some(path) = build.log.as_deref().filter(|p| std::path::Path::new(p).is_file()) else { continue };
            let relative = format!("logs/{}/{}.log", version.version, build.distro);
            let ok = stores.iter().all(|(store, _)| {
                let key = format!("{base}/{relative}");
                store.put(&key, Body::File(std::path::Path::new(path)), Caching::Short).is_ok()
            });
            if ok {
                logs.push((version.version.clone(), build.distro.clone(), relative));
            }
        }
    }
    let page = render(report, &logs);
    for (store, name) in &stores {
        let key = format!("{base}/{name}");
        match store.put(&key, Body::Bytes(page.as_bytes()), Caching::Short) {
            Ok(_) if report.status_page.is_none() => report.status_page = Some(key),
            Ok(_) => {}
            Err(e) => report.failures.push(format!("status page: cannot write `{key}` to {}: {e}", store.location())),
        }
    }
}

/// The page itself: no scripts, no external styles.
pub fn render(report: &ReleaseReport, logs: &[(String, String, String)]) -> String {
    let mut h = String::new();
    let title = format!("aptkit release {}", report.id);
    let verdict = if report.failed() { "failed" } else { "succeeded" };
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>\n<style>body{{font-family:sans-serif;margin:2em}}\
         table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}}\
         .failed{{color:#b00;font-weight:bold}}pre{{background:#f6f6f6;padding:.5em;max-width:60em;overflow:auto}}</style></head>\n<body>\n\
         <h1>{}</h1>\n<p>The release <b class=\"{verdict}\">{verdict}</b> in {:.1} s{}.</p>\n",
        escape(&title),
        escape(&title),
        report.seconds,
        if report.resumed { " (resumed: steps finished before were not repeated)" } else { "" }
    );
    for version in &report.versions {
        let _ = writeln!(h, "<h2>{} ({})</h2>", escape(&version.version), escape(&version.kind));
        if let Some(source) = &version.source {
            let _ = writeln!(
                h,
                "<p>Source <code>{}</code>, SHA-256 <code>{}</code>{}</p>",
                escape(&source.file),
                escape(&source.sha256),
                match (&source.git_ref, &source.commit) {
                    (Some(r), Some(c)) => format!(", from {} (commit <code>{}</code>)", escape(r), escape(c)),
                    _ => String::new(),
                }
            );
        }
        h.push_str("<table><tr><th>distro</th><th>build</th><th>seconds</th><th>packages</th><th>log</th></tr>\n");
        for build in &version.builds {
            let log = logs
                .iter()
                .find(|(v, d, _)| *v == version.version && *d == build.distro)
                .map(|(_, _, rel)| format!("<a href=\"{}\">log</a>", escape(rel)))
                .unwrap_or_default();
            let debs: Vec<String> =
                build.debs.iter().map(|d| format!("{} ({} bytes)", escape(&d.file), d.size)).collect();
            let class = if build.status == Status::Failed { " class=\"failed\"" } else { "" };
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td{class}>{}</td><td>{:.1}</td><td>{}</td><td>{log}</td></tr>",
                escape(&build.distro),
                build.status.word(),
                build.seconds,
                debs.join("<br>")
            );
            if let Some(error) = &build.error {
                let lines: Vec<&str> = error.lines().collect();
                let tail = lines[lines.len().saturating_sub(TAIL)..].join("\n");
                let _ = writeln!(h, "<tr><td colspan=\"5\"><pre>{}</pre></td></tr>", escape(&tail));
            }
        }
        h.push_str(
            "</table>\n<table><tr><th>suite</th><th>publish</th><th>added</th><th>dropped by retention</th></tr>\n",
        );
        for publish in &version.publishes {
            let class = if publish.status == Status::Failed { " class=\"failed\"" } else { "" };
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td{class}>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&publish.suite),
                publish.status.word(),
                publish.added.iter().map(|a| escape(a)).collect::<Vec<_>>().join("<br>"),
                publish.dropped.iter().map(|a| escape(a)).collect::<Vec<_>>().join(", "),
            );
            if let Some(error) = &publish.error {
                let _ = writeln!(h, "<tr><td colspan=\"4\"><pre>{}</pre></td></tr>", escape(error));
            }
        }
        h.push_str("</table>\n");
    }
    if let Some(purge) = &report.purge {
        let _ = writeln!(
            h,
            "<h2>CDN</h2>\n<p>{}: {}{}</p>",
            escape(&purge.cdn),
            purge.status.word(),
            purge
                .invalidation
                .as_ref()
                .map(|i| format!(", invalidation {} of {} paths", escape(i), purge.paths.len()))
                .unwrap_or_default()
        );
    }
    if report.failed() {
        h.push_str("<h2>Failures</h2>\n<ul>\n");
        for failure in &report.failures {
            let _ = writeln!(h, "<li class=\"failed\">{}</li>", escape(failure));
        }
        h.push_str("</ul>\n");
    }
    h.push_str("</body></html>\n");
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{BuildReport, VersionReport};

    #[test]
    fn names_are_escaped_and_a_failed_build_shows_its_tail() {
        let report = ReleaseReport {
            id: "1.0".into(),
            versions: vec![VersionReport {
                version: "1.0".into(),
                kind: "release".into(),
                builds: vec![BuildReport {
                    distro: "<x>".into(),
                    status: Status::Failed,
                    error: Some("make: *** [all] Error 2 & more".into()),
                    ..BuildReport::default()
                }],
                ..VersionReport::default()
            }],
            failures: vec!["build/1.0/<x>: failed".into()],
            ..ReleaseReport::default()
        };
        let page = render(&report, &[]);
        assert!(page.contains("&lt;x&gt;") && !page.contains("<x>"));
        assert!(page.contains("Error 2 &amp; more"));
        assert!(page.contains("class=\"failed\">FAILED"));
    }
}
