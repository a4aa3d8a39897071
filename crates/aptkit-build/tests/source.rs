//! Source tarballs from real git repositories, checked with the real git,
//! tar and gzip.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use aptkit_build::source::{source_tarball, Error, Naming, SourceKind, SourceRequest, SourceTarball};
use aptkit_tests::tree_of;

/// The committer time of the release commit.
const RELEASE_TIME: u64 = 1_709_294_400; // 2024-03-01T12:00:00Z

fn git(dir: &Path, args: &[&str]) -> String {
    git_at(dir, args, RELEASE_TIME)
}

fn git_at(dir: &Path, args: &[&str], time: u64) -> String {
    let date = format!("@{time} +0000");
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=T", "-c", "user.email=t@example.invalid", "-c", "init.defaultBranch=main"])
        .args(args)
        .env("GIT_AUTHOR_DATE", &date)
        .env("GIT_COMMITTER_DATE", &date)
        .env_remove("GIT_DIR")
        .output()
        .expect("git is installed");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A repository `hello/`: a release commit tagged v1.2.0 (an executable,
/// symlinks, paths and a link target longer than ustar's 100 bytes,
/// debian/control), then a commit on main, and a branch `feature`.
fn fixture() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("hello");
    std::fs::create_dir(&repo).unwrap();
    git(&repo, &["init", "-q"]);
    write(&repo, "README", "hello\n");
    write(&repo, "src/run.sh", "#!/bin/sh\necho hi\n");
    std::fs::set_permissions(repo.join("src/run.sh"), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::os::unix::fs::symlink("src/run.sh", repo.join("run")).unwrap();
    write(&repo, &format!("{}/deep.txt", ["long-directory-name"; 7].join("/")), "deep\n");
    // Longer than ustar holds, even split at a slash: pax headers.
    write(&repo, &format!("{}.txt", "n".repeat(140)), "long name\n");
    std::os::unix::fs::symlink(format!("{}/target", "t".repeat(150)), repo.join("long-link")).unwrap();
    write(&repo, "debian/control", "Source: hello-src\nMaintainer: T <t@example.invalid>\n\nPackage: hello\n");
    write(&repo, "data.bin", &"x".repeat(100_000));
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "release"]);
    git(&repo, &["tag", "-a", "-m", "1.2.0", "v1.2.0"]);
    git(&repo, &["tag", "v1.2.0-rc1"]);
    write(&repo, "NEWS", "nightly\n");
    git(&repo, &["add", "-A"]);
    git_at(&repo, &["commit", "-q", "-m", "more"], RELEASE_TIME + 86_400);
    git(&repo, &["branch", "feature", "v1.2.0"]);
    // Not committed: never in a tarball.
    write(&repo, "untracked.txt", "no\n");
    (tmp, repo)
}

fn make(repo: &Path, version: &str) -> SourceTarball {
    source_tarball(&SourceRequest::new(repo, version)).unwrap_or_else(|e| panic!("{version}: {e}"))
}

