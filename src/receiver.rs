//! The receiver: one WebSocket to the feed, as Spark's receivers feed its
//! BlockGenerator. Every frame crosses into wasm once, into a reused
//! buffer (text by the browser's own `TextEncoder.encodeInto`, binary by
//! one copy), and is handed on whole, stamped with its arrival time;
//! splitting into records happens in the engine.
//!
//! A feed is somebody else's server. A frame larger than the pending
//! buffer is refused before it is copied in: its records are counted a
//! megabyte at a time, so resume offsets stay exact. Buffers a large frame
//! needed are released after it. A first message that is the feed's hello
//! ([`FeedHello`]) is reported as such, not as a record, and so is a
//! notice ([`FeedNotice`]) at any point.

use std::rc::Rc;

use js_sys::{ArrayBuffer, JsString, Uint8Array};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{BinaryType, CloseEvent, MessageEvent, WebSocket};

use crate::clock::PerformanceClock;
use sparklet_engine::frame::RecordCounter;
use sparklet_engine::hello::FeedHello;
use sparklet_engine::notice::FeedNotice;
use sparklet_engine::Clock;

/// What the receiver reports, with the `performance.now()` it happened at.
#[derive(Debug)]
pub enum Event<'a> {
    Open,
    /// The feed's first message announced what it can do.
    Hello(FeedHello),
    /// A frame about the stream, not in it: records skipped, the source's
    /// state.
    Notice(FeedNotice),
    Text(&'a str),
    Binary(&'a [u8]),
    /// A frame larger than the pending buffer, refused unread: its size
    /// and how many records it held.
    Refused {
        bytes: usize,
        records: u64,
    },
    /// The socket closed; `code` 1000 is the feed's normal end.
    Closed {
        code: u16,
        reason: String,
    },
    /// The browser reported a socket error; a `Closed` always follows.
    Error,
}

pub type Handler = Rc<dyn Fn(Event, f64)>;

type Callback<T> = Closure<dyn FnMut(T)>;

/// An open (or opening) connection; dropping it closes the socket.
pub struct Receiver {
    socket: WebSocket,
    _on_open: Callback<JsValue>,
    _on_message: Callback<MessageEvent>,
    _on_close: Callback<CloseEvent>,
    _on_error: Callback<JsValue>,
}

/// Why a feed's socket could not be opened at all (an unreachable feed
/// fails later, as events).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ConnectError {
    #[error("this page has no performance clock")]
    NoClock,
    #[error("cannot open `{url}`: {why}")]
    Refused { url: String, why: String },
}

