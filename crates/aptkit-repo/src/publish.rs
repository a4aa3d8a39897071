//! The publish protocol. The order is the contract:
//! 1. pool files, put-if-absent (an existing different object is an error);
//! 2. changed indices to `by-hash/SHA256/<digest>`;
//! 3. `InRelease`;
//! 4. changed indices to their plain names, then `Release.gpg`, `Release`;
//! 5. (the caller) the publication record, by compare-and-swap.
//!
//! apt reads InRelease and then, as it says `Acquire-By-Hash: yes`, the
//! by-hash copies, which exist before InRelease names them and are never
//! replaced: a client updating at any moment of a publish, or after one was
//! killed, sees the old suite or the new one, whole. The plain names and
//! the detached pair serve clients without by-hash (and old ones without
//! InRelease support); they follow InRelease as closely as the store
//! allows, and until they are written `aptkit verify` reports them as
//! stale, not failed. Running the same publish again finishes the job:
//! what is in place is found by a HEAD (or the previous InRelease's
//! hashes) and never sent again.

use std::collections::BTreeMap;
use std::time::{Duration, UNIX_EPOCH};

use aptkit_index::{FileDigests, IndexFile, ReleaseFile};
use aptkit_sign::SigningKey;
use aptkit_store::{Body, Caching, ETag, Store, Written};

use crate::ahead::Ahead;
use crate::events::{PublishEvent, PublishEvents};
use crate::indices::{build_indices, published, publishes, Indices};
use crate::package_set::{PackageRecord, PackageSet};
use crate::state::Publication;
use crate::{Error, Result};

/// What a publish produced, for reports.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct PublishReport {
    pub pool_written: usize,
    pub pool_present: usize,
    /// Index paths written, under `dists/<distribution>/`.
    pub indices: Vec<String>,
    /// Chunks of the compressed `Packages` files, and how many of them had
    /// to be compressed now (the rest came from the chunk cache).
    pub index_chunks: usize,
    pub index_chunks_compressed: usize,
    /// The publish store's keys whose content this publish changed under a
    /// name clients read again (`InRelease`, `Release`, `Release.gpg`, the
    /// plain index names): what a CDN in front of the store must purge.
    /// Never `pool/` or `by-hash/`, whose content never changes under a key.
    pub purge: Vec<String>,
    /// Pool keys written by this publish (not those already there): what
    /// a post-publish check reads back.
    #[serde(skip)]
    pub pool_keys_written: Vec<PoolFileWritten>,
    /// Every index, Release and signature file this publish wrote: its
    /// key, its bytes and (indices) its by-hash key. What the post-publish
    /// check compares with the store.
    #[serde(skip)]
    pub files_written: FilesWritten,
    /// Index keys (plain and by-hash) whose write the store answered with
    /// an ETag that is the MD5 of the bytes sent (S3): the server holds
    /// exactly those bytes, and the post-publish check need not read them.
    #[serde(skip)]
    pub confirmed: std::collections::BTreeSet<String>,
}

/// A pool file this publish wrote.
#[derive(Debug, Clone)]
pub struct PoolFileWritten {
    pub key: String,
    pub size: u64,
    /// The store answered the write with an ETag that is the MD5 the
    /// package's record gives (S3, for an object sent in one part or
    /// copied whole): the server holds exactly those bytes, and the
    /// post-publish check need not ask again.
    pub confirmed: bool,
}

/// Files written, with their bytes; shown by key only.
#[derive(Clone, Default)]
pub struct FilesWritten(pub Vec<(String, Vec<u8>, Option<String>)>);

impl std::fmt::Debug for FilesWritten {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.0.iter().map(|(key, bytes, _)| format!("{key} ({} bytes)", bytes.len()))).finish()
    }
}

