//! `aptkit release` as a CI matrix across machines, the form of
//! docs/github-actions-release.yml: three containers on a private Docker
//! network, each with the aptkit binary mounted and moto (on the host, at
//! the network's gateway) as the shared S3 state store, build one distro
//! each with `--build-only` — two of them the same distro at the same
//! moment — and a fourth publishes with `--no-build`. The suites it
//! publishes equal a single-machine release of the same project, the
//! doubled build is stored once, and the publishing job compiles nothing.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use aptkit_tests::moto::{Moto, MOTO_ENV};
use aptkit_tests::{aptkit, aptkit_bin, repo_root, require_tool, run_ok, stderr, stdout};

use crate::release::{keyring, Project, RELEASE};

/// The runners' image: the test image (scripts/install-test-tools.sh) with
/// a compiler and the example's Build-Depends, since `--engine none`
/// compiles where aptkit runs, and CA certificates, which the AWS SDK's
/// client loads at start (a debug build asserts that it found some). No
/// registry is reachable, so it is built here, once per machine (apt-get
/// inside reaches Debian's mirrors). An image made from another revision
/// of the Dockerfile (its label differs) is made anew.
const BUILDER: &str = "localhost/aptkit-test/builder:bookworm";
const BUILDER_REVISION: &str = "2";
const DOCKERFILE: &str = "FROM localhost/aptkit-test/debian:bookworm
RUN apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \\
    build-essential debhelper git ca-certificates && apt-get clean && rm -rf /var/lib/apt/lists/*
";

const BOOKWORM: &str = "debian-12-bookworm";
const NOBLE: &str = "ubuntu-24.04-noble";
const STATE: &str = "s3://state/hello";
const PUBLIC: &str = "s3://public/repo";

fn docker(args: &[&str]) -> Output {
    run_ok(Command::new("docker").args(args))
}

fn builder_image() -> &'static str {
    static MADE: std::sync::Once = std::sync::Once::new();
    MADE.call_once(|| {
        let inspect = |image: &str| {
            let format = "{{index .Config.Labels \"aptkit-test.builder\"}}";
            let out = Command::new("docker").args(["image", "inspect", "-f", format, image]).output();
            let out = out.expect("run docker");
            out.status.success().then(|| stdout(&out).trim().to_string())
        };
        if inspect(BUILDER).as_deref() == Some(BUILDER_REVISION) {
            return;
        }
        assert!(
            inspect("localhost/aptkit-test/debian:bookworm").is_some(),
            "no test image: run scripts/install-test-tools.sh (the README's test command does)"
        );
        // About two minutes.
        let mut build = Command::new("docker")
            .args([
                "build",
                "--quiet",
                "--tag",
                BUILDER,
                "--label",
                &format!("aptkit-test.builder={BUILDER_REVISION}"),
                "-",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run docker build");
        use std::io::Write;
        build.stdin.take().unwrap().write_all(DOCKERFILE.as_bytes()).unwrap();
        let out = build.wait_with_output().unwrap();
        assert!(out.status.success(), "docker build of {BUILDER} failed:\n{}", stderr(&out));
    });
    BUILDER
}

/// A private Docker network; dropped (even on a failed assertion), its
/// containers are removed and then the network.
struct Network {
    name: String,
    gateway: String,
}

impl Network {
    fn create() -> Network {
        let name = format!("aptkit-fanout-{}", std::process::id());
        let label = format!("aptkit-fanout={name}");
        docker(&["network", "create", "--label", &label, &name]);
        // The guard exists from here on: a failed inspect removes it too.
        let mut network = Network { name, gateway: String::new() };
        let out = docker(&["network", "inspect", "-f", "{{range .IPAM.Config}}{{.Gateway}}{{end}}", &network.name]);
        network.gateway = stdout(&out).trim().to_string();
        assert!(!network.gateway.is_empty(), "the network {} has no gateway", network.name);
        network
    }

    fn label(&self) -> String {
        format!("aptkit-fanout={}", self.name)
    }
}

impl Drop for Network {
    fn drop(&mut self) {
        let listed = Command::new("docker")
            .args(["ps", "-aq", "--filter", &format!("label={}", self.label())])
            .output()
            .map(|o| stdout(&o))
            .unwrap_or_default();
        let ids: Vec<&str> = listed.split_whitespace().collect();
        if !ids.is_empty() {
            let _ = Command::new("docker").args(["rm", "-f"]).args(&ids).output();
        }
        let _ = Command::new("docker").args(["network", "rm", &self.name]).output();
    }
}

/// One CI job: a container named `name` (also its hostname, which the
/// build cache's manifests record as the runner) with a work directory of
/// its own; the project, the key and aptkit mounted read-only.
struct Job {
    name: &'static str,
    work: PathBuf,
}

impl Job {
    fn command(&self, net: &Network, moto: &Moto, project: &Project, sync: &Path, args: &[&str]) -> Command {
        std::fs::create_dir_all(&self.work).unwrap();
        let mount = |host: &Path, inside: &str, mode: &str| format!("{}:{inside}{mode}", host.display());
        let mut cmd = Command::new("docker");
        cmd.args(["run", "--rm", "--network", &net.name, "--label", &net.label(), "--hostname", self.name])
            .args(["--name", &format!("{}-{}", net.name, self.name)])
            .args(["-v", &mount(aptkit_bin(), "/usr/local/bin/aptkit", ":ro")])
            .args(["-v", &mount(&project.path("hello"), "/project", ":ro")])
            .args(["-v", &mount(&repo_root().join("keys-example"), "/keys", ":ro")])
            .args(["-v", &mount(&self.work, "/work", "")])
            .args(["-v", &mount(sync, "/sync", ""), "-w", "/work"])
            .args(["-e", &format!("AWS_ENDPOINT_URL_S3={}", moto.endpoint()), "-e", "APTKIT_S3_FORCE_PATH_STYLE=1"]);
        for (k, v) in MOTO_ENV {
            cmd.args(["-e", &format!("{k}={v}")]);
        }
        // Every job waits for /sync/go, so that the matrix starts at one
        // moment rather than one container start after another.
        let barrier = "touch /sync/$(hostname).ready; while [ ! -e /sync/go ]; do sleep 0.05; done; exec \"$@\"";
        cmd.args([builder_image(), "sh", "-c", barrier, "sh", "aptkit", "--state", STATE])
            .args(args)
            .args(["--git", "/project", "--engine", "none", "--key", "/keys/ed25519.asc"])
            .args(["--out", "out", "--log-dir", "logs", "--json"]);
        cmd
    }

    /// This job's own build log of `distro`.
    fn log(&self, distro: &str) -> String {
        let path = self.work.join(format!("logs/{RELEASE}/{distro}.log"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }
}

/// Start `jobs` together: spawned, each waits at the barrier until all
/// are up, then all go at once. Their outputs, each insisted successful.
fn run_together(sync: &Path, jobs: Vec<(&Job, Command)>) -> Vec<Output> {
    let mut children: Vec<(&Job, Child)> = jobs
        .into_iter()
        .map(|(job, mut cmd)| (job, cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap()))
        .collect();
    let started = Instant::now();
    while !children.iter().all(|(job, _)| sync.join(format!("{}.ready", job.name)).exists()) {
        for (job, child) in &mut children {
            if let Some(status) = child.try_wait().unwrap() {
                panic!("{} ended ({status}) before the start", job.name);
            }
        }
        assert!(started.elapsed() < Duration::from_secs(120), "the containers did not start in 120 s");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::fs::write(sync.join("go"), "").unwrap();
    children
        .into_iter()
        .map(|(job, child)| {
            let out = child.wait_with_output().unwrap();
            assert!(out.status.success(), "{} failed ({}):\n{}{}", job.name, out.status, stdout(&out), stderr(&out));
            out
        })
        .collect()
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_str(&stdout(out)).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(out)))
}

/// `distro status` of every build in a release's JSON report.
fn builds(report: &serde_json::Value) -> Vec<String> {
    let builds = report["report"]["versions"][0]["builds"].as_array().unwrap();
    builds.iter().map(|b| format!("{} {}", b["distro"].as_str().unwrap(), b["status"].as_str().unwrap())).collect()
}

/// The build key a build log names, and what became of it: `stored`, or
/// `already there` (another runner stored it first), or `reused`.
fn cache_outcome(log: &str) -> (String, &'static str) {
    let ends = [
        ("==> stored in the build cache as ", "stored"),
        ("==> another runner stored ", "already there"),
        ("==> reused: the build cache holds ", "reused"),
    ];
    for line in log.lines() {
        for (prefix, what) in ends {
            if let Some(rest) = line.strip_prefix(prefix) {
                return (rest.split_whitespace().next().unwrap().to_string(), what);
            }
        }
    }
    panic!("the log says nothing of the build cache:\n{log}")
}

/// `aws --endpoint-url MOTO ARGS…` (an S3 client independent of aptkit).
fn aws(moto: &Moto, args: &[&str]) -> String {
    require_tool("aws");
    stdout(&run_ok(Command::new("aws").arg("--endpoint-url").arg(moto.endpoint()).envs(MOTO_ENV).args(args)))
}

#[test]
fn a_ci_matrix_of_containers_sharing_s3_state_publishes_what_one_machine_releases() {
    require_tool("docker");
    builder_image();
    let project = Project::new(&[BOOKWORM, NOBLE]);
    let net = Network::create();
    let moto = Moto::start_on(&net.gateway);
    moto.create_bucket("state");
    moto.create_bucket("public");
    let jobs_dir = tempfile::tempdir().unwrap();
    let job = |name| Job { name, work: jobs_dir.path().join(name) };
    let (a, b, noble, publisher) =
        (job("runner-bookworm-a"), job("runner-bookworm-b"), job("runner-noble"), job("publisher"));
    let build_only = |job: &Job, distro: &str, sync: &Path| {
        job.command(&net, &moto, &project, sync, &["release", RELEASE, "--build-only", "--distro", distro])
    };

    // The matrix: three jobs at once, two of them on the same build key.
    let sync = jobs_dir.path().join("sync-matrix");
    std::fs::create_dir(&sync).unwrap();
    let outs = run_together(
        &sync,
        vec![
            (&a, build_only(&a, BOOKWORM, &sync)),
            (&b, build_only(&b, BOOKWORM, &sync)),
            (&noble, build_only(&noble, NOBLE, &sync)),
        ],
    );
    for (out, distro) in outs.iter().zip([BOOKWORM, BOOKWORM, NOBLE]) {
        let status = builds(&json(out));
        assert!(status == [format!("{distro} built")] || status == [format!("{distro} reused")], "{status:?}");
    }

    // Stored once: both bookworm jobs name one key; one stored it, the
    // other found it stored (after compiling too, or before compiling).
    let (key_a, what_a) = cache_outcome(&a.log(BOOKWORM));
    let (key_b, what_b) = cache_outcome(&b.log(BOOKWORM));
    assert_eq!(key_a, key_b, "the two runners' inputs differ");
    let storer = match (what_a, what_b) {
        ("stored", "already there" | "reused") => a.name,
        ("already there" | "reused", "stored") => b.name,
        other => panic!("not stored exactly once: {other:?}"),
    };
    eprintln!("bookworm runners: a {what_a}, b {what_b}");
    let listing = aws(&moto, &["s3", "ls", "--recursive", &format!("{STATE}/build-cache/")]);
    let manifests: Vec<&str> = listing.lines().filter(|l| l.ends_with("/manifest.json")).collect();
    assert_eq!(manifests.len(), 2, "one entry per distro:\n{listing}");
    assert!(manifests.iter().any(|l| l.ends_with(&format!("build-cache/{key_a}/manifest.json"))), "{listing}");
    let manifest: serde_json::Value =
        serde_json::from_str(&aws(&moto, &["s3", "cp", &format!("{STATE}/build-cache/{key_a}/manifest.json"), "-"]))
            .unwrap();
    assert_eq!(manifest["runner"], storer, "the manifest names the runner that stored it");

    // The publishing job: finds both builds done in the journal, restores
    // them from the cache (compiling nothing), publishes the four suites
    // and finishes the journal.
    let sync = jobs_dir.path().join("sync-publish");
    std::fs::create_dir(&sync).unwrap();
    let args = ["--public", PUBLIC, "release", RELEASE, "--no-build", "--skip-dependency-check"];
    let out = run_together(&sync, vec![(&publisher, publisher.command(&net, &moto, &project, &sync, &args))]);
    let report = json(&out[0]);
    assert_eq!(builds(&report), [format!("{BOOKWORM} done"), format!("{NOBLE} done")]);
    for distro in [BOOKWORM, NOBLE] {
        assert_eq!(cache_outcome(&publisher.log(distro)).1, "reused");
    }
    let journal: serde_json::Value =
        serde_json::from_str(&aws(&moto, &["s3", "cp", &format!("{STATE}/releases/{RELEASE}/journal.json"), "-"]))
            .unwrap();
    assert!(journal["finished"].is_i64(), "the journal is finished: {journal}");
    let runner_of = |distro: &str| journal["steps"][format!("build/{RELEASE}/{distro}")]["detail"]["runner"].clone();
    assert!([a.name, b.name].contains(&runner_of(BOOKWORM).as_str().unwrap()), "{journal}");
    assert_eq!(runner_of(NOBLE), noble.name);

    // What one machine releases from the same project: the same Packages
    // (so the same .deb bytes, by SHA-256). The runners' image and this
    // host are both Debian 12 with the same compiler, and the builds are
    // reproducible given the same commits; were the compilers to differ,
    // the reference would have to be a release run in the same image.
    run_ok(&mut project.release(&[RELEASE]));
    for suite in ["bookworm", "bookworm-1.3", "noble", "noble-1.3"] {
        let published = aws(&moto, &["s3", "cp", &format!("{PUBLIC}/dists/{suite}/main/binary-amd64/Packages"), "-"]);
        assert_eq!(published, project.packages(suite), "{suite}");
    }
    // And the repository in S3 is whole: signatures, indices, every .deb.
    let verified = aptkit()
        .envs(MOTO_ENV)
        .env("AWS_ENDPOINT_URL_S3", moto.endpoint())
        .env("APTKIT_S3_FORCE_PATH_STYLE", "1")
        .args(["verify", PUBLIC, "--deep", "--keyring"])
        .arg(keyring())
        .output()
        .unwrap();
    assert!(verified.status.success(), "{}{}", stdout(&verified), stderr(&verified));
}
