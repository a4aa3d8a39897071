//! `aptkit package` on the example, compared with debhelper's build of the
//! same tree and checked with dpkg-deb and lintian.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use aptkit_tests::*;

fn dpkg_deb(args: &[&str], deb: &Path) -> String {
    stdout(&run_ok(Command::new("dpkg-deb").args(args).arg(deb)))
}

fn control_member(deb: &Path, name: &str) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    run_ok(Command::new("dpkg-deb").arg("-e").arg(deb).arg(dir.path()));
    std::fs::read_to_string(dir.path().join(name)).ok()
}

/// `dpkg-deb --contents` lines without the size column (stripped binaries
/// differ by a few bytes between binutils invocations).
fn contents_without_sizes(deb: &Path) -> Vec<String> {
    dpkg_deb(&["--contents"], deb)
        .lines()
        .map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            format!("{} {} {}", cols[0], cols[1], cols[5..].join(" "))
        })
        .collect()
}

#[test]
fn example_packages_match_debhelpers_build() {
    let (_out, debs) = package(compiled_example(), &[]);
    let names: Vec<String> = debs.iter().map(|d| d.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(
        names,
        [
            "hello-data_1.0-1_all.deb",
            "hello_1.0-1_amd64.deb",
            "libgreet-dev_1.0-1_amd64.deb",
            "libgreet1_1.0-1_amd64.deb"
        ]
    );
    let reference = debhelper_reference();
    for deb in &debs {
        let theirs = reference.join(deb.file_name().unwrap());
        assert!(theirs.is_file(), "debhelper built no {}", theirs.display());
        let pkg = package_name(deb);

        // Same files, modes, owners, times and link targets.
        assert_eq!(contents_without_sizes(deb), contents_without_sizes(&theirs), "contents of {pkg}");

        // Same control fields in the same order; Installed-Size within the
        // rounding of the stripped binaries' sizes.
        let ours = control_fields(&control_member(deb, "control").unwrap());
        let dh = control_fields(&control_member(&theirs, "control").unwrap());
        let keys = |f: &[(String, String)]| f.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>();
        assert_eq!(keys(&ours), keys(&dh), "control field order of {pkg}");
        for ((k, a), (_, b)) in ours.iter().zip(&dh) {
            if k == "Installed-Size" {
                let (a, b): (i64, i64) = (a.parse().unwrap(), b.parse().unwrap());
                assert!((a - b).abs() <= 2, "{pkg}: Installed-Size {a} vs debhelper's {b}");
            } else {
                assert_eq!(a, b, "{pkg}: field {k}");
            }
        }

        // Same maintainer scripts, conffiles and shlibs; same triggers
        // apart from comments.
        for member in ["postinst", "postrm", "preinst", "prerm", "conffiles", "shlibs"] {
            assert_eq!(control_member(deb, member), control_member(&theirs, member), "{pkg}: control member {member}");
        }
        let triggers = |d: &Path| {
            control_member(d, "triggers")
                .map(|t| t.lines().filter(|l| !l.starts_with('#')).collect::<Vec<_>>().join("\n"))
        };
        assert_eq!(triggers(deb), triggers(&theirs), "{pkg}: triggers");

        // md5sums: every file debhelper lists, plus the conffiles it leaves
        // out (aptkit lists conffiles too, as dpkg-deb accepts either way).
        let ours: BTreeSet<String> =
            control_member(deb, "md5sums").unwrap().lines().map(|l| l[34..].to_string()).collect();
        let dh: BTreeSet<String> =
            control_member(&theirs, "md5sums").unwrap().lines().map(|l| l[34..].to_string()).collect();
        let conffiles: BTreeSet<String> = control_member(deb, "conffiles")
            .unwrap_or_default()
            .lines()
            .map(|l| l.trim_start_matches('/').to_string())
            .collect();
        assert_eq!(ours, dh.union(&conffiles).cloned().collect(), "{pkg}: md5sums paths");
    }
}

#[test]
fn example_packages_have_expected_fields_and_files() {
    let (_out, debs) = package(compiled_example(), &[]);
    let hello = debs.iter().find(|d| package_name(d) == "hello").unwrap();
    let control = control_member(hello, "control").unwrap();
    assert!(control.contains("Source: hello-aptkit\n"), "{control}");
    assert!(control.contains("Depends: libc6 (>= 2.34), libgreet1 (>= 1.0), hello-data (= 1.0-1)\n"), "{control}");
    assert_eq!(control_member(hello, "conffiles").as_deref(), Some("/etc/hello/hello.conf\n"));
    let postinst = control_member(hello, "postinst").unwrap();
    assert!(!postinst.contains("#DEBHELPER#"));
    let contents = dpkg_deb(&["--contents"], hello);
    for expected in [
        "./usr/share/man/man1/hello.1.gz",
        "./usr/share/doc/hello/changelog.Debian.gz",
        "./usr/share/doc/hello/copyright",
        "./usr/share/doc/hello/README",
        "./var/lib/hello/",
        "./usr/bin/hi -> hello",
        "./usr/share/man/man1/hi.1.gz -> hello.1.gz",
    ] {
        assert!(contents.contains(expected), "{expected} missing from\n{contents}");
    }
    let lib = debs.iter().find(|d| package_name(d) == "libgreet1").unwrap();
    let lib_control = control_member(lib, "control").unwrap();
    assert!(!lib_control.contains("Pre-Depends"), "empty ${{misc:Pre-Depends}} must drop the field:\n{lib_control}");
    assert!(lib_control.contains("Multi-Arch: same\n"));
    assert_eq!(control_member(lib, "shlibs").as_deref(), Some("libgreet 1 libgreet1 (>= 1.0)\n"));
    for deb in &debs {
        for member in ["control", "postinst", "postrm", "shlibs", "triggers", "conffiles"] {
            if let Some(text) = control_member(deb, member) {
                assert!(!text.contains("${"), "{}: `${{` survives in {member}:\n{text}", deb.display());
            }
        }
    }
}

#[test]
fn output_files_are_world_readable() {
    use std::os::unix::fs::PermissionsExt;
    let (_out, debs) = package(compiled_example(), &[]);
    for deb in &debs {
        let mode = std::fs::metadata(deb).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o644, "{}", deb.display());
    }
}

