//! `aptkit publish …`.

use std::path::PathBuf;

use anyhow::Context;
use aptkit_repo::{Dependencies, Publication, PublishProgress, PublishReport, PublishRequest, Repository};
use serde_json::json;

use super::Outcome;
use crate::base_indices::load_universe;
use crate::clock::now;
use crate::output;
use crate::settings::{DependencyCheck, NewPublication, PublishAction, PublishSettings};

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
    public_dir: &Option<PathBuf>,
) -> anyhow::Result<()> {
    let Some(dir) = public_dir else { return Ok(()) };
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

fn report(publication: &Publication, report: &PublishReport, json: bool, public_dir: &Option<PathBuf>) {
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
    let base = match (public_dir, publication.prefix.as_str()) {
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

fn dependencies(check: &DependencyCheck) -> anyhow::Result<Dependencies> {
    match check {
        DependencyCheck::Skip => Ok(Dependencies::Skip),
        DependencyCheck::Against(base_indices) => Ok(Dependencies::Check(load_universe(base_indices)?)),
    }
}

fn progress(json: bool) -> Bar {
    Bar(output::count_bar(0, "publishing", json))
}

fn new_publication(
    repo: &Repository,
    public_dir: &Option<PathBuf>,
    settings: NewPublication,
) -> anyhow::Result<Outcome> {
    let keys = settings.keys.load()?;
    let deps = dependencies(&settings.deps)?;
    let what = settings.source.to_string();
    let bar = progress(settings.json);
    let request = PublishRequest {
        prefix: settings.prefix,
        distribution: settings.distribution,
        component: settings.component,
        source: settings.source,
        architectures: (!settings.architectures.is_empty()).then_some(settings.architectures),
        origin: settings.origin,
        label: settings.label,
        valid_for_days: settings.valid_for,
        contents: settings.contents,
    };
    let (publication, rep) =
        repo.publish(request, &deps, &keys, now(), &bar).with_context(|| format!("cannot publish {what}"))?;
    bar.0.finish_and_clear();
    verify_published(&publication, &keys, public_dir)?;
    report(&publication, &rep, settings.json, public_dir);
    Ok(Outcome::Success)
}

pub fn run(settings: PublishSettings) -> anyhow::Result<Outcome> {
    let PublishSettings { repository: repo, public_dir, action } = settings;
    match action {
        PublishAction::New(new) => new_publication(&repo, &public_dir, new),
        PublishAction::Switch { distribution, snapshot, prefix, keys, deps, json } => {
            let keys = keys.load()?;
            let deps = dependencies(&deps)?;
            let bar = progress(json);
            let (p, rep) = repo
                .publish_switch(&prefix, &distribution, &snapshot, &deps, &keys, now(), &bar)
                .with_context(|| format!("cannot switch `{distribution}` to snapshot `{snapshot}`"))?;
            bar.0.finish_and_clear();
            verify_published(&p, &keys, &public_dir)?;
            report(&p, &rep, json, &public_dir);
            Ok(Outcome::Success)
        }
        PublishAction::Update { distribution, prefix, keys, deps, json } => {
            let keys = keys.load()?;
            let deps = dependencies(&deps)?;
            let bar = progress(json);
            let (p, rep) = repo
                .publish_update(&prefix, &distribution, &deps, &keys, now(), &bar)
                .with_context(|| format!("cannot update `{distribution}`"))?;
            bar.0.finish_and_clear();
            verify_published(&p, &keys, &public_dir)?;
            report(&p, &rep, json, &public_dir);
            Ok(Outcome::Success)
        }
        PublishAction::List { json } => {
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
        PublishAction::Drop { distribution, prefix } => {
            repo.publish_drop(&prefix, &distribution, now())?;
            eprintln!("dropped publication {}", aptkit_repo::state::publication_id(&prefix, &distribution));
            Ok(Outcome::Success)
        }
    }
}
