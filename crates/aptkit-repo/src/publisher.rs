//! [`Publisher`]: the one way to publish, for the CLI and for pipelines.
//! It holds what every publish needs (signing keys, the dependency
//! universe, a clock, where events go) and runs a [`PublishAction`]:
//! resolve what to publish, check its dependencies, claim the suite, write
//! it in protocol order ([`crate::publish`]), read back what it wrote
//! ([`crate::readback`]), and only then record it and give the claim back.

use std::time::Duration;

use aptkit_sign::SigningKey;

use crate::ahead::Ahead;
use crate::claim::{Activity, ClaimGuard};
use crate::events::{NoEvents, PublishEvent, PublishEvents};
use crate::lease::Leased;
use crate::package_set::PackageSet;
use crate::publish::{self, PublishReport};
use crate::state::{self, Publication, Source};
use crate::{
    architectures_of, check_name, check_path_part, depcheck, ingest, readback, unknown_publication, Error, Repository,
    Result, Universe,
};

/// Whether a publish checks the dependency closure first.
#[derive(Debug, Clone)]
pub enum Dependencies {
    /// Publish whatever the set holds.
    Skip,
    /// Refuse unless every Depends/Pre-Depends is satisfiable by the set
    /// plus this base (the distribution's own indices).
    Check(Universe),
}

/// A new publication.
#[derive(Debug, Clone)]
pub struct PublishRequest {
    pub prefix: String,
    pub distribution: String,
    pub component: String,
    pub source: Source,
    /// `None`: every architecture in the packages except `all`.
    pub architectures: Option<Vec<String>>,
    pub origin: Option<String>,
    pub label: Option<String>,
    pub valid_for_days: Option<u32>,
    /// Also publish `Contents-<arch>.gz` (off by default, as in aptly).
    pub contents: bool,
}

/// What to publish.
#[derive(Debug, Clone)]
pub enum PublishAction {
    /// A repo or snapshot as a new distribution.
    New(PublishRequest),
    /// Point a snapshot publication at another snapshot.
    Switch { prefix: String, distribution: String, snapshot: String },
    /// Republish a repo publication with the repo's current packages.
    Update { prefix: String, distribution: String },
}

impl PublishAction {
    /// The publication it writes: `prefix/distribution`.
    pub fn publication_id(&self) -> String {
        match self {
            PublishAction::New(r) => state::publication_id(&r.prefix, &r.distribution),
            PublishAction::Switch { prefix, distribution, .. } | PublishAction::Update { prefix, distribution } => {
                state::publication_id(prefix, distribution)
            }
        }
    }
}

/// The time a publish goes by: claims, the Release Date, signatures.
#[derive(Debug, Clone, Copy, Default)]
pub enum Clock {
    /// This machine's clock, read when the publish starts.
    #[default]
    System,
    /// A fixed time (seconds since the epoch), for tests and replays.
    Fixed(i64),
}

impl Clock {
    pub fn now(&self) -> i64 {
        match self {
            Clock::System => {
                std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
            }
            Clock::Fixed(t) => *t,
        }
    }
}

/// A publish that is written, verified and recorded (or, in a dry run,
/// planned: nothing written).
#[derive(Debug, Clone)]
pub struct Published {
    pub publication: Publication,
    pub report: PublishReport,
    /// A dry run's writes, in the order the publish would make them (empty
    /// when they were made).
    pub planned: Vec<aptkit_store::Planned>,
}

/// Publishes with one set of keys, dependency rules, clock and event sink:
/// `Publisher::new(&repo, &keys, deps).events(&sink).wait(ten_minutes).run(action)`.
pub struct Publisher<'a> {
    repository: &'a Repository,
    keys: &'a [SigningKey],
    dependencies: Dependencies,
    clock: Clock,
    events: &'a dyn PublishEvents,
    dry_run: bool,
    wait: Duration,
    lease: Duration,
    generations: Option<usize>,
}

