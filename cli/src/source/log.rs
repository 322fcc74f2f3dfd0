//! A source's record log: every record its reader produced gets an offset
//! (0, 1, 2, ... from the server's start), and the most recent are kept so
//! that a page that drops and reconnects with `from=K` resumes exactly at
//! record K. Bounded by [`MAX_RECORDS`] and [`MAX_BYTES`], whichever comes
//! first: older records leave, and a page asking for one of them is told
//! where the log now starts (the page counts the difference as a gap).

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};

use tokio::sync::watch;

use super::lines::{Batch, Lines, Piece};

/// Most records the log keeps for resuming connections.
pub const MAX_RECORDS: u64 = 1_000_000;
/// Most bytes of record text the log keeps.
pub const MAX_BYTES: usize = 64 << 20;

/// What a connection reads next from offset `at`.
#[derive(Debug, PartialEq, Eq)]
pub enum Next {
    /// Records `[at, at + count)`, `\n`-separated; `utf8` when all of it
    /// is valid UTF-8 (else the page checks it line by line).
    Frame {
        bytes: Vec<u8>,
        utf8: bool,
        count: u64,
    },
    /// Record `at` was a line the reader could not keep.
    Skipped(String),
    /// Records before `first` are no longer held.
    Gone { first: u64 },
    /// Nothing at `at` yet.
    Wait,
    /// The source has ended and `at` is past its last record.
    End(String),
}

/// What the reader last said about its source, for the page to show.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Status {
    /// Bumped on every change, so a connection sends each status once.
    pub version: u64,
    pub text: String,
}

/// One held entry and the offset of its first record.
#[derive(Debug)]
struct Entry {
    first: u64,
    piece: Piece,
    /// For runs: whether the run is valid UTF-8, checked once here.
    utf8: bool,
}

impl Entry {
    fn records(&self) -> u64 {
        match &self.piece {
            Piece::Lines(run) => run.len() as u64,
            Piece::Skipped(_) => 1,
        }
    }

    fn bytes(&self) -> usize {
        match &self.piece {
            Piece::Lines(run) => run.data.len() + 4 * run.len(),
            Piece::Skipped(why) => why.len(),
        }
    }
}

#[derive(Debug, Default)]
struct Ring {
    /// Offset of the oldest record held.
    first: u64,
    /// One past the newest record.
    end: u64,
    entries: VecDeque<Entry>,
    bytes: usize,
    status: Status,
    ended: Option<String>,
    /// The reader has read what was there when it started (a file's
    /// existing lines): a connection asking for a later record than the
    /// log has will not get it by waiting.
    caught_up: bool,
    skipped: u64,
}

/// The log of one source, shared by its reader and its connections.
#[derive(Debug)]
pub struct RecordLog {
    ring: Mutex<Ring>,
    changed: watch::Sender<u64>,
    max_records: u64,
    max_bytes: usize,
}

/// Counters of a source, for its status endpoint and the tests.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Figures {
    /// Records produced since the server started (skipped lines included).
    pub records: u64,
    /// The oldest offset still held.
    pub first: u64,
    pub skipped: u64,
    pub status: String,
    pub ended: Option<String>,
}

impl Default for RecordLog {
    fn default() -> Self {
        Self::with_limits(MAX_RECORDS, MAX_BYTES)
    }
}

impl RecordLog {
    /// A log bounded by `max_records` and `max_bytes` (tests shrink them).
    pub fn with_limits(max_records: u64, max_bytes: usize) -> Self {
        Self {
            ring: Mutex::new(Ring::default()),
            changed: watch::Sender::new(0),
            max_records: max_records.max(1),
            max_bytes,
        }
    }

    fn ring(&self) -> MutexGuard<'_, Ring> {
        // A reader that panicked mid-append left whole entries behind: the
        // ring is still consistent, so keep serving it.
        self.ring.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn notify(&self) {
        self.changed.send_modify(|v| *v = v.wrapping_add(1));
    }

    /// Wakes whenever the log changes.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }

    /// Appends what a reader read, giving each record the next offset.
    pub fn append(&self, batch: &mut Batch) {
        if batch.is_empty() {
            return;
        }
        let mut ring = self.ring();
        for piece in batch.pieces.drain(..) {
            let utf8 = match &piece {
                Piece::Lines(run) => std::str::from_utf8(&run.data).is_ok(),
                Piece::Skipped(_) => {
                    ring.skipped += 1;
                    true
                }
            };
            let entry = Entry {
                first: ring.end,
                piece,
                utf8,
            };
            ring.end += entry.records();
            ring.bytes += entry.bytes();
            ring.entries.push_back(entry);
        }
        while ring.entries.len() > 1
            && (ring.end - ring.first > self.max_records || ring.bytes > self.max_bytes)
        {
            if let Some(old) = ring.entries.pop_front() {
                ring.bytes -= old.bytes();
                ring.first = old.first + old.records();
            }
        }
        drop(ring);
        self.notify();
    }

