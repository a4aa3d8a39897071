//! `aptkit repo …` and `aptkit snapshot …`.

use anyhow::Context;
use aptkit_repo::{PackageSet, Repository};
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
        RepoCommand::Create { name, comment } => {
            repo.repo_create(&name, &comment, now())?;
            eprintln!("created repo {name}");
        }
        RepoCommand::Add { name, paths, json } => {
            let bar = output::count_bar(0, &format!("adding to {name}"), json);
            let progress_bar = bar.clone();
            let report = repo
                .repo_add(&name, &paths, &move |_, _| progress_bar.inc(1))
                .with_context(|| format!("cannot add packages to repo `{name}`"))?;
            bar.finish_and_clear();
            if json {
                output::print_json(&json!({"repo": name, "added": report.added, "unchanged": report.unchanged}));
            } else {
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
                    println!("{name}  ({} packages){}", repo.load_set(&r.set)?.len(), if r.comment.is_empty() { String::new() } else { format!("  {}", r.comment) });
                }
            }
        }
        RepoCommand::Show { name, json } => print_set(&repo.repo_packages(&name)?, json),
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
        SnapshotCommand::Drop { name } => {
            repo.snapshot_drop(&name)?;
            eprintln!("dropped snapshot {name}");
        }
    }
    Ok(Outcome::Success)
}
