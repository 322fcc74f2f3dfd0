//! A record per line: NDJSON (`application/x-ndjson`), JSON lines
//! (`application/jsonl`) and plain text. Lines end at `\n`, a `\r` before
//! it dropped and empty lines skipped, as in a WebSocket frame. A line cut
//! by the end of a chunk waits for its rest, up to the pending buffer's
//! size; a longer one is skipped as it streams past and counted as one
//! dropped record. When the body ends normally its last line is a record
//! even without a newline; when the connection is cut, a part-line is not
//! (the feed sends it whole again from `from=`).

use memchr::{memchr, memchr_iter, memmem, memrchr};

use super::{frame_cap, hello, notice, trim_cr, BodyDecoder, Input, Piece, NOTICE_PREFIX};

/// A line-per-record body.
pub struct LineBody {
    input: Input,
    /// Bytes of an over-long line skipped so far, until its end.
    skipping: Option<usize>,
    /// No record yet: the first may be the feed's hello.
    first: bool,
    /// The pending buffer's size: the longest line held.
    limit: usize,
    notices: memmem::Finder<'static>,
}

impl LineBody {
    /// A body whose lines may be up to `limit` bytes.
    pub fn new(limit: usize) -> LineBody {
        LineBody {
            input: Input::default(),
            skipping: None,
            first: true,
            limit,
            notices: memmem::Finder::new(NOTICE_PREFIX),
        }
    }
}

impl BodyDecoder for LineBody {
    fn spare(&mut self, n: usize) -> &mut [u8] {
        self.input.spare(n)
    }

    fn filled(&mut self, n: usize, emit: &mut dyn FnMut(Piece)) {
        let end = self.input.held + n;
        let mut start = 0;
        if let Some(skipped) = self.skipping {
            // Nothing is held while a line is skipped.
            match memchr(b'\n', &self.input.buf[..end]) {
                None => {
                    self.skipping = Some(skipped + end);
                    self.input.held = 0;
                    return;
                }
                Some(i) => {
                    self.skipping = None;
                    emit(Piece::TooLong { bytes: skipped + i });
                    start = i + 1;
                }
            }
        }
        let buf = &self.input.buf[..end];
        let cut = memrchr(b'\n', &buf[start..]).map_or(start, |i| start + i + 1);
        let lines = Lines {
            first: &mut self.first,
            limit: self.limit,
            notices: &self.notices,
        };
        lines.hand_on(&buf[start..cut], emit);
        self.input.hold(cut, end);
        if self.input.held > self.limit {
            // Too long to be a record, so not the hello either.
            self.first = false;
            self.skipping = Some(self.input.held);
            self.input.held = 0;
        }
    }

    fn finish(&mut self, emit: &mut dyn FnMut(Piece)) {
        if let Some(bytes) = self.skipping.take() {
            return emit(Piece::TooLong { bytes });
        }
        let held = std::mem::take(&mut self.input.held);
        let lines = Lines {
            first: &mut self.first,
            limit: self.limit,
            notices: &self.notices,
        };
        lines.hand_on(&self.input.buf[..held], emit);
    }
}

/// Whole lines on their way out.
struct Lines<'a> {
    first: &'a mut bool,
    limit: usize,
    notices: &'a memmem::Finder<'static>,
}

impl Lines<'_> {
    /// Hands on `data`, whole lines: the hello if it starts the body, the
    /// notices among them, and the records in frames.
    fn hand_on(mut self, data: &[u8], emit: &mut dyn FnMut(Piece)) {
        let data = if *self.first {
            self.first_line(data, emit)
        } else {
            data
        };
        let (mut from, mut sent) = (0, 0);
        while let Some(at) = self.notices.find(&data[from..]).map(|i| from + i) {
            let end = memchr(b'\n', &data[at..]).map_or(data.len(), |i| at + i);
            from = end;
            if at > 0 && data[at - 1] != b'\n' {
                continue;
            }
            if let Some(n) = short(&data[at..end], self.limit).and_then(notice) {
                records(&data[sent..at], self.limit, emit);
                emit(Piece::Notice(n));
                sent = (end + 1).min(data.len());
            }
        }
        records(&data[sent..], self.limit, emit);
    }

    /// The first record of the body, if `data` holds it: the feed's hello
    /// is handed on as such; returns what is left to hand on.
    fn first_line<'d>(&mut self, data: &'d [u8], emit: &mut dyn FnMut(Piece)) -> &'d [u8] {
        let mut rest = data;
        while !rest.is_empty() {
            let end = memchr(b'\n', rest).unwrap_or(rest.len());
            let line = &rest[..end];
            let after = &rest[(end + 1).min(rest.len())..];
            if trim_cr(line).is_empty() {
                rest = after;
                continue;
            }
            *self.first = false;
            return match short(line, self.limit).and_then(hello) {
                Some(h) => {
                    emit(Piece::Hello(h));
                    after
                }
                None => rest,
            };
        }
        rest
    }
}

/// `line` without its `\r`, unless it is too long to be a record (then it
/// is neither a hello nor a notice, however it reads: it is counted as
/// too long, whether it came in one chunk or many).
fn short(line: &[u8], limit: usize) -> Option<&[u8]> {
    (line.len() < limit).then(|| trim_cr(line))
}

/// Hands on whole lines in frames of at most [`frame_cap`] bytes; a line
/// longer than `limit` is counted, not handed on.
pub(super) fn records(mut data: &[u8], limit: usize, emit: &mut dyn FnMut(Piece)) {
    let cap = frame_cap(limit);
    while !data.is_empty() {
        let cut = if data.len() <= cap {
            data.len()
        } else {
            match memrchr(b'\n', &data[..cap]) {
                Some(i) => i + 1,
                None => memchr(b'\n', &data[cap..]).map_or(data.len(), |i| cap + i + 1),
            }
        };
        let (frame, rest) = data.split_at(cut);
        data = rest;
        if frame.len() > limit {
            // Only one line can be this long: no newline came before `cap`.
            let line = frame.strip_suffix(b"\n").unwrap_or(frame);
            emit(Piece::TooLong {
                bytes: trim_cr(line).len(),
            });
        } else {
            let ended = frame.last() == Some(&b'\n');
            let records = memchr_iter(b'\n', frame).count() + usize::from(!ended);
            emit(Piece::Records { frame, records });
        }
    }
}