    /// The reader's state for the page ("connected to ...", "waiting for
    /// ... to exist"); unchanged text is not sent again.
    pub fn set_status(&self, text: impl Into<String>) {
        let text = text.into();
        let mut ring = self.ring();
        if ring.status.text == text {
            return;
        }
        ring.status.version += 1;
        ring.status.text = text;
        drop(ring);
        self.notify();
    }

    pub fn status(&self) -> Status {
        self.ring().status.clone()
    }

    /// The source will produce nothing more (standard input closed).
    pub fn end(&self, why: impl Into<String>) {
        let mut ring = self.ring();
        ring.ended = Some(why.into());
        ring.caught_up = true;
        drop(ring);
        self.notify();
    }

    /// The reader has read what was there when it started.
    pub fn caught_up(&self) {
        let mut ring = self.ring();
        if !ring.caught_up {
            ring.caught_up = true;
            drop(ring);
            self.notify();
        }
    }

    pub fn is_caught_up(&self) -> bool {
        self.ring().caught_up
    }

    /// One past the newest record.
    pub fn end_offset(&self) -> u64 {
        self.ring().end
    }

    pub fn figures(&self) -> Figures {
        let ring = self.ring();
        Figures {
            records: ring.end,
            first: ring.first,
            skipped: ring.skipped,
            status: ring.status.text.clone(),
            ended: ring.ended.clone(),
        }
    }

    /// Up to `max` records from offset `at`, as one frame.
    pub fn next(&self, at: u64, max: usize) -> Next {
        let ring = self.ring();
        if at < ring.first {
            return Next::Gone { first: ring.first };
        }
        if at >= ring.end {
            return match &ring.ended {
                Some(why) => Next::End(why.clone()),
                None => Next::Wait,
            };
        }
        // The entry holding `at`: the last one starting at or before it.
        let i = ring.entries.partition_point(|e| e.first <= at) - 1;
        let entry = &ring.entries[i];
        match &entry.piece {
            Piece::Skipped(why) => Next::Skipped(why.clone()),
            Piece::Lines(run) => {
                let from = (at - entry.first) as usize;
                let to = (from + max.max(1)).min(run.len());
                Next::Frame {
                    bytes: slice(run, from, to).to_vec(),
                    utf8: entry.utf8,
                    count: (to - from) as u64,
                }
            }
        }
    }
}

/// Lines `[from, to)` of `run`, with the newlines between them.
fn slice(run: &Lines, from: usize, to: usize) -> &[u8] {
    &run.data[run.start(from)..run.ends[to - 1] as usize]
}

#[cfg(test)]
mod tests {
    use super::super::lines::LineSplitter;
    use super::*;

    fn append(log: &RecordLog, text: &[u8]) {
        let mut splitter = LineSplitter::default();
        let mut batch = Batch::default();
        splitter.push(text, &mut batch);
        splitter.finish(&mut batch);
        log.append(&mut batch);
    }

    fn read_all(log: &RecordLog, mut at: u64, max: usize) -> Vec<String> {
        let mut out = Vec::new();
        loop {
            match log.next(at, max) {
                Next::Frame { bytes, count, .. } => {
                    let text = String::from_utf8_lossy(&bytes).into_owned();
                    assert_eq!(text.split('\n').count() as u64, count);
                    out.extend(text.split('\n').map(str::to_owned));
                    at += count;
                }
                Next::Skipped(_) => {
                    out.push("<skipped>".into());
                    at += 1;
                }
                Next::Wait | Next::End(_) => return out,
                Next::Gone { first } => panic!("gone below {first}"),
            }
        }
    }

    #[test]
    fn every_offset_reads_the_same_record_whatever_the_frame_size() {
        let log = RecordLog::default();
        append(&log, b"a\nb\nc\n");
        append(&log, b"d\ne\n");
        let all = read_all(&log, 0, 1000);
        assert_eq!(all, ["a", "b", "c", "d", "e"]);
        for from in 0..5 {
            for max in 1..4 {
                assert_eq!(read_all(&log, from, max), all[from as usize..]);
            }
        }
    }

    #[test]
    fn the_oldest_records_leave_at_the_bound_and_a_reader_is_told_where_it_starts() {
        let log = RecordLog::with_limits(4, usize::MAX);
        for i in 0..10 {
            append(&log, format!("r{i}\n").as_bytes());
        }
        assert_eq!(log.next(0, 10), Next::Gone { first: 6 });
        assert_eq!(read_all(&log, 6, 10), ["r6", "r7", "r8", "r9"]);
        let bytes = RecordLog::with_limits(u64::MAX, 100);
        for _ in 0..100 {
            append(&bytes, &[b'x'; 40]);
        }
        assert!(bytes.ring().bytes <= 100);
        assert_eq!(bytes.end_offset(), 100);
    }

    #[test]
    fn an_ended_log_says_so_after_its_last_record() {
        let log = RecordLog::default();
        append(&log, b"only\n");
        log.end("standard input closed");
        assert!(matches!(log.next(0, 10), Next::Frame { count: 1, .. }));
        assert_eq!(log.next(1, 10), Next::End("standard input closed".into()));
    }
}
