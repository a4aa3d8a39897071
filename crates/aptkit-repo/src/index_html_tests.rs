use aptkit_store::{Body, Caching, MemoryStore, Store};

use super::{encode_segment, html_escape, is_page, write_index_pages, PAGE};

const KEYS: [&str; 7] = [
    "dists/stable/InRelease",
    "dists/stable/main/binary-amd64/Packages.xz",
    "dists/stable/main/binary-amd64/by-hash/SHA256/0123abcd",
    "dists/stable/main/binary-amd64/by-hash/MD5Sum/4567",
    "pool/main/h/hello/hello_1.0+b1~rc:2_amd64.deb",
    "pool/main/h/hello/hello doc.txt",
    "pool/main/h/hello-data/hello-data_1.0_all.deb",
];

fn store_with(keys: &[&str]) -> MemoryStore {
    let store = MemoryStore::new();
    for key in keys {
        store.put(key, Body::Bytes(key.as_bytes()), Caching::Short).unwrap();
    }
    store
}

fn page(store: &MemoryStore, key: &str) -> String {
    String::from_utf8(store.get(key).unwrap().unwrap_or_else(|| panic!("no page {key}")).0).unwrap()
}

fn pages(store: &MemoryStore) -> Vec<String> {
    store.list("").unwrap().into_iter().map(|m| m.key).filter(|k| is_page(k)).collect()
}

/// The hrefs of a page, in order.
fn hrefs(html: &str) -> Vec<String> {
    html.split("href=\"").skip(1).map(|rest| rest.split('"').next().unwrap().to_string()).collect()
}

