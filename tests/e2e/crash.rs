//! Publishing to S3 (moto) killed at every one of its writes, faults
//! injected, and clients updating while publishes run: a loopback proxy
//! between aptkit and moto holds the Nth write so that each moment is
//! exact, and counts every request.
//!
//! At every moment a real apt client (by-hash, the default when the
//! Release says `Acquire-By-Hash: yes`) updates without error, `aptkit
//! verify` of the bucket passes, and the rerun finishes without sending the
//! body of any object that is already there.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::Duration;

use aptkit_tests::moto::{Moto, MOTO_ENV};
use aptkit_tests::proxy::{Fault, Logged, Proxy};
use aptkit_tests::*;

const BUCKET: &str = "crash";

/// moto, the proxy in front of it, and a working directory whose
/// aptkit.toml puts both stores in the bucket, reached through the proxy.
struct Setup {
    moto: Moto,
    proxy: Proxy,
    dir: tempfile::TempDir,
    /// One source of packages, packaged in a new version for each step.
    tree: (tempfile::TempDir, PathBuf),
}

impl Setup {
    fn new() -> Setup {
        let moto = Moto::start();
        moto.create_bucket(BUCKET);
        let proxy = Proxy::start(moto.port);
        let dir = tempfile::tempdir().unwrap();
        let config = format!(
            "state = \"s3://{BUCKET}/state\"\npublic = \"s3://{BUCKET}/public\"\n\
             [s3]\nendpoint_url = \"{}\"\nforce_path_style = true\n",
            proxy.endpoint()
        );
        std::fs::write(dir.path().join("aptkit.toml"), config).unwrap();
        // Served to anyone under public/, as a bucket behind a CDN or
        // website endpoint is: apt reads it with plain GETs.
        let policy = format!(
            "{{\"Version\":\"2012-10-17\",\"Statement\":[{{\"Effect\":\"Allow\",\"Principal\":\"*\",\
             \"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::{BUCKET}/public/*\"}}]}}"
        );
        require_tool("aws");
        run_ok(
            Command::new("aws")
                .args(["--endpoint-url", &moto.endpoint(), "s3api", "put-bucket-policy", "--bucket", BUCKET])
                .args(["--policy", &policy])
                .envs(MOTO_ENV),
        );
        let setup = Setup { moto, proxy, dir, tree: example_copy() };
        setup.run(&["key", "generate", "--output", "key.asc"]);
        setup.run(&["key", "export", "--key", "key.asc", "--output", "key.gpg"]);
        setup.run(&["repo", "create", "main"]);
        setup
    }

    fn d(&self) -> &Path {
        self.dir.path()
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = aptkit();
        cmd.current_dir(self.d()).envs(MOTO_ENV).args(args);
        cmd
    }

    fn run(&self, args: &[&str]) -> String {
        stdout(&run_ok(&mut self.cmd(args)))
    }

    /// Package the example as version `1.N-1` and add it to the repo.
    fn add_version(&self, n: usize) {
        let (_out, debs) = package(&self.tree.1, &["--version", &format!("1.{n}-1")]);
        self.run(&["repo", "add", "main", debs[0].parent().unwrap().to_str().unwrap()]);
    }

    /// Snapshots `one` (version 1.0-1) and `two` (1.1-1), and `one`
    /// published as `stable`: a suite to switch back and forth.
    fn publish_two_snapshots(&self) {
        self.add_version(0);
        self.run(&["snapshot", "create", "one", "from", "repo", "main"]);
        self.add_version(1);
        self.run(&["snapshot", "create", "two", "from", "repo", "main"]);
        self.run(&["publish", "snapshot", "one", "-d", "stable", "--key", "key.asc", "--skip-dependency-check"]);
    }

