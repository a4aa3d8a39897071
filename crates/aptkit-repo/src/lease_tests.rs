//! Leases against a MemoryStore: renewed while held (and not before a
//! third of the lease), lost when taken over, kept through a failed
//! renewal, refused for writes once lost.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use aptkit_store::{Body, Caching, ETag, MemoryStore, ObjectMeta, Store, Written};

use super::Leased;
use crate::claim::{Activity, ClaimGuard};
use crate::state::{self, Claim, REFS_KEY};
use crate::ErrorKind;

/// A MemoryStore that counts writes of the refs document and can be told
/// to fail them as unreachable.
#[derive(Default)]
struct Refs {
    inner: MemoryStore,
    refs_writes: AtomicUsize,
    unreachable: AtomicBool,
}

impl Store for Refs {
    fn location(&self) -> String {
        "memory".into()
    }
    fn get(&self, key: &str) -> aptkit_store::Result<Option<(Vec<u8>, ETag)>> {
        self.inner.get(key)
    }
    fn open(&self, key: &str) -> aptkit_store::Result<Option<Box<dyn std::io::Read + Send>>> {
        self.inner.open(key)
    }
    fn head(&self, key: &str) -> aptkit_store::Result<Option<ObjectMeta>> {
        self.inner.head(key)
    }
    fn put_if_absent(&self, key: &str, body: Body<'_>, caching: Caching) -> aptkit_store::Result<Written> {
        self.inner.put_if_absent(key, body, caching)
    }
    fn put_if_match(&self, key: &str, body: &[u8], expected: Option<&ETag>) -> aptkit_store::Result<Written> {
        if key == REFS_KEY {
            if self.unreachable.load(Ordering::SeqCst) {
                return Err(aptkit_store::Error::Unavailable {
                    op: "write",
                    key: key.into(),
                    location: "memory".into(),
                    source: std::io::Error::from(std::io::ErrorKind::TimedOut),
                });
            }
            self.refs_writes.fetch_add(1, Ordering::SeqCst);
        }
        self.inner.put_if_match(key, body, expected)
    }
    fn put(&self, key: &str, body: Body<'_>, caching: Caching) -> aptkit_store::Result<ETag> {
        self.inner.put(key, body, caching)
    }
    fn list(&self, prefix: &str) -> aptkit_store::Result<Vec<ObjectMeta>> {
        self.inner.list(prefix)
    }
    fn delete(&self, key: &str) -> aptkit_store::Result<()> {
        self.inner.delete(key)
    }
}

fn now() -> i64 {
    super::system_ms() / 1000
}

fn claim_of(store: &dyn Store) -> Option<Claim> {
    state::load(store).unwrap().0.claims.get("stable").cloned()
}

fn take(store: &Arc<Refs>, lease: Duration) -> ClaimGuard {
    let state: Arc<dyn Store> = store.clone();
    ClaimGuard::take(&state, "stable", Activity::Publishing, now(), lease, |_| Ok(())).unwrap().0
}

#[test]
fn a_claim_held_shorter_than_a_third_of_its_lease_costs_two_writes() {
    let store = Arc::new(Refs::default());
    let guard = take(&store, Duration::from_secs(60));
    let claim = claim_of(store.as_ref()).unwrap();
    let expires = claim.expires.unwrap();
    assert!((claim.since + 60..=claim.since + 61).contains(&expires), "{claim:?}");
    std::thread::sleep(Duration::from_millis(300));
    guard.check().unwrap();
    guard.commit(|_| Ok(())).unwrap();
    assert_eq!(store.refs_writes.load(Ordering::SeqCst), 2, "take and commit, no renewal");
    assert!(claim_of(store.as_ref()).is_none());
}

