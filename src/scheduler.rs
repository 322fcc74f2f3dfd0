//! The batch scheduler: a browser timer that cuts batch k at
//! `start + k * interval` on the `performance.now()` clock. Due times are
//! computed from the start, never from the previous tick, so timer jitter
//! never accumulates into drift; a late tick cuts every batch that is due,
//! each with its own true batch time.

use gloo_timers::callback::Timeout;

/// When each batch is due, on the page's clock.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BatchClock {
    pub start_ms: f64,
    pub interval_ms: u64,
}

impl BatchClock {
    /// Clock time at which batch `k` (1-based) is due.
    pub fn due_ms(&self, k: u64) -> f64 {
        self.start_ms + (k * self.interval_ms) as f64
    }
}

/// A run's zero time, as Spark's: the wall clock (`Date.now()`, ms) at
/// its start, down to a multiple of the batch interval. Batch k's time is
/// `zero + k * interval`, so batch times are multiples of the interval
/// and batch 1's is the first after the start. A checkpoint keeps the
/// zero time, so a restored run gives each batch the time it had.
pub fn zero_time(wall_ms: f64, interval_ms: u64) -> u64 {
    let now = wall_ms.max(0.0) as u64;
    now - now % interval_ms.max(1)
}

/// Calls `tick` once at clock time `due_ms` (or at once if that has
/// passed); dropping the returned handle cancels it.
pub fn wake_at(due_ms: f64, now_ms: f64, tick: impl FnOnce() + 'static) -> Timeout {
    // setTimeout rounds down and may fire a hair early; aim just past due.
    let delay = (due_ms - now_ms).max(0.0).ceil() as u32;
    Timeout::new(delay, tick)
}
