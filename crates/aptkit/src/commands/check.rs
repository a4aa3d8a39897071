//! `aptkit check`: whether a publication's dependencies can be satisfied,
//! the check `publish` makes before it writes, on its own.

use serde_json::json;

use super::Outcome;
use crate::base_indices::load_universe;
use crate::output;
use crate::settings::CheckSettings;

pub fn run(settings: CheckSettings) -> anyhow::Result<Outcome> {
    let CheckSettings { repository: repo, prefix, distribution, base_indices, json } = settings;
    let universe = load_universe(&base_indices)?;
    let problems = repo.check(&prefix, &distribution, &universe)?;
    if json {
        let list: Vec<_> = problems
            .iter()
            .map(|p| json!({"package": p.package, "architecture": p.architecture, "field": p.field, "relation": p.relation}))
            .collect();
        output::print_json(
            &json!({"publication": aptkit_repo::state::publication_id(&prefix, &distribution), "unsatisfiable": list}),
        );
    } else if problems.is_empty() {
        println!(
            "every dependency of {} is satisfiable ({} base packages)",
            aptkit_repo::state::publication_id(&prefix, &distribution),
            universe.len()
        );
    } else {
        for p in &problems {
            println!("unsatisfiable: {p}");
        }
    }
    Ok(if problems.is_empty() { Outcome::Success } else { Outcome::CheckFailed })
}
