//! Waiting for a busy suite and retrying a stale one, in the library: N CI
//! jobs that publish one suite at once all land, one after another, with
//! no shell retry loop and no lock server.
//!
//! A job refused as [`ErrorKind::Busy`] (another job holds the suite) or
//! [`ErrorKind::Stale`] (the publication changed since it was read, a
//! compare-and-swap was lost, the claim was taken over) sleeps a backoff
//! with jitter and tries the whole command again, reading the state anew,
//! until its deadline; then it gives up with the last error, wrapped in
//! [`Error::GaveUp`] (still Busy or Stale: exit 75). The jitter keeps
//! jobs that were refused together from coming back together.

use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, Instant};

use crate::events::{PublishEvent, PublishEvents};
use crate::{Error, ErrorKind, Result};

/// The first backoff, and the longest: a publish to S3 takes a second or
/// a few, so a waiting job looks again about that often.
const BASE: Duration = Duration::from_millis(250);
const CAP: Duration = Duration::from_secs(4);

/// Exponential backoff with "equal jitter": the `n`th delay is uniform in
/// `[d/2, d]` with `d = min(cap, base * 2^n)`, so it always grows towards
/// the cap and two jobs refused at once spread apart.
pub struct Backoff {
    attempt: u32,
    base: Duration,
    cap: Duration,
    rng: SplitMix64,
}

impl Backoff {
    /// The publish backoff (250 ms doubling to 4 s), seeded at random.
    pub fn new() -> Backoff {
        Backoff::with(BASE, CAP, random_seed())
    }

    pub fn with(base: Duration, cap: Duration, seed: u64) -> Backoff {
        Backoff { attempt: 0, base, cap, rng: SplitMix64(seed) }
    }

    /// The bound `d` of the next delay (before jitter).
    pub fn ceiling(&self) -> Duration {
        let factor = 1u32.checked_shl(self.attempt.min(20)).unwrap_or(u32::MAX);
        self.base.saturating_mul(factor).min(self.cap)
    }

    /// The next delay, in `[ceiling/2, ceiling]`.
    pub fn next_delay(&mut self) -> Duration {
        let ceiling = self.ceiling();
        self.attempt = self.attempt.saturating_add(1);
        let half = ceiling / 2;
        let spread = (ceiling - half).as_nanos() as u64;
        let jitter = if spread == 0 { 0 } else { self.rng.next() % (spread + 1) };
        half + Duration::from_nanos(jitter)
    }
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff::new()
    }
}

/// A seed no other process shares: std's hasher keys are random per
/// process (and per `RandomState`), mixed with the time and the pid.
pub(crate) fn random_seed() -> u64 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    hasher.write_i64(crate::lease::system_ms());
    hasher.finish()
}

