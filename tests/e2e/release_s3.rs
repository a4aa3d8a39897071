//! `aptkit release` with both stores in S3 and a CloudFront distribution,
//! moto on loopback as both services, awscli as the independent client
//! that makes the distribution and reads back the invalidations and the
//! objects: one invalidation per release, sent after the last InRelease
//! was written and listing only mutable names; none for a rerun that
//! changed nothing; a release killed before its purge, or whose purge
//! failed, purges once on `--resume`.

use std::path::Path;
use std::process::{Command, Output};

use aptkit_tests::moto::{Moto, MOTO_ENV};
use aptkit_tests::{require_tool, run_ok, stderr, stdout, AptClient};
use serde_json::Value;

use crate::cdn::{aws, create_distribution, invalidations, paths_of};
use crate::release::{keyring, kill_when, statuses, Project, NIGHTLY, RELEASE};

const BUCKET: &str = "aptkit-release";
const STORES: [&str; 4] = ["--state", "s3://aptkit-release/state", "--public", "s3://aptkit-release/public"];

/// moto with a bucket apt may read anonymously (as it would through a CDN
/// or website endpoint) and a distribution; the example project whose
/// aptkit.toml points CloudFront at moto (S3 is pointed there by the
/// standard variables, in [`S3Release::release`]).
struct S3Release {
    moto: Moto,
    project: Project,
    distribution: String,
}

impl S3Release {
    fn new() -> S3Release {
        let moto = Moto::start();
        moto.create_bucket(BUCKET);
        let policy = format!(
            "{{\"Version\":\"2012-10-17\",\"Statement\":[{{\"Effect\":\"Allow\",\"Principal\":\"*\",\
             \"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::{BUCKET}/public/*\"}}]}}"
        );
        aws(&moto, &["s3api", "put-bucket-policy", "--bucket", BUCKET, "--policy", &policy]);
        let distribution = create_distribution(&moto);
        let project = Project::new(&["debian-12-bookworm"]);
        let config = format!("[cloudfront]\nendpoint_url = \"{}\"\n", moto.endpoint());
        std::fs::write(project.path("aptkit.toml"), config).unwrap();
        S3Release { moto, project, distribution }
    }

    /// `aptkit --state s3://… --public s3://… release ARGS` purging `distribution`.
    fn release(&self, distribution: &str, args: &[&str]) -> Command {
        let mut cmd = self.project.release_on(&STORES, args);
        cmd.args(["--cloudfront-distribution", distribution])
            .envs(MOTO_ENV)
            .env("AWS_ENDPOINT_URL_S3", self.moto.endpoint())
            .env("APTKIT_S3_FORCE_PATH_STYLE", "1");
        cmd
    }

    /// A release on the right distribution that must succeed: its JSON
    /// report, and its stderr (the steps, in order).
    fn release_json(&self, args: &[&str]) -> (Value, String) {
        let out = run_ok(self.release(&self.distribution, args).arg("--json"));
        let report = serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(&out)));
        (report, stderr(&out))
    }

    fn invalidations(&self) -> Vec<Value> {
        invalidations(&self.moto, &self.distribution)
    }

    /// An object of the publish store, downloaded by awscli.
    fn download(&self, key: &str, to: &Path) {
        let to = to.to_str().unwrap();
        aws(&self.moto, &["s3api", "get-object", "--bucket", BUCKET, "--key", &format!("public/{key}"), to]);
    }

    /// When moto says the object `public/KEY` was last written (UTC, ISO 8601).
    fn written_at(&self, key: &str) -> String {
        let key = format!("public/{key}");
        let listed = aws(&self.moto, &["s3api", "list-objects-v2", "--bucket", BUCKET, "--prefix", &key]);
        listed["Contents"][0]["LastModified"].as_str().unwrap_or_else(|| panic!("no {key}: {listed}")).to_string()
    }

    /// apt-get update straight from moto over HTTP; the candidate `hello`.
    fn apt_candidate(&self, suite: &str) -> String {
        let url = format!("{}/{BUCKET}/public", self.moto.endpoint());
        let apt = AptClient::new(&format!("deb [signed-by={}] {url} {suite} main", keyring().display()), false);
        let (ok, text) = apt.update();
        assert!(ok, "apt-get update of {suite}: {text}");
        apt.candidate("hello").unwrap_or_else(|| panic!("apt sees no hello in {suite}"))
    }
}

