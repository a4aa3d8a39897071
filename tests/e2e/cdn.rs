//! The CloudFront step of a publish: moto as CloudFront (and S3), awscli
//! as the independent client that makes the distribution and reads back
//! what was invalidated, the real `aptkit` binary.

use std::path::Path;
use std::process::{Command, Output};

use aptkit_tests::moto::{Moto, MOTO_ENV};
use aptkit_tests::*;
use serde_json::Value;

/// `aws --endpoint-url MOTO ARGS…` as JSON; it must succeed.
pub(crate) fn aws(moto: &Moto, args: &[&str]) -> Value {
    require_tool("aws");
    let out = run_ok(Command::new("aws").arg("--endpoint-url").arg(moto.endpoint()).args(args).envs(MOTO_ENV));
    let text = stdout(&out);
    if text.trim().is_empty() {
        return Value::Null;
    }
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("aws {args:?} printed no JSON ({e}): {text}"))
}

/// A new distribution on moto; its id.
pub(crate) fn create_distribution(moto: &Moto) -> String {
    let made = aws(moto, &["cloudfront", "create-distribution", "--origin-domain-name", "aptkit-pub.s3.amazonaws.com"]);
    made["Distribution"]["Id"].as_str().expect("an id").to_string()
}

/// The distribution's invalidations, each as `get-invalidation` shows it.
pub(crate) fn invalidations(moto: &Moto, distribution: &str) -> Vec<Value> {
    let list = aws(moto, &["cloudfront", "list-invalidations", "--distribution-id", distribution]);
    let items = list["InvalidationList"]["Items"].as_array().cloned().unwrap_or_default();
    items
        .iter()
        .map(|i| {
            let id = i["Id"].as_str().unwrap();
            aws(moto, &["cloudfront", "get-invalidation", "--distribution-id", distribution, "--id", id])
                ["Invalidation"]
                .clone()
        })
        .collect()
}

pub(crate) fn paths_of(invalidation: &Value) -> Vec<String> {
    let items = invalidation["InvalidationBatch"]["Paths"]["Items"].as_array().expect("paths");
    let mut paths: Vec<String> = items.iter().map(|p| p.as_str().unwrap().to_string()).collect();
    paths.sort();
    paths
}

/// A workspace with a key, a repo `main` holding the example package, and
/// `config` in its aptkit.toml (plus the moto endpoints).
fn workspace(moto: &Moto, config: &str) -> tempfile::TempDir {
    let ws = tempfile::tempdir().unwrap();
    let d = ws.path();
    let endpoints = format!("[s3]\nendpoint_url = \"{0}\"\nforce_path_style = true\n", moto.endpoint());
    std::fs::write(d.join("aptkit.toml"), format!("{config}\n{endpoints}")).unwrap();
    let run = |args: &[&str]| run_ok(aptkit().current_dir(d).envs(MOTO_ENV).args(args));
    run(&["key", "generate", "--output", "key.asc"]);
    run(&["key", "export", "--key", "key.asc", "--output", "key.gpg"]);
    let (_out, debs) = package(compiled_example(), &[]);
    run(&["repo", "create", "main"]);
    run(&["repo", "add", "main", debs[0].parent().unwrap().to_str().unwrap()]);
    ws
}

fn aptkit_in(d: &Path, args: &[&str]) -> Output {
    aptkit().current_dir(d).envs(MOTO_ENV).args(args).output().unwrap()
}

const PUBLISH: [&str; 7] = ["publish", "repo", "main", "-d", "stable", "--key", "key.asc"];

/// Only mutable names: InRelease, Release, Release.gpg, plain index names.
fn assert_only_mutable(paths: &[String]) {
    assert!(!paths.iter().any(|p| p.contains("/pool/") || p.contains("/by-hash/")), "{paths:?}");
    for name in ["InRelease", "Release", "Release.gpg"] {
        assert!(paths.iter().any(|p| p.ends_with(&format!("/dists/stable/{name}"))), "no {name} in {paths:?}");
    }
    assert!(paths.iter().any(|p| p.ends_with("/binary-amd64/Packages.xz")), "{paths:?}");
}

