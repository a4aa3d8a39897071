//! MD5 of many byte streams at once: SIMD lanes across streams, threads
//! across cores.
//!
//! One MD5 stream is a chain of dependent blocks (~0.5-0.7 GB/s a core);
//! independent streams side by side in SIMD lanes run at ~7 GB/s with
//! AVX-512. Each worker keeps [`parallel_streams`] lanes open, reads one
//! chunk from each per round, and hashes the round in one pass. The streams
//! themselves (files, copies, extra hashes) are the caller's: a [`Lane`].

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use md5_many::Md5State;

use crate::digest::md5_engine;

/// Bytes read from each lane per round: 16 lanes of 64 KiB stay in L2.
const CHUNK: usize = 64 * 1024;

/// How many streams one worker hashes in one SIMD pass: 16 with AVX-512,
/// 8 with AVX2, 4 with SSE or NEON.
pub fn parallel_streams() -> usize {
    md5_engine().lanes()
}

/// One stream hashed by [`md5_side_by_side`].
pub trait Lane {
    type Output;
    type Error;
    /// Read some bytes into `buf`, as `io::Read::read` does (0 at the end).
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error>;
    /// Everything read in one round, before it is hashed: a lane may copy
    /// it or hash it further.
    fn take(&mut self, _chunk: &[u8]) -> Result<(), Self::Error> {
        Ok(())
    }
    /// The stream ended: `md5` of its `len` bytes.
    fn finish(self, md5: [u8; 16], len: u64) -> Result<Self::Output, Self::Error>;
}

/// What stream `i` came to, once hashed.
type LaneResult<L> = Result<<L as Lane>::Output, <L as Lane>::Error>;

/// Open stream `i` with `open(i)` for every `i` in `0..n`, hash them side by
/// side on every core, and return each one's result, in order.
pub fn md5_side_by_side<L: Lane>(
    n: usize,
    open: impl Fn(usize) -> Result<L, L::Error> + Sync,
) -> Vec<Result<L::Output, L::Error>>
where
    L::Output: Send,
    L::Error: Send,
{
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<LaneResult<L>>>> = Mutex::new((0..n).map(|_| None).collect());
    let workers = aptkit_parallel::cores().min(n);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                let take = || Some(next.fetch_add(1, Ordering::Relaxed)).filter(|&i| i < n);
                worker(&take, &open, &|i, r| results.lock().unwrap()[i] = Some(r));
            });
        }
    });
    results.into_inner().unwrap().into_iter().map(|r| r.expect("every stream was hashed")).collect()
}

struct Open<L> {
    index: usize,
    lane: L,
    md5: Md5State,
    buf: Vec<u8>,
    filled: usize,
}

fn worker<L: Lane>(
    take: &dyn Fn() -> Option<usize>,
    open: &dyn Fn(usize) -> Result<L, L::Error>,
    done: &dyn Fn(usize, Result<L::Output, L::Error>),
) {
    let width = parallel_streams().max(1);
    let mut lanes: Vec<Open<L>> = Vec::with_capacity(width);
    let mut spare: Vec<Vec<u8>> = Vec::new();
    loop {
        while lanes.len() < width {
            let Some(index) = take() else { break };
            match open(index) {
                Ok(lane) => {
                    let buf = spare.pop().unwrap_or_else(|| vec![0; CHUNK]);
                    lanes.push(Open { index, lane, md5: Md5State::new(), buf, filled: 0 });
                }
                Err(e) => done(index, Err(e)),
            }
        }
        if lanes.is_empty() {
            return;
        }
        // One chunk from every lane; a lane that fails ends with its error,
        // the others go on.
        let mut failed = Vec::new();
        for (at, open) in lanes.iter_mut().enumerate() {
            if let Err(e) = open.next_chunk() {
                failed.push((at, e));
            }
        }
        let mut states: Vec<Md5State> = lanes.iter().map(|l| l.md5).collect();
        let chunks: Vec<&[u8]> = lanes.iter().map(|l| &l.buf[..l.filled]).collect();
        md5_engine().update_many(&mut states, &chunks);
        for (open, state) in lanes.iter_mut().zip(states) {
            open.md5 = state;
        }
        for (at, e) in failed.into_iter().rev() {
            let open = lanes.swap_remove(at);
            spare.push(open.buf);
            done(open.index, Err(e));
        }
        // A short chunk means the stream ended.
        let mut at = 0;
        while at < lanes.len() {
            if lanes[at].filled == CHUNK {
                at += 1;
                continue;
            }
            let open = lanes.swap_remove(at);
            spare.push(open.buf);
            done(open.index, open.lane.finish(open.md5.finalize(), open.md5.bytes_hashed()));
        }
    }
}

impl<L: Lane> Open<L> {
    /// Read until the chunk is full or the stream ends, and hand it over.
    fn next_chunk(&mut self) -> Result<(), L::Error> {
        self.filled = 0;
        while self.filled < CHUNK {
            let n = self.lane.read(&mut self.buf[self.filled..])?;
            if n == 0 {
                break;
            }
            self.filled += n;
        }
        self.lane.take(&self.buf[..self.filled])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use md5::Digest as _;

    /// An in-memory stream that hands out its bytes in uneven reads.
    struct Bytes {
        data: Vec<u8>,
        at: usize,
        step: usize,
        taken: usize,
    }

    impl Lane for Bytes {
        type Output = ([u8; 16], u64, usize);
        type Error = String;
        fn read(&mut self, buf: &mut [u8]) -> Result<usize, String> {
            if self.data.len() == 4242 {
                return Err("unreadable".into());
            }
            let n = buf.len().min(self.step).min(self.data.len() - self.at);
            buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
        fn take(&mut self, chunk: &[u8]) -> Result<(), String> {
            self.taken += chunk.len();
            Ok(())
        }
        fn finish(self, md5: [u8; 16], len: u64) -> Result<Self::Output, String> {
            Ok((md5, len, self.taken))
        }
    }

    #[test]
    fn every_stream_gets_its_own_md5_and_errors_stay_in_their_lane() {
        // Lengths of every size class, some just around MD5's padding
        // boundaries (55, 56, 57 bytes past a block).
        let lens: Vec<usize> = (0..70)
            .map(|i| match i {
                33 => 4242,
                60.. => 64 * i + 55 + i % 3,
                _ => (i * 7919 + i * i * 131) % 300_000 + (i % 5) * CHUNK,
            })
            .collect();
        let data = |i: usize| -> Vec<u8> { (0..lens[i]).map(|j| (j * 31 + i) as u8).collect() };
        let results = md5_side_by_side(lens.len(), |i| {
            if i == 50 {
                return Err("cannot open 50".to_string());
            }
            Ok(Bytes { data: data(i), at: 0, step: 1000 + i * 4099, taken: 0 })
        });
        for (i, result) in results.into_iter().enumerate() {
            match i {
                33 => assert_eq!(result.unwrap_err(), "unreadable"),
                50 => assert_eq!(result.unwrap_err(), "cannot open 50"),
                _ => {
                    let want: [u8; 16] = md5::Md5::digest(data(i)).into();
                    assert_eq!(result.unwrap(), (want, lens[i] as u64, lens[i]), "stream {i}");
                }
            }
        }
    }
}
