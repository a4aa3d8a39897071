//! Claims: how jobs that share a state store keep out of each other's way
//! without a lock server. A claim is an entry in the refs document, taken
//! and given back by compare-and-swap, naming what it holds (a publication
//! id, or [`GC_CLAIM`]), what its holder does there, since when and who the
//! holder is. A claim is a lease ([`crate::lease`]): its holder renews it
//! while it works, and a claim whose holder died is taken over once its
//! lease runs out, or at once when the holder ran on this machine and is
//! gone ([`Holder::is_gone`]).
//!
//! [`ClaimGuard`] is the one implementation: publish, drop and gc take a
//! claim, do their work, and commit their change to the refs in the same
//! compare-and-swap that gives the claim back; a guard dropped without a
//! commit (an error, a panic) gives it back alone.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::lease::{expiry_after, lease_seconds, system_ms, Lease, Renewer};
use crate::state::{self, Claim, Holder, Refs, GC_CLAIM};
use crate::{Error, Result};

/// What the holder of a claim is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Activity {
    /// Writing a publication (`publish`).
    #[default]
    Publishing,
    /// Deleting a publication's files (`publish drop`).
    Dropping,
    /// Deleting unreferenced files (`gc`).
    Collecting,
    /// Running a release pipeline (`aptkit release`): held for the whole
    /// release, under `:release:<versions>` ([`release_subject`]).
    Releasing,
}

/// The subject a release of `id` claims: one release of the same versions
/// at a time.
pub fn release_subject(id: &str) -> String {
    format!(":release:{id}")
}

/// Another job holds what a command needs: retry when it is done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Busy {
    /// What is held: a publication id (`debian/stable`), or `gc`.
    pub subject: String,
    /// What the holder is doing.
    pub activity: Activity,
    /// What the refused command wanted to do.
    pub wanted: Activity,
    /// `process 1234 on ci-runner-7`, where the holder said.
    pub holder: Option<String>,
    pub since: i64,
    /// When the holder's lease ends unless it renews it (it does while it
    /// works): a holder that died where it cannot be seen blocks until then.
    pub expires: i64,
}

impl std::fmt::Display for Busy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let since = aptkit_index::format_date(self.since);
        let expires = aptkit_index::format_date(self.expires);
        let by = self.holder.as_ref().map(|h| format!("{h}, ")).unwrap_or_default();
        let subject = &self.subject;
        let unlock = if self.subject == "gc" { ":gc".to_string() } else { self.subject.clone() };
        let dead = format!(
            "its lease runs to {expires} unless renewed; `aptkit publish unlock {unlock}` breaks a claim left by a job \
             that died"
        );
        match (self.activity, self.wanted) {
            (Activity::Collecting, Activity::Collecting) => {
                write!(f, "another `aptkit gc` ({by}since {since}) is running; retry when it is done ({dead})")
            }
            (Activity::Collecting, _) => write!(
                f,
                "`aptkit gc` ({by}since {since}) is deleting unreferenced files; retry when it is done ({dead})"
            ),
            (Activity::Publishing, Activity::Dropping) => write!(
                f,
                "`{subject}` is being published by another job ({by}since {since}); drop it when that is done ({dead})"
            ),
            (Activity::Publishing, _) => write!(
                f,
                "`{subject}` is being published by another job ({by}since {since}); retry when it is done ({dead})"
            ),
            (Activity::Dropping, _) => write!(
                f,
                "`{subject}` is being dropped by another job ({by}since {since}); retry when it is done ({dead})"
            ),
            (Activity::Releasing, _) => {
                let id = subject.strip_prefix(":release:").unwrap_or(subject);
                write!(
                    f,
                    "a release of {id} is running in another job ({by}since {since}); retry when it is done, or \
                     continue it with --resume once it has stopped ({dead})"
                )
            }
        }
    }
}

impl std::error::Error for Busy {}

/// A claim that was taken over: its holder died.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TakenOver {
    pub subject: String,
    /// `process 1234 on ci-runner-7`, where the dead holder said.
    pub holder: Option<String>,
    pub since: i64,
    /// True: the holder ran here and is gone; false: the claim expired.
    pub holder_gone: bool,
}