#[test]
fn a_publish_to_s3_makes_one_invalidation_of_its_mutable_paths_after_inrelease_is_committed() {
    let moto = Moto::start();
    moto.create_bucket("aptkit-pub");
    let distribution = create_distribution(&moto);
    let config = format!(
        "state = \"s3://aptkit-pub/state\"\npublic = \"s3://aptkit-pub/public\"\n[cloudfront]\ndistribution = \
         \"{distribution}\"\nendpoint_url = \"{}\"\npath_prefix = \"public\"",
        moto.endpoint()
    );
    let ws = workspace(&moto, &config);
    let d = ws.path();
    let mut args = PUBLISH.to_vec();
    args.extend(["--skip-dependency-check", "--json", "--progress", "json"]);
    let out = aptkit_in(d, &args);
    assert!(out.status.success(), "{}", stderr(&out));

    let made = invalidations(&moto, &distribution);
    assert_eq!(made.len(), 1, "exactly one invalidation per publish: {made:?}");
    let paths = paths_of(&made[0]);
    assert_only_mutable(&paths);
    assert!(paths.iter().all(|p| p.starts_with("/public/dists/stable/")), "the path prefix: {paths:?}");
    // The report names it, with the same paths and reference.
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["invalidation"]["id"], made[0]["Id"], "{report}");
    assert_eq!(report["invalidation"]["paths"].as_array().unwrap().len(), paths.len());
    let reference = made[0]["InvalidationBatch"]["CallerReference"].as_str().unwrap();
    assert_eq!(report["invalidation"]["reference"], reference);
    // After InRelease was written and the record committed: by the events'
    // order, and by the clocks of the two services.
    let events: Vec<Value> = stderr(&out).lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let at = |name: &str| events.iter().position(|e| e["event"] == name).unwrap_or_else(|| panic!("no {name}"));
    assert!(at("signed") < at("committed") && at("committed") < at("invalidating"), "{events:?}");
    assert!(at("invalidating") < at("invalidated"));
    let key = "public/dists/stable/InRelease";
    let listed = aws(&moto, &["s3api", "list-objects-v2", "--bucket", "aptkit-pub", "--prefix", key]);
    let written = listed["Contents"][0]["LastModified"].as_str().unwrap();
    let created = made[0]["CreateTime"].as_str().unwrap();
    let utc = |t: &str| t.ends_with('Z') || t.ends_with("+00:00");
    assert!(utc(written) && utc(created), "{written} {created}");
    assert!(created[..19] >= written[..19], "invalidated at {created}, InRelease written at {written}");

    // Running the purge again sends nothing: the same batch is recorded.
    let again = aptkit_in(d, &["publish", "purge", "stable"]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(stdout(&again).contains("sent before"), "{}", stdout(&again));
    assert_eq!(invalidations(&moto, &distribution).len(), 1);

    // A dry run of the next publish plans its invalidation (after its
    // writes, with the paths and reference it would send) and sends none.
    std::thread::sleep(std::time::Duration::from_secs(1));
    let update_args = ["publish", "update", "stable", "--key", "key.asc", "--skip-dependency-check"];
    let dry = aptkit_in(d, &[&update_args[..], &["--dry-run"]].concat());
    assert!(dry.status.success(), "{}", stderr(&dry));
    let text = stdout(&dry);
    let planned = text.lines().position(|l| l.starts_with("would invalidate "));
    let planned = planned.unwrap_or_else(|| panic!("no invalidation planned:\n{text}"));
    assert!(text.lines().nth(planned).unwrap().contains(&distribution), "{text}");
    assert!(text.lines().take(planned).any(|l| l.contains("InRelease")), "writes first: {text}");
    let planned_paths: Vec<&str> = text.lines().skip(planned + 1).map(str::trim).collect();
    assert!(planned_paths.contains(&"/public/dists/stable/InRelease"), "{text}");
    assert!(planned_paths.iter().all(|p| !p.contains("/pool/") && !p.contains("/by-hash/")), "{text}");
    let dry_json = aptkit_in(d, &[&update_args[..], &["--dry-run", "--json"]].concat());
    let plan: Value = serde_json::from_str(&stdout(&dry_json)).unwrap();
    assert_eq!(plan["invalidation"]["distribution"], distribution.as_str(), "{plan}");
    assert_eq!(plan["invalidation"]["paths"].as_array().unwrap().len(), planned_paths.len(), "{plan}");
    assert_eq!(invalidations(&moto, &distribution).len(), 1, "a dry run sends nothing");

    // A new publish is a new invalidation, of its own changes.
    let update = aptkit_in(d, &["publish", "update", "stable", "--key", "key.asc", "--skip-dependency-check"]);
    assert!(update.status.success(), "{}", stderr(&update));
    let made = invalidations(&moto, &distribution);
    assert_eq!(made.len(), 2, "{made:?}");
    let references: Vec<&str> =
        made.iter().map(|i| i["InvalidationBatch"]["CallerReference"].as_str().unwrap()).collect();
    assert_ne!(references[0], references[1]);
    assert!(stdout(&update).contains("invalidated ") && stdout(&update).contains(&distribution), "{}", stdout(&update));
}

