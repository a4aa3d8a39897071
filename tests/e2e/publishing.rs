//! Publishing as CI runs it: two jobs publishing one suite at once (one
//! publishes, the other exits 75, "retry later", naming the suite and the
//! job that holds it), in a local directory and in S3; and machine-readable
//! progress (`--progress json`) beside the machine-readable report
//! (`--json`).

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use aptkit_tests::moto::{Moto, MOTO_ENV};
use aptkit_tests::*;

const UPDATE: [&str; 6] = ["publish", "update", "stable", "--key", "key.asc", "--skip-dependency-check"];

/// A directory with a signing key (`key.asc`, `key.gpg`), the example's
/// .debs in repo `main`, published as `stable`; `config` goes to aptkit.toml.
fn published_workspace(config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("aptkit.toml"), config).unwrap();
    let run = |args: &[&str]| run_ok(aptkit().current_dir(dir.path()).envs(MOTO_ENV).args(args));
    run(&["key", "generate", "--output", "key.asc"]);
    run(&["key", "export", "--key", "key.asc", "--output", "key.gpg"]);
    let (_debs_dir, debs) = package(compiled_example(), &[]);
    run(&["repo", "create", "main"]);
    run(&["repo", "add", "main", debs[0].parent().unwrap().to_str().unwrap()]);
    run(&["publish", "repo", "main", "-d", "stable", "--key", "key.asc", "--skip-dependency-check"]);
    dir
}

/// The Release text with its Date moved `seconds` past now: the next
/// publish must date its own a second later, and waits for the clock
/// (holding the suite's claim) until that is at most 5 s ahead.
fn dated_ahead(release: &str, seconds: u64) -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let date = aptkit_index::format_date((now + seconds) as i64);
    release.lines().map(|l| if l.starts_with("Date:") { format!("Date: {date}\n") } else { format!("{l}\n") }).collect()
}

/// Start `publish update stable` in `dir` and return once it holds the
/// suite's claim (it says it waits for the clock), with what it said.
fn start_holding_publish(dir: &Path) -> (std::process::Child, std::process::ChildStderr) {
    let mut first = aptkit().current_dir(dir).envs(MOTO_ENV).args(UPDATE).stderr(Stdio::piped()).spawn().unwrap();
    let stderr = first.stderr.take().unwrap();
    (first, stderr)
}

/// Two publishes of `stable` at once, the second with `--wait 0`: it exits
/// 75 at once naming the suite and the first job's process; the first then
/// completes and verifies.
fn second_publisher_is_told_to_retry(dir: &Path, verify_location: &str) {
    let (mut first, stderr) = start_holding_publish(dir);
    let mut lines = std::io::BufReader::new(stderr).lines();
    let mut seen = String::new();
    while !seen.contains("note: waiting") {
        match lines.next() {
            Some(line) => seen += &(line.unwrap() + "\n"),
            None => panic!("the first publish ended before it waited for the clock:\n{seen}"),
        }
    }
    let second = aptkit().current_dir(dir).envs(MOTO_ENV).args(UPDATE).args(["--wait", "0"]).output().unwrap();
    let said = stderr_of(&second);
    assert_eq!(second.status.code(), Some(75), "{said}");
    let holder = format!("process {} on ", first.id());
    assert!(said.contains("`stable` is being published by another job") && said.contains(&holder), "{said}");
    assert!(said.contains("exit code 75"), "{said}");

    // The rest of the first job's output, then its outcome.
    let rest: Vec<String> = lines.map(|l| l.unwrap()).collect();
    let status = first.wait().unwrap();
    assert!(status.success(), "the first publish failed:\n{seen}{}", rest.join("\n"));
    run_ok(aptkit().current_dir(dir).envs(MOTO_ENV).args(["verify", verify_location, "--keyring", "key.gpg"]));
}

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn two_publishers_of_one_local_suite_one_publishes_the_other_exits_75() {
    let ws = published_workspace("");
    // The suite's InRelease (which a publish reads its last Date from).
    let release = ws.path().join("public/dists/stable/InRelease");
    let forged = dated_ahead(&std::fs::read_to_string(&release).unwrap(), 8);
    // A new file, not a write through a hard link.
    std::fs::remove_file(&release).unwrap();
    std::fs::write(&release, forged).unwrap();
    second_publisher_is_told_to_retry(ws.path(), "public");
}

#[test]
fn two_publishers_of_one_suite_in_s3_one_publishes_the_other_exits_75() {
    require_tool("aws");
    let moto = Moto::start();
    moto.create_bucket("concurrent");
    let config = format!(
        "state = \"s3://concurrent/state\"\npublic = \"s3://concurrent/public\"\n\n[s3]\nendpoint_url = \"{}\"\n\
         force_path_style = true\n",
        moto.endpoint()
    );
    let ws = published_workspace(&config);
    let aws = |args: &[&str]| {
        run_ok(Command::new("aws").arg("--endpoint-url").arg(moto.endpoint()).args(args).envs(MOTO_ENV))
    };
    let release = ws.path().join("InRelease");
    let key = "s3://concurrent/public/dists/stable/InRelease";
    aws(&["s3", "cp", "--only-show-errors", key, release.to_str().unwrap()]);
    std::fs::write(&release, dated_ahead(&std::fs::read_to_string(&release).unwrap(), 8)).unwrap();
    aws(&["s3", "cp", "--only-show-errors", release.to_str().unwrap(), key]);
    second_publisher_is_told_to_retry(ws.path(), "s3://concurrent/public");
}

/// `--progress json` writes one JSON event per line on stderr and `--json`
/// one report on stdout; each parses on its own, and the report names what
/// a CDN must purge (never pool/ or by-hash/).
#[test]
fn progress_json_is_one_event_per_line_beside_one_json_report() {
    let ws = published_workspace("");
    let debs: PathBuf = ws.path().join("more");
    let (_d, newer) = package(compiled_example(), &["--version", "1.1-1"]);
    copy_tree(newer[0].parent().unwrap(), &debs);
    run_ok(aptkit().current_dir(ws.path()).args(["repo", "add", "main", "more"]));
    let out = aptkit().current_dir(ws.path()).args(UPDATE).args(["--progress", "json", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));

    let events: Vec<serde_json::Value> = stderr_of(&out)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not one JSON event: {line:?}: {e}")))
        .collect();
    let names: Vec<&str> = events.iter().map(|e| e["event"].as_str().expect("every event is tagged")).collect();
    assert_eq!(names.first(), Some(&"started"), "{names:?}");
    assert_eq!(names.last(), Some(&"committed"), "{names:?}");
    for expected in ["pool-placed", "index-written", "signed", "verified"] {
        assert!(names.contains(&expected), "no {expected} event: {names:?}");
    }
    let placed = names.iter().filter(|n| **n == "pool-placed").count() as u64;
    assert_eq!(Some(placed), events[0]["pool_files"].as_u64(), "one pool-placed event per pool file to place");

    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is one JSON document");
    assert_eq!(report["publication"], "stable");
    let purge: Vec<&str> = report["purge"].as_array().unwrap().iter().map(|k| k.as_str().unwrap()).collect();
    for name in ["dists/stable/InRelease", "dists/stable/Release", "dists/stable/Release.gpg"] {
        assert!(purge.contains(&name), "{name} not purged: {purge:?}");
    }
    assert!(purge.contains(&"dists/stable/main/binary-amd64/Packages.xz"), "{purge:?}");
    assert!(purge.iter().all(|k| !k.starts_with("pool/") && !k.contains("/by-hash/")), "{purge:?}");
}