pub(crate) struct PublishInput<'a> {
    pub public: &'a dyn Store,
    pub state: &'a dyn Store,
    /// The publication to make: everything but `date` and `signed_by`,
    /// which this step fills in.
    pub publication: Publication,
    pub set: &'a PackageSet,
    /// The publication being replaced, if any: its pool files are known to
    /// be in place and are not touched again.
    pub previous: Option<(&'a Publication, &'a PackageSet)>,
    /// The Date of this suite's last Release before it was dropped, if it was.
    pub dropped_date: Option<i64>,
    pub keys: &'a [SigningKey],
    pub now: i64,
    pub events: &'a dyn PublishEvents,
    /// An earlier publish of this suite may have stopped part-way (its
    /// claim was taken over, or it failed after writing began): nothing
    /// the store holds is taken for granted, and every name is written.
    pub resuming: bool,
    /// Pool files may be there already though the previous publication did
    /// not place them (another publication shares the pool, or a publish
    /// was interrupted): each is looked for (a HEAD) before its body is sent.
    pub pool_may_exist: bool,
    /// New chunks of the indices, being compressed ahead ([`crate::ahead`]).
    pub ahead: Option<&'a Ahead>,
    /// The suite's InRelease (else Release) as it was read while the suite
    /// was claimed ([`read_current`]): its Date, what it lists, and the
    /// version the new InRelease replaces (the fence, in [`write`]).
    pub current: Option<CurrentRelease>,
}

/// A publish that failed, and whether it had begun writing (its suite may
/// then be partly replaced).
pub(crate) struct Failed {
    pub error: Error,
    pub wrote: bool,
}

/// Write the publication; returns it (dated and signed), what was written,
/// and the time it was signed at (later than `input.now` if the Date had to
/// wait for the clock).
pub(crate) fn publish(mut input: PublishInput<'_>) -> std::result::Result<(Publication, PublishReport, i64), Failed> {
    let current = input.current.take();
    let settled = settle(&input, current).map_err(|error| Failed { error, wrote: false })?;
    write(input, settled).map_err(|error| Failed { error, wrote: true })
}

/// What is settled before anything is written.
struct Settled {
    /// The Release Date (strictly increasing) and the time to sign at
    /// (after a wait for the clock, if the Date had to wait).
    date: i64,
    now: i64,
    /// The indices the suite's InRelease lists now, by path, that this
    /// publish need not write (nor, compressed, make) again if unchanged.
    in_place: BTreeMap<String, FileDigests>,
    /// The version of InRelease this publish read (`None`: there was
    /// none): the new one replaces only that version (see [`write`]).
    inrelease: Option<ETag>,
}

fn settle(input: &PublishInput<'_>, current: Option<CurrentRelease>) -> Result<Settled> {
    let publication = &input.publication;
    let last = [current.as_ref().and_then(|c| c.date), input.previous.map(|(p, _)| p.date), input.dropped_date]
        .into_iter()
        .flatten()
        .max();
    let (date, now) = release_date(input.now, last, input.events).map_err(|ahead| Error::DateAhead {
        publication: publication.id(),
        date: aptkit_index::format_date(last.unwrap_or_default()),
        ahead,
    })?;
    // Indices in place under both names: the last publish finished (it was
    // recorded, and none was cut short since), so what it listed is there.
    let inrelease = current.as_ref().and_then(|c| c.inrelease.clone());
    let in_place = match (current, input.previous, input.resuming) {
        (Some(current), Some(_), false) => current.files,
        _ => BTreeMap::new(),
    };
    Ok(Settled { date, now, in_place, inrelease })
}

