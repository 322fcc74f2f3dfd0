//! The WebSocket receiver: every frame crosses into wasm once, into a
//! reused buffer (text by the browser's own `TextEncoder.encodeInto`,
//! binary by one copy), and is handed on whole. A frame larger than the
//! pending buffer is refused before it is copied in: its records are
//! counted a megabyte at a time, so resume offsets stay exact. Buffers a
//! large frame needed are released after it. A first message that is the feed's hello
//! ([`FeedHello`]) is reported as such, not as a record, and so is a
//! notice ([`FeedNotice`]) at any point.

use std::cell::Cell;
use std::rc::Rc;

use js_sys::{ArrayBuffer, JsString, Uint8Array};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{BinaryType, CloseEvent, MessageEvent, WebSocket};

use super::text_frames::{count_binary, count_text, TextFrames, KEEP_BYTES};
use super::{js_message, Close, ConnectError, Event, Handler};
use crate::clock::PerformanceClock;
use sparklet_engine::hello::FeedHello;
use sparklet_engine::notice::FeedNotice;
use sparklet_engine::Clock;

type Callback<T> = Closure<dyn FnMut(T)>;

/// An open (or opening) socket; dropping it closes it.
pub struct WebSocketReceiver {
    socket: WebSocket,
    _on_open: Callback<JsValue>,
    _on_message: Callback<MessageEvent>,
    _on_close: Callback<CloseEvent>,
    _on_error: Callback<JsValue>,
}

impl WebSocketReceiver {
    /// Opens `url`; events go to `handler`; frames over `max_frame_bytes`
    /// are refused unread. Fails only when the browser refuses the URL
    /// itself (an unreachable feed fails later, as events).
    pub fn connect(
        url: &str,
        handler: Handler,
        max_frame_bytes: usize,
    ) -> Result<WebSocketReceiver, ConnectError> {
        let clock = Rc::new(PerformanceClock::new().ok_or(ConnectError::NoClock)?);
        let socket = WebSocket::new(url).map_err(|e| ConnectError::Refused {
            url: url.into(),
            why: js_message(&e).unwrap_or_else(|| "the browser refused it".into()),
        })?;
        socket.set_binary_type(BinaryType::Arraybuffer);

        let opened = Rc::new(Cell::new(false));
        let (h, c, o) = (handler.clone(), clock.clone(), opened.clone());
        let on_open = Closure::<dyn FnMut(JsValue)>::new(move |_| {
            o.set(true);
            h(Event::Open, c.now_ms())
        });

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
            let close = close_of(ev.code(), &ev.reason(), opened.get());
            h(Event::Closed(close), c.now_ms())
        });

        let (h, c) = (handler, clock);
        let on_error = Closure::<dyn FnMut(JsValue)>::new(move |_| h(Event::Error, c.now_ms()));

        socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        socket.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(WebSocketReceiver {
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

impl Drop for WebSocketReceiver {
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

/// What a close code means for the runtime, in words for a person; code
/// 1000 is the feed's normal end, anything else a drop.
fn close_of(code: u16, reason: &str, opened: bool) -> Close {
    let text = describe_close(code, reason, opened);
    match code {
        1000 => Close::Ended(text),
        _ => Close::Dropped(text),
    }
}

fn describe_close(code: u16, reason: &str, ever_opened: bool) -> String {
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
