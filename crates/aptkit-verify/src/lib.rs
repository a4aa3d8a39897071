//! End-to-end verification of a published apt repository, for mirror
//! operators and for aptkit's own publishes: signatures against pinned
//! keys, freshness (Date, Valid-Until, maximum age), rollback, every index
//! (plain and by-hash, read no further than its signed size) and, in deep
//! mode, every pool file. Problems are *findings* (exit 1); only failing to
//! run at all is an error (exit 2).

mod mirror;
mod signature;

use std::collections::BTreeMap;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

use aptkit_compress::decompress::{self, Codec};
use aptkit_control::{parse_paragraphs, Paragraph};
use aptkit_index::{ContentMismatch, ContentValidatingReader, FoundSize};
use aptkit_store::Store;
use serde::Serialize;
use sha2::{Digest, Sha256};

pub use mirror::{mirror, plan as mirror_plan, MirrorPlan, MirrorReport};
pub use signature::{check_clearsign_framing, verify_inline, Keyring, SignatureCheck};

/// apt refuses InRelease files larger than this.
const MAX_RELEASE: u64 = 10 << 20;
/// apt tolerates a Date this far in the future (clock skew).
const FUTURE_SLACK: i64 = 10;

/// Failing to run at all (findings are not errors). Each names its
/// subject: the file, the key in the store, the repository's location.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] aptkit_store::Error),
    #[error("cannot read `{}`", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot write `{}`", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("no suite found under dists/ in `{0}`")]
    NoSuites(String),
    /// [`Keyring::from_bytes`] is given bytes, not a file: its caller names
    /// the file.
    #[error("not an OpenPGP keyring")]
    BadKeyring {
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("the keyring holds no OpenPGP key")]
    EmptyKeyring,
}

impl Error {
    /// Whether running again later may succeed: the store was unreachable,
    /// or a read broke off as a network connection does.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Store(e) => e.is_transient(),
            Error::Read { source, .. } => aptkit_store::is_transient_io(source),
            _ => false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Signature,
    Freshness,
    Rollback,
    WeakHashes,
    Missing,
    Size,
    Hash,
    UnsafePath,
    Malformed,
}

/// One failed check: which file, what was expected, what was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub kind: Kind,
    pub file: String,
    pub expected: String,
    pub found: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}: {}: expected {}, found {}", self.kind, self.file, self.expected, self.found)
    }
}

/// A file behind what InRelease says, which no client that follows
/// InRelease reads: a plain index name whose by-hash copy is the one listed,
/// or a `Release`/`Release.gpg` pair older than `InRelease`. A publish in
/// progress, or one that was interrupted, leaves these; its rerun rewrites
/// them. Reported, never a failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stale {
    pub file: String,
    /// What is behind, and what fixes it.
    pub reason: String,
}

impl std::fmt::Display for Stale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.file, self.reason)
    }
}

/// Why a stale file does no harm, and what fixes it.
const STALE_FIX: &str = "left by a publish that is running or was interrupted; clients that follow InRelease \
     are unaffected, and the publish run again rewrites it";

#[derive(Debug, Clone, Default, Serialize)]
pub struct SuiteReport {
    pub suite: String,
    pub date: Option<i64>,
    pub valid_until: Option<i64>,
    pub signed_by: Vec<String>,
    /// Signatures that did not count, and why (unknown key, policy).
    pub ignored_signatures: Vec<String>,
    pub indices_checked: usize,
    pub packages: usize,
    pub pool_files_checked: usize,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub location: String,
    pub suites: Vec<SuiteReport>,
    pub findings: Vec<Finding>,
    /// Files behind InRelease (not failures: see [`Stale`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub stale: Vec<Stale>,
}

impl Report {
    pub fn ok(&self) -> bool {
        self.findings.is_empty()
    }
}

#[derive(Clone)]
pub struct Options {
    pub keyring: Keyring,
    /// Suites to check; empty: every suite with a Release under `dists/`.
    pub suites: Vec<String>,
    /// Also check every pool file's size and SHA-256.
    pub deep: bool,
    /// Refuse a Release older than this many seconds.
    pub max_age: Option<i64>,
    /// Fingerprints that must all have signed (empty: any pinned key).
    pub required_signers: Vec<String>,
    /// The last accepted Date per suite, to refuse a rollback.
    pub state_file: Option<PathBuf>,
    pub now: i64,
    pub threads: usize,
    /// Only these components' indices are required (empty: all listed).
    pub components: Vec<String>,
    /// Only these architectures' indices are required (empty: all listed).
    pub architectures: Vec<String>,
}

