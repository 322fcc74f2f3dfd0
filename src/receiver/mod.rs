//! The receiver: one connection to the feed, as Spark's receivers feed its
//! BlockGenerator. A feed is a WebSocket (`ws://`, `wss://`) or an HTTP
//! response that streams (`http://`, `https://`: Server-Sent Events or a
//! record per line); either way the runtime hears the same [`Event`]s and
//! does not care which. Data crosses into wasm a frame or a chunk at a
//! time, never a record at a time, and is handed on as frames of whole
//! records, stamped with their arrival time; splitting into records
//! happens in the engine.
//!
//! A feed is somebody else's server. Nothing it sends is held beyond the
//! pending buffer's size: a larger frame or record is refused unread and
//! its records counted, so resume offsets stay exact.

mod http;
mod text_frames;
mod websocket;

use std::rc::Rc;

use sparklet_engine::control::FeedControl;
use sparklet_engine::hello::FeedHello;
use sparklet_engine::notice::FeedNotice;

pub use text_frames::TextFrames;

/// What the receiver reports, with the `performance.now()` it happened at.
#[derive(Debug)]
pub enum Event<'a> {
    Open,
    /// The feed's first message announced what it can do.
    Hello(FeedHello),
    /// A message about the stream, not in it: records skipped, the
    /// source's state.
    Notice(FeedNotice),
    Text(&'a str),
    /// Records as bytes, read as UTF-8: a record that is not is malformed.
    Binary(&'a [u8]),
    /// A frame (or a record) larger than the pending buffer, refused
    /// unread: its size and how many records it held.
    Refused {
        bytes: usize,
        records: u64,
    },
    /// The connection is over; the reason says how, in words.
    Closed(Close),
    /// The browser reported a socket error; a `Closed` always follows.
    Error,
}

/// How a connection ended, as the runtime acts on it.
#[derive(Clone, Debug, PartialEq)]
pub enum Close {
    /// The feed's normal end (WebSocket code 1000, a complete NDJSON
    /// response, HTTP 204): not retried.
    Ended(String),
    /// Dropped or unreachable: retried with backoff, resuming if it can.
    Dropped(String),
    /// The feed answered, but not with a feed (a wrong content type, a
    /// 404): retrying would get the same answer.
    Unusable(String),
}

pub type Handler = Rc<dyn Fn(Event, f64)>;

/// Why a feed's connection could not be opened at all (an unreachable
/// feed fails later, as events).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ConnectError {
    #[error("this page has no performance clock")]
    NoClock,
    #[error("cannot open `{url}`: {why}")]
    Refused { url: String, why: String },
}

/// An open (or opening) connection; dropping it closes it.
pub enum Receiver {
    WebSocket(websocket::WebSocketReceiver),
    Http(http::HttpReceiver),
}

impl Receiver {
    /// Opens `url`, by its scheme: `http:` and `https:` are read with
    /// `fetch`, anything else is given to the browser as a WebSocket
    /// (which refuses what it cannot open). Events go to `handler`;
    /// frames and records over `max_frame_bytes` are refused unread.
    pub fn connect(
        url: &str,
        handler: Handler,
        max_frame_bytes: usize,
    ) -> Result<Receiver, ConnectError> {
        let scheme = web_sys::Url::new(url)
            .map(|u| u.protocol())
            .unwrap_or_default();
        if scheme == "http:" || scheme == "https:" {
            http::HttpReceiver::connect(url, handler, max_frame_bytes).map(Receiver::Http)
        } else {
            websocket::WebSocketReceiver::connect(url, handler, max_frame_bytes)
                .map(Receiver::WebSocket)
        }
    }

    /// Asks for at most `rate` records/s (the feed protocol's backpressure):
    /// a WebSocket feed is sent `{"rate": N}`; an HTTP body is read no
    /// faster, and TCP's flow control slows the server. Whether it took.
    pub fn set_rate(&self, rate: u64) -> bool {
        match self {
            Receiver::WebSocket(ws) => ws.send(&FeedControl::rate(rate).to_text()),
            Receiver::Http(http) => http.set_rate(rate),
        }
    }

    /// Grants the feed credit: the page has let go of the connection's
    /// first `ack` records and can hold `window` more (the feed protocol's
    /// `{"ack": K, "window": W}`). An HTTP body needs none: it is read only
    /// as fast as the page asks.
    pub fn grant(&self, ack: u64, window: u64) {
        if let Receiver::WebSocket(ws) = self {
            ws.send(&FeedControl::credit(ack, window).to_text());
        }
    }
}

/// A JavaScript error's message, for a person.
fn js_message(error: &wasm_bindgen::JsValue) -> Option<String> {
    use wasm_bindgen::JsCast;
    error.as_string().or_else(|| {
        error
            .dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.message()))
    })
}
