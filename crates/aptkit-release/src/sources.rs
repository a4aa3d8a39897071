//! Step 1: each version's source tarball, made from git (a nightly from a
//! branch head, a release from its tag), signed, and kept in the state
//! store under `releases/<id>/sources/`, where every later step (a
//! resumed run, the runners of a CI matrix, the publishing job) takes it
//! from: all of them build the same bytes.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use aptkit_build::source::{source_tarball, Naming, SourceRequest};
use aptkit_build::upstream_version::version_in_tarball_name;
use aptkit_store::{Body, Caching, Written};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::events::ReleaseEvent;
use crate::journal::StepStatus;
use crate::pipeline::Context;
use crate::report::{ReleaseReport, SourceReport, Status};

/// Each version's tarball on local disk (under `scratch`), in plan order;
/// `None` where its step failed (recorded, and in `report.failures`).
pub(crate) fn all(ctx: &Context<'_, '_>, scratch: &Path, report: &mut ReleaseReport) -> Vec<Option<PathBuf>> {
    let mut tarballs = Vec::new();
    for (i, version) in ctx.release.plan.versions.iter().enumerate() {
        let step = format!("source/{}", version.version);
        let result = match ctx.done(&step) {
            Some(recorded) => {
                ctx.event(ReleaseEvent::Skip { step: &step });
                fetch(ctx, &recorded.detail, scratch).map(|(path, mut source)| {
                    source.status = Status::Done;
                    (path, source)
                })
            }
            None => {
                ctx.release.events.before_step(&step);
                ctx.event(ReleaseEvent::Start { step: &step });
                make(ctx, &version.version, scratch)
            }
        };
        match result {
            Ok((path, source)) => {
                if source.status == Status::Made {
                    let detail = json!({
                        "file": source.file, "sha256": source.sha256, "key": source.key,
                        "commit": source.commit, "ref": source.git_ref,
                    });
                    ctx.record(&step, StepStatus::Done, detail, report);
                    let text = format!(
                        "{} from {} (commit {}), stored as {}",
                        source.file,
                        source.git_ref.as_deref().unwrap_or("?"),
                        source.commit.as_deref().unwrap_or("?"),
                        source.key
                    );
                    ctx.event(ReleaseEvent::Note { step: &step, text });
                }
                report.versions[i].source = Some(source);
                tarballs.push(Some(path));
            }
            Err(error) => {
                ctx.record(&step, StepStatus::Failed, json!({ "error": error }), report);
                report.failures.push(format!("{step}: {error}"));
                tarballs.push(None);
            }
        }
    }
    tarballs
}

fn sources_prefix(ctx: &Context<'_, '_>) -> String {
    format!("releases/{}/sources", ctx.release.plan.id)
}

/// The one tarball of `version` in `dir`: `NAME-VERSION.tar.*`, read as
/// the build reads a tarball's name; none, or several, is an error.
fn find_tarball(dir: &Path, version: &str) -> Result<PathBuf, String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read the tarball directory `{}`: {e}", dir.display()))?;
    let mut found: Vec<PathBuf> = entries
        .flatten()
        .filter(|entry| version_in_tarball_name(&entry.file_name().to_string_lossy()) == Some(version))
        .map(|entry| entry.path())
        .filter(|path| path.is_file())
        .collect();
    found.sort();
    match found.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(format!(
            "`{}` holds no tarball of {version} (NAME-{version}.tar.gz, as `aptkit source {version} --out {}` makes it)",
            dir.display(),
            dir.display()
        )),
        many => Err(format!(
            "`{}` holds more than one tarball of {version}: {}",
            dir.display(),
            many.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
        )),
    }
}

