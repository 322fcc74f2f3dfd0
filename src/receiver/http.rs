//! The HTTP receiver: an `http://` or `https://` feed read with `fetch`,
//! its body a `ReadableStream` read a chunk at a time. The response's
//! content type says what the body is: `text/event-stream` is Server-Sent
//! Events, the data of each event a record; NDJSON, JSON lines and plain
//! text are a record per line (both parsed by `sparklet_engine::
//! http_body`). A chunk crosses into wasm by one copy, into the decoder's
//! own buffer, and its whole records go on as a binary frame, so what is
//! not UTF-8 is malformed, as on a WebSocket.
//!
//! A response has no way back to the server, so backpressure is reading
//! slower ([`ReadPace`]); TCP's flow control passes it on. A complete
//! response is a line feed's normal end; an event stream that ends is
//! reconnected, as EventSource does, and HTTP 204 ends either.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gloo_timers::future::TimeoutFuture;
use js_sys::{Promise, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::{
    AbortController, Headers, ReadableStreamDefaultReader, ReadableStreamReadResult, RequestCache,
    RequestInit, Response,
};

use super::{js_message, Close, ConnectError, Event, Handler};
use crate::clock::PerformanceClock;
use sparklet_engine::http_body::{BodyDecoder, LineBody, Piece, ReadPace, SseBody};
use sparklet_engine::Clock;

/// Content types read as a record per line: NDJSON's and JSON lines'
/// names in use, plain text and CSV.
pub const LINE_TYPES: [&str; 8] = [
    "application/x-ndjson",
    "application/ndjson",
    "application/jsonl",
    "application/x-jsonl",
    "application/jsonlines",
    "application/x-jsonlines",
    "text/plain",
    "text/csv",
];

pub const EVENT_STREAM: &str = "text/event-stream";

/// What the page asks for. Every value is CORS-safelisted, so a feed on
/// another origin is asked with one plain GET, no preflight.
const ACCEPT: &str = "text/event-stream, application/x-ndjson, application/jsonl, text/plain;q=0.5";

/// How an HTTP feed went wrong or ended, as the page says it.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum HttpFeedError {
    #[error("could not connect: nothing answered at that address, or the feed does not let this page read it (a feed on another origin must send Access-Control-Allow-Origin) ({0})")]
    Unreachable(String),
    #[error("the feed answered HTTP {status}{text}")]
    Status { status: u16, text: String },
    #[error("the feed answered HTTP 204 No Content: it has nothing more to send")]
    NoContent,
    #[error("the feed's response has no content type: an HTTP feed is `text/event-stream` (Server-Sent Events) or a record per line (`application/x-ndjson`, `application/jsonl`, `text/plain`)")]
    NoContentType,
    #[error("the feed answered with content type `{0}`, which is not a feed: an HTTP feed is `text/event-stream` (Server-Sent Events) or a record per line (`application/x-ndjson`, `application/jsonl`, `text/plain`)")]
    ContentType(String),
    #[error("the connection was lost mid-response ({0})")]
    Lost(String),
    #[error("the event stream ended; reconnecting, as EventSource does (a feed says it is over with HTTP 204)")]
    EventsEnded,
    #[error("the feed ended normally: its response is complete")]
    Complete,
}

/// What a response's body is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Server-Sent Events.
    Events,
    /// A record per line.
    Lines,
}

impl Format {
    /// The format a `Content-Type` header names (parameters such as
    /// `charset` aside: bytes are read as UTF-8 whatever it says).
    pub fn of(content_type: Option<&str>) -> Result<Format, HttpFeedError> {
        let header = content_type.ok_or(HttpFeedError::NoContentType)?;
        let media = header.split(';').next().unwrap_or_default().trim();
        let media = media.to_ascii_lowercase();
        if media == EVENT_STREAM {
            Ok(Format::Events)
        } else if LINE_TYPES.contains(&media.as_str()) {
            Ok(Format::Lines)
        } else {
            Err(HttpFeedError::ContentType(shown(header)))
        }
    }

    fn decoder(self, limit: usize) -> Box<dyn BodyDecoder> {
        match self {
            Format::Events => Box::new(SseBody::new(limit)),
            Format::Lines => Box::new(LineBody::new(limit)),
        }
    }

    /// A body that ended normally.
    fn ended(self) -> Close {
        match self {
            Format::Events => Close::Dropped(HttpFeedError::EventsEnded.to_string()),
            Format::Lines => Close::Ended(HttpFeedError::Complete.to_string()),
        }
    }
}

/// A header value as a message quotes it: at most 80 characters.
fn shown(value: &str) -> String {
    match value.char_indices().nth(80) {
        Some((cut, _)) => format!("{}…", &value[..cut]),
        None => value.to_string(),
    }
}

/// Statuses worth asking again: a timeout, too many requests, and the
/// server's own trouble. Any other refusal would be the same next time.
fn retryable(status: u16) -> bool {
    matches!(status, 408 | 425 | 429 | 500..=599)
}

/// An open (or opening) request; dropping it cancels it.
pub struct HttpReceiver {
    abort: AbortController,
    live: Rc<Cell<bool>>,
    pace: Rc<RefCell<ReadPace>>,
    clock: Rc<PerformanceClock>,
}

