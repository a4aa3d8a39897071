use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use super::{builder, debian_dir, key};
use crate::cache::{tree_digest, BuildKey, Error};

/// `debian/` made by `debian_dir`, then changed by `change`.
fn changed_key(change: impl FnOnce(&Path)) -> BuildKey {
    let tmp = tempfile::tempdir().unwrap();
    let debian = debian_dir(tmp.path());
    change(&debian);
    key(&debian)
}

#[test]
fn the_same_inputs_give_the_same_key_wherever_the_tree_is() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (one, two) = (key(&debian_dir(a.path())), key(&debian_dir(b.path())));
    assert_eq!(one, two);
    assert_eq!(one.id().len(), 64);
    // The encoding is pinned: changing it must bump KEY_FORMAT and this value.
    assert_eq!(one.id(), "190684d1c7143c324fdba8e3f35188f175556c3c598cfaf904664211e3621361");
}

/// The inputs that are not the `debian/` tree, to change one at a time.
#[derive(Clone)]
struct Given {
    source: String,
    image_id: &'static str,
    pkgver: &'static str,
    script: Option<&'static [u8]>,
    version: &'static str,
}

impl Given {
    fn base() -> Given {
        Given { source: "ab".repeat(32), image_id: "sha256:1111", pkgver: "1~bookworm", script: None, version: "0.1.0" }
    }

    /// The key, inputs given in another order than `builder` does.
    fn key(&self, debian: &Path) -> BuildKey {
        BuildKey::builder()
            .aptkit_version(self.version)
            .compile_commands(self.script)
            .field("host-arch", "amd64")
            .field("upstream-version", "1.0")
            .field("distribution", "bookworm")
            .field("pkgver", self.pkgver)
            .image("debian:bookworm", self.image_id)
            .debian_tree(debian)
            .unwrap()
            .source_sha256(&self.source)
            .build()
            .unwrap()
    }
}

#[test]
fn the_encoding_is_the_documented_one() {
    use sha2::{Digest, Sha256};
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("rules"), "x").unwrap();
    let key = BuildKey::builder()
        .source_sha256(&"AB".repeat(32))
        .debian_tree(tmp.path())
        .unwrap()
        .image("debian:bookworm", "sha256:1")
        .compile_commands(None)
        .aptkit_version("0.1.0")
        .build()
        .unwrap();
    let x = hex::encode(Sha256::digest(b"x"));
    let rules = format!("file {x}");
    let pairs = [
        ("aptkit-version", "0.1.0"),
        ("compile-commands", "default"),
        ("debian/rules", rules.as_str()),
        ("image", "debian:bookworm"),
        ("image-id", "sha256:1"),
        ("source", &format!("sha256 {}", "ab".repeat(32))),
    ];
    let mut encoding = b"aptkit build key\n".to_vec();
    encoding.extend(1u32.to_be_bytes());
    encoding.extend((pairs.len() as u64).to_be_bytes());
    for (name, value) in pairs {
        for part in [name, value] {
            encoding.extend((part.len() as u64).to_be_bytes());
            encoding.extend(part.as_bytes());
        }
    }
    assert_eq!(key.id(), hex::encode(Sha256::digest(&encoding)));
    assert_eq!(key.inputs().iter().collect::<Vec<_>>(), pairs);
}

#[test]
fn every_input_changes_the_key() {
    let tmp = tempfile::tempdir().unwrap();
    let debian = debian_dir(tmp.path());
    let base = key(&debian);
    assert_eq!(Given::base().key(&debian), base, "the same inputs, set in another order");
    let changed = |what: &str, other: BuildKey| assert_ne!(base.id(), other.id(), "{what}");
    changed("pkgver", Given { pkgver: "2~bookworm", ..Given::base() }.key(&debian));
    changed("source", Given { source: "ac".repeat(32), ..Given::base() }.key(&debian));
    changed("image id", Given { image_id: "sha256:2222", ..Given::base() }.key(&debian));
    changed("compile commands", Given { script: Some(&b"make"[..]), ..Given::base() }.key(&debian));
    changed("aptkit version", Given { version: "0.2.0", ..Given::base() }.key(&debian));
    changed("one byte", changed_key(|d| std::fs::write(d.join("source/format"), "3.0 (quilT)\n").unwrap()));
    changed(
        "exec bit",
        changed_key(|d| std::fs::set_permissions(d.join("rules"), std::fs::Permissions::from_mode(0o644)).unwrap()),
    );
    changed(
        "symlink target",
        changed_key(|d| {
            std::fs::remove_file(d.join("NEWS")).unwrap();
            std::os::unix::fs::symlink("control", d.join("NEWS")).unwrap();
        }),
    );
    changed("renamed", changed_key(|d| std::fs::rename(d.join("changelog"), d.join("changelog.old")).unwrap()));
    changed("new empty dir", changed_key(|d| std::fs::create_dir(d.join("patches")).unwrap()));
    changed("linked file's contents", changed_key(|d| std::fs::write(d.join("changelog"), "other\n").unwrap()));
}