impl Options {
    /// Is this index (a path under `dists/<suite>/`) of a wanted component
    /// and architecture? Files of no architecture are always wanted.
    fn wants_path(&self, path: &str) -> bool {
        let Some((component, rest)) = path.split_once('/') else { return true };
        if !self.components.is_empty() && !self.components.iter().any(|c| c == component) {
            return false;
        }
        // `binary-<arch>/`, also under `debian-installer/`; `Contents-<arch>`.
        let arch = rest.split('/').find_map(|d| d.strip_prefix("binary-")).or_else(|| {
            rest.strip_prefix("Contents-")
                .map(|a| a.split('.').next().unwrap_or(a))
                .map(|a| a.strip_prefix("udeb-").unwrap_or(a))
        });
        match arch {
            Some(arch) if !self.architectures.is_empty() => {
                self.architectures.iter().any(|a| a == arch) || arch == "all"
            }
            _ => true,
        }
    }

    /// Is `main/binary-amd64/Packages` among the indices this run requires?
    fn wants(&self, base: &str) -> bool {
        let mut parts = base.split('/');
        let component = parts.next().unwrap_or("");
        let arch = parts.next().and_then(|d| d.strip_prefix("binary-")).unwrap_or("");
        (self.components.is_empty() || self.components.iter().any(|c| c == component))
            && (self.architectures.is_empty() || self.architectures.iter().any(|a| a == arch))
    }
}

/// Progress for deep runs: called with each pool file's size.
pub type OnPoolFile<'a> = &'a (dyn Fn(u64) + Sync);

pub fn verify(store: &dyn Store, opts: &Options, on_pool_file: OnPoolFile<'_>) -> Result<Report, Error> {
    Ok(verify_collecting(store, opts, None, &BTreeMap::new(), on_pool_file)?.0)
}

/// Where a mirror keeps indices it already has: returns the bytes of
/// `key` if a local copy with this SHA-256 exists (verify checks again).
/// Only a mirror passes one, and with it gets the pool listing in
/// [`SuiteData`].
pub(crate) type IndexCache<'a> = &'a (dyn Fn(&str, &str) -> Option<Vec<u8>> + Sync);

/// What a verified suite is made of, for copying it.
pub(crate) struct SuiteData {
    pub suite: String,
    /// Verified index files: path under `dists/<suite>/`, SHA-256, bytes.
    pub indices: Vec<(String, String, Vec<u8>)>,
    pub by_hash: bool,
    /// `Release.gpg`, `Release`, `InRelease` as fetched (those present), in
    /// the order a copy must write them.
    pub release_files: Vec<(String, Vec<u8>)>,
    /// Pool files: Filename -> (Size, SHA256).
    pub pool: BTreeMap<String, (u64, String)>,
    /// Whether this suite had no finding.
    pub clean: bool,
    /// Its files behind InRelease.
    pub stale: Vec<Stale>,
}

/// Verify, and keep what a mirror needs. `known_dates` seeds the rollback
/// check (a mirror's own copy is the last accepted state).
pub(crate) fn verify_collecting(
    store: &dyn Store,
    opts: &Options,
    cache: Option<IndexCache<'_>>,
    known_dates: &BTreeMap<String, i64>,
    on_pool_file: OnPoolFile<'_>,
) -> Result<(Report, Vec<SuiteData>), Error> {
    let mut report = Report { location: store.location(), ..Default::default() };
    let suites = if opts.suites.is_empty() { discover_suites(store)? } else { opts.suites.clone() };
    let mut seen_dates = load_state(opts.state_file.as_deref())?;
    for (suite, date) in known_dates {
        let key = format!("{} {suite}", store.location());
        let last = seen_dates.entry(key).or_insert(*date);
        *last = (*last).max(*date);
    }
    let mut data = Vec::new();
    for suite in &suites {
        let mut findings = Vec::new();
        let (suite_report, mut suite_data) =
            verify_suite(store, suite, opts, cache, &mut findings, &mut seen_dates, on_pool_file)?;
        report.stale.append(&mut suite_data.stale);
        report.suites.push(suite_report);
        data.push(SuiteData { clean: findings.is_empty(), ..suite_data });
        report.findings.extend(findings);
    }
    if let Some(path) = &opts.state_file {
        if report.findings.iter().all(|f| f.kind != Kind::Signature && f.kind != Kind::Rollback) {
            save_state(path, &seen_dates)?;
        }
    }
    Ok((report, data))
}

