//! A publication's index files: `Packages` for each architecture, made
//! from the package set, compressed (only the chunks that changed: see
//! [`crate::chunk_cache`] and [`crate::ahead`]), with the component
//! `Release` and `Contents`, hashed; and the package lists they are made
//! from.

use std::collections::BTreeMap;

use aptkit_compress::{Format, NoCache, Records};
use aptkit_index::{pool_path, FileDigests, IndexFile, ReleaseFile};

use crate::chunk_cache::{chunk_ids, pieces_in_place, InPlace, PiecesFirst, StoreChunkCache};
use crate::package_set::{PackageRecord, PackageSet};
use crate::publish::PublishInput;
use crate::state::Publication;
use crate::Result;

/// A publication's index files, made in memory and hashed: each file's
/// path under `dists/<distribution>/`, bytes and digests, sorted by path.
pub(crate) struct Indices {
    pub files: Vec<(String, Vec<u8>)>,
    pub digests: Vec<FileDigests>,
    /// Listed in Release (apt wants the uncompressed name of every index)
    /// but not uploaded.
    pub listed_only: Vec<IndexFile>,
    /// Compressed indices of an unchanged `Packages`, listed as the current
    /// InRelease lists them: in place under both names, neither made nor
    /// written again.
    pub kept: Vec<IndexFile>,
    /// The piece lengths of each gzip index, made now or kept.
    pub pieces: BTreeMap<String, Vec<u64>>,
    pub chunks: usize,
    pub chunks_compressed: usize,
}