    fn publish_args(&self) -> Vec<&'static str> {
        vec!["publish", "update", "stable", "--key", "key.asc", "--skip-dependency-check", "--progress", "plain"]
    }

    fn spawn_publish(&self) -> Child {
        self.cmd(&self.publish_args())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    }

    /// A client reading the bucket straight from moto, as apt would read
    /// it from S3 or a CDN.
    fn apt(&self) -> AptClient {
        let line = format!(
            "deb [signed-by={}] http://127.0.0.1:{}/{BUCKET}/public stable main",
            self.d().join("key.gpg").display(),
            self.moto.port
        );
        AptClient::new(&line, false)
    }

    /// `aptkit verify` of the bucket: (exit code, output).
    fn verify(&self, extra: &[&str]) -> (i32, String) {
        let location = format!("s3://{BUCKET}/public");
        let out = self.cmd(&["verify", &location, "--keyring", "key.gpg"]).args(extra).output().unwrap();
        (out.status.code().unwrap_or(-1), format!("{}{}", stdout(&out), stderr(&out)))
    }
}

/// The key of a logged request under the bucket (`public/pool/…`).
fn object_key(logged: &Logged) -> String {
    let path = logged.path.split('?').next().unwrap_or("");
    let key = path.strip_prefix(&format!("/{BUCKET}/")).unwrap_or(path);
    percent_decode(key)
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

/// The keys of a `--dry-run --json` plan, in order, under the bucket as
/// [`object_key`] gives them (`public/pool/…`, `state/refs.json`).
fn planned_keys(plan: &serde_json::Value) -> Vec<String> {
    let planned = plan["plan"].as_array().expect("a plan");
    planned
        .iter()
        .map(|p| {
            let location = p["location"].as_str().unwrap().trim_start_matches(&format!("s3://{BUCKET}/")).to_string();
            format!("{location}/{}", p["key"].as_str().unwrap())
        })
        .collect()
}

/// Puts of a body to keys under `public/pool/` in `log`.
fn pool_puts(log: &[Logged]) -> Vec<(String, u16)> {
    log.iter()
        .filter(|l| l.method == "PUT" && object_key(l).starts_with("public/pool/"))
        .map(|l| (object_key(l), l.status))
        .collect()
}

#[test]
fn a_publish_killed_at_every_write_leaves_a_bucket_apt_and_verify_accept_and_resumes_without_reuploading() {
    let s = Setup::new();
    s.add_version(0);
    s.run(&["publish", "repo", "main", "-d", "stable", "--key", "key.asc", "--skip-dependency-check"]);
    let client = s.apt();
    let (ok, log) = client.update();
    assert!(ok, "{log}");
    // Pool keys in the bucket, as the proxy saw them written.
    let mut in_bucket: BTreeSet<String> =
        pool_puts(&s.proxy.log()).into_iter().filter(|(_, status)| *status == 200).map(|(k, _)| k).collect();
    assert_eq!(in_bucket.len(), 4, "{in_bucket:?}");

    let mut moment = 1;
    loop {
        s.add_version(moment);
        s.proxy.clear_log();
        s.proxy.hold_write(moment);
        let mut child = s.spawn_publish();
        let held = s.proxy.wait_held(|| child.try_wait().unwrap().is_some());
        let Some(held) = held else {
            // The publish finished before its `moment`th write: every
            // moment has been tried.
            assert!(child.wait().unwrap().success(), "the publish with nothing held failed");
            s.proxy.release();
            break;
        };
        child.kill().unwrap();
        child.wait().unwrap();
        s.proxy.release();
        let context = format!("killed at write #{moment} ({} {})", held.method, object_key(&held));
        for (key, _) in pool_puts(&s.proxy.log()).into_iter().filter(|(_, status)| *status == 200) {
            in_bucket.insert(key);
        }

        // Readable by apt, the old client and a new one, by-hash.
        for c in [&client, &s.apt()] {
            let (ok, log) = c.update();
            assert!(ok, "{context}: apt-get update failed:\n{log}");
        }
        // And a good repository to verify, stale plain names at most.
        let (code, text) = s.verify(&[]);
        assert_eq!(code, 0, "{context}: verify:\n{text}");

        // The rerun finishes, sending no body to a pool key already there.
        s.proxy.clear_log();
        s.run(&s.publish_args());
        for (key, status) in pool_puts(&s.proxy.log()) {
            assert!(!in_bucket.contains(&key), "{context}: the rerun sent {key} again (answered {status})");
            assert_eq!(status, 200, "{context}: the rerun's put of {key} was answered {status}");
            in_bucket.insert(key);
        }
        let refused: Vec<_> = s.proxy.log().into_iter().filter(|l| l.status == 412).collect();
        assert!(refused.is_empty(), "{context}: the rerun sent bodies that were refused: {refused:?}");
        let (code, text) = s.verify(&["--deep"]);
        assert_eq!(code, 0, "{context}: verify after the rerun:\n{text}");
        assert!(!text.contains("STALE"), "{context}: the rerun left stale files:\n{text}");
        let (ok, log) = client.update();
        assert!(ok, "{context}: apt-get update after the rerun:\n{log}");
        assert_eq!(client.candidate("hello"), Some(format!("1.{moment}-1")), "{context}");
        moment += 1;
        assert!(moment < 40, "the publish never finished with a write held");
    }
    // Every write of the publish was a moment (see the request count test).
    assert_eq!(moment - 1, 4 + 11, "writes in an incremental publish");
}

/// The requests of a clean incremental publish and of a no-op republish,
/// counted by the proxy: writes at the limit, no LIST, no refused put.
#[test]
fn an_incremental_publish_writes_only_what_changed_and_lists_nothing() {
    let s = Setup::new();
    s.add_version(0);
    s.run(&["publish", "repo", "main", "-d", "stable", "--key", "key.asc", "--skip-dependency-check"]);
    let summary = |log: &[Logged]| {
        log.iter().map(|l| format!("{} {} {}", l.method, object_key(l), l.status)).collect::<Vec<_>>().join("\n")
    };
    // One new version of the example is 4 packages: 4 pool files, then 3
    // indices twice (by-hash and plain), InRelease, Release.gpg, Release,
    // and two writes of the state (the claim, the record with the claim
    // given back). Nothing new: only the last five.
    // The first republish after the change caches the index chunks that
    // survived it unchanged (a write per format): those are the only extra.
    let steps = [("one new package", 4 + 11, 0), ("nothing new", 5, 2), ("nothing new again", 5, 0)];
    for (step, expected_writes, chunk_writes) in steps {
        if step == "one new package" {
            s.add_version(1);
        }
        s.proxy.clear_log();
        s.run(&s.publish_args());
        let log = s.proxy.log();
        let (chunks, writes): (Vec<&Logged>, Vec<&Logged>) =
            log.iter().filter(|l| l.is_write()).partition(|l| object_key(l).starts_with("state/cache/index-chunks/"));
        assert_eq!(writes.len(), expected_writes, "{step}:\n{}", summary(&log));
        assert!(chunks.len() <= chunk_writes, "{step}: chunk cache writes:\n{}", summary(&log));
        let lists: Vec<&Logged> = log
            .iter()
            .filter(|l| l.method == "GET" && (l.path.contains("list-type") || l.path.contains("prefix=")))
            .collect();
        assert!(lists.is_empty(), "{step}: a publish listed the bucket:\n{}", summary(&log));
        assert!(log.iter().all(|l| l.status != 412), "{step}: refused puts:\n{}", summary(&log));
        let plain: Vec<String> = writes.iter().map(|l| object_key(l)).filter(|k| k.contains("/binary-")).collect();
        assert!(plain.iter().all(|k| !k.ends_with("/Release")), "{step}: an unchanged component Release was written");
    }
}

/// A second apt client running `apt-get update` in a loop on its own
/// thread, from its start until `finish`, which fails the test if any
/// update failed or saw a mismatch, and returns how many ran.
struct UpdateLoop {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: std::thread::JoinHandle<usize>,
}

impl UpdateLoop {
    fn start(client: AptClient) -> UpdateLoop {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let thread = {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut n = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let (ok, log) = client.update();
                    assert!(ok, "apt-get update #{n} during the publishes:\n{log}");
                    assert!(!log.contains("Hash Sum mismatch"), "{log}");
                    n += 1;
                }
                n
            })
        };
        UpdateLoop { stop, thread }
    }

    fn finish(self) -> usize {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.thread.join().expect("no client update failed")
    }
}

