//! The build key: the SHA-256 of every input of a build, encoded so that
//! two different sets of inputs can never encode the same.
//!
//! Inputs are named values (`pkgver` = `1~bookworm`). The encoding is a
//! fixed header with the key format, the number of inputs, then each
//! input sorted by name as its name's length (8 bytes, big-endian), the
//! name, its value's length and the value: no separator that a value
//! could contain, no order that a caller could change.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::error::{Error, Result};
use super::tree::{tree_digest, tree_entries};

/// Bumped whenever what goes into a key changes meaning, so that keys
/// made by an older aptkit never match a newer one's.
pub const KEY_FORMAT: u32 = 1;

/// Names the builder sets itself; [`BuildKeyBuilder::field`] may not use
/// them (nor anything under `debian/`).
const RESERVED: [&str; 6] = ["source", "debian", "image", "image-id", "compile-commands", "aptkit-version"];

/// The readable inputs of a key, by name: what a manifest records so that
/// a user can see why two builds did not share a cache entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Inputs(BTreeMap<String, String>);

impl Inputs {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The key these inputs hash to (lowercase hex SHA-256).
    pub fn key(&self) -> String {
        let mut hasher = Sha256::new();
        hasher.update(b"aptkit build key\n");
        hasher.update(KEY_FORMAT.to_be_bytes());
        encode_pairs(&mut hasher, self.iter());
        hex::encode(hasher.finalize())
    }

    /// What differs from `self` to `other`, by input name.
    pub fn diff(&self, other: &Inputs) -> Vec<InputChange> {
        let names: std::collections::BTreeSet<&String> = self.0.keys().chain(other.0.keys()).collect();
        names
            .into_iter()
            .filter_map(|name| {
                let (before, after) = (self.0.get(name), other.0.get(name));
                (before != after).then(|| InputChange {
                    name: name.clone(),
                    before: before.cloned(),
                    after: after.cloned(),
                })
            })
            .collect()
    }
}

/// One line per input: `name: value` (values escaped, so that each input
/// stays on its line).
impl fmt::Display for Inputs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (name, value) in self.iter() {
            writeln!(f, "{name}: {}", value.escape_debug())?;
        }
        Ok(())
    }
}

/// An input that differs between two keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputChange {
    pub name: String,
    /// `None`: the input was not there.
    pub before: Option<String>,
    pub after: Option<String>,
}

impl fmt::Display for InputChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |v: &Option<String>| v.as_ref().map_or("(none)".to_string(), |v| v.escape_debug().to_string());
        write!(f, "{}: {} -> {}", self.name, show(&self.before), show(&self.after))
    }
}

/// A build's key and the inputs it was made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildKey {
    id: String,
    inputs: Inputs,
}

impl BuildKey {
    pub fn builder() -> BuildKeyBuilder {
        BuildKeyBuilder::default()
    }

    /// The key: 64 lowercase hex digits.
    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn inputs(&self) -> &Inputs {
        &self.inputs
    }

    /// What differs from this key's inputs to `other` (another key's, or a
    /// manifest's).
    pub fn diff(&self, other: &Inputs) -> Vec<InputChange> {
        self.inputs.diff(other)
    }
}

impl fmt::Display for BuildKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id)
    }
}

/// Collects a build's inputs; [`BuildKeyBuilder::build`] refuses a key
/// missing one that every build has (the source, `debian/`, the image, the
/// compile commands, aptkit's version): a forgotten input would make
/// builds that differ in it share an entry.
#[derive(Debug, Default)]
pub struct BuildKeyBuilder {
    inputs: BTreeMap<String, String>,
    has_debian: bool,
    /// The first misuse (a reserved or repeated name), reported by `build`.
    problem: Option<Error>,
}

impl BuildKeyBuilder {
    /// The source tarball's SHA-256 (64 hex digits, either case).
    pub fn source_sha256(mut self, sha256: &str) -> Self {
        let sha256 = sha256.to_ascii_lowercase();
        if !super::manifest::is_sha256(&sha256) {
            self.note(Error::InputName { name: "source".into(), reason: "a SHA-256 is 64 hex digits" });
        }
        self.set("source", format!("sha256 {sha256}"))
    }