/// An invalidation lists only names whose content changes, of `suites`
/// only: each one's InRelease, Release and Release.gpg, and otherwise
/// only index names its Release lists (never `pool/`, never `by-hash/`).
fn assert_only_mutable(s: &S3Release, paths: &[String], suites: &[&str]) {
    assert!(!paths.iter().any(|p| p.contains("/pool/") || p.contains("/by-hash/")), "{paths:?}");
    let tmp = tempfile::tempdir().unwrap();
    for suite in suites {
        let under = format!("/dists/{suite}/");
        let mine: Vec<&str> = paths.iter().filter_map(|p| p.strip_prefix(&under)).collect();
        for name in ["InRelease", "Release", "Release.gpg"] {
            assert!(mine.contains(&name), "no {under}{name} in {paths:?}");
        }
        let release = tmp.path().join(format!("{suite}.Release"));
        s.download(&format!("dists/{suite}/Release"), &release);
        let listed = std::fs::read_to_string(&release).unwrap();
        // The checksum lines: ` HASH SIZE NAME`.
        let indices: Vec<&str> =
            listed.lines().filter(|l| l.starts_with(' ')).filter_map(|l| l.split_whitespace().nth(2)).collect();
        for name in mine.iter().filter(|n| !["InRelease", "Release", "Release.gpg"].contains(n)) {
            assert!(indices.contains(name), "{under}{name} is no index of {suite}'s Release");
        }
        assert!(mine.contains(&"main/binary-amd64/Packages.xz"), "{paths:?}");
    }
    let covered = |p: &String| suites.iter().any(|s| p.starts_with(&format!("/dists/{s}/")));
    assert!(paths.iter().all(covered), "a path outside {suites:?}: {paths:?}");
}

/// The ISO 8601 times moto gives, to the second (its S3 times have no
/// finer part); both must be UTC to compare as text.
fn second(t: &str) -> &str {
    assert!(t.ends_with('Z') || t.ends_with("+00:00"), "not UTC: {t}");
    &t[..19]
}

#[test]
fn a_release_to_s3_makes_one_invalidation_after_its_last_inrelease_and_a_rerun_makes_none() {
    let s = S3Release::new();
    let (report, log) = s.release_json(&[NIGHTLY, RELEASE]);
    assert_eq!(
        statuses(&report, "publishes"),
        ["2026.12.02 bookworm-nightly published", "1.3.0 bookworm published", "1.3.0 bookworm-1.3 published"]
    );
    let suites = ["bookworm-nightly", "bookworm", "bookworm-1.3"];

    // One invalidation for the whole release, of the three suites' mutable names.
    let made = s.invalidations();
    assert_eq!(made.len(), 1, "one invalidation per release: {made:?}");
    let paths = paths_of(&made[0]);
    assert_only_mutable(&s, &paths, &suites);
    let purge = &report["report"]["purge"];
    assert_eq!(purge["status"], "published", "{purge}");
    assert_eq!(purge["invalidation"], made[0]["Id"], "{purge}");
    let mut reported: Vec<String> = serde_json::from_value(purge["paths"].clone()).unwrap();
    reported.sort();
    assert_eq!(reported, paths);

    // Sent after every publish: by the steps' order, and by moto's clock
    // (the same process keeps both services' times).
    let last_publish = log.rfind("==> publish/").expect("publish steps");
    assert!(log.find("==> purge").is_some_and(|at| at > last_publish), "{log}");
    let created = made[0]["CreateTime"].as_str().unwrap();
    for suite in suites {
        let written = s.written_at(&format!("dists/{suite}/InRelease"));
        assert!(second(created) >= second(&written), "invalidated at {created}, {suite}'s InRelease at {written}");
    }

    // What a client sees over HTTP: apt takes the routed versions, gpgv
    // the signature, and aptkit verify the whole store.
    assert_eq!(s.apt_candidate("bookworm"), "1.3.0-1~bookworm");
    assert_eq!(s.apt_candidate("bookworm-nightly"), "2026.12.02-1~bookworm");
    let tmp = tempfile::tempdir().unwrap();
    for suite in suites {
        let inrelease = tmp.path().join(format!("{suite}.InRelease"));
        s.download(&format!("dists/{suite}/InRelease"), &inrelease);
        require_tool("gpgv");
        run_ok(Command::new("gpgv").arg("--keyring").arg(keyring()).arg(&inrelease));
    }
    let verify = aptkit_tests::aptkit()
        .current_dir(s.project.path(""))
        .args(["verify", "s3://aptkit-release/public", "--keyring"])
        .arg(keyring())
        .envs(MOTO_ENV)
        .env("AWS_ENDPOINT_URL_S3", s.moto.endpoint())
        .env("APTKIT_S3_FORCE_PATH_STYLE", "1")
        .output()
        .unwrap();
    assert!(verify.status.success(), "{}{}", stdout(&verify), stderr(&verify));

    // The same release again: nothing compiled, nothing published, and so
    // nothing to invalidate.
    let (again, _) = s.release_json(&[NIGHTLY, RELEASE]);
    let builds = statuses(&again, "builds");
    assert!(builds.len() == 2 && builds.iter().all(|b| b.ends_with(" reused")), "{builds:?}");
    let publishes = statuses(&again, "publishes");
    assert!(publishes.len() == 3 && publishes.iter().all(|p| p.ends_with(" unchanged")), "{publishes:?}");
    assert_eq!(again["report"]["purge"]["status"], "unchanged", "{}", again["report"]["purge"]);
    assert_eq!(s.invalidations().len(), 1, "a release that changed nothing invalidates nothing");
}

