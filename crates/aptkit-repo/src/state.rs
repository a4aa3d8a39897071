//! The refs document: every named thing (repos, snapshots, publications)
//! in one small JSON object in the state store, updated by compare-and-swap
//! so that concurrent writers never lose an update and need no lock server.

use std::collections::{BTreeMap, BTreeSet};

use aptkit_store::{Store, Written};
use serde::{Deserialize, Serialize};

pub use crate::holder::Holder;
use crate::{Error, Result};

pub const REFS_KEY: &str = "refs.json";
const FORMAT: u32 = 1;
const MAX_RETRIES: usize = 20;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refs {
    pub format: u32,
    #[serde(default)]
    pub repos: BTreeMap<String, RepoRef>,
    #[serde(default)]
    pub snapshots: BTreeMap<String, SnapshotRef>,
    #[serde(default)]
    pub publications: Vec<Publication>,
    /// Publications being written right now, by publication id: a second
    /// publisher of the same suite waits instead of racing for InRelease.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub claims: BTreeMap<String, Claim>,
    /// Publications whose files `publish drop` is deleting: an interrupted
    /// drop is finished by running it again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dropping: Vec<Publication>,
    /// The Date of the last Release of each dropped publication, by id: a
    /// suite published again is dated after it (a Date may run a few
    /// seconds ahead of the clock, and clients keep the last one they saw).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub dropped_dates: BTreeMap<String, i64>,
    /// Prefixes of dropped publications whose pool gc has still to empty
    /// (with no publication left there, nothing else names them).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub dropped_prefixes: BTreeSet<String>,
    /// Publications written to the publish store that did not read back as
    /// written, so were not recorded in `publications`: their InRelease may
    /// be live, so gc keeps their pool files until a publish of the same
    /// suite succeeds (and removes the entry).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unverified: Vec<Publication>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    pub token: String,
    pub since: i64,
    /// The publishing process, where it could tell (absent in claims
    /// written before it was recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder: Option<Holder>,
    /// What the holder does (claims written before it was recorded were
    /// all publishes, or gc's under [`GC_CLAIM`]).
    #[serde(default)]
    pub activity: crate::claim::Activity,
    /// When the lease ends unless its holder renews it (seconds since the
    /// epoch). Claims written before leases were kept have none: they end
    /// [`CLAIM_TTL`] after `since`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<i64>,
}

/// The claim `aptkit gc` holds while it deletes: no publish places pool
/// files meanwhile (a pool file placed by linking keeps its blob's old age,
/// and a republish may reference one that gc found unreferenced). Not a
/// publication id: distributions cannot contain `:`.
pub const GC_CLAIM: &str = ":gc";

/// How long a claim written without an `expires` (by an aptkit from
/// before leases) lasts from its `since`: then it is from a holder that
/// died, and may be taken.
pub const CLAIM_TTL: i64 = 30 * 60;

/// How long a claim's lease lasts unless its holder renews it (it does,
/// every third of this, while it works): a holder killed where its
/// process cannot be checked (another host, another pid namespace) blocks
/// the suite this long at most.
pub const DEFAULT_LEASE: std::time::Duration = std::time::Duration::from_secs(60);

/// The environment variable that sets the lease length, in whole seconds
/// (tests use a few; every job sharing a state store should use one
/// value, well above the clock skew between their hosts).
pub const LEASE_ENV: &str = "APTKIT_CLAIM_LEASE";

/// The lease length: `$APTKIT_CLAIM_LEASE` seconds if set (at least 1),
/// else [`DEFAULT_LEASE`].
pub fn lease_length() -> std::time::Duration {
    std::env::var(LEASE_ENV)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map_or(DEFAULT_LEASE, |s| std::time::Duration::from_secs(s.max(1)))
}

impl Claim {
    /// When the claim ends unless renewed.
    pub fn expires_at(&self) -> i64 {
        self.expires.unwrap_or(self.since + CLAIM_TTL)
    }

