//! A source's record log: every record its reader produced gets an offset
//! (0, 1, 2, ... from the server's start), and the most recent are kept so
//! that a page that drops and reconnects with `from=K` resumes exactly at
//! record K. Bounded by [`MAX_RECORDS`] and [`MAX_BYTES`], whichever comes
//! first: older records leave, and a page asking for one of them is told
//! where the log now starts (the page counts the difference as a gap).
//!
//! Records leave only once a page has read them and every connected page
//! has: when the log is full of records a page still needs, the reader
//! waits, as Spark's receiver blocks when its store is full. A file, a
//! directory or a topic waits where it is; a line server or a pipe is held
//! back by its own flow control rather than losing lines. So the first
//! page opened gets every record from the server's start, and a page behind
//! loses none. A page that has read nothing for [`STALLED`] holds back the
//! others no more.

use std::collections::{HashMap, VecDeque};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use super::lines::{Batch, Lines, Piece};

/// Most records the log keeps for resuming connections.
pub const MAX_RECORDS: u64 = 1_000_000;
/// Most bytes of record text the log keeps.
pub const MAX_BYTES: usize = 64 << 20;

/// A connection that has read nothing for this long, with records waiting
/// for it, no longer holds the reader back.
pub const STALLED: Duration = Duration::from_secs(30);

/// How often a waiting reader looks again (a page may have stalled).
const RECHECK: Duration = Duration::from_millis(500);

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
    /// Where each connection reads next, and when that last moved.
    cursors: HashMap<u64, (u64, Instant)>,
    /// The furthest any connection has read to: records past it have been
    /// read by no page yet.
    read_to: u64,
    next_cursor: u64,
}

impl Ring {
    /// The lowest offset a live (not stalled) connection still needs.
    fn needed(&self, now: Instant, stalled: Duration) -> u64 {
        self.cursors
            .values()
            .filter(|(at, moved)| *at >= self.end || now.duration_since(*moved) < stalled)
            .map(|(at, _)| *at)
            .min()
            .unwrap_or(u64::MAX)
    }

    /// Whether the oldest entry may leave: a page has read it and no live
    /// connection needs it.
    fn front_is_free(&self, now: Instant, stalled: Duration) -> bool {
        let free = self.needed(now, stalled).min(self.read_to);
        self.entries
            .front()
            .is_some_and(|e| e.first + e.records() <= free)
    }

    fn place(&mut self, id: u64, at: u64) {
        self.cursors.insert(id, (at, Instant::now()));
        self.read_to = self.read_to.max(at);
    }
}

/// A connection's place in the log, so that the reader waits for it; it
/// lets go when dropped.
pub struct Cursor<'a> {
    log: &'a RecordLog,
    id: u64,
}

impl Cursor<'_> {
    /// The connection will read `at` next.
    pub fn at(&self, at: u64) {
        let mut ring = self.log.ring();
        if ring.cursors.get(&self.id).is_some_and(|c| c.0 != at) {
            ring.place(self.id, at);
            drop(ring);
            self.log.room.notify_all();
        }
    }
}

impl Drop for Cursor<'_> {
    fn drop(&mut self) {
        self.log.ring().cursors.remove(&self.id);
        self.log.room.notify_all();
    }
}

/// The log of one source, shared by its reader and its connections.
#[derive(Debug)]
pub struct RecordLog {
    ring: Mutex<Ring>,
    /// Wakes a reader waiting for room.
    room: Condvar,
    changed: watch::Sender<u64>,
    max_records: u64,
    max_bytes: usize,
    stalled: Duration,
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
            room: Condvar::new(),
            changed: watch::Sender::new(0),
            max_records: max_records.max(1),
            max_bytes,
            stalled: STALLED,
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

    /// The same log, waiting `stalled` for a page that reads nothing (tests
    /// shorten it).
    pub fn stalled_after(mut self, stalled: Duration) -> Self {
        self.stalled = stalled;
        self
    }

    /// Registers a connection that reads from `at` next (records before
    /// it count as read: a page resuming there has them).
    pub fn cursor(&self, at: u64) -> Cursor<'_> {
        let mut ring = self.ring();
        let id = ring.next_cursor;
        ring.next_cursor += 1;
        ring.place(id, at);
        drop(ring);
        self.room.notify_all();
        Cursor { log: self, id }
    }

    fn full(&self, ring: &Ring) -> bool {
        ring.end - ring.first >= self.max_records || ring.bytes >= self.max_bytes
    }

    /// Appends what a reader read, giving each record the next offset;
    /// first waits while the log is full and a page still needs its oldest
    /// records.
    pub fn append(&self, batch: &mut Batch) {
        self.append_while(batch, || true);
    }

    /// [`append`](Self::append), unless `go_on` turns false while it waits
    /// (the server has stopped): then nothing is appended.
    pub fn append_while(&self, batch: &mut Batch, go_on: impl Fn() -> bool) {
        if batch.is_empty() {
            return;
        }
        let mut ring = self.ring();
        while self.full(&ring) && !ring.front_is_free(Instant::now(), self.stalled) {
            if !go_on() {
                return;
            }
            ring = self
                .room
                .wait_timeout(ring, RECHECK)
                .map_or_else(|e| e.into_inner().0, |(guard, _)| guard);
        }
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
        let now = Instant::now();
        while ring.entries.len() > 1
            && (ring.end - ring.first > self.max_records || ring.bytes > self.max_bytes)
            && ring.front_is_free(now, self.stalled)
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
mod tests;
