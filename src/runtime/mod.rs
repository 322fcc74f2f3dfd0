//! The stream: its parts (src/runtime/parts.rs: the connection, the rate
//! controller, the input, the jobs, recovery) wired together, in the
//! page's worker. Everything per record happens in the engine; this file
//! runs once per frame (append) and once per batch (cut, run, report), and
//! tells its listeners once per batch.

mod flow;
mod parts;
mod recovery;

pub use parts::{Input, Jobs, RateControl, Recovery, Supervisor};

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use sparklet_engine::latency::{event_time, LatencySummary};
use sparklet_engine::pending::Block;
use sparklet_engine::{Clock, PipelineError, PipelineRunner, Records};

use sparklet_engine::rate::PidRateEstimator;

use crate::bus::{ListenerBus, ListenerEvent};
use crate::checkpoint::{LoadError, Saved};
use crate::clock::PerformanceClock;
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

/// The stream: its parts, wired. Everything per record happens in the
/// engine; this runs once per frame and once per batch.
pub struct Runtime {
    pub settings: Settings,
    /// The connection to the feed.
    pub supervisor: Supervisor,
    /// Backpressure.
    pub rate: RateControl,
    /// Records received, waiting for their batch.
    pub input: Input,
    /// The batch clock and the engine.
    pub jobs: Jobs,
    /// Checkpoints restored and saved.
    pub recovery: Recovery,
    /// Where what happens is told (the page's views, an embedder).
    pub bus: ListenerBus,
    /// Where each batch's output goes, when the server has a sink.
    pub sink: Option<Sink>,
    /// The stream's time base (`performance.now()` of its thread).
    pub clock: PerformanceClock,
    /// This runtime, for the timers it arms from inside its own events.
    this: Weak<RefCell<Runtime>>,
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
            jobs: Jobs {
                runner,
                batches: BatchClock {
                    start_ms: now,
                    interval_ms: settings.batch.as_millis(),
                },
                timer: None,
            },
            supervisor: Supervisor::default(),
            rate: RateControl::new(settings.batch.as_millis()),
            input: Input::new(buffer_bytes),
            recovery: Recovery::default(),
            settings,
            bus,
            sink,
            clock,
            this: Weak::new(),
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
        self.input.pending.len()
    }

    /// Every malformed record: bad frames and bad records in the pipeline.
    pub fn malformed_count(&self) -> u64 {
        self.input.malformed_count(&self.jobs.runner)
    }

    /// Tells the listeners the stream's status, with whatever else was
    /// posted since the last time, in one delivery.
    fn announce(&self) {
        let counters = self.input.pending.counters();
        let samples = self
            .input
            .frame_malformed
            .samples()
            .chain(self.jobs.runner.malformed().samples());
        let status =
            Status {
                settings: Some(self.settings.clone()),
                conn: Some(self.supervisor.conn.clone()),
                received: counters.records,
                bytes: counters.bytes,
                dropped: counters.dropped,
                pending: self.input.pending.len(),
                malformed: self.malformed_count(),
                malformed_samples: samples.cloned().collect(),
                reconnects: self.supervisor.reconnects,
                gaps: self.supervisor.gaps.clone(),
                gap_count: self.supervisor.gap_count,
                rate_limit: self.rate.rate_limit,
                evicted: self.jobs.runner.evicted(),
                sink: self.sink.as_ref().map(Sink::figures),
                source_status: self.supervisor.source_status.clone(),
                notice: self.recovery.restore_refused.as_ref().map(|why| {
                    format!("Started fresh: the saved checkpoint was not used ({why}).")
                }),
                frames: counters.frames,
                lines: counters.lines,
                resume: self.resumes(),
                feed_resumes: self.supervisor.resume.feed_resumes,
                restore_refused: self.recovery.restore_refused.clone(),
                restored_batches: self.recovery.restored_batches,
                checkpoints: self.recovery.checkpoints,
                state_bytes: self.jobs.runner.state_bytes(),
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
            && self.supervisor.resume.first()
        {
            let hello = match &event {
                Event::Hello(h) => Some(*h),
                _ => None,
            };
            self.first_message(hello);
        }
        match event {
            Event::Text(text) => {
                self.input
                    .pending
                    .push_text(text, at, &mut self.input.frame_malformed);
                self.brake_if_filling();
            }
            Event::Binary(bytes) => {
                self.input
                    .pending
                    .push_binary(bytes, at, &mut self.input.frame_malformed);
                self.brake_if_filling();
            }
            Event::Refused { bytes, records } => self.input.pending.refuse_frame(bytes, records),
            Event::Notice(notice) => {
                if notice.skipped > 0 {
                    self.input.pending.skip_records(notice.skipped);
                    let reason = notice
                        .reason
                        .unwrap_or_else(|| "skipped by the feed".into());
                    self.input
                        .frame_malformed
                        .record_many(notice.skipped, "", || reason);
                }
                if let Some(status) = notice.status {
                    self.supervisor.source_status = Some(status);
                }
                self.announce();
            }
            Event::Hello(_) => self.announce(),
            Event::Open => {
                let dropped = self.supervisor.dropped_at_wall_ms.take();
                self.supervisor.reconnects += dropped.is_some() as u64;
                self.supervisor.resume.opened(dropped);
                self.supervisor.attempt = 0;
                self.supervisor.conn = ConnState::Live;
                self.supervisor.conn_base = self.input.pending.counters().lines;
                self.grant_credit();
                self.announce();
            }
            Event::Closed(close) => {
                if let Some(from) = self.supervisor.resume.closed() {
                    // Reopened and closed again without a word: still down.
                    self.supervisor.dropped_at_wall_ms = Some(from);
                }
                match close {
                    Close::Ended(text) => self.supervisor.conn = ConnState::Ended(text),
                    Close::Dropped(text) => self.retry_later(text),
                    Close::Unusable(text) => self.supervisor.conn = ConnState::Closed(text),
                }
                self.announce();
            }
            Event::Error => {}
        }
    }

    /// Runs every batch whose time has come, oldest first.
    fn run_due_batches(&mut self) {
        loop {
            let k = self.jobs.runner.completed_batches() + 1;
            let due = self.jobs.batches.due_ms(k);
            if due > self.clock.now_ms() {
                return;
            }
            let Block { records, frames } = self.input.pending.take_until(due);
            let input_sample: Vec<String> = records
                .iter()
                .take(crate::listener::INPUT_SAMPLE)
                .map(str::to_string)
                .collect();
            let event_times = sample_event_times(&records, &self.settings.event_time);
            let mut report = self.jobs.runner.run_batch(records, due, &self.clock);
            if let Some(output) = report.output.as_mut() {
                crate::ranking::rank_output(self.jobs.runner.pipeline(), output);
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
            if every > 0 && self.jobs.runner.completed_batches().is_multiple_of(every) {
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
        // A new run: nothing restored; the checkpoints saved stay counted.
        r.recovery = Recovery {
            checkpoints: r.recovery.checkpoints,
            ..Recovery::default()
        };
        if reconnect {
            r.supervisor.source_status = None;
            r.input = Input::new(settings.buffer_bytes());
            r.supervisor.attempt = 0;
            r.supervisor.dropped_at_wall_ms = None;
            r.supervisor.resume = ResumeCheck::default();
        }
        r.rate.estimator = PidRateEstimator::new(settings.batch.as_millis());
        r.jobs.runner = runner;
        let wall = js_sys::Date::now();
        r.bus
            .run_started(wall, zero_time(wall, settings.batch.as_millis()));
        r.jobs.batches = BatchClock {
            start_ms: r.clock.now_ms(),
            interval_ms: settings.batch.as_millis(),
        };
        r.settings = settings;
        r.jobs.timer = None;
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
    r.supervisor.receiver = None;
    r.supervisor.retry = None;
    if let Err(e) = check_feed_url(&r.settings.feed) {
        r.supervisor.conn = ConnState::Closed(e.to_string());
        return;
    }
    r.supervisor.conn = ConnState::Connecting;
    let handler = Rc::new(move |event: Event, at: f64| {
        if let Some(rt) = weak.upgrade() {
            let mut r = rt.borrow_mut();
            r.on_event(event, at);
            r.busy_ms += r.clock.now_ms() - at;
        }
    });
    let (url, asked_from) = r.connect_url();
    r.supervisor.resume.connecting(asked_from);
    let max_frame = r.input.pending.limit_bytes();
    match Receiver::connect(&url, handler, max_frame) {
        Ok(receiver) => r.supervisor.receiver = Some(receiver),
        Err(e) => r.supervisor.conn = ConnState::Closed(e.to_string()),
    }
}

/// Arms the timer for the next due batch.
fn schedule(rt: &Shared) {
    let weak = Rc::downgrade(rt);
    let mut r = rt.borrow_mut();
    let due = r.jobs.batches.due_ms(r.jobs.runner.completed_batches() + 1);
    let now = r.clock.now_ms();
    r.jobs.timer = Some(wake_at(due, now, move || {
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
