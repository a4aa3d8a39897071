//! `aptkit distros list|check`: the target distributions of a project.

use std::path::Path;

use aptkit_build::distros::Error;
use aptkit_build::{Distro, Distros};
use serde_json::json;

use super::Outcome;
use crate::output;
use crate::settings::{DistrosAction, DistrosSettings};

pub fn run(settings: DistrosSettings) -> anyhow::Result<Outcome> {
    let DistrosSettings { dir, action } = settings;
    match action {
        DistrosAction::List { json } => {
            let distros = Distros::load(&dir)?;
            if json {
                output::print_json(&json!(distros.iter().map(distro_json).collect::<Vec<_>>()));
            } else {
                print_table(&distros);
            }
            Ok(Outcome::Success)
        }
        DistrosAction::Check => match Distros::load(&dir) {
            Ok(distros) => {
                println!("{}: {} distro folders, no problems found", dir.display(), distros.len());
                Ok(Outcome::Success)
            }
            Err(Error::Malformed { problems, .. }) => {
                for problem in &problems {
                    println!("FAIL {}", problem.to_line());
                }
                println!(
                    "{}: {} problem{} found",
                    dir.display(),
                    problems.len(),
                    if problems.len() == 1 { "" } else { "s" }
                );
                Ok(Outcome::CheckFailed)
            }
            Err(err) => Err(err.into()),
        },
    }
}

fn distro_json(d: &Distro) -> serde_json::Value {
    json!({
        "id": d.id,
        "distro": d.distro,
        "version": d.version,
        "name": d.name,
        "distribution": d.distribution,
        "pkgver": d.pkgver,
        "docker_base": d.docker_base.as_str(),
        "path": d.path,
        "debian_dir": d.debian_dir,
        "build_script": d.build_script,
    })
}

/// One line per distro, columns aligned; paths relative to the distros
/// directory, where they lie.
fn print_table(distros: &Distros) {
    let root = std::fs::canonicalize(&distros.dir).unwrap_or_else(|_| distros.dir.clone());
    let relative = |p: &Path| p.strip_prefix(&root).unwrap_or(p).display().to_string();
    let mut rows = vec![["ID", "DISTRIBUTION", "PKGVER", "IMAGE", "DEBIAN", "BUILD"].map(String::from)];
    for d in distros {
        rows.push([
            d.id.clone(),
            d.distribution.clone(),
            d.pkgver.clone(),
            d.docker_base.to_string(),
            relative(&d.debian_dir),
            d.build_script.as_deref().map_or_else(|| "(default: debian/rules)".to_string(), relative),
        ]);
    }
    let widths: Vec<usize> = (0..6).map(|i| rows.iter().map(|r| r[i].len()).max().unwrap_or(0)).collect();
    for row in &rows {
        let cells: Vec<String> = row.iter().zip(&widths).map(|(cell, w)| format!("{cell:<w$}")).collect();
        println!("{}", cells.join("  ").trim_end());
    }
}