/// What a resolved action publishes: the record to write (without `date`
/// and `signed_by`), its packages, and the publication it replaces.
struct Resolved {
    publication: Publication,
    set: PackageSet,
    previous: Option<(Publication, PackageSet)>,
}

impl<'a> Publisher<'a> {
    pub fn new(repository: &'a Repository, keys: &'a [SigningKey], dependencies: Dependencies) -> Self {
        Publisher {
            repository,
            keys,
            dependencies,
            clock: Clock::System,
            events: &NoEvents,
            dry_run: false,
            wait: Duration::ZERO,
            lease: state::lease_length(),
            generations: None,
        }
    }

    /// How long to wait for a suite another job holds, and to retry one
    /// that changed under this publish ([`crate::wait`]); zero (the
    /// default) refuses at once with the Busy or Stale error.
    pub fn wait(mut self, wait: Duration) -> Self {
        self.wait = wait;
        self
    }

    /// The lease of the claim this publish takes (default
    /// [`state::lease_length`]): renewed every third of it while the
    /// publish works, and what a job killed where it cannot be checked
    /// blocks the suite for at most.
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// How many generations of by-hash copies and pool files the suite
    /// keeps from this publish on, the current one included (1 to
    /// [`state::MAX_KEPT_GENERATIONS`]); `None` (the default) keeps what
    /// its record says ([`state::KEPT_GENERATIONS`] if nothing).
    pub fn keep_generations(mut self, generations: Option<usize>) -> Self {
        self.generations = generations;
        self
    }

    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    pub fn events(mut self, events: &'a dyn PublishEvents) -> Self {
        self.events = events;
        self
    }

    /// Plan instead of publishing: every check and every read a publish
    /// makes, and no write to either store (no claim either: the plan is of
    /// the state as it is now). [`Published::planned`] lists the writes.
    pub fn dry_run(mut self, dry_run: bool) -> Self {
        self.dry_run = dry_run;
        self
    }

    /// Publish: written in protocol order, read back, then recorded. Any
    /// error leaves the previous publication in place and readable;
    /// running the same action again finishes the job. A busy or stale
    /// suite is waited for and retried, resolved anew each time, for as
    /// long as [`Publisher::wait`] allows.
    pub fn run(&self, action: PublishAction) -> Result<Published> {
        if self.keys.is_empty() {
            return Err(aptkit_sign::Error::NoKeys.into());
        }
        let id = action.publication_id();
        crate::wait::retrying(self.wait, &id, self.events, || {
            let resolved = self.resolve(action.clone())?;
            self.publish(resolved)
        })
    }

    fn resolve(&self, action: PublishAction) -> Result<Resolved> {
        match action {
            PublishAction::New(request) => self.resolve_new(request),
            PublishAction::Switch { prefix, distribution, snapshot } => {
                self.resolve_again(&prefix, &distribution, Some(&snapshot))
            }
            PublishAction::Update { prefix, distribution } => self.resolve_again(&prefix, &distribution, None),
        }
    }

    fn resolve_new(&self, req: PublishRequest) -> Result<Resolved> {
        check_path_part("prefix", &req.prefix, true)?;
        // A distribution is one word of an apt sources line and a directory
        // under dists/: no spaces, no `/` (suites must not nest: dropping
        // `stable` would delete `stable/updates`), nothing apt or a URL
        // would read differently.
        check_name("distribution", &req.distribution)?;
        check_name("component", &req.component)?;
        let refs = self.repository.refs()?;
        let id = state::publication_id(&req.prefix, &req.distribution);
        if refs.publication(&req.prefix, &req.distribution).is_some() {
            return Err(Error::PublicationExists(id));
        }
        let set_id = Repository::source_set(&refs, &req.source)?;
        let set = self.repository.load_set(&set_id)?;
        let architectures = match req.architectures {
            Some(a) if !a.is_empty() => {
                if let Some(bad) = a.iter().find(|a| *a == "all" || !ingest::valid_architecture(a)) {
                    return Err(Error::Invalid(format!(
                        "invalid architecture `{bad}` (name machine architectures; `all` packages go into each)"
                    )));
                }
                a
            }
            _ => {
                let found: Vec<String> = architectures_of(&set).into_keys().filter(|a| a != "all").collect();
                if found.is_empty() {
                    return Err(Error::Invalid(format!(
                        "{} has no architecture-specific packages: name the architectures with --architectures",
                        req.source
                    )));
                }
                found
            }
        };
        let publication = Publication {
            architectures,
            origin: req.origin,
            label: req.label,
            valid_for_days: req.valid_for_days,
            contents: req.contents,
            ..Publication::new(req.prefix, req.distribution, req.component, req.source, set_id)
        };
        Ok(Resolved { publication, set, previous: None })
    }

