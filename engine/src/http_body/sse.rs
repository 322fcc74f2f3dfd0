//! Server-Sent Events (`text/event-stream`), parsed as the HTML standard
//! says: lines end at `\n`, `\r\n` or a lone `\r`; `data:` lines gather an
//! event's data and an empty line dispatches it; a line starting with `:`
//! is a comment (a keep-alive); one space after the colon is dropped. The
//! data of each event is one record.
//!
//! Where Sparklet parts from EventSource, and why:
//! - an event's `data:` lines are joined with a space, not a newline: a
//!   record is a line of the page's frames and holds no newline, and a
//!   space keeps what a many-line event usually is (pretty-printed JSON,
//!   a paragraph) one record that means the same: the JSON still parses,
//!   the text splits into the same words;
//! - an event named by an `event:` field other than `message` is not a
//!   record, as EventSource's `onmessage` never sees one: a feed's pings
//!   and its own signals stay out of the counts;
//! - `id:` and `retry:` are ignored: the page resumes by its own `from=`,
//!   exact whether or not events carry ids, and reconnects with the same
//!   backoff as for any feed (a `Last-Event-ID` header would also make
//!   every cross-origin request wait for a CORS preflight);
//! - bytes are not decoded with replacement characters: data that is not
//!   UTF-8 is a malformed record, counted and shown, as on a WebSocket.
//!
//! The first event may be the feed's hello, and any event a notice, when
//! its data is one. An event whose data outgrows the pending buffer is
//! skipped as it streams past and counted as one dropped record; an event
//! the body ends in the middle of is not dispatched (the standard's rule).

use memchr::memchr2;

use super::{frame_cap, hello, notice, BodyDecoder, Input, Piece, NOTICE_PREFIX};

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// An event stream body.
pub struct SseBody {
    input: Input,
    /// Bytes of an over-long line skipped so far, until its end, and
    /// whether it is a `data:` line (its event is then too long).
    skipping: Option<(usize, bool)>,
    /// The last line ended with `\r`: a `\n` next is the rest of its end.
    after_cr: bool,
    /// The stream's start was checked for a byte-order mark.
    started: bool,
    events: Events,
}

/// Events being read, and the frame of records they go out in.
struct Events {
    data: Vec<u8>,
    /// A `data:` line was seen (its value may be empty).
    has_data: bool,
    /// The event has a type other than `message`.
    named: bool,
    /// Bytes of data beyond the limit: the event is too long to keep.
    dropped: usize,
    frame: Vec<u8>,
    records: usize,
    /// No record yet: the first may be the feed's hello.
    first: bool,
    limit: usize,
}

impl SseBody {
    /// A body whose events may hold up to `limit` bytes of data.
    pub fn new(limit: usize) -> SseBody {
        SseBody {
            input: Input::default(),
            skipping: None,
            after_cr: false,
            started: false,
            events: Events {
                data: Vec::new(),
                has_data: false,
                named: false,
                dropped: 0,
                frame: Vec::new(),
                records: 0,
                first: true,
                limit,
            },
        }
    }
}

impl BodyDecoder for SseBody {
    fn spare(&mut self, n: usize) -> &mut [u8] {
        self.input.spare(n)
    }

