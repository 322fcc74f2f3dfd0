//! What the page draws after a batch, computed once from the runtime: the
//! one reactive update per batch. Views read this, never the runtime, so
//! nothing reactive sits on the data path.

use sparklet_engine::{MalformedSample, Value};

use crate::runtime::{ConnState, Runtime};
use crate::settings::Settings;

/// Batches the timeline charts show.
pub const CHART_BATCHES: usize = 60;
/// Bars in the results chart.
pub const TOP_BARS: usize = 10;
/// Rows of non-keyed output listed.
pub const OUTPUT_ROWS: usize = 20;

#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    /// Batch time in seconds since the stream started.
    pub t_s: f64,
    pub records: u64,
    pub processing_ms: f64,
    pub total_delay_ms: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    pub settings: Settings,
    pub conn: ConnState,
    pub started_wall_ms: f64,
    pub elapsed_ms: f64,
    pub batches: u64,
    pub records_in_batches: u64,
    pub received: u64,
    pub malformed: u64,
    pub dropped: u64,
    pub recent: Vec<Point>,
    pub output_time_ms: Option<u64>,
    /// Keyed numeric output: the largest values, largest first.
    pub bars: Vec<(String, f64)>,
    /// Other output: its first rows as text.
    pub rows: Vec<String>,
    pub output_len: usize,
    pub malformed_samples: Vec<MalformedSample>,
}

impl Snapshot {
    pub fn of(rt: &Runtime) -> Snapshot {
        let hist = &rt.history;
        let skip = hist.batches().len().saturating_sub(CHART_BATCHES);
        let recent = hist
            .batches()
            .iter()
            .skip(skip)
            .map(|b| Point {
                t_s: b.time_ms as f64 / 1000.0,
                records: b.records,
                processing_ms: b.processing_ms,
                total_delay_ms: b.total_delay_ms,
            })
            .collect();
        let output = hist.latest_output();
        let items = output.map_or(&[][..], |(_, o)| o.as_slice());
        let bars = top_bars(items);
        let rows = if bars.is_empty() {
            items
                .iter()
                .take(OUTPUT_ROWS)
                .map(Value::to_string)
                .collect()
        } else {
            Vec::new()
        };
        let counters = rt.pending.counters();
        let mut malformed_samples: Vec<_> = rt
            .frame_malformed
            .samples()
            .chain(rt.ctx.malformed().samples())
            .cloned()
            .collect();
        malformed_samples.truncate(5);
        Snapshot {
            settings: rt.settings.clone(),
            conn: rt.conn.clone(),
            started_wall_ms: rt.started_wall_ms,
            elapsed_ms: js_sys::Date::now() - rt.started_wall_ms,
            batches: hist.total_batches(),
            records_in_batches: hist.total_records(),
            received: counters.records,
            malformed: rt.malformed_count(),
            dropped: counters.dropped,
            recent,
            output_time_ms: output.map(|(t, _)| *t),
            bars,
            rows,
            output_len: items.len(),
            malformed_samples,
        }
    }
}

/// The largest numeric pairs, largest first (ties by key), or nothing when
/// the output is not `(key, number)` pairs.
fn top_bars(items: &[Value]) -> Vec<(String, f64)> {
    let mut pairs: Vec<(&Value, f64)> = Vec::with_capacity(items.len());
    for item in items {
        match item.as_pair() {
            Some((k, v)) => match v.as_f64() {
                Some(x) => pairs.push((k, x)),
                None => return Vec::new(),
            },
            None => return Vec::new(),
        }
    }
    let rank =
        |a: &(&Value, f64), b: &(&Value, f64)| b.1.total_cmp(&a.1).then_with(|| a.0.total_cmp(b.0));
    if pairs.len() > TOP_BARS {
        pairs.select_nth_unstable_by(TOP_BARS, rank);
        pairs.truncate(TOP_BARS);
    }
    pairs.sort_by(rank);
    pairs
        .into_iter()
        .map(|(k, v)| (k.as_str().map_or_else(|| k.to_string(), str::to_string), v))
        .collect()
}