    /// An existing publication again: switched to `snapshot` (snapshot
    /// publications) or with its repo's current packages (repo ones).
    fn resolve_again(&self, prefix: &str, distribution: &str, snapshot: Option<&str>) -> Result<Resolved> {
        let refs = self.repository.refs()?;
        let current = refs
            .publication(prefix, distribution)
            .ok_or_else(|| unknown_publication(&refs, prefix, distribution))?
            .clone();
        let source = match (&current.source, snapshot) {
            (Source::Snapshot(_), Some(name)) => Source::Snapshot(name.to_string()),
            (Source::Repo(_), None) => current.source.clone(),
            (Source::Repo(_), Some(_)) => {
                return Err(Error::Invalid(format!("`{}` publishes a repo: use `publish update`", current.id())))
            }
            (Source::Snapshot(_), None) => {
                return Err(Error::Invalid(format!("`{}` publishes a snapshot: use `publish switch`", current.id())))
            }
        };
        let set_id = Repository::source_set(&refs, &source)?;
        // Two large sets to read: one on each core.
        let (set, previous_set) = std::thread::scope(|scope| {
            let previous = scope.spawn(|| self.repository.load_set(&current.set));
            (self.repository.load_set(&set_id), previous.join().expect("loading a set does not panic"))
        });
        let (set, previous_set) = (set?, previous_set?);
        let publication = Publication { source, set: set_id, ..current.clone() };
        Ok(Resolved { publication, set, previous: Some((current, previous_set)) })
    }

    fn publish(&self, resolved: Resolved) -> Result<Published> {
        let Resolved { mut publication, set, previous } = resolved;
        if let Some(generations) = self.generations {
            if !(1..=state::MAX_KEPT_GENERATIONS).contains(&generations) {
                return Err(Error::Invalid(format!(
                    "keep-generations {generations}: a suite keeps 1 to {} generations",
                    state::MAX_KEPT_GENERATIONS
                )));
            }
            publication.generations = (generations != state::KEPT_GENERATIONS).then_some(generations);
        }
        if let Dependencies::Check(base) = &self.dependencies {
            let problems = depcheck::check(&set, &publication.architectures, base);
            if !problems.is_empty() {
                return Err(Error::Unsatisfiable { publication: publication.id(), problems });
            }
        }
        if self.dry_run {
            return self.plan(publication, set, previous);
        }
        // The chunks this publish must compress are known now: they are
        // compressed while it claims the suite and reads what is in place.
        let ahead = Ahead::default();
        std::thread::scope(|scope| {
            let compressing = match &previous {
                Some((prev, previous_set)) if Ahead::worth_it(&publication, prev) => {
                    let (ahead, publication, set) = (&ahead, publication.clone(), &set);
                    Some(scope.spawn(move || ahead.compress(&publication, set, previous_set)))
                }
                _ => None,
            };
            let published =
                self.publish_claimed(publication, &set, previous.as_ref(), compressing.is_some().then_some(&ahead));
            // Joined here, so that a panic there (the publish compressed
            // what it lacked itself) does not fail a publish that is done.
            if let Some(compressing) = compressing {
                let _ = compressing.join();
            }
            published
        })
    }

