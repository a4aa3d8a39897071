//! Browsable `index.html` pages for a publish store (`aptkit index-html`).
//!
//! S3 lists no directories, so people cannot browse an apt repository
//! hosted there. This writes one page per directory of the store's keys,
//! listing its subdirectories and files, and links each subdirectory's page
//! as `name/index.html` rather than `name/`: S3's REST endpoint (and a
//! CloudFront origin on it) does not map `dir/` to `dir/index.html`, only
//! website hosting does, and a file:// tree does not either.
//!
//! `by-hash/` trees are listed in their parent but get no pages: they hold
//! thousands of content-addressed copies that nobody browses. Pages are
//! deterministic (no "generated at"), so a rerun over an unchanged store
//! writes nothing; a page carries a generator mark, and an `index.html`
//! without it (a hand-written landing page) is never overwritten or deleted.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use aptkit_store::{Body, Caching, ObjectMeta, Store};

use crate::{Error, Repository, Result};

/// The name of the pages.
pub const PAGE: &str = "index.html";
/// Directories whose contents get no pages (see the module docs).
const OPAQUE: &str = "by-hash";
/// What marks a page as aptkit's: only such pages are replaced or deleted.
const GENERATOR: &str = r#"<meta name="generator" content="aptkit index-html">"#;

/// What [`write_index_pages`] did (or, in a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexHtmlReport {
    /// Pages written (or that would be), by key.
    pub written: Vec<String>,
    /// Pages that already held exactly what they would be written with.
    pub unchanged: usize,
    /// aptkit's pages of directories that hold nothing else any more (a
    /// dropped suite, a collected package), deleted (or that would be).
    pub removed: Vec<String>,
    /// `index.html` objects aptkit did not write, left alone.
    pub foreign: Vec<String>,
    /// Directories indexed: one page each.
    pub directories: usize,
}

/// Whether `key` is a page's name (`index.html`, in any directory).
pub fn is_page(key: &str) -> bool {
    key.rsplit('/').next() == Some(PAGE)
}

/// `text` safe in HTML content and in quoted attribute values.
pub fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// One path segment as a relative URL: every byte but RFC 3986's unreserved
/// ones percent-encoded. `+` must be (S3 reads a `+` in a path as a space),
/// and `:` too (`a:b` would read as a URL scheme).
pub fn encode_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for &b in segment.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// One directory's contents: names relative to it.
#[derive(Debug, Default)]
struct Listing {
    dirs: BTreeSet<String>,
    /// `by-hash` directories: listed, not linked (they get no page).
    opaque: BTreeSet<String>,
    /// (name, size, modified); keys come sorted, so these do too.
    files: Vec<(String, u64, i64)>,
}

/// Every directory under `scope` (`""` or ending in `/`) with its listing,
/// by its key prefix, and the pages that exist outside by-hash trees.
fn tree(objects: &[ObjectMeta], scope: &str) -> (BTreeMap<String, Listing>, BTreeSet<String>) {
    let mut dirs: BTreeMap<String, Listing> = BTreeMap::new();
    let mut pages = BTreeSet::new();
    for meta in objects {
        let Some(rel) = meta.key.strip_prefix(scope) else { continue };
        let (parents, name) = rel.rsplit_once('/').unwrap_or(("", rel));
        let parents: Vec<&str> = parents.split('/').filter(|s| !s.is_empty()).collect();
        let hidden = parents.contains(&OPAQUE);
        // A page alone does not make its directory live: it is the stale
        // page of a directory emptied since.
        if name == PAGE && !hidden {
            pages.insert(meta.key.clone());
            continue;
        }
        let mut dir = scope.to_string();
        dirs.entry(dir.clone()).or_default();
        for &part in &parents {
            if part == OPAQUE {
                dirs.entry(dir.clone()).or_default().opaque.insert(part.to_string());
                break;
            }
            dirs.entry(dir.clone()).or_default().dirs.insert(part.to_string());
            dir = format!("{dir}{part}/");
            dirs.entry(dir.clone()).or_default();
        }
        if !hidden {
            dirs.entry(dir).or_default().files.push((name.to_string(), meta.size, meta.modified));
        }
    }
    (dirs, pages)
}

