//! Many writers, no lock server: eight CI-style jobs (`repo add` of their
//! own package, then `publish update` of one suite, state and public in
//! S3) all land with no shell retry loop; a job killed inside another pid
//! namespace (its process cannot be checked from here) blocks the suite
//! only until its lease runs out (state local or in S3); `publish unlock` names a holder, refuses
//! a live lease, and breaks it with --force.

use std::io::BufRead;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use aptkit_tests::moto::{Moto, MOTO_ENV};
use aptkit_tests::*;

const UPDATE: [&str; 6] = ["publish", "update", "stable", "--key", "key.asc", "--skip-dependency-check"];

/// `name_1.0_amd64.deb` built by dpkg-deb (not aptkit) in `dir/name/`;
/// returns that directory.
fn deb_named(dir: &Path, name: &str) -> std::path::PathBuf {
    let root = dir.join(format!("{name}-root"));
    std::fs::create_dir_all(root.join("DEBIAN")).unwrap();
    std::fs::create_dir_all(root.join(format!("usr/share/{name}"))).unwrap();
    std::fs::write(root.join(format!("usr/share/{name}/README")), format!("{name}\n")).unwrap();
    let control = format!(
        "Package: {name}\nVersion: 1.0\nArchitecture: amd64\nMaintainer: CI <ci@example.org>\nDescription: job {name}\n"
    );
    std::fs::write(root.join("DEBIAN/control"), control).unwrap();
    let out = dir.join(name);
    std::fs::create_dir_all(&out).unwrap();
    run_ok(
        Command::new("dpkg-deb")
            .args(["--build", "--root-owner-group"])
            .arg(&root)
            .arg(out.join(format!("{name}_1.0_amd64.deb"))),
    );
    out
}

/// A workspace with a key and repo `main` holding `first`, published as
/// `stable` (amd64); `config` goes to aptkit.toml.
fn workspace(config: &str, first: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("aptkit.toml"), config).unwrap();
    let run = |args: &[&str]| run_ok(aptkit().current_dir(dir.path()).envs(MOTO_ENV).args(args));
    run(&["key", "generate", "--output", "key.asc"]);
    run(&["key", "export", "--key", "key.asc", "--output", "key.gpg"]);
    run(&["repo", "create", "main"]);
    let debs = deb_named(dir.path(), first);
    run(&["repo", "add", "main", debs.to_str().unwrap()]);
    run(&["publish", "repo", "main", "-d", "stable", "--key", "key.asc", "--skip-dependency-check"]);
    dir
}