    /// A directory source: its tree's digest ([`tree_digest`]).
    pub fn source_tree(self, dir: &Path) -> Result<Self> {
        let digest = tree_digest(dir)?;
        Ok(self.set("source", format!("tree {digest}")))
    }

    /// The resolved `debian/` tree: one input per entry, `debian/PATH`, so
    /// that a diff names the file that changed.
    pub fn debian_tree(mut self, dir: &Path) -> Result<Self> {
        if self.has_debian {
            return Ok(self.misuse("debian"));
        }
        self.has_debian = true;
        for (path, description) in tree_entries(dir)? {
            self.inputs.insert(format!("debian/{path}"), description);
        }
        Ok(self)
    }

    /// The image the compile stage runs in: `DOCKER_BASE` as written and
    /// the image's ID or digest, since a tag moves. A build on the host
    /// (no container) passes `host` and a description of the host.
    pub fn image(self, docker_base: &str, image_id: &str) -> Self {
        self.set("image", docker_base.to_string()).set("image-id", image_id.to_string())
    }

    /// A build without a container (`--engine none`): the image is `host`,
    /// and `description` says what the host is (its OS release, the
    /// toolchain's versions), as an image ID would.
    pub fn host(self, description: &str) -> Self {
        self.image("host", description)
    }

    /// The folder's `build` script, or `None` for the default compile steps.
    pub fn compile_commands(self, script: Option<&[u8]>) -> Self {
        let value = match script {
            Some(bytes) => format!("script sha256 {}", hex::encode(Sha256::digest(bytes))),
            None => "default".to_string(),
        };
        self.set("compile-commands", value)
    }

    pub fn aptkit_version(self, version: &str) -> Self {
        self.set("aptkit-version", version.to_string())
    }

    /// Any other input (`pkgver`, `distribution`, `upstream-version`,
    /// `host-arch`). Names are lowercase ASCII letters, digits and `-`.
    pub fn field(mut self, name: &str, value: &str) -> Self {
        let plain = !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !plain || RESERVED.contains(&name) {
            let reason =
                if plain { "reserved for the builder's own inputs" } else { "not lowercase letters, digits, `-`" };
            self.note(Error::InputName { name: name.to_string(), reason });
            return self;
        }
        self.set(name, value.to_string())
    }

    pub fn build(self) -> Result<BuildKey> {
        if let Some(problem) = self.problem {
            return Err(problem);
        }
        let present = |name: &str| (name == "debian" && self.has_debian) || self.inputs.contains_key(name);
        if let Some(&missing) = RESERVED.iter().find(|name| !present(name)) {
            return Err(Error::MissingInput { name: missing });
        }
        let inputs = Inputs(self.inputs);
        Ok(BuildKey { id: inputs.key(), inputs })
    }

    fn set(mut self, name: &str, value: String) -> Self {
        if self.inputs.insert(name.to_string(), value).is_some() {
            return self.misuse(name);
        }
        self
    }

    fn misuse(mut self, name: &str) -> Self {
        self.note(Error::InputName { name: name.to_string(), reason: "given twice" });
        self
    }

    /// Keep the first problem only: later ones often follow from it.
    fn note(&mut self, problem: Error) {
        if self.problem.is_none() {
            self.problem = Some(problem);
        }
    }
}

/// The count, then each pair as length-prefixed name and value.
pub(crate) fn encode_pairs<'a>(hasher: &mut Sha256, pairs: impl ExactSizeIterator<Item = (&'a str, &'a str)>) {
    hasher.update((pairs.len() as u64).to_be_bytes());
    for (name, value) in pairs {
        for part in [name, value] {
            hasher.update((part.len() as u64).to_be_bytes());
            hasher.update(part.as_bytes());
        }
    }
}
