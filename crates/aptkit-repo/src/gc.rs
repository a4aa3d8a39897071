//! Garbage collection: package sets, .deb blobs, cached index chunks and
//! published pool files that no repo, snapshot or publication references
//! any more, and what interrupted writes left behind.

use std::collections::HashSet;

use aptkit_index::pool_path;
use aptkit_store::Store;

use aptkit_compress::{chunk_id, chunks, Format, Records};

use crate::chunk_cache;
use crate::claim::{Activity, ClaimGuard};
use crate::indices::{packages_index, placed};
use crate::package_set::PackageSet;
use crate::{state, Result};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GcReport {
    /// Keys deleted (or, in a dry run, that would be) in the state store.
    pub state: Vec<String>,
    /// Keys deleted (or that would be) in the publish store.
    pub public: Vec<String>,
    pub bytes: u64,
}

/// How long a superseded by-hash copy is kept by default: a CDN (or a
/// proxy) may serve an InRelease that lists it for as long as it caches
/// InRelease, and clients that fetched that InRelease still ask for it.
pub const BY_HASH_TTL: i64 = 24 * 3600;

pub(crate) fn collect(
    state_arc: &std::sync::Arc<dyn Store>,
    public: &dyn Store,
    min_age: i64,
    by_hash_ttl: i64,
    now: i64,
    dry_run: bool,
) -> Result<GcReport> {
    let state_store = state_arc.as_ref();
    if dry_run {
        // A dry run changes nothing and claims nothing; it reports the
        // pool only when no publish is at work there.
        let (refs, _) = state::load(state_store)?;
        return collect_claimed(state_store, public, (min_age, by_hash_ttl), now, true, !publishing(&refs, now));
    }
    // Deleting pool files while a publish places them would lose the ones
    // it re-references: gc claims the publish store against publishes (and
    // other gcs) first, or, with a publish at work, leaves the pool alone.
    let claimed = ClaimGuard::take_unless(
        state_arc,
        state::GC_CLAIM,
        Activity::Collecting,
        now,
        state::lease_length(),
        |refs| publishing(refs, now),
        |_| Ok(()),
    )?;
    // A gc taken over (presumed dead) deletes no more published files.
    let result = match &claimed {
        Some((guard, ())) => {
            let public = crate::lease::Leased { inner: public, lease: guard.lease() };
            collect_claimed(state_store, &public, (min_age, by_hash_ttl), now, false, true)
                .map_err(|e| guard.check().err().unwrap_or(e))
        }
        None => collect_claimed(state_store, public, (min_age, by_hash_ttl), now, false, false),
    };
    if let Some((guard, ())) = claimed {
        guard.release()?;
    }
    result
}

/// Whether a publish or drop holds a live claim.
fn publishing(refs: &state::Refs, now: i64) -> bool {
    refs.claims.iter().any(|(id, c)| id != state::GC_CLAIM && c.is_live(now))
}