#[test]
fn eight_ci_jobs_adding_and_publishing_one_suite_in_s3_all_land() {
    require_tool("aws");
    require_tool("gpgv");
    let moto = Moto::start();
    moto.create_bucket("ci-jobs");
    let config = format!(
        "state = \"s3://ci-jobs/state\"\npublic = \"s3://ci-jobs/public\"\n\n[s3]\nendpoint_url = \"{}\"\nforce_path_style = true\n",
        moto.endpoint()
    );
    let ws = workspace(&config, "base");
    let d = ws.path();
    let jobs: Vec<std::path::PathBuf> = (0..8).map(|i| deb_named(d, &format!("job{i}"))).collect();

    // Eight jobs at once, each as CI runs it: add its package, publish.
    let started = Instant::now();
    let results: Vec<(i32, String, Duration)> = std::thread::scope(|scope| {
        let running: Vec<_> = jobs
            .iter()
            .map(|debs| {
                scope.spawn(move || {
                    let begun = Instant::now();
                    let add = aptkit()
                        .current_dir(d)
                        .envs(MOTO_ENV)
                        .args(["repo", "add", "main"])
                        .arg(debs)
                        .output()
                        .unwrap();
                    if !add.status.success() {
                        return (
                            add.status.code().unwrap_or(-1),
                            format!("repo add: {}", stderr(&add)),
                            begun.elapsed(),
                        );
                    }
                    let publish = aptkit().current_dir(d).envs(MOTO_ENV).args(UPDATE).output().unwrap();
                    (publish.status.code().unwrap_or(-1), stderr(&publish), begun.elapsed())
                })
            })
            .collect();
        running.into_iter().map(|job| job.join().unwrap()).collect()
    });
    let wall = started.elapsed();
    for (i, (code, said, _)) in results.iter().enumerate() {
        assert_eq!(*code, 0, "job {i} failed:\n{said}");
    }
    let waited = results.iter().filter(|(_, said, _)| said.contains("note: waiting for stable")).count();
    let slowest = results.iter().map(|(_, _, took)| *took).max().unwrap();
    eprintln!("8 jobs: {wall:?} wall, slowest job {slowest:?}, {waited} of them waited for another");
    assert!(waited > 0, "eight publishers of one suite, and none waited:\n{results:?}");

    // Every job's package is in the final index, which verifies.
    let aws = |args: &[&str]| {
        run_ok(Command::new("aws").arg("--endpoint-url").arg(moto.endpoint()).args(args).envs(MOTO_ENV))
    };
    let packages = d.join("Packages");
    aws(&[
        "s3",
        "cp",
        "--only-show-errors",
        "s3://ci-jobs/public/dists/stable/main/binary-amd64/Packages",
        packages.to_str().unwrap(),
    ]);
    let packages = std::fs::read_to_string(packages).unwrap();
    for i in 0..8 {
        assert!(packages.lines().any(|l| l == format!("Package: job{i}")), "job{i} missing:\n{packages}");
    }
    let inrelease = d.join("InRelease");
    aws(&["s3", "cp", "--only-show-errors", "s3://ci-jobs/public/dists/stable/InRelease", inrelease.to_str().unwrap()]);
    run_ok(Command::new("gpgv").arg("--keyring").arg(d.join("key.gpg")).arg(&inrelease));
    run_ok(aptkit().current_dir(d).envs(MOTO_ENV).args([
        "verify",
        "s3://ci-jobs/public",
        "--keyring",
        "key.gpg",
        "--deep",
    ]));
    let refs = stdout(&aws(&["s3", "cp", "s3://ci-jobs/state/refs.json", "-"]));
    assert!(!refs.contains("\"claims\""), "a claim was left behind:\n{refs}");
}

/// The last InRelease's Date moved `seconds` ahead of now: the next publish
/// dates its own a second later and waits for the clock, holding the claim.
fn date_release_ahead(release: &Path, seconds: u64) {
    let text = std::fs::read_to_string(release).unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let date = aptkit_index::format_date((now + seconds) as i64);
    let forged: String = text
        .lines()
        .map(|l| if l.starts_with("Date:") { format!("Date: {date}\n") } else { format!("{l}\n") })
        .collect();
    // A new file, not a write through the hard link to its by-hash twin.
    std::fs::remove_file(release).unwrap();
    std::fs::write(release, forged).unwrap();
}

/// Read `child`'s stderr until it says it waits for the clock (it holds the
/// claim then); the lines read so far, and the rest of the stream.
fn until_holding(
    stderr: std::process::ChildStderr,
) -> (String, std::io::Lines<std::io::BufReader<std::process::ChildStderr>>) {
    let mut lines = std::io::BufReader::new(stderr).lines();
    let mut seen = String::new();
    while !seen.contains("s for the clock") {
        match lines.next() {
            Some(line) => seen += &(line.unwrap() + "\n"),
            None => panic!("the publish ended before it waited for the clock:\n{seen}"),
        }
    }
    (seen, lines)
}

fn claims(dir: &Path) -> serde_json::Value {
    let refs: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join(".aptkit/refs.json")).unwrap()).unwrap();
    refs["claims"].clone()
}

fn now_secs() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

#[test]
fn a_claim_left_by_a_job_killed_in_another_pid_namespace_is_taken_over_after_its_lease() {
    taken_over_after_its_lease(None);
}

/// The same with the state (and so the claim) in an S3 bucket: a lease in
/// `refs.json` there, renewed and taken over by compare-and-swap.
#[test]
fn a_claim_in_s3_left_by_a_job_killed_in_another_pid_namespace_is_taken_over_after_its_lease() {
    let moto = Moto::start();
    moto.create_bucket("aptkit-state");
    taken_over_after_its_lease(Some(&moto));
}

