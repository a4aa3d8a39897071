//! The behaviour every [`Store`] backend must show. Each backend's tests
//! run [`exercise`] against a fresh, empty store (the S3 backend's against
//! a real S3-compatible server).

use std::io::Read;

use crate::{Body, Caching, ETag, MemoryStore, Store, Written};

/// The behaviour every backend must show; run by each backend's tests.
pub fn exercise(store: &dyn Store) {
    assert!(store.get("a/b").unwrap().is_none());
    assert!(store.head("a/b").unwrap().is_none());
    assert!(store.list("").unwrap().is_empty());

    let Written::Created(e1) = store.put_if_absent("a/b", Body::Bytes(b"one"), Caching::Immutable).unwrap() else {
        panic!("first put_if_absent must create")
    };
    match store.put_if_absent("a/b", Body::Bytes(b"two"), Caching::Immutable).unwrap() {
        Written::Conflict(Some(meta)) => assert_eq!((meta.size, &meta.etag), (3, &e1)),
        other => panic!("second put_if_absent must conflict, got {other:?}"),
    }
    assert_eq!(store.get("a/b").unwrap().unwrap(), (b"one".to_vec(), e1.clone()));

    assert!(matches!(store.put_if_match("a/b", b"x", None).unwrap(), Written::Conflict(Some(_))));
    assert!(matches!(store.put_if_match("a/b", b"x", Some(&ETag("nope".into()))).unwrap(), Written::Conflict(_)));
    let Written::Created(e2) = store.put_if_match("a/b", b"three", Some(&e1)).unwrap() else { panic!("CAS must win") };
    assert_ne!(e1, e2);
    assert!(matches!(store.put_if_match("a/b", b"four", Some(&e1)).unwrap(), Written::Conflict(_)));
    assert!(matches!(store.put_if_match("new", b"n", None).unwrap(), Written::Created(_)));

    let e3 = store.put("a/c", Body::Bytes(b"c"), Caching::Short).unwrap();
    let e4 = store.put("a/c", Body::Bytes(b"cc"), Caching::Short).unwrap();
    assert_ne!(e3, e4);
    let mut r = String::new();
    store.open("a/c").unwrap().unwrap().read_to_string(&mut r).unwrap();
    assert_eq!(r, "cc");
    let mut tail = String::new();
    store.open_at("a/c", 1).unwrap().unwrap().read_to_string(&mut tail).unwrap();
    assert_eq!(tail, "c", "open_at reads from the offset on");
    assert!(store.open_at("a/missing", 1).unwrap().is_none());

    let keys: Vec<String> = store.list("a/").unwrap().into_iter().map(|m| m.key).collect();
    assert_eq!(keys, ["a/b", "a/c"]);
    assert_eq!(store.list("").unwrap().len(), 3);
    store.delete("a/b").unwrap();
    store.delete("a/b").unwrap();
    assert!(store.head("a/b").unwrap().is_none());
    // Immutable objects, whole: the same bytes as `get` (a local store
    // maps them), an empty one too, and `None` when absent.
    assert!(store.get_immutable("a/missing").unwrap().is_none());
    store.put_if_absent("i/full", Body::Bytes(b"immutable"), Caching::Immutable).unwrap();
    store.put_if_absent("i/empty", Body::Bytes(b""), Caching::Immutable).unwrap();
    assert_eq!(&*store.get_immutable("i/full").unwrap().unwrap(), b"immutable");
    assert!(store.get_immutable("i/empty").unwrap().unwrap().is_empty());
    let mapped = store.get_immutable("i/full").unwrap().unwrap();
    store.delete("i/full").unwrap();
    assert_eq!(&*mapped, b"immutable", "bytes taken stay valid after the object is deleted");
    store.delete("i/empty").unwrap();
    assert!(store.get("../escape").is_err());
    assert!(store.put("/abs", Body::Bytes(b""), Caching::Short).is_err());
    copies(store);
}

/// [`Body::Object`]: another store's object (streamed) and one of this very
/// store (which an S3 store copies server-side, a local one links), with
/// put-if-absent's semantics; nothing is left behind.
fn copies(store: &dyn Store) {
    let other = MemoryStore::new();
    other.put("blob", Body::Bytes(b"from elsewhere"), Caching::Immutable).unwrap();
    let from_other = || Body::Object { store: &other, key: "blob", size: 14 };
    store.put_if_absent("o/src", Body::Bytes(b"own blob"), Caching::Immutable).unwrap();
    let from_self = || Body::Object { store, key: "o/src", size: 8 };
    for (key, body, expected) in [("o/a", from_other(), &b"from elsewhere"[..]), ("o/b", from_self(), b"own blob")] {
        let Written::Created(etag) = store.put_if_absent(key, body, Caching::Immutable).unwrap() else {
            panic!("copying to the free key {key} must create")
        };
        assert_eq!(store.get(key).unwrap().unwrap(), (expected.to_vec(), etag.clone()), "{key}");
        for again in [from_other(), from_self()] {
            match store.put_if_absent(key, again, Caching::Immutable).unwrap() {
                Written::Conflict(Some(meta)) => assert_eq!((meta.size, &meta.etag), (expected.len() as u64, &etag)),
                other => panic!("a copy onto {key} must conflict, got {other:?}"),
            }
        }
        assert_eq!(store.get(key).unwrap().unwrap().0, expected, "a conflicting copy changed {key}");
    }
    // Unconditional copies overwrite, either way.
    store.put("o/a", from_self(), Caching::Short).unwrap();
    assert_eq!(store.get("o/a").unwrap().unwrap().0, b"own blob");
    store.put("o/b", from_other(), Caching::Short).unwrap();
    assert_eq!(store.get("o/b").unwrap().unwrap().0, b"from elsewhere");
    // A missing source is an error that writes nothing.
    for missing in
        [Body::Object { store: &other, key: "absent", size: 1 }, Body::Object { store, key: "o/absent", size: 1 }]
    {
        assert!(store.put_if_absent("o/none", missing, Caching::Immutable).is_err());
        assert!(store.head("o/none").unwrap().is_none());
    }
    for key in ["o/src", "o/a", "o/b"] {
        store.delete(key).unwrap();
    }
    assert!(store.list("o/").unwrap().is_empty());
}