#[test]
fn md5sums_verify_against_extracted_files() {
    let (_out, debs) = package(compiled_example(), &[]);
    for deb in &debs {
        let root = tempfile::tempdir().unwrap();
        run_ok(Command::new("dpkg-deb").arg("-x").arg(deb).arg(root.path()));
        let md5sums = control_member(deb, "md5sums").unwrap();
        let list = root.path().join("md5sums.list");
        std::fs::write(&list, &md5sums).unwrap();
        let out = run_ok(Command::new("md5sum").arg("--check").arg("--strict").arg(&list).current_dir(root.path()));
        assert_eq!(stdout(&out).lines().count(), md5sums.lines().count());
        assert!(stdout(&out).lines().all(|l| l.ends_with(": OK")), "{}", stdout(&out));
    }
}

#[test]
fn lintian_finds_no_error_that_debhelpers_build_lacks() {
    require_tool("lintian");
    let (_out, debs) = package(compiled_example(), &[]);
    let errors = |debs: &[std::path::PathBuf]| -> BTreeSet<String> {
        let out = Command::new("lintian").args(["--tag-display-limit", "0"]).args(debs).output().expect("run lintian");
        let text = stdout(&out);
        assert!(out.status.code().is_some_and(|c| c == 0 || c == 2), "lintian could not run: {}", stderr(&out));
        text.lines().filter(|l| l.starts_with("E: ")).map(str::to_string).collect()
    };
    let reference: Vec<_> = debs.iter().map(|d| debhelper_reference().join(d.file_name().unwrap())).collect();
    let ours = errors(&debs);
    let theirs = errors(&reference);
    let extra: Vec<_> = ours.difference(&theirs).collect();
    assert!(extra.is_empty(), "lintian errors only aptkit's packages have: {extra:#?}");
}

#[test]
fn output_is_reproducible_across_trees_and_compressions() {
    for compression in ["xz", "zstd", "gzip"] {
        let (_a_dir, a_tree) = example_copy();
        let (_b_dir, b_tree) = example_copy();
        // Different mtimes on the inputs must not matter: they are clamped.
        run_ok(Command::new("touch").arg(b_tree.join("debian/tmp/usr/bin/hello")));
        let (_a, a) = package(&a_tree, &["-Z", compression]);
        let (_b, b) = package(&b_tree, &["-Z", compression]);
        assert_eq!(a.len(), 4);
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(std::fs::read(x).unwrap(), std::fs::read(y).unwrap(), "{} differs ({compression})", x.display());
        }
        let member = stdout(&run_ok(Command::new("ar").arg("t").arg(&a[0])));
        let ext = match compression {
            "xz" => "xz",
            "zstd" => "zst",
            _ => "gz",
        };
        assert_eq!(member, format!("debian-binary\ncontrol.tar.{ext}\ndata.tar.{ext}\n"));
    }
}

#[test]
fn version_override_and_single_package_selection() {
    let (_out, debs) =
        package(compiled_example(), &["--version", "1:1.1~nightly20261121-1", "-p", "hello", "-p", "hello-data"]);
    let names: Vec<String> = debs.iter().map(|d| d.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(names, ["hello-data_1.1~nightly20261121-1_all.deb", "hello_1.1~nightly20261121-1_amd64.deb"]);
    let control = control_member(&debs[1], "control").unwrap();
    assert!(control.contains("Version: 1:1.1~nightly20261121-1\n"), "{control}");
    assert!(control.contains("hello-data (= 1:1.1~nightly20261121-1)"), "{control}");
}

#[test]
fn json_output_describes_the_packages() {
    let out = tempfile::tempdir().unwrap();
    let res = run_ok(aptkit().arg("package").arg(compiled_example()).arg("--out").arg(out.path()).arg("--json"));
    let text = stdout(&res);
    assert!(text.trim_start().starts_with('{') && text.contains("\"package\": \"libgreet-dev\""), "{text}");
    assert!(text.contains("\"source_date_epoch\": 1709294400"), "{text}");
}
