//! Text into wasm as UTF-8, for the WebSocket receiver and the bench: by
//! the browser's own `TextEncoder.encodeInto` into a reused buffer (one
//! native call, no character-at-a-time copy), and the counting of a frame
//! too large to take, a piece at a time.

use js_sys::{JsString, Uint8Array};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsCast;

use sparklet_engine::frame::RecordCounter;

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
pub(super) const KEEP_BYTES: usize = 16 << 20;

/// How much of a refused frame is looked at at once, to count its records.
const COUNT_PIECE: u32 = 1 << 20;

/// The UTF-8 size and record count of a text frame too large to take, a
/// piece at a time (a character split between pieces may count as
/// U+FFFD, which changes neither count of newlines).
pub(super) fn count_text(text: &JsString) -> (usize, u64) {
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
pub(super) fn count_binary(view: &Uint8Array) -> u64 {
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
