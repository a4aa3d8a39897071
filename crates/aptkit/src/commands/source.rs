//! `aptkit source`.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::Context;
use aptkit_build::source::{source_tarball, update_sha256sums};
use serde_json::json;

use super::Outcome;
use crate::output;
use crate::settings::SourceSettings;

const SUMS: &str = "SHA256SUMS";

pub fn run(settings: SourceSettings) -> anyhow::Result<Outcome> {
    let SourceSettings { request, out, keys, json } = settings;
    let keys = keys.load()?;
    let tarball = source_tarball(&request)?;
    let signature = tarball.sign(&keys, SystemTime::now())?;
    let sums_path = out.join(SUMS);
    let existing = match std::fs::read_to_string(&sums_path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e).with_context(|| format!("cannot read `{}`", sums_path.display())),
    };
    let sums = update_sha256sums(&existing, &tarball.file_name, &tarball.sha256)
        .with_context(|| format!("cannot update `{}`", sums_path.display()))?;
    let signature_name = tarball.signature_name();
    write_all_or_nothing(
        &out,
        &[(&tarball.file_name, &tarball.bytes), (&signature_name, &signature), (SUMS, sums.as_bytes())],
    )?;

    let file = out.join(&tarball.file_name);
    if json {
        output::print_json(&json!({
            "file": file,
            "signature": out.join(&signature_name),
            "sums": sums_path,
            "sha256": tarball.sha256,
            "name": tarball.name,
            "version": tarball.version,
            "kind": tarball.kind.as_str(),
            "commit": tarball.commit,
            "ref": tarball.ref_used,
        }));
    } else {
        println!("{}  {}", tarball.sha256, file.display());
        eprintln!(
            "{} {} from {} (commit {}), signed in {}, listed in {}",
            tarball.kind.as_str(),
            tarball.version,
            tarball.ref_used,
            tarball.commit,
            signature_name,
            sums_path.display()
        );
    }
    Ok(Outcome::Success)
}

/// Every file into `dir` (created if missing), or none: each is written to a
/// temporary file there first, and renamed into place only when all are
/// written. Should a rename fail, the files it created are removed again
/// (a file that existed before stays replaced).
fn write_all_or_nothing(dir: &Path, files: &[(&str, &[u8])]) -> anyhow::Result<()> {
    let created_dir = !dir.exists();
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create `{}`", dir.display()))?;
    let result = (|| {
        let mut temps = Vec::new();
        for (name, bytes) in files {
            let path = dir.join(name);
            let context = || format!("cannot write `{}`", path.display());
            let mut temp = tempfile::Builder::new().prefix(".aptkit-source-").tempfile_in(dir).with_context(context)?;
            temp.write_all(bytes).with_context(context)?;
            // Published files: readable by a web server running as another user.
            temp.as_file().set_permissions(std::fs::Permissions::from_mode(0o644)).with_context(context)?;
            temps.push((temp, path));
        }
        let mut created: Vec<PathBuf> = Vec::new();
        for (temp, path) in temps {
            let existed = path.exists();
            if let Err(e) = temp.persist(&path) {
                created.iter().for_each(|p| drop(std::fs::remove_file(p)));
                return Err(e.error).with_context(|| format!("cannot write `{}`", path.display()));
            }
            if !existed {
                created.push(path);
            }
        }
        Ok(())
    })();
    if result.is_err() && created_dir {
        let _ = std::fs::remove_dir(dir);
    }
    result
}