/// A client updating in a loop while the suite is switched back and forth
/// 30 times never sees a mismatch.
#[test]
fn apt_updating_during_thirty_publishes_sees_no_mismatch() {
    let s = Setup::new();
    s.publish_two_snapshots();
    let updates = UpdateLoop::start(s.apt());
    for i in 0..30 {
        let target = if i % 2 == 0 { "two" } else { "one" };
        s.run(&["publish", "switch", "stable", target, "--key", "key.asc", "--skip-dependency-check"]);
    }
    let n = updates.finish();
    assert!(n >= 3, "only {n} client updates ran during the publishes");
    let (code, text) = s.verify(&["--deep"]);
    assert_eq!(code, 0, "{text}");
}

/// 5xx answers, reset connections and slow answers through the proxy: the
/// publish either completes or fails with a retryable error (exit 75), the
/// bucket stays readable (a client updates in a loop all the while, and
/// slow answers hold the publish open at the moments between its writes),
/// and a rerun completes.
#[test]
fn faults_on_the_way_to_s3_end_in_a_complete_publish_or_a_retryable_error() {
    let s = Setup::new();
    s.add_version(0);
    s.run(&["publish", "repo", "main", "-d", "stable", "--key", "key.asc", "--skip-dependency-check"]);
    let client = s.apt();
    let updates = UpdateLoop::start(s.apt());
    let slow = Fault::Delay(Duration::from_secs(2));
    let faults: [(&str, Option<&'static str>, &str, Fault, usize); 15] = [
        ("a reset pool upload", Some("PUT"), "/public/pool/", Fault::Reset, 1),
        ("the pool copy answered 503 every time", Some("PUT"), "/public/pool/", Fault::Status(503), 100),
        ("the state's sets answered 500 every time", Some("GET"), "/state/sets/", Fault::Status(500), 100),
        ("the InRelease read reset once", Some("GET"), "/InRelease", Fault::Reset, 1),
        ("a slow read of the record", Some("GET"), "/state/refs.json", slow, 1),
        ("the claim answered 503 once", Some("PUT"), "/state/refs.json", Fault::Status(503), 1),
        ("every by-hash upload reset", Some("PUT"), "/by-hash/", Fault::Reset, 100),
        ("Release.gpg answered 500 every time", Some("PUT"), "Release.gpg", Fault::Status(500), 100),
        ("a slow by-hash upload", Some("PUT"), "/by-hash/", slow, 1),
        ("a slow InRelease upload", Some("PUT"), "/InRelease", slow, 1),
        ("a slow Release upload", Some("PUT"), "stable/Release", slow, 1),
        ("a slow plain index upload", Some("PUT"), "/binary-amd64/Packages", slow, 1),
        ("InRelease answered 503 every time", Some("PUT"), "/InRelease", Fault::Status(503), 100),
        ("the record answered 500 every time", Some("PUT"), "/state/refs.json", Fault::Status(500), 100),
        ("Packages.xz answered 503 once", Some("PUT"), "/Packages.xz", Fault::Status(503), 1),
    ];
    for (n, (what, method, path, fault, count)) in faults.into_iter().enumerate() {
        s.add_version(n + 1);
        s.proxy.fault(method, path, fault, count);
        let out = s.cmd(&s.publish_args()).output().unwrap();
        s.proxy.clear_faults();
        let code = out.status.code().unwrap_or(-1);
        let text = format!("{}{}", stdout(&out), stderr(&out));
        assert!(code == 0 || code == 75, "{what}: exit {code}:\n{text}");
        if code == 75 {
            assert!(!text.contains("DispatchFailure") && !text.contains("SdkError"), "{what}: a debug dump:\n{text}");
            assert!(text.contains(&format!("s3://{BUCKET}")), "{what}: the store is not named:\n{text}");
        }
        let (ok, log) = client.update();
        assert!(ok, "{what}: apt-get update:\n{log}");
        let (code_v, text_v) = s.verify(&[]);
        assert_eq!(code_v, 0, "{what}: verify:\n{text_v}");
        if code == 75 {
            s.run(&s.publish_args());
        }
        let (ok, log) = client.update();
        assert!(ok, "{what}: apt-get update after:\n{log}");
        assert_eq!(client.candidate("hello"), Some(format!("1.{}-1", n + 1)), "{what}");
    }
    let n = updates.finish();
    assert!(n >= 3, "only {n} client updates ran during the faulted publishes");
}

/// `--dry-run` makes every read a publish makes and no write, and plans
/// exactly the writes the real publish then makes.
#[test]
fn a_dry_run_plans_the_writes_of_the_real_publish_and_makes_none() {
    let s = Setup::new();
    s.add_version(0);
    s.run(&["publish", "repo", "main", "-d", "stable", "--key", "key.asc", "--skip-dependency-check"]);
    s.add_version(1);
    s.proxy.clear_log();
    let mut args = s.publish_args();
    args.extend(["--dry-run", "--json"]);
    let plan: serde_json::Value = serde_json::from_str(&s.run(&args)).unwrap();
    assert!(s.proxy.log().iter().all(|l| !l.is_write()), "a dry run wrote: {:?}", s.proxy.log());
    let planned: BTreeSet<String> = planned_keys(&plan).into_iter().collect();
    s.run(&s.publish_args());
    let written: BTreeSet<String> = s.proxy.log().iter().filter(|l| l.is_write()).map(object_key).collect();
    assert_eq!(planned, written);
    // The text form says what it is.
    let text = s.run(&s.publish_args().into_iter().chain(["--dry-run"]).collect::<Vec<_>>());
    assert!(text.contains("nothing written") && text.contains("would put"), "{text}");
}

/// A cold publish with both stores in S3: each pool file is one server-side
/// copy (`If-None-Match: *`, no HEAD before it, no byte of a .deb through
/// aptkit), and the post-publish check reads back only the signed files:
/// S3's answer to every other write named the MD5 of what it stored.
#[test]
fn a_cold_publish_copies_each_pool_file_once_and_reads_nothing_back_that_s3_confirmed() {
    let s = Setup::new();
    s.add_version(0);
    s.proxy.clear_log();
    s.run(&["publish", "repo", "main", "-d", "stable", "--key", "key.asc", "--skip-dependency-check"]);
    let log = s.proxy.log();
    let summary = || log.iter().map(|l| format!("{} {} {}", l.method, object_key(l), l.status)).collect::<Vec<_>>();
    let pool: Vec<&Logged> = log.iter().filter(|l| object_key(l).starts_with("public/pool/")).collect();
    let keys: BTreeSet<String> = pool.iter().map(|l| object_key(l)).collect();
    assert!(!keys.is_empty() && keys.len() == pool.len(), "one request per pool file:\n{:#?}", summary());
    for l in &pool {
        assert!(l.method == "PUT" && l.copy && l.conditional && l.body_len == 0, "{l:?}");
        assert_eq!(l.status, 200, "{l:?}");
    }
    assert!(
        !log.iter().any(|l| l.method == "GET" && object_key(l).starts_with("state/pool/")),
        "a .deb came through aptkit:\n{:#?}",
        summary()
    );
    // Every write was answered with the MD5 of its bytes: nothing is read
    // back (the 404s are the lookup of a Release to follow, which a first
    // publish does not find).
    let read: Vec<String> = log
        .iter()
        .filter(|l| {
            matches!(l.method.as_str(), "GET" | "HEAD") && object_key(l).starts_with("public/") && l.status == 200
        })
        .map(object_key)
        .collect();
    assert!(read.is_empty(), "{:#?}", summary());
    let (code, text) = s.verify(&["--deep"]);
    assert_eq!(code, 0, "{text}");
    assert!(s.apt().update().0);
}

/// A pool key that already holds other bytes (left by another tool) is
/// never replaced by the server-side copy: S3 refuses it (412), and the
/// publish fails naming the key, with nothing signed.
#[test]
fn a_pool_key_holding_other_bytes_is_never_replaced_by_a_copy() {
    let s = Setup::new();
    s.add_version(0);
    let mut args = vec!["publish", "repo", "main", "-d", "stable", "--key", "key.asc", "--skip-dependency-check"];
    let plan: serde_json::Value =
        serde_json::from_str(&s.run(&args.iter().copied().chain(["--dry-run", "--json"]).collect::<Vec<_>>())).unwrap();
    let pool_key = plan["plan"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["key"].as_str())
        .find(|k| k.starts_with("pool/") && k.ends_with(".deb"))
        .expect("a pool file in the plan")
        .to_string();
    let other = s.d().join("other.deb");
    std::fs::write(&other, b"not the package the state holds").unwrap();
    let target = format!("s3://{BUCKET}/public/{pool_key}");
    run_ok(
        Command::new("aws")
            .args(["--endpoint-url", &s.moto.endpoint(), "s3", "cp"])
            .arg(&other)
            .arg(&target)
            .envs(MOTO_ENV),
    );
    s.proxy.clear_log();
    args.extend(["--progress", "none"]);
    let out = s.cmd(&args).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains(&pool_key), "the error names the key: {}", stderr(&out));
    let log = s.proxy.log();
    let refused =
        log.iter().find(|l| object_key(l) == format!("public/{pool_key}") && l.copy).expect("the copy was sent");
    assert_eq!(refused.status, 412, "{refused:?}");
    assert!(!log.iter().any(|l| l.is_write() && object_key(l).ends_with("/InRelease")), "InRelease was written");
    let held = s.d().join("held.deb");
    run_ok(
        Command::new("aws").args(["--endpoint-url", &s.moto.endpoint(), "s3", "cp", &target]).arg(&held).envs(MOTO_ENV),
    );
    assert_eq!(std::fs::read(held).unwrap(), b"not the package the state holds");
}

