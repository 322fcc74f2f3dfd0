//! The sink, page side: each batch's output goes to the server that served
//! the page (`sparklet serve --sink DIR`, announced in the page's config),
//! which stores it as Spark's saveAsTextFiles does, one file per batch
//! named by the batch's time (cli/src/sink.rs).
//!
//! One POST per batch, its body (JSON lines, one per output record) built
//! once; sent in order, one at a time, in the background, so a slow sink
//! never holds up a batch. A POST that fails for a reason that may pass
//! (the server down, a full disk) is tried again with backoff; one the
//! server refuses is not. The batches waiting are bounded (a count and
//! bytes): when the sink falls that far behind, the oldest waiting is
//! dropped and counted, as the pending buffer drops frames. Every outcome
//! is counted, shown, and marked on its batch.
//!
//! Exactly once: the server stores a batch once (a second post of it is
//! "already written"), and the runtime takes a checkpoint only when every
//! batch before it is settled here, so a run restored from a checkpoint
//! replays, and posts again, every batch that might not be stored.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use gloo_timers::callback::Timeout;
use serde::{Deserialize, Serialize};
use sparklet_engine::Value;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::bus::{ListenerBus, ListenerEvent};

/// The largest body the server takes (its `MAX_SINK_BODY`): a larger
/// output is not sent, and counted as failed.
pub const MAX_SINK_BODY: usize = 64 << 20;

/// Batches waiting to be sent, at most, besides the one being sent...
pub const QUEUE_BATCHES: usize = 100;
/// ... and their bodies' bytes, at most.
pub const QUEUE_BYTES: usize = 64 << 20;

/// The waits before each retry of a POST that may succeed later: five
/// tries over about 4 s, then the batch is failed and the next one goes.
const RETRY_MS: [u32; 4] = [250, 500, 1000, 2000];

/// How long one POST may take, answer included.
const POST_TIMEOUT_MS: u32 = 30_000;

/// The most of a server's message kept, in characters.
const MESSAGE_CHARS: usize = 500;

/// What became of a batch's output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stored {
    /// Waiting or being sent.
    Queued,
    /// Stored in its file by this post.
    Written,
    /// Its file was there already (a replayed batch): left as it was.
    AlreadyWritten,
    /// Not stored: refused, or failing after every retry.
    Failed,
    /// Not sent: the sink was too far behind.
    Dropped,
}

impl Stored {
    /// How the page says it.
    pub fn label(self) -> &'static str {
        match self {
            Stored::Queued => "queued",
            Stored::Written => "written",
            Stored::AlreadyWritten => "already written",
            Stored::Failed => "failed",
            Stored::Dropped => "dropped",
        }
    }
}

/// The sink's figures, as `stats().sink` gives them and the page shows.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SinkFigures {
    /// The files' stem (`sink_name=`).
    pub name: String,
    /// Batches stored by this page.
    pub written: u64,
    /// Batches whose file was there already (replayed after a reload).
    pub skipped: u64,
    /// Batches not stored: refused, or failing after every retry.
    pub failed: u64,
    /// Batches not sent because too many were waiting.
    pub dropped: u64,
    /// POSTs tried again.
    pub retries: u64,
    /// Batches waiting or being sent.
    pub queued: usize,
    /// The last reason a batch was not stored.
    pub last_error: Option<String>,
    /// Whether the last batch settled was not stored.
    pub failing: bool,
}

/// One batch's output, on its way.
struct Batch {
    number: u64,
    time_ms: u64,
    name: String,
    body: Vec<u8>,
}

struct Inner {
    /// Where to post, e.g. `/sink`.
    endpoint: String,
    queue: VecDeque<Batch>,
    queued_bytes: usize,
    /// A batch is being sent (taken off the queue until it settles).
    sending: bool,
    figures: SinkFigures,
    /// Where each batch's fate is told.
    bus: ListenerBus,
    /// Called when every batch handed over has settled.
    on_settled: Option<Rc<dyn Fn()>>,
}

/// The page's sink: hand it each batch's output.
#[derive(Clone)]
pub struct Sink {
    inner: Rc<RefCell<Inner>>,
}

