//! `repo add` reads each .deb's control file from the bytes it hashes, as
//! they stream past: checked here against dpkg-deb, md5sum and sha256sum on
//! a control member larger than one read, and on files cut short, which
//! dpkg refuses too and `repo add` must refuse before storing anything.

mod common;

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use aptkit_deb::{Compression, ControlFile, DebWriter, FileSource, Node, Tree, TreeEntry, TreePath};
use aptkit_repo::Repository;
use aptkit_store::{FileStore, Store};

fn tool(program: &str, args: &[&str]) -> std::process::Output {
    Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} must be installed (scripts/install-test-tools.sh): {e}"))
}

fn tool_out(program: &str, args: &[&str]) -> String {
    let out = tool(program, args);
    assert!(out.status.success(), "{program} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// A .deb whose control.tar holds, besides `control`, `extra_kib` KiB of
/// bytes that do not compress: its control member then spans many reads.
fn deb_with_big_control(dir: &Path, name: &str, extra_kib: usize) -> std::path::PathBuf {
    let mut tree = Tree::new();
    let content = b"hello\n".to_vec();
    tree.insert(
        TreePath::new(&format!("usr/share/{name}/hello")).unwrap(),
        TreeEntry {
            node: Node::File { size: content.len() as u64, source: FileSource::Bytes(Arc::from(content)) },
            mode: 0o644,
            mtime: 0,
        },
    );
    let writer = DebWriter {
        compression: Compression::Gzip { level: 6 },
        threads: 1,
        source_date_epoch: 1_700_000_000,
        progress: None,
    };
    let data = writer.write_data(&tree, "all", dir).unwrap();
    let control = format!("Package: {name}\nVersion: 2.5-1\nArchitecture: all\nMaintainer: Test <t@example.org>\nDescription: big control member\n");
    // Random bytes: gzip cannot shrink them.
    let mut noise = Vec::with_capacity(extra_kib * 1024);
    std::io::Read::read_to_end(
        &mut std::io::Read::take(std::fs::File::open("/dev/urandom").unwrap(), extra_kib as u64 * 1024),
        &mut noise,
    )
    .unwrap();
    let files = [
        ControlFile { name: "control".into(), contents: control.into_bytes(), executable: false },
        ControlFile { name: "md5sums".into(), contents: data.md5sums_file(), executable: false },
        ControlFile { name: "triggers".into(), contents: noise, executable: false },
    ];
    let control_tar = writer.control_tar(&files).unwrap();
    let pending = writer.assemble(&control_tar, data, dir).unwrap();
    let path = dir.join(format!("{name}_2.5-1_all.deb"));
    pending.persist(&path).unwrap();
    path
}

fn setup(work: &Path) -> (Repository, Arc<dyn Store>) {
    let state: Arc<dyn Store> = Arc::new(FileStore::new(work.join("state")));
    let repo = Repository::new(state.clone(), Arc::new(FileStore::new(work.join("public"))));
    repo.repo_create("main", "", None, 0).unwrap();
    (repo, state)
}

#[test]
fn a_control_member_larger_than_a_read_is_read_from_the_hashed_bytes() {
    let work = tempfile::tempdir().unwrap();
    let (repo, _) = setup(work.path());
    for (name, kib) in [("big", 300), ("bigger", 3000)] {
        let deb = deb_with_big_control(work.path(), name, kib);
        let deb_s = deb.to_str().unwrap();
        let control_size = tool_out("dpkg-deb", &["--info", deb_s])
            .lines()
            .find_map(|l| l.split_once("control archive=").map(|(_, n)| n.to_string()))
            .unwrap();
        assert!(
            control_size.trim_end_matches(" bytes.").parse::<usize>().unwrap() > kib * 1000,
            "the control member is {control_size}"
        );

        repo.repo_add("main", std::slice::from_ref(&deb), &|_, _| {}).unwrap();
        let set = repo.repo_packages("main").unwrap();
        let record = set.iter().find(|r| r.name() == name).unwrap();
        // Every field dpkg-deb reads from the control file, and the file's
        // own size and hashes, as the system tools give them.
        for field in ["Package", "Version", "Architecture", "Maintainer", "Description"] {
            assert_eq!(
                record.get(field).unwrap(),
                tool_out("dpkg-deb", &["--field", deb_s, field]).trim(),
                "{name}: {field}"
            );
        }
        assert_eq!(record.size(), std::fs::metadata(&deb).unwrap().len());
        let md5 = tool_out("md5sum", &[deb_s]);
        assert_eq!(record.get("MD5sum").unwrap(), md5.split_whitespace().next().unwrap());
        let sha256 = tool_out("sha256sum", &[deb_s]);
        assert_eq!(record.sha256(), sha256.split_whitespace().next().unwrap());
    }
}

#[test]
fn a_deb_cut_short_anywhere_is_refused_by_name_and_nothing_is_stored() {
    let work = tempfile::tempdir().unwrap();
    let (repo, state) = setup(work.path());
    let whole = common::tiny_deb(work.path(), "cut", "1.0");
    let bytes = std::fs::read(&whole).unwrap();
    // ar: an 8-byte magic, then each member's 60-byte header (its size at
    // 48..58) and data; debian-binary (4 bytes) comes first.
    let control_header = 8 + 60 + 4;
    let control_size: usize =
        std::str::from_utf8(&bytes[control_header + 48..control_header + 58]).unwrap().trim().parse().unwrap();
    let before: Vec<String> = state.list("").unwrap().into_iter().map(|m| m.key).collect();
    let cuts_dir = work.path().join("cuts");
    std::fs::create_dir_all(&cuts_dir).unwrap();
    // In an ar header, inside the control member, and inside the data
    // member (the last byte may be the padding ar adds to an odd size).
    let inside_control = control_header + 60 + control_size / 2;
    for (at, expected) in
        [(40, "not a valid .deb"), (inside_control, "not a valid .deb"), (bytes.len() - 2, "truncated")]
    {
        let cut = cuts_dir.join(format!("cut_1.0_all-{at}.deb"));
        std::fs::write(&cut, &bytes[..at]).unwrap();
        // dpkg agrees that the file is broken.
        let dpkg = tool("dpkg-deb", &["--fsys-tarfile", cut.to_str().unwrap()]);
        assert!(!dpkg.status.success(), "dpkg-deb reads the file cut at {at}");

        let err = repo.repo_add("main", std::slice::from_ref(&cut), &|_, _| {}).unwrap_err();
        let chain = common::error_chain(&err);
        assert!(err.to_string().contains(&cut.display().to_string()), "{err}");
        assert!(chain.contains(expected), "cut at {at}: {chain}");
        let after: Vec<String> = state.list("").unwrap().into_iter().map(|m| m.key).collect();
        assert_eq!(after, before, "cut at {at}: the state store is unchanged");
    }
    repo.repo_add("main", std::slice::from_ref(&whole), &|_, _| {}).unwrap();
    assert_eq!(repo.repo_packages("main").unwrap().len(), 1);
}