/// The collection itself; the publish store's pool only if `pool_is_ours`
/// (claimed, or a dry run with no publish at work).
fn collect_claimed(
    state_store: &dyn Store,
    public: &dyn Store,
    (min_age, by_hash_ttl): (i64, i64),
    now: i64,
    dry_run: bool,
    pool_is_ours: bool,
) -> Result<GcReport> {
    let (refs, _) = state::load(state_store)?;
    // Unverified publications' files may be live too (their InRelease was
    // written): kept like published ones.
    let live_sets: HashSet<String> = refs.named_sets().cloned().collect();
    let publications: Vec<&state::Publication> = refs.publications.iter().chain(&refs.unverified).collect();
    let mut live_blobs = HashSet::new();
    let mut live_pool = HashSet::new();
    for id in &live_sets {
        let set = PackageSet::load(state_store, id)?;
        for r in set.iter() {
            live_blobs.insert(r.blob_key());
        }
        for p in publications.iter().filter(|p| &p.set == id || p.previous_sets.contains(id)) {
            for r in set.iter() {
                live_pool.insert(p.key(&pool_path(&p.component, r.source(), r.file_name())));
            }
        }
    }
    // The chunks of what is published now are what the next publish reuses.
    let mut live_chunks = HashSet::new();
    for p in &refs.publications {
        let set = PackageSet::load(state_store, &p.set)?;
        let placed = placed(&set, &p.component);
        for arch in &p.architectures {
            let text = packages_index(&placed, arch);
            for range in chunks(&text, Records::Stanzas) {
                let id = chunk_id(&text[range]);
                live_chunks.extend([Format::Gzip, Format::Xz].map(|f| chunk_cache::key(f, &id)));
            }
        }
    }
    let mut report = GcReport::default();
    let old_enough = |modified: i64| now - modified >= min_age;
    let listed = [state_store.list("sets/")?, state_store.list("pool/")?, state_store.list(chunk_cache::PREFIX)?];
    for meta in listed.into_iter().flatten() {
        let live = live_sets.contains(&meta.key) || live_blobs.contains(&meta.key) || live_chunks.contains(&meta.key);
        if !live && old_enough(meta.modified) {
            if !dry_run {
                // A concurrent add may have rewritten it since the listing
                // (and be about to reference it): look again just before.
                match state_store.head(&meta.key)? {
                    Some(now_meta) if old_enough(now_meta.modified) => state_store.delete(&meta.key)?,
                    _ => continue,
                }
            }
            report.bytes += meta.size;
            report.state.push(meta.key);
        }
    }
    // Temporary files and staging directories of writes that never
    // finished (a killed add or publish); young ones may be in use.
    for (store, keys) in [(state_store, &mut report.state), (public, &mut report.public)] {
        for (path, size) in store.sweep_leftovers(min_age, now, dry_run)? {
            report.bytes += size;
            keys.push(path);
        }
    }
    // Only pool trees of prefixes aptkit publishes to are collected, and
    // none while a publish is placing files in them.
    if !pool_is_ours || publishing(&refs, now) {
        return Ok(report);
    }
    let pool_of = |prefix: &str| if prefix.is_empty() { "pool/".to_string() } else { format!("{prefix}/pool/") };
    let prefixes: HashSet<String> =
        publications.iter().map(|p| p.prefix.clone()).chain(refs.dropped_prefixes.iter().cloned()).collect();
    let mut emptied = Vec::new();
    for prefix in prefixes {
        let pool = pool_of(&prefix);
        // index.html pages are `aptkit index-html`'s, not pool files: it
        // deletes those of directories emptied here when it runs next.
        let listed: Vec<_> = public.list(&pool)?.into_iter().filter(|m| !crate::index_html::is_page(&m.key)).collect();
        let mut left = listed.len();
        for meta in listed {
            if !live_pool.contains(&meta.key) && old_enough(meta.modified) {
                if !dry_run {
                    public.delete(&meta.key)?;
                    left -= 1;
                }
                report.bytes += meta.size;
                report.public.push(meta.key);
            }
        }
        // Under gc's claim no publish is placing files here.
        if !dry_run {
            public.remove_empty_dirs(&pool)?;
            if left == 0 {
                emptied.push(prefix);
            }
        }
    }
    collect_by_hash(public, &publications, now, (min_age, by_hash_ttl), dry_run, &mut report)?;
    // A dropped prefix whose pool is empty needs no more collecting.
    if emptied.iter().any(|p| refs.dropped_prefixes.contains(p)) {
        state::update(state_store, |refs| {
            let published: HashSet<&str> = refs.publications.iter().map(|p| p.prefix.as_str()).collect();
            let done: Vec<String> = emptied.iter().filter(|p| !published.contains(p.as_str())).cloned().collect();
            for prefix in done {
                refs.dropped_prefixes.remove(&prefix);
            }
            Ok(())
        })?;
    }
    Ok(report)
}

/// By-hash copies of each publication's suite that none of its kept
/// generations lists (the current one and two before it), once clients
/// cannot be holding an InRelease that lists them: the oldest kept
/// generation became current more than `by_hash_ttl` ago (the CDN's cache
/// time for InRelease; every generation that listed them was superseded by
/// then), and the copy is older than gc's own grace (`min_age`). Records
/// without generation dates go by the copy's age against the longer of the
/// two. A publication recorded before generations were kept is left alone.
/// Listing `dists/<suite>/` is a few objects per generation, never the pool.
fn collect_by_hash(
    public: &dyn Store,
    publications: &[&state::Publication],
    now: i64,
    (min_age, by_hash_ttl): (i64, i64),
    dry_run: bool,
    report: &mut GcReport,
) -> Result<()> {
    for p in publications.iter().filter(|p| !p.by_hash.is_empty()) {
        let dists = p.key(&format!("dists/{}/", p.distribution));
        let records: Vec<&&state::Publication> =
            publications.iter().filter(|q| q.prefix == p.prefix && q.distribution == p.distribution).collect();
        let kept: HashSet<String> =
            records.iter().flat_map(|q| q.by_hash.iter().flatten().map(|path| format!("{dists}{path}"))).collect();
        // When the last generation that listed an unkept copy was superseded
        // at the latest.
        let superseded = records
            .iter()
            .map(|q| (q.by_hash_dates.len() == q.by_hash.len()).then(|| q.by_hash_dates.last().copied()).flatten())
            .collect::<Option<Vec<i64>>>()
            .and_then(|dates| dates.into_iter().max());
        let may_go = |modified: i64| match superseded {
            Some(since) => now - since >= by_hash_ttl && now - modified >= min_age,
            None => now - modified >= min_age.max(by_hash_ttl),
        };
        for meta in public.list(&dists)? {
            if meta.key.contains("/by-hash/") && !kept.contains(&meta.key) && may_go(meta.modified) {
                if !dry_run {
                    public.delete(&meta.key)?;
                }
                report.bytes += meta.size;
                report.public.push(meta.key);
            }
        }
    }
    Ok(())
}