impl Receiver {
    /// Opens `url`; events go to `handler`; frames over `max_frame_bytes`
    /// are refused unread. Fails only when the browser refuses the URL
    /// itself (an unreachable feed fails later, as events).
    pub fn connect(
        url: &str,
        handler: Handler,
        max_frame_bytes: usize,
    ) -> Result<Receiver, ConnectError> {
        let clock = Rc::new(PerformanceClock::new().ok_or(ConnectError::NoClock)?);
        let socket = WebSocket::new(url).map_err(|e| {
            let why = e.as_string().or_else(|| {
                e.dyn_ref::<js_sys::Error>()
                    .map(|e| String::from(e.message()))
            });
            ConnectError::Refused {
                url: url.into(),
                why: why.unwrap_or_else(|| "the browser refused it".into()),
            }
        })?;
        socket.set_binary_type(BinaryType::Arraybuffer);

        let (h, c) = (handler.clone(), clock.clone());
        let on_open = Closure::<dyn FnMut(JsValue)>::new(move |_| h(Event::Open, c.now_ms()));

        let (h, c) = (handler.clone(), clock.clone());
        let mut texts = TextFrames::new();
        let mut bytes = Vec::<u8>::new();
        let mut first = true;
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
            let at = c.now_ms();
            let data = ev.data();
            let is_first = std::mem::take(&mut first);
            if let Some(text) = data.dyn_ref::<JsString>() {
                // In UTF-8 a UTF-16 unit takes one to three bytes: a frame
                // that may be over the limit is measured before it is read.
                if text.length() as usize > max_frame_bytes / 3 {
                    let (bytes, records) = count_text(text);
                    if bytes > max_frame_bytes {
                        return h(Event::Refused { bytes, records }, at);
                    }
                }
                let read = texts.read(text);
                match is_first.then(|| FeedHello::parse(read)).flatten() {
                    Some(hello) => h(Event::Hello(hello), at),
                    None => match FeedNotice::parse(read) {
                        Some(notice) => h(Event::Notice(notice), at),
                        None => h(Event::Text(read), at),
                    },
                }
                texts.release();
            } else if let Some(buf) = data.dyn_ref::<ArrayBuffer>() {
                let view = Uint8Array::new(buf);
                let n = view.length() as usize;
                if n > max_frame_bytes {
                    let records = count_binary(&view);
                    return h(Event::Refused { bytes: n, records }, at);
                }
                // Grown as needed, not zeroed again for the next frame.
                if bytes.len() < n {
                    bytes.resize(n, 0);
                }
                view.copy_to(&mut bytes[..n]);
                h(Event::Binary(&bytes[..n]), at);
                if bytes.len() > KEEP_BYTES {
                    bytes = Vec::new();
                }
            }
        });

        let (h, c) = (handler.clone(), clock.clone());
        let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |ev: CloseEvent| {
            h(
                Event::Closed {
                    code: ev.code(),
                    reason: ev.reason(),
                },
                c.now_ms(),
            )
        });

        let (h, c) = (handler, clock);
        let on_error = Closure::<dyn FnMut(JsValue)>::new(move |_| h(Event::Error, c.now_ms()));

        socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        socket.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(Receiver {
            socket,
            _on_open: on_open,
            _on_message: on_message,
            _on_close: on_close,
            _on_error: on_error,
        })
    }

    /// Sends a control message to the feed (the feed protocol's `{"rate": N}`).
    pub fn send(&self, text: &str) -> bool {
        self.socket.ready_state() == WebSocket::OPEN && self.socket.send_with_str(text).is_ok()
    }
}

impl Drop for Receiver {
    /// Detaches the handlers before the closures are freed, so a late event
    /// from the closing socket never calls into freed memory.
    fn drop(&mut self) {
        self.socket.set_onopen(None);
        self.socket.set_onmessage(None);
        self.socket.set_onclose(None);
        self.socket.set_onerror(None);
        let _ = self.socket.close();
    }
}

#[wasm_bindgen]
extern "C" {
    /// The browser's `TextEncoder`, bound here because web-sys's
    /// `encodeInto` takes a Rust `&str`: the JS string would first be
    /// copied into wasm the slow way, a character at a time.
    type TextEncoder;
    #[wasm_bindgen(constructor)]
    fn new() -> TextEncoder;
    #[wasm_bindgen(method, js_name = encodeInto)]
    fn encode_into(this: &TextEncoder, source: &JsString, into: &Uint8Array) -> EncodeResult;
    type EncodeResult;
    #[wasm_bindgen(method, getter)]
    fn read(this: &EncodeResult) -> u32;
    #[wasm_bindgen(method, getter)]
    fn written(this: &EncodeResult) -> u32;
}

/// Frames above this many UTF-16 units take the plain path: the buffer
/// needs three bytes per unit in the worst case, and should stay small.
const ENCODE_INTO_MAX_UNITS: usize = 4 << 20;

/// Receive buffers above this are released after their frame, so one
/// large frame does not hold its memory for the rest of the run.
const KEEP_BYTES: usize = 16 << 20;

/// How much of a refused frame is looked at at once, to count its records.
const COUNT_PIECE: u32 = 1 << 20;

/// The UTF-8 size and record count of a text frame too large to take, a
/// piece at a time (a character split between pieces may count as
/// U+FFFD, which changes neither count of newlines).
fn count_text(text: &JsString) -> (usize, u64) {
    let encoder = TextEncoder::new();
    let mut buffer = vec![0u8; COUNT_PIECE as usize * 3];
    let memory = wasm_bindgen::memory().unchecked_into::<js_sys::WebAssembly::Memory>();
    let mut counter = RecordCounter::default();
    let (units, mut bytes) = (text.length(), 0);
    let mut start = 0;
    while start < units {
        let end = (start + COUNT_PIECE).min(units);
        let piece = text.slice(start, end);
        let view = Uint8Array::new_with_byte_offset_and_length(
            &memory.buffer(),
            buffer.as_ptr() as u32,
            buffer.len() as u32,
        );
        let n = encoder.encode_into(&piece, &view).written() as usize;
        counter.feed(&buffer[..n]);
        bytes += n;
        start = end;
    }
    buffer.clear();
    (bytes, counter.finish() as u64)
}

