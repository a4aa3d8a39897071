//! `aptkit index-html`: browsable pages in a published repository, on a
//! local directory (every link followed on disk) and in moto's S3 (read back
//! with awscli: the content type a browser needs).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use aptkit_tests::moto::{Moto, MOTO_ENV};
use aptkit_tests::*;

/// A workspace (aptkit.toml holding `config`) with the example published as
/// `stable`, in two versions, one with `+` and `~` in its file name.
fn published(config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("aptkit.toml"), config).unwrap();
    let run = |args: &[&str]| run_ok(aptkit().current_dir(dir.path()).envs(MOTO_ENV).args(args));
    run(&["key", "generate", "--output", "key.asc"]);
    run(&["repo", "create", "main"]);
    for version in ["1.0-1", "1.1+b1~rc1-1"] {
        let (debs_dir, _) = package(compiled_example(), &["--version", version]);
        run(&["repo", "add", "main", debs_dir.path().to_str().unwrap()]);
    }
    run(&["publish", "repo", "main", "-d", "stable", "--key", "key.asc", "--skip-dependency-check"]);
    dir
}

/// `aptkit ARGS… index-html --json` in `dir`: the report.
fn index_html(dir: &Path, args: &[&str]) -> serde_json::Value {
    let out = run_ok(aptkit().current_dir(dir).envs(MOTO_ENV).args(args).args(["index-html", "--json"]));
    serde_json::from_slice(&out.stdout).expect("one JSON report")
}

fn count(report: &serde_json::Value, field: &str) -> usize {
    report[field].as_array().map(Vec::len).or(report[field].as_u64().map(|n| n as usize)).unwrap()
}

/// The hrefs of a page, percent-decoded.
fn links(html: &str) -> Vec<String> {
    html.split("href=\"").skip(1).map(|rest| decode(rest.split('"').next().unwrap())).collect()
}

fn decode(href: &str) -> String {
    let mut out = Vec::new();
    let mut bytes = href.bytes();
    while let Some(b) = bytes.next() {
        if b == b'%' {
            let hex: String = [bytes.next().unwrap(), bytes.next().unwrap()].iter().map(|&b| b as char).collect();
            out.push(u8::from_str_radix(&hex, 16).unwrap());
        } else {
            out.push(b);
        }
    }
    String::from_utf8(out).unwrap()
}

/// Every directory under `root`, `root` included.
fn dirs_under(root: &Path) -> Vec<PathBuf> {
    let mut dirs = vec![root.to_path_buf()];
    let mut i = 0;
    while i < dirs.len() {
        for entry in std::fs::read_dir(&dirs[i]).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            }
        }
        i += 1;
    }
    dirs
}

#[test]
fn every_directory_gets_a_page_whose_links_all_lead_somewhere_and_a_rerun_writes_nothing() {
    let ws = published("");
    let public = ws.path().join("public");
    let report = index_html(ws.path(), &[]);
    assert!(count(&report, "directories") >= 8, "{report}");
    assert_eq!(count(&report, "written"), count(&report, "directories"), "{report}");

    let mut saw_plus = false;
    for dir in dirs_under(&public) {
        let page = dir.join("index.html");
        let in_by_hash = dir.strip_prefix(&public).unwrap().components().any(|c| c.as_os_str() == "by-hash");
        assert_eq!(page.is_file(), !in_by_hash, "{}", page.display());
        if in_by_hash {
            continue;
        }
        let html = std::fs::read_to_string(&page).unwrap();
        let mut linked = BTreeSet::new();
        for link in links(&html) {
            let target = dir.join(&link);
            assert!(target.is_file(), "{link} in {} leads to nothing", page.display());
            saw_plus |= link.contains('+');
            if !link.starts_with("../") {
                linked.insert(link.trim_end_matches("/index.html").to_string());
            }
        }
        // Everything in the directory is linked, but the page itself and by-hash/.
        let entries: BTreeSet<String> =
            dir_names(&dir).into_iter().filter(|n| n != "index.html" && n != "by-hash").collect();
        assert_eq!(linked, entries, "{}", page.display());
        assert_eq!(html.contains("href=\"../index.html\""), dir != public, "{}", page.display());
    }
    assert!(saw_plus, "a pool file with `+` in its name is linked");
    let pool_page = std::fs::read_to_string(public.join("pool/main/h/hello-aptkit/index.html")).unwrap();
    assert!(pool_page.contains("hello_1.1%2Bb1~rc1-1_amd64.deb"), "{pool_page}");

    let again = index_html(ws.path(), &[]);
    assert_eq!((count(&again, "written"), count(&again, "unchanged")), (0, count(&report, "directories")), "{again}");
    // gc leaves the pages in pool/ alone.
    run_ok(aptkit().current_dir(ws.path()).args(["gc", "--min-age", "0"]));
    assert_eq!(count(&index_html(ws.path(), &[]), "written"), 0);
    let text = stdout(&run_ok(aptkit().current_dir(ws.path()).arg("index-html")));
    assert!(text.starts_with("0 of ") && text.lines().count() == 1, "{text}");
}