#[test]
fn a_failed_purge_leaves_the_publish_committed_and_publish_purge_retries_it_once() {
    let moto = Moto::start();
    let right = create_distribution(&moto);
    let config =
        format!("state = \"state\"\npublic = \"public\"\n[cloudfront]\nendpoint_url = \"{}\"", moto.endpoint());
    let ws = workspace(&moto, &config);
    let d = ws.path();
    let mut args = PUBLISH.to_vec();
    args.extend(["--skip-dependency-check", "--cloudfront-distribution", "ENOSUCHDIST"]);
    let out = aptkit_in(d, &args);
    let text = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "not found is not retryable: {text}");
    assert!(
        text.contains("committed") && text.contains("ENOSUCHDIST") && text.contains("NoSuchDistribution"),
        "{text}"
    );
    assert!(
        text.contains("to retry just that step: aptkit publish purge stable --cloudfront-distribution ENOSUCHDIST"),
        "{text}"
    );
    assert!(stdout(&out).contains("published stable"), "the publish is reported: {}", stdout(&out));

    // The publish stands: listed, and it verifies.
    let list = run_ok(aptkit().current_dir(d).args(["publish", "list"]));
    assert!(stdout(&list).starts_with("stable "), "{}", stdout(&list));
    run_ok(aptkit().current_dir(d).args(["verify", "public", "--keyring", "key.gpg"]));

    // The dry run says what the purge sends; the purge sends exactly that, once.
    let dry = run_ok(aptkit().current_dir(d).args(["publish", "purge", "stable", "--dry-run", "--json"]));
    let dry: Value = serde_json::from_str(&stdout(&dry)).unwrap();
    assert!(invalidations(&moto, &right).is_empty(), "a dry run sends nothing");
    let purge = ["publish", "purge", "stable", "--cloudfront-distribution", right.as_str(), "--purge-wait", "--json"];
    for _ in 0..2 {
        let out = aptkit_in(d, &purge);
        assert!(out.status.success(), "{}", stderr(&out));
        let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert_eq!(report["invalidation"]["completed"], true, "{report}");
    }
    let made = invalidations(&moto, &right);
    assert_eq!(made.len(), 1, "two purges, one invalidation: {made:?}");
    let paths = paths_of(&made[0]);
    assert_only_mutable(&paths);
    let planned: Vec<String> = dry["paths"].as_array().unwrap().iter().map(|p| p.as_str().unwrap().into()).collect();
    assert_eq!(paths, planned);
    assert_eq!(made[0]["InvalidationBatch"]["CallerReference"], dry["reference"]);
}

