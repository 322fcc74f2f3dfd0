//! `event_window LEN [SLIDE] FN [MODE]`: an aggregation by (event-time
//! window, key), as Spark runs `groupBy(window(ts, LEN, SLIDE), key).agg(FN)`
//! under a watermark.
//!
//! Spark expands each row into its windows and pre-aggregates before it
//! looks at the watermark, so the late test is on a window, not a row: a
//! (window, key) group whose window ends at or before the watermark is
//! dropped, and counted once however many rows it held. A row in a sliding
//! window still counts in its windows that are open.

use std::collections::HashMap;

use super::windows::{windows_of, EventWindow};
use super::{lifted, output_rows, EventBatch, OutputMode, TimedRow, Watermark};
use crate::checkpoint::{decode, CheckpointError, Codec};
use crate::dstream::Footprint;
use crate::pipeline::reduce_fn::ReduceFn;
use crate::value::Value;

/// A checkpoint's form: the watermark, then `[[start, end], key, partial]`
/// by window and key.
type Saved = (i64, Vec<((i64, i64), Value, Value)>);

/// The state and rules of one windowed aggregation.
#[derive(Clone, Debug)]
pub struct WindowAggregate {
    len_ms: i64,
    slide_ms: i64,
    reduce: ReduceFn,
    mode: OutputMode,
    pub watermark: Watermark,
    /// Partial aggregates by (window, key).
    state: HashMap<(EventWindow, Value), Value>,
}

impl WindowAggregate {
    /// Windows of `len_ms` sliding by `slide_ms` (`0 < slide <= len`).
    pub fn new(
        len_ms: i64,
        slide_ms: i64,
        reduce: ReduceFn,
        mode: OutputMode,
        delay_ms: i64,
    ) -> WindowAggregate {
        WindowAggregate {
            len_ms,
            slide_ms,
            reduce,
            mode,
            watermark: Watermark::new(delay_ms),
            state: HashMap::new(),
        }
    }

    pub fn state_rows(&self) -> usize {
        self.state.len()
    }

    /// The same aggregation with no state and the watermark at its start.
    pub fn emptied(&self) -> WindowAggregate {
        let delay = self.watermark.delay_ms;
        WindowAggregate::new(self.len_ms, self.slide_ms, self.reduce, self.mode, delay)
    }

    /// The heap its state holds, as [`Footprint`] counts it.
    pub fn heap_bytes(&self) -> usize {
        let entry = std::mem::size_of::<((EventWindow, Value), Value)>();
        self.state.capacity() * entry
            + self
                .state
                .iter()
                .map(|((_, k), v)| k.heap_bytes() + v.heap_bytes())
                .sum::<usize>()
    }

    /// Forgets the oldest windows until at most `keep` are held (the key
    /// limit and the state budget bound even complete mode); how many went.
    pub fn evict_oldest(&mut self, keep: usize) -> usize {
        let over = self.state.len().saturating_sub(keep);
        if over == 0 {
            return 0;
        }
        let mut groups: Vec<(EventWindow, Value)> = self.state.keys().cloned().collect();
        groups.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.total_cmp(&b.1)));
        for group in groups.into_iter().take(over) {
            self.state.remove(&group);
        }
        over
    }

    /// The watermark and every window's partial, as a checkpoint holds them.
    pub fn save(&self) -> String {
        let mut entries: Vec<((i64, i64), Value, Value)> = self
            .state
            .iter()
            .map(|((w, k), v)| ((w.start, w.end), k.clone(), v.clone()))
            .collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.total_cmp(&b.1)));
        let mut out = String::new();
        (self.watermark.current_ms, entries).enc(&mut out);
        out
    }

    /// Takes the state `save` wrote, refusing a list over `max_items` and
    /// any window these windows cannot be; nothing changes on refusal.
    pub fn restore(&mut self, text: &str, max_items: usize) -> Result<(), CheckpointError> {
        let (watermark, entries): Saved = decode(text, max_items)?;
        let mut state = HashMap::with_capacity(entries.len());
        for ((start, end), key, partial) in entries {
            if end - start != self.len_ms || start.rem_euclid(self.slide_ms) != 0 {
                return Err(CheckpointError::EventTime(format!(
                    "a window [{start}, {end}) ms that windows of {} ms sliding by {} ms cannot be",
                    self.len_ms, self.slide_ms
                )));
            }
            let window = EventWindow { start, end };
            if state.insert((window, key), partial).is_some() {
                return Err(CheckpointError::StateTwice);
            }
        }
        self.watermark.current_ms = watermark;
        self.state = state;
        Ok(())
    }

    /// One Sparklet batch: Spark's micro-batch on `rows`, then its no-data
    /// batch. A value `FN` cannot take comes back with the reason.
    pub fn run_batch(&mut self, rows: Vec<TimedRow>) -> (EventBatch, Vec<(Value, String)>) {
        let before = self.watermark.current_ms;
        let (rows, refused) = lifted(rows, self.reduce);
        let max_ms = rows.iter().map(|r| r.time_ms).max();
        // Spark's partial aggregation: (window, key) -> (partial, rows).
        let mut groups: HashMap<(EventWindow, Value), (Value, u64)> = HashMap::new();
        // Per row: whether any of its windows is open.
        let mut rows_late = 0;
        for row in rows {
            let lifted = row.value;
            let mut counted = false;
            for window in windows_of(row.time_ms, self.len_ms, self.slide_ms) {
                counted |= self.mode == OutputMode::Complete || window.end > before;
                let group = (window, row.key.clone());
                match groups.get_mut(&group) {
                    Some((partial, n)) => {
                        *partial = self.reduce.combine(std::mem::take(partial), lifted.clone());
                        *n += 1;
                    }
                    None => {
                        groups.insert(group, (lifted.clone(), 1));
                    }
                }
            }
            rows_late += u64::from(!counted);
        }
        let mut batch = EventBatch {
            late_rows: rows_late,
            ..EventBatch::default()
        };
        let mut updated = Vec::new();
        for ((window, key), (partial, _)) in groups {
            if self.mode != OutputMode::Complete && window.end <= before {
                batch.late += 1;
                continue;
            }
            let merged = match self.state.remove(&(window, key.clone())) {
                Some(old) => self.reduce.combine(old, partial),
                None => partial,
            };
            if self.mode == OutputMode::Update {
                updated.push((window, key.clone(), merged.clone()));
            }
            self.state.insert((window, key), merged);
        }
        self.watermark.advance(max_ms);
        let after = self.watermark.current_ms;
        let out: Vec<(EventWindow, Value, Value)> = match self.mode {
            OutputMode::Update => {
                self.state.retain(|(w, _), _| w.end > after);
                updated
            }
            OutputMode::Append => {
                let closed: Vec<(EventWindow, Value)> = self
                    .state
                    .keys()
                    .filter(|(w, _)| w.end <= after)
                    .cloned()
                    .collect();
                closed
                    .into_iter()
                    .filter_map(|g| self.state.remove_entry(&g))
                    .map(|((w, k), v)| (w, k, v))
                    .collect()
            }
            OutputMode::Complete => self
                .state
                .iter()
                .map(|((w, k), v)| (*w, k.clone(), v.clone()))
                .collect(),
        };
        batch.output = output_rows(out, self.reduce);
        batch.watermark_ms = after;
        batch.state_rows = self.state.len();
        (batch, refused)
    }
}