/// A publisher paused past its claim's lease (SIGSTOP) with its InRelease
/// already on the wire, while another job publishes a newer version: when
/// the paused one goes on, S3 refuses that InRelease (it replaces only the
/// version its publish read), so the newer publish stays live, and the
/// paused job ends with a retryable error, having written nothing more.
#[test]
fn a_publisher_paused_past_its_lease_cannot_replace_a_newer_publish() {
    let s = Setup::new();
    s.add_version(0);
    s.run(&["publish", "repo", "main", "-d", "stable", "--key", "key.asc", "--skip-dependency-check"]);
    s.add_version(1);
    s.proxy.hold_write_to("/dists/stable/InRelease");
    let out = s.d().join("paused.log");
    let mut paused = s
        .cmd(&s.publish_args())
        .args(["--wait", "0"])
        .env("APTKIT_CLAIM_LEASE", "2")
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&out).unwrap())
        .spawn()
        .unwrap();
    let held = s.proxy.wait_held(|| paused.try_wait().unwrap().is_some());
    assert!(held.is_some(), "the publish ended before its InRelease: {}", std::fs::read_to_string(&out).unwrap());
    let signal = |sig: &str| run_ok(Command::new("kill").args([sig, &paused.id().to_string()]));
    signal("-STOP");
    // Meanwhile: a newer version, published by a job that takes the suite
    // over once the paused job's lease has run out.
    s.add_version(2);
    let started = std::time::Instant::now();
    s.run(&s.publish_args());
    assert!(started.elapsed() >= Duration::from_secs(1), "the suite was taken over before the lease ran out");
    let (code, text) = s.verify(&["--deep"]);
    assert_eq!(code, 0, "{text}");

    s.proxy.clear_log();
    signal("-CONT");
    s.proxy.forward_held();
    let status = paused.wait().unwrap();
    let said = std::fs::read_to_string(&out).unwrap();
    assert_eq!(status.code(), Some(75), "the paused job: {said}");
    // Said as the fence found it, or as the lease did (taken over, or run
    // out before the renewal came back: whichever the job noticed first):
    // either way a retry is what it needs.
    let noticed = ["changed while this publish", "was taken over", "ran out before it could be renewed"];
    assert!(noticed.iter().any(|n| said.contains(n)), "{said}");
    let log = s.proxy.log();
    let late = log.iter().find(|l| object_key(l) == "public/dists/stable/InRelease").expect("the held InRelease");
    assert_eq!(late.status, 412, "{late:?}");
    let writes: Vec<String> = log.iter().filter(|l| l.is_write() && l.status != 412).map(object_key).collect();
    assert!(writes.is_empty(), "the paused job wrote after its fenced InRelease: {writes:?}");

    // The newer publish is what clients and verify see.
    let client = s.apt();
    let (ok, log) = client.update();
    assert!(ok, "{log}");
    assert_eq!(client.candidate("hello").as_deref(), Some("1.2-1"));
    let (code, text) = s.verify(&["--deep"]);
    assert_eq!(code, 0, "{text}");
    assert!(!text.contains("STALE"), "{text}");
}

