//! `aptkit source` end to end: a git repository with a tagged release and a
//! newer branch head; release and nightly tarballs made twice and from
//! another clone (identical bytes), checked with gzip, tar and `git archive`,
//! their signatures with gpgv and sqv, SHA256SUMS with `sha256sum -c`; every
//! refusal leaves --out as it was.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use aptkit_tests::*;

/// The time of the release commit: 2024-03-01T12:00:00Z.
const RELEASE_TIME: u64 = 1_709_294_400;

fn git(dir: &Path, args: &[&str]) -> String {
    let date = format!("@{RELEASE_TIME} +0000");
    stdout(&run_ok(
        Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(["-c", "user.name=T", "-c", "user.email=t@example.invalid", "-c", "init.defaultBranch=main"])
            .args(args)
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date),
    ))
    .trim()
    .to_string()
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A temporary directory with a signing key (`key.asc`, keyring `key.gpg`)
/// and a repository `hello`: tag v1.2.0 on the first commit, one more
/// commit on `main`, a branch `stable` at the tag.
struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Self {
        let f = Fixture { dir: tempfile::tempdir().unwrap() };
        run_ok(aptkit().args(["key", "generate", "--output"]).arg(f.path("key.asc")));
        run_ok(aptkit().args(["key", "export", "--key"]).arg(f.path("key.asc")).arg("--output").arg(f.path("key.gpg")));
        let repo = f.path("hello");
        std::fs::create_dir(&repo).unwrap();
        git(&repo, &["init", "-q"]);
        write(&repo.join("README"), "hello\n");
        write(&repo.join("bin/hello"), "#!/bin/sh\necho hello\n");
        std::fs::set_permissions(repo.join("bin/hello"), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::os::unix::fs::symlink("bin/hello", repo.join("hello")).unwrap();
        write(&repo.join("debian/control"), "Source: hello\nMaintainer: T <t@example.invalid>\n\nPackage: hello\n");
        write(&repo.join(format!("{}/deep.txt", ["a-rather-long-directory-name"; 5].join("/"))), "deep\n");
        git(&repo, &["add", "-A"]);
        git(&repo, &["commit", "-q", "-m", "1.2.0"]);
        git(&repo, &["tag", "-a", "-m", "release 1.2.0", "v1.2.0"]);
        git(&repo, &["branch", "stable"]);
        write(&repo.join("NEWS"), "after 1.2.0\n");
        git(&repo, &["add", "NEWS"]);
        git(&repo, &["commit", "-q", "-m", "more"]);
        write(&repo.join("untracked"), "never in a tarball\n");
        f
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// `aptkit source` in the fixture's directory, no key in the environment.
    fn source(&self, args: &[&str]) -> Output {
        aptkit()
            .arg("source")
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("APTKIT_SIGNING_KEY")
            .output()
            .unwrap()
    }

    fn source_ok(&self, args: &[&str]) -> serde_json::Value {
        let out = self.source(args);
        assert!(out.status.success(), "aptkit source {args:?}: {}", stderr(&out));
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// The real verifiers apt uses accept `file.asc` for `file`.
    fn verify_signature(&self, file: &Path) {
        let asc = PathBuf::from(format!("{}.asc", file.display()));
        run_ok(Command::new("gpgv").arg("--keyring").arg(self.path("key.gpg")).arg(&asc).arg(file));
        require_tool("sqv");
        run_ok(Command::new("sqv").arg("--keyring").arg(self.path("key.gpg")).arg(&asc).arg(file));
    }
}

#[test]
fn release_and_nightly_tarballs_are_reproducible_signed_and_summed() {
    let f = Fixture::new();
    let release = f.source_ok(&["1.2.0", "--git", "hello", "--out", "out", "--key", "key.asc", "--json"]);
    assert_eq!(release["kind"], "release");
    assert_eq!(release["ref"], "refs/tags/v1.2.0");
    assert_eq!(release["commit"], git(&f.path("hello"), &["rev-parse", "v1.2.0^{commit}"]));
    assert_eq!(release["file"], "out/hello-1.2.0.tar.gz");
    let tarball = f.path("out/hello-1.2.0.tar.gz");
    let bytes = std::fs::read(&tarball).unwrap();

    let nightly = f.source_ok(&["2026.05.01", "--git", "hello", "--out", "out", "--key", "key.asc", "--json"]);
    assert_eq!(nightly["kind"], "nightly");
    assert_eq!(nightly["ref"], "refs/heads/main");
    assert_eq!(nightly["commit"], git(&f.path("hello"), &["rev-parse", "main"]));
    let nightly_file = f.path("out/hello-2026.05.01.tar.gz");

    // Both signatures verify, both lines of SHA256SUMS check, sorted.
    f.verify_signature(&tarball);
    f.verify_signature(&nightly_file);
    assert_eq!(dir_names(&f.path("out")).len(), 5, "{:?}", dir_names(&f.path("out")));
    let sums = std::fs::read_to_string(f.path("out/SHA256SUMS")).unwrap();
    let names: Vec<&str> = sums.lines().map(|l| l.split("  ").nth(1).unwrap()).collect();
    assert_eq!(names, ["hello-1.2.0.tar.gz", "hello-2026.05.01.tar.gz"]);
    assert!(sums.contains(&format!("{}  hello-1.2.0.tar.gz\n", release["sha256"].as_str().unwrap())), "{sums}");
    run_ok(Command::new("sha256sum").args(["-c", "--strict", "SHA256SUMS"]).current_dir(f.path("out")));

    // Made again, the release replaces its own line and is the same file.
    f.source_ok(&["1.2.0", "--git", "hello", "--out", "out", "--key", "key.asc", "--json"]);
    assert_eq!(std::fs::read(&tarball).unwrap(), bytes);
    assert_eq!(std::fs::read_to_string(f.path("out/SHA256SUMS")).unwrap(), sums);

    // Another clone, with other mtimes and another checkout: the same bytes.
    run_ok(Command::new("git").args(["clone", "-q", "--no-local", "hello", "clone"]).current_dir(f.dir.path()));
    run_ok(
        Command::new("touch").args(["-d", "2001-01-01", "clone/README", "clone/bin/hello"]).current_dir(f.dir.path()),
    );
    git(&f.path("clone"), &["checkout", "-q", "stable"]);
    f.source_ok(&["1.2.0", "--git", "clone", "--out", "out2", "--key", "key.asc", "--json"]);
    assert_eq!(std::fs::read(f.path("out2/hello-1.2.0.tar.gz")).unwrap(), bytes);
    // The nightly of that clone's branch `stable` is the release commit's tree under another name.
    let other = f.source_ok(&["2026.05.02", "--git", "clone", "--out", "out2", "--key", "key.asc", "--json"]);
    assert_eq!(
        (other["ref"].as_str(), other["commit"].as_str()),
        (Some("refs/heads/stable"), release["commit"].as_str())
    );

    // gzip and tar accept it; what it unpacks to is what `git archive` makes.
    run_ok(Command::new("gzip").arg("-t").arg(&tarball));
    let listing = stdout(&run_ok(Command::new("tar").arg("-tzvf").arg(&tarball)));
    assert!(listing.lines().all(|l| l.contains("root/root")), "{listing}");
    assert!(
        listing.contains("-rwxr-xr-x root/root") && listing.contains("hello-1.2.0/hello -> bin/hello"),
        "{listing}"
    );
    assert!(!listing.contains("NEWS") && !listing.contains("untracked"), "{listing}");
    std::fs::create_dir_all(f.path("ours")).unwrap();
    std::fs::create_dir_all(f.path("theirs")).unwrap();
    run_ok(Command::new("tar").arg("-xzf").arg(&tarball).arg("-C").arg(f.path("ours")));
    git(&f.path("hello"), &["archive", "--prefix=hello-1.2.0/", "-o", f.path("git.tar").to_str().unwrap(), "v1.2.0"]);
    run_ok(Command::new("tar").arg("-xf").arg(f.path("git.tar")).arg("-C").arg(f.path("theirs")));
    let (ours, theirs) = (tree_of(&f.path("ours")), tree_of(&f.path("theirs")));
    assert!(ours.iter().any(|(p, _)| p.ends_with("deep.txt")), "{ours:?}");
    assert_eq!(ours, theirs);
}

#[test]
fn orig_naming_other_refs_and_keys_from_the_environment() {
    let f = Fixture::new();
    let key = std::fs::read_to_string(f.path("key.asc")).unwrap();
    let out = aptkit()
        .args([
            "source",
            "2026.05.01",
            "--git",
            "hello",
            "--ref",
            "stable",
            "--orig",
            "--name",
            "hello-src",
            "--out",
            "o",
        ])
        .current_dir(f.dir.path())
        .env("APTKIT_SIGNING_KEY", key)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).ends_with("  o/hello-src_2026.05.01.orig.tar.gz\n"), "{}", stdout(&out));
    let tarball = f.path("o/hello-src_2026.05.01.orig.tar.gz");
    f.verify_signature(&tarball);
    let listing = stdout(&run_ok(Command::new("tar").arg("-tzf").arg(&tarball)));
    assert!(listing.lines().all(|l| l.starts_with("hello-src-2026.05.01/")), "{listing}");
    run_ok(Command::new("sha256sum").args(["-c", "SHA256SUMS"]).current_dir(f.path("o")));
}