impl Sink {
    /// A sink posting to `endpoint` (a path on this page's server), telling
    /// `bus` what became of each batch.
    pub fn new(endpoint: &str, name: &str, bus: ListenerBus) -> Sink {
        Sink {
            inner: Rc::new(RefCell::new(Inner {
                endpoint: endpoint.trim_end_matches('/').to_string(),
                queue: VecDeque::new(),
                queued_bytes: 0,
                sending: false,
                figures: SinkFigures {
                    name: name.to_string(),
                    ..SinkFigures::default()
                },
                bus,
                on_settled: None,
            })),
        }
    }

    /// Calls `f` whenever the last batch handed over has settled.
    pub fn on_settled(&self, f: Rc<dyn Fn()>) {
        self.inner.borrow_mut().on_settled = Some(f);
    }

    /// Whether every batch handed over is stored, found stored, or given
    /// up: a checkpoint taken now loses no output.
    pub fn settled(&self) -> bool {
        let inner = self.inner.borrow();
        inner.queue.is_empty() && !inner.sending
    }

    pub fn figures(&self) -> SinkFigures {
        self.inner.borrow().figures.clone()
    }

    /// Hands over batch `number`'s output, `time_ms` its time (ms since
    /// the epoch), to be stored as `name`; returns what became of it so
    /// far (queued, or failed when it is too large to send).
    pub fn send(&self, number: u64, time_ms: u64, name: &str, output: &[Value]) -> Stored {
        let body = jsonl(output);
        let mut inner = self.inner.borrow_mut();
        inner.figures.name = name.to_string();
        if body.len() > MAX_SINK_BODY {
            let why = format!(
                "its output is {:.1} MiB, over the {} MiB a batch file may have",
                body.len() as f64 / (1 << 20) as f64,
                MAX_SINK_BODY >> 20
            );
            inner.fail(time_ms, &why);
            inner.figures.failed += 1;
            return Stored::Failed;
        }
        while !inner.queue.is_empty()
            && (inner.queue.len() >= QUEUE_BATCHES || inner.queued_bytes + body.len() > QUEUE_BYTES)
        {
            let oldest = inner.queue.pop_front().expect("the queue is not empty");
            inner.queued_bytes -= oldest.body.len();
            inner.figures.dropped += 1;
            inner.fail(
                oldest.time_ms,
                &format!(
                    "not sent: the sink fell behind by more than {QUEUE_BATCHES} batches or {} MiB",
                    QUEUE_BYTES >> 20
                ),
            );
            let event = ListenerEvent::SinkStored {
                number: oldest.number,
                time_ms: oldest.time_ms,
                stored: Stored::Dropped,
                figures: inner.figures.clone(),
            };
            inner.bus.post(event);
        }
        inner.queued_bytes += body.len();
        inner.queue.push_back(Batch {
            number,
            time_ms,
            name: name.to_string(),
            body,
        });
        inner.figures.queued = inner.queue.len() + inner.sending as usize;
        if !inner.sending {
            inner.sending = true;
            wasm_bindgen_futures::spawn_local(drain(self.inner.clone()));
        }
        Stored::Queued
    }
}

impl Inner {
    fn fail(&mut self, time_ms: u64, why: &str) {
        self.figures.failing = true;
        self.figures.last_error = Some(format!("batch {time_ms}: {why}"));
    }
}

/// A batch's output as the sink's file holds it: one JSON record a line,
/// each as the page's JS API gives it (pairs as `[k, v]`).
pub fn jsonl(output: &[Value]) -> Vec<u8> {
    let mut body = Vec::new();
    for value in output {
        let start = body.len();
        if serde_json::to_writer(&mut body, value).is_err() {
            // Never for a Value (its object keys are strings); a line
            // stays one record if it happens.
            body.truncate(start);
            body.extend_from_slice(b"null");
        }
        body.push(b'\n');
    }
    body
}

/// Sends the queued batches one after another until none is left.
async fn drain(inner: Rc<RefCell<Inner>>) {
    loop {
        let (batch, url) = {
            let mut i = inner.borrow_mut();
            let Some(batch) = i.queue.pop_front() else {
                i.sending = false;
                i.figures.queued = 0;
                break;
            };
            i.queued_bytes -= batch.body.len();
            let url = format!("{}/{}/{}", i.endpoint, batch.name, batch.time_ms);
            (batch, url)
        };
        let outcome = post_with_retries(&inner, &url, &batch.body).await;
        settle(&inner, &batch, outcome);
    }
    let settled = inner.borrow().on_settled.clone();
    if let Some(settled) = settled {
        settled();
    }
}