/// A claim held by this process, its lease renewed in the background
/// while it is held; given back when dropped.
pub(crate) struct ClaimGuard {
    state: Arc<dyn aptkit_store::Store>,
    lease: Arc<Lease>,
    renewer: Renewer,
    done: bool,
    pub taken_over: Option<TakenOver>,
}

/// How a claim of `activity` on `subject` stands against the claims in
/// `refs` at `now`: `Err` when another job's live claim is in the way;
/// else the dead claim it replaces, if any. A claim with this job's own
/// `token` is its own: a compare-and-swap whose answer was lost (a timeout,
/// then a retried request refused) may have written it already.
fn check_free(refs: &Refs, subject: &str, wanted: Activity, now: i64, token: &str) -> Result<Option<TakenOver>> {
    let busy = |claim: &Claim, gc: bool| {
        // gc's claim is gc's, whatever an older aptkit wrote in it.
        let activity = if gc { Activity::Collecting } else { claim.activity };
        Error::busy_with(Busy {
            subject: if gc { "gc".to_string() } else { subject.to_string() },
            activity,
            wanted,
            holder: claim.holder.as_ref().map(describe),
            since: claim.since,
            expires: claim.expires_at(),
        })
    };
    // Nothing publishes while gc deletes unreferenced pool files (gc
    // itself is refused below, under its own subject; a drop deletes only
    // `dists/`, which gc leaves alone).
    if wanted == Activity::Publishing {
        if let Some(gc) = refs.claims.get(GC_CLAIM).filter(|c| c.is_live(now)) {
            return Err(busy(gc, true));
        }
    }
    let Some(claim) = refs.claims.get(subject) else { return Ok(None) };
    if claim.token == token {
        return Ok(None);
    }
    if claim.is_live(now) {
        return Err(busy(claim, subject == GC_CLAIM));
    }
    Ok(Some(TakenOver {
        subject: subject.to_string(),
        holder: claim.holder.as_ref().map(describe),
        since: claim.since,
        holder_gone: claim.holder.is_some() && now < claim.expires_at(),
    }))
}

pub(crate) fn describe(holder: &Holder) -> String {
    format!("process {} on {}", holder.pid, holder.host)
}

/// A token no other claim has: this process and the time.
fn new_token(activity: Activity) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("{activity:?}-{}-{nanos}", std::process::id()).to_lowercase()
}

impl ClaimGuard {
    /// Take the claim on `subject` for `activity`, in the same
    /// compare-and-swap as `prepare`, which sees (and may change) the refs
    /// the claim is taken in and may refuse by returning an error (it may
    /// run several times). Refused with [`Error::Busy`] while another job
    /// holds `subject`, or gc runs.
    pub fn take<T>(
        state: &Arc<dyn aptkit_store::Store>,
        subject: &str,
        activity: Activity,
        now: i64,
        lease: Duration,
        mut prepare: impl FnMut(&mut Refs) -> Result<T>,
    ) -> Result<(ClaimGuard, T)> {
        Self::take_unless(state, subject, activity, now, lease, |_| false, |refs| prepare(refs))
            .map(|taken| taken.expect("never skipped"))
    }

    /// [`ClaimGuard::take`], except that when `skip` says so of the refs
    /// nothing is taken or changed and the answer is `None`.
    #[allow(clippy::too_many_arguments)]
    pub fn take_unless<T>(
        state: &Arc<dyn aptkit_store::Store>,
        subject: &str,
        activity: Activity,
        now: i64,
        lease: Duration,
        skip: impl Fn(&Refs) -> bool,
        mut prepare: impl FnMut(&mut Refs) -> Result<T>,
    ) -> Result<Option<(ClaimGuard, T)>> {
        let token = new_token(activity);
        let mut taken_over = None;
        let taken_ms = system_ms();
        let expires = (now + lease_seconds(lease)).max(expiry_after(taken_ms, lease_seconds(lease) * 1000));
        let taken = state::update_if(state.as_ref(), |refs| {
            let over = check_free(refs, subject, activity, now, &token)?;
            if skip(refs) {
                return Ok(None);
            }
            let out = prepare(refs)?;
            taken_over = over;
            let holder = Holder::this_process();
            let claim = Claim { token: token.clone(), since: now, holder, activity, expires: Some(expires) };
            refs.claims.insert(subject.to_string(), claim);
            Ok(Some(out))
        })?;
        Ok(taken.map(|out| {
            let lease = Arc::new(Lease::new(subject, &token, lease, expires, taken_ms));
            let renewer = Renewer::start(state.clone(), lease.clone());
            let guard = ClaimGuard { state: state.clone(), lease, renewer, done: false, taken_over };
            (guard, out)
        }))
    }

