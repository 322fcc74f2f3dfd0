//! The page's clock for the engine: `performance.now()`, monotonic and
//! sub-millisecond, the time base of every batch and delay.

use sparklet_engine::Clock;

pub struct PerformanceClock {
    performance: web_sys::Performance,
}

impl PerformanceClock {
    pub fn new() -> Option<PerformanceClock> {
        Some(PerformanceClock {
            performance: crate::global::performance()?,
        })
    }
}

impl Clock for PerformanceClock {
    fn now_ms(&self) -> f64 {
        self.performance.now()
    }
}