fn write(input: PublishInput<'_>, settled: Settled) -> Result<(Publication, PublishReport, i64)> {
    let Settled { date, now, in_place, inrelease } = settled;
    let mut publication = input.publication.clone();
    let mut report = PublishReport::default();
    let component = publication.component.clone();
    let dists = format!("dists/{}", publication.distribution);

    // 1. Pool files: those of the packages the indices will list. A set
    // may hold others (a snapshot switched to, with an architecture the
    // publication was not made for): they are said, and not placed.
    let mut left_out: BTreeMap<&str, usize> = BTreeMap::new();
    for record in input.set.iter().filter(|r| !publishes(&publication, r.arch())) {
        *left_out.entry(record.arch()).or_default() += 1;
    }
    if !left_out.is_empty() {
        input.events.event(PublishEvent::ArchitecturesLeftOut {
            publication: publication.id(),
            left_out: left_out.iter().map(|(arch, n)| (arch.to_string(), *n)).collect(),
            publishes: publication.architectures.clone(),
        });
    }
    let placed = published(input.set, &publication);
    // The same bytes (the same control file) sit at the same pool path:
    // files the previous publication placed in this very store are there.
    let location = input.public.location();
    publication.public_store = Some(location.clone());
    let known: std::collections::HashSet<&str> = match input.previous {
        Some((prev, prev_set))
            if prev.component == component && prev.public_store.as_ref().is_none_or(|l| *l == location) =>
        {
            prev_set.iter().map(|r| r.sha256()).collect()
        }
        _ => Default::default(),
    };
    let todo: Vec<&(String, &PackageRecord)> = placed.iter().filter(|(_, r)| !known.contains(r.sha256())).collect();
    input.events.event(PublishEvent::Started {
        publication: publication.id(),
        source: publication.source.to_string(),
        packages: placed.len(),
        pool_files: todo.len(),
    });
    // The indices are built while the pool files are placed (compressing
    // is CPU-bound; placing waits on the store) and uploaded after them.
    let (written, indices) = std::thread::scope(|scope| {
        let building = scope.spawn(|| build_indices(&input, &publication, &placed, &in_place));
        let written = upload_pool(&input, &publication, &todo);
        (written, building.join().expect("building indices does not panic"))
    });
    let written = written?;
    let Indices { files, digests, listed_only, kept, pieces, chunks, chunks_compressed } = indices?;
    publication.pieces = pieces;
    report.pool_written = written.len();
    report.pool_present = placed.len() - written.len();
    report.pool_keys_written = written;
    report.index_chunks = chunks;
    report.index_chunks_compressed = chunks_compressed;

    // 2. Changed indices under their by-hash names, all at once.
    let mut listed = Vec::new();
    let mut changed = Vec::new();
    let mut generation = Vec::new();
    for ((rel, bytes), digests) in files.iter().zip(digests) {
        let (sha256, md5) = (digests.sha256_hex(), digests.md5_hex());
        listed.push(IndexFile { path: rel.clone(), digests });
        let dir = rel.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        generation.push(format!("{dir}/by-hash/SHA256/{sha256}"));
        if in_place.get(rel) == Some(&digests) {
            continue;
        }
        let by_hash = publication.key(&format!("{dists}/{dir}/by-hash/SHA256/{sha256}"));
        changed.push((rel, bytes, by_hash, sha256, md5));
    }
    for file in kept {
        let dir = file.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        generation.push(format!("{dir}/by-hash/SHA256/{}", file.digests.sha256_hex()));
        listed.push(file);
    }
    listed.extend(listed_only);
    listed.sort_by(|a, b| a.path.cmp(&b.path));
    rotate_generations(&mut publication, generation, date);

    // 3. Release, signed while the by-hash copies go up; InRelease first.
    publication.date = date;
    publication.signed_by = input.keys.iter().map(|k| k.fingerprint()).collect();
    let release = ReleaseFile {
        origin: publication.origin.clone(),
        label: publication.label.clone(),
        suite: Some(publication.distribution.clone()),
        codename: Some(publication.distribution.clone()),
        date: Some(date),
        valid_until: publication.valid_for_days.map(|d| date + i64::from(d) * 86_400),
        architectures: publication.architectures.clone(),
        components: vec![component.clone()],
        acquire_by_hash: true,
        files: listed,
        ..Default::default()
    };
    let text = release.to_text();
    // Signatures carry the real time: a Date pushed a second ahead to stay
    // strictly increasing must not make the signature "made in the future".
    let time = UNIX_EPOCH + Duration::from_secs(now.max(0) as u64);
    let (by_hash_confirmed, signed) = std::thread::scope(|scope| {
        let writing = scope.spawn(|| {
            aptkit_parallel::try_map(changed.len(), input.public.concurrency(), |i| {
                let (_, bytes, by_hash, _, md5) = &changed[i];
                put_by_hash(input.public, by_hash, bytes, md5, input.resuming)
            })
        });
        let signed = aptkit_sign::sign_detached(input.keys, text.as_bytes(), time)
            .and_then(|detached| Ok((detached, aptkit_sign::clearsign(input.keys, text.as_bytes(), time)?)));
        (writing.join().expect("writing by-hash copies does not panic"), signed)
    });
    report.confirmed.extend(by_hash_confirmed?.into_iter().flatten());
    let (detached, inline) = signed?;
    let signed_key = |name: &str| publication.key(&format!("{dists}/{name}"));
    // HTTP dates, S3's Last-Modified among them, count whole seconds, and
    // apt revalidates InRelease and the plain index names with
    // If-Modified-Since: a file rewritten within the second its previous
    // version was written is answered 304 to a client that holds that
    // version, which then misses this publish (and, without by-hash, may
    // mix the two). So the mutable names are written at least 1.2 s (a
    // margin for the clocks of two publishers) after the last publish of
    // the suite wrote its own; only back-to-back publishes wait.
    if let Some(until) = input.previous.and_then(|(p, _)| p.written_until_ms) {
        let wait = until + SAME_SECOND_MARGIN_MS - crate::lease::system_ms();
        if wait > 0 {
            std::thread::sleep(Duration::from_millis(wait as u64));
        }
    }
    // The fence: InRelease replaces only the version this publish read.
    // The claim keeps other publishers out, but a holder paused past its
    // lease (a frozen VM, a stopped process) does not know it lost it, and
    // its next write may already be on the wire when it would check: S3
    // refuses that write here, so a newer publish is never replaced.
    let inrelease_key = signed_key("InRelease");
    // A signed file the store's answer confirms (the MD5 of its bytes as
    // ETag) is not read back either; its signature is checked on the very
    // bytes sent ([`crate::readback`]).
    let confirmed = |key: String, etag: &ETag, bytes: &[u8]| {
        etag_is_md5(etag, Some(&FileDigests::of_bytes(bytes).md5_hex())).then_some(key)
    };
    match input.public.put_if_match_cached(&inrelease_key, &inline, inrelease.as_ref(), Caching::Short)? {
        Written::Created(etag) => report.confirmed.extend(confirmed(inrelease_key.clone(), &etag, &inline)),
        Written::Conflict(_) => {
            return Err(Error::stale(
                &publication.id(),
                format!(
                    "`{inrelease_key}` in {} changed while this publish of `{}` was writing (another publish took \
                 its suite over; was this one paused past its claim's lease?); nothing more was written",
                    input.public.location(),
                    publication.id()
                ),
            ))
        }
    }

    // 4. The names clients without by-hash read, as soon after as may be:
    // the changed plain names at once, and meanwhile the detached pair.
    // The signature first: until `Release` is replaced too, it is older
    // than InRelease, which verify reports as stale by its Date. The other
    // way round, an old signature beside the new `Release` reads as a bad
    // one to a keyring that no longer holds the old key.
    let (plain_confirmed, pair_confirmed) = std::thread::scope(|scope| {
        let pair = scope.spawn(|| {
            let mut confirmed_keys = Vec::new();
            for (name, bytes) in [("Release.gpg", &detached[..]), ("Release", text.as_bytes())] {
                let etag = input.public.put(&signed_key(name), Body::Bytes(bytes), Caching::Short)?;
                confirmed_keys.extend(confirmed(signed_key(name), &etag, bytes));
            }
            Ok::<_, Error>(confirmed_keys)
        });
        let plain = aptkit_parallel::try_map(changed.len(), input.public.concurrency(), |i| {
            let (rel, bytes, by_hash, sha256, md5) = &changed[i];
            // A local store links the plain name to its by-hash copy (which
            // never changes) instead of writing the bytes a second time.
            let local = input.public.local_path(by_hash);
            let body = local.as_deref().map_or(Body::Bytes(bytes), Body::Immutable);
            let key = publication.key(&format!("{dists}/{rel}"));
            let etag = input.public.put(&key, body, Caching::Short)?;
            let confirmed = etag_is_md5(&etag, Some(md5)).then(|| key.clone());
            input.events.event(PublishEvent::IndexWritten { key, size: bytes.len() as u64, sha256: sha256.clone() });
            Ok::<_, Error>(confirmed)
        });
        (plain, pair.join().expect("writing Release.gpg and Release does not panic"))
    });
    report.confirmed.extend(plain_confirmed?.into_iter().flatten());
    report.confirmed.extend(pair_confirmed?);
    for (rel, bytes, by_hash, _, _) in &changed {
        let key = publication.key(&format!("{dists}/{rel}"));
        report.indices.push(rel.to_string());
        report.files_written.0.push((key.clone(), bytes.to_vec(), Some(by_hash.clone())));
        report.purge.push(key);
    }
    for (name, bytes) in [("InRelease", inline), ("Release.gpg", detached), ("Release", text.into_bytes())] {
        report.purge.push(signed_key(name));
        report.files_written.0.push((signed_key(name), bytes, None));
    }
    input.events.event(PublishEvent::Signed {
        key: signed_key("InRelease"),
        date,
        signed_by: publication.signed_by.clone(),
    });
    // Recorded with the publication: a later `publish purge` sends the
    // same batch again. What an earlier publish changed and no purge has
    // covered stays in it, or a purge that failed (or never ran) before
    // this publish would leave those names cached at the CDN for good.
    publication.changed = report.purge.clone();
    if let Some((previous, _)) = input.previous {
        let covered = previous.purged.as_ref().is_some_and(|p| p.date == Some(previous.date));
        if !covered {
            publication.changed.extend(previous.changed.iter().cloned());
            publication.changed.sort();
            publication.changed.dedup();
        }
    }
    publication.written_until_ms = Some(crate::lease::system_ms());
    Ok((publication, report, now))
}

