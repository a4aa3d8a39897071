//! Publishers that wait: many publishing one suite at once all land, one
//! after another; one behind a live claim waits (saying who holds it) and
//! goes ahead once it is given back; with no wait it is refused at once.

mod common;

use std::sync::Mutex;
use std::time::{Duration, Instant};

use aptkit_repo::state::{self, Claim};
use aptkit_repo::{Activity, Dependencies, ErrorKind, PublishAction, PublishEvent, Publisher, Source};

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

#[test]
fn six_threads_adding_and_publishing_one_suite_all_land() {
    let common::Scratch { work: _work, debs, key, repo } = common::scratch();
    let keys = std::slice::from_ref(&key);
    let request = common::request(Source::Repo("main".into()), &["amd64"]);
    Publisher::new(&repo, keys, Dependencies::Skip).run(PublishAction::New(request)).unwrap();
    let events = Mutex::new(Vec::new());
    let sink = |e: PublishEvent| {
        if matches!(e, PublishEvent::Waiting { .. } | PublishEvent::Retrying { .. }) {
            events.lock().unwrap().push(e)
        }
    };
    let started = Instant::now();
    std::thread::scope(|scope| {
        for i in 0..6 {
            let (repo, debs, sink) = (&repo, &debs, &sink);
            scope.spawn(move || {
                let deb = common::tiny_deb(debs, &format!("job{i}"), "1.0");
                repo.repo_add("main", &[deb], &|_, _| {}).unwrap();
                Publisher::new(repo, keys, Dependencies::Skip)
                    .events(sink)
                    .wait(Duration::from_secs(120))
                    .run(common::update("", "stable"))
                    .unwrap_or_else(|e| panic!("job {i}: {}", common::error_chain(&e)));
            });
        }
    });
    let refs = repo.refs().unwrap();
    let published = refs.publication("", "stable").unwrap();
    let set = repo.load_set(&published.set).unwrap();
    let names: Vec<&str> = set.iter().map(|r| r.name()).collect();
    assert_eq!(names, ["job0", "job1", "job2", "job3", "job4", "job5"], "{names:?}");
    assert!(refs.claims.is_empty(), "{:?}", refs.claims);
    let events = events.into_inner().unwrap();
    assert!(!events.is_empty(), "six publishers at once, and none waited or retried");
    eprintln!("6 publishers: {:?}, {} wait/retry events", started.elapsed(), events.len());
}

#[test]
fn a_publish_waits_for_a_live_claim_naming_its_holder_and_goes_ahead_once_it_is_given_back() {
    let common::Scratch { work: _work, debs, key, repo } = common::scratch();
    let keys = std::slice::from_ref(&key);
    repo.repo_add("main", &[common::tiny_deb(&debs, "tiny", "1.0")], &|_, _| {}).unwrap();
    let request = common::request(Source::Repo("main".into()), &["amd64"]);
    Publisher::new(&repo, keys, Dependencies::Skip).run(PublishAction::New(request)).unwrap();
    let holder = state::Holder::this_process().unwrap();
    state::update(repo.state_store(), |refs| {
        let claim = Claim {
            token: "another job".into(),
            since: now(),
            holder: Some(holder.clone()),
            activity: Activity::Publishing,
            expires: Some(now() + 60),
        };
        refs.claims.insert("stable".into(), claim);
        Ok(())
    })
    .unwrap();

    // No wait: refused at once, naming the holder.
    let started = Instant::now();
    let err = Publisher::new(&repo, keys, Dependencies::Skip).run(common::update("", "stable")).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(err.kind(), ErrorKind::Busy);
    assert!(err.to_string().contains(&format!("process {} on {}", holder.pid, holder.host)), "{err}");

    // A wait: it waits, says for whom once, and publishes when the claim goes.
    let events = Mutex::new(Vec::new());
    let sink = |e: PublishEvent| events.lock().unwrap().push(e);
    let state_store = repo.state_store();
    let started = Instant::now();
    std::thread::scope(|scope| {
        scope.spawn(|| {
            std::thread::sleep(Duration::from_millis(1500));
            state::update(state_store, |refs| {
                refs.claims.remove("stable");
                Ok(())
            })
            .unwrap();
        });
        Publisher::new(&repo, keys, Dependencies::Skip)
            .events(&sink)
            .wait(Duration::from_secs(30))
            .run(common::update("", "stable"))
            .unwrap();
    });
    assert!(started.elapsed() >= Duration::from_millis(1500), "it did not wait: {:?}", started.elapsed());
    let events = events.into_inner().unwrap();
    let waiting: Vec<&PublishEvent> = events.iter().filter(|e| matches!(e, PublishEvent::Waiting { .. })).collect();
    assert_eq!(waiting.len(), 1, "said once per holder: {events:?}");
    let PublishEvent::Waiting { held, holder: named, activity, gives_up_in, .. } = waiting[0] else { unreachable!() };
    assert_eq!((held.as_str(), *activity), ("stable", Activity::Publishing));
    assert_eq!(named.as_deref(), Some(format!("process {} on {}", holder.pid, holder.host).as_str()));
    assert!((28..=30).contains(gives_up_in), "{gives_up_in}");
    assert!(matches!(events.last(), Some(PublishEvent::Committed { .. })), "{events:?}");
}

#[test]
fn a_publish_that_waits_gives_up_at_its_deadline_with_the_busy_error() {
    let common::Scratch { work: _work, debs, key, repo } = common::scratch();
    let keys = std::slice::from_ref(&key);
    repo.repo_add("main", &[common::tiny_deb(&debs, "tiny", "1.0")], &|_, _| {}).unwrap();
    let request = common::request(Source::Repo("main".into()), &["amd64"]);
    Publisher::new(&repo, keys, Dependencies::Skip).run(PublishAction::New(request)).unwrap();
    state::update(repo.state_store(), |refs| {
        let claim = Claim {
            token: "another job".into(),
            since: now(),
            holder: None,
            activity: Activity::Publishing,
            expires: Some(now() + 60),
        };
        refs.claims.insert("stable".into(), claim);
        Ok(())
    })
    .unwrap();
    let started = Instant::now();
    let err = Publisher::new(&repo, keys, Dependencies::Skip)
        .wait(Duration::from_secs(2))
        .run(common::update("", "stable"))
        .unwrap_err();
    let took = started.elapsed();
    assert!(took >= Duration::from_secs(2) && took < Duration::from_secs(4), "{took:?}");
    assert_eq!(err.kind(), ErrorKind::Busy);
    assert!(err.busy().is_some() && err.is_retryable());
    let chain = common::error_chain(&err);
    assert!(
        chain.starts_with("gave up after waiting 2 s") && chain.contains("being published by another job"),
        "{chain}"
    );
    // A claim whose lease ran out is taken over without waiting for it.
    state::update(repo.state_store(), |refs| {
        refs.claims.get_mut("stable").unwrap().expires = Some(now() - 1);
        Ok(())
    })
    .unwrap();
    Publisher::new(&repo, keys, Dependencies::Skip).run(common::update("", "stable")).unwrap();
}
