//! Claims by hand: who holds what (`aptkit publish unlock` names the
//! holder), and breaking a claim left by a job that died where its lease
//! is the only way to tell (`--force` for a lease that is still live).

use serde::Serialize;

use crate::claim::{describe, Activity, Busy};
use crate::state::{self, Claim, GC_CLAIM};
use crate::{Error, Repository, Result};

/// One claim, as a person or a script sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClaimInfo {
    /// A publication id (`debian/stable`), or `:gc`.
    pub subject: String,
    /// `process 1234 on ci-runner-7`, where the holder said.
    pub holder: Option<String>,
    pub activity: Activity,
    pub since: i64,
    /// When the lease ends unless its holder renews it.
    pub expires: i64,
    /// Whether its holder may still be at work: the lease has not run out
    /// and the holder is not certainly gone.
    pub live: bool,
}

impl ClaimInfo {
    fn of(subject: &str, claim: &Claim, now: i64) -> ClaimInfo {
        ClaimInfo {
            subject: subject.to_string(),
            holder: claim.holder.as_ref().map(describe),
            activity: if subject == GC_CLAIM { Activity::Collecting } else { claim.activity },
            since: claim.since,
            expires: claim.expires_at(),
            live: claim.is_live(now),
        }
    }
}

impl Repository {
    /// Every claim in the state, by subject.
    pub fn claims(&self, now: i64) -> Result<Vec<ClaimInfo>> {
        let refs = self.refs()?;
        Ok(refs.claims.iter().map(|(subject, claim)| ClaimInfo::of(subject, claim, now)).collect())
    }

    /// Remove the claim on `subject` (a publication id, or `:gc`) by
    /// compare-and-swap, and say whose it was; `None` if nothing holds it.
    /// A live lease is refused ([`Error::LiveClaim`]) unless `force`: its
    /// holder may be at work, and renews it. A holder whose claim is broken
    /// finds out at its next renewal or write, writes nothing more, and
    /// (if it waits) retries.
    pub fn unlock(&self, subject: &str, force: bool, now: i64) -> Result<Option<ClaimInfo>> {
        state::update_if(self.state_store(), |refs| {
            let Some(claim) = refs.claims.get(subject) else { return Ok(None) };
            let info = ClaimInfo::of(subject, claim, now);
            if info.live && !force {
                return Err(Error::LiveClaim(Box::new(Busy {
                    subject: subject.to_string(),
                    activity: info.activity,
                    wanted: info.activity,
                    holder: info.holder.clone(),
                    since: info.since,
                    expires: info.expires,
                })));
            }
            refs.claims.remove(subject);
            Ok(Some(info))
        })
    }
}
