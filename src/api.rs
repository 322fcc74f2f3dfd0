//! `window.sparklet`: the page's JS API (docs/DESIGN.md), for scripts, tests and
//! benchmarks. `stats()` returns a plain object built once per call.

use serde::Serialize;
use sparklet_engine::dstream::StageFigures;
use sparklet_engine::{BatchInfo, EventFigures, MalformedSample, Value};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use crate::listener::{BatchRecord, LatencyFrom, Listener};
use crate::runtime::{Runtime, Shared};
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
    /// When the stream started, ms after the page began to load.
    pub started_ms: f64,
    /// Bytes of wasm linear memory (the engine's and the page's data).
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
    pub fn of(rt: &'a Runtime) -> Stats<'a> {
        let counters = rt.pending.counters();
        let listener = rt.listener.borrow();
        let latest = listener.latest_output();
        let event = listener.last().and_then(|b| b.event.as_ref());
        Stats {
            records: counters.records,
            batches: listener.total_batches(),
            bytes: counters.bytes,
            frames: counters.frames,
            malformed: rt.malformed_count(),
            dropped: counters.dropped,
            reconnects: rt.reconnects,
            gaps: rt.gap_count,
            resume: rt.resumes(),
            feed_resumes: rt.resume.feed_resumes,
            restore_refused: rt.restore_refused.as_deref(),
            state_bytes: rt.runner.state_bytes(),
            rate_limit: rt.rate_limit,
            lines: counters.lines,
            restored_batches: rt.restored_batches,
            checkpoints: rt.checkpoints,
            evicted: rt.runner.evicted(),
            max_keys: rt.settings.max_keys,
            connected: rt.conn == crate::runtime::ConnState::Live,
            state: rt.conn.label(),
            state_reason: rt.conn.reason(),
            source_status: rt.source_status.as_deref(),
            pending: rt.pending_records(),
            feed: &rt.settings.feed,
            pipeline: rt.settings.pipeline.as_str(),
            batch_ms: rt.settings.batch.as_millis(),
            last_batch: listener.last().map(|b| b.info.clone()),
            stages: listener
                .last()
                .map(|b| b.stages.clone())
                .unwrap_or_default(),
            output: latest.map(|(_, out)| out.clone()),
            output_time_ms: latest.map(|(t, _)| *t),
            malformed_samples: rt
                .frame_malformed
                .samples()
                .chain(rt.runner.malformed().samples())
                .collect(),
            started_ms: rt.started_ms,
            wasm_memory_bytes: wasm_memory_bytes(),
            zero_ms: listener.zero_ms,
            sink: rt.sink.as_ref().map(|s| s.figures()),
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

fn wasm_memory_bytes() -> f64 {
    use wasm_bindgen::JsCast;
    wasm_bindgen::memory()
        .dyn_into::<js_sys::WebAssembly::Memory>()
        .map(|m| {
            m.buffer()
                .unchecked_into::<js_sys::ArrayBuffer>()
                .byte_length() as f64
        })
        .unwrap_or(0.0)
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

/// Installs `window.sparklet` for the runtime held in `slot`; the slot is
/// read at each call, so the API follows a restarted stream. The API stays
/// as long as the returned [`JsApi`].
pub fn install(slot: std::rc::Rc<std::cell::RefCell<Option<Shared>>>) -> Option<JsApi> {
    let window = web_sys::window()?;
    let api = js_sys::Object::new();
    let stats_slot = slot.clone();
    let stats = Closure::<dyn Fn() -> JsValue>::new(move || match stats_slot.borrow().as_ref() {
        Some(rt) => Stats::of(&rt.borrow()).to_js(),
        None => JsValue::NULL,
    });
    // `batches()`: Spark's BatchInfo of every batch kept (the last 1,000),
    // with each batch's latency.
    let batches = Closure::<dyn Fn() -> JsValue>::new(move || match slot.borrow().as_ref() {
        Some(rt) => {
            let rt = rt.borrow();
            let listener = rt.listener.borrow();
            let rows: Vec<BatchRow> = listener
                .batches()
                .iter()
                .map(|b| BatchRow::of(b, &listener))
                .collect();
            rows.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
                .unwrap_or(JsValue::NULL)
        }
        None => JsValue::NULL,
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
