//! Spark's StreamingListenerBus for the page: the stream runs in a Web
//! Worker and its views on the main thread, so what the stream does
//! crosses as events, posted together once per batch (or per connection
//! change) and applied by the [`Listener`] on the other side. The stream
//! keeps the few totals it decides by ([`RunTotals`]) itself: nothing
//! reads the views' model back.

use std::cell::RefCell;
use std::rc::Rc;

use serde::{Deserialize, Serialize};
use sparklet_engine::{BatchInfo, Value};

use crate::listener::{BatchRecord, Listener, Status};
use crate::sink::{SinkFigures, Stored};

/// Output rows sent with a batch: as many as the default key limit, so a
/// keyed state under it crosses whole. A larger output crosses as its
/// first (its ranked) rows; the true count travels in `output_len`, and
/// the sink, in the worker, still stores every row.
pub const OUTPUT_POSTED: usize = 100_000;

/// What the stream tells its listeners.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ListenerEvent {
    /// A new run (a start, new settings, a checkpoint not used): what came
    /// before is forgotten.
    RunStarted { started_wall_ms: f64, zero_ms: u64 },
    /// The run continues a checkpoint's: its totals go on from these.
    RunRestored {
        batches: u64,
        records: u64,
        /// Late groups and rows so far, for an event-time pipeline.
        late: Option<(u64, u64)>,
        zero_ms: u64,
    },
    /// Spark's `onBatchCompleted`, with (the first rows of) the output.
    BatchCompleted {
        record: Box<BatchRecord>,
        output: Option<Vec<Value>>,
    },
    /// The sink settled a batch.
    SinkStored {
        number: u64,
        time_ms: u64,
        stored: Stored,
        figures: SinkFigures,
    },
    /// The receiver, the settings and the counters, as of now.
    Status(Box<Status>),
}

/// Where the events go: posted to the page from a worker, or applied to a
/// listener on the same thread (the tests, a page without workers).
pub type Deliver = Rc<dyn Fn(Vec<ListenerEvent>)>;

/// The run's totals, kept by the stream for its own decisions (the
/// checkpoint's head, batch times, backpressure's brake).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunTotals {
    /// The run's zero time, ms since the epoch: batch k's time is
    /// `zero_ms + k * interval`, kept across a restore.
    pub zero_ms: u64,
    pub batches: u64,
    pub records: u64,
    pub late: u64,
    pub late_rows: u64,
    /// Records per ms the last batch was processed at.
    pub last_rate: Option<f64>,
}

impl RunTotals {
    /// A batch's time, ms since the epoch.
    pub fn batch_time_ms(&self, info: &BatchInfo) -> u64 {
        self.zero_ms.saturating_add(info.time_ms)
    }
}

struct Inner {
    totals: RunTotals,
    queue: Vec<ListenerEvent>,
    deliver: Deliver,
}

/// The stream's side of the bus. Clones share it.
#[derive(Clone)]
pub struct ListenerBus {
    inner: Rc<RefCell<Inner>>,
}

impl ListenerBus {
    pub fn new(deliver: Deliver) -> ListenerBus {
        ListenerBus {
            inner: Rc::new(RefCell::new(Inner {
                totals: RunTotals::default(),
                queue: Vec::new(),
                deliver,
            })),
        }
    }

    /// A bus whose events go to `listener` on this thread.
    pub fn local(listener: Rc<RefCell<Listener>>) -> ListenerBus {
        ListenerBus::new(Rc::new(move |events| {
            let mut l = listener.borrow_mut();
            events.into_iter().for_each(|e| l.on_event(e));
        }))
    }

    pub fn totals(&self) -> RunTotals {
        self.inner.borrow().totals.clone()
    }

    pub fn run_started(&self, started_wall_ms: f64, zero_ms: u64) {
        self.inner.borrow_mut().totals = RunTotals {
            zero_ms,
            ..RunTotals::default()
        };
        self.post(ListenerEvent::RunStarted {
            started_wall_ms,
            zero_ms,
        });
    }

    pub fn run_restored(&self, batches: u64, records: u64, late: Option<(u64, u64)>, zero: u64) {
        {
            let t = &mut self.inner.borrow_mut().totals;
            t.batches = batches;
            t.records = records;
            (t.late, t.late_rows) = late.unwrap_or_default();
            t.zero_ms = zero;
        }
        self.post(ListenerEvent::RunRestored {
            batches,
            records,
            late,
            zero_ms: zero,
        });
    }

    pub fn batch_completed(&self, record: BatchRecord, mut output: Option<Vec<Value>>) {
        {
            let t = &mut self.inner.borrow_mut().totals;
            t.batches += 1;
            t.records += record.info.records;
            if let Some(e) = &record.event {
                t.late += e.late;
                t.late_rows += e.late_rows;
            }
            t.last_rate = Some(record.info.records as f64 / record.info.processing_ms.max(1.0));
        }
        if let Some(out) = output.as_mut() {
            out.truncate(OUTPUT_POSTED);
        }
        self.post(ListenerEvent::BatchCompleted {
            record: Box::new(record),
            output,
        });
    }

    /// Queues `event` for the next [`flush`](ListenerBus::flush).
    pub fn post(&self, event: ListenerEvent) {
        self.inner.borrow_mut().queue.push(event);
    }

    /// Delivers what was posted since the last flush, in one go.
    pub fn flush(&self) {
        let (events, deliver) = {
            let mut inner = self.inner.borrow_mut();
            if inner.queue.is_empty() {
                return;
            }
            (std::mem::take(&mut inner.queue), inner.deliver.clone())
        };
        deliver(events);
    }
}

impl Listener {
    /// Applies what the stream posted.
    pub fn on_event(&mut self, event: ListenerEvent) {
        match event {
            ListenerEvent::RunStarted {
                started_wall_ms,
                zero_ms,
            } => {
                *self = Listener::new(started_wall_ms);
                self.zero_ms = zero_ms;
            }
            ListenerEvent::RunRestored {
                batches,
                records,
                late,
                zero_ms,
            } => {
                self.continue_from(batches, records);
                if let Some((late, late_rows)) = late {
                    self.event_totals = Some(crate::listener::EventTotals {
                        late,
                        late_rows,
                        ..Default::default()
                    });
                }
                self.zero_ms = zero_ms;
            }
            ListenerEvent::BatchCompleted { record, output } => {
                self.on_batch_completed(*record, output)
            }
            ListenerEvent::SinkStored {
                number,
                time_ms,
                stored,
                figures,
            } => {
                self.set_sink(number, time_ms, stored);
                self.status.sink = Some(figures);
            }
            ListenerEvent::Status(status) => self.status = *status,
        }
    }
}
