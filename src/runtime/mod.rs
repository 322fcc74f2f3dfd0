//! The page's stream: one receiver, one pending buffer, one pipeline runner
//! and the batch timer, wired together. Everything per record happens in
//! the engine; this file runs once per frame (append) and once per batch
//! (cut, run, record), and asks for a redraw at most once per batch.

mod flow;
mod recovery;

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use gloo_timers::callback::Timeout;
use sparklet_engine::latency::{event_time, LatencySummary};
use sparklet_engine::pending::Block;
use sparklet_engine::{Clock, Malformed, PendingBuffer, PipelineError, PipelineRunner, Records};

use sparklet_engine::rate::PidRateEstimator;

use crate::bus::{ListenerBus, ListenerEvent};
use crate::checkpoint::{LoadError, Saved};
use crate::clock::PerformanceClock;
use crate::connection::Gap;
use crate::listener::{BatchRecord, LatencyFrom, Status};
use crate::receiver::{Close, Event, Receiver};
use crate::resume::ResumeCheck;
use crate::scheduler::{wake_at, zero_time, BatchClock};
use crate::settings::{check_feed_url, Settings};
use crate::sink::Sink;

/// The connection as the header shows it.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum ConnState {
    Connecting,
    Live,
    /// The feed closed normally (code 1000), e.g. after its `limit`.
    Ended(String),
    /// Dropped; the next attempt is at `retry_at_wall_ms` (`Date.now()`).
    Reconnecting {
        reason: String,
        retry_at_wall_ms: f64,
    },
    /// The feed URL cannot be used, or what answered there is not a feed;
    /// nothing will be retried.
    Closed(String),
}

impl ConnState {
    pub fn label(&self) -> &'static str {
        match self {
            ConnState::Connecting => "connecting",
            ConnState::Live => "live",
            ConnState::Ended(_) => "ended",
            ConnState::Reconnecting { .. } => "reconnecting",
            ConnState::Closed(_) => "closed",
        }
    }

    pub fn reason(&self) -> Option<&str> {
        match self {
            ConnState::Ended(r)
            | ConnState::Closed(r)
            | ConnState::Reconnecting { reason: r, .. } => Some(r),
            _ => None,
        }
    }
}

pub type Shared = Rc<RefCell<Runtime>>;

/// How many records of a batch are scanned for their event time.
const EVENT_TIME_SAMPLE: usize = 256;

pub struct Runtime {
    pub settings: Settings,
    pub runner: PipelineRunner,
    pub pending: PendingBuffer,
    /// Frames that were not valid UTF-8; the pipeline keeps its own log.
    pub frame_malformed: Malformed,
    /// Where what happens is told (the page's views, an embedder).
    pub bus: ListenerBus,
    pub conn: ConnState,
    pub batches: BatchClock,
    pub clock: PerformanceClock,
    receiver: Option<Receiver>,
    timer: Option<Timeout>,
    /// This runtime, for the timers it arms from inside its own events.
    this: Weak<RefCell<Runtime>>,
    /// Failed attempts since the last good connection.
    attempt: u32,
    retry: Option<Timeout>,
    /// Connections re-established after a drop.
    pub reconnects: u64,
    /// `Date.now()` of the last drop, until a connection is back.
    dropped_at_wall_ms: Option<f64>,
    pub gaps: Vec<Gap>,
    pub gap_count: u64,
    estimator: PidRateEstimator,
    /// The last rate the feed was asked for.
    pub rate_limit: Option<u64>,
    /// An emergency slow-down was sent and the buffer has not drained yet.
    braked: bool,
    /// Record lines received before this connection opened: its acks
    /// count from here.
    conn_base: u64,
    /// The feed record a restored run resumes at.
    start_offset: Option<u64>,
    /// Whether each connection resumed where it was asked (the feed's
    /// hello), and what that means for gaps and a restored run.
    pub resume: ResumeCheck,
    /// Why a saved checkpoint was not used, shown in the page.
    pub restore_refused: Option<String>,
    /// Batches restored from a checkpoint, if this run began with one.
    pub restored_batches: Option<u64>,
    /// Checkpoints saved by this run.
    pub checkpoints: u64,
    /// A periodic checkpoint came due while the sink had batches in hand;
    /// it is taken when they settle.
    checkpoint_owed: bool,
    /// Where each batch's output goes, when the server has a sink.
    pub sink: Option<Sink>,
    /// What the feed last said about its source (a notice's `status`).
    pub source_status: Option<String>,
    /// `performance.now()` when this runtime started.
    pub started_ms: f64,
    /// Time spent taking frames in and running batches, ms: the stream's
    /// thread's busy time, less the browser's own work for it.
    pub busy_ms: f64,
}

