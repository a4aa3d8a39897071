//! A large package through S3: a 600 MiB .deb added to a state bucket
//! (multipart upload) and published to another bucket on the same server
//! (server-side copy), by the real binary, whose peak memory is measured.

use std::path::Path;
use std::process::{Command, Stdio};

use aptkit_tests::moto::{Moto, MOTO_ENV};
use aptkit_tests::*;

const MIB: u64 = 1 << 20;

/// Run `cmd` to its end, its output into a file; (exit code, output, peak
/// RSS in bytes). The peak is the process's own high-water mark (VmHWM),
/// read every few milliseconds while it runs: the rusage of a waited child
/// would count the test process's own memory, which a spawned child shares
/// until it execs. (A peak in the last milliseconds could be missed.)
fn run_measured(cmd: &mut Command, dir: &Path) -> (i32, String, u64) {
    let out = std::fs::File::create(dir.join("out.log")).unwrap();
    let mut child = cmd.stdin(Stdio::null()).stdout(out.try_clone().unwrap()).stderr(out).spawn().unwrap();
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    let status = loop {
        if let Ok(text) = std::fs::read_to_string(&status_file) {
            let hwm = text.lines().find_map(|l| l.strip_prefix("VmHWM:"));
            let kib: u64 = hwm.and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok()).unwrap_or(0);
            peak = peak.max(kib * 1024);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    };
    let text = std::fs::read_to_string(dir.join("out.log")).unwrap();
    assert!(peak > 0, "no VmHWM was read from {status_file}");
    (status.code().unwrap_or(-1), text, peak)
}

#[test]
fn a_600_mib_package_is_published_s3_to_s3_by_a_server_side_copy_in_bounded_memory() {
    let moto = Moto::start();
    moto.create_bucket("aptkit-state");
    moto.create_bucket("aptkit-public");
    let ws = tempfile::tempdir().unwrap();
    let d = ws.path();
    let config = format!(
        "state = \"s3://aptkit-state/state\"\npublic = \"s3://aptkit-public/debian\"\n\
         [s3]\nendpoint_url = \"{}\"\nforce_path_style = true\n",
        moto.endpoint()
    );
    std::fs::write(d.join("aptkit.toml"), config).unwrap();
    let run = |args: &[&str]| run_ok(aptkit().current_dir(d).envs(MOTO_ENV).args(args));
    run(&["key", "generate", "--output", "key.asc"]);
    run(&["key", "export", "--key", "key.asc", "--output", "key.gpg"]);

    // hello-data with a 600 MiB file (sparse here), uncompressed: a .deb
    // of 600 MiB and more.
    let (_tree_dir, tree) = example_copy();
    let big = tree.join("debian/tmp/usr/share/hello-data/big.txt");
    std::fs::File::create(&big).unwrap().set_len(600 * MIB).unwrap();
    let (_debs_dir, debs) = package(&tree, &["--package", "hello-data", "--compression", "none"]);
    let deb_size = std::fs::metadata(&debs[0]).unwrap().len();
    assert!(deb_size > 600 * MIB, "{deb_size}");

    run(&["repo", "create", "main"]);
    let started = std::time::Instant::now();
    run(&["repo", "add", "main", debs[0].to_str().unwrap()]);
    eprintln!("repo add (multipart upload): {:.1} s", started.elapsed().as_secs_f64());
    let started = std::time::Instant::now();
    let before = moto.requests().len();
    let (code, text, peak) = run_measured(
        aptkit().current_dir(d).envs(MOTO_ENV).args([
            "publish",
            "repo",
            "main",
            "-d",
            "stable",
            "--key",
            "key.asc",
            "--skip-dependency-check",
            "--architectures",
            "amd64",
        ]),
        d,
    );
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!(code, 0, "{text}");
    eprintln!("publish of a {deb_size}-byte .deb: peak RSS {} MiB, {seconds:.1} s", peak / MIB);
    assert!(peak < 100 * MIB, "publish peaked at {} MiB RSS:\n{text}", peak / MIB);

    // Server-side: the publish never read the blob from the state bucket,
    // and the pool file was written by one request of the copy.
    let requests = moto.requests()[before..].to_vec();
    let read_blob = requests.iter().filter(|l| l.contains("GET /aptkit-state/state/pool/")).count();
    assert_eq!(read_blob, 0, "the blob was read through the client:\n{requests:#?}");
    let placed: Vec<&String> = requests.iter().filter(|l| l.contains("PUT /aptkit-public/debian/pool/")).collect();
    assert_eq!(placed.len(), 1, "{requests:#?}");
    let filename = debs[0].file_name().unwrap().to_str().unwrap();
    assert!(placed[0].contains(filename), "{placed:?}");

    let out = aptkit()
        .current_dir(d)
        .envs(MOTO_ENV)
        .args(["verify", "s3://aptkit-public/debian", "--keyring", "key.gpg", "--deep"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
}
