//! CloudFront invalidation against moto's CloudFront API, checked with awscli.

#[allow(dead_code)]
#[path = "../../../tests/src/moto.rs"]
mod moto;

use std::process::Command;

use aptkit_aws::CloudFront;
use moto::{Moto, MOTO_ENV};

/// `aws --endpoint-url MOTO ARGS…` (awscli comes with scripts/install-test-tools.sh).
fn aws(moto: &Moto, args: &[&str]) -> String {
    let out = Command::new("aws")
        .arg("--endpoint-url")
        .arg(moto.endpoint())
        .args(args)
        .envs(MOTO_ENV)
        .output()
        .unwrap_or_else(|e| panic!("cannot run aws (run scripts/install-test-tools.sh): {e}"));
    assert!(out.status.success(), "aws {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The first `"Id": "…"` in awscli's JSON.
fn first_id(json: &str) -> String {
    let rest = json.split("\"Id\": \"").nth(1).unwrap_or_else(|| panic!("no Id in {json}"));
    rest.split('"').next().unwrap().to_string()
}

#[test]
fn invalidates_the_mutable_paths_of_a_suite() {
    let moto = Moto::start();
    moto::set_moto_env();
    let distribution = first_id(&aws(
        &moto,
        &["cloudfront", "create-distribution", "--origin-domain-name", "aptkit-repo.s3.amazonaws.com"],
    ));
    let cdn = CloudFront::connect(&distribution, Some(&moto.endpoint())).unwrap();
    let paths: Vec<String> =
        ["InRelease", "Release", "Release.gpg"].iter().map(|n| format!("/dists/stable/{n}")).collect();
    let id = cdn.invalidate(&paths, "aptkit-release-2026.11.21").unwrap();
    assert!(!id.is_empty());
    // AWS says InProgress, then Completed; moto COMPLETED at once.
    let status = cdn.status(&id).unwrap().to_ascii_lowercase();
    assert!(["inprogress", "completed"].contains(&status.as_str()), "{status}");

    let listed = aws(&moto, &["cloudfront", "get-invalidation", "--distribution-id", &distribution, "--id", &id]);
    assert!(paths.iter().all(|p| listed.contains(p.as_str())), "{listed}");
    assert!(listed.contains("aptkit-release-2026.11.21"), "{listed}");

    assert!(cdn.invalidate(&["dists/stable/InRelease".to_string()], "x").is_err(), "paths start with /");
    let unknown = CloudFront::connect("ENOSUCHDIST", Some(&moto.endpoint())).unwrap();
    let err = unknown.invalidate(&paths, "y").unwrap_err().to_string();
    assert!(err.contains("ENOSUCHDIST") && err.contains("NoSuchDistribution"), "{err}");
}