fn taken_over_after_its_lease(moto: Option<&Moto>) {
    require_tool("unshare");
    const LEASE: i64 = 3;
    let config = match moto {
        Some(moto) => format!(
            "state = \"s3://aptkit-state/state\"\n[s3]\nendpoint_url = \"{}\"\nforce_path_style = true\n",
            moto.endpoint()
        ),
        None => String::new(),
    };
    let ws = workspace(&config, "base");
    let d = ws.path();
    let claims = |d: &Path| match moto {
        Some(moto) => crate::cdn::aws(moto, &["s3", "cp", "s3://aptkit-state/state/refs.json", "-"])["claims"].clone(),
        None => claims(d),
    };
    let aptkit = || {
        let mut cmd = aptkit();
        cmd.envs(MOTO_ENV);
        cmd
    };
    run_ok(aptkit().current_dir(d).args(["repo", "add", "main"]).arg(deb_named(d, "later")));
    date_release_ahead(&d.join("public/dists/stable/InRelease"), 8);

    // The holder runs as pid 1 of its own pid namespace: nothing here can
    // tell whether it still runs, only its lease can.
    let mut holder = Command::new("unshare")
        .args(["--pid", "--fork", "--mount-proc", "--"])
        .arg(aptkit_bin())
        .args(UPDATE)
        .current_dir(d)
        .envs(MOTO_ENV)
        .env("APTKIT_CLAIM_LEASE", LEASE.to_string())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (_seen, _rest) = until_holding(holder.stderr.take().unwrap());
    // Held for over a lease, renewed meanwhile.
    let first_expiry = claims(d)["stable"]["expires"].as_i64().unwrap();
    std::thread::sleep(Duration::from_millis(1800));
    let claim = claims(d)["stable"].clone();
    assert_eq!(claim["holder"]["pid"], 1, "{claim}");
    assert!(claim["expires"].as_i64().unwrap() > first_expiry, "the live holder did not renew its lease: {claim}");
    let ours = std::fs::read_link("/proc/self/ns/pid").unwrap();
    assert_ne!(claim["holder"]["pid_namespace"].as_str().unwrap(), ours.to_str().unwrap(), "{claim}");

    // SIGKILL the aptkit inside (the namespace's pid 1: unshare's child).
    let children = std::fs::read_to_string(format!("/proc/{}/task/{}/children", holder.id(), holder.id())).unwrap();
    let inner: i32 = children.split_whitespace().next().expect("unshare forked aptkit").parse().unwrap();
    assert_eq!(unsafe { libc::kill(inner, libc::SIGKILL) }, 0);
    holder.wait().unwrap();
    let killed_at = Instant::now();
    let left = claims(d)["stable"].clone();
    let expires = left["expires"].as_i64().expect("the killed job's claim is left");
    let host = left["holder"]["host"].as_str().unwrap().to_string();

    // With no wait: refused at once, exit 75, naming the dead holder.
    let refused = aptkit().current_dir(d).args(UPDATE).args(["--wait", "0"]).output().unwrap();
    assert_eq!(refused.status.code(), Some(75), "{}", stderr(&refused));
    assert!(stderr(&refused).contains(&format!("process 1 on {host}")), "{}", stderr(&refused));
    assert!(killed_at.elapsed() < Duration::from_secs(LEASE as u64), "refusing took {:?}", killed_at.elapsed());

    // A publish that waits takes the claim over once the lease ran out.
    let taken = aptkit().current_dir(d).args(UPDATE).args(["--wait", "30s"]).output().unwrap();
    let said = stderr(&taken);
    assert!(taken.status.success(), "{said}");
    assert!(
        said.contains(&format!("note: waiting for stable: `stable` is held by process 1 on {host} (publishing)")),
        "{said}"
    );
    assert!(said.contains("took over the claim on `stable`") && said.contains("which expired"), "{said}");
    assert!(now_secs() >= expires, "taken over before the lease ran out (expires {expires})");
    let took = killed_at.elapsed();
    eprintln!("a claim killed in another pid namespace, lease {LEASE} s: taken over {took:?} after the kill");
    assert!(took < Duration::from_secs(LEASE as u64 + 12), "{took:?}");
    assert!(claims(d).is_null(), "{}", claims(d));
    let packages = std::fs::read_to_string(d.join("public/dists/stable/main/binary-amd64/Packages")).unwrap();
    assert!(packages.contains("Package: later"), "{packages}");
    run_ok(aptkit().current_dir(d).args(["verify", "public", "--keyring", "key.gpg"]));
}

