//! `window.sparklet`: the page's JS API (docs/DESIGN.md), for scripts, tests and
//! benchmarks. `stats()` returns a plain object built once per call.

use serde::Serialize;
use sparklet_engine::dstream::StageFigures;
use sparklet_engine::{BatchInfo, EventFigures, MalformedSample, Value};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use crate::listener::{BatchRecord, LatencyFrom, Listener};
use crate::runtime::ConnState;
use crate::sink::{SinkFigures, Stored};

#[derive(Serialize)]
pub struct Stats<'a> {
    pub records: u64,
    pub batches: u64,
    pub bytes: u64,
    pub frames: u64,
    pub malformed: u64,
    pub dropped: u64,
    pub reconnects: u64,
    /// Disconnections from a feed that could not resume (data lost).
    pub gaps: u64,
    /// Whether reconnects resume with `from=`.
    pub resume: bool,
    /// Whether the feed said, in its hello, that it resumes.
    pub feed_resumes: bool,
    /// Why a saved checkpoint was not used, when one was not.
    pub restore_refused: Option<&'a str>,
    /// The memory the pipeline's state holds, roughly (bytes).
    pub state_bytes: usize,
    /// The rate the feed was last asked to stay under (backpressure).
    pub rate_limit: Option<u64>,
    /// Record lines received from the feed (the resume position).
    pub lines: u64,
    /// Batches restored from a checkpoint at start, and checkpoints saved.
    pub restored_batches: Option<u64>,
    pub checkpoints: u64,
    /// State keys evicted by the key limit, and the limit.
    pub evicted: u64,
    pub max_keys: usize,
    pub connected: bool,
    /// "connecting", "live", "ended" or "closed".
    pub state: &'static str,
    /// Why the connection ended or failed, if it did.
    pub state_reason: Option<&'a str>,
    /// What the feed last said about its source, in words (a source's
    /// `status` notice: "connected to localhost:9999").
    pub source_status: Option<&'a str>,
    /// Received records not yet in a batch.
    pub pending: usize,
    pub feed: &'a str,
    pub pipeline: &'a str,
    pub batch_ms: u64,
    pub last_batch: Option<BatchInfo>,
    /// The last batch's stages, in pipeline order: `{name, records_in,
    /// records_out, ms}` each.
    pub stages: Vec<StageFigures>,
    /// The latest emitted output (pairs as `[k, v]`).
    pub output: Option<Vec<Value>>,
    pub output_time_ms: Option<u64>,
    pub malformed_samples: Vec<&'a MalformedSample>,
    /// When the stream started, ms after its thread (the worker) began.
    pub started_ms: f64,
    /// Whether the stream runs in a Web Worker of its own (the dashboard's
    /// does: the page's main thread only draws).
    pub worker: bool,
    /// Ms the stream's thread spent taking frames in and running batches:
    /// over a span of time, its busy share.
    pub busy_ms: f64,
    /// Bytes of wasm linear memory: the stream's (in its worker) and the
    /// page's.
    pub wasm_memory_bytes: f64,
    /// The run's zero time, ms since the epoch: batch k's time is
    /// `zero_ms + k * batch_ms`, kept across a restore.
    pub zero_ms: u64,
    /// The sink's figures, when the server has one (`--sink`).
    pub sink: Option<SinkFigures>,
    /// For an event-time pipeline: the watermark after the last batch (ms
    /// since the epoch), late groups (Spark's `numRowsDroppedByWatermark`)
    /// and late rows in all, and the windows or sessions held.
    pub watermark_ms: Option<i64>,
    pub late: Option<u64>,
    pub late_rows: Option<u64>,
    pub state_rows: Option<usize>,
}

impl<'a> Stats<'a> {
    /// The stream's figures as its listener last heard them.
    pub fn of(listener: &'a Listener) -> Stats<'a> {
        let s = &listener.status;
        let latest = listener.latest_output();
        let event = listener.last().and_then(|b| b.event.as_ref());
        let settings = s.settings.as_ref();
        let conn = s.conn.as_ref();
        Stats {
            records: s.received,
            batches: listener.total_batches(),
            bytes: s.bytes,
            frames: s.frames,
            malformed: s.malformed,
            dropped: s.dropped,
            reconnects: s.reconnects,
            gaps: s.gap_count,
            resume: s.resume,
            feed_resumes: s.feed_resumes,
            restore_refused: s.restore_refused.as_deref(),
            state_bytes: s.state_bytes,
            rate_limit: s.rate_limit,
            lines: s.lines,
            restored_batches: s.restored_batches,
            checkpoints: s.checkpoints,
            evicted: s.evicted,
            max_keys: settings.map_or(0, |s| s.max_keys),
            connected: conn == Some(&ConnState::Live),
            state: conn.map_or("connecting", ConnState::label),
            state_reason: conn.and_then(ConnState::reason),
            source_status: s.source_status.as_deref(),
            pending: s.pending,
            feed: settings.map_or("", |s| &s.feed),
            pipeline: settings.map_or("", |s| &s.pipeline),
            batch_ms: settings.map_or(0, |s| s.batch.as_millis()),
            last_batch: listener.last().map(|b| b.info.clone()),
            stages: listener
                .last()
                .map(|b| b.stages.clone())
                .unwrap_or_default(),
            output: latest.map(|(_, out)| out.clone()),
            output_time_ms: latest.map(|(t, _)| *t),
            malformed_samples: s.malformed_samples.iter().collect(),
            started_ms: s.started_ms,
            worker: s.worker,
            busy_ms: s.busy_ms,
            wasm_memory_bytes: s.wasm_memory_bytes
                + if crate::global::in_worker() {
                    0.0
                } else {
                    crate::global::wasm_memory_bytes()
                },
            zero_ms: listener.zero_ms,
            sink: s.sink.clone(),
            watermark_ms: event.map(|e| e.watermark_ms),
            late: listener.event_totals.as_ref().map(|t| t.late),
            late_rows: listener.event_totals.as_ref().map(|t| t.late_rows),
            state_rows: event.map(|e| e.state_rows),
        }
    }

    pub fn to_js(&self) -> JsValue {
        // JSON-compatible: maps become plain objects, not JS `Map`s.
        let ser = serde_wasm_bindgen::Serializer::json_compatible();
        self.serialize(&ser).unwrap_or(JsValue::NULL)
    }
}

/// A row of `batches()`: Spark's BatchInfo, the batch's time on the wall
/// clock, its latency, a sample of its output and what the sink did.
#[derive(Serialize)]
pub(crate) struct BatchRow<'a> {
    #[serde(flatten)]
    pub info: &'a BatchInfo,
    /// `zero_ms + time_ms`: the time the sink names the batch's file by.
    pub batch_time_ms: u64,
    pub latency: Option<LatencyRow>,
    /// Rows of output, `None` between window slides.
    pub output_rows: Option<usize>,
    /// The first rows of output, each as JSON text (a line of the sink's
    /// file).
    pub output_sample: &'a [String],
    pub sink: Option<Stored>,
    /// For an event-time pipeline: the watermark after the batch, its late
    /// groups and rows, the state rows, and its records by lateness.
    pub event: Option<&'a EventFigures>,
}

