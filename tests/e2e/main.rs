//! End-to-end tests: the real `aptkit` binary, checked with the real
//! Debian tools (dpkg-deb, dpkg, lintian, debhelper's own build).

mod bad_input;
mod build;
mod cdn;
mod concurrency;
mod crash;
mod distros;
mod index_html;
mod install;
mod mirror;
mod packaging;
mod publishing;
mod reader;
mod release;
mod release_fanout;
mod release_s3;
mod repository;
mod s3;
mod s3_large;
mod shlibs;
mod source;
mod verify;