fn err(request: SourceRequest) -> Error {
    match source_tarball(&request) {
        Ok(t) => panic!("{} was made", t.file_name),
        Err(e) => e,
    }
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(out.status.success(), "{cmd:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_release_comes_from_its_tag_and_a_nightly_from_the_branch_checked_out() {
    let (_tmp, repo) = fixture();
    let release = make(&repo, "1.2.0");
    assert_eq!(release.kind, SourceKind::Release);
    assert_eq!(release.commit, git(&repo, &["rev-parse", "v1.2.0^{commit}"]));
    assert_eq!(release.ref_used, "refs/tags/v1.2.0");
    assert_eq!((release.name.as_str(), release.file_name.as_str()), ("hello-src", "hello-src-1.2.0.tar.gz"));
    assert_eq!(release.mtime, RELEASE_TIME);

    let nightly = make(&repo, "2024.03.02");
    assert_eq!(nightly.kind, SourceKind::Nightly);
    assert_eq!(nightly.commit, git(&repo, &["rev-parse", "main"]));
    assert_eq!(nightly.ref_used, "refs/heads/main");
    assert_eq!(nightly.mtime, RELEASE_TIME + 86_400);

    let mut request = SourceRequest::new(&repo, "2024.03.03");
    request.git_ref = Some("feature".into());
    let feature = source_tarball(&request).unwrap();
    assert_eq!((feature.commit.as_str(), feature.ref_used.as_str()), (release.commit.as_str(), "feature"));

    let mut request = SourceRequest::new(&repo, "1.2.0");
    request.naming = Naming::Orig;
    request.name = Some("other".into());
    assert_eq!(source_tarball(&request).unwrap().file_name, "other_1.2.0.orig.tar.gz");

    let mut request = SourceRequest::new(&repo, "1.2.0");
    request.tag_format = "{version}-rc1".into();
    request.git_ref = None;
    let err = err(request);
    assert!(
        matches!(&err, Error::MissingTag { tag, near, .. } if tag == "1.2.0-rc1" && near[0] == "v1.2.0-rc1"),
        "{err}"
    );
}

#[test]
fn bytes_depend_only_on_the_commit_and_version() {
    let (tmp, repo) = fixture();
    let first = make(&repo, "1.2.0");
    assert_eq!(first.bytes, make(&repo, "1.2.0").bytes);
    assert_eq!(first.sha256.len(), 64);

    // Another clone, another checkout, other mtimes on disk, another
    // directory name: the same bytes.
    let clone = tmp.path().join("elsewhere");
    run(Command::new("git").args(["clone", "-q", "--no-local"]).arg(&repo).arg(&clone));
    git(&clone, &["checkout", "-q", "--detach", "HEAD~1"]);
    std::fs::write(clone.join("README"), "changed, not committed\n").unwrap();
    let again = make(&clone, "1.2.0");
    assert_eq!(first.bytes, again.bytes);
    assert_eq!((again.name.as_str(), again.sha256.as_str()), ("hello-src", first.sha256.as_str()));

    let bare = tmp.path().join("bare.git");
    run(Command::new("git").args(["clone", "-q", "--bare"]).arg(&repo).arg(&bare));
    assert_eq!(first.bytes, make(&bare, "1.2.0").bytes);
    assert_eq!(first.bytes, make(&repo.join(".git"), "1.2.0").bytes);

    // Another version is another top directory.
    let mut request = SourceRequest::new(&repo, "1.2.1");
    request.git_ref = Some("v1.2.0".into());
    assert_ne!(first.bytes, source_tarball(&request).unwrap().bytes);
}

#[test]
fn the_tarball_is_what_git_archive_makes_of_the_commit() {
    let (tmp, repo) = fixture();
    let tarball = make(&repo, "1.2.0");
    let file = tmp.path().join(&tarball.file_name);
    std::fs::write(&file, &tarball.bytes).unwrap();
    run(Command::new("gzip").arg("-t").arg(&file));

    // gzip's header: no name, mtime 0, maximum compression, Unix.
    assert_eq!(&tarball.bytes[..10], &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 3]);

    // Every entry root:root at the commit's time, directories first.
    let listing =
        run(Command::new("tar").args(["--numeric-owner", "--full-time", "-tvzf"]).arg(&file).env("TZ", "UTC"));
    let lines: Vec<&str> = listing.lines().collect();
    assert!(lines[0].starts_with("drwxr-xr-x 0/0") && lines[0].ends_with(" hello-src-1.2.0/"), "{listing}");
    for line in &lines {
        assert!(line.contains(" 0/0 ") && line.contains("2024-03-01 12:00:00"), "{line}");
    }
    assert!(listing.contains("-rwxr-xr-x 0/0") && listing.contains("hello-src-1.2.0/src/run.sh"), "{listing}");
    assert!(listing.contains("hello-src-1.2.0/run -> src/run.sh"), "{listing}");
    assert!(listing.contains(&format!("hello-src-1.2.0/{}.txt", "n".repeat(140))), "{listing}");
    assert!(listing.contains(&format!("long-link -> {}/target", "t".repeat(150))), "{listing}");
    assert!(!listing.contains("untracked") && !listing.contains("NEWS"), "{listing}");

    // What ustar cannot hold is in pax headers.
    let mut tar = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&tarball.bytes[..]), &mut tar).unwrap();
    let tar = String::from_utf8_lossy(&tar);
    assert!(tar.contains(&format!(" path=hello-src-1.2.0/{}.txt\n", "n".repeat(140))));
    assert!(tar.contains(&format!(" linkpath={}/target\n", "t".repeat(150))));
    assert_eq!(tar.len() % 10240, 0);

    // As `git archive`, the commit id is in a pax global header.
    let id = run(Command::new("sh").arg("-c").arg("gzip -dc \"$1\" | git get-tar-commit-id").arg("sh").arg(&file));
    assert_eq!(id.trim(), tarball.commit);

    let ours = tmp.path().join("ours");
    let theirs = tmp.path().join("theirs");
    std::fs::create_dir_all(&ours).unwrap();
    std::fs::create_dir_all(&theirs).unwrap();
    run(Command::new("tar").arg("-xzf").arg(&file).arg("-C").arg(&ours));
    let archive = tmp.path().join("archive.tar");
    git(&repo, &["archive", "--prefix=hello-src-1.2.0/", "-o", archive.to_str().unwrap(), "v1.2.0"]);
    run(Command::new("tar").arg("-xf").arg(&archive).arg("-C").arg(&theirs));
    let (a, b) = (tree_of(&ours), tree_of(&theirs));
    assert!(a.len() > 8, "{a:?}");
    assert_eq!(a, b);
}

