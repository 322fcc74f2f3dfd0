//! What the Streaming UI knows of a run, as Spark's
//! StreamingJobProgressListener keeps it: the last 1000 batches (figures, a
//! sample of their input and output, latency), the latest output, totals,
//! and the receiver's status. Views read it; the runtime writes it once per
//! batch. Bounded by design: a run of days holds what a run of a minute does.

use std::collections::{BTreeMap, VecDeque};

use sparklet_engine::dstream::StageFigures;
use sparklet_engine::latency::LatencySummary;
use sparklet_engine::{BatchInfo, EventFigures, MalformedSample, Value};

use crate::connection::Gap;
use crate::runtime::ConnState;
use crate::settings::Settings;
use crate::sink::{SinkFigures, Stored};

pub const HISTORY_LIMIT: usize = 1000;
/// Input records kept per batch for its detail view.
pub const INPUT_SAMPLE: usize = 10;
/// Output rows kept per batch for its detail view.
pub const OUTPUT_SAMPLE: usize = 20;

/// Where a batch's latency was measured from.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum LatencyFrom {
    /// The records' event time, field `.0` (ms since the epoch).
    EventTime(String),
    /// Their arrival in the page.
    Arrival,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BatchRecord {
    pub info: BatchInfo,
    /// Records per second of batch interval.
    pub input_rate: f64,
    pub input_sample: Vec<String>,
    /// Output rows, `None` between window slides.
    pub output_len: Option<usize>,
    pub output_sample: Vec<String>,
    /// The output when it is one number (`count`, `reduce`).
    pub scalar: Option<f64>,
    pub latency: Option<(LatencyFrom, LatencySummary)>,
    /// Each stage's records in and out and time, in pipeline order.
    pub stages: Vec<StageFigures>,
    /// What the sink did with the batch's output, when there is a sink
    /// and an output.
    pub sink: Option<Stored>,
    /// The watermark, late rows and state after the batch, for an
    /// event-time pipeline.
    pub event: Option<EventFigures>,
}

/// An event-time run's totals: what Spark's Structured Streaming UI sums.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EventTotals {
    /// Late groups (Spark's `numRowsDroppedByWatermark`) and late rows.
    pub late: u64,
    pub late_rows: u64,
    /// Records by lateness (see `LATENESS_BOUNDS_MS`).
    pub lateness: Vec<u64>,
    /// The latest value (and end) of each (window start, key) emitted,
    /// for the table and chart: the newest [`WINDOWS_KEPT`] windows.
    pub windows: BTreeMap<(i64, String), (i64, f64)>,
}

/// Window values kept for the event-time chart.
pub const WINDOWS_KEPT: usize = 5000;

impl EventTotals {
    fn add(&mut self, event: &EventFigures, output: Option<&[Value]>) {
        self.late += event.late;
        self.late_rows += event.late_rows;
        self.lateness.resize(event.lateness.len(), 0);
        for (sum, n) in self.lateness.iter_mut().zip(event.lateness) {
            *sum += n;
        }
        for row in output.unwrap_or_default() {
            if let Some((start, end, key, value)) = window_parts(row) {
                if let Some(value) = value.as_f64() {
                    self.windows.insert((start, key), (end, value));
                }
            }
        }
        while self.windows.len() > WINDOWS_KEPT {
            self.windows.pop_first();
        }
    }
}

/// `{"window": {"start", "end"}, "key", "value"}` as its parts.
fn window_parts(row: &Value) -> Option<(i64, i64, String, Value)> {
    let field = |v: &Value, name: &str| -> Option<Value> {
        match v {
            Value::Object(fields) => fields.iter().find(|(k, _)| k == name).map(|f| f.1.clone()),
            _ => None,
        }
    };
    let window = field(row, "window")?;
    let (Value::Int(start), Value::Int(end)) = (field(&window, "start")?, field(&window, "end")?)
    else {
        return None;
    };
    let key = match field(row, "key")? {
        Value::Str(s) => s.to_string(),
        other => other.to_string(),
    };
    Some((start, end, key, field(row, "value")?))
}

/// The receiver and settings, as of the last update.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Status {
    pub settings: Option<Settings>,
    pub conn: Option<ConnState>,
    pub received: u64,
    pub bytes: u64,
    pub dropped: u64,
    pub pending: usize,
    pub malformed: u64,
    pub malformed_samples: Vec<MalformedSample>,
    pub reconnects: u64,
    /// Disconnections a feed without resume could not make up for.
    pub gaps: Vec<Gap>,
    pub gap_count: u64,
    /// The rate the feed was last asked to stay under (backpressure).
    pub rate_limit: Option<u64>,
    /// State keys evicted by the key limit.
    pub evicted: u64,
    /// What the feed last said about its source ("connected to ...").
    pub source_status: Option<String>,
    /// Something the page must say about this run (a checkpoint not used).
    pub notice: Option<String>,
    /// The sink's figures, when the server has a sink.
    pub sink: Option<SinkFigures>,
    /// Frames, and record lines (the resume position), received.
    pub frames: u64,
    pub lines: u64,
    /// Whether reconnects resume with `from=`, and whether the feed said,
    /// in its hello, that it resumes.
    pub resume: bool,
    pub feed_resumes: bool,
    /// Why a saved checkpoint was not used, when one was not.
    pub restore_refused: Option<String>,
    /// Batches restored from a checkpoint at start; checkpoints saved.
    pub restored_batches: Option<u64>,
    pub checkpoints: u64,
    /// The memory the pipeline's state holds, roughly (bytes).
    pub state_bytes: usize,
    /// The stream's wasm memory, bytes (its own instance, in the worker).
    pub wasm_memory_bytes: f64,
    /// When the stream started, ms after its thread began.
    pub started_ms: f64,
    /// Whether the stream runs in a Web Worker of its own.
    pub worker: bool,
    /// Ms its thread spent taking frames in and running batches.
    pub busy_ms: f64,
}