#[test]
fn a_release_killed_before_its_purge_resumes_to_one_invalidation_of_what_it_published() {
    let s = S3Release::new();
    s.release_json(&[RELEASE]);
    assert_eq!(s.invalidations().len(), 1);

    // The next nightly, killed once its publish is committed and before
    // the purge: nothing was invalidated for it.
    let nightly = "2026.12.03";
    let mut paused = s.release(&s.distribution, &[nightly]);
    paused.env("APTKIT_TEST_PAUSE_BEFORE_STEP", "purge");
    let log = kill_when(paused, |text| text.contains("paused before purge"));
    assert!(log.contains("published bookworm-nightly"), "{log}");
    assert_eq!(s.invalidations().len(), 1, "the kill came before the purge");
    assert_eq!(s.apt_candidate("bookworm-nightly"), "2026.12.03-1~bookworm", "the publish is committed");

    // --resume repeats no publish and sends the purge the kill missed: one
    // new invalidation, of the nightly suite only (the release's suites
    // were purged by their own release).
    let (report, log) = s.release_json(&[nightly, "--resume"]);
    assert!(log.contains("publish/2026.12.03/bookworm-nightly: finished by an earlier run"), "{log}");
    assert_eq!(statuses(&report, "publishes"), ["2026.12.03 bookworm-nightly done"]);
    let made = s.invalidations();
    assert_eq!(made.len(), 2, "{made:?}");
    let new = made.iter().find(|i| i["Id"] == report["report"]["purge"]["invalidation"]).expect("the resumed purge's");
    assert_only_mutable(&s, &paths_of(new), &["bookworm-nightly"]);
    let written = s.written_at("dists/bookworm-nightly/InRelease");
    assert!(second(new["CreateTime"].as_str().unwrap()) >= second(&written));

    // Resuming the finished release sends nothing more.
    let (report, _) = s.release_json(&[nightly, "--resume"]);
    assert_eq!(report["report"]["purge"]["status"], "done");
    assert_eq!(s.invalidations().len(), 2);
}

#[test]
fn a_purge_of_a_missing_distribution_fails_the_release_after_its_publishes_and_resume_purges_once() {
    let s = S3Release::new();
    let out: Output = s.release("ENOSUCHDIST", &[NIGHTLY]).output().unwrap();
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("publish bookworm-nightly") && text.contains("published"), "{text}");
    assert!(text.contains("purge   CloudFront distribution ENOSUCHDIST FAILED"), "{text}");
    assert!(
        text.contains("error: purge: CloudFront distribution ENOSUCHDIST:")
            && text.contains("NoSuchDistribution")
            && text.contains("every publish is committed; `--resume` retries just the purge"),
        "{text}"
    );
    // The publish stands; nothing was invalidated anywhere.
    assert_eq!(s.apt_candidate("bookworm-nightly"), "2026.12.02-1~bookworm");
    assert!(s.invalidations().is_empty());

    // The distribution is not part of the journal: --resume with the right
    // one repeats no publish and purges once; a second --resume nothing.
    let (report, log) = s.release_json(&[NIGHTLY, "--resume"]);
    assert!(log.contains("publish/2026.12.02/bookworm-nightly: finished by an earlier run"), "{log}");
    assert_eq!(report["report"]["purge"]["status"], "published", "{}", report["report"]["purge"]);
    assert!(report["report"]["failures"].as_array().unwrap().is_empty());
    let made = s.invalidations();
    assert_eq!(made.len(), 1, "{made:?}");
    assert_only_mutable(&s, &paths_of(&made[0]), &["bookworm-nightly"]);
    s.release_json(&[NIGHTLY, "--resume"]);
    assert_eq!(s.invalidations().len(), 1, "a finished purge is not sent again");
}