/// Counts a batch's outcome, marks it on its batch and shows it.
fn settle(inner: &Rc<RefCell<Inner>>, batch: &Batch, outcome: Result<Stored, String>) {
    let bus = {
        let mut i = inner.borrow_mut();
        let stored = match outcome {
            Ok(stored) => {
                i.figures.failing = false;
                stored
            }
            Err(why) => {
                i.fail(batch.time_ms, &why);
                Stored::Failed
            }
        };
        match stored {
            Stored::Written => i.figures.written += 1,
            Stored::AlreadyWritten => i.figures.skipped += 1,
            _ => i.figures.failed += 1,
        }
        i.figures.queued = i.queue.len();
        i.bus.post(ListenerEvent::SinkStored {
            number: batch.number,
            time_ms: batch.time_ms,
            stored,
            figures: i.figures.clone(),
        });
        i.bus.clone()
    };
    bus.flush();
}

/// What one POST got.
enum Answer {
    Stored(Stored),
    /// The server refused the batch: trying again would not change that.
    Refused(String),
    /// Something that may pass: no answer, a 5xx, a full disk.
    Trouble(String),
}

async fn post_with_retries(
    inner: &Rc<RefCell<Inner>>,
    url: &str,
    body: &[u8],
) -> Result<Stored, String> {
    let mut waits = RETRY_MS.iter();
    loop {
        match post(url, body).await {
            Answer::Stored(stored) => return Ok(stored),
            Answer::Refused(why) => return Err(why),
            Answer::Trouble(why) => match waits.next() {
                Some(&wait) => {
                    inner.borrow_mut().figures.retries += 1;
                    gloo_timers::future::TimeoutFuture::new(wait).await;
                }
                None => return Err(format!("{why} (tried {} times)", RETRY_MS.len() + 1)),
            },
        }
    }
}

async fn post(url: &str, body: &[u8]) -> Answer {
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(&js_sys::Uint8Array::from(body));
    // Aborted if the server takes too long, so one hung request cannot
    // stop the sink for good; dropped (disarmed) once answered.
    let controller = web_sys::AbortController::new().ok();
    if let Some(c) = &controller {
        init.set_signal(Some(&c.signal()));
    }
    let _deadline = controller.map(|c| Timeout::new(POST_TIMEOUT_MS, move || c.abort()));
    let Some(fetching) = crate::global::fetch(url, &init) else {
        return Answer::Refused("this thread cannot fetch".into());
    };
    let response = match JsFuture::from(fetching).await {
        Ok(r) => r.unchecked_into::<web_sys::Response>(),
        Err(e) => {
            return Answer::Trouble(format!(
                "could not reach the sink at {url}: {}",
                js_error(&e)
            ))
        }
    };
    let status = response.status();
    let text = match response.text() {
        Ok(promise) => JsFuture::from(promise)
            .await
            .ok()
            .and_then(|t| t.as_string()),
        Err(_) => None,
    };
    let message = shorten(text.as_deref().unwrap_or("").trim());
    match status {
        201 => Answer::Stored(Stored::Written),
        200 => Answer::Stored(Stored::AlreadyWritten),
        400..=407 | 409..=428 | 430..=499 => Answer::Refused(format!("HTTP {status}: {message}")),
        _ => Answer::Trouble(format!("HTTP {status}: {message}")),
    }
}

/// A JS exception as a sentence: `TypeError: Failed to fetch`.
fn js_error(e: &wasm_bindgen::JsValue) -> String {
    if let Some(err) = e.dyn_ref::<js_sys::Error>() {
        if err.name() == "AbortError" {
            return format!("no answer within {} s", POST_TIMEOUT_MS / 1000);
        }
        return format!(
            "{}: {}",
            String::from(err.name()),
            String::from(err.message())
        );
    }
    e.as_string().unwrap_or_else(|| format!("{e:?}"))
}

fn shorten(text: &str) -> String {
    match text.char_indices().nth(MESSAGE_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}
