//! The parts of `aptkit release` that are its own: which suites a version
//! goes to ([`routing`]), which nightlies a suite keeps ([`retention`]),
//! and the journal that makes a release resumable ([`journal`]).
//!
//! A release takes versions (nightlies `YYYY.MM.DD`, releases such as
//! `1.3.0`) through source, build and publish, one version at a time, and
//! ends with one CDN invalidation. Every finished step is recorded in the
//! journal by compare-and-swap, so that a release interrupted anywhere is
//! continued from its first unfinished step and never repeats a finished
//! one.

mod builds;
pub mod events;
pub mod journal;
pub mod pipeline;
pub mod plan;
mod publishes;
pub mod report;
pub mod retention;
pub mod routing;
mod sources;
pub mod status_page;

pub use events::{ReleaseEvent, ReleaseEvents, Silent};
pub use journal::{release_id, Journal, JournalStore, Step, StepStatus};
pub use pipeline::{BuildOptions, CdnStep, Error, GitOrigin, PublishOptions, Release};
pub use plan::{Mode, Plan, PlanError};
pub use publishes::repo_name;
pub use report::{ReleaseReport, Status};
pub use retention::{nightlies_to_drop, upstream_of};
pub use routing::DEFAULT_KEEP_NIGHTLIES;
pub use routing::{Route, RouteError, Routing, Target, VersionPattern};