fn discover_suites(store: &dyn Store) -> Result<Vec<String>, Error> {
    let mut suites: Vec<String> = store
        .list("dists/")?
        .into_iter()
        .filter_map(|m| {
            let rest = m.key.strip_prefix("dists/")?;
            rest.strip_suffix("/InRelease").or_else(|| rest.strip_suffix("/Release")).map(str::to_string)
        })
        .filter(|s| !s.contains("/binary-") && !s.contains("/source"))
        .collect();
    suites.sort();
    suites.dedup();
    if suites.is_empty() {
        return Err(Error::NoSuites(store.location()));
    }
    Ok(suites)
}

/// Read at most `limit` bytes; `true` if the object holds more.
fn read_bounded(store: &dyn Store, key: &str, limit: u64) -> Result<Option<(Vec<u8>, bool)>, Error> {
    let Some(reader) = store.open(key)? else { return Ok(None) };
    let mut bytes = Vec::with_capacity(limit.min(64 << 20) as usize + 1);
    reader
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| Error::Read { path: PathBuf::from(key), source })?;
    let over = bytes.len() as u64 > limit;
    bytes.truncate(limit as usize);
    Ok(Some((bytes, over)))
}

/// Findings for each `--component` and `--arch` that the Release does not
/// list (a component may be listed under a directory: `updates/main`).
fn unknown_selections(opts: &Options, release: &Paragraph, file: &str) -> Vec<Finding> {
    let listed = |field: &str| -> Vec<String> {
        release.get(field).map(|v| v.split_whitespace().map(str::to_string).collect()).unwrap_or_default()
    };
    let components = listed("Components");
    let architectures = listed("Architectures");
    let mut out = Vec::new();
    for wanted in &opts.components {
        if !components
            .iter()
            .any(|c| c == wanted || c.ends_with(&format!("/{wanted}")) || c.starts_with(&format!("{wanted}/")))
        {
            out.push(finding(
                Kind::Missing,
                file,
                format!("component `{wanted}` (asked for)"),
                format!("Components: {}", components.join(" ")),
            ));
        }
    }
    for wanted in &opts.architectures {
        if wanted != "all" && !architectures.iter().any(|a| a == wanted) {
            out.push(finding(
                Kind::Missing,
                file,
                format!("architecture `{wanted}` (asked for)"),
                format!("Architectures: {}", architectures.join(" ")),
            ));
        }
    }
    out
}

fn finding(kind: Kind, file: &str, expected: impl Into<String>, found: impl Into<String>) -> Finding {
    Finding { kind, file: file.to_string(), expected: expected.into(), found: found.into() }
}

