//! What a publish reports while it works: typed events, in the order the
//! publish protocol takes its steps (notes about waiting, retrying, the
//! claim, the clock and left-out packages come before `Started`; a failed publish ends with the
//! error it returns, not an event). The library never prints; a caller
//! renders these as progress bars, log lines or JSON (each event
//! serialises to one object tagged `"event"`).

use std::collections::BTreeMap;

use serde::Serialize;

/// One step of a publish, as it happens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum PublishEvent {
    /// The suite is claimed and the publish begins.
    Started {
        publication: String,
        source: String,
        packages: usize,
        /// Pool files to place (the rest are known to be in place).
        pool_files: usize,
    },
    /// The claim on the suite was left by a job that died, and is taken
    /// over.
    ClaimTakenOver {
        publication: String,
        /// `process 1234 on ci-runner-7`, where the dead job said.
        holder: Option<String>,
        since: i64,
        /// True: the holder ran on this machine and is gone; false: its
        /// claim expired.
        holder_gone: bool,
    },
    /// Another job holds the suite (or gc runs): this one waits, looking
    /// again after a backoff, until it is free or the wait runs out. Said
    /// once per holder.
    Waiting {
        /// The publication this job wants.
        publication: String,
        /// What is held: the publication, or `gc`.
        held: String,
        /// `process 1234 on ci-runner-7`, where the holder said.
        holder: Option<String>,
        activity: crate::Activity,
        since: i64,
        /// When the holder's lease ends unless it renews it.
        expires: i64,
        /// Seconds until this job gives up.
        gives_up_in: u64,
    },
    /// The state changed under this job (another job published the suite,
    /// a compare-and-swap was lost, its claim was taken over): it reads the
    /// state again and retries after a backoff.
    Retrying { publication: String, reason: String, attempt: u32, retry_in_ms: u64 },
    /// Each Release is dated a second after the last, and the last is too
    /// far ahead of the clock (apt refuses a Date over 10 s ahead): wait.
    WaitingForClock { seconds: i64, ahead: i64 },
    /// Packages of architectures the suite does not publish: not placed,
    /// not indexed (a suite's architectures are chosen when it is first
    /// published).
    ArchitecturesLeftOut { publication: String, left_out: BTreeMap<String, usize>, publishes: Vec<String> },
    /// A pool file is in place: `written` now, or found there already.
    PoolPlaced { key: String, size: u64, written: bool },
    /// An index file is written, under its by-hash name and its plain name.
    IndexWritten { key: String, size: u64, sha256: String },
    /// `Release` is signed, `Release.gpg`, `Release` and `InRelease` written.
    Signed { key: String, date: i64, signed_by: Vec<String> },
    /// What was written reads back as it was meant to.
    Verified { indices: usize, pool_files: usize },
    /// The publication record is committed and the claim given back.
    Committed { publication: String, date: i64 },
    /// After the commit: a CDN is asked to invalidate `paths` paths.
    Invalidating { cdn: String, paths: usize, reference: String },
    /// The CDN accepted the invalidation (or, `already`, it had been sent
    /// before and nothing was sent now).
    Invalidated { cdn: String, invalidation: String, already: bool },
    /// The invalidation has completed (waited for).
    InvalidationCompleted { cdn: String, invalidation: String },
}

/// Where a publish sends its events. Called from several threads at once
/// (pool files are placed in parallel).
pub trait PublishEvents: Sync {
    fn event(&self, event: PublishEvent);
}

impl<F: Fn(PublishEvent) + Sync> PublishEvents for F {
    fn event(&self, event: PublishEvent) {
        self(event)
    }
}

/// Events nobody listens to.
pub struct NoEvents;

impl PublishEvents for NoEvents {
    fn event(&self, _event: PublishEvent) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_serialise_as_tagged_objects() {
        let event =
            PublishEvent::PoolPlaced { key: "pool/main/h/hello/hello_1.0_all.deb".into(), size: 9, written: true };
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(json["event"], "pool-placed");
        assert_eq!(json["key"], "pool/main/h/hello/hello_1.0_all.deb");
        assert_eq!(json["written"], true);
        let taken =
            PublishEvent::ClaimTakenOver { publication: "stable".into(), holder: None, since: 1, holder_gone: false };
        assert_eq!(serde_json::to_value(&taken).unwrap()["event"], "claim-taken-over");
    }
}