fn percent_decode(href: &str) -> String {
    let bytes = href.as_bytes();
    let (mut out, mut i) = (Vec::new(), 0);
    while i < bytes.len() {
        if bytes[i] == b'%' {
            out.push(u8::from_str_radix(&href[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// `href` relative to the page `page_key`, as a key.
fn resolve(page_key: &str, href: &str) -> String {
    let mut parts: Vec<&str> = page_key.split('/').collect();
    parts.pop();
    let decoded = percent_decode(href);
    for part in decoded.split('/') {
        if part == ".." {
            assert!(parts.pop().is_some(), "{href} in {page_key} leads out of the store");
        } else {
            parts.push(part);
        }
    }
    parts.join("/")
}

#[test]
fn escapes_html_and_encodes_every_unsafe_byte_of_a_segment() {
    assert_eq!(html_escape(r#"<a href="x">&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
    assert_eq!(html_escape("hello_1.0+b1~rc1"), "hello_1.0+b1~rc1");
    assert_eq!(encode_segment("hello_1.0+b1~rc:2 x.deb"), "hello_1.0%2Bb1~rc%3A2%20x.deb");
    assert_eq!(encode_segment("é#?%/"), "%C3%A9%23%3F%25%2F");
}

#[test]
fn every_directory_gets_a_sorted_page_whose_links_all_resolve() {
    let store = store_with(&KEYS);
    let report = write_index_pages(&store, "", false).unwrap();
    let expected = [
        "dists/index.html",
        "dists/stable/index.html",
        "dists/stable/main/binary-amd64/index.html",
        "dists/stable/main/index.html",
        "index.html",
        "pool/index.html",
        "pool/main/h/hello-data/index.html",
        "pool/main/h/hello/index.html",
        "pool/main/h/index.html",
        "pool/main/index.html",
    ];
    assert_eq!(pages(&store), expected);
    assert_eq!((report.written.len(), report.unchanged, report.directories), (10, 0, 10));
    assert!(report.removed.is_empty() && report.foreign.is_empty());

    for key in pages(&store) {
        let html = page(&store, &key);
        assert!(html.contains(super::GENERATOR), "{key}");
        for href in hrefs(&html) {
            let target = resolve(&key, &href);
            assert!(store.head(&target).unwrap().is_some(), "{href} in {key} leads to nothing ({target})");
        }
    }
    // The top has no parent; others link theirs first.
    assert!(!page(&store, PAGE).contains("../"));
    let hello = page(&store, "pool/main/h/hello/index.html");
    assert_eq!(hrefs(&hello), ["../index.html", "hello%20doc.txt", "hello_1.0%2Bb1~rc%3A2_amd64.deb"]);
    assert!(hello.contains(">hello_1.0+b1~rc:2_amd64.deb</a></td><td class=\"size\">45</td>"), "{hello}");
    // Directories before files, each sorted; by-hash named but not linked.
    let h = page(&store, "pool/main/h/index.html");
    assert_eq!(hrefs(&h), ["../index.html", "hello/index.html", "hello-data/index.html"]);
    let arch = page(&store, "dists/stable/main/binary-amd64/index.html");
    assert_eq!(hrefs(&arch), ["../index.html", "Packages.xz"]);
    assert!(arch.contains("<td>by-hash/ (content-addressed"), "{arch}");
}

#[test]
fn a_rerun_writes_nothing_and_a_new_file_rewrites_only_its_pages() {
    let store = store_with(&KEYS);
    write_index_pages(&store, "", false).unwrap();
    let again = write_index_pages(&store, "", false).unwrap();
    assert_eq!((again.written.len(), again.unchanged), (0, 10), "{again:?}");

    store.put("pool/main/h/hello/hello_1.1_amd64.deb", Body::Bytes(b"new"), Caching::Short).unwrap();
    store.put("pool/main/w/world/world_1_all.deb", Body::Bytes(b"new"), Caching::Short).unwrap();
    let report = write_index_pages(&store, "", false).unwrap();
    assert_eq!(
        report.written,
        [
            "pool/main/h/hello/index.html",
            "pool/main/index.html",
            "pool/main/w/index.html",
            "pool/main/w/world/index.html"
        ]
    );
}

#[test]
fn a_dry_run_reports_and_writes_nothing() {
    let store = store_with(&KEYS);
    let report = write_index_pages(&store, "", true).unwrap();
    assert_eq!(report.written.len(), 10);
    assert!(pages(&store).is_empty());
}

#[test]
fn names_are_escaped_in_the_page() {
    let store = store_with(&["pool/x<script>alert(1)<script>&\"'.deb"]);
    write_index_pages(&store, "", false).unwrap();
    let html = page(&store, "pool/index.html");
    assert!(!html.contains("<script>"), "{html}");
    assert!(html.contains(">x&lt;script&gt;alert(1)&lt;script&gt;&amp;&quot;&#39;.deb</a>"), "{html}");
    assert_eq!(hrefs(&html)[1], "x%3Cscript%3Ealert%281%29%3Cscript%3E%26%22%27.deb");
}

#[test]
fn stale_pages_go_and_pages_aptkit_did_not_write_stay() {
    let store = store_with(&KEYS);
    let landing = b"<html>our own landing page</html>";
    store.put(PAGE, Body::Bytes(landing), Caching::Short).unwrap();
    store.put("pool/main/x/index.html", Body::Bytes(b"someone's page"), Caching::Short).unwrap();
    let first = write_index_pages(&store, "", false).unwrap();
    assert_eq!(first.foreign, ["index.html", "pool/main/x/index.html"]);
    assert_eq!(store.get(PAGE).unwrap().unwrap().0, landing);

    // A package collected: its directory holds only aptkit's page now.
    store.delete("pool/main/h/hello-data/hello-data_1.0_all.deb").unwrap();
    let report = write_index_pages(&store, "", false).unwrap();
    assert_eq!(report.removed, ["pool/main/h/hello-data/index.html"]);
    assert_eq!(report.written, ["pool/main/h/index.html"]);
    assert!(store.head("pool/main/h/hello-data/index.html").unwrap().is_none());
    assert_eq!(store.get("pool/main/x/index.html").unwrap().unwrap().0, b"someone's page");
}

#[test]
fn a_prefix_indexes_only_its_tree_and_an_empty_store_is_an_error() {
    let store = store_with(&["debian/pool/a.deb", "ubuntu/pool/b.deb"]);
    let report = write_index_pages(&store, "/debian/", false).unwrap();
    assert_eq!(report.written, ["debian/index.html", "debian/pool/index.html"]);
    assert!(!page(&store, "debian/index.html").contains("../"), "the top links no parent");

    let err = write_index_pages(&store, "nothing", false).unwrap_err().to_string();
    assert!(err.contains("memory") && err.contains("under `nothing/`"), "{err}");
    let err = write_index_pages(&MemoryStore::new(), "", false).unwrap_err().to_string();
    assert!(err.contains("holds no published files"), "{err}");
    for bad in ["a/../b", "dists/x/by-hash"] {
        assert!(write_index_pages(&store, bad, false).is_err(), "{bad}");
    }
    assert_eq!(pages(&store), ["debian/index.html", "debian/pool/index.html"], "errors wrote nothing");
}
