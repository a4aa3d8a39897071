//! `job(0..n)` on a few threads, with the results in order.
//!
//! Hashing, compressing, linking pool files and uploading them are all "n
//! independent jobs": CPU-bound ones take one thread per core, ones that
//! wait on a disk or a network take more. Threads take the next job from a
//! shared counter, so uneven jobs balance themselves.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

/// The number of cores to use for CPU-bound work.
pub fn cores() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

/// `job(i)` for every `i` in `0..n` on up to `workers` threads; the
/// results in order of `i`.
pub fn map<T: Send>(n: usize, workers: usize, job: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let never: Result<Vec<T>, std::convert::Infallible> = try_map(n, workers, |i| Ok(job(i)));
    match never {
        Ok(results) => results,
    }
}

/// [`map`] for jobs that can fail: once one fails, no new job starts, and
/// the error of the lowest-numbered failed job is returned.
pub fn try_map<T: Send, E: Send>(
    n: usize,
    workers: usize,
    job: impl Fn(usize) -> Result<T, E> + Sync,
) -> Result<Vec<T>, E> {
    let results: Mutex<Vec<Option<T>>> = Mutex::new((0..n).map(|_| None).collect());
    let first_error: Mutex<Option<(usize, E)>> = Mutex::new(None);
    let failed = AtomicBool::new(false);
    let next = AtomicUsize::new(0);
    let run = || loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        if i >= n || failed.load(Ordering::Relaxed) {
            break;
        }
        match job(i) {
            Ok(result) => results.lock().unwrap()[i] = Some(result),
            Err(e) => {
                failed.store(true, Ordering::Relaxed);
                let mut first = first_error.lock().unwrap();
                if first.as_ref().is_none_or(|(at, _)| i < *at) {
                    *first = Some((i, e));
                }
            }
        }
    };
    let workers = workers.clamp(1, n.max(1));
    if workers == 1 {
        run();
    } else {
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(run);
            }
        });
    }
    if let Some((_, e)) = first_error.into_inner().unwrap() {
        return Err(e);
    }
    Ok(results.into_inner().unwrap().into_iter().map(|r| r.expect("every job ran")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_order_whatever_the_threads() {
        for workers in [0, 1, 3, 64] {
            let squares = map(100, workers, |i| i * i);
            assert_eq!(squares, (0..100).map(|i| i * i).collect::<Vec<_>>(), "{workers} workers");
        }
        assert!(map(0, 4, |i| i).is_empty());
    }

    #[test]
    fn the_first_failure_stops_new_jobs_and_is_returned() {
        let started = AtomicUsize::new(0);
        let result: Result<Vec<usize>, String> = try_map(10_000, 4, |i| {
            started.fetch_add(1, Ordering::Relaxed);
            if i == 10 || i == 12 {
                return Err(format!("job {i} failed"));
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
            Ok(i)
        });
        assert_eq!(result.unwrap_err(), "job 10 failed");
        // Jobs already taken when job 10 failed finish; none of the
        // thousands after them starts.
        assert!(started.load(Ordering::Relaxed) < 100, "{} jobs started", started.load(Ordering::Relaxed));
    }
}