/// Make `generation` (listed by the publish dated `date`) the current one
/// of `publication.by_hash`, the older ones after it, at most
/// [`Publication::kept_generations`]; the same set of copies listed again moves to the
/// front. Their dates follow them (see [`Publication::by_hash_dates`]).
fn rotate_generations(publication: &mut Publication, generation: Vec<String>, date: i64) {
    let dated = publication.by_hash_dates.len() == publication.by_hash.len();
    let older = publication.by_hash.iter().enumerate().filter(|(_, g)| **g != generation);
    let older: Vec<(Vec<String>, Option<i64>)> =
        older.map(|(i, g)| (g.clone(), dated.then(|| publication.by_hash_dates[i]))).collect();
    let kept: Vec<(Vec<String>, Option<i64>)> =
        std::iter::once((generation, Some(date))).chain(older).take(publication.kept_generations()).collect();
    publication.by_hash_dates = kept.iter().map(|(_, d)| *d).collect::<Option<Vec<i64>>>().unwrap_or_default();
    publication.by_hash = kept.into_iter().map(|(g, _)| g).collect();
}

/// Put-if-absent, except that when the key may well exist (`look_first`),
/// a HEAD asks first: the body of an object that is there is never sent.
fn put_new(store: &dyn Store, key: &str, body: Body<'_>, look_first: bool) -> Result<Written> {
    if look_first {
        if let Some(meta) = store.head(key)? {
            return Ok(Written::Conflict(Some(meta)));
        }
    }
    Ok(store.put_if_absent(key, body, Caching::Immutable)?)
}

