//! An HTTP feed's response body, read a chunk at a time, into what the
//! page's receiver hands on: frames of whole records, the feed's hello and
//! notices, and records too long to hold. A WebSocket feed cuts its stream
//! into frames itself; an HTTP body arrives in pieces cut anywhere, so
//! something has to hold a record's start until its end arrives, and
//! bound what it holds. Two formats, told apart by the response's content
//! type: a record per line ([`LineBody`]: NDJSON, JSON lines, plain text)
//! and Server-Sent Events ([`SseBody`]).
//!
//! Records leave as frames of whole `\n`-separated records, read by the
//! pending buffer as it reads a binary WebSocket frame: a record that is
//! not UTF-8, or holds a NUL byte, is malformed there, counted and shown.
//! Whatever a decoder does per record stays in wasm: the body crosses
//! from JavaScript a chunk at a time ([`BodyDecoder::spare`]).
//!
//! ```
//! use sparklet_engine::http_body::{BodyDecoder, LineBody, Piece};
//!
//! let mut body = LineBody::new(1 << 20);
//! let mut seen = Vec::new();
//! let mut emit = |piece: Piece| {
//!     seen.push(match piece {
//!         Piece::Hello(h) => format!("hello from {:?}", h.from),
//!         Piece::Records { frame, records } => {
//!             format!("{records}: {}", String::from_utf8_lossy(frame))
//!         }
//!         other => format!("{other:?}"),
//!     })
//! };
//! body.feed(b"{\"sparklet\":{\"resume\":true,\"from\":0}}\nfirst rec", &mut emit);
//! body.feed(b"ord\nsecond record", &mut emit);
//! body.finish(&mut emit);
//! assert_eq!(
//!     seen,
//!     ["hello from Some(0)", "1: first record\n", "1: second record"],
//!     "a line waits for its end; a body's normal end ends its last line"
//! );
//! ```

mod lines;
mod pace;
mod sse;

pub use lines::LineBody;
pub use pace::ReadPace;
pub use sse::SseBody;

use crate::hello::FeedHello;
use crate::notice::FeedNotice;

/// What a decoder hands on, in stream order.
pub enum Piece<'a> {
    /// `records` whole records separated by `\n` (empty lines aside).
    Records { frame: &'a [u8], records: usize },
    /// The connection's first record was the feed's hello.
    Hello(FeedHello),
    /// A record that is the feed's notice (`{"sparklet":{...}}`).
    Notice(FeedNotice),
    /// One record longer than the pending buffer: skipped unread, so it
    /// is counted as dropped and resume stays exact.
    TooLong { bytes: usize },
}

impl std::fmt::Debug for Piece<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Piece::Records { frame, records } => f
                .debug_struct("Records")
                .field("frame", &String::from_utf8_lossy(frame))
                .field("records", records)
                .finish(),
            Piece::Hello(h) => write!(f, "Hello({h:?})"),
            Piece::Notice(n) => write!(f, "Notice({n:?})"),
            Piece::TooLong { bytes } => write!(f, "TooLong({bytes})"),
        }
    }
}

/// A response body's format: bytes in, [`Piece`]s out.
pub trait BodyDecoder {
    /// Room for the next `n` bytes of the body, written in place by the
    /// caller (the one copy out of JavaScript), then passed to
    /// [`BodyDecoder::filled`].
    fn spare(&mut self, n: usize) -> &mut [u8];

    /// The `n` bytes written into [`BodyDecoder::spare`] arrived.
    fn filled(&mut self, n: usize, emit: &mut dyn FnMut(Piece));

    /// The body ended normally (not cut off).
    fn finish(&mut self, emit: &mut dyn FnMut(Piece));

    /// `chunk` arrived: [`BodyDecoder::spare`] and [`BodyDecoder::filled`]
    /// in one, for bytes already in Rust.
    fn feed(&mut self, chunk: &[u8], emit: &mut dyn FnMut(Piece)) {
        self.spare(chunk.len()).copy_from_slice(chunk);
        self.filled(chunk.len(), emit);
    }
}

/// A decoder's input: the start of a record still waiting for its end,
/// then room for the next chunk.
#[derive(Debug, Default)]
struct Input {
    buf: Vec<u8>,
    held: usize,
}

/// Receive buffers above this are released once what they held is
/// handed on, so one large record does not keep its memory.
const KEEP_BYTES: usize = 16 << 20;

impl Input {
    fn spare(&mut self, n: usize) -> &mut [u8] {
        // Grown as needed, not zeroed again for each chunk.
        if self.buf.len() < self.held + n {
            self.buf.resize(self.held + n, 0);
        }
        &mut self.buf[self.held..self.held + n]
    }

    /// Keeps `buf[from..end]`, a record's start, for the next chunk.
    fn hold(&mut self, from: usize, end: usize) {
        self.buf.copy_within(from..end, 0);
        self.held = end - from;
        if self.buf.len() > KEEP_BYTES && self.held <= KEEP_BYTES / 2 {
            self.buf.truncate(self.held.max(1));
            self.buf.shrink_to_fit();
        }
    }
}

/// Frames handed on are at most this, or a quarter of the pending buffer:
/// the buffer drops whole frames when full, so a frame stays small
/// beside it.
const MAX_FRAME_BYTES: usize = 1 << 20;

fn frame_cap(limit: usize) -> usize {
    (limit / 4).clamp(1, MAX_FRAME_BYTES)
}

/// Every notice starts so (`crate::notice`); records pay one search for
/// it per chunk, not a look at each record.
const NOTICE_PREFIX: &[u8] = b"{\"sparklet\":{";

fn notice(record: &[u8]) -> Option<FeedNotice> {
    FeedNotice::parse(std::str::from_utf8(record).ok()?)
}

fn hello(record: &[u8]) -> Option<FeedHello> {
    FeedHello::parse(std::str::from_utf8(record).ok()?)
}

fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

#[cfg(test)]
mod tests;