#[test]
fn refusals_name_their_subject() {
    let (tmp, repo) = fixture();
    let with = |version: &str, f: &dyn Fn(&mut SourceRequest)| {
        let mut request = SourceRequest::new(&repo, version);
        f(&mut request);
        err(request).to_string()
    };
    let cases: Vec<(String, &str)> = vec![
        (with("1.3.0", &|_| {}), "tag `v1.3.0` does not exist"),
        (with("1.3.0", &|_| {}), "nearest tags: `v1.2.0`, `v1.2.0-rc1`"),
        (with("1.2.0", &|r| r.git_ref = Some("nope".into())), "ref `nope` does not resolve"),
        (with("1.2.0", &|r| r.git_ref = Some("--all".into())), "ref `--all` does not resolve"),
        (with("2026.13.40", &|_| {}), "`2026.13.40` looks like a nightly version"),
        (with("1.2.0-1", &|_| {}), "`1.2.0-1` is not a valid upstream version"),
        (with("v1.2.0", &|_| {}), "must start with a digit"),
        (with("1.2.0", &|r| r.name = Some("Hello".into())), "`Hello` (the name given) is not a valid Debian source"),
        (with("1.2.0", &|r| r.tag_format = "v".into()), "tag format `v` has no `{version}`"),
        (with("1.2.0", &|r| r.git_dir = tmp.path().into()), "is not a git repository"),
        (with("1.2.0", &|r| r.git_dir = repo.join("src")), "lies inside the working tree"),
        (with("1.2.0", &|r| r.git_dir = tmp.path().join("missing")), "no such directory"),
    ];
    for (text, expected) in &cases {
        assert!(text.contains(expected), "expected `{expected}` in: {text}");
    }

    git(&repo, &["checkout", "-q", "--detach", "main"]);
    let text = err(SourceRequest::new(&repo, "2024.03.02")).to_string();
    assert!(text.contains("HEAD is detached"), "{text}");
}

/// A commit whose tree `git mktree` makes from `lines` (git itself accepts
/// `..`, duplicates and submodules there).
fn crafted_commit(repo: &Path, lines: &str) -> String {
    let out = Command::new("sh")
        .arg("-c")
        .arg("printf \"$1\" | git mktree")
        .arg("sh")
        .arg(lines)
        .current_dir(repo)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let tree = String::from_utf8_lossy(&out.stdout).trim().to_string();
    git(repo, &["commit-tree", "-m", "crafted", &tree])
}

#[test]
fn unsafe_trees_and_submodules_are_refused() {
    let (_tmp, repo) = fixture();
    let blob = git(&repo, &["rev-parse", "v1.2.0:README"]);
    let commit = git(&repo, &["rev-parse", "v1.2.0^{commit}"]);
    for (lines, expected) in [
        (format!("100644 blob {blob}\t..\n"), "`..` in commit"),
        (format!("100644 blob {blob}\t.git\n"), "`.git` in commit"),
        (format!("100644 blob {blob}\ta\n100644 blob {blob}\ta\n"), "appears twice"),
        (format!("160000 commit {commit}\tvendor\n"), "`vendor` in commit"),
    ] {
        let crafted = crafted_commit(&repo, &lines);
        let mut request = SourceRequest::new(&repo, "1.2.0");
        request.git_ref = Some(crafted.clone());
        let text = err(request).to_string();
        assert!(text.contains(expected) && text.contains(&crafted), "{lines}: {text}");
    }
}

#[test]
fn the_name_falls_back_to_the_directory() {
    let (_tmp, repo) = fixture();
    git(&repo, &["rm", "-q", "debian/control"]);
    git(&repo, &["commit", "-q", "-m", "no debian/"]);
    let mut request = SourceRequest::new(&repo, "2024.03.02");
    assert_eq!(source_tarball(&request).unwrap().file_name, "hello-2024.03.02.tar.gz");
    request.git_dir = repo.join(".git");
    assert_eq!(source_tarball(&request).unwrap().name, "hello");
}

#[test]
fn the_signature_is_detached_and_armored() {
    let (_tmp, repo) = fixture();
    let tarball = make(&repo, "1.2.0");
    let key = aptkit_sign::SigningKey::generate("test", aptkit_sign::KeyAlgorithm::Ed25519).unwrap();
    let signature = tarball.sign(&[key], std::time::SystemTime::now()).unwrap();
    assert!(String::from_utf8_lossy(&signature).starts_with("-----BEGIN PGP SIGNATURE-----"));
    assert_eq!(tarball.signature_name(), "hello-src-1.2.0.tar.gz.asc");
}