/// An index under its by-hash name; returns the key if the store's answer
/// confirms the bytes. The key is the content's hash: an existing object is
/// this content, unless it was damaged (a publish that did not read back);
/// then the right bytes replace it, which no client can mind.
fn put_by_hash(public: &dyn Store, key: &str, bytes: &[u8], md5: &str, look_first: bool) -> Result<Option<String>> {
    Ok(match put_new(public, key, Body::Bytes(bytes), look_first)? {
        Written::Created(etag) => etag_is_md5(&etag, Some(md5)).then(|| key.to_string()),
        Written::Conflict(_) => {
            if aptkit_store::holds_exactly(public, key, bytes)? != Some(true) {
                public.put(key, Body::Bytes(bytes), Caching::Immutable)?;
            }
            None
        }
    })
}

/// Copy pool files from the state store, several at a time (network stores
/// are latency-bound). Returns the files written now (the rest were there
/// already).
fn upload_pool(
    input: &PublishInput<'_>,
    publication: &Publication,
    todo: &[&(String, &PackageRecord)],
) -> Result<Vec<PoolFileWritten>> {
    let written = aptkit_parallel::try_map(todo.len(), input.public.concurrency(), |i| {
        let (path, record) = todo[i];
        let key = publication.key(path);
        let placed = place_one(input, &key, record)?;
        let written = placed != Placed::Present;
        input.events.event(PublishEvent::PoolPlaced { key: key.clone(), size: record.size(), written });
        let confirmed = placed == Placed::Written { confirmed: true };
        Ok::<_, Error>(written.then(|| PoolFileWritten { key, size: record.size(), confirmed }))
    })?;
    Ok(written.into_iter().flatten().collect())
}