/// SplitMix64: small, fast, and plenty for spreading sleeps.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// Run `attempt` until it succeeds, fails for a reason waiting cannot
/// help, or `wait` has passed: Busy and Stale errors are retried after a
/// backoff (never past the deadline), each said as an event first. With
/// `wait` zero, the first error is returned as it is.
pub(crate) fn retrying<T>(
    wait: Duration,
    publication: &str,
    events: &dyn PublishEvents,
    mut attempt: impl FnMut() -> Result<T>,
) -> Result<T> {
    let started = Instant::now();
    let deadline = started + wait;
    let mut backoff = Backoff::new();
    // The holder last said: a job waiting behind one holder says so once.
    let mut said: Option<(Option<String>, i64)> = None;
    let mut attempts = 0u32;
    loop {
        let err = match attempt() {
            Ok(done) => return Ok(done),
            Err(err) => err,
        };
        attempts += 1;
        if !matches!(err.kind(), ErrorKind::Busy | ErrorKind::Stale) {
            return Err(err);
        }
        let now = Instant::now();
        if wait.is_zero() {
            return Err(err);
        }
        if now >= deadline {
            return Err(Error::GaveUp { waited: started.elapsed().as_secs(), attempts, source: Box::new(err) });
        }
        let delay = backoff.next_delay().min(deadline - now);
        let gives_up_in = (deadline - now).as_secs();
        match err.busy() {
            Some(busy) => {
                let holder = (busy.holder.clone(), busy.since);
                if said.as_ref() != Some(&holder) {
                    events.event(PublishEvent::Waiting {
                        publication: publication.to_string(),
                        held: busy.subject.clone(),
                        holder: busy.holder.clone(),
                        activity: busy.activity,
                        since: busy.since,
                        expires: busy.expires,
                        gives_up_in,
                    });
                    said = Some(holder);
                }
            }
            None => events.event(PublishEvent::Retrying {
                publication: publication.to_string(),
                reason: err.to_string(),
                attempt: attempts,
                retry_in_ms: delay.as_millis() as u64,
            }),
        }
        std::thread::sleep(delay);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_stay_within_their_bounds_and_grow_to_the_cap() {
        let (base, cap) = (Duration::from_millis(100), Duration::from_secs(2));
        for seed in 0..50 {
            let mut backoff = Backoff::with(base, cap, seed);
            let mut ceilings = Vec::new();
            for _ in 0..12 {
                let ceiling = backoff.ceiling();
                let delay = backoff.next_delay();
                assert!(delay >= ceiling / 2 && delay <= ceiling, "{delay:?} outside [{:?}, {ceiling:?}]", ceiling / 2);
                ceilings.push(ceiling);
            }
            assert_eq!(ceilings[..6], [100, 200, 400, 800, 1600, 2000].map(Duration::from_millis));
            assert!(ceilings[6..].iter().all(|c| *c == cap));
        }
    }

    #[test]
    fn jitter_spreads_jobs_refused_together() {
        // Eight jobs refused at the same moment: their first retries differ.
        let firsts: std::collections::BTreeSet<Duration> = (0..8).map(|_| Backoff::new().next_delay()).collect();
        assert!(firsts.len() >= 6, "{firsts:?}");
        // And the spread covers the range, not one corner of it.
        let mut backoff = Backoff::with(Duration::from_secs(1), Duration::from_secs(1), 7);
        let delays: Vec<Duration> = (0..400).map(|_| backoff.next_delay()).collect();
        let low = delays.iter().filter(|d| **d < Duration::from_millis(750)).count();
        assert!((120..=280).contains(&low), "{low} of 400 in the lower half of [0.5 s, 1 s]");
    }

    #[test]
    fn zero_wait_refuses_at_once_and_other_errors_are_not_retried() {
        let mut calls = 0;
        let err = retrying(Duration::ZERO, "stable", &crate::NoEvents, || {
            calls += 1;
            Err::<(), _>(Error::stale("stable", "changed".into()))
        })
        .unwrap_err();
        assert_eq!(calls, 1);
        assert!(matches!(err, Error::Stale { .. }), "{err:?}");
        let mut calls = 0;
        let err = retrying(Duration::from_secs(60), "stable", &crate::NoEvents, || {
            calls += 1;
            Err::<(), _>(Error::Invalid("bad".into()))
        })
        .unwrap_err();
        assert_eq!(calls, 1);
        assert!(matches!(err, Error::Invalid(_)));
    }

    #[test]
    fn stale_is_retried_until_it_passes_or_the_deadline() {
        let events = std::sync::Mutex::new(Vec::new());
        let sink = |e: PublishEvent| events.lock().unwrap().push(e);
        let mut calls = 0;
        let done = retrying(Duration::from_secs(30), "stable", &sink, || {
            calls += 1;
            if calls < 3 {
                Err(Error::stale("stable", "publication `stable` changed since this command read it".into()))
            } else {
                Ok(calls)
            }
        })
        .unwrap();
        assert_eq!(done, 3);
        let events = events.into_inner().unwrap();
        assert_eq!(events.len(), 2, "{events:?}");
        assert!(matches!(&events[1], PublishEvent::Retrying { attempt: 2, .. }), "{events:?}");

        let started = Instant::now();
        let err = retrying(Duration::from_millis(600), "stable", &crate::NoEvents, || {
            Err::<(), _>(Error::stale("stable", "changed".into()))
        })
        .unwrap_err();
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(600) && took < Duration::from_millis(1500), "{took:?}");
        assert_eq!(err.kind(), ErrorKind::Stale);
        assert!(err.is_retryable() && err.to_string().starts_with("gave up after"), "{err}");
    }
}
