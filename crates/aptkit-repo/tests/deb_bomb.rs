//! A .deb of a few hundred KiB whose control member expands to a GiB is
//! refused by name, in bounded memory, before anything is stored. The one
//! test in this binary: the process's peak memory is its alone.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use aptkit_deb::{Compression, DebWriter, FileSource, Node, Tree, TreeEntry, TreePath, MAX_CONTROL_SIZE};
use aptkit_store::{FileStore, Store};

/// What the control member expands to.
const EXPANDED: u64 = 1 << 30;

/// `control.tar.xz` holding one `control` file of [`EXPANDED`] zeros:
/// xz streams of 16 MiB of zeros each, concatenated (which xz reads as one
/// file), so that it is made in well under a second and 16 MiB of memory.
fn control_tar_bomb() -> Vec<u8> {
    let piece = 16usize << 20;
    let zeros = vec![0u8; piece];
    let xz = |head: &[u8]| {
        let mut encoder = liblzma::write::XzEncoder::new(Vec::new(), 0);
        encoder.write_all(head).unwrap();
        encoder.write_all(&zeros).unwrap();
        encoder.finish().unwrap()
    };
    let mut header = tar::Header::new_gnu();
    header.set_path("./control").unwrap();
    header.set_size(EXPANDED);
    header.set_mode(0o644);
    header.set_cksum();
    let mut bomb = xz(header.as_bytes());
    let rest = xz(&[]);
    for _ in 1..EXPANDED / piece as u64 {
        bomb.extend_from_slice(&rest);
    }
    bomb
}

fn bomb_deb(dir: &Path) -> PathBuf {
    let mut tree = Tree::new();
    let content: Arc<[u8]> = Arc::from(&b"boom\n"[..]);
    tree.insert(
        TreePath::new("usr/share/bomb/boom").unwrap(),
        TreeEntry { node: Node::File { size: 5, source: FileSource::Bytes(content) }, mode: 0o644, mtime: 0 },
    );
    let writer = DebWriter {
        compression: Compression::Xz { level: Some(0) },
        threads: 1,
        source_date_epoch: 1_700_000_000,
        progress: None,
    };
    let data = writer.write_data(&tree, "all", dir).unwrap();
    let pending = writer.assemble(&control_tar_bomb(), data, dir).unwrap();
    let path = dir.join("bomb_1.0_all.deb");
    pending.persist(&path).unwrap();
    path
}

/// The most memory this process has held at once, in bytes.
fn peak_memory() -> u64 {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    assert_eq!(unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) }, 0);
    usage.ru_maxrss as u64 * 1024
}

#[test]
fn a_control_member_that_expands_past_the_limit_is_refused_in_bounded_memory() {
    let common::Scratch { work, debs, repo, .. } = common::scratch();
    let deb = bomb_deb(&debs);
    let size = std::fs::metadata(&deb).unwrap().len();
    assert!(size < 1 << 20, "the bomb is {size} bytes");
    let state = FileStore::new(work.path().join("state"));
    let before: Vec<String> = state.list("").unwrap().into_iter().map(|m| m.key).collect();

    let started = std::time::Instant::now();
    let err = repo.repo_add("main", std::slice::from_ref(&deb), &|_, _| {}).unwrap_err();
    let chain = common::error_chain(&err);
    assert!(err.to_string().contains(&deb.display().to_string()), "{chain}");
    assert!(chain.contains(&format!("member `control.tar.xz` expands past {MAX_CONTROL_SIZE} bytes")), "{chain}");
    // The limit and a few copies of it, not the GiB.
    let peak = peak_memory();
    assert!(peak < 512 << 20, "peak memory {} MiB", peak >> 20);
    assert!(started.elapsed().as_secs() < 60, "took {:?}", started.elapsed());

    let after: Vec<String> = state.list("").unwrap().into_iter().map(|m| m.key).collect();
    assert_eq!(after, before, "the state store is unchanged");
    assert!(repo.repo_packages("main").unwrap().is_empty());
}
