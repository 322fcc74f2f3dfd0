//! `session_window GAP FN [MODE]`: per key, sessions as Spark's
//! `session_window(ts, GAP)` makes them. Each event opens `[t, t + GAP)`;
//! sessions that overlap or touch merge (so events exactly GAP apart are
//! one session), including with the key's sessions still held.
//!
//! Spark tests lateness per event, before merging: an event is late when
//! `t + GAP` is at or before the watermark, and its metric counts distinct
//! (key, event time) pairs. Update mode is refused, as Spark refuses it.

use std::collections::{HashMap, HashSet};

use super::windows::EventWindow;
use super::{lifted, output_rows, EventBatch, OutputMode, TimedRow, Watermark};
use crate::checkpoint::{decode, CheckpointError, Codec};
use crate::dstream::Footprint;
use crate::pipeline::reduce_fn::ReduceFn;
use crate::value::Value;

/// A checkpoint's form: the watermark, then `[key, [[start, end, partial],
/// ...]]` by key, then the watermark before the last batch (checkpoints
/// written before it was kept lack it: it is then taken as the watermark).
type Saved = (i64, Vec<SavedKey>, i64);
type SavedKey = (Value, Vec<(i64, i64, Value)>);

/// Spark's message for update mode on session windows.
pub const UPDATE_REFUSED: &str =
    "Update output mode not supported for session window on streaming DataFrames/DataSets";

/// One session: its span and partial aggregate.
#[derive(Clone, Debug, PartialEq)]
struct Session {
    span: EventWindow,
    partial: Value,
}

/// The state and rules of one session aggregation.
#[derive(Clone, Debug)]
pub struct SessionAggregate {
    gap_ms: i64,
    reduce: ReduceFn,
    mode: OutputMode,
    pub watermark: Watermark,
    /// Each key's sessions, by start, none overlapping or touching.
    sessions: HashMap<Value, Vec<Session>>,
}