#[test]
fn a_dry_run_lists_what_a_new_package_changes_and_writes_nothing() {
    let ws = published("");
    index_html(ws.path(), &[]);
    let (debs_dir, _) = package(compiled_example(), &["--version", "1.2-1"]);
    let run = |args: &[&str]| run_ok(aptkit().current_dir(ws.path()).args(args));
    run(&["repo", "add", "main", debs_dir.path().to_str().unwrap()]);
    run(&["publish", "update", "stable", "--key", "key.asc", "--skip-dependency-check"]);
    let before = tree_of(&ws.path().join("public"));
    let text = stdout(&run(&["index-html", "--dry-run"]));
    assert!(text.contains("would write pool/main/h/hello-aptkit/index.html\n"), "{text}");
    // The indices grew: their directory's page lists their new sizes. (The
    // suite's own page may stay as it was: a new Release can be exactly as
    // long as the old one.)
    assert!(text.contains("would write dists/stable/main/binary-amd64/index.html\n"), "{text}");
    assert!(!text.contains("would write pool/index.html"), "unchanged pages are not listed: {text}");
    assert_eq!(tree_of(&ws.path().join("public")), before, "a dry run writes nothing");
    let written: Vec<String> = text.lines().filter_map(|l| l.strip_prefix("would write ")).map(String::from).collect();
    let report = index_html(ws.path(), &[]);
    assert_eq!(report["written"], serde_json::json!(written));
}

#[test]
fn a_publish_store_that_cannot_be_indexed_is_named_and_gets_no_page() {
    let dir = tempfile::tempdir().unwrap();
    let not_a_dir = dir.path().join("file");
    std::fs::write(&not_a_dir, "x").unwrap();
    let missing = dir.path().join("missing");
    for public in [&missing, &not_a_dir] {
        let out = aptkit().arg("--public").arg(public).arg("index-html").output().unwrap();
        let said = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{said}");
        assert!(said.contains(&format!("file://{}", public.display())) && said.contains("nothing to index"), "{said}");
    }
    assert!(!missing.exists(), "nothing was created");
    assert_eq!(dir_names(dir.path()), ["file"]);

    let ws = published("");
    for (args, expected) in [
        (&["--public", "http://127.0.0.1:9/x", "index-html"][..], "http:// stores are not supported"),
        (&["index-html", "--prefix", "a/../b"], "invalid prefix `a/../b`"),
        (&["index-html", "--prefix", "debian"], "under `debian/`"),
    ] {
        let out = aptkit().current_dir(ws.path()).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(expected), "{args:?}: {}", stderr(&out));
    }
    assert!(walk(&ws.path().join("public")).iter().all(|p| !p.ends_with("index.html")), "no page was written");
}

/// `aws --endpoint-url MOTO ARGS…`, which must succeed.
fn aws(moto: &Moto, args: &[&str]) -> Output {
    run_ok(Command::new("aws").arg("--endpoint-url").arg(moto.endpoint()).args(args).envs(MOTO_ENV))
}

#[test]
fn pages_in_s3_are_html_with_a_short_max_age_and_link_to_existing_keys() {
    require_tool("aws");
    let moto = Moto::start();
    moto.create_bucket("pages");
    let config = format!(
        "state = \"s3://pages/state\"\npublic = \"s3://pages/public\"\n\n[s3]\nendpoint_url = \"{}\"\n\
         force_path_style = true\n",
        moto.endpoint()
    );
    let ws = published(&config);
    let report = index_html(ws.path(), &[]);
    assert!(count(&report, "written") >= 8, "{report}");
    assert_eq!(report["store"], "s3://pages/public");

    let head = stdout(&aws(&moto, &["s3api", "head-object", "--bucket", "pages", "--key", "public/index.html"]));
    let head: serde_json::Value = serde_json::from_str(&head).unwrap();
    assert_eq!(head["ContentType"], "text/html; charset=utf-8", "{head}");
    assert_eq!(head["CacheControl"], "public, max-age=60", "{head}");

    let listing = stdout(&aws(&moto, &["s3api", "list-objects-v2", "--bucket", "pages", "--prefix", "public/"]));
    let listing: serde_json::Value = serde_json::from_str(&listing).unwrap();
    let keys: BTreeSet<String> =
        listing["Contents"].as_array().unwrap().iter().map(|o| o["Key"].as_str().unwrap().to_string()).collect();
    let page_key = "public/pool/main/h/hello-aptkit/index.html";
    let page = ws.path().join("page.html");
    aws(&moto, &["s3", "cp", "--only-show-errors", &format!("s3://pages/{page_key}"), page.to_str().unwrap()]);
    let html = std::fs::read_to_string(&page).unwrap();
    let dir = "public/pool/main/h/hello-aptkit/";
    let targets: Vec<String> = links(&html)
        .iter()
        .map(|l| l.strip_prefix("../").map_or(format!("{dir}{l}"), |up| format!("public/pool/main/h/{up}")))
        .collect();
    let in_dir = keys.iter().filter(|k| k.starts_with(dir) && !k.ends_with("/index.html")).count();
    assert_eq!(targets.len(), 1 + in_dir, "the parent and every .deb: {html}");
    assert!(targets.iter().all(|t| keys.contains(t)), "{targets:?} not all in {keys:?}");
    assert!(targets.iter().any(|t| t.ends_with("hello_1.1+b1~rc1-1_amd64.deb")), "{targets:?}");

    assert_eq!(count(&index_html(ws.path(), &[]), "written"), 0, "a rerun writes nothing");
    // A bucket that does not exist is named; nothing is written anywhere.
    let out = aptkit()
        .current_dir(ws.path())
        .envs(MOTO_ENV)
        .args(["--public", "s3://no-such-bucket/x", "index-html"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("s3://no-such-bucket/x"), "{}", stderr(&out));
}