    /// Whether its holder may still be at work at `now`: its lease has not
    /// ended and it is not certainly gone ([`Holder::is_gone`]).
    pub fn is_live(&self, now: i64) -> bool {
        now < self.expires_at() && !self.holder.as_ref().is_some_and(Holder::is_gone)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepoRef {
    /// The current package set (`sets/<sha256>.packages`).
    pub set: String,
    #[serde(default)]
    pub comment: String,
    pub created: i64,
    /// Keep only this many newest versions of each package (nightlies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_versions: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotRef {
    pub set: String,
    #[serde(default)]
    pub description: String,
    pub created: i64,
}

/// Where a publication's packages come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "name", rename_all = "lowercase")]
pub enum Source {
    Repo(String),
    Snapshot(String),
}

impl Publication {
    /// A publication not yet made: what it publishes and where, with
    /// nothing published yet (no date, signers, generations or history).
    pub fn new(prefix: String, distribution: String, component: String, source: Source, set: String) -> Self {
        Publication {
            prefix,
            distribution,
            component,
            source,
            set,
            architectures: Vec::new(),
            date: 0,
            origin: None,
            label: None,
            valid_for_days: None,
            signed_by: Vec::new(),
            contents: false,
            previous_sets: Vec::new(),
            public_store: None,
            by_hash: Vec::new(),
            by_hash_dates: Vec::new(),
            generations: None,
            pieces: Default::default(),
            written_until_ms: None,
            changed: Vec::new(),
            purged: None,
        }
    }

    /// A publication of repo `main` for amd64 at the root, as unit tests
    /// need one.
    #[cfg(test)]
    pub(crate) fn for_tests(distribution: &str) -> Self {
        let source = Source::Repo("main".into());
        let publication =
            Publication::new(String::new(), distribution.into(), "main".into(), source, "sets/x.packages".into());
        Publication { architectures: vec!["amd64".into()], ..publication }
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Repo(n) => write!(f, "repo {n}"),
            Source::Snapshot(n) => write!(f, "snapshot {n}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Publication {
    /// Path prefix in the publish store (`""` for its root).
    pub prefix: String,
    pub distribution: String,
    pub component: String,
    pub source: Source,
    /// The package set published now.
    pub set: String,
    pub architectures: Vec<String>,
    /// Date of the current Release file (seconds since the epoch).
    pub date: i64,
    #[serde(default)]
    pub origin: Option<String>,
    #[serde(default)]
    pub label: Option<String>,
    /// Days a Release stays valid (Valid-Until), if set.
    #[serde(default)]
    pub valid_for_days: Option<u32>,
    /// Fingerprints of the keys that signed it.
    pub signed_by: Vec<String>,
    /// Whether `Contents-<arch>.gz` indices are published too.
    #[serde(default)]
    pub contents: bool,
    /// The sets of the last generations before this one: clients and CDN
    /// caches may still hold their InRelease, so gc keeps their pool files.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub previous_sets: Vec<String>,
    /// The publish store it was written to (`file:///srv/repo`,
    /// `s3://bucket/prefix`): a republish to another one places every pool
    /// file, not only the new ones. Absent in records written before it
    /// was kept (taken as the same store).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_store: Option<String>,
    /// The by-hash copies of this generation and of those before it,
    /// newest first, at most [`Publication::kept_generations`]: paths under
    /// `dists/<distribution>/`. gc keeps these; older copies go once they
    /// are older than a CDN may cache an InRelease that lists them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub by_hash: Vec<Vec<String>>,
    /// When each generation of `by_hash` became current (the Release Date
    /// of the publish that listed it), in the same order. A copy no kept
    /// generation lists was last listed by one that was superseded when
    /// the oldest kept one became current: gc lets it go once that is
    /// longer ago than a CDN caches InRelease, however old the file itself
    /// is (an index unchanged for weeks, then superseded by three quick
    /// publishes, is still listed by InReleases edges hold). Valid only
    /// when as long as `by_hash`: records written before it was kept go by
    /// the copies' own ages.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub by_hash_dates: Vec<i64>,
    /// How many generations of by-hash copies (and of pool files, through
    /// `previous_sets`) the suite keeps, the current one included: `None`
    /// is [`KEPT_GENERATIONS`]. Set when publishing (`--keep-generations`),
    /// kept by later publishes that do not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generations: Option<usize>,
    /// For each gzip index this publication wrote (`main/binary-amd64/
    /// Packages.gz`), the bytes each chunk's piece takes in it: a deflate
    /// stream marks no boundaries (an xz file indexes its blocks), and the
    /// next publish of the suite takes its unchanged chunks from the files
    /// this one left in place.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub pieces: BTreeMap<String, Vec<u64>>,
    /// When (ms, this publisher's clock) its last write to the publish
    /// store was made: the next publish of the suite writes nothing that
    /// clients revalidate within the same second (see `publish::write`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub written_until_ms: Option<i64>,
    /// The publish store keys under names clients read again (InRelease,
    /// Release, Release.gpg, plain index names) that its last publish
    /// changed, and those earlier publishes changed that no purge has
    /// covered since (a purge that failed, a job killed before it, a
    /// publish without a CDN): what `publish purge` invalidates on a CDN,
    /// the same batch every time. Empty in records written before it was
    /// kept.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changed: Vec<String>,
    /// The last CDN invalidation that covered `changed`: a rerun that would
    /// send the same batch sends nothing. Copied into the next record of the
    /// suite, where its reference (derived from the Release Date) no longer
    /// matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purged: Option<Purged>,
}

/// A CDN invalidation made for a publication.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Purged {
    /// The CDN, as [`crate::Cdn::name`] says (`CloudFront distribution E2…`).
    pub cdn: String,
    /// The request's idempotency reference ([`crate::PurgePlan::reference`]).
    pub reference: String,
    /// The CDN's id for the invalidation.
    pub invalidation: String,
    /// The Release Date of the publish it covered: a later record of the
    /// suite inherits this one, and knows by it that its own changes are
    /// not covered. `None` in records written before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<i64>,
}

/// Generations of a publication whose pool files and by-hash copies gc
/// keeps unless it says otherwise (the current one and two before it), as
/// apt-ftparchive keeps three by-hash generations.
pub const KEPT_GENERATIONS: usize = 3;
/// The most generations a publication may keep (`refs.json` holds each
/// one's by-hash paths).
pub const MAX_KEPT_GENERATIONS: usize = 20;

impl Publication {
    /// How many generations it keeps, the current one included.
    pub fn kept_generations(&self) -> usize {
        self.generations.unwrap_or(KEPT_GENERATIONS)
    }

    /// `prefix/distribution`, or just the distribution at the root.
    pub fn id(&self) -> String {
        publication_id(&self.prefix, &self.distribution)
    }

    /// The key of `rel` (`dists/...`, `pool/...`) in the publish store.
    pub fn key(&self, rel: &str) -> String {
        prefixed(&self.prefix, rel)
    }
}

pub fn publication_id(prefix: &str, distribution: &str) -> String {
    if prefix.is_empty() {
        distribution.to_string()
    } else {
        format!("{prefix}/{distribution}")
    }
}

pub fn prefixed(prefix: &str, rel: &str) -> String {
    if prefix.is_empty() {
        rel.to_string()
    } else {
        format!("{prefix}/{rel}")
    }
}

impl Refs {
    /// The package sets repos, snapshots and publications (published or
    /// unverified, and the generations they keep) name: gc keeps them.
    pub fn named_sets(&self) -> impl Iterator<Item = &String> {
        let publications = self.publications.iter().chain(&self.unverified);
        self.repos
            .values()
            .map(|r| &r.set)
            .chain(self.snapshots.values().map(|s| &s.set))
            .chain(publications.flat_map(|p| std::iter::once(&p.set).chain(&p.previous_sets)))
    }

    pub fn publication(&self, prefix: &str, distribution: &str) -> Option<&Publication> {
        self.publications.iter().find(|p| p.prefix == prefix && p.distribution == distribution)
    }
}

/// Read the refs document and its version (a fresh state has none).
pub fn load(store: &dyn Store) -> Result<(Refs, Option<aptkit_store::ETag>)> {
    let loaded = match store.get(REFS_KEY)? {
        None => (Refs { format: FORMAT, ..Default::default() }, None),
        Some((bytes, etag)) => {
            let refs: Refs = serde_json::from_slice(&bytes).map_err(|e| Error::CorruptState {
                location: format!("{}/{REFS_KEY}", store.location()),
                reason: e.to_string(),
            })?;
            if refs.format != FORMAT {
                return Err(Error::CorruptState {
                    location: format!("{}/{REFS_KEY}", store.location()),
                    reason: format!("format {} is not the {FORMAT} this aptkit understands", refs.format),
                });
            }
            (refs, Some(etag))
        }
    };
    last_seen::remember(store, &loaded.0, loaded.1.as_ref());
    Ok(loaded)
}

/// Apply `change` to the current refs and store the result by
/// compare-and-swap, re-reading and re-applying `change` when another
/// writer came first. `change` must be a pure function of the refs it is
/// given (it may run several times).
pub fn update<T>(store: &dyn Store, mut change: impl FnMut(&mut Refs) -> Result<T>) -> Result<T> {
    update_if(store, |refs| change(refs).map(Some)).map(|out| out.expect("always changed"))
}

/// [`update`], where `change` may answer `None`: then nothing is written
/// (its changes to the refs it was given are dropped).
///
/// The first attempt starts from the version this process last read or
/// wrote ([`last_seen`]) instead of a fresh read: a command that read the
/// refs (or wrote them) a moment ago saves a GET per update, and a stale
/// version costs only the refused write. What `change` decides from such a
/// version (an error, or nothing to write) is not trusted: it is judged
/// again on the current refs.
pub fn update_if<T>(store: &dyn Store, mut change: impl FnMut(&mut Refs) -> Result<Option<T>>) -> Result<Option<T>> {
    // Writers that lost a round together would collide again at once: a
    // short jittered pause (5 ms doubling to 200 ms) spreads them out.
    let mut backoff = None;
    let mut seen = last_seen::recall(store);
    for _ in 0..MAX_RETRIES {
        let from_seen = seen.is_some();
        let (mut refs, etag) = match seen.take() {
            Some((refs, etag)) => (refs, etag),
            None => load(store)?,
        };
        let out = match change(&mut refs) {
            Ok(Some(out)) => out,
            Ok(None) | Err(_) if from_seen => continue,
            Ok(None) => return Ok(None),
            Err(e) => return Err(e),
        };
        let bytes = serde_json::to_vec_pretty(&refs).expect("refs always serialise");
        match store.put_if_match(REFS_KEY, &bytes, etag.as_ref())? {
            Written::Created(etag) => {
                last_seen::remember(store, &refs, Some(&etag));
                return Ok(Some(out));
            }
            // Another writer came first, or the version recalled was old.
            Written::Conflict(_) if from_seen => {}
            Written::Conflict(_) => {
                let backoff = backoff.get_or_insert_with(|| {
                    let (base, cap) = (std::time::Duration::from_millis(5), std::time::Duration::from_millis(200));
                    crate::wait::Backoff::with(base, cap, crate::wait::random_seed())
                });
                std::thread::sleep(backoff.next_delay());
            }
        }
    }
    Err(Error::Contention(store.location()))
}

/// The version of the refs document this process last read or wrote, per
/// store location. Only ever a starting point for a compare-and-swap, which
/// the store refuses if it is not the current version: never read as the
/// state (a [`load`] always reads the store).
mod last_seen {
    use std::collections::BTreeMap;
    use std::sync::Mutex;

    use aptkit_store::{ETag, Store};

    use super::Refs;

    type Seen = (Refs, Option<ETag>);
    static LAST_SEEN: Mutex<BTreeMap<String, Seen>> = Mutex::new(BTreeMap::new());

    pub(super) fn remember(store: &dyn Store, refs: &Refs, etag: Option<&ETag>) {
        let mut seen = LAST_SEEN.lock().unwrap_or_else(|e| e.into_inner());
        seen.insert(store.location(), (refs.clone(), etag.cloned()));
    }

    pub(super) fn recall(store: &dyn Store) -> Option<Seen> {
        LAST_SEEN.lock().unwrap_or_else(|e| e.into_inner()).get(&store.location()).cloned()
    }
}
