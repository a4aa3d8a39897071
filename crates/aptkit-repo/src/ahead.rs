//! Compressing ahead. A republish of a repo compresses only the chunks of
//! `Packages` its previous index did not have (the ones its new packages
//! landed in); the rest it cuts out of the compressed files in place. Which
//! chunks those are is known as soon as the two sets are loaded, so they
//! are compressed from then on, on their own threads, while the publish
//! claims its suite, reads the InRelease and the files in place and places
//! the pool files: xz of one ~272 KiB chunk (~60 ms) was most of an
//! incremental publish, after all of its reads.
//!
//! What is compressed here is found by chunk id (the SHA-256 of the chunk's
//! text) like any cached chunk, and checked the same way: if the indices
//! the publish builds turn out to differ (the suite changed while this
//! publish waited for it), a piece made here is simply not asked for.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use aptkit_compress::Format;

use crate::chunk_cache::chunk_ids;
use crate::indices::{packages_index, published};
use crate::package_set::PackageSet;
use crate::state::{Publication, Source};

/// Pieces by (format, chunk id).
pub(crate) type Pieces = HashMap<(Format, String), Vec<u8>>;

/// Chunks being compressed ahead of the publish that wants them.
#[derive(Default)]
pub(crate) struct Ahead {
    pieces: OnceLock<Pieces>,
}

impl Ahead {
    /// Whether compressing ahead can save a republish of `previous` as
    /// `publication` time: a repo's republish with packages that changed,
    /// which looks up no new chunk in the chunk cache (see
    /// [`crate::chunk_cache::StoreChunkCache`]) and so compresses every
    /// one of them. A snapshot's may find its chunks cached; a new
    /// publication has no previous index to tell new chunks by.
    pub(crate) fn worth_it(publication: &Publication, previous: &Publication) -> bool {
        matches!(publication.source, Source::Repo(_))
            && previous.component == publication.component
            && previous.set != publication.set
    }

    /// Compress the chunks of each architecture's `Packages` of `set` that
    /// `previous` (the set the suite publishes now) does not have, on all
    /// cores; then [`Ahead::wait`] returns them. Call once, on its own
    /// thread.
    pub(crate) fn compress(&self, publication: &Publication, set: &PackageSet, previous: &PackageSet) {
        // Whatever happens here, a publish waiting for these pieces goes on
        // (and compresses what is missing itself).
        struct Done<'a>(&'a OnceLock<Pieces>);
        impl Drop for Done<'_> {
            fn drop(&mut self) {
                let _ = self.0.set(Pieces::new());
            }
        }
        let _done = Done(&self.pieces);
        let placed = published(set, publication);
        let before = published(previous, publication);
        let texts: Vec<(Vec<u8>, HashSet<String>)> = publication
            .architectures
            .iter()
            .map(|arch| {
                let old = chunk_ids(&packages_index(&before, arch)).into_iter().map(|(id, _)| id).collect();
                (packages_index(&placed, arch), old)
            })
            .collect();
        let mut jobs: Vec<(Format, String, &[u8])> = Vec::new();
        for (text, old) in &texts {
            let mut at = 0;
            for (id, len) in chunk_ids(text) {
                let chunk = &text[at..at + len];
                at += len;
                if !old.contains(&id) {
                    jobs.extend([Format::Xz, Format::Gzip].map(|format| (format, id.clone(), chunk)));
                }
            }
        }
        // The longest first (xz, then the larger chunks), one per core.
        jobs.sort_by_key(|(format, _, chunk)| std::cmp::Reverse((*format == Format::Xz, chunk.len())));
        let made = aptkit_parallel::map(jobs.len(), aptkit_parallel::cores(), |i| {
            let (format, id, chunk) = &jobs[i];
            ((*format, id.clone()), aptkit_compress::compress_chunk(*format, chunk))
        });
        let _ = self.pieces.set(made.into_iter().collect());
    }

    /// The pieces [`Ahead::compress`] made, once it has.
    pub(crate) fn wait(&self) -> &Pieces {
        self.pieces.wait()
    }
}

