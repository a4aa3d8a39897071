//! The S3 backend of [`aptkit_store::Store`], for publish and state stores
//! on AWS or on any S3-compatible server (MinIO, moto, …).
//!
//! The `Store` trait is synchronous, so that no crate but this one (and the
//! binary that picks it) sees async code or the AWS SDK: [`S3Store`] owns a
//! small Tokio runtime and blocks on it inside every trait method.

mod s3;

pub use s3::{S3Options, S3Store};
