//! `aptkit publish …`.

use anyhow::Context;
use aptkit_repo::{
    Dependencies, Publication, PublishAction, PublishReport, PublishRequest, Publisher, Repository, Source, Universe,
};
use serde_json::json;

use super::repo::now;
use super::Outcome;
use crate::cli::{DependencyArgs, PublishCommand, PublishNewArgs, SigningArgs};
use crate::output;
use crate::progress::{ProgressMode, PublishProgress};
use crate::settings::Settings;

fn report(publication: &Publication, report: &PublishReport, json: bool, settings: &Settings) {
    if json {
        output::print_json(&json!({
            "publication": publication.id(),
            "source": publication.source.to_string(),
            "date": publication.date,
            "architectures": publication.architectures,
            "signed_by": publication.signed_by,
            "pool_written": report.pool_written,
            "pool_present": report.pool_present,
            "indices": report.indices,
            "index_chunks": report.index_chunks,
            "index_chunks_compressed": report.index_chunks_compressed,
            "purge": report.purge,
        }));
        return;
    }
    println!(
        "published {} ({}) at {}: {} pool files written, {} already there; {} of {} index chunks compressed",
        publication.id(),
        publication.source,
        aptkit_index::format_date(publication.date),
        report.pool_written,
        report.pool_present,
        report.index_chunks_compressed,
        report.index_chunks
    );
    let base = match (&settings.public_dir, publication.prefix.as_str()) {
        (Some(dir), "") => format!("file://{}", std::path::absolute(dir).unwrap_or(dir.clone()).display()),
        (Some(dir), prefix) => format!("file://{}/{prefix}", std::path::absolute(dir).unwrap_or(dir.clone()).display()),
        (None, _) => "URL".into(),
    };
    println!("apt sources line (after `aptkit key export --output /etc/apt/keyrings/aptkit.gpg`):");
    println!(
        "  deb [signed-by=/etc/apt/keyrings/aptkit.gpg] {base} {} {}",
        publication.distribution, publication.component
    );
}

/// The base indices named, loaded into one universe.
pub fn load_universe(files: &[std::path::PathBuf]) -> anyhow::Result<Universe> {
    let mut universe = Universe::new();
    for file in files {
        universe.add_index_file(file).with_context(|| format!("cannot read base index `{}`", file.display()))?;
    }
    Ok(universe)
}

fn dependencies(args: &DependencyArgs) -> anyhow::Result<Dependencies> {
    if args.skip_dependency_check {
        return Ok(Dependencies::Skip);
    }
    Ok(Dependencies::Check(load_universe(&args.base_indices)?))
}

/// Publish `action` with the keys and dependency rules given, showing
/// progress as asked; then say what was published. The library checks what
/// it wrote before it records the publication (in every publish store).
fn publish(
    repo: &Repository,
    settings: &Settings,
    action: PublishAction,
    (signing, deps): (&SigningArgs, &DependencyArgs),
    progress: ProgressMode,
    json: bool,
) -> anyhow::Result<Outcome> {
    let keys = settings.signing_keys(signing)?;
    let deps = dependencies(deps)?;
    let what = match &action {
        PublishAction::New(request) => format!("cannot publish {}", request.source),
        PublishAction::Switch { distribution, snapshot, .. } => {
            format!("cannot switch `{distribution}` to snapshot `{snapshot}`")
        }
        PublishAction::Update { distribution, .. } => format!("cannot update `{distribution}`"),
    };
    let events = PublishProgress::new(progress, json);
    let published = Publisher::new(repo, &keys, deps).events(&events).run(action);
    events.finish();
    let published = published.context(what)?;
    report(&published.publication, &published.report, json, settings);
    Ok(Outcome::Success)
}

fn new_publication(
    repo: &Repository,
    settings: &Settings,
    args: PublishNewArgs,
    source: Source,
) -> anyhow::Result<Outcome> {
    let request = PublishRequest {
        prefix: args.target.prefix,
        distribution: args.distribution,
        component: args.component,
        source,
        architectures: (!args.architectures.is_empty()).then_some(args.architectures),
        origin: args.origin,
        label: args.label,
        valid_for_days: args.valid_for,
        contents: args.contents,
    };
    let action = PublishAction::New(request);
    publish(repo, settings, action, (&args.signing, &args.deps), args.progress.progress, args.json)
}

pub fn run(repo: &Repository, settings: &Settings, cmd: PublishCommand) -> anyhow::Result<Outcome> {
    match cmd {
        PublishCommand::Repo(args) => {
            let name = args.name.clone();
            new_publication(repo, settings, args, Source::Repo(name))
        }
        PublishCommand::Snapshot(args) => {
            let name = args.name.clone();
            new_publication(repo, settings, args, Source::Snapshot(name))
        }
        PublishCommand::Switch { distribution, snapshot, target, signing, deps, progress, json } => {
            let action = PublishAction::Switch { prefix: target.prefix, distribution, snapshot };
            publish(repo, settings, action, (&signing, &deps), progress.progress, json)
        }
        PublishCommand::Update { distribution, target, signing, deps, progress, json } => {
            let action = PublishAction::Update { prefix: target.prefix, distribution };
            publish(repo, settings, action, (&signing, &deps), progress.progress, json)
        }
        PublishCommand::List { json } => {
            let refs = repo.refs()?;
            if json {
                let mut list = serde_json::to_value(&refs.publications)?;
                for p in &refs.dropping {
                    let mut entry = serde_json::to_value(p)?;
                    entry["dropping"] = json!(true);
                    list.as_array_mut().expect("a list").push(entry);
                }
                output::print_json(&list);
            } else {
                for p in &refs.publications {
                    println!(
                        "{}  {} [{}] {}  {}",
                        p.id(),
                        p.component,
                        p.architectures.join(", "),
                        p.source,
                        aptkit_index::format_date(p.date)
                    );
                }
                for p in &refs.dropping {
                    println!("{}  (an interrupted drop: run `aptkit publish drop` again to finish it)", p.id());
                }
            }
            Ok(Outcome::Success)
        }
        PublishCommand::Drop { distribution, target } => {
            repo.publish_drop(&target.prefix, &distribution, now())?;
            eprintln!("dropped publication {}", aptkit_repo::state::publication_id(&target.prefix, &distribution));
            Ok(Outcome::Success)
        }
    }
}

pub fn check(
    repo: &Repository,
    prefix: &str,
    distribution: &str,
    base_indices: &[std::path::PathBuf],
    json: bool,
) -> anyhow::Result<Outcome> {
    let universe = load_universe(base_indices)?;
    let problems = repo.check(prefix, distribution, &universe)?;
    if json {
        let list: Vec<_> = problems
            .iter()
            .map(|p| json!({"package": p.package, "architecture": p.architecture, "field": p.field, "relation": p.relation}))
            .collect();
        output::print_json(
            &json!({"publication": aptkit_repo::state::publication_id(prefix, distribution), "unsatisfiable": list}),
        );
    } else if problems.is_empty() {
        println!(
            "every dependency of {} is satisfiable ({} base packages)",
            aptkit_repo::state::publication_id(prefix, distribution),
            universe.len()
        );
    } else {
        for p in &problems {
            println!("unsatisfiable: {p}");
        }
    }
    Ok(if problems.is_empty() { Outcome::Success } else { Outcome::CheckFailed })
}
