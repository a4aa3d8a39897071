//! The packages install with dpkg into a throwaway Debian root, where the
//! maintainer scripts run, the conffile is registered and the program works.

use aptkit_tests::*;

#[test]
fn packages_install_run_and_purge_in_a_debian_root() {
    let (_out, debs) = package(compiled_example(), &[]);
    let work = tempfile::tempdir().unwrap();
    let root = work.path().join("root");
    copy_tree(&rootfs(), &root);
    let mut inside = Vec::new();
    for deb in &debs {
        let name = deb.file_name().unwrap().to_string_lossy().into_owned();
        std::fs::copy(deb, root.join("tmp").join(&name)).unwrap();
        inside.push(format!("/tmp/{name}"));
    }
    let mut args = vec!["dpkg", "-i"];
    args.extend(inside.iter().map(String::as_str));
    chroot(&root, &args);

    assert!(root.join("var/lib/hello/installed-by-postinst").is_file(), "postinst did not run");
    let greeting = stdout(&chroot(&root, &["/usr/bin/hello"]));
    assert!(greeting.contains("Hello"), "{greeting}");
    let via_link = stdout(&chroot(&root, &["hi", "Debian"]));
    assert!(via_link.contains("Debian"), "{via_link}");
    let conffiles = stdout(&chroot(&root, &["dpkg-query", "-W", "-f=${Conffiles}", "hello"]));
    assert!(conffiles.contains("/etc/hello/hello.conf"), "{conffiles}");
    let status = stdout(&chroot(
        &root,
        &["dpkg-query", "-W", "-f=${db:Status-Abbrev}\n", "hello", "libgreet1", "libgreet-dev", "hello-data"],
    ));
    assert_eq!(status.lines().filter(|l| l.trim() == "ii").count(), 4, "{status}");
    // dpkg checks every installed file against the md5sums we wrote.
    chroot(&root, &["dpkg", "--verify", "hello", "libgreet1", "libgreet-dev", "hello-data"]);

    chroot(&root, &["dpkg", "--purge", "hello"]);
    assert!(!root.join("var/lib/hello").exists(), "postrm did not clean up on purge");
    assert!(!root.join("etc/hello/hello.conf").exists(), "conffile not removed on purge");
}