#[cfg(test)]
mod tests {
    use aptkit_compress::Records;

    use super::*;

    /// A set of `n` packages of ~900 bytes a stanza (several chunks), and
    /// `extra` among them if given.
    fn set(n: usize, extra: Option<&str>) -> PackageSet {
        let described = " Long description line.".repeat(36);
        let names = (0..n).map(|i| format!("pkg-{i:04}")).chain(extra.map(String::from));
        let mut names: Vec<String> = names.collect();
        names.sort();
        let text: Vec<String> = names
            .iter()
            .map(|name| {
                format!(
                    "Package: {name}\nVersion: 1.0\nArchitecture: amd64\nSize: 10\nSHA256: {}\nDescription: test\n{described}\n",
                    "0".repeat(64)
                )
            })
            .collect();
        PackageSet::from_bytes(text.join("\n").as_bytes(), "test").unwrap()
    }

    #[test]
    fn the_chunks_new_packages_land_in_are_compressed_ahead_and_no_others() {
        let publication = Publication::for_tests("stable");
        let (before, after) = (set(1200, None), set(1200, Some("pkg-0600a")));
        let ahead = Ahead::default();
        ahead.compress(&publication, &after, &before);
        let pieces = ahead.wait();

        let placed = published(&after, &publication);
        let text = packages_index(&placed, "amd64");
        let old: HashSet<String> = chunk_ids(&packages_index(&published(&before, &publication), "amd64"))
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        let new: Vec<std::ops::Range<usize>> = aptkit_compress::chunks(&text, Records::Stanzas)
            .into_iter()
            .filter(|r| !old.contains(&aptkit_compress::chunk_id(&text[r.clone()])))
            .collect();
        assert!(!new.is_empty() && new.len() < old.len(), "one package changes a chunk or two: {}", new.len());
        assert_eq!(pieces.len(), 2 * new.len(), "xz and gzip of each new chunk");
        for range in &new {
            let chunk = &text[range.clone()];
            for format in [Format::Xz, Format::Gzip] {
                let piece = &pieces[&(format, aptkit_compress::chunk_id(chunk))];
                assert_eq!(*piece, aptkit_compress::compress_chunk(format, chunk), "{format:?}");
            }
        }

        // A publish takes them (and counts them as its own), and makes the
        // very files it would have made without them.
        let store = aptkit_store::MemoryStore::new();
        let cache = crate::chunk_cache::StoreChunkCache { store: &store, stable: Some(old), stable_only: true };
        let cache = crate::chunk_cache::PiecesFirst {
            in_place: Default::default(),
            ahead: Some(&ahead),
            cache,
            from_ahead: Default::default(),
        };
        let formats = [Format::Gzip, Format::Xz];
        let made = aptkit_compress::compress_all(&formats, Records::Stanzas, &text, &cache);
        let alone = aptkit_compress::compress_all(&formats, Records::Stanzas, &text, &aptkit_compress::NoCache);
        for (format, ((file, _), (alone, _))) in formats.iter().zip(made.iter().zip(&alone)) {
            assert!(file == alone, "{format:?}: the same file with pieces made ahead");
        }
        assert_eq!(cache.from_ahead.into_inner(), 2 * new.len());
    }

    #[test]
    fn a_repo_republish_with_changes_compresses_ahead_and_nothing_else_does() {
        let before = Publication::for_tests("stable");
        let publication = Publication { set: "sets/y.packages".into(), ..before.clone() };
        assert!(Ahead::worth_it(&publication, &before));
        assert!(!Ahead::worth_it(&before, &before), "nothing changed, nothing to compress");
        let snapshot = Publication { source: Source::Snapshot("s".into()), ..publication.clone() };
        assert!(!Ahead::worth_it(&snapshot, &before), "a snapshot's chunks may be cached");
        let other = Publication { component: "contrib".into(), ..publication.clone() };
        assert!(!Ahead::worth_it(&other, &before));
    }
}
