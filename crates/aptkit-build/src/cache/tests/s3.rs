//! The same round trip and race on S3: moto on loopback, the real S3Store.

use std::sync::Arc;

use aptkit_aws::{S3Options, S3Store};
use aptkit_tests::moto::{set_moto_env, Moto};

use super::store::{race, round_trip};

fn bucket(moto: &Moto, url: &str) -> Arc<S3Store> {
    set_moto_env();
    let options = S3Options { endpoint_url: Some(moto.endpoint()), region: None, force_path_style: true };
    let store = S3Store::connect(url, &options).unwrap();
    store.create_bucket().unwrap();
    Arc::new(store)
}

#[test]
fn store_lookup_and_restore_round_trip_on_s3() {
    let moto = Moto::start();
    round_trip(bucket(&moto, "s3://aptkit-build-cache/state"));
}

#[test]
fn two_runners_storing_the_same_key_at_once_on_s3_make_one_entry() {
    let moto = Moto::start();
    race(bucket(&moto, "s3://aptkit-build-cache-race"));
}