impl SessionAggregate {
    /// Sessions closing `gap_ms` after their last event; `Update` is
    /// refused with Spark's message.
    pub fn new(
        gap_ms: i64,
        reduce: ReduceFn,
        mode: OutputMode,
        delay_ms: i64,
    ) -> Result<SessionAggregate, &'static str> {
        if mode == OutputMode::Update {
            return Err(UPDATE_REFUSED);
        }
        Ok(SessionAggregate {
            gap_ms,
            reduce,
            mode,
            watermark: Watermark::new(delay_ms),
            sessions: HashMap::new(),
        })
    }

    pub fn state_rows(&self) -> usize {
        self.sessions.values().map(Vec::len).sum()
    }

    /// The same aggregation with no sessions and the watermark at its start.
    pub fn emptied(&self) -> SessionAggregate {
        SessionAggregate {
            gap_ms: self.gap_ms,
            reduce: self.reduce,
            mode: self.mode,
            watermark: Watermark::new(self.watermark.delay_ms),
            sessions: HashMap::new(),
        }
    }

    /// The heap its sessions hold, as [`Footprint`] counts it.
    pub fn heap_bytes(&self) -> usize {
        let entry = std::mem::size_of::<(Value, Vec<Session>)>();
        self.sessions.capacity() * entry
            + self
                .sessions
                .iter()
                .map(|(k, s)| {
                    k.heap_bytes()
                        + s.capacity() * std::mem::size_of::<Session>()
                        + s.iter().map(|s| s.partial.heap_bytes()).sum::<usize>()
                })
                .sum::<usize>()
    }

    /// Forgets the sessions that ended first until at most `keep` are
    /// held (the key limit and the state budget); how many went.
    pub fn evict_oldest(&mut self, keep: usize) -> usize {
        let over = self.state_rows().saturating_sub(keep);
        if over == 0 {
            return 0;
        }
        let mut ends: Vec<i64> = self
            .sessions
            .values()
            .flatten()
            .map(|s| s.span.end)
            .collect();
        ends.sort_unstable();
        let cut = ends[over - 1];
        // Sessions ending before `cut` all go, and of those ending at it
        // just enough.
        let mut at_cut = over - ends.partition_point(|&e| e < cut);
        for sessions in self.sessions.values_mut() {
            sessions.retain(|s| {
                let gone = s.span.end < cut || (s.span.end == cut && at_cut > 0);
                if s.span.end == cut && gone {
                    at_cut -= 1;
                }
                !gone
            });
        }
        self.sessions.retain(|_, s| !s.is_empty());
        over
    }

    /// The watermark and every key's sessions, as a checkpoint holds them.
    pub fn save(&self) -> String {
        let mut keys: Vec<SavedKey> = self
            .sessions
            .iter()
            .map(|(k, s)| {
                let spans = s
                    .iter()
                    .map(|s| (s.span.start, s.span.end, s.partial.clone()))
                    .collect();
                (k.clone(), spans)
            })
            .collect();
        keys.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut out = String::new();
        (self.watermark.current_ms, keys, self.watermark.previous_ms).enc(&mut out);
        out
    }

    /// Takes the state `save` wrote, refusing a list over `max_items` and
    /// sessions this operator cannot hold (empty, out of order, or ones
    /// that should have merged); nothing changes on refusal.
    pub fn restore(&mut self, text: &str, max_items: usize) -> Result<(), CheckpointError> {
        // A two-part checkpoint is one from before the previous watermark
        // was kept; any other is read as three parts, its errors its own.
        let two_parts = serde_json::from_str::<Vec<serde::de::IgnoredAny>>(text)
            .is_ok_and(|parts| parts.len() == 2);
        let (watermark, keys, previous): Saved = match two_parts {
            true => decode::<(i64, Vec<SavedKey>)>(text, max_items).map(|(w, k)| (w, k, w))?,
            false => decode(text, max_items)?,
        };
        if previous > watermark {
            return Err(CheckpointError::EventTime(format!(
                "a watermark of {watermark} ms after one of {previous} ms: it never goes back"
            )));
        }
        let mut sessions = HashMap::with_capacity(keys.len());
        for (key, spans) in keys {
            let mut held: Vec<Session> = Vec::with_capacity(spans.len());
            for (start, end, partial) in spans {
                let after_last = held.last().is_none_or(|last| start > last.span.end);
                if end - start < self.gap_ms || !after_last {
                    return Err(CheckpointError::EventTime(format!(
                        "a session [{start}, {end}) ms that sessions with a gap of {} ms cannot be",
                        self.gap_ms
                    )));
                }
                held.push(Session {
                    span: EventWindow { start, end },
                    partial,
                });
            }
            if held.is_empty() || sessions.insert(key, held).is_some() {
                return Err(CheckpointError::StateTwice);
            }
        }
        self.watermark.current_ms = watermark;
        self.watermark.previous_ms = previous;
        self.sessions = sessions;
        Ok(())
    }

    /// One Sparklet batch: Spark's micro-batch on `rows`, then its no-data
    /// batch. A value `FN` cannot take comes back with the reason.
    pub fn run_batch(&mut self, rows: Vec<TimedRow>) -> (EventBatch, Vec<(Value, String)>) {
        let before = self.watermark.current_ms;
        let (rows, refused) = lifted(rows, self.reduce);
        let max_ms = rows.iter().map(|r| r.time_ms).max();
        // Spark's session restore drops late events in every output mode,
        // by the previous micro-batch's watermark: in append mode that is
        // the no-data batch's, the watermark from before this batch; in
        // complete mode, which runs no no-data batches, the one from
        // before the previous batch (found on Spark 4.3).
        let late_mark = match self.mode {
            OutputMode::Complete => self.watermark.previous_ms,
            _ => before,
        };
        let mut batch = EventBatch::default();
        let mut late_groups: HashSet<(Value, i64)> = HashSet::new();
        let mut fresh: HashMap<Value, Vec<Session>> = HashMap::new();
        for row in rows {
            let end = row.time_ms.saturating_add(self.gap_ms);
            if end <= late_mark {
                batch.late_rows += 1;
                late_groups.insert((row.key, row.time_ms));
                continue;
            }
            fresh.entry(row.key).or_default().push(Session {
                span: EventWindow {
                    start: row.time_ms,
                    end,
                },
                partial: row.value,
            });
        }
        batch.late = late_groups.len() as u64;
        for (key, mut new) in fresh {
            let held = self.sessions.remove(&key).unwrap_or_default();
            new.extend(held);
            self.sessions.insert(key, merge(new, self.reduce));
        }
        self.watermark.advance(max_ms);
        let after = self.watermark.current_ms;
        let mut out: Vec<(EventWindow, Value, Value)> = Vec::new();
        match self.mode {
            // Update never gets here: `new` refuses it.
            OutputMode::Append | OutputMode::Update => {
                for (key, sessions) in &mut self.sessions {
                    sessions.retain(|s| {
                        let closed = s.span.end <= after;
                        if closed {
                            out.push((s.span, key.clone(), s.partial.clone()));
                        }
                        !closed
                    });
                }
                self.sessions.retain(|_, s| !s.is_empty());
            }
            OutputMode::Complete => {
                for (key, sessions) in &self.sessions {
                    out.extend(
                        sessions
                            .iter()
                            .map(|s| (s.span, key.clone(), s.partial.clone())),
                    );
                }
            }
        }
        batch.output = output_rows(out, self.reduce);
        batch.watermark_ms = after;
        batch.state_rows = self.state_rows();
        (batch, refused)
    }
}

/// Sorts `sessions` by start and merges those that overlap or touch.
fn merge(mut sessions: Vec<Session>, reduce: ReduceFn) -> Vec<Session> {
    sessions.sort_by_key(|s| s.span.start);
    let mut merged: Vec<Session> = Vec::with_capacity(sessions.len());
    for s in sessions {
        match merged.last_mut() {
            Some(last) if s.span.start <= last.span.end => {
                last.span.end = last.span.end.max(s.span.end);
                last.partial = reduce.combine(std::mem::take(&mut last.partial), s.partial);
            }
            _ => merged.push(s),
        }
    }
    merged
}
