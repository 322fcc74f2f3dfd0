//! The language's event-time stages: `with_watermark` gives each record
//! its event time, the per-record stages after it carry that time along
//! ([`Each::on_timed`]), and `event_window` or `session_window` aggregates
//! by it under `crate::event_time`'s rules. What the aggregation reports
//! each batch (the watermark, late rows, state, lateness) goes to
//! [`EventFigures`] for `replay`, `stats()` and the page.

use std::cell::RefCell;
use std::rc::Rc;

use crate::checkpoint::{text_part, Bounds, CheckpointError, ConfiguredState, Part};
use crate::dstream::{DStream, Footprint};
use crate::duration::Duration;
use crate::event_time::{event_time_ms, EventBatch, SessionAggregate, TimedRow, WindowAggregate};
use crate::expr::Expr;
use crate::pipeline::each::{Each, Timed};
use crate::pipeline::error::StageError;
use crate::pipeline::stage::Stage;
use crate::value::Value;

/// The most windows one event may fall in (`LEN / SLIDE`): each is a group
/// of its own, so this bounds what one record costs.
pub const MAX_WINDOWS_PER_EVENT: i64 = 1000;

/// Upper bounds (ms) of the lateness histogram's buckets: how far behind
/// the newest event time seen a record's own time is. The last bucket
/// holds everything later.
pub const LATENESS_BOUNDS_MS: [i64; 9] =
    [0, 100, 500, 1_000, 5_000, 10_000, 30_000, 60_000, 300_000];

/// What an event-time aggregation reported: the watermark and state as
/// they stand, and the counts of the batches since they were last taken.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EventFigures {
    /// The watermark after the last batch, ms since the epoch (0 before
    /// any event, as Spark's).
    pub watermark_ms: i64,
    /// Spark's `numRowsDroppedByWatermark`: late groups.
    pub late: u64,
    /// Late input rows.
    pub late_rows: u64,
    /// Windows or sessions held.
    pub state_rows: usize,
    /// The newest event time seen (none before the first).
    pub newest_ms: Option<i64>,
    /// Records by lateness, one count per [`LATENESS_BOUNDS_MS`] bucket
    /// and one for later still.
    pub lateness: [u64; LATENESS_BOUNDS_MS.len() + 1],
}

impl EventFigures {
    /// These figures, leaving the per-batch counts at zero.
    pub fn take(&mut self) -> EventFigures {
        let taken = self.clone();
        self.late = 0;
        self.late_rows = 0;
        self.lateness = Default::default();
        taken
    }

    fn record_lateness(&mut self, t: i64) {
        let behind = self
            .newest_ms
            .map_or(0, |newest| newest.saturating_sub(t).max(0));
        let bucket = LATENESS_BOUNDS_MS.partition_point(|&b| b < behind);
        self.lateness[bucket] += 1;
        self.newest_ms = Some(self.newest_ms.map_or(t, |n| n.max(t)));
    }
}

/// Why an event-time stage cannot stand where it is.
pub fn misplaced(stage: &Stage) -> String {
    match stage {
        Stage::WithWatermark(..) => "a pipeline has one `with_watermark`".into(),
        Stage::EventWindow(..) | Stage::SessionWindow(..) => "an event-time window needs \
            `with_watermark EXPR DELAY` before it, to say which field is the event time"
            .into(),
        _ => "not an event-time stage".into(),
    }
}

/// Why a stage that is not per-record cannot come between
/// `with_watermark` and its aggregation.
pub fn not_timed() -> String {
    "between `with_watermark` and `event_window` or `session_window` only per-record \
     stages (split, lower, upper, trim, json, map, flat_map, filter, pair) carry event time"
        .into()
}

/// Why a pipeline cannot end with records still carrying event time.
pub fn unaggregated() -> String {
    "`with_watermark` needs `event_window` or `session_window` after it: \
     the watermark bounds an event-time aggregation"
        .into()
}

/// `with_watermark EXPR`: each record with the event time `time` gives
/// it; a record whose time is not one is malformed.
pub fn with_watermark(s: DStream<Value>, time: Expr) -> DStream<Timed> {
    s.try_map(move |v| {
        let t = time
            .eval(&v)
            .map_err(|e| e.to_string())
            .and_then(|t| event_time_ms(&t));
        match t {
            Ok(t) => Ok((t, v)),
            Err(reason) => Err((v.to_string(), format!("with_watermark: {reason}"))),
        }
    })
}

/// An event-time aggregation with its settings: the operator's state.
pub enum EventAgg {
    Window(WindowAggregate),
    Session(SessionAggregate),
}

impl EventAgg {
    /// The aggregation `stage` asks for, or why it cannot be one.
    pub fn of(stage: &Stage, delay: Duration) -> Result<EventAgg, String> {
        let delay_ms = ms(delay);
        match *stage {
            Stage::EventWindow(w, f, mode) => {
                let len = ms(w.len);
                let slide = w.slide.map_or(len, ms);
                if slide > len {
                    return Err(format!(
                        "the slide {} is longer than the window {}: Spark requires \
                         slideDuration <= windowDuration",
                        w.slide.unwrap_or(w.len),
                        w.len
                    ));
                }
                if len / slide > MAX_WINDOWS_PER_EVENT {
                    return Err(format!(
                        "windows of {} sliding by {} put each event in {} windows; \
                         at most {MAX_WINDOWS_PER_EVENT}",
                        w.len,
                        w.slide.unwrap_or(w.len),
                        len / slide
                    ));
                }
                Ok(EventAgg::Window(WindowAggregate::new(
                    len, slide, f, mode, delay_ms,
                )))
            }
            Stage::SessionWindow(gap, f, mode) => SessionAggregate::new(ms(gap), f, mode, delay_ms)
                .map(EventAgg::Session)
                .map_err(str::to_string),
            _ => Err(misplaced(stage)),
        }
    }