impl Runtime {
    /// Validates `settings`, connects to the feed and starts cutting batches.
    /// `sink` is the server's sink path (its page's `<meta>`), if any.
    pub fn start(
        settings: Settings,
        bus: ListenerBus,
        sink: Option<String>,
        restore: Option<Result<Saved, LoadError>>,
    ) -> Result<Shared, PipelineError> {
        let mut runner = PipelineRunner::new(&settings.pipeline, settings.batch)?;
        runner.set_max_keys(settings.max_keys);
        let clock = PerformanceClock::new()
            .ok_or_else(|| PipelineError::whole("this page has no performance clock"))?;
        let now = clock.now_ms();
        let buffer_bytes = settings.buffer_bytes();
        let wall = js_sys::Date::now();
        bus.run_started(wall, zero_time(wall, settings.batch.as_millis()));
        let sink = sink.map(|path| Sink::new(&path, &settings.sink_name, bus.clone()));
        let rt = Rc::new(RefCell::new(Runtime {
            batches: BatchClock {
                start_ms: now,
                interval_ms: settings.batch.as_millis(),
            },
            settings,
            runner,
            pending: PendingBuffer::new(buffer_bytes),
            frame_malformed: Malformed::default(),
            bus,
            conn: ConnState::Connecting,
            clock,
            receiver: None,
            timer: None,
            this: Weak::new(),
            attempt: 0,
            retry: None,
            reconnects: 0,
            dropped_at_wall_ms: None,
            gaps: Vec::new(),
            gap_count: 0,
            estimator: PidRateEstimator::new(1000),
            rate_limit: None,
            braked: false,
            conn_base: 0,
            start_offset: None,
            resume: ResumeCheck::default(),
            restore_refused: None,
            restored_batches: None,
            checkpoints: 0,
            checkpoint_owed: false,
            sink,
            source_status: None,
            started_ms: now,
            busy_ms: 0.0,
        }));
        {
            let mut r = rt.borrow_mut();
            r.this = Rc::downgrade(&rt);
            if let Some(sink) = &r.sink {
                let this = Rc::downgrade(&rt);
                sink.on_settled(Rc::new(move || {
                    let Some(rt) = this.upgrade() else { return };
                    // Settling never happens inside the runtime's own
                    // work, but a borrowed runtime waits for the next one.
                    if let Ok(mut r) = rt.try_borrow_mut() {
                        r.take_owed_checkpoint();
                    };
                }));
            }
            r.estimator = PidRateEstimator::new(r.settings.batch.as_millis());
            match restore {
                Some(Ok(saved)) => r.restore(saved),
                Some(Err(why)) => r.refuse_restore(why),
                None => {}
            }
        }
        connect(&rt);
        schedule(&rt);
        rt.borrow().announce();
        Ok(rt)
    }

    /// Records received and not yet in a batch.
    pub fn pending_records(&self) -> usize {
        self.pending.len()
    }

    /// Every malformed record: bad frames and bad records in the pipeline.
    pub fn malformed_count(&self) -> u64 {
        self.frame_malformed.count() + self.runner.malformed().count()
    }

    /// Copies the receiver's status into the listener and asks for a redraw.
    fn announce(&self) {
        let counters = self.pending.counters();
        let samples = self
            .frame_malformed
            .samples()
            .chain(self.runner.malformed().samples());
        let status = Status {
            settings: Some(self.settings.clone()),
            conn: Some(self.conn.clone()),
            received: counters.records,
            bytes: counters.bytes,
            dropped: counters.dropped,
            pending: self.pending.len(),
            malformed: self.malformed_count(),
            malformed_samples: samples.cloned().collect(),
            reconnects: self.reconnects,
            gaps: self.gaps.clone(),
            gap_count: self.gap_count,
            rate_limit: self.rate_limit,
            evicted: self.runner.evicted(),
            sink: self.sink.as_ref().map(Sink::figures),
            source_status: self.source_status.clone(),
            notice: self
                .restore_refused
                .as_ref()
                .map(|why| format!("Started fresh: the saved checkpoint was not used ({why}).")),
            frames: counters.frames,
            lines: counters.lines,
            resume: self.resumes(),
            feed_resumes: self.resume.feed_resumes,
            restore_refused: self.restore_refused.clone(),
            restored_batches: self.restored_batches,
            checkpoints: self.checkpoints,
            state_bytes: self.runner.state_bytes(),
            wasm_memory_bytes: crate::global::wasm_memory_bytes(),
            started_ms: self.started_ms,
            worker: crate::global::in_worker(),
            busy_ms: self.busy_ms,
        };
        self.bus.post(ListenerEvent::Status(Box::new(status)));
        self.bus.flush();
    }

