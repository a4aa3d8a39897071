//! `aptkit deb info|contents`: aptkit's own .deb reader.

use std::path::Path;

use anyhow::Context;
use aptkit_deb::{format_contents, format_info, DataKind, DebReader};
use serde_json::json;

use super::Outcome;
use crate::output;
use crate::settings::{DebSettings, DebView};

pub fn run(settings: DebSettings) -> anyhow::Result<Outcome> {
    match settings.view {
        DebView::Info => info(&settings.deb, settings.json),
        DebView::Contents => contents(&settings.deb, settings.json),
    }
}

fn open(path: &Path) -> anyhow::Result<DebReader> {
    DebReader::open(path).with_context(|| format!("cannot read `{}`", path.display()))
}

fn info(path: &Path, json: bool) -> anyhow::Result<Outcome> {
    let deb = open(path)?;
    if !json {
        print!("{}", format_info(&deb));
        return Ok(Outcome::Success);
    }
    let control = deb.control_file("control").map(|c| String::from_utf8_lossy(&c.contents).into_owned());
    let fields = control
        .as_deref()
        .map(aptkit_control::parse_paragraphs)
        .transpose()
        .with_context(|| format!("bad control file in `{}`", path.display()))?
        .and_then(|p| p.into_iter().next())
        .map(|p| p.fields().iter().map(|f| (f.name.clone(), json!(f.value))).collect::<serde_json::Map<_, _>>());
    let members: Vec<_> = deb
        .control
        .iter()
        .map(|m| json!({"name": m.name, "size": m.contents.len(), "mode": format!("{:o}", m.mode)}))
        .collect();
    output::print_json(&json!({
        "path": deb.path,
        "size": deb.total_size,
        "control_member": deb.control_member_name,
        "data_member": deb.data_member_name,
        "control_files": members,
        "control": fields,
    }));
    Ok(Outcome::Success)
}

fn contents(path: &Path, json: bool) -> anyhow::Result<Outcome> {
    let deb = open(path)?;
    if !json {
        print!("{}", format_contents(&deb));
        return Ok(Outcome::Success);
    }
    let entries: Vec<_> = deb
        .data
        .iter()
        .map(|e| {
            let (kind, target) = match &e.kind {
                DataKind::Dir => ("dir", None),
                DataKind::File => ("file", None),
                DataKind::Symlink(t) => ("symlink", Some(t.clone())),
                DataKind::Hardlink(t) => ("hardlink", Some(t.clone())),
                DataKind::Other(_) => ("other", None),
            };
            json!({
                "path": e.name, "type": kind, "target": target, "mode": format!("{:o}", e.mode),
                "owner": format!("{}/{}", e.user, e.group), "size": e.size, "mtime": e.mtime,
                "md5": e.md5.map(|d| d.iter().map(|b| format!("{b:02x}")).collect::<String>()),
            })
        })
        .collect();
    output::print_json(&json!({"path": deb.path, "entries": entries}));
    Ok(Outcome::Success)
}