    fn run_batch(&mut self, rows: Vec<TimedRow>) -> (EventBatch, Vec<(Value, String)>) {
        match self {
            EventAgg::Window(a) => a.run_batch(rows),
            EventAgg::Session(a) => a.run_batch(rows),
        }
    }

    fn state_rows(&self) -> usize {
        match self {
            EventAgg::Window(a) => a.state_rows(),
            EventAgg::Session(a) => a.state_rows(),
        }
    }

    fn evict_oldest(&mut self, keep: usize) -> usize {
        match self {
            EventAgg::Window(a) => a.evict_oldest(keep),
            EventAgg::Session(a) => a.evict_oldest(keep),
        }
    }

    /// Evicts the oldest windows to stay within `max_rows` and `budget`
    /// bytes; how many went.
    fn bound(&mut self, max_rows: usize, budget: usize) -> usize {
        let mut gone = self.evict_oldest(max_rows);
        let (rows, bytes) = (self.state_rows(), self.heap_bytes());
        if bytes > budget && rows > 0 {
            // Rows cost about the same: keep the share the budget allows.
            let keep = (rows as u128 * budget as u128 / bytes as u128) as usize;
            gone += self.evict_oldest(keep);
        }
        gone
    }
}

impl Footprint for EventAgg {
    fn heap_bytes(&self) -> usize {
        match self {
            EventAgg::Window(a) => a.heap_bytes(),
            EventAgg::Session(a) => a.heap_bytes(),
        }
    }
}

impl ConfiguredState for EventAgg {
    fn save(&self, parts: &mut Vec<Part>) {
        parts.push(text_part(match self {
            EventAgg::Window(a) => a.save(),
            EventAgg::Session(a) => a.save(),
        }));
    }

    fn restored(&self, text: &str, bounds: &Bounds) -> Result<EventAgg, CheckpointError> {
        let restored = match self {
            EventAgg::Window(a) => {
                let mut fresh = a.emptied();
                fresh.restore(text, bounds.max_items)?;
                EventAgg::Window(fresh)
            }
            EventAgg::Session(a) => {
                let mut fresh = a.emptied();
                fresh.restore(text, bounds.max_items)?;
                EventAgg::Session(fresh)
            }
        };
        bounds.check_budget(restored.heap_bytes())?;
        Ok(restored)
    }
}

/// The aggregation on timed records: grouped by key when a record is a
/// pair (`(key, value)`), else in one group with key null. Reports to
/// `figures` after each batch.
pub fn aggregate(
    s: DStream<Timed>,
    agg: EventAgg,
    name: &str,
    figures: Rc<RefCell<EventFigures>>,
) -> DStream<Value> {
    let state = Rc::new(RefCell::new(agg));
    s.graph().keep_configured(&state);
    let slide = s.slide();
    let op = name.to_string();
    s.unary(name, slide, move |_, batch, cx| {
        let mut report = figures.borrow_mut();
        let rows: Vec<TimedRow> = batch
            .into_iter()
            .map(|(time_ms, record)| {
                report.record_lateness(time_ms);
                let (key, value) = record
                    .into_pair()
                    .unwrap_or_else(|other| (Value::Null, other));
                TimedRow {
                    time_ms,
                    key,
                    value,
                }
            })
            .collect();
        let mut agg = state.borrow_mut();
        let (batch, refused) = agg.run_batch(rows);
        for (value, reason) in refused {
            cx.malformed
                .record(&value.to_string(), || format!("{op}: {reason}"));
        }
        *cx.evicted += agg.bound(cx.max_keys, cx.budget) as u64;
        report.watermark_ms = batch.watermark_ms;
        report.late += batch.late;
        report.late_rows += batch.late_rows;
        report.state_rows = agg.state_rows();
        Some(batch.output)
    })
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// The event-time part of a pipeline as it is built: after
/// `with_watermark`, records carry their time until the aggregation.
pub enum Flow {
    Plain(DStream<Value>),
    Timed(DStream<Timed>, Duration),
}

impl Flow {
    /// `stage` on this flow, reporting an aggregation to `figures`.
    pub fn apply(
        self,
        stage: &Stage,
        name: &str,
        figures: &Rc<RefCell<EventFigures>>,
        plain: impl FnOnce(DStream<Value>, &Stage) -> Result<DStream<Value>, StageError>,
    ) -> Result<Flow, StageError> {
        Ok(match (self, stage) {
            (Flow::Plain(s), Stage::WithWatermark(time, delay)) => {
                Flow::Timed(with_watermark(s, time.clone()), *delay)
            }
            (Flow::Plain(s), _) => Flow::Plain(plain(s, stage)?),
            (Flow::Timed(s, delay), Stage::EventWindow(..) | Stage::SessionWindow(..)) => {
                let agg = EventAgg::of(stage, delay).map_err(StageError::EventTime)?;
                Flow::Plain(aggregate(s, agg, name, figures.clone()))
            }
            (Flow::Timed(_, _), Stage::WithWatermark(..)) => {
                return Err(StageError::EventTime(misplaced(stage)))
            }
            (Flow::Timed(s, delay), _) => match Each::of(stage) {
                Some(each) => Flow::Timed(each.on_timed(s), delay),
                None => return Err(StageError::EventTime(not_timed())),
            },
        })
    }
}