fn verify_suite(
    store: &dyn Store,
    suite: &str,
    opts: &Options,
    cache: Option<IndexCache<'_>>,
    findings: &mut Vec<Finding>,
    seen_dates: &mut BTreeMap<String, i64>,
    on_pool_file: OnPoolFile<'_>,
) -> Result<(SuiteReport, SuiteData), Error> {
    let mut report = SuiteReport { suite: suite.to_string(), ..Default::default() };
    let mut data = SuiteData {
        suite: suite.to_string(),
        indices: Vec::new(),
        by_hash: false,
        release_files: Vec::new(),
        pool: BTreeMap::new(),
        clean: false,
        stale: Vec::new(),
    };
    let dists = format!("dists/{suite}");
    let time = UNIX_EPOCH + Duration::from_secs(opts.now.max(0) as u64);

    // 1. The signed Release text: InRelease, else Release + Release.gpg.
    let inrelease_key = format!("{dists}/InRelease");
    let (body, check) = match read_bounded(store, &inrelease_key, MAX_RELEASE)? {
        Some((_, true)) => {
            findings.push(finding(Kind::Size, &inrelease_key, "at most 10 MB", "more"));
            return Ok((report, data));
        }
        Some((bytes, false)) => match signature::verify_inline(&bytes, &opts.keyring, time) {
            Ok(v) => {
                data.release_files.push(("InRelease".into(), bytes));
                v
            }
            Err(e) => {
                findings.push(finding(Kind::Signature, &inrelease_key, "a valid signature by a pinned key", e));
                return Ok((report, data));
            }
        },
        None => {
            let release_key = format!("{dists}/Release");
            let gpg_key = format!("{dists}/Release.gpg");
            match (read_bounded(store, &release_key, MAX_RELEASE)?, read_bounded(store, &gpg_key, 1 << 20)?) {
                (Some((release, false)), Some((sig, false))) => {
                    match signature::verify_detached(&release, &sig, &opts.keyring, time) {
                        Ok(check) => {
                            data.release_files.push(("Release.gpg".into(), sig));
                            data.release_files.push(("Release".into(), release.clone()));
                            (release, check)
                        }
                        Err(e) => {
                            findings.push(finding(Kind::Signature, &gpg_key, "a valid signature by a pinned key", e));
                            return Ok((report, data));
                        }
                    }
                }
                _ => {
                    findings.push(finding(
                        Kind::Missing,
                        &inrelease_key,
                        "InRelease, or Release and Release.gpg",
                        "neither",
                    ));
                    return Ok((report, data));
                }
            }
        }
    };
    if !check.bad.is_empty() {
        findings.push(finding(Kind::Signature, &inrelease_key, "only valid signatures", check.bad.join("; ")));
        return Ok((report, data));
    }
    if check.good.is_empty() {
        let why = if check.rejected.is_empty() {
            "no signature by a pinned key".to_string()
        } else {
            check.rejected.join("; ")
        };
        findings.push(finding(
            Kind::Signature,
            &inrelease_key,
            format!("a signature by one of {}", opts.keyring.fingerprints().join(", ")),
            why,
        ));
        return Ok((report, data));
    }
    for required in &opts.required_signers {
        if !check.good.iter().any(|g| g.eq_ignore_ascii_case(required)) {
            findings.push(finding(
                Kind::Signature,
                &inrelease_key,
                format!("a signature by {required}"),
                check.good.join(", "),
            ));
        }
    }
    report.signed_by = check.good.clone();
    report.ignored_signatures = check.rejected.clone();
    if data.release_files.len() == 1 {
        check_detached_next_to_inline(store, &dists, &body, opts, time, findings, &mut data)?;
    }

    // 2. The Release fields: freshness and hashes.
    let text = String::from_utf8_lossy(&body);
    let release = match parse_paragraphs(&text).ok().and_then(|p| p.into_iter().next()) {
        Some(p) => p,
        None => {
            findings.push(finding(Kind::Malformed, &inrelease_key, "a Release paragraph", "none"));
            return Ok((report, data));
        }
    };
    let date = release.get("Date").and_then(aptkit_index::parse_date);
    report.date = date;
    report.valid_until = release.get("Valid-Until").and_then(aptkit_index::parse_date);
    match date {
        None => findings.push(finding(Kind::Malformed, &inrelease_key, "a Date field", "none")),
        Some(d) if d > opts.now + FUTURE_SLACK => findings.push(finding(
            Kind::Freshness,
            &inrelease_key,
            "a Date not in the future",
            aptkit_index::format_date(d),
        )),
        Some(d) => {
            if let Some(max) = opts.max_age {
                if opts.now - d > max {
                    findings.push(finding(
                        Kind::Freshness,
                        &inrelease_key,
                        format!("a Date at most {max} s old"),
                        aptkit_index::format_date(d),
                    ));
                }
            }
            let state_key = format!("{} {suite}", store.location());
            match seen_dates.get(&state_key) {
                Some(&last) if d < last => findings.push(finding(
                    Kind::Rollback,
                    &inrelease_key,
                    format!("a Date no older than the last accepted {}", aptkit_index::format_date(last)),
                    aptkit_index::format_date(d),
                )),
                _ => {
                    seen_dates.insert(state_key, d);
                }
            }
        }
    }
    if let Some(until) = report.valid_until {
        if until < opts.now {
            findings.push(finding(
                Kind::Freshness,
                &inrelease_key,
                "Valid-Until in the future",
                aptkit_index::format_date(until),
            ));
        }
    }
    let Some(sha256) = release.get("SHA256") else {
        let weak: Vec<&str> = ["MD5Sum", "SHA1"].into_iter().filter(|f| release.get(f).is_some()).collect();
        findings.push(finding(
            Kind::WeakHashes,
            &inrelease_key,
            "a SHA256 section",
            if weak.is_empty() { "no hashes".into() } else { weak.join(" and ") + " only" },
        ));
        return Ok((report, data));
    };
    let by_hash = release.get("Acquire-By-Hash").is_some_and(|v| v.trim() == "yes");
    data.by_hash = by_hash;
    // A component or architecture asked for that the suite does not have
    // would otherwise select no index at all, and a typo would pass.
    for finding in unknown_selections(opts, &release, &inrelease_key) {
        findings.push(finding);
    }

    // 3. Every listed index that is there, bounded by its signed size.
    let mut entries = Vec::new();
    for line in sha256.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let parts: Vec<&str> = line.split_whitespace().collect();
        match (parts.first(), parts.get(1).and_then(|s| s.parse::<u64>().ok()), parts.get(2)) {
            (Some(hash), Some(size), Some(path)) if safe_path(path) => {
                if opts.wants_path(path) {
                    entries.push((hash.to_string(), size, path.to_string()))
                }
            }
            (_, _, Some(path)) => {
                findings.push(finding(Kind::UnsafePath, &format!("{dists}/{path}"), "a path inside the suite", *path))
            }
            _ => findings.push(finding(Kind::Malformed, &inrelease_key, "`hash size path` lines", line)),
        }
    }
    // Index by index, in parallel (each is a read, a hash and its by-hash
    // copy), the outcomes then taken in listed order.
    let checked = aptkit_parallel::try_map(entries.len(), store.concurrency(), |i| {
        let (hash, size, path) = &entries[i];
        check_index(store, cache, &dists, by_hash, hash, *size, path)
    })?;
    // Each verified index's place in `data.indices`, by path.
    let mut verified: BTreeMap<String, usize> = BTreeMap::new();
    let mut absent = Vec::new();
    for ((hash, _, path), outcome) in entries.iter().zip(checked) {
        let Some(IndexCheck { bytes, findings: index_findings, stale: index_stale }) = outcome else {
            absent.push(path);
            continue;
        };
        report.indices_checked += 1;
        findings.extend(index_findings);
        data.stale.extend(index_stale);
        if let Some(bytes) = bytes {
            verified.insert(path.clone(), data.indices.len());
            data.indices.push((path.clone(), hash.clone(), bytes));
        }
    }
    // Listed in a compressed form and absent under every name: apt asks
    // for the form it prefers among those listed and gets a 404 (it then
    // falls back to the next, printing the error), whatever other forms
    // are there. An uncompressed form may be absent: Debian's archive lists
    // `Packages` and serves `Packages.xz`.
    for path in absent {
        if Codec::from_file_name(path) != Codec::Plain {
            let key = format!("{dists}/{path}");
            findings.push(finding(Kind::Missing, &key, "the file Release lists", "nothing (apt gets a 404)"));
        }
    }
    // Every Packages index must be present in at least one form.
    let mut bases: BTreeMap<String, bool> = BTreeMap::new();
    for (_, _, path) in &entries {
        let base = strip_compression(path);
        if base.ends_with("/Packages") && opts.wants(base) {
            *bases.entry(base.to_string()).or_default() |= verified.contains_key(path);
        }
    }
    for (base, present) in &bases {
        if !present {
            findings.push(finding(
                Kind::Missing,
                &format!("{dists}/{base}"),
                "the index in some compression",
                "nothing",
            ));
        }
    }

    // 4. Packages files: parse, check Filename paths, and (deep) the pool.
    let mut pool: BTreeMap<String, (u64, String)> = BTreeMap::new();
    for base in bases.keys() {
        let verified_bytes = |path: &str| verified.get(path).map(|&i| data.indices[i].2.as_slice());
        let text = match decompressed_index(verified_bytes, base) {
            None => continue,
            Some(Ok(text)) => text,
            Some(Err(e)) => {
                findings.push(finding(Kind::Malformed, &format!("{dists}/{base}"), "an index that decompresses", e));
                continue;
            }
        };
        let text = utf8_text(&text);
        let stanzas = match pool_entries(&text) {
            Ok(p) => p,
            Err(e) => {
                findings.push(finding(Kind::Malformed, &format!("{dists}/{base}"), "a Packages file", e));
                continue;
            }
        };
        report.packages += stanzas.len();
        for p in stanzas {
            let (Some(filename), Some(size), Some(sha)) = (p.filename, p.size, p.sha256) else {
                findings.push(finding(
                    Kind::Malformed,
                    &format!("{dists}/{base}"),
                    "Filename, Size and SHA256 in every stanza",
                    p.package.unwrap_or("?"),
                ));
                continue;
            };
            if !safe_path(filename) {
                findings.push(finding(
                    Kind::UnsafePath,
                    &format!("{dists}/{base}"),
                    "a Filename inside the repository",
                    filename,
                ));
                continue;
            }
            // Only a deep check and a mirror (the one caller with a cache)
            // need the listing.
            if opts.deep || cache.is_some() {
                pool.insert(filename.to_string(), (size, sha.to_string()));
            }
        }
    }
    if opts.deep {
        let found = check_pool(store, &pool, opts.threads, on_pool_file)?;
        report.pool_files_checked = pool.len();
        findings.extend(found);
    }
    data.pool = pool;
    Ok((report, data))
}