/// How long after its records existed a batch's result was ready, in ms.
#[derive(Serialize)]
pub(crate) struct LatencyRow {
    /// `event_time` (the records' own time) or `arrival` (in the page).
    pub from: &'static str,
    pub records: u64,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
}

impl<'a> BatchRow<'a> {
    pub fn of(b: &'a BatchRecord, listener: &Listener) -> BatchRow<'a> {
        BatchRow {
            info: &b.info,
            batch_time_ms: listener.batch_time_ms(&b.info),
            output_rows: b.output_len,
            output_sample: &b.output_sample,
            sink: b.sink,
            event: b.event.as_ref(),
            latency: b.latency.as_ref().map(|(from, l)| LatencyRow {
                from: match from {
                    LatencyFrom::EventTime(_) => "event_time",
                    LatencyFrom::Arrival => "arrival",
                },
                records: l.count,
                p50: l.p50,
                p95: l.p95,
                p99: l.p99,
                max: l.max,
            }),
        }
    }
}

/// `window.sparklet` while this lives. It holds the API's closures; when
/// dropped (the app unmounted) it takes the API off `window` first, so no
/// script calls a freed closure through it.
pub struct JsApi {
    api: js_sys::Object,
    _stats: Closure<dyn Fn() -> JsValue>,
    _batches: Closure<dyn Fn() -> JsValue>,
    _run_frames: Closure<dyn Fn(js_sys::Array, JsValue) -> Result<JsValue, JsValue>>,
}

impl Drop for JsApi {
    fn drop(&mut self) {
        let Some(window) = web_sys::window() else {
            return;
        };
        // Another app may have installed its own since: leave that one.
        let current = js_sys::Reflect::get(&window, &"sparklet".into());
        if current.is_ok_and(|c| c == JsValue::from(&self.api)) {
            let _ = js_sys::Reflect::delete_property(&window, &"sparklet".into());
        }
    }
}

/// Installs `window.sparklet` over `listener`, which hears the stream
/// (in its worker) once per batch. The API stays as long as the returned
/// [`JsApi`].
pub fn install(listener: std::rc::Rc<std::cell::RefCell<Listener>>) -> Option<JsApi> {
    let window = web_sys::window()?;
    let api = js_sys::Object::new();
    let stats_listener = listener.clone();
    let stats = Closure::<dyn Fn() -> JsValue>::new(move || {
        let l = stats_listener.borrow();
        match l.status.settings {
            Some(_) => Stats::of(&l).to_js(),
            None => JsValue::NULL,
        }
    });
    // `batches()`: Spark's BatchInfo of every batch kept (the last 1,000),
    // with each batch's latency.
    let batches = Closure::<dyn Fn() -> JsValue>::new(move || {
        let listener = listener.borrow();
        if listener.status.settings.is_none() {
            return JsValue::NULL;
        }
        let rows: Vec<BatchRow> = listener
            .batches()
            .iter()
            .map(|b| BatchRow::of(b, &listener))
            .collect();
        rows.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
            .unwrap_or(JsValue::NULL)
    });
    let run_frames = Closure::<dyn Fn(js_sys::Array, JsValue) -> Result<JsValue, JsValue>>::new(
        |frames: js_sys::Array, options| crate::bench::run_frames(&frames, options),
    );
    for (name, f) in [
        ("stats", stats.as_ref()),
        ("batches", batches.as_ref()),
        ("runFrames", run_frames.as_ref()),
    ] {
        let _ = js_sys::Reflect::set(&api, &name.into(), f.unchecked_ref());
    }
    let _ = js_sys::Reflect::set(&window, &"sparklet".into(), &api);
    Some(JsApi {
        api,
        _stats: stats,
        _batches: batches,
        _run_frames: run_frames,
    })
}