    /// `Ok` while the claim is certainly this job's ([`Lease::check`]):
    /// to be asked before each write that must not come from a job that
    /// was presumed dead (the suite's InRelease), and before committing.
    pub fn check(&self) -> Result<()> {
        self.lease.check()
    }

    /// The lease, for a store that refuses writes once it is lost.
    pub fn lease(&self) -> &Lease {
        &self.lease
    }

    /// How many renewals this claim's lease has written.
    #[allow(dead_code)]
    pub fn renewals(&self) -> usize {
        self.lease.renewals()
    }

    /// Give the claim back and apply `change` to the refs, in one
    /// compare-and-swap; refused with [`Error::Stale`] if another job took
    /// the claim over meanwhile (this one was presumed dead).
    pub fn commit<T>(mut self, mut change: impl FnMut(&mut Refs) -> Result<T>) -> Result<T> {
        // No renewal may race the commit (or follow it).
        self.renewer.stop();
        let (subject, token) = (self.lease.subject().to_string(), self.lease.token().to_string());
        let out = state::update(self.state.as_ref(), |refs| {
            if refs.claims.get(&subject).is_none_or(|c| c.token != token) {
                let reason = format!("the claim on `{subject}` was taken over by another job");
                return Err(Error::stale(&subject, reason));
            }
            refs.claims.remove(&subject);
            change(refs)
        })?;
        self.done = true;
        Ok(out)
    }

    /// Give the claim back, changing nothing else.
    pub fn release(mut self) -> Result<()> {
        self.done = true;
        self.give_back()
    }

    fn give_back(&mut self) -> Result<()> {
        self.renewer.stop();
        let (subject, token) = (self.lease.subject(), self.lease.token());
        state::update_if(self.state.as_ref(), |refs| {
            if refs.claims.get(subject).is_some_and(|c| c.token == token) {
                refs.claims.remove(subject);
                return Ok(Some(()));
            }
            // Taken over or broken: nothing of this job's to give back.
            Ok(None)
        })
        .map(|_| ())
    }
}

impl Drop for ClaimGuard {
    fn drop(&mut self) {
        if !self.done {
            // Best effort: a claim that cannot be given back now expires,
            // or is taken over once this process is gone.
            let _ = self.give_back();
        }
    }
}

/// A claim held for work that is not this crate's (a release pipeline):
/// taken with [`crate::Repository::hold`], its lease renewed in the
/// background while it is held, given back when released or dropped.
pub struct Held {
    guard: ClaimGuard,
}

impl Held {
    /// `Ok` while the claim is certainly this job's: ask before each step
    /// that must not come from a job presumed dead.
    pub fn check(&self) -> Result<()> {
        self.guard.check()
    }

    /// The dead holder this claim replaced, if it replaced one.
    pub fn taken_over(&self) -> Option<&TakenOver> {
        self.guard.taken_over.as_ref()
    }

    /// Give the claim back.
    pub fn release(self) -> Result<()> {
        self.guard.release()
    }
}

impl crate::Repository {
    /// Claim `subject` for `activity` until the [`Held`] is released or
    /// dropped; refused with [`Error::Busy`] (naming the holder) while
    /// another job's live claim holds it. A claim whose holder died is
    /// taken over as a publish's is ([`Held::taken_over`] says whose).
    pub fn hold(&self, subject: &str, activity: Activity, now: i64) -> Result<Held> {
        let (guard, ()) =
            ClaimGuard::take(self.state_arc(), subject, activity, now, state::lease_length(), |_| Ok(()))?;
        Ok(Held { guard })
    }
}
