//! `aptkit repo …`.

use anyhow::Context;
use serde_json::json;

use super::Outcome;
use crate::clock::now;
use crate::output;
use crate::settings::{RepoAction, RepoSettings};

pub fn run(settings: RepoSettings) -> anyhow::Result<Outcome> {
    let repo = &settings.repository;
    // What a dry run says it did, it would have done.
    let did = if settings.planned.is_some() { "would have " } else { "" };
    let mut subject = String::new();
    match settings.action {
        RepoAction::Create { name, comment, keep_versions } => {
            repo.repo_create(&name, &comment, keep_versions, now())?;
            eprintln!("{did}created repo {name}");
            subject = name;
        }
        RepoAction::Add { name, paths, intake, json } => {
            let bar = output::count_bar(0, &format!("adding to {name}"), json);
            let progress_bar = bar.clone();
            let report = repo
                .repo_add_as(&name, &paths, intake, &move |_, _| progress_bar.inc(1))
                .with_context(|| format!("cannot add packages to repo `{name}`"))?;
            bar.finish_and_clear();
            for (path, error) in &report.not_removed {
                eprintln!("warning: added, but could not remove `{}`: {error}", path.display());
            }
            if json && settings.planned.is_some() {
                let planned = settings.planned.as_ref().map(|p| p.planned()).unwrap_or_default();
                let extra = json!({"added": report.added, "unchanged": report.unchanged, "retired": report.retired});
                output::print_planned("repo", &name, &planned, true, extra);
                return Ok(Outcome::Success);
            } else if json {
                let not_removed: Vec<_> =
                    report.not_removed.iter().map(|(p, e)| json!({"path": p, "error": e})).collect();
                output::print_json(
                    &json!({"repo": name, "added": report.added, "unchanged": report.unchanged, "retired": report.retired, "not_removed": not_removed}),
                );
            } else {
                for key in &report.retired {
                    println!("{did}retired {key} (older than the newest versions {name} keeps)");
                }
                for key in &report.added {
                    println!("{did}added {key}");
                }
                for key in &report.unchanged {
                    println!("unchanged {key} (already in {name})");
                }
            }
            subject = name;
        }
        RepoAction::Remove { name, packages } => {
            for key in repo.repo_remove(&name, &packages)? {
                println!("{did}removed {key}");
            }
            subject = name;
        }
        RepoAction::List { json } => {
            let refs = repo.refs()?;
            if json {
                let list: Vec<_> = refs
                    .repos
                    .iter()
                    .map(|(n, r)| json!({"name": n, "comment": r.comment, "created": r.created, "packages": repo.load_set(&r.set).map(|s| s.len()).unwrap_or(0)}))
                    .collect();
                output::print_json(&json!(list));
            } else {
                for (name, r) in &refs.repos {
                    println!(
                        "{name}  ({} packages){}",
                        repo.load_set(&r.set)?.len(),
                        if r.comment.is_empty() { String::new() } else { format!("  {}", r.comment) }
                    );
                }
            }
        }
        RepoAction::Show { name, json } => output::print_package_set(&repo.repo_packages(&name)?, json),
        RepoAction::Search { name, query, text, json } => {
            let mut set = repo.repo_packages(&name)?;
            set.retain(|r| query.matches(r));
            output::print_package_set(&set, json);
            if set.is_empty() {
                // As aptly and grep: no match is exit 1, said on stderr.
                eprintln!("no package in repo `{name}` matches `{text}`");
                return Ok(Outcome::CheckFailed);
            }
        }
        RepoAction::Drop { name } => {
            repo.repo_drop(&name)?;
            eprintln!("{did}dropped repo {name}");
            subject = name;
        }
    }
    // (`repo add --dry-run --json` printed its plan above.)
    if let Some(planned) = &settings.planned {
        output::print_planned("repo", &format!("repo {subject}"), &planned.planned(), false, json!({}));
    }
    Ok(Outcome::Success)
}