/// What verification needs of one stanza of a Packages file.
pub(crate) struct PoolEntry<'a> {
    pub package: Option<&'a str>,
    pub filename: Option<&'a str>,
    pub size: Option<u64>,
    pub sha256: Option<&'a str>,
}

/// Every stanza of a Packages file, through deb822-fast's borrowing parser:
/// indices of tens of thousands of stanzas are read on every verify.
pub(crate) fn pool_entries(text: &str) -> Result<Vec<PoolEntry<'_>>, String> {
    deb822_fast::borrowed::iter_paragraphs_borrowed(text)
        .map(|p| {
            let p = p.map_err(|e| e.to_string())?;
            Ok(PoolEntry {
                package: p.get_single("Package"),
                filename: p.get_single("Filename"),
                size: p.get_single("Size").and_then(|s| s.parse().ok()),
                sha256: p.get_single("SHA256"),
            })
        })
        .collect()
}

/// Clients that do not read InRelease use Release and Release.gpg: when
/// they are published next to InRelease they must say the same thing, and
/// a detached signature must be good too.
fn check_detached_next_to_inline(
    store: &dyn Store,
    dists: &str,
    inline_body: &[u8],
    opts: &Options,
    time: std::time::SystemTime,
    findings: &mut Vec<Finding>,
    data: &mut SuiteData,
) -> Result<(), Error> {
    let release_key = format!("{dists}/Release");
    let gpg_key = format!("{dists}/Release.gpg");
    let Some((release, over)) = read_bounded(store, &release_key, MAX_RELEASE)? else { return Ok(()) };
    if over {
        findings.push(finding(Kind::Size, &release_key, "at most 10 MB", "more"));
        return Ok(());
    }
    if release.trim_ascii_end() != inline_body.trim_ascii_end() {
        // A publish writes InRelease first, then Release.gpg and Release:
        // an older Release is one still to be replaced; a newer or undated
        // one is not what any publish leaves.
        let date = |text: &[u8]| {
            utf8_text(text).lines().find_map(|l| l.strip_prefix("Date:")).and_then(aptkit_index::parse_date)
        };
        match (date(&release), date(inline_body)) {
            (Some(old), Some(new)) if old < new => data.stale.push(Stale {
                file: release_key,
                reason: format!(
                    "dated {}, before InRelease's {} ({STALE_FIX})",
                    aptkit_index::format_date(old),
                    aptkit_index::format_date(new)
                ),
            }),
            _ => findings.push(finding(Kind::Hash, &release_key, "the text signed in InRelease", "other text")),
        }
        return Ok(());
    }
    let sig = match read_bounded(store, &gpg_key, 1 << 20)? {
        // InRelease alone is enough for every apt since 0.7.
        None => {
            data.release_files.insert(0, ("Release".into(), release));
            return Ok(());
        }
        Some((_, true)) => {
            findings.push(finding(Kind::Size, &gpg_key, "at most 1 MiB", "more"));
            return Ok(());
        }
        Some((sig, false)) => sig,
    };
    match signature::verify_detached(&release, &sig, &opts.keyring, time) {
        Ok(check) if check.bad.is_empty() && !check.good.is_empty() => {
            data.release_files.insert(0, ("Release".into(), release));
            data.release_files.insert(0, ("Release.gpg".into(), sig));
        }
        // A pinned key's signature that does not match: the signature of
        // the Release before, until the publish writes the new one.
        Ok(check) if !check.bad.is_empty() && check.rejected.is_empty() => data.stale.push(Stale {
            file: gpg_key,
            reason: format!("a signature of another Release than InRelease's ({STALE_FIX})"),
        }),
        Ok(check) => {
            let why = [check.bad, check.rejected].concat().join("; ");
            findings.push(finding(
                Kind::Signature,
                &gpg_key,
                "a valid signature by a pinned key",
                if why.is_empty() { "no signature by a pinned key".into() } else { why },
            ));
        }
        Err(e) => findings.push(finding(Kind::Signature, &gpg_key, "a valid signature by a pinned key", e)),
    }
    Ok(())
}

