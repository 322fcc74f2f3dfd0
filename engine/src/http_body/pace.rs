//! How fast the page reads an HTTP feed's body: its backpressure. A
//! response has no way back to the server for `{"rate": N}`, so the page
//! reads no faster than the rate it would have asked for; what it leaves
//! unread waits in the browser's and the kernel's buffers until TCP's flow
//! control holds up the server's writes. Any HTTP server slows down so,
//! with nothing to implement.
//!
//! ```
//! use sparklet_engine::http_body::ReadPace;
//!
//! let mut pace = ReadPace::default();
//! pace.took(5_000, 0.0);
//! assert_eq!(pace.wait_ms(0.0), 0.0, "no rate yet: as fast as they come");
//! pace.set_rate(1_000, 0.0);
//! pace.took(500, 0.0);
//! assert_eq!(pace.wait_ms(0.0), 500.0, "500 records at 1,000/s");
//! assert_eq!(pace.wait_ms(200.0), 300.0);
//! assert_eq!(pace.wait_ms(600.0), 0.0);
//! ```

/// At most this long's allowance is saved up while the feed is quiet, so
/// a quiet spell is not followed by a burst larger than a batch can take.
const SAVED_S: f64 = 0.25;

/// A token bucket over records read.
#[derive(Clone, Debug, Default)]
pub struct ReadPace {
    /// Records/s, or `None` to read as fast as they come.
    rate: Option<f64>,
    /// Records that may still be read now (negative: owed).
    credit: f64,
    at_ms: Option<f64>,
}

impl ReadPace {
    /// Reads at most `rate` records/s from `now_ms` on (0: no limit).
    pub fn set_rate(&mut self, rate: u64, now_ms: f64) {
        self.refill(now_ms);
        self.rate = (rate > 0).then_some(rate as f64);
        match self.rate {
            Some(r) => self.credit = self.credit.min(r * SAVED_S),
            None => self.credit = 0.0,
        }
    }

    /// `records` were read at `now_ms`.
    pub fn took(&mut self, records: usize, now_ms: f64) {
        self.refill(now_ms);
        if self.rate.is_some() {
            self.credit -= records as f64;
        }
    }

    /// How long to wait before reading on, in ms (0: read now).
    pub fn wait_ms(&mut self, now_ms: f64) -> f64 {
        self.refill(now_ms);
        match self.rate {
            Some(r) if self.credit < 0.0 => -self.credit / r * 1000.0,
            _ => 0.0,
        }
    }

    fn refill(&mut self, now_ms: f64) {
        if let (Some(r), Some(at)) = (self.rate, self.at_ms) {
            let earned = r * (now_ms - at).max(0.0) / 1000.0;
            self.credit = (self.credit + earned).min(r * SAVED_S);
        }
        self.at_ms = Some(now_ms);
    }
}
