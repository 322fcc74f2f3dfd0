//! The events feed's event times under `disorder=D`: each a pure function
//! of `(seed, index)`, up to D ms behind the record's place in the
//! sequence, and now and then a straggler an hour old, beyond any
//! watermark; and the truth of an event-time count over them, per window.
//!
//! Which rows a watermark drops depends in general on where batches are
//! cut. These times are built so that it does not: with a watermark delay
//! of at least D, a record that is not a straggler is never late (its time
//! is at most D behind a record already sent), and a straggler is late in
//! every batch but the first (its window ended an hour before the stream
//! began), and none comes among the first [`STRAGGLERS_FROM`] records. So
//! the truth below is the exact answer, batch cut or not.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

use super::events;
use super::rng::SplitMix64;

/// No straggler among the first records, so none can share the first
/// batch (judged against no watermark yet) at rates up to this many a
/// second with 1 s batches.
pub const STRAGGLERS_FROM: u64 = 10_000;
/// One record in this many after [`STRAGGLERS_FROM`] is a straggler.
pub const STRAGGLER_EVERY: u64 = 100;
/// How far before the stream's start a straggler's time is.
pub const STRAGGLER_AGE_MS: u64 = 3_600_000;
/// Largest `disorder`: an hour, the stragglers' age.
pub const MAX_DISORDER_MS: u64 = STRAGGLER_AGE_MS / 2;

/// The default `t0` of a connection that starts at record `from`: now,
/// less the time records `[0, from)` take, so that the record it starts
/// with happens now (a page that resumes after an outage sees time moved
/// on by the outage, as real events would). Whole seconds.
pub fn t0_now(from: u64, rate: u64) -> u64 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() * 1000);
    now.saturating_sub(from.saturating_mul(1000) / rate.max(1))
}

/// How a feed's event times are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Disorder {
    /// At most this many ms behind the record's place.
    pub max_ms: u64,
    /// The time of record 0's place, ms since the epoch.
    pub t0_ms: u64,
    /// Records per second of event time (the feed's nominal rate).
    pub rate: u64,
}

impl Disorder {
    /// Record `index`'s event time, and whether it is a straggler.
    pub fn event_time(&self, seed: u64, index: u64) -> (u64, bool) {
        // Its own stream, so the record's other fields stay as they were.
        let mut rng = SplitMix64::for_record(seed ^ 0xd150_4de5, index);
        if index >= STRAGGLERS_FROM && rng.below(STRAGGLER_EVERY) == 0 {
            return (self.t0_ms.saturating_sub(STRAGGLER_AGE_MS), true);
        }
        let place = self.t0_ms + index.saturating_mul(1000) / self.rate.max(1);
        // Skewed toward small delays, as real ones are, up to `max_ms`.
        let u = rng.unit_open();
        let behind = (self.max_ms as f64 * u * u) as u64;
        (place.saturating_sub(behind), false)
    }
}

/// One window's count for one key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WindowCount {
    pub start: u64,
    pub end: u64,
    pub key: String,
    pub count: u64,
}

/// The exact answer of `with_watermark .ts DELAY | map (.path, 1) |
/// event_window WINDOW count` (any DELAY from D up) over records `[0, limit)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WindowTruth {
    pub window_ms: u64,
    pub disorder_ms: u64,
    pub t0_ms: u64,
    /// Stragglers, all dropped as late after the first batch.
    pub late_rows: u64,
    /// Each window's count per path, by window then path.
    pub windows: Vec<WindowCount>,
}

/// [`WindowTruth`], or `None` as soon as `cancelled` is seen set.
pub fn window_truth(
    disorder: &Disorder,
    seed: u64,
    limit: u64,
    window_ms: u64,
    cancelled: &AtomicBool,
) -> Option<WindowTruth> {
    let mut counts: BTreeMap<(u64, &'static str), u64> = BTreeMap::new();
    let mut late_rows = 0;
    for index in 0..limit {
        if index % 4096 == 0 && cancelled.load(Ordering::Relaxed) {
            return None;
        }
        let (ts, straggler) = disorder.event_time(seed, index);
        if straggler {
            late_rows += 1;
            continue;
        }
        let start = ts - ts % window_ms;
        *counts
            .entry((start, events::event(seed, index).path))
            .or_default() += 1;
    }
    Some(WindowTruth {
        window_ms,
        disorder_ms: disorder.max_ms,
        t0_ms: disorder.t0_ms,
        late_rows,
        windows: counts
            .into_iter()
            .map(|((start, key), count)| WindowCount {
                start,
                end: start + window_ms,
                key: key.to_string(),
                count,
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: Disorder = Disorder {
        max_ms: 2000,
        t0_ms: 1_796_292_000_000,
        rate: 1000,
    };

    /// The promise the truth rests on: a record that is not a straggler is
    /// at most D behind the newest time sent before it, and a straggler's
    /// window ended before any record that is not one.
    #[test]
    fn only_stragglers_are_ever_behind_the_watermark() {
        let mut newest = 0;
        let mut stragglers = 0;
        for i in 0..200_000 {
            let (t, straggler) = D.event_time(7, i);
            if straggler {
                assert!(i >= STRAGGLERS_FROM);
                assert!(t + 60_000 < D.t0_ms - D.max_ms);
                stragglers += 1;
                continue;
            }
            assert!(
                t + D.max_ms >= newest,
                "record {i} is {} ms behind",
                newest - t
            );
            assert!(t <= D.t0_ms + i);
            newest = newest.max(t);
        }
        // About one in 100 of the 190,000 that may be.
        assert!((1_500..2_300).contains(&stragglers), "{stragglers}");
    }

    #[test]
    fn times_are_reproducible_and_spread() {
        assert_eq!(D.event_time(3, 12_345), D.event_time(3, 12_345));
        let behind: Vec<u64> = (0..10_000)
            .map(|i| D.t0_ms + i - D.event_time(3, i).0)
            .collect();
        assert!(behind.iter().all(|&b| b <= D.max_ms));
        assert!(behind.iter().any(|&b| b > D.max_ms * 3 / 4));
        assert!(behind.iter().filter(|&&b| b < 500).count() > 4_000);
    }

    #[test]
    fn the_window_truth_counts_every_record_once() {
        let truth = window_truth(&D, 5, 30_000, 1000, &AtomicBool::new(false)).unwrap();
        let counted: u64 = truth.windows.iter().map(|w| w.count).sum();
        assert_eq!(counted + truth.late_rows, 30_000);
        assert!(truth.late_rows > 100);
        assert!(truth.windows.iter().all(|w| w.start % 1000 == 0));
    }
}