/// `publish drop --dry-run` lists the objects the drop deletes (InRelease
/// first) and the state writes, and changes nothing; the real drop then
/// makes exactly those writes.
#[test]
fn a_dry_run_of_a_drop_lists_its_deletes_and_makes_none() {
    let s = Setup::new();
    s.add_version(0);
    s.run(&["publish", "repo", "main", "-d", "stable", "--key", "key.asc", "--skip-dependency-check"]);
    s.proxy.clear_log();
    let plan: serde_json::Value =
        serde_json::from_str(&s.run(&["publish", "drop", "stable", "--dry-run", "--json"])).unwrap();
    let text = s.run(&["publish", "drop", "stable", "--dry-run"]);
    assert!(s.proxy.log().iter().all(|l| !l.is_write()), "a dry run wrote: {:?}", s.proxy.log());
    assert!(text.contains("would delete") && text.contains("nothing written"), "{text}");
    let planned = planned_keys(&plan);
    assert_eq!(planned.first().map(String::as_str), Some("public/dists/stable/InRelease"), "{planned:?}");
    assert!(planned.iter().any(|k| k.contains("/by-hash/SHA256/")), "{planned:?}");
    assert!(!planned.iter().any(|k| k.starts_with("public/pool/")), "a drop leaves the pool to gc: {planned:?}");
    let (ok, _) = s.apt().update();
    assert!(ok, "the suite is still served after the dry run");
    s.run(&["publish", "drop", "stable"]);
    let written: BTreeSet<String> = s.proxy.log().iter().filter(|l| l.is_write()).map(object_key).collect();
    assert_eq!(planned.into_iter().collect::<BTreeSet<_>>(), written);
}

