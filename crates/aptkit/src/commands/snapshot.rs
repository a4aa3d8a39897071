//! `aptkit snapshot …`.

use serde_json::json;

use super::Outcome;
use crate::clock::now;
use crate::output;
use crate::settings::{SnapshotAction, SnapshotSettings};

pub fn run(settings: SnapshotSettings) -> anyhow::Result<Outcome> {
    let repo = &settings.repository;
    // What a dry run says it did, it would have done.
    let did = if settings.planned.is_some() { "would have " } else { "" };
    let mut subject = String::new();
    match settings.action {
        SnapshotAction::Create { name, repo: source } => {
            let count = repo.snapshot_create_from_repo(&name, &source, now())?;
            eprintln!("{did}created snapshot {name} of repo {source} ({count} packages)");
            subject = name;
        }
        SnapshotAction::List { json } => {
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
        SnapshotAction::Show { name, json } => output::print_package_set(&repo.snapshot_packages(&name)?, json),
        SnapshotAction::Diff { a, b, json } => {
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
        SnapshotAction::Merge { dest, sources, latest, no_remove } => {
            let count = repo.snapshot_merge(&dest, &sources, latest, no_remove, now())?;
            eprintln!("{did}created snapshot {dest} ({count} packages)");
            subject = dest;
        }
        SnapshotAction::Filter { source, dest, queries } => {
            let count = repo.snapshot_filter(&source, &dest, &queries, now())?;
            eprintln!("{did}created snapshot {dest} ({count} packages)");
            subject = dest;
        }
        SnapshotAction::Drop { name } => {
            repo.snapshot_drop(&name)?;
            eprintln!("{did}dropped snapshot {name}");
            subject = name;
        }
    }
    if let Some(planned) = &settings.planned {
        let plan = planned.planned();
        output::print_planned("snapshot", &format!("snapshot {subject}"), &plan, false, json!({}));
    }
    Ok(Outcome::Success)
}
