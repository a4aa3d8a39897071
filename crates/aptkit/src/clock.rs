//! The clock: one place that reads the time, in seconds since the epoch,
//! for creation dates, Release dates and freshness checks.

pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}