#[test]
fn unlock_names_the_holder_refuses_a_live_lease_and_breaks_it_with_force() {
    let ws = workspace("", "base");
    let d = ws.path();
    let unlock =
        |extra: &[&str]| aptkit().current_dir(d).args(["publish", "unlock", "stable"]).args(extra).output().unwrap();
    let nothing = unlock(&[]);
    assert!(nothing.status.success(), "{}", stderr(&nothing));
    assert!(stdout(&nothing).contains("nothing holds `stable`"), "{}", stdout(&nothing));

    run_ok(aptkit().current_dir(d).args(["repo", "add", "main"]).arg(deb_named(d, "later")));
    date_release_ahead(&d.join("public/dists/stable/InRelease"), 8);
    let mut holder = aptkit()
        .current_dir(d)
        .args(UPDATE)
        .env("APTKIT_CLAIM_LEASE", "3")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (seen, rest) = until_holding(holder.stderr.take().unwrap());
    let named = format!("process {} on ", holder.id());

    let refused = unlock(&[]);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    let said = stderr(&refused);
    assert!(
        said.contains("refusing to break the claim on `stable`: its lease is live") && said.contains(&named),
        "{said}"
    );
    assert!(said.contains("--force"), "{said}");
    assert!(!claims(d).is_null(), "a refused unlock removed the claim");

    // A dry run names the claim it would break, plans the one write, and
    // leaves the claim where it is.
    let before = claims(d);
    let planned = unlock(&["--force", "--dry-run", "--json"]);
    assert!(planned.status.success(), "{}", stderr(&planned));
    let plan: serde_json::Value = serde_json::from_slice(&planned.stdout).unwrap();
    assert_eq!(plan["dry_run"], true, "{plan}");
    assert!(plan["broken"]["holder"].as_str().unwrap().starts_with(&named), "{plan}");
    let ops: Vec<_> = plan["plan"].as_array().unwrap().iter().map(|p| (p["op"].clone(), p["key"].clone())).collect();
    assert_eq!(ops, [(serde_json::json!("replace-if-match"), serde_json::json!("refs.json"))], "{plan}");
    let text = stdout(&unlock(&["--force", "--dry-run"]));
    assert!(text.contains("would have broken the claim on `stable`") && text.contains("nothing written"), "{text}");
    assert_eq!(claims(d)["stable"]["token"], before["stable"]["token"], "a dry run broke the claim");

    let broken = unlock(&["--force", "--json"]);
    assert!(broken.status.success(), "{}", stderr(&broken));
    let report: serde_json::Value = serde_json::from_slice(&broken.stdout).unwrap();
    assert!(report["broken"]["holder"].as_str().unwrap().starts_with(&named), "{report}");
    assert_eq!(report["broken"]["live"], true);
    assert_eq!(report["broken"]["activity"], "publishing");

    // The holder finds its claim broken, writes nothing under it, and
    // (waiting, as publishes do by default) retries and lands.
    let rest: Vec<String> = rest.map(|l| l.unwrap()).collect();
    let status = holder.wait().unwrap();
    let all = format!("{seen}{}", rest.join("\n"));
    assert!(status.success(), "{all}");
    assert!(all.contains("note: retrying stable") && all.contains("broken"), "{all}");
    assert!(claims(d).is_null(), "{}", claims(d));
    run_ok(aptkit().current_dir(d).args(["verify", "public", "--keyring", "key.gpg"]));
}