/// The page of directory `dir` (a key prefix; `""` is the root). The top of
/// what is indexed (`scope`) links no parent: it may have no page.
fn render(dir: &str, scope: &str, listing: &Listing) -> String {
    let title = html_escape(&format!("Index of /{dir}"));
    let mut html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n{GENERATOR}\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{title}</title>\n\
         <style>body{{font-family:sans-serif}}td,th{{padding:0 1em;text-align:left}}td.size{{text-align:right}}</style>\n\
         </head>\n<body>\n<h1>{title}</h1>\n<table>\n\
         <tr><th>Name</th><th>Size</th><th>Modified (UTC)</th></tr>\n"
    );
    if dir != scope {
        html.push_str("<tr><td><a href=\"../index.html\">../</a></td><td></td><td></td></tr>\n");
    }
    for name in &listing.dirs {
        let (href, name) = (encode_segment(name), html_escape(name));
        let _ = writeln!(html, "<tr><td><a href=\"{href}/{PAGE}\">{name}/</a></td><td></td><td></td></tr>");
    }
    for name in &listing.opaque {
        let name = html_escape(name);
        let _ = writeln!(html, "<tr><td>{name}/ (content-addressed copies, not indexed)</td><td></td><td></td></tr>");
    }
    for (name, size, modified) in &listing.files {
        let (href, name) = (encode_segment(name), html_escape(name));
        let when = chrono::DateTime::from_timestamp(*modified, 0)
            .map(|d| d.format("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_default();
        let _ = writeln!(
            html,
            "<tr><td><a href=\"{href}\">{name}</a></td><td class=\"size\">{size}</td><td>{when}</td></tr>"
        );
    }
    html.push_str("</table>\n</body>\n</html>\n");
    html
}

/// What became of one page.
enum Outcome {
    Written(String),
    Unchanged,
    Removed(String),
    Foreign(String),
    /// A stale page listed a moment ago and gone since.
    Gone,
}

/// Write a page into every directory of `store` under `prefix` (`""`: the
/// whole store) whose page is missing or differs, and delete aptkit's pages
/// of directories that hold nothing else; with `dry_run`, only report.
/// Everything is listed before anything is written: a store that cannot be
/// listed, or holds nothing under `prefix`, is an error and gets no page.
pub fn write_index_pages(store: &dyn Store, prefix: &str, dry_run: bool) -> Result<IndexHtmlReport> {
    let prefix = prefix.trim_matches('/');
    let scope = if prefix.is_empty() { String::new() } else { format!("{prefix}/") };
    if !prefix.is_empty() {
        aptkit_store::validate_key(prefix).map_err(|_| Error::Invalid(format!("invalid prefix `{prefix}`")))?;
        if prefix.split('/').any(|part| part == OPAQUE) {
            return Err(Error::Invalid(format!("prefix `{prefix}`: by-hash trees get no index.html pages")));
        }
    }
    let objects = store.list(&scope)?;
    let (dirs, existing) = tree(&objects, &scope);
    if dirs.is_empty() {
        let under = if prefix.is_empty() { String::new() } else { format!(" under `{prefix}/`") };
        return Err(Error::Invalid(format!(
            "{} holds no published files{under}: nothing to index (is it the publish store?)",
            store.location()
        )));
    }
    let mut jobs: Vec<(String, Option<String>)> =
        dirs.iter().map(|(dir, listing)| (format!("{dir}{PAGE}"), Some(render(dir, &scope, listing)))).collect();
    let live: BTreeSet<&String> = jobs.iter().map(|(key, _)| key).collect();
    let stale: Vec<String> = existing.iter().filter(|key| !live.contains(key)).cloned().collect();
    jobs.extend(stale.into_iter().map(|key| (key, None)));

    let outcomes = aptkit_parallel::try_map(jobs.len(), store.concurrency(), |i| {
        let (key, page) = &jobs[i];
        let old = if existing.contains(key) { store.get(key)?.map(|(bytes, _)| bytes) } else { None };
        let ours = |old: &[u8]| memchr::memmem::find(old, GENERATOR.as_bytes()).is_some();
        Ok::<_, Error>(match (page, old) {
            (Some(page), Some(old)) if old == page.as_bytes() => Outcome::Unchanged,
            (_, Some(old)) if !ours(&old) => Outcome::Foreign(key.clone()),
            (Some(page), _) => {
                if !dry_run {
                    store.put(key, Body::Bytes(page.as_bytes()), Caching::Short)?;
                }
                Outcome::Written(key.clone())
            }
            (None, Some(_)) => {
                if !dry_run {
                    store.delete(key)?;
                }
                Outcome::Removed(key.clone())
            }
            (None, None) => Outcome::Gone,
        })
    })?;
    let mut report = IndexHtmlReport { directories: dirs.len(), ..Default::default() };
    for outcome in outcomes {
        match outcome {
            Outcome::Written(key) => report.written.push(key),
            Outcome::Unchanged => report.unchanged += 1,
            Outcome::Removed(key) => report.removed.push(key),
            Outcome::Foreign(key) => report.foreign.push(key),
            Outcome::Gone => {}
        }
    }
    // By key, as store listings are (directory order puts `a/index.html` before `a/b/index.html`).
    for keys in [&mut report.written, &mut report.removed, &mut report.foreign] {
        keys.sort();
    }
    Ok(report)
}

impl Repository {
    /// [`write_index_pages`] over the publish store.
    pub fn index_html(&self, prefix: &str, dry_run: bool) -> Result<IndexHtmlReport> {
        write_index_pages(self.public_store(), prefix, dry_run)
    }
}

#[cfg(test)]
#[path = "index_html_tests.rs"]
mod tests;
