//! The watermark, as Spark's `WatermarkTracker` keeps it for one input:
//! it starts at 0, moves after a batch with rows to `max(previous, max
//! event time seen - delay)`, and never goes back.

/// An input's watermark, ms since the epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Watermark {
    pub delay_ms: i64,
    pub current_ms: i64,
    /// The watermark before the last batch: the one Spark judges a
    /// session's late events by when no no-data batch runs between two
    /// batches (complete mode), as its `eventTimeWatermarkForLateEvents`
    /// is the previous micro-batch's.
    pub previous_ms: i64,
}

impl Watermark {
    pub fn new(delay_ms: i64) -> Watermark {
        Watermark {
            delay_ms,
            current_ms: 0,
            previous_ms: 0,
        }
    }

    /// After a batch whose latest event time was `max_ms` (none: no rows,
    /// and the watermark stays). Late rows count too, as in Spark; rows a
    /// `filter` dropped do not, as Spark pushes such filters below its
    /// `withWatermark` (see `docs/spark-event-time.md`, section 1.1).
    pub fn advance(&mut self, max_ms: Option<i64>) {
        self.previous_ms = self.current_ms;
        if let Some(max) = max_ms {
            self.current_ms = self.current_ms.max(max.saturating_sub(self.delay_ms));
        }
    }
}
