//! The page's stream: one receiver, one pending buffer, one streaming
//! context and the batch timer, wired together. Everything per record
//! happens inside the engine; this file runs once per frame (append) and
//! once per batch (cut, run, publish).

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use gloo_timers::callback::Timeout;
use sparklet_engine::pending::DEFAULT_PENDING_LIMIT;
use sparklet_engine::{Clock, Malformed, PendingBuffer, PipelineError, PipelineRunner};

use crate::clock::PerformanceClock;
use crate::history::History;
use crate::receiver::{describe_close, Event, Receiver};
use crate::scheduler::{wake_at, BatchClock};
use crate::settings::{check_feed_url, Settings};

/// The connection as the header shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConnState {
    Connecting,
    Live,
    /// The feed closed normally (code 1000), e.g. after its `limit`.
    Ended(String),
    /// The feed closed abnormally or never answered.
    Closed(String),
}

impl ConnState {
    pub fn label(&self) -> &'static str {
        match self {
            ConnState::Connecting => "connecting",
            ConnState::Live => "live",
            ConnState::Ended(_) => "ended",
            ConnState::Closed(_) => "closed",
        }
    }
}

pub type Shared = Rc<RefCell<Runtime>>;

/// Called after every batch and every connection change.
pub type Publish = Rc<dyn Fn(&Runtime)>;

pub struct Runtime {
    pub settings: Settings,
    pub ctx: PipelineRunner,
    pub pending: PendingBuffer,
    /// Frames that were not valid UTF-8; the engine keeps its own log.
    pub frame_malformed: Malformed,
    pub history: History,
    pub conn: ConnState,
    ever_opened: bool,
    pub batches: BatchClock,
    /// `Date.now()` when the stream started, for "since 10:04:11".
    pub started_wall_ms: f64,
    pub clock: PerformanceClock,
    receiver: Option<Receiver>,
    timer: Option<Timeout>,
    publish: Publish,
}

impl Runtime {
    /// Validates `settings`, connects to the feed and starts cutting batches.
    pub fn start(settings: Settings, publish: Publish) -> Result<Shared, PipelineError> {
        let ctx = PipelineRunner::new(&settings.pipeline, settings.batch)?;
        let clock = PerformanceClock::new()
            .ok_or_else(|| PipelineError::whole("this page has no performance clock"))?;
        let now = clock.now_ms();
        let rt = Rc::new(RefCell::new(Runtime {
            batches: BatchClock {
                start_ms: now,
                interval_ms: settings.batch.as_millis(),
            },
            settings,
            ctx,
            pending: PendingBuffer::new(DEFAULT_PENDING_LIMIT),
            frame_malformed: Malformed::default(),
            history: History::default(),
            conn: ConnState::Connecting,
            ever_opened: false,
            started_wall_ms: js_sys::Date::now(),
            clock,
            receiver: None,
            timer: None,
            publish,
        }));
        connect(&rt);
        schedule(&rt);
        Ok(rt)
    }

    /// Records received and not yet in a batch.
    pub fn pending_records(&self) -> usize {
        self.pending.len()
    }

    /// Every malformed record: bad frames and bad records in the pipeline.
    pub fn malformed_count(&self) -> u64 {
        self.frame_malformed.count() + self.ctx.malformed().count()
    }

    fn on_event(&mut self, event: Event, at: f64) {
        match event {
            Event::Text(text) => self.pending.push_text(text, at),
            Event::Binary(bytes) => self
                .pending
                .push_binary(bytes, at, &mut self.frame_malformed),
            Event::Open => {
                self.ever_opened = true;
                self.conn = ConnState::Live;
                (self.publish.clone())(self);
            }
            Event::Closed { code, reason } => {
                let text = describe_close(code, &reason, self.ever_opened);
                self.conn = if code == 1000 {
                    ConnState::Ended(text)
                } else {
                    ConnState::Closed(text)
                };
                (self.publish.clone())(self);
            }
            Event::Error => {}
        }
    }

    /// Runs every batch whose time has come, oldest first.
    fn run_due_batches(&mut self) {
        loop {
            let k = self.ctx.completed_batches() + 1;
            let due = self.batches.due_ms(k);
            if due > self.clock.now_ms() {
                return;
            }
            let records = self.pending.take_until(due);
            let report = self.ctx.run_batch(records, due, &self.clock);
            self.history.push(report);
        }
    }
}

/// Applies new settings. A new pipeline or batch interval restarts the
/// engine on the same connection; a new feed URL also reconnects.
pub fn apply(rt: &Shared, settings: Settings) -> Result<(), PipelineError> {
    let ctx = PipelineRunner::new(&settings.pipeline, settings.batch)?;
    let reconnect = {
        let mut r = rt.borrow_mut();
        let reconnect = r.settings.feed != settings.feed;
        r.ctx = ctx;
        r.history = History::default();
        r.batches = BatchClock {
            start_ms: r.clock.now_ms(),
            interval_ms: settings.batch.as_millis(),
        };
        r.started_wall_ms = js_sys::Date::now();
        r.settings = settings;
        r.timer = None;
        reconnect
    };
    if reconnect {
        connect(rt);
    }
    schedule(rt);
    let r = rt.borrow();
    (r.publish.clone())(&r);
    Ok(())
}

fn connect(rt: &Shared) {
    let weak: Weak<RefCell<Runtime>> = Rc::downgrade(rt);
    let mut r = rt.borrow_mut();
    r.receiver = None;
    r.pending = PendingBuffer::new(DEFAULT_PENDING_LIMIT);
    r.ever_opened = false;
    if let Err(e) = check_feed_url(&r.settings.feed) {
        r.conn = ConnState::Closed(e);
        return;
    }
    r.conn = ConnState::Connecting;
    let handler = Rc::new(move |event: Event, at: f64| {
        if let Some(rt) = weak.upgrade() {
            rt.borrow_mut().on_event(event, at);
        }
    });
    match Receiver::connect(&r.settings.feed.clone(), handler) {
        Ok(receiver) => r.receiver = Some(receiver),
        Err(e) => r.conn = ConnState::Closed(e),
    }
}

/// Arms the timer for the next due batch.
fn schedule(rt: &Shared) {
    let weak = Rc::downgrade(rt);
    let mut r = rt.borrow_mut();
    let due = r.batches.due_ms(r.ctx.completed_batches() + 1);
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
        r.run_due_batches();
        (r.publish.clone())(&r);
    }
    schedule(rt);
}