#[test]
fn a_held_lease_is_renewed_every_third_and_stays_live_for_others() {
    let store = Arc::new(Refs::default());
    let guard = take(&store, Duration::from_secs(3));
    let first = claim_of(store.as_ref()).unwrap();
    std::thread::sleep(Duration::from_millis(3500));
    // Renewed at about 1, 2 and 3 s: held past its first expiry.
    assert!((2..=4).contains(&guard.renewals()), "{} renewals", guard.renewals());
    let renewed = claim_of(store.as_ref()).unwrap();
    assert!(renewed.expires.unwrap() >= first.expires.unwrap() + 2, "{first:?} -> {renewed:?}");
    assert_eq!(renewed.since, first.since, "renewal keeps `since`");
    // Past its first expiry, another job still sees a live claim.
    assert!(renewed.is_live(first.expires.unwrap()));
    guard.check().unwrap();
    let writes = store.refs_writes.load(Ordering::SeqCst);
    guard.commit(|_| Ok(())).unwrap();
    assert_eq!(store.refs_writes.load(Ordering::SeqCst), writes + 1);
    // Nothing renews after the commit.
    std::thread::sleep(Duration::from_millis(1300));
    assert_eq!(store.refs_writes.load(Ordering::SeqCst), writes + 1);
    assert!(claim_of(store.as_ref()).is_none());
}

#[test]
fn a_lease_taken_over_is_lost_and_its_holder_writes_nothing_more() {
    let store = Arc::new(Refs::default());
    let guard = take(&store, Duration::from_secs(3));
    // Another job took the claim over (it judged the lease run out).
    state::update(store.as_ref(), |refs| {
        let claim = refs.claims.get_mut("stable").unwrap();
        claim.token = "the other job".into();
        Ok(())
    })
    .unwrap();
    std::thread::sleep(Duration::from_millis(1400));
    let err = guard.check().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Stale);
    assert!(err.to_string().contains("taken over by another job"), "{err}");
    let public = MemoryStore::new();
    let leased = Leased { inner: &public, lease: guard.lease() };
    let refused = leased.put("dists/stable/InRelease", Body::Bytes(b"x"), Caching::Short).unwrap_err();
    assert!(refused.to_string().contains("dists/stable/InRelease"), "{refused}");
    assert!(public.get("dists/stable/InRelease").unwrap().is_none(), "written after the lease was lost");
    let err = guard.commit(|_| Ok(())).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Stale);
    // The other job's claim is untouched.
    assert_eq!(claim_of(store.as_ref()).unwrap().token, "the other job");
}

#[test]
fn a_failed_renewal_is_retried_at_the_next_tick_and_a_lease_never_renewed_runs_out() {
    let store = Arc::new(Refs::default());
    let guard = take(&store, Duration::from_secs(3));
    store.unreachable.store(true, Ordering::SeqCst);
    std::thread::sleep(Duration::from_millis(1300));
    // The first renewal failed; a third of the lease is still left.
    assert_eq!(guard.renewals(), 0);
    guard.check().unwrap();
    store.unreachable.store(false, Ordering::SeqCst);
    std::thread::sleep(Duration::from_millis(1000));
    assert_eq!(guard.renewals(), 1, "the next tick renewed");
    guard.check().unwrap();

    // A store unreachable for the rest of a lease: the holder stops.
    store.unreachable.store(true, Ordering::SeqCst);
    std::thread::sleep(Duration::from_millis(2500));
    let err = guard.check().unwrap_err();
    assert!(err.to_string().contains("ran out before it could be renewed"), "{err}");
    store.unreachable.store(false, Ordering::SeqCst);
    drop(guard);
}

#[test]
fn a_claim_from_before_leases_keeps_its_thirty_minutes() {
    let claim =
        Claim { token: "old".into(), since: 1_000, holder: None, activity: Activity::Publishing, expires: None };
    assert_eq!(claim.expires_at(), 1_000 + state::CLAIM_TTL);
    assert!(claim.is_live(1_000 + state::CLAIM_TTL - 1) && !claim.is_live(1_000 + state::CLAIM_TTL));
    let json = serde_json::to_value(&claim).unwrap();
    assert!(json.get("expires").is_none(), "{json}");
    let leased = Claim { expires: Some(1_060), ..claim };
    assert!(leased.is_live(1_059) && !leased.is_live(1_060));
}