    fn filled(&mut self, n: usize, emit: &mut dyn FnMut(Piece)) {
        let end = self.input.held + n;
        let buf = &self.input.buf[..end];
        let mut pos = 0;
        if !self.started {
            if end < BOM.len() && BOM.starts_with(buf) {
                // Too short yet to tell.
                self.input.held = end;
                return;
            }
            self.started = true;
            if buf.starts_with(BOM) {
                pos = BOM.len();
            }
        }
        if self.after_cr && pos < end {
            self.after_cr = false;
            pos += usize::from(buf[pos] == b'\n');
        }
        while let Some(i) = memchr2(b'\n', b'\r', &buf[pos..]) {
            let line_end = pos + i;
            match self.skipping.take() {
                Some((skipped, true)) => self.events.overflow(skipped + i),
                Some((_, false)) => {}
                None => self.events.line(&buf[pos..line_end], emit),
            }
            pos = line_end + 1;
            if buf[line_end] == b'\r' {
                if pos < end {
                    pos += usize::from(buf[pos] == b'\n');
                } else {
                    self.after_cr = true;
                }
            }
        }
        if let Some((skipped, _)) = &mut self.skipping {
            *skipped += end - pos;
            self.input.held = 0;
        } else {
            self.input.hold(pos, end);
            let held = self.input.held;
            // Past this, a `data:` line's value alone is over the limit.
            if held > self.events.limit + b"data: ".len() {
                let line = &self.input.buf[..held];
                let field =
                    |name: &[u8]| line.starts_with(name) && line.get(name.len()) == Some(&b':');
                // A type this long is not `message`: the event is named.
                self.events.named |= field(b"event");
                self.skipping = Some((held, field(b"data")));
                self.input.held = 0;
            }
        }
        self.events.flush(emit);
    }

    fn finish(&mut self, emit: &mut dyn FnMut(Piece)) {
        // An event not ended by an empty line is not dispatched.
        self.events.flush(emit);
    }
}

impl Events {
    fn line(&mut self, line: &[u8], emit: &mut dyn FnMut(Piece)) {
        if line.is_empty() {
            return self.dispatch(emit);
        }
        let (field, value) = match line.iter().position(|&b| b == b':') {
            Some(0) => return, // a comment
            Some(i) => {
                let value = &line[i + 1..];
                (&line[..i], value.strip_prefix(b" ").unwrap_or(value))
            }
            None => (line, &[][..]),
        };
        match field {
            b"data" => self.data(value),
            b"event" => self.named = !(value.is_empty() || value == b"message"),
            // `id`, `retry` and fields the standard does not know: see the
            // module's doc.
            _ => {}
        }
    }

    fn data(&mut self, value: &[u8]) {
        let space = usize::from(self.has_data);
        self.has_data = true;
        // With its newline, a record must fit the limit, as a line must.
        if self.dropped == 0 && self.data.len() + space + value.len() < self.limit {
            if space == 1 {
                self.data.push(b' ');
            }
            self.data.extend_from_slice(value);
        } else {
            self.overflow(space + value.len());
        }
    }

    /// The event's data is over the limit by `bytes` more: it is counted,
    /// not held.
    fn overflow(&mut self, bytes: usize) {
        self.has_data = true;
        self.dropped += std::mem::take(&mut self.data).len() + bytes;
    }

    /// An empty line: the event is complete.
    fn dispatch(&mut self, emit: &mut dyn FnMut(Piece)) {
        let has_data = std::mem::take(&mut self.has_data);
        let named = std::mem::take(&mut self.named);
        let dropped = std::mem::take(&mut self.dropped);
        if !has_data || named {
            self.data.clear();
            return;
        }
        if dropped > 0 {
            self.flush(emit);
            self.first = false;
            return emit(Piece::TooLong { bytes: dropped });
        }
        if self.data.is_empty() {
            return;
        }
        if std::mem::take(&mut self.first) {
            if let Some(h) = hello(&self.data) {
                self.data.clear();
                self.flush(emit);
                return emit(Piece::Hello(h));
            }
        }
        if self.data.starts_with(NOTICE_PREFIX) {
            if let Some(n) = notice(&self.data) {
                self.data.clear();
                self.flush(emit);
                return emit(Piece::Notice(n));
            }
        }
        if self.frame.len() + self.data.len() + 1 > frame_cap(self.limit) {
            self.flush(emit);
        }
        self.frame.extend_from_slice(&self.data);
        self.frame.push(b'\n');
        self.records += 1;
        self.data.clear();
    }

    /// Hands on the records gathered so far.
    fn flush(&mut self, emit: &mut dyn FnMut(Piece)) {
        if self.records > 0 {
            emit(Piece::Records {
                frame: &self.frame,
                records: std::mem::take(&mut self.records),
            });
        }
        self.frame.clear();
        if self.frame.capacity() > 2 * frame_cap(self.limit) {
            self.frame.shrink_to(frame_cap(self.limit));
        }
    }
}