    /// The publish itself, from the claim to the record.
    fn publish_claimed(
        &self,
        mut publication: Publication,
        set: &PackageSet,
        previous: Option<&(Publication, PackageSet)>,
        ahead: Option<&Ahead>,
    ) -> Result<Published> {
        let now = self.clock.now();
        // Claims go by this machine's clock whatever the publish is dated:
        // other jobs judge them by theirs.
        let claimed_at = Clock::System.now();
        let state = self.repository.state_store();
        // Claim the suite before writing anything under it: two publishers
        // of one suite must not both overwrite its InRelease.
        let id = publication.id();
        let expected = previous.map(|(p, _)| p.clone());
        let location = self.repository.public_store().location();
        let state_arc = self.repository.state_arc();
        // What is live is read while the claim is taken (see
        // [`publish::read_current`] for why that is safe).
        let (taken, current) = std::thread::scope(|scope| {
            let reading = scope.spawn(|| publish::read_current(self.repository.public_store(), &publication));
            let taken = self.take_claim(state_arc, &id, claimed_at, &publication, expected.as_ref(), &location);
            (taken, reading.join().expect("reading InRelease does not panic"))
        });
        let (guard, Claimed { dropped_date, cut_short, pool_shared }) = taken?;
        if let Some(over) = &guard.taken_over {
            self.events.event(PublishEvent::ClaimTakenOver {
                publication: id.clone(),
                holder: over.holder.clone(),
                since: over.since,
                holder_gone: over.holder_gone,
            });
        }
        if let Some((prev, _)) = previous {
            publication.previous_sets = std::iter::once(prev.set.clone())
                .chain(prev.previous_sets.iter().cloned())
                .filter(|s| *s != publication.set)
                .take(publication.kept_generations() - 1)
                .collect();
        }
        // A claim taken over was held by a publish that died part-way.
        let resuming = cut_short || guard.taken_over.is_some();
        let pending = publication.clone();
        let same = |p: &Publication| p.prefix == pending.prefix && p.distribution == pending.distribution;
        // Marks the suite as cut short, keeping its files from gc: the next
        // publish of it checks everything.
        let mark_unverified = |guard: ClaimGuard, record: &Publication| {
            guard.commit(|refs| {
                refs.unverified.retain(|p| !same(p));
                refs.unverified.push(record.clone());
                Ok(())
            })
        };
        // Failing before it writes, a publish that took over a dead
        // holder's claim must not give back the only sign that the suite
        // was left part-way: it marks the suite instead.
        let current = match current {
            Ok(current) => current,
            Err(e) if guard.taken_over.is_some() => {
                mark_unverified(guard, &pending)?;
                return Err(e);
            }
            Err(e) => return Err(e),
        };
        // Every write to the publish store asks the lease first: a job
        // presumed dead and taken over writes nothing more (above all, no
        // InRelease over the new holder's), and its error says to retry.
        let public = Leased { inner: self.repository.public_store(), lease: guard.lease() };
        let written = publish::publish(publish::PublishInput {
            public: &public,
            state,
            publication,
            set,
            previous: previous.map(|(p, s)| (p, s)),
            dropped_date,
            keys: self.keys,
            now,
            events: self.events,
            resuming,
            pool_may_exist: resuming || pool_shared,
            ahead,
            current,
        });
        let (done, report, signed_at) = match written {
            Ok(written) => written,
            // Stopped part-way: some of it may be live. Its files are kept
            // from gc, and the next publish of the suite checks everything.
            Err(publish::Failed { error, wrote: true }) => {
                // A lost lease: the claim is another job's now, and so is
                // the suite's record.
                guard.check()?;
                mark_unverified(guard, &pending)?;
                return Err(error);
            }
            Err(publish::Failed { error, wrote: false }) => {
                guard.check()?;
                if guard.taken_over.is_some() {
                    mark_unverified(guard, &pending)?;
                }
                return Err(error);
            }
        };
        // Recorded only once it reads back as written: a record always
        // names a publication that clients can read, and a rerun after a
        // failed check places and writes everything again (it starts from
        // the last recorded publication). The new InRelease may be live
        // all the same, so its files are kept from gc meanwhile.
        let checked = match readback::check(self.repository.public_store(), &done, &report, self.keys, signed_at) {
            Ok(checked) => checked,
            Err(e) => {
                mark_unverified(guard, &done)?;
                return Err(e);
            }
        };
        self.events.event(PublishEvent::Verified { indices: checked.indices, pool_files: checked.pool_files });
        guard.check()?;
        guard.commit(|refs| {
            refs.unverified.retain(|p| !same(p));
            match refs.publications.iter().position(same) {
                Some(i) => refs.publications[i] = done.clone(),
                None => refs.publications.push(done.clone()),
            }
            Ok(())
        })?;
        self.events.event(PublishEvent::Committed { publication: done.id(), date: done.date });
        Ok(Published { publication: done, report, planned: Vec::new() })
    }