    fn on_event(&mut self, event: Event, at: f64) {
        if !matches!(event, Event::Open | Event::Closed { .. } | Event::Error)
            && self.resume.first()
        {
            let hello = match &event {
                Event::Hello(h) => Some(*h),
                _ => None,
            };
            self.first_message(hello);
        }
        match event {
            Event::Text(text) => {
                self.pending.push_text(text, at, &mut self.frame_malformed);
                self.brake_if_filling();
            }
            Event::Binary(bytes) => {
                self.pending
                    .push_binary(bytes, at, &mut self.frame_malformed);
                self.brake_if_filling();
            }
            Event::Refused { bytes, records } => self.pending.refuse_frame(bytes, records),
            Event::Notice(notice) => {
                if notice.skipped > 0 {
                    self.pending.skip_records(notice.skipped);
                    let reason = notice
                        .reason
                        .unwrap_or_else(|| "skipped by the feed".into());
                    self.frame_malformed
                        .record_many(notice.skipped, "", || reason);
                }
                if let Some(status) = notice.status {
                    self.source_status = Some(status);
                }
                self.announce();
            }
            Event::Hello(_) => self.announce(),
            Event::Open => {
                let dropped = self.dropped_at_wall_ms.take();
                self.reconnects += dropped.is_some() as u64;
                self.resume.opened(dropped);
                self.attempt = 0;
                self.conn = ConnState::Live;
                self.conn_base = self.pending.counters().lines;
                self.grant_credit();
                self.announce();
            }
            Event::Closed(close) => {
                if let Some(from) = self.resume.closed() {
                    // Reopened and closed again without a word: still down.
                    self.dropped_at_wall_ms = Some(from);
                }
                match close {
                    Close::Ended(text) => self.conn = ConnState::Ended(text),
                    Close::Dropped(text) => self.retry_later(text),
                    Close::Unusable(text) => self.conn = ConnState::Closed(text),
                }
                self.announce();
            }
            Event::Error => {}
        }
    }

    /// Runs every batch whose time has come, oldest first.
    fn run_due_batches(&mut self) {
        loop {
            let k = self.runner.completed_batches() + 1;
            let due = self.batches.due_ms(k);
            if due > self.clock.now_ms() {
                return;
            }
            let Block { records, frames } = self.pending.take_until(due);
            let input_sample: Vec<String> = records
                .iter()
                .take(crate::listener::INPUT_SAMPLE)
                .map(str::to_string)
                .collect();
            let event_times = sample_event_times(&records, &self.settings.event_time);
            let mut report = self.runner.run_batch(records, due, &self.clock);
            if let Some(output) = report.output.as_mut() {
                crate::ranking::rank_output(self.runner.pipeline(), output);
            }
            let batch_time = self.bus.totals().batch_time_ms(&report.info);
            let stored = match (&self.sink, report.output.as_deref()) {
                (Some(sink), Some(output)) => Some(sink.send(
                    report.info.batch,
                    batch_time,
                    &self.settings.sink_name,
                    output,
                )),
                _ => None,
            };
            let done_perf = self.clock.now_ms();
            self.control_rate(done_perf, &report.info);
            self.grant_credit();
            let done_wall = js_sys::Date::now();
            let latency = match event_times {
                Some(mut samples) => {
                    samples.iter_mut().for_each(|s| s.0 = done_wall - s.0);
                    LatencySummary::of(&mut samples)
                        .map(|l| (LatencyFrom::EventTime(self.settings.event_time.clone()), l))
                }
                None => {
                    let mut samples: Vec<(f64, u64)> = frames
                        .iter()
                        .map(|f| (done_perf - f.at_ms, f.records))
                        .collect();
                    LatencySummary::of(&mut samples).map(|l| (LatencyFrom::Arrival, l))
                }
            };
            let mut record = BatchRecord::new(
                report.info,
                self.settings.batch.as_millis(),
                input_sample.iter().map(String::as_str),
                report.output.as_deref(),
                latency,
                report.stages,
            );
            record.sink = stored;
            record.event = report.event;
            self.bus.batch_completed(record, report.output);
            let every = self.settings.checkpoint_batches();
            if every > 0 && self.runner.completed_batches().is_multiple_of(every) {
                self.save_checkpoint(false);
            }
        }
    }
}