/// What one index came to: its bytes if they match the Release (none if
/// not), the findings about it or its by-hash copy, and its names that are
/// behind the Release.
pub(crate) struct IndexCheck {
    pub bytes: Option<Vec<u8>>,
    pub findings: Vec<Finding>,
    pub stale: Vec<Stale>,
}

/// Check one index listed in Release (`hash`, `size`, `path`): `None` if it
/// is under none of its names; else its bytes if they match, and what is
/// wrong or behind.
///
/// When the Release says `Acquire-By-Hash: yes`, clients fetch
/// `by-hash/SHA256/<hash>`, so that copy is the index: it must match. The
/// plain name serves clients without by-hash and is replaced after
/// InRelease, so a publish in progress (or interrupted) leaves it behind
/// for a while: stale, not failed. Absent, it is a finding.
fn check_index(
    store: &dyn Store,
    cache: Option<IndexCache<'_>>,
    dists: &str,
    by_hash: bool,
    hash: &str,
    size: u64,
    path: &str,
) -> Result<Option<IndexCheck>, Error> {
    let key = format!("{dists}/{path}");
    let checked = |bytes, findings| Ok(Some(IndexCheck { bytes, findings, stale: Vec::new() }));
    // A copy this mirror already holds is as good as the remote one: both
    // must match the signed hash.
    if let Some(bytes) = cache.and_then(|c| c(&key, hash)).filter(|b| b.len() as u64 == size) {
        if hex::encode(Sha256::digest(&bytes)) == hash {
            return checked(Some(bytes), Vec::new());
        }
    }
    let mut findings = Vec::new();
    let mut by_hash_missing = false;
    if by_hash {
        let dir = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        let hash_key = format!("{dists}/{dir}/by-hash/SHA256/{hash}");
        match read_listed(store, &hash_key, size, hash)? {
            Some(Ok(bytes)) => {
                let mut stale = Vec::new();
                match aptkit_store::holds_exactly(store, &key, &bytes)? {
                    None => findings.push(finding(
                        Kind::Missing,
                        &key,
                        "the index (clients without by-hash read it)",
                        "nothing",
                    )),
                    Some(false) => stale.push(Stale {
                        file: key,
                        reason: format!("other content than the by-hash copy InRelease lists ({STALE_FIX})"),
                    }),
                    Some(true) => {}
                }
                return Ok(Some(IndexCheck { bytes: Some(bytes), findings, stale }));
            }
            // What by-hash clients read is wrong; the plain name is
            // checked too, and said as well if it is wrong (a local store
            // links the two, so one damage shows under both names).
            Some(Err(mismatch)) => {
                findings.push(mismatch_finding(&hash_key, mismatch, "more (stopped reading at the listed size)"))
            }
            None => {
                by_hash_missing = true;
                findings.push(finding(Kind::Missing, &hash_key, "the by-hash copy", "nothing"))
            }
        }
    }
    match read_listed(store, &key, size, hash)? {
        // Under none of its names.
        None if findings.is_empty() || by_hash_missing => Ok(None),
        None => checked(None, findings),
        Some(Ok(bytes)) => checked(Some(bytes), findings),
        Some(Err(mismatch)) => {
            findings.push(mismatch_finding(&key, mismatch, "more (stopped reading at the listed size)"));
            checked(None, findings)
        }
    }
}