/// What placing one pool file found or did.
#[derive(Debug, PartialEq, Eq)]
enum Placed {
    /// This very file was there already.
    Present,
    /// Written now; `confirmed` when the store's answer names its MD5.
    Written { confirmed: bool },
}

/// Whether an ETag is the MD5 `md5` (hex): what S3 gives an object sent in
/// one part or copied whole, so that bytes need not be read to know them.
fn etag_is_md5(etag: &ETag, md5: Option<&str>) -> bool {
    md5.is_some_and(|md5| etag.0.trim_matches('"').eq_ignore_ascii_case(md5))
}

fn place_one(input: &PublishInput<'_>, key: &str, record: &PackageRecord) -> Result<Placed> {
    let blob = record.blob_key();
    let missing = || Error::CorruptState {
        location: input.state.location(),
        reason: format!("the .deb of {} (`{blob}`) is missing", record.key()),
    };
    // Blobs never change: the publish store chooses how to copy one (a
    // local store hard-links it, S3 copies it server-side, else streams).
    // Whether the blob is there is asked only when the copy fails: a HEAD
    // per pool file up front would double a cold publish's requests.
    let body = Body::Object { store: input.state, key: &blob, size: record.size() };
    let written = match put_new(input.public, key, body, input.pool_may_exist) {
        Ok(written) => written,
        Err(_) if input.state.head(&blob)?.is_none() => return Err(missing()),
        Err(e) => return Err(e),
    };
    let md5 = record.get("MD5sum");
    match written {
        Written::Created(etag) => Ok(Placed::Written { confirmed: etag_is_md5(&etag, md5) }),
        Written::Conflict(meta) => {
            // Left by an interrupted publish, or by another publication:
            // fine if it is this very file, an error otherwise. When the
            // ETag is the record's MD5 and the size agrees, nothing need
            // be read.
            if meta.as_ref().is_some_and(|m| m.size == record.size() && etag_is_md5(&m.etag, md5)) {
                return Ok(Placed::Present);
            }
            let existing = input.public.open(key)?;
            let digests = match existing {
                Some(r) => Some(FileDigests::of_reader(r).map_err(|source| {
                    let location = input.public.location();
                    Error::Store(aptkit_store::Error::Io { op: "read", key: key.to_string(), location, source })
                })?),
                None => None,
            };
            if digests.map(|d| d.sha256_hex()) != Some(record.sha256().to_string()) {
                return Err(Error::PoolMismatch {
                    key: key.to_string(),
                    location: input.public.location(),
                    expected: record.sha256().to_string(),
                });
            }
            Ok(Placed::Present)
        }
    }
}

/// How long after the last publish of a suite wrote its mutable names the
/// next one may write them (see `write`): past the second they were
/// written in, with 200 ms for the skew of two publishers' clocks.
const SAME_SECOND_MARGIN_MS: i64 = 1200;

/// How far ahead of the clock a Release Date may run. Each publish of a
/// suite is dated at least a second after the last (clients and `aptkit
/// verify --state` refuse to go back), so publishing several times a second
/// pushes the Date ahead; apt refuses a Release dated more than 10 s ahead
/// (`Acquire::Max-FutureTime`), so past this lead a publish waits.
pub const MAX_DATE_LEAD: i64 = 5;