    /// Claim the suite, in the compare-and-swap that checks its record is
    /// still `expected`, and say what that state says of it.
    fn take_claim(
        &self,
        state_arc: &std::sync::Arc<dyn aptkit_store::Store>,
        id: &str,
        claimed_at: i64,
        publication: &Publication,
        expected: Option<&Publication>,
        location: &str,
    ) -> Result<(ClaimGuard, Claimed)> {
        ClaimGuard::take(state_arc, id, Activity::Publishing, claimed_at, self.lease, |refs| {
            if refs.dropping.iter().any(|p| p.id() == id) {
                return Err(Error::Invalid(format!(
                    "`{id}` is being dropped: run `aptkit publish drop` for it again to finish, then publish"
                )));
            }
            if refs.publication(&publication.prefix, &publication.distribution) != expected {
                return Err(Error::stale(id, format!("publication `{id}` changed since this command read it")));
            }
            // A publish of this suite that failed part-way or did not read
            // back; or pool files another publication placed.
            let cut_short = refs.unverified.iter().any(|p| p.id() == id);
            let pool_shared = refs.publications.iter().chain(&refs.unverified).chain(&refs.dropping).any(|p| {
                p.id() != id && p.prefix == publication.prefix && p.public_store.as_ref().is_none_or(|l| *l == location)
            }) || refs.dropped_prefixes.contains(&publication.prefix);
            Ok(Claimed { dropped_date: refs.dropped_dates.get(id).copied(), cut_short, pool_shared })
        })
    }

    /// The dry run: the publish against stores that record their writes.
    fn plan(
        &self,
        publication: Publication,
        set: PackageSet,
        previous: Option<(Publication, PackageSet)>,
    ) -> Result<Published> {
        let public = aptkit_store::DryRun::new(self.repository.public_store());
        let state = aptkit_store::DryRun::new(self.repository.state_store());
        let refs = self.repository.refs()?;
        let id = publication.id();
        let cut_short = refs.unverified.iter().any(|p| p.id() == id) || refs.claims.contains_key(&id);
        let current = publish::read_current(&public, &publication)?;
        let (done, report, _) = publish::publish(publish::PublishInput {
            public: &public,
            state: &state,
            publication,
            set: &set,
            previous: previous.as_ref().map(|(p, s)| (p, s)),
            dropped_date: refs.dropped_dates.get(&id).copied(),
            keys: self.keys,
            now: self.clock.now(),
            events: self.events,
            resuming: cut_short,
            // Planned writes are checked against the store as it is.
            pool_may_exist: true,
            ahead: None,
            current,
        })
        .map_err(|failed| failed.error)?;
        let mut planned = public.planned();
        planned.extend(state.planned());
        // The claim, then the record with the claim given back.
        for _ in 0..2 {
            let location = self.repository.state_store().location();
            planned.push(aptkit_store::Planned::new("replace-if-match", location, state::REFS_KEY.into(), 0));
        }
        Ok(Published { publication: done, report, planned })
    }
}

/// What the state a suite was claimed in says of it.
struct Claimed {
    /// The Date of its last Release before it was dropped, if it was.
    dropped_date: Option<i64>,
    /// Its last publish failed part-way or did not read back.
    cut_short: bool,
    /// Another publication shares its pool.
    pool_shared: bool,
}
