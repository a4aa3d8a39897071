//! `aptkit repo …` and `aptkit snapshot …`.

use anyhow::Context;
use aptkit_repo::{Intake, PackageSet, Query, Repository};
use serde_json::json;

use super::Outcome;
use crate::cli::{RepoCommand, SnapshotCommand};
use crate::output;

pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn set_json(set: &PackageSet) -> serde_json::Value {
    json!(set
        .iter()
        .map(|r| json!({"package": r.name(), "version": r.version(), "architecture": r.arch(), "sha256": r.sha256(), "size": r.size()}))
        .collect::<Vec<_>>())
}

fn print_set(set: &PackageSet, json: bool) {
    if json {
        output::print_json(&set_json(set));
    } else {
        for r in set.iter() {
            println!("{}", r.key());
        }
    }
}

pub fn run(repo: &Repository, cmd: RepoCommand) -> anyhow::Result<Outcome> {
    match cmd {
        RepoCommand::Create { name, comment, keep_versions } => {
            repo.repo_create(&name, &comment, keep_versions, now())?;
            eprintln!("created repo {name}");
        }
        RepoCommand::Add { name, paths, remove_files, json } => {
            let bar = output::count_bar(0, &format!("adding to {name}"), json);
            let progress_bar = bar.clone();
            let intake = if remove_files { Intake::Move } else { Intake::Copy };
            let report = repo
                .repo_add_as(&name, &paths, intake, &move |_, _| progress_bar.inc(1))
                .with_context(|| format!("cannot add packages to repo `{name}`"))?;
            bar.finish_and_clear();
            for (path, error) in &report.not_removed {
                eprintln!("warning: added, but could not remove `{}`: {error}", path.display());
            }
            if json {
                let not_removed: Vec<_> =
                    report.not_removed.iter().map(|(p, e)| json!({"path": p, "error": e})).collect();
                output::print_json(
                    &json!({"repo": name, "added": report.added, "unchanged": report.unchanged, "retired": report.retired, "not_removed": not_removed}),
                );
            } else {
                for key in &report.retired {
                    println!("retired {key} (older than the newest versions {name} keeps)");
                }
                for key in &report.added {
                    println!("added {key}");
                }
                for key in &report.unchanged {
                    println!("unchanged {key} (already in {name})");
                }
            }
        }
        RepoCommand::Remove { name, packages } => {
            for key in repo.repo_remove(&name, &packages)? {
                println!("removed {key}");
            }
        }
        RepoCommand::List { json } => {
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
        RepoCommand::Show { name, json } => print_set(&repo.repo_packages(&name)?, json),
        RepoCommand::Search { name, query, json } => {
            let parsed = Query::parse(&query).map_err(|e| anyhow::anyhow!(e))?;
            let mut set = repo.repo_packages(&name)?;
            set.retain(|r| parsed.matches(r));
            print_set(&set, json);
            if set.is_empty() {
                // As aptly and grep: no match is exit 1, said on stderr.
                eprintln!("no package in repo `{name}` matches `{query}`");
                return Ok(Outcome::CheckFailed);
            }
        }
        RepoCommand::Drop { name } => {
            repo.repo_drop(&name)?;
            eprintln!("dropped repo {name}");
        }
    }
    Ok(Outcome::Success)
}

pub fn run_snapshot(repo: &Repository, cmd: SnapshotCommand) -> anyhow::Result<Outcome> {
    match cmd {
        SnapshotCommand::Create { name, source, .. } => {
            let count = repo.snapshot_create_from_repo(&name, &source, now())?;
            eprintln!("created snapshot {name} of repo {source} ({count} packages)");
        }
        SnapshotCommand::List { json } => {
            let refs = repo.refs()?;
            if json {
                let list: Vec<_> = refs
                    .snapshots
                    .iter()
                    .map(|(n, s)| json!({"name": n, "description": s.description, "created": s.created, "set": s.set}))
                    .collect();
                output::print_json(&json!(list));
            } else {
                for (name, s) in &refs.snapshots {
                    println!("{name}  {}", s.description);
                }
            }
        }
        SnapshotCommand::Show { name, json } => print_set(&repo.snapshot_packages(&name)?, json),
        SnapshotCommand::Diff { a, b, json } => {
            let d = repo.snapshot_diff(&a, &b)?;
            if json {
                let changed: Vec<_> =
                    d.changed.iter().map(|(k, o, n)| json!({"package": k, "from": o, "to": n})).collect();
                output::print_json(&json!({"added": d.added, "removed": d.removed, "changed": changed}));
            } else {
                d.added.iter().for_each(|k| println!("+ {k}"));
                d.removed.iter().for_each(|k| println!("- {k}"));
                d.changed.iter().for_each(|(k, o, n)| println!("~ {k} {o} -> {n}"));
                if d.added.is_empty() && d.removed.is_empty() && d.changed.is_empty() {
                    eprintln!("snapshots `{a}` and `{b}` are identical");
                }
            }
        }
        SnapshotCommand::Merge { dest, sources, latest, no_remove } => {
            let count = repo.snapshot_merge(&dest, &sources, latest, no_remove, now())?;
            eprintln!("created snapshot {dest} ({count} packages)");
        }
        SnapshotCommand::Filter { source, dest, queries } => {
            let queries = queries
                .iter()
                .map(|q| Query::parse(q))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| anyhow::anyhow!(e))?;
            let count = repo.snapshot_filter(&source, &dest, &queries, now())?;
            eprintln!("created snapshot {dest} ({count} packages)");
        }
        SnapshotCommand::Drop { name } => {
            repo.snapshot_drop(&name)?;
            eprintln!("dropped snapshot {name}");
        }
    }
    Ok(Outcome::Success)
}

pub fn run_gc(repo: &Repository, dry_run: bool, min_age: i64, json: bool) -> anyhow::Result<Outcome> {
    let report = repo.gc(min_age, now(), dry_run)?;
    if json {
        output::print_json(
            &json!({"dry_run": dry_run, "state": report.state, "public": report.public, "bytes": report.bytes}),
        );
    } else {
        let verb = if dry_run { "would delete" } else { "deleted" };
        report.state.iter().for_each(|k| println!("{verb} state {k}"));
        report.public.iter().for_each(|k| println!("{verb} public {k}"));
        eprintln!("{verb} {} objects, {} bytes", report.state.len() + report.public.len(), report.bytes);
    }
    Ok(Outcome::Success)
}