impl HttpReceiver {
    /// Requests `url`; events go to `handler`; records over
    /// `max_frame_bytes` are refused unread. Fails only when the browser
    /// cannot even start a request.
    pub fn connect(
        url: &str,
        handler: Handler,
        max_frame_bytes: usize,
    ) -> Result<HttpReceiver, ConnectError> {
        let clock = Rc::new(PerformanceClock::new().ok_or(ConnectError::NoClock)?);
        let refused = |e: JsValue| ConnectError::Refused {
            url: url.into(),
            why: js_message(&e).unwrap_or_else(|| "the browser refused it".into()),
        };
        let abort = AbortController::new().map_err(refused)?;
        let headers = Headers::new().map_err(refused)?;
        headers.set("Accept", ACCEPT).map_err(refused)?;
        let init = RequestInit::new();
        init.set_signal(Some(&abort.signal()));
        init.set_cache(RequestCache::NoStore);
        init.set_headers_headers(&headers);
        let response = crate::global::fetch(url, &init)
            .ok_or_else(|| refused("this thread cannot fetch".into()))?;
        let reading = Reading {
            handler,
            live: Rc::new(Cell::new(true)),
            pace: Rc::new(RefCell::new(ReadPace::default())),
            clock,
            limit: max_frame_bytes,
        };
        let receiver = HttpReceiver {
            abort,
            live: reading.live.clone(),
            pace: reading.pace.clone(),
            clock: reading.clock.clone(),
        };
        spawn_local(reading.run(response));
        Ok(receiver)
    }

    /// Reads at most `rate` records/s from now on.
    pub fn set_rate(&self, rate: u64) -> bool {
        self.pace.borrow_mut().set_rate(rate, self.clock.now_ms());
        true
    }
}

impl Drop for HttpReceiver {
    /// Silences the reading task first, so nothing it was doing reaches
    /// the runtime, then cancels the request.
    fn drop(&mut self) {
        self.live.set(false);
        self.abort.abort();
    }
}

/// The task that reads one response.
struct Reading {
    handler: Handler,
    /// The receiver still exists: events are wanted.
    live: Rc<Cell<bool>>,
    pace: Rc<RefCell<ReadPace>>,
    clock: Rc<PerformanceClock>,
    limit: usize,
}

impl Reading {
    async fn run(self, response: Promise) {
        let close = self.read(response).await;
        self.tell(Event::Closed(close), self.clock.now_ms());
    }

    /// An event for the runtime, unless the receiver is gone.
    fn tell(&self, event: Event, at: f64) {
        if self.live.get() {
            (self.handler)(event, at);
        }
    }

    async fn read(&self, response: Promise) -> Close {
        let response: Response = match JsFuture::from(response).await {
            Ok(r) => r.unchecked_into(),
            Err(e) => return Close::Dropped(HttpFeedError::Unreachable(why(&e)).to_string()),
        };
        let status = response.status();
        if status == 204 {
            return Close::Ended(HttpFeedError::NoContent.to_string());
        }
        if !response.ok() {
            let text = response.status_text();
            let text = if text.is_empty() {
                text
            } else {
                format!(" {text}")
            };
            let error = HttpFeedError::Status { status, text }.to_string();
            return if retryable(status) {
                Close::Dropped(error)
            } else {
                Close::Unusable(error)
            };
        }
        let content_type = response.headers().get("content-type").ok().flatten();
        let format = match Format::of(content_type.as_deref()) {
            Ok(format) => format,
            Err(e) => return Close::Unusable(e.to_string()),
        };
        let reader = match response
            .body()
            .map(|b| ReadableStreamDefaultReader::new(&b))
        {
            Some(Ok(reader)) => reader,
            _ => return Close::Dropped(HttpFeedError::Lost("no body".into()).to_string()),
        };
        self.tell(Event::Open, self.clock.now_ms());
        let mut decoder = format.decoder(self.limit);
        loop {
            self.paced().await;
            let read = JsFuture::from(reader.read()).await;
            if !self.live.get() {
                return Close::Dropped(String::new()); // Unheard.
            }
            let result: ReadableStreamReadResult = match read {
                Ok(r) => r.unchecked_into(),
                Err(e) => return Close::Dropped(HttpFeedError::Lost(why(&e)).to_string()),
            };
            let at = self.clock.now_ms();
            let mut records = 0;
            if result.get_done().unwrap_or(true) {
                decoder.finish(&mut |piece| self.hand_on(piece, at, &mut records));
                return format.ended();
            }
            let Ok(chunk) = result.get_value().dyn_into::<Uint8Array>() else {
                return Close::Dropped(HttpFeedError::Lost("not bytes".into()).to_string());
            };
            let n = chunk.length() as usize;
            chunk.copy_to(decoder.spare(n));
            decoder.filled(n, &mut |piece| self.hand_on(piece, at, &mut records));
            self.pace.borrow_mut().took(records, at);
        }
    }

    /// Waits while the pace says so (a little at a time, so a new rate
    /// or a dropped receiver is noticed).
    async fn paced(&self) {
        loop {
            let wait = self.pace.borrow_mut().wait_ms(self.clock.now_ms());
            if wait <= 0.0 || !self.live.get() {
                return;
            }
            TimeoutFuture::new(wait.min(250.0).ceil() as u32).await;
        }
    }

    /// One piece of the body to the runtime, counting its records.
    fn hand_on(&self, piece: Piece, at: f64, records: &mut usize) {
        let event = match piece {
            Piece::Records { frame, records: n } => {
                *records += n;
                Event::Binary(frame)
            }
            Piece::Hello(hello) => Event::Hello(hello),
            Piece::Notice(notice) => Event::Notice(notice),
            Piece::TooLong { bytes } => {
                *records += 1;
                Event::Refused { bytes, records: 1 }
            }
        };
        self.tell(event, at);
    }
}

/// Why a request or a read failed, as the browser says it.
fn why(error: &JsValue) -> String {
    js_message(error).unwrap_or_else(|| "no reason given".into())
}
