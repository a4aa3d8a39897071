//! The build stage: from a project's source to .debs for every
//! distribution it targets.
//!
//! A project describes its targets in `distros/`, one folder per
//! distribution (`debian-12-bookworm`, `ubuntu-24.04-noble`), each naming
//! the container image its compile stage runs in (`DOCKER_BASE`), the
//! codename it is published for (`DISTRIBUTION`), the Debian revision
//! suffix of its packages (`PKGVER`) and its packaging templates
//! (`debian/`, or a symlink to another folder's): see [`distros`]. Its
//! releases start as signed, reproducible source tarballs made from a git
//! commit: see [`source`].

pub mod cache;
pub mod compile;
pub mod distros;
mod image_ref;
pub mod source;
pub mod upstream_version;

pub use distros::{Distro, Distros};
pub use image_ref::{ImageRef, ImageRefError};
pub use upstream_version::{upstream_version, UpstreamVersion, VersionError, VersionOrigin};