pub(crate) fn build_indices(
    input: &PublishInput<'_>,
    publication: &Publication,
    placed: &[(String, &PackageRecord)],
    in_place: &BTreeMap<String, FileDigests>,
) -> Result<Indices> {
    let component = &publication.component;
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut listed_only: Vec<IndexFile> = Vec::new();
    let mut kept: Vec<IndexFile> = Vec::new();
    let mut pieces: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    let dists = format!("dists/{}", publication.distribution);
    // Digests already taken, by path.
    let mut hashed: BTreeMap<String, FileDigests> = BTreeMap::new();
    let previous = input.previous.map(|(prev, set)| (prev, self::placed(set, &prev.component)));
    let (mut chunks, mut chunks_compressed) = (0, 0);
    for arch in &publication.architectures {
        let packages = packages_index(placed, arch);
        let dir = format!("{component}/binary-{arch}");
        let formats = [Format::Gzip, Format::Xz];
        let plain_digests = FileDigests::of_bytes(&packages);
        hashed.insert(format!("{dir}/Packages"), plain_digests);
        // The same text as the Packages in place: so are its compressed
        // forms, which the last publish made and read back. A republish with
        // nothing new makes (and fetches) no chunk.
        let compressed_in_place: Option<Vec<IndexFile>> = (in_place.get(&format!("{dir}/Packages"))
            == Some(&plain_digests))
        .then(|| {
            formats
                .iter()
                .map(|f| {
                    let path = format!("{dir}/Packages.{}", f.extension());
                    in_place.get(&path).map(|digests| IndexFile { path, digests: *digests })
                })
                .collect()
        })
        .flatten();
        let previous_pieces = |path: &str| {
            previous.as_ref().and_then(|(prev, _)| prev.pieces.get(path)).map(Vec::as_slice).unwrap_or(&[])
        };
        if let Some(in_place) = compressed_in_place {
            for file in &in_place {
                let lengths = previous_pieces(&file.path);
                if !lengths.is_empty() {
                    pieces.insert(file.path.clone(), lengths.to_vec());
                }
            }
            kept.extend(in_place);
        } else {
            // The text in place (the previous publication's), cut into
            // chunks: those it shares with this one are taken from the
            // compressed files in place when these were made from it.
            let previous_chunks = previous.as_ref().map(|(_, placed)| {
                let text = packages_index(placed, arch);
                (chunk_ids(&text), in_place.get(&format!("{dir}/Packages")) == Some(&FileDigests::of_bytes(&text)))
            });
            let from_files = match &previous_chunks {
                Some((chunks, true)) => {
                    let files: Vec<InPlace<'_>> = formats
                        .iter()
                        .filter_map(|&format| {
                            let path = format!("{dir}/Packages.{}", format.extension());
                            let listed = in_place.get(&path)?;
                            let by_hash =
                                publication.key(&format!("{dists}/{dir}/by-hash/SHA256/{}", listed.sha256_hex()));
                            Some(InPlace { format, listed, by_hash, piece_lengths: previous_pieces(&path) })
                        })
                        .collect();
                    pieces_in_place(input.public, &files, chunks)
                }
                _ => Default::default(),
            };
            let stable = previous_chunks.map(|(chunks, _)| chunks.into_iter().map(|(id, _)| id).collect());
            let stable_only = matches!(publication.source, crate::state::Source::Repo(_));
            let cache = StoreChunkCache { store: input.state, stable, stable_only };
            let cache = PiecesFirst { in_place: from_files, ahead: input.ahead, cache, from_ahead: Default::default() };
            // Both formats at once: a republish compresses a chunk or two,
            // each on one thread.
            let compressed = aptkit_compress::compress_all_pieces(&formats, Records::Stanzas, &packages, &cache);
            chunks_compressed += cache.from_ahead.into_inner();
            for (format, (file, work, lengths)) in formats.into_iter().zip(compressed) {
                chunks += work.chunks;
                chunks_compressed += work.compressed;
                let path = format!("{dir}/Packages.{}", format.extension());
                if !lengths.is_empty() {
                    pieces.insert(path.clone(), lengths);
                }
                files.push((path, file));
            }
        }
        files.push((format!("{dir}/Packages"), packages));
        let component_release = ReleaseFile {
            archive: Some(publication.distribution.clone()),
            origin: publication.origin.clone(),
            label: publication.label.clone(),
            component: Some(component.clone()),
            architecture: Some(arch.clone()),
            ..Default::default()
        };
        files.push((format!("{dir}/Release"), component_release.to_text().into_bytes()));
        if publication.contents {
            let contents = crate::contents::contents_index(input.state, input.set, arch)?;
            // Contents is rebuilt from every .deb anyway: no cache.
            let (gz, _) = aptkit_compress::compress(Format::Gzip, Records::Lines, &contents, &NoCache);
            files.push((format!("{component}/Contents-{arch}.gz"), gz));
            listed_only.push(IndexFile {
                path: format!("{component}/Contents-{arch}"),
                digests: FileDigests::of_bytes(&contents),
            });
        }
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    // The rest hashed at once, one thread each.
    let digests = aptkit_parallel::map(files.len(), files.len(), |i| match hashed.get(&files[i].0) {
        Some(digests) => *digests,
        None => FileDigests::of_bytes(&files[i].1),
    });
    Ok(Indices { files, digests, listed_only, kept, pieces, chunks, chunks_compressed })
}

/// Every package of `set` with its path in `component`'s pool.
pub(crate) fn placed<'a>(set: &'a PackageSet, component: &str) -> Vec<(String, &'a PackageRecord)> {
    set.iter().map(|r| (pool_path(component, r.source(), r.file_name()), r)).collect()
}

/// Whether `publication` lists packages of `arch`: its architectures, and `all`.
pub(crate) fn publishes(publication: &Publication, arch: &str) -> bool {
    arch == "all" || publication.architectures.iter().any(|a| a == arch)
}

/// The packages of `set` that `publication` lists, with their pool paths.
pub(crate) fn published<'a>(set: &'a PackageSet, publication: &Publication) -> Vec<(String, &'a PackageRecord)> {
    placed(set, &publication.component).into_iter().filter(|(_, r)| publishes(publication, r.arch())).collect()
}

/// The `Packages` file for `arch`: the packages of that architecture and
/// `all`, each with `Filename` set to its place in the pool.
pub(crate) fn packages_index(placed: &[(String, &PackageRecord)], arch: &str) -> Vec<u8> {
    let mut packages = Vec::with_capacity(placed.iter().map(|(path, r)| r.text().len() + path.len() + 1).sum());
    for (path, r) in placed.iter().filter(|(_, r)| r.arch() == arch || r.arch() == "all") {
        if !packages.is_empty() {
            packages.push(b'\n');
        }
        r.write_with("Filename", path, &mut packages);
    }
    packages
}

/// Packages grouped by architecture name, for reports.
pub fn architectures_of(set: &PackageSet) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for r in set.iter() {
        *out.entry(r.arch().to_string()).or_insert(0) += 1;
    }
    out
}