/// The longest a publish waits for the clock. A last Release further
/// ahead than this was dated by a wrong clock (here or elsewhere): waiting
/// would look like a hang, so it is an error instead.
const MAX_WAIT: i64 = 60;

/// The Date for a Release after one dated `last` (if any), and the time
/// then: `now`, or later if the Date had to wait for the clock. `Err`: how
/// many seconds ahead of `now` the last one is, when that is too far.
fn release_date(now: i64, last: Option<i64>, events: &dyn PublishEvents) -> std::result::Result<(i64, i64), i64> {
    let date = last.map_or(now, |last| now.max(last + 1));
    let wait = date - now - MAX_DATE_LEAD;
    if wait <= 0 {
        return Ok((date, now));
    }
    if wait > MAX_WAIT {
        return Err(date - 1 - now);
    }
    events.event(PublishEvent::WaitingForClock { seconds: wait, ahead: date - 1 - now });
    std::thread::sleep(Duration::from_secs(wait as u64));
    Ok((date, now + wait))
}

/// What the suite's current InRelease (else Release) says: its Date and
/// the size and digests of each file it lists, by path.
pub(crate) struct CurrentRelease {
    /// InRelease's version, if there is one (else Release was read).
    inrelease: Option<ETag>,
    date: Option<i64>,
    files: BTreeMap<String, FileDigests>,
}

/// The current InRelease (else Release) of `publication`'s suite in
/// `public`. Read before the claim is certain (at the same time as it is
/// taken, one round trip fewer): the claim's compare-and-swap then says no
/// publish of the suite was recorded since the state was read, and the
/// fence on InRelease refuses the new one if anything replaced the version
/// read here in the meantime (a holder paused past its lease).
pub(crate) fn read_current(public: &dyn Store, publication: &Publication) -> Result<Option<CurrentRelease>> {
    current_release(public, &publication.key(&format!("dists/{}", publication.distribution)))
}

fn current_release(public: &dyn Store, dists: &str) -> Result<Option<CurrentRelease>> {
    let (bytes, inrelease) = match public.get(&format!("{dists}/InRelease"))? {
        Some((bytes, etag)) => (bytes, Some(etag)),
        None => match public.get(&format!("{dists}/Release"))? {
            Some((bytes, _)) => (bytes, None),
            None => return Ok(None),
        },
    };
    let text = String::from_utf8_lossy(&bytes);
    let date = text.lines().find_map(|l| l.strip_prefix("Date:")).and_then(aptkit_index::parse_date);
    Ok(Some(CurrentRelease { inrelease, date, files: listed_files(&text) }))
}

/// The files a Release lists in both its MD5Sum and SHA256 sections, with
/// the same size in each: what a publish wrote (it writes both). Anything
/// else is left out, and so is made and written again.
fn listed_files(text: &str) -> BTreeMap<String, FileDigests> {
    // A section's `hash size path` lines, up to the next field (or the
    // signature's blank line).
    let section = |name: &str| -> BTreeMap<&str, (&str, u64)> {
        let mut out = BTreeMap::new();
        let mut lines = text.lines().skip_while(|l| l.trim_end() != name).skip(1);
        while let Some(line) = lines.next().filter(|l| l.starts_with(' ')) {
            if let [hash, size, path] = line.split_whitespace().collect::<Vec<_>>()[..] {
                if let Ok(size) = size.parse() {
                    out.insert(path, (hash, size));
                }
            }
        }
        out
    };
    let md5 = section("MD5Sum:");
    section("SHA256:")
        .into_iter()
        .filter_map(|(path, (sha256, size))| {
            let (md5, md5_size) = md5.get(path)?;
            let mut digests = FileDigests { size, md5: [0; 16], sha256: [0; 32] };
            hex::decode_to_slice(md5, &mut digests.md5).ok()?;
            hex::decode_to_slice(sha256, &mut digests.sha256).ok()?;
            (*md5_size == size).then(|| (path.to_string(), digests))
        })
        .collect()
}
