//! When each record of a paced feed is due.
//!
//! The due count is computed from the time elapsed since the rate was set
//! (`rate * elapsed`), never by adding a per-tick increment, so rounding and
//! late wake-ups cannot accumulate into drift over a long run: a feed at
//! 1000 records/s has sent 3 600 000 records after an hour, not "about".
//!
//! The arithmetic is in `u128` and saturates: a rate from the URL or from a
//! client's message, times any elapsed time, cannot wrap into "nothing due".

use std::time::Duration;
use tokio::time::Instant;

const NANOS_PER_SEC: u128 = 1_000_000_000;

/// The latest a record is ever planned for; see `due_at`.
const FARTHEST: Duration = Duration::from_secs(86_400 * 365);

/// The schedule of one connection at its current rate.
#[derive(Debug, Clone)]
pub struct Pacer {
    /// Records per second; 0 means everything is due at once.
    rate: u64,
    /// When the current rate took effect.
    start: Instant,
    /// Index of the next record to send at that moment.
    base: u64,
}

impl Pacer {
    /// A schedule at `rate` starting now, the next record being `next`.
    /// A rate change is a new `Pacer`: the new rate applies from the moment
    /// it arrives, without a burst to "catch up" under the new rate.
    pub fn new(rate: u64, now: Instant, next: u64) -> Self {
        Self {
            rate,
            start: now,
            base: next,
        }
    }

    /// One past the last record index due at `now` (`u64::MAX` when unpaced).
    pub fn due(&self, now: Instant) -> u64 {
        if self.rate == 0 {
            return u64::MAX;
        }
        let elapsed = now.saturating_duration_since(self.start).as_nanos();
        let records = u128::from(self.rate)
            .checked_mul(elapsed)
            .map_or(u128::MAX, |n| n / NANOS_PER_SEC);
        u64::try_from(records)
            .unwrap_or(u64::MAX)
            .saturating_add(self.base)
    }

    /// The first instant at which `due` reaches `count`: the exact inverse of
    /// `due`, so waking then never finds the record still not due.
    pub fn due_at(&self, count: u64) -> Instant {
        if self.rate == 0 || count <= self.base {
            return self.start;
        }
        // At most 2^64 * 10^9: no overflow in u128.
        let records = u128::from(count - self.base);
        let nanos = (records * NANOS_PER_SEC).div_ceil(u128::from(self.rate));
        let nanos = u64::try_from(nanos).unwrap_or(u64::MAX);
        // Far-future deadlines (a tiny rate) are clamped: tokio's timer
        // handles roughly two years, and a wake-up then re-plans anyway.
        let wait = Duration::from_nanos(nanos).min(FARTHEST);
        // A clock that cannot hold it even so: the caller waits a tick
        // and re-plans.
        self.start.checked_add(wait).unwrap_or(self.start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_grows_with_elapsed_time_not_with_ticks() {
        let t0 = Instant::now();
        let pacer = Pacer::new(1000, t0, 0);
        assert_eq!(pacer.due(t0), 0);
        assert_eq!(pacer.due(t0 + Duration::from_micros(999)), 0);
        assert_eq!(pacer.due(t0 + Duration::from_millis(1)), 1);
        assert_eq!(pacer.due(t0 + Duration::from_secs(3600)), 3_600_000);
    }

    #[test]
    fn due_at_is_the_inverse_of_due() {
        let t0 = Instant::now();
        for rate in [1, 3, 7, 200, 1000, 999_983] {
            let pacer = Pacer::new(rate, t0, 40);
            for count in [41, 42, 100, 12_345] {
                let at = pacer.due_at(count);
                assert!(pacer.due(at) >= count, "rate {rate} count {count}");
                assert!(
                    pacer.due(at - Duration::from_nanos(1)) < count,
                    "rate {rate} count {count}"
                );
            }
        }
    }

    #[test]
    fn the_largest_rates_and_times_saturate_instead_of_wrapping() {
        let t0 = Instant::now();
        let pacer = Pacer::new(u64::MAX, t0, 10);
        assert_eq!(
            pacer.due(t0 + Duration::from_secs(86_400 * 365 * 100)),
            u64::MAX
        );
        assert!(pacer.due_at(u64::MAX) >= t0);
        let slow = Pacer::new(1, t0, 0);
        assert_eq!(slow.due_at(u64::MAX), t0 + FARTHEST);
    }

    #[test]
    fn rate_zero_makes_everything_due_now() {
        let t0 = Instant::now();
        let pacer = Pacer::new(0, t0, 5);
        assert_eq!(pacer.due(t0), u64::MAX);
        assert_eq!(pacer.due_at(1_000_000), t0);
    }

    #[test]
    fn a_new_rate_counts_from_where_the_stream_is() {
        let t0 = Instant::now();
        let later = t0 + Duration::from_secs(10);
        let pacer = Pacer::new(10, later, 500);
        assert_eq!(pacer.due(later), 500);
        assert_eq!(pacer.due(later + Duration::from_secs(1)), 510);
    }
}