#[test]
fn refusals_name_their_subject_and_leave_out_as_it_was() {
    let f = Fixture::new();
    let repo = f.path("hello");
    std::fs::create_dir(f.path("plain")).unwrap();
    let readme = git(&repo, &["rev-parse", "v1.2.0:README"]);
    let tree = stdout(&run_ok(
        Command::new("sh")
            .arg("-c")
            .arg("printf \"100644 blob $1\\t..\\n\" | git mktree")
            .arg("sh")
            .arg(&readme)
            .current_dir(&repo),
    ));
    let unsafe_commit = git(&repo, &["commit-tree", "-m", "crafted", tree.trim()]);
    let fails = |args: &[&str], expected: &[&str]| {
        for out_dir in ["empty", "missing"] {
            let out_path = f.path(out_dir);
            if out_dir == "empty" {
                std::fs::create_dir_all(&out_path).unwrap();
            }
            let mut full = args.to_vec();
            full.extend(["--out", out_dir]);
            let res = f.source(&full);
            let err = stderr(&res);
            assert_eq!(res.status.code(), Some(2), "{args:?}: {err}");
            assert!(err.starts_with("error: "), "{err}");
            for e in expected {
                assert!(err.contains(e), "{args:?}: expected `{e}` in {err}");
            }
            if out_dir == "empty" {
                assert!(dir_names(&out_path).is_empty(), "{args:?} left {:?}", dir_names(&out_path));
            } else {
                assert!(!out_path.exists(), "{args:?} made --out");
            }
        }
    };
    let key = ["--key", "key.asc"];
    let with = |extra: &[&'static str]| -> Vec<&'static str> { extra.iter().chain(key.iter()).copied().collect() };
    fails(&with(&["1.2.0-1", "--git", "hello"]), &["`1.2.0-1` is not a valid upstream version", "hyphen"]);
    fails(&with(&["1:1.2.0", "--git", "hello"]), &["`1:1.2.0`", "epoch"]);
    fails(&with(&["v1.2.0", "--git", "hello"]), &["`v1.2.0`", "start with a digit"]);
    fails(&with(&["2026.13.40", "--git", "hello"]), &["`2026.13.40`", "not a real date"]);
    fails(&with(&["1.3.0", "--git", "hello"]), &["tag `v1.3.0` does not exist", "`v1.2.0`"]);
    fails(&with(&["1.2.0", "--git", "hello", "--ref", "nope"]), &["ref `nope` does not resolve"]);
    fails(&with(&["1.2.0", "--git", "plain"]), &["`plain` is not a git repository"]);
    fails(&with(&["1.2.0", "--git", "hello/bin"]), &["`hello/bin` is not a git repository", "inside the working tree"]);
    fails(
        &with(&["1.2.0", "--git", "hello", "--name", "Hello"]),
        &["`Hello`", "not a valid Debian source package name"],
    );
    fails(&with(&["1.2.0", "--git", "hello", "--tag-format", "release"]), &["tag format `release`"]);
    fails(&["1.2.0", "--git", "hello"], &["no signing key"]);
    fails(&["1.2.0", "--git", "hello", "--key", "nokey.asc"], &["nokey.asc"]);
    let crafted = ["1.2.0", "--git", "hello", "--key", "key.asc", "--ref", &unsafe_commit];
    fails(&crafted, &["`..` in commit", &unsafe_commit]);
    git(&repo, &["checkout", "-q", "--detach", "main"]);
    fails(&with(&["2026.05.01", "--git", "hello"]), &["HEAD is detached"]);

    // A SHA256SUMS in another format is never rewritten, nor anything added next to it.
    std::fs::create_dir(f.path("bsd")).unwrap();
    std::fs::write(f.path("bsd/SHA256SUMS"), "SHA256 (x) = 00\n").unwrap();
    let res = f.source(&["1.2.0", "--git", "hello", "--key", "key.asc", "--out", "bsd"]);
    assert_eq!(res.status.code(), Some(2));
    assert!(stderr(&res).contains("bsd/SHA256SUMS") && stderr(&res).contains("line 1"), "{}", stderr(&res));
    assert_eq!(dir_names(&f.path("bsd")), ["SHA256SUMS"]);
}