/// Object `key`, read no further than the `size` Release lists and checked
/// against its SHA-256: `None` if absent.
fn read_listed(
    store: &dyn Store,
    key: &str,
    size: u64,
    hash: &str,
) -> Result<Option<Result<Vec<u8>, ContentMismatch>>, Error> {
    let Some(reader) = store.open(key)? else { return Ok(None) };
    let mut checked = ContentValidatingReader::new(reader, size, hash);
    // Sized for the signed length (capped all the same), not grown by
    // doubling: 9 MB of Packages would otherwise be copied three times over.
    let mut bytes = Vec::with_capacity(size.min(64 << 20) as usize + 1);
    checked.read_to_end(&mut bytes).map_err(|source| Error::Read { path: PathBuf::from(key), source })?;
    Ok(Some(checked.finish().map(|_| bytes)))
}

/// `main/binary-amd64/Packages.xz` -> `main/binary-amd64/Packages`.
fn strip_compression(path: &str) -> &str {
    Codec::split_extension(path).0
}

/// The text of index `base`, from whichever verified form there is
/// (`verified` gives a path's checked bytes): the plain file as it is, else
/// a compressed one decompressed, to at most
/// [`aptkit_index::MAX_PACKAGES_SIZE`]. `None` if no form was verified;
/// the error names the form that would not decompress.
fn decompressed_index<'a>(
    verified: impl Fn(&str) -> Option<&'a [u8]>,
    base: &str,
) -> Option<Result<std::borrow::Cow<'a, [u8]>, String>> {
    if let Some(plain) = verified(base) {
        return Some(Ok(plain.into()));
    }
    let (path, codec, packed) = Codec::COMPRESSED.into_iter().find_map(|codec| {
        let path = format!("{base}{}", codec.extension());
        verified(&path).map(|bytes| (path, codec, bytes))
    })?;
    let mut text = Vec::new();
    let outcome = decompress::decoder(codec, packed, aptkit_index::MAX_PACKAGES_SIZE)
        .and_then(|mut decoder| decoder.read_to_end(&mut text));
    Some(outcome.map(|_| text.into()).map_err(|e| format!("`{path}`: {e}")))
}