#[derive(Clone, Debug, Default)]
pub struct Listener {
    batches: VecDeque<BatchRecord>,
    latest: Option<(u64, Vec<Value>)>,
    total_batches: u64,
    total_records: u64,
    /// For an event-time pipeline, its totals so far.
    pub event_totals: Option<EventTotals>,
    /// `Date.now()` when the stream started.
    pub started_wall_ms: f64,
    /// The run's zero time, ms since the epoch: batch k's time is
    /// `zero_ms + k * interval` (`BatchInfo::time_ms` is `k * interval`).
    /// The runtime sets it; it stays the same when a run is restored from
    /// a checkpoint, so a batch keeps its time (the sink's files are named
    /// by it).
    pub zero_ms: u64,
    pub status: Status,
}

impl Listener {
    pub fn new(started_wall_ms: f64) -> Listener {
        Listener {
            started_wall_ms,
            zero_ms: started_wall_ms as u64,
            ..Listener::default()
        }
    }

    /// A batch's time, ms since the epoch.
    pub fn batch_time_ms(&self, info: &BatchInfo) -> u64 {
        self.zero_ms.saturating_add(info.time_ms)
    }

    /// Records what the sink did with batch `number` of time `time_ms`
    /// (the time tells it from a batch of another run with that number).
    pub fn set_sink(&mut self, number: u64, time_ms: u64, stored: Stored) {
        let zero = self.zero_ms;
        if let Some(b) = self.batch_mut(number) {
            if zero.saturating_add(b.info.time_ms) == time_ms {
                b.sink = Some(stored);
            }
        }
    }

    fn batch_mut(&mut self, number: u64) -> Option<&mut BatchRecord> {
        let first = self.batches.front()?.info.batch;
        self.batches.get_mut(number.checked_sub(first)? as usize)
    }

    /// Spark's `onBatchCompleted`.
    pub fn on_batch_completed(&mut self, record: BatchRecord, output: Option<Vec<Value>>) {
        self.total_batches += 1;
        self.total_records += record.info.records;
        if let Some(event) = &record.event {
            let totals = self.event_totals.get_or_insert_with(EventTotals::default);
            totals.add(event, output.as_deref());
        }
        if let Some(out) = output {
            self.latest = Some((record.info.time_ms, out));
        }
        if self.batches.len() == HISTORY_LIMIT {
            self.batches.pop_front();
        }
        self.batches.push_back(record);
    }

    pub fn batches(&self) -> &VecDeque<BatchRecord> {
        &self.batches
    }

    pub fn batch(&self, number: u64) -> Option<&BatchRecord> {
        let first = self.batches.front()?.info.batch;
        self.batches.get(number.checked_sub(first)? as usize)
    }

    pub fn last(&self) -> Option<&BatchRecord> {
        self.batches.back()
    }

    /// The latest emitted output and its batch time.
    pub fn latest_output(&self) -> Option<&(u64, Vec<Value>)> {
        self.latest.as_ref()
    }

    /// Continues the totals of a run restored from a checkpoint.
    pub fn continue_from(&mut self, batches: u64, records: u64) {
        self.total_batches = batches;
        self.total_records = records;
    }

    pub fn total_batches(&self) -> u64 {
        self.total_batches
    }

    pub fn total_records(&self) -> u64 {
        self.total_records
    }
}

impl BatchRecord {
    /// A batch another engine ran (Spark's): its figures, input rate and
    /// event-time figures; no samples, stages or output.
    pub fn observed(info: BatchInfo, input_rate: f64, event: Option<EventFigures>) -> BatchRecord {
        BatchRecord {
            info,
            input_rate,
            input_sample: Vec::new(),
            output_len: None,
            output_sample: Vec::new(),
            scalar: None,
            latency: None,
            stages: Vec::new(),
            sink: None,
            event,
        }
    }

    /// The record of a completed batch: samples its input and output.
    pub fn new<'a>(
        info: BatchInfo,
        batch_ms: u64,
        input: impl Iterator<Item = &'a str>,
        output: Option<&[Value]>,
        latency: Option<(LatencyFrom, LatencySummary)>,
        stages: Vec<StageFigures>,
    ) -> BatchRecord {
        let input_rate = info.records as f64 * 1000.0 / batch_ms.max(1) as f64;
        let scalar = match output {
            Some([single]) => single.as_f64(),
            _ => None,
        };
        BatchRecord {
            input_rate,
            input_sample: input.take(INPUT_SAMPLE).map(|s| shorten(s, 300)).collect(),
            output_len: output.map(<[Value]>::len),
            output_sample: output
                .unwrap_or_default()
                .iter()
                .take(OUTPUT_SAMPLE)
                .map(|v| shorten(&v.to_string(), 300))
                .collect(),
            scalar,
            latency,
            stages,
            info,
            sink: None,
            event: None,
        }
    }
}

/// At most `chars` characters of `s`, with an ellipsis when cut.
fn shorten(s: &str, chars: usize) -> String {
    match s.char_indices().nth(chars) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_string(),
    }
}
