//! `--base-index`: the base distribution's Packages files that dependencies
//! may be satisfied from, for `publish` and `check`.

use anyhow::Context;
use aptkit_repo::Universe;

/// The base indices named, loaded into one universe.
pub fn load_universe(files: &[std::path::PathBuf]) -> anyhow::Result<Universe> {
    let mut universe = Universe::new();
    for file in files {
        universe.add_index_file(file).with_context(|| format!("cannot read base index `{}`", file.display()))?;
    }
    Ok(universe)
}
