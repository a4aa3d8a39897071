//! `aptkit publish …`.

use anyhow::Context;
use aptkit_repo::{
    Dependencies, Publication, PublishProgress, PublishReport, PublishRequest, Repository, Source, Universe,
};
use serde_json::json;

use super::repo::now;
use super::Outcome;
use crate::cli::{DependencyArgs, PublishCommand, PublishNewArgs};
use crate::output;
use crate::settings::Settings;

struct Bar(indicatif::ProgressBar);

impl PublishProgress for Bar {
    fn pool_file(&self, _key: &str, _written: bool) {
        self.0.inc(1);
    }
    fn step(&self, what: &str) {
        self.0.set_message(format!("publishing: {what}"));
    }
    fn note(&self, message: &str) {
        self.0.suspend(|| eprintln!("note: {message}"));
    }
}

/// `aptkit publish` checks what it just published, as a client would see it
/// (signatures, Release fields, every index and its by-hash copy; not the
/// pool, which is checked with `aptkit verify --deep`).
fn verify_published(
    publication: &Publication,
    keys: &[aptkit_sign::SigningKey],
    settings: &Settings,
) -> anyhow::Result<()> {
    let Some(dir) = &settings.public_dir else { return Ok(()) };
    let root = if publication.prefix.is_empty() { dir.clone() } else { dir.join(&publication.prefix) };
    let keyring: Vec<u8> = keys.iter().flat_map(|k| k.public_binary()).collect();
    let opts = aptkit_verify::Options {
        keyring: aptkit_verify::Keyring::from_bytes(&keyring)?,
        suites: vec![publication.distribution.clone()],
        deep: false,
        max_age: None,
        required_signers: Vec::new(),
        state_file: None,
        now: now(),
        threads: 1,
        components: Vec::new(),
        architectures: Vec::new(),
    };
    let report = aptkit_verify::verify(&aptkit_store::FileStore::new(root), &opts, &|_| {})?;
    if !report.ok() {
        let findings: Vec<String> = report.findings.iter().map(|f| f.to_string()).collect();
        anyhow::bail!("the publication of `{}` does not verify:\n  {}", publication.id(), findings.join("\n  "));
    }
    Ok(())
}

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

fn progress(json: bool) -> Bar {
    Bar(output::count_bar(0, "publishing", json))
}

fn new_publication(
    repo: &Repository,
    settings: &Settings,
    args: PublishNewArgs,
    source: Source,
) -> anyhow::Result<Outcome> {
    let keys = settings.signing_keys(&args.signing)?;
    let deps = dependencies(&args.deps)?;
    let what = source.to_string();
    let bar = progress(args.json);
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
    let (publication, rep) =
        repo.publish(request, &deps, &keys, now(), &bar).with_context(|| format!("cannot publish {what}"))?;
    bar.0.finish_and_clear();
    verify_published(&publication, &keys, settings)?;
    report(&publication, &rep, args.json, settings);
    Ok(Outcome::Success)
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
        PublishCommand::Switch { distribution, snapshot, target, signing, deps, json } => {
            let keys = settings.signing_keys(&signing)?;
            let deps = dependencies(&deps)?;
            let bar = progress(json);
            let (p, rep) = repo
                .publish_switch(&target.prefix, &distribution, &snapshot, &deps, &keys, now(), &bar)
                .with_context(|| format!("cannot switch `{distribution}` to snapshot `{snapshot}`"))?;
            bar.0.finish_and_clear();
            verify_published(&p, &keys, settings)?;
            report(&p, &rep, json, settings);
            Ok(Outcome::Success)
        }
        PublishCommand::Update { distribution, target, signing, deps, json } => {
            let keys = settings.signing_keys(&signing)?;
            let deps = dependencies(&deps)?;
            let bar = progress(json);
            let (p, rep) = repo
                .publish_update(&target.prefix, &distribution, &deps, &keys, now(), &bar)
                .with_context(|| format!("cannot update `{distribution}`"))?;
            bar.0.finish_and_clear();
            verify_published(&p, &keys, settings)?;
            report(&p, &rep, json, settings);
            Ok(Outcome::Success)
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