/// A dropped suite is purged whole (`dists/SUITE/*`) once the drop is
/// committed; a failed purge says the drop is committed and how to retry,
/// and `publish purge` of the dropped suite sends that wildcard.
#[test]
fn a_dropped_suite_is_purged_whole_after_the_drop_and_the_purge_can_be_retried() {
    let moto = Moto::start();
    let right = create_distribution(&moto);
    let config = format!(
        "state = \"state\"\npublic = \"public\"\n[cloudfront]\nendpoint_url = \"{}\"\npath_prefix = \"public\"",
        moto.endpoint()
    );
    let ws = workspace(&moto, &config);
    let d = ws.path();
    let mut args = PUBLISH.to_vec();
    args.push("--skip-dependency-check");
    for suite in ["stable", "testing"] {
        let mut args = args.clone();
        args[4] = suite;
        let out = aptkit_in(d, &args);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let wildcard = |suite: &str| vec![format!("/public/dists/{suite}/*")];

    // Planned, with the reference the drop will send; nothing sent or deleted.
    let dry = aptkit_in(d, &["publish", "drop", "stable", "--cloudfront-distribution", &right, "--dry-run", "--json"]);
    assert!(dry.status.success(), "{}", stderr(&dry));
    let plan: Value = serde_json::from_str(&stdout(&dry)).unwrap();
    assert_eq!(plan["invalidation"]["paths"], serde_json::json!(wildcard("stable")), "{plan}");
    assert!(invalidations(&moto, &right).is_empty() && d.join("public/dists/stable/InRelease").exists());

    let out = aptkit_in(d, &["publish", "drop", "stable", "--cloudfront-distribution", &right]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!d.join("public/dists/stable").exists());
    let made = invalidations(&moto, &right);
    assert_eq!(made.len(), 1, "{made:?}");
    assert_eq!(paths_of(&made[0]), wildcard("stable"));
    assert_eq!(made[0]["InvalidationBatch"]["CallerReference"], plan["invalidation"]["reference"]);

    // A distribution that does not exist: the drop stands, the retry is said.
    let out = aptkit_in(d, &["publish", "drop", "testing", "--cloudfront-distribution", "ENOSUCHDIST"]);
    let text = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("dropped testing (the drop is committed)") && text.contains("NoSuchDistribution"), "{text}");
    assert!(
        text.contains("to retry just that step: aptkit publish purge testing --cloudfront-distribution ENOSUCHDIST"),
        "{text}"
    );
    assert!(!d.join("public/dists/testing").exists());
    let out = aptkit_in(d, &["publish", "purge", "testing", "--cloudfront-distribution", &right]);
    assert!(out.status.success(), "{}", stderr(&out));
    let made = invalidations(&moto, &right);
    assert_eq!(made.len(), 2, "{made:?}");
    assert!(made.iter().any(|i| paths_of(i) == wildcard("testing")), "{made:?}");
    // A suite never published is still unknown.
    let out = aptkit_in(d, &["publish", "purge", "nosuch", "--cloudfront-distribution", &right]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn suite_and_prefix_names_with_plus_and_tilde_are_invalidated_url_encoded() {
    let moto = Moto::start();
    let distribution = create_distribution(&moto);
    // The endpoint from the standard AWS variable, as S3's.
    let config = "state = \"state\"\npublic = \"public\"\n[cloudfront]\npath_prefix = \"/apt/\"";
    let ws = workspace(&moto, config);
    let d = ws.path();
    let args = [
        "publish",
        "repo",
        "main",
        "-d",
        "1.0~rc1+b2",
        "--prefix",
        "x~y+z",
        "--key",
        "key.asc",
        "--skip-dependency-check",
        "--cloudfront-distribution",
        &distribution,
        "--progress",
        "plain",
    ];
    let out =
        run_ok(aptkit().current_dir(d).envs(MOTO_ENV).env("AWS_ENDPOINT_URL_CLOUDFRONT", moto.endpoint()).args(args));
    let made = invalidations(&moto, &distribution);
    assert_eq!(made.len(), 1);
    let paths = paths_of(&made[0]);
    // `~` is unsafe in RFC 1738, so encoded; `+` is not, so left alone.
    assert!(paths.contains(&"/apt/x%7Ey+z/dists/1.0%7Erc1+b2/InRelease".to_string()), "{paths:?}");
    assert!(paths.iter().all(|p| p.starts_with("/apt/x%7Ey+z/dists/1.0%7Erc1+b2/")), "{paths:?}");
    let log = stderr(&out);
    assert!(
        log.contains(&format!("invalidating {} paths on CloudFront distribution {distribution}", paths.len())),
        "{log}"
    );
    assert!(log.contains(&format!("invalidation {} created", made[0]["Id"].as_str().unwrap())), "{log}");
    // Such a prefix works, and is warned about.
    assert!(log.contains("warning: prefix `x~y+z` has characters a URL must encode (`~`, `+`)"), "{log}");
}