/// A suite switched back and forth with a client updating after each
/// switch: every switch is seen. HTTP dates (S3's Last-Modified) count
/// whole seconds and apt revalidates InRelease with If-Modified-Since, so
/// an InRelease written within the second of the one the client holds
/// would be answered 304; the publish writes past that second.
#[test]
fn back_to_back_publishes_are_each_seen_by_a_client_updating_between_them() {
    let s = Setup::new();
    s.publish_two_snapshots();
    let client = s.apt();
    for round in 0..4 {
        let (ok, log) = client.update();
        assert!(ok, "{log}");
        let (target, version) = if round % 2 == 0 { ("two", "1.1-1") } else { ("one", "1.0-1") };
        s.run(&["publish", "switch", "stable", target, "--key", "key.asc", "--skip-dependency-check"]);
        let (ok, log) = client.update();
        assert!(ok, "{log}");
        assert_eq!(client.candidate("hello").as_deref(), Some(version), "round {round}:\n{log}");
    }
}

/// A CI job that adds the same .debs again (a rerun) finds them in the
/// repo: it sends no .deb's bytes (each blob's age restarts by a copy onto
/// itself, for gc's grace period) and writes no new state.
#[test]
fn re_adding_packages_the_repo_holds_sends_no_body_and_writes_no_state() {
    let s = Setup::new();
    let (_out, debs) = package(&s.tree.1, &["--version", "1.0-1"]);
    let dir = debs[0].parent().unwrap().to_str().unwrap().to_string();
    s.run(&["repo", "add", "main", &dir]);
    s.proxy.clear_log();
    let again = s.run(&["repo", "add", "main", &dir]);
    assert_eq!(again.matches("unchanged ").count(), debs.len(), "{again}");
    let log = s.proxy.log();
    let writes: Vec<_> = log.iter().filter(|l| l.is_write()).collect();
    assert!(writes.iter().all(|l| l.copy && l.body_len == 0), "a write sent bytes: {writes:?}");
    let touched: BTreeSet<String> = writes.iter().map(|l| object_key(l)).collect();
    assert_eq!(touched.len(), debs.len(), "{touched:?}");
    assert!(touched.iter().all(|k| k.starts_with("state/pool/") && k.ends_with(".deb")), "{touched:?}");
    assert!(log.iter().all(|l| l.status == 200), "{log:?}");

    // A package set the state names already is touched, not sent again: a
    // snapshot filtered to all it has, a repo back to what a snapshot holds.
    s.run(&["snapshot", "create", "one", "from", "repo", "main"]);
    let (_newer_out, newer) = package(&s.tree.1, &["--version", "1.0-2"]);
    s.run(&["repo", "add", "main", newer[0].parent().unwrap().to_str().unwrap()]);
    s.proxy.clear_log();
    s.run(&["snapshot", "filter", "one", "all", "*"]);
    s.run(&["repo", "remove", "main", "* (= 1.0-2)"]);
    let log = s.proxy.log();
    let sets: Vec<_> = log.iter().filter(|l| l.is_write() && object_key(l).starts_with("state/sets/")).collect();
    assert_eq!(sets.len(), 2, "{log:?}");
    assert!(sets.iter().all(|l| l.copy && l.body_len == 0), "a set was sent again: {sets:?}");
    assert!(s.run(&["snapshot", "show", "all"]).contains("hello_1.0-1"));
    assert!(!s.run(&["repo", "show", "main"]).contains("hello_1.0-2"));
}

