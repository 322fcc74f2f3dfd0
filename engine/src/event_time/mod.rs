//! Event time as Spark's Structured Streaming has it: windows by when an
//! event happened, bounded by a watermark, with Spark's late-data rule and
//! output modes (`docs/spark-event-time.md` quotes the Spark sources each
//! rule comes from).
//!
//! A Sparklet batch is one Spark micro-batch followed by the no-data batch
//! Spark runs after it when the watermark has moved: rows are judged
//! against the watermark from before the batch, the watermark then moves
//! to `max(previous, max event time - delay)`, and what that closes is
//! emitted (append) or forgotten (update) in the same batch.

mod aggregate;
mod session;
mod time;
mod watermark;
mod windows;

pub use aggregate::WindowAggregate;
pub use session::{SessionAggregate, UPDATE_REFUSED};
pub use time::event_time_ms;
pub use watermark::Watermark;
pub use windows::{windows_of, EventWindow};

pub use crate::pipeline::reduce_fn::ReduceFn;

use crate::value::{Str, Value};

/// Spark's output modes for a streaming aggregation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputMode {
    /// Each window once, final, in the batch after which the watermark has
    /// passed its end; its state then goes.
    Append,
    /// Each window that received a row this batch, with its value so far.
    Update,
    /// Every window, every batch; nothing is dropped or forgotten.
    Complete,
}

impl OutputMode {
    pub fn from_name(name: &str) -> Option<OutputMode> {
        match name {
            "append" => Some(OutputMode::Append),
            "update" => Some(OutputMode::Update),
            "complete" => Some(OutputMode::Complete),
            _ => None,
        }
    }
}

/// One input row: its event time (ms since the epoch), key and value.
#[derive(Clone, Debug, PartialEq)]
pub struct TimedRow {
    pub time_ms: i64,
    pub key: Value,
    pub value: Value,
}

/// What one batch of an event-time aggregation gives.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EventBatch {
    /// `{"window": {"start", "end"}, "key", "value"}` rows, by window then key.
    pub output: Vec<Value>,
    /// Spark's `numRowsDroppedByWatermark`: late groups, counted after
    /// Spark's partial aggregation (distinct (window, key) pairs; for
    /// sessions, distinct (key, event time) pairs).
    pub late: u64,
    /// Input rows that counted nowhere because they were late.
    pub late_rows: u64,
    /// The watermark after the batch, ms since the epoch.
    pub watermark_ms: i64,
    /// Windows or sessions held after the batch.
    pub state_rows: usize,
}

/// `rows` with each value lifted to `reduce`'s partial, and the values it
/// cannot take with the reason. Such a row is malformed: like any other
/// malformed record it neither moves the watermark nor counts as late, so
/// an exported Structured Streaming job, which drops it before
/// `withWatermark`, agrees.
pub(crate) fn lifted(
    rows: Vec<TimedRow>,
    reduce: ReduceFn,
) -> (Vec<TimedRow>, Vec<(Value, String)>) {
    let mut refused = Vec::new();
    let rows = rows
        .into_iter()
        .filter_map(|row| match reduce.lift(row.value) {
            Ok(value) => Some(TimedRow { value, ..row }),
            Err(bad) => {
                refused.push(bad);
                None
            }
        })
        .collect();
    (rows, refused)
}

/// The output of a batch from (window, key, partial) triples: ordered by
/// window, then key, each partial finished (a mean from its sum and count).
pub(crate) fn output_rows(
    mut out: Vec<(EventWindow, Value, Value)>,
    reduce: ReduceFn,
) -> Vec<Value> {
    out.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.total_cmp(&b.1)));
    out.into_iter()
        .map(|(w, k, v)| output_row(w, k, reduce.finish(v)))
        .collect()
}

/// The output row for `window` and `key`.
fn output_row(window: EventWindow, key: Value, value: Value) -> Value {
    let bounds = Value::Object(vec![
        (Str::new("start"), Value::Int(window.start)),
        (Str::new("end"), Value::Int(window.end)),
    ]);
    Value::Object(vec![
        (Str::new("window"), bounds),
        (Str::new("key"), key),
        (Str::new("value"), value),
    ])
}