/// The record count of a binary frame too large to take, a piece at a time.
fn count_binary(view: &Uint8Array) -> u64 {
    let mut buffer = vec![0u8; COUNT_PIECE as usize];
    let mut counter = RecordCounter::default();
    let mut start = 0;
    while start < view.length() {
        let end = (start + COUNT_PIECE).min(view.length());
        let n = (end - start) as usize;
        view.subarray(start, end).copy_to(&mut buffer[..n]);
        counter.feed(&buffer[..n]);
        start = end;
    }
    counter.finish() as u64
}

/// Text frames into wasm as UTF-8: by `encodeInto` into a reused buffer,
/// or, for a frame too large for that, the plain copy.
pub struct TextFrames {
    encoder: TextEncoder,
    buffer: Vec<u8>,
    large: String,
}

impl Default for TextFrames {
    fn default() -> Self {
        TextFrames::new()
    }
}

impl TextFrames {
    pub fn new() -> TextFrames {
        TextFrames {
            encoder: TextEncoder::new(),
            buffer: Vec::new(),
            large: String::new(),
        }
    }

    /// Lets go of what a large frame needed (see [`KEEP_BYTES`]).
    pub fn release(&mut self) {
        if self.buffer.len() > KEEP_BYTES {
            self.buffer = Vec::new();
        }
        self.large = String::new();
    }

    /// The frame's text, valid until the next frame.
    pub fn read(&mut self, text: &JsString) -> &str {
        match utf8_len(&self.encoder, text, &mut self.buffer) {
            // Checked by `utf8_len`.
            Some(n) => std::str::from_utf8(&self.buffer[..n]).unwrap_or_default(),
            None => {
                self.large = String::from(text);
                &self.large
            }
        }
    }
}

/// Writes `text` as UTF-8 into `buffer` by one native call straight into
/// wasm memory; its length in bytes, checked to be UTF-8, or `None` for a
/// frame too large for that.
fn utf8_len(encoder: &TextEncoder, text: &JsString, buffer: &mut Vec<u8>) -> Option<usize> {
    let units = text.length() as usize;
    if units > ENCODE_INTO_MAX_UNITS {
        return None;
    }
    // At most three bytes per UTF-16 unit; grown once, then reused.
    if buffer.len() < units * 3 {
        buffer.resize(units * 3, 0);
    }
    // A view of wasm memory, made after any growth above.
    let memory = wasm_bindgen::memory().unchecked_into::<js_sys::WebAssembly::Memory>();
    let view = Uint8Array::new_with_byte_offset_and_length(
        &memory.buffer(),
        buffer.as_ptr() as u32,
        buffer.len() as u32,
    );
    let done = encoder.encode_into(text, &view);
    if done.read() as usize != units {
        return None;
    }
    // encodeInto writes valid UTF-8 (a lone surrogate becomes U+FFFD).
    let n = done.written() as usize;
    std::str::from_utf8(&buffer[..n]).ok().map(|_| n)
}

/// How a close code reads to a person.
pub fn describe_close(code: u16, reason: &str, ever_opened: bool) -> String {
    let reason = if reason.is_empty() {
        String::new()
    } else {
        format!(": {reason}")
    };
    match code {
        1000 => format!("the feed ended normally (code 1000{reason})"),
        1006 if !ever_opened => {
            "could not connect: nothing answered at that address, or it is not a WebSocket feed (code 1006)".into()
        }
        1006 => "the connection was lost without a close frame (code 1006)".into(),
        1001 => format!("the feed went away (code 1001{reason})"),
        1009 => format!("a frame was too big for the feed's peer (code 1009{reason})"),
        c => format!("closed with code {c}{reason}"),
    }
}