/// An index as text. Valid UTF-8 is the rule, and `str::from_utf8` checks
/// it several times faster than the lossy conversion, which is kept for a
/// damaged file (its stanzas then fail to parse by name).
pub(crate) fn utf8_text(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    std::str::from_utf8(bytes).map_or_else(|_| String::from_utf8_lossy(bytes), std::borrow::Cow::Borrowed)
}

/// Relative, no `..`, no empty components: cannot leave the repository.
fn safe_path(path: &str) -> bool {
    aptkit_store::validate_key(path).is_ok()
}

/// Stream every pool file (in parallel, bounded by its listed size) and
/// compare size and SHA-256.
fn check_pool(
    store: &dyn Store,
    pool: &BTreeMap<String, (u64, String)>,
    threads: usize,
    on_file: OnPoolFile<'_>,
) -> Result<Vec<Finding>, Error> {
    for_each_pool_file(pool, threads, |key, size, sha| {
        let found = check_pool_file(store, key, size, sha)?;
        on_file(size);
        Ok(found)
    })
}

/// Run `each` over every pool file (Filename, Size, SHA256) on `threads`
/// workers. Findings come back sorted by file; the first error stops the
/// run and is returned.
pub(crate) fn for_each_pool_file(
    pool: &BTreeMap<String, (u64, String)>,
    threads: usize,
    each: impl Fn(&str, u64, &str) -> Result<Option<Finding>, Error> + Sync,
) -> Result<Vec<Finding>, Error> {
    let items: Vec<(&String, &(u64, String))> = pool.iter().collect();
    let checked = aptkit_parallel::try_map(items.len(), threads, |i| {
        let (key, (size, sha)) = items[i];
        each(key, *size, sha)
    })?;
    // In the map's order: sorted by file.
    Ok(checked.into_iter().flatten().collect())
}

fn check_pool_file(store: &dyn Store, key: &str, size: u64, sha: &str) -> Result<Option<Finding>, Error> {
    let Some(reader) = store.open(key)? else {
        return Ok(Some(finding(Kind::Missing, key, format!("{size} bytes"), "nothing")));
    };
    let mut checked = ContentValidatingReader::new(reader, size, sha);
    // io::copy reads through a BufReader's own buffer: large reads.
    io::copy(&mut BufReader::with_capacity(256 << 10, &mut checked), &mut io::sink())
        .map_err(|source| Error::Read { path: PathBuf::from(key), source })?;
    Ok(checked.finish().err().map(|mismatch| mismatch_finding(key, mismatch, "more")))
}

/// The finding for a file that is not what its index lists; `more` is
/// what to say of one that is too long.
pub(crate) fn mismatch_finding(key: &str, mismatch: ContentMismatch, more: &str) -> Finding {
    match mismatch {
        ContentMismatch::Size { expected, found: FoundSize::More } => {
            finding(Kind::Size, key, format!("{expected} bytes"), more)
        }
        ContentMismatch::Size { expected, found } => {
            finding(Kind::Size, key, format!("{expected} bytes"), found.to_string())
        }
        ContentMismatch::Sha256 { expected, found } => {
            finding(Kind::Hash, key, format!("SHA256 {expected}"), format!("SHA256 {found}"))
        }
    }
}

fn load_state(path: Option<&Path>) -> Result<BTreeMap<String, i64>, Error> {
    let Some(path) = path else { return Ok(BTreeMap::new()) };
    match fs_err::read(path) {
        Ok(bytes) => Ok(serde_json::from_slice(&bytes).unwrap_or_default()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
        Err(source) => Err(Error::Read { path: path.to_path_buf(), source }),
    }
}

fn save_state(path: &Path, dates: &BTreeMap<String, i64>) -> Result<(), Error> {
    let text = serde_json::to_vec_pretty(dates).expect("a map of dates serialises");
    let tmp = path.with_extension("tmp");
    fs_err::write(&tmp, text)
        .and_then(|_| fs_err::rename(&tmp, path))
        .map_err(|source| Error::Write { path: path.to_path_buf(), source })
}

#[cfg(test)]
mod tests;