#[test]
fn read_and_write_bits_do_not_change_the_key() {
    let tmp = tempfile::tempdir().unwrap();
    let debian = debian_dir(tmp.path());
    let base = key(&debian);
    std::fs::set_permissions(debian.join("control"), std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::set_permissions(debian.join("rules"), std::fs::Permissions::from_mode(0o700)).unwrap();
    assert_eq!(key(&debian), base, "a checkout's umask is no input");
}

#[test]
fn values_cannot_run_into_each_other() {
    let tmp = tempfile::tempdir().unwrap();
    let debian = debian_dir(tmp.path());
    let one = builder(&debian).field("a", "1\nb: 2").build().unwrap();
    let two = builder(&debian).field("a", "1").field("b", "2").build().unwrap();
    assert_ne!(one.id(), two.id());
    let three = builder(&debian).field("a", "1b").field("c", "").build().unwrap();
    let four = builder(&debian).field("a", "1").field("c", "b").build().unwrap();
    assert_ne!(three.id(), four.id());
}

#[test]
fn a_key_without_an_input_every_build_has_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let debian = debian_dir(tmp.path());
    let no_image = BuildKey::builder()
        .source_sha256(&"ab".repeat(32))
        .debian_tree(&debian)
        .unwrap()
        .compile_commands(None)
        .aptkit_version("0.1.0")
        .build();
    assert!(matches!(no_image, Err(Error::MissingInput { name: "image" })), "{no_image:?}");
    let no_debian =
        BuildKey::builder().source_sha256(&"ab".repeat(32)).image("a", "b").compile_commands(None).aptkit_version("1");
    assert!(matches!(no_debian.build(), Err(Error::MissingInput { name: "debian" })));
    for (name, why) in
        [("image", "reserved"), ("Pkgver", "not lowercase"), ("debian/rules", "not lowercase"), ("", "not")]
    {
        let err = builder(&debian).field(name, "x").build().unwrap_err();
        assert!(matches!(&err, Error::InputName { .. }) && err.to_string().contains(why), "{name}: {err}");
    }
    let twice = builder(&debian).source_sha256(&"cd".repeat(32)).build().unwrap_err();
    assert!(twice.to_string().contains("`source`: given twice"), "{twice}");
    let not_a_digest = BuildKey::builder().source_sha256("hello-1.0.tar.gz").build().unwrap_err();
    assert!(not_a_digest.to_string().contains("64 hex digits"), "{not_a_digest}");
}

#[test]
fn a_diff_names_the_inputs_that_differ() {
    let tmp = tempfile::tempdir().unwrap();
    let debian = debian_dir(tmp.path());
    let before = key(&debian);
    std::fs::write(debian.join("control"), "Source: hello2\n").unwrap();
    std::fs::write(debian.join("copyright"), "MIT\n").unwrap();
    let after = key(&debian);
    let diff: Vec<String> = before.diff(after.inputs()).iter().map(|c| c.to_string()).collect();
    assert_eq!(diff.len(), 2, "{diff:?}");
    assert!(diff[0].starts_with("debian/control: file ") && diff[0].contains(" -> file "), "{diff:?}");
    assert!(diff[1].starts_with("debian/copyright: (none) -> file "), "{diff:?}");
    assert!(before.diff(before.inputs()).is_empty());
    let listed = before.inputs().to_string();
    assert!(listed.contains("pkgver: 1~bookworm\n") && listed.contains("debian/rules: executable "), "{listed}");
    assert!(listed.contains("debian/NEWS: symlink changelog -> file "), "{listed}");
}

#[test]
fn symlinked_directories_are_followed_and_loops_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let debian = debian_dir(tmp.path());
    std::fs::create_dir(tmp.path().join("shared")).unwrap();
    std::fs::write(tmp.path().join("shared/patch"), "p1\n").unwrap();
    std::os::unix::fs::symlink("../shared", debian.join("patches")).unwrap();
    std::os::unix::fs::symlink("missing", debian.join("dangling")).unwrap();
    let one = key(&debian);
    assert!(one.inputs().get("debian/patches/patch").unwrap().starts_with("file "));
    assert_eq!(one.inputs().get("debian/patches"), Some("symlink ../shared -> dir"));
    assert_eq!(one.inputs().get("debian/dangling"), Some("symlink missing -> nothing"));
    std::fs::write(tmp.path().join("shared/patch"), "p2\n").unwrap();
    assert_ne!(key(&debian), one, "what a followed link leads to is an input");

    std::os::unix::fs::symlink("..", debian.join("source/up")).unwrap();
    let err = BuildKey::builder().debian_tree(&debian).unwrap_err();
    assert!(matches!(err, Error::TreeLoop { .. }), "{err}");
}

#[test]
fn a_directory_source_has_a_tree_digest() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (one, two) = (debian_dir(a.path()), debian_dir(b.path()));
    assert_eq!(tree_digest(&one).unwrap(), tree_digest(&two).unwrap());
    std::fs::write(two.join("rules"), "changed").unwrap();
    assert_ne!(tree_digest(&one).unwrap(), tree_digest(&two).unwrap());
    let source = BuildKey::builder().source_tree(&one).unwrap();
    let source = source.debian_tree(&one).unwrap().image("a", "b").compile_commands(None).aptkit_version("1");
    let k = source.build().unwrap();
    assert_eq!(k.inputs().get("source").unwrap(), format!("tree {}", tree_digest(&one).unwrap()));
    assert!(matches!(tree_digest(&one.join("rules")), Err(Error::NotADirectory { .. })));
}