/// `--dry-run` of the commands that write state: nothing is written, and
/// the plan names exactly what the real command then writes.
#[test]
fn dry_runs_of_repo_and_snapshot_commands_write_nothing_and_plan_what_the_command_writes() {
    let s = Setup::new();
    let (_out, debs) = package(&s.tree.1, &["--version", "1.0-1"]);
    let dir = debs[0].parent().unwrap().to_str().unwrap().to_string();
    s.proxy.clear_log();
    // Bad input is refused in a dry run as in the real command, naming it.
    let unknown = s.cmd(&["repo", "add", "nope", &dir, "--dry-run"]).output().unwrap();
    assert_eq!(unknown.status.code(), Some(2), "{}", stderr(&unknown));
    assert!(stderr(&unknown).contains("nope") && stdout(&unknown).is_empty(), "{}", stderr(&unknown));
    let plan: serde_json::Value =
        serde_json::from_str(&s.run(&["repo", "add", "main", &dir, "--dry-run", "--json"])).unwrap();
    let text = s.run(&["repo", "add", "main", &dir, "--dry-run", "--remove-files"]);
    assert!(s.proxy.log().iter().all(|l| !l.is_write()), "a dry run wrote: {:?}", s.proxy.log());
    assert!(debs.iter().all(|d| d.exists()), "a dry run removed files");
    assert!(text.contains("would have added ") && text.contains("nothing written"), "{text}");
    assert_eq!(plan["dry_run"], true, "{plan}");
    assert_eq!(plan["added"].as_array().unwrap().len(), debs.len(), "{plan}");
    assert!(s.run(&["repo", "show", "main"]).trim().is_empty(), "the repo changed in a dry run");
    let planned: BTreeSet<String> = planned_keys(&plan).into_iter().collect();
    s.run(&["repo", "add", "main", &dir]);
    let written: BTreeSet<String> = s.proxy.log().iter().filter(|l| l.is_write()).map(object_key).collect();
    assert_eq!(planned, written);
    assert_eq!(planned.iter().filter(|k| k.starts_with("state/pool/")).count(), debs.len(), "{planned:?}");

    s.proxy.clear_log();
    let text = s.run(&["snapshot", "create", "one", "from", "repo", "main", "--dry-run"]);
    assert!(text.contains("would replace-if-match") && text.contains("refs.json"), "{text}");
    let text = s.run(&["repo", "remove", "main", "hello", "--dry-run"]);
    assert!(text.contains("would have removed hello_1.0-1"), "{text}");
    assert!(s.proxy.log().iter().all(|l| !l.is_write()), "a dry run wrote: {:?}", s.proxy.log());
    assert!(s.run(&["snapshot", "list"]).trim().is_empty());
    assert!(s.run(&["repo", "show", "main"]).contains("hello_1.0-1"));
}