/// Event times of an even sample of `records` (each standing for its share
/// of the batch), or `None` when the records do not carry `field`.
fn sample_event_times(records: &Records, field: &str) -> Option<Vec<(f64, u64)>> {
    let n = records.len();
    if n == 0 || field.is_empty() {
        return None;
    }
    let step = n.div_ceil(EVENT_TIME_SAMPLE);
    let weight = step as u64;
    let samples: Vec<(f64, u64)> = (0..n)
        .step_by(step)
        .filter_map(|i| {
            records
                .get(i)
                .and_then(|line| event_time(line, field))
                .map(|t| (t, weight))
        })
        .collect();
    (!samples.is_empty()).then_some(samples)
}

/// Applies new settings. A new pipeline or batch interval restarts the
/// engine on the same connection; a new feed URL also reconnects.
pub fn apply(rt: &Shared, settings: Settings) -> Result<(), PipelineError> {
    let mut runner = PipelineRunner::new(&settings.pipeline, settings.batch)?;
    runner.set_max_keys(settings.max_keys);
    let reconnect = {
        let mut r = rt.borrow_mut();
        let reconnect = r.settings.feed != settings.feed;
        r.start_offset = None;
        r.restored_batches = None;
        r.restore_refused = None;
        if reconnect {
            r.source_status = None;
            r.pending = PendingBuffer::new(settings.buffer_bytes());
            r.frame_malformed = Malformed::default();
            r.attempt = 0;
            r.dropped_at_wall_ms = None;
            r.resume = ResumeCheck::default();
        }
        r.estimator = PidRateEstimator::new(settings.batch.as_millis());
        r.runner = runner;
        r.checkpoint_owed = false;
        let wall = js_sys::Date::now();
        r.bus
            .run_started(wall, zero_time(wall, settings.batch.as_millis()));
        r.batches = BatchClock {
            start_ms: r.clock.now_ms(),
            interval_ms: settings.batch.as_millis(),
        };
        r.settings = settings;
        r.timer = None;
        reconnect
    };
    if reconnect {
        connect(rt);
    }
    schedule(rt);
    rt.borrow().announce();
    Ok(())
}

/// Opens a connection to the feed (a first one, or a retry: received
/// records stay pending either way).
fn connect(rt: &Shared) {
    let weak: Weak<RefCell<Runtime>> = Rc::downgrade(rt);
    let mut r = rt.borrow_mut();
    r.receiver = None;
    r.retry = None;
    if let Err(e) = check_feed_url(&r.settings.feed) {
        r.conn = ConnState::Closed(e.to_string());
        return;
    }
    r.conn = ConnState::Connecting;
    let handler = Rc::new(move |event: Event, at: f64| {
        if let Some(rt) = weak.upgrade() {
            let mut r = rt.borrow_mut();
            r.on_event(event, at);
            r.busy_ms += r.clock.now_ms() - at;
        }
    });
    let (url, asked_from) = r.connect_url();
    r.resume.connecting(asked_from);
    let max_frame = r.pending.limit_bytes();
    match Receiver::connect(&url, handler, max_frame) {
        Ok(receiver) => r.receiver = Some(receiver),
        Err(e) => r.conn = ConnState::Closed(e.to_string()),
    }
}

/// Arms the timer for the next due batch.
fn schedule(rt: &Shared) {
    let weak = Rc::downgrade(rt);
    let mut r = rt.borrow_mut();
    let due = r.batches.due_ms(r.runner.completed_batches() + 1);
    let now = r.clock.now_ms();
    r.timer = Some(wake_at(due, now, move || {
        if let Some(rt) = weak.upgrade() {
            tick(&rt);
        }
    }));
}

fn tick(rt: &Shared) {
    {
        let mut r = rt.borrow_mut();
        let start = r.clock.now_ms();
        r.run_due_batches();
        r.busy_ms += r.clock.now_ms() - start;
        r.announce();
    }
    schedule(rt);
}