/// Make, sign and store the tarball of `version`: from git, or taken
/// from the tarball directory.
fn make(ctx: &Context<'_, '_>, version: &str, scratch: &Path) -> Result<(PathBuf, SourceReport), String> {
    if let Some(dir) = &ctx.release.tarballs {
        let path = find_tarball(dir, version)?;
        let bytes = std::fs::read(&path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
        let file = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
        let signature = aptkit_sign::sign_detached(ctx.release.keys, &bytes, SystemTime::now())
            .map_err(|e| format!("cannot sign `{}`: {e}", path.display()))?;
        return store(ctx, &file, &bytes, &signature, None, scratch);
    }
    let git = ctx.release.git.as_ref().ok_or("no git repository to make it from (--git)")?;
    let kind = aptkit_build::source::SourceKind::of(version).map_err(|e| e.to_string())?;
    let request = SourceRequest {
        git_dir: git.dir.clone(),
        version: version.to_string(),
        git_ref: match kind {
            aptkit_build::source::SourceKind::Nightly => git.nightly_ref.clone(),
            aptkit_build::source::SourceKind::Release => None,
        },
        tag_format: git.tag_format.clone(),
        name: git.name.clone(),
        naming: Naming::Plain,
    };
    let tarball = source_tarball(&request).map_err(|e| e.to_string())?;
    let signature = tarball.sign(ctx.release.keys, SystemTime::now()).map_err(|e| e.to_string())?;
    let origin = Some((tarball.commit.clone(), tarball.ref_used.clone()));
    store(ctx, &tarball.file_name, &tarball.bytes, &signature, origin, scratch)
}

/// Keep a version's tarball and its signature in the state store, and a
/// copy in `scratch` to build from. The first run (or runner) to store a
/// version's tarball decides it: every other build of this release then
/// builds the same bytes.
fn store(
    ctx: &Context<'_, '_>,
    file: &str,
    made: &[u8],
    signature: &[u8],
    origin: Option<(String, String)>,
    scratch: &Path,
) -> Result<(PathBuf, SourceReport), String> {
    let state = ctx.release.repository.state_store();
    let key = format!("{}/{file}", sources_prefix(ctx));
    let mut bytes = made.to_vec();
    match state.put_if_absent(&key, Body::Bytes(made), Caching::Immutable).map_err(|e| e.to_string())? {
        Written::Created(_) => {
            let signature_key = format!("{key}.asc");
            state.put(&signature_key, Body::Bytes(signature), Caching::Immutable).map_err(|e| e.to_string())?;
        }
        Written::Conflict(_) => {
            let (stored, _) = state.get(&key).map_err(|e| e.to_string())?.ok_or(format!("`{key}` vanished"))?;
            bytes = stored;
        }
    }
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let path = scratch.join(file);
    std::fs::write(&path, &bytes).map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
    let (commit, git_ref) = origin.unzip();
    let source = SourceReport { file: file.to_string(), sha256, commit, git_ref, key, status: Status::Made };
    Ok((path, source))
}

/// The tarball an earlier run stored, checked against its recorded SHA-256.
fn fetch(ctx: &Context<'_, '_>, detail: &serde_json::Value, scratch: &Path) -> Result<(PathBuf, SourceReport), String> {
    let text = |name: &str| detail.get(name).and_then(|v| v.as_str()).map(str::to_string);
    let (Some(file), Some(key), Some(sha256)) = (text("file"), text("key"), text("sha256")) else {
        return Err(format!("the journal's record of the source is incomplete: {detail}"));
    };
    let state = ctx.release.repository.state_store();
    let (bytes, _) = state
        .get(&key)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("the source `{key}` recorded in the journal is missing from {}", state.location()))?;
    let found = hex::encode(Sha256::digest(&bytes));
    if found != sha256 {
        return Err(format!("the source `{key}` has SHA-256 {found}, but the journal recorded {sha256}"));
    }
    let path = scratch.join(&file);
    std::fs::write(&path, &bytes).map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
    Ok((path, SourceReport { file, sha256, commit: text("commit"), git_ref: text("ref"), key, status: Status::Done }))
}
