//! What every reader does with the bytes it reads: cut them into lines and
//! append them to the log in batches, and wait between attempts the same
//! way everywhere.

use std::sync::Arc;
use std::time::Duration;

use super::lines::{Batch, LineSplitter};
use super::log::RecordLog;

/// Bytes of lines gathered before they are appended, when a reader is
/// going through data that is already there (a file's existing lines).
const FLUSH_BYTES: usize = 1 << 20;

/// Lines on their way from one stream of bytes into a log.
pub struct Reader {
    log: Arc<RecordLog>,
    splitter: LineSplitter,
    batch: Batch,
    pending: usize,
}

impl Reader {
    pub fn new(log: Arc<RecordLog>) -> Self {
        Self {
            log,
            splitter: LineSplitter::default(),
            batch: Batch::default(),
            pending: 0,
        }
    }

    /// The next bytes; appended once a batch is large.
    pub fn push(&mut self, bytes: &[u8]) {
        self.splitter.push(bytes, &mut self.batch);
        self.pending += bytes.len();
        if self.pending >= FLUSH_BYTES {
            self.flush();
        }
    }

    /// Appends the whole lines read so far.
    pub fn flush(&mut self) {
        let log = &self.log;
        log.append_while(&mut self.batch, || !orphaned(log));
        self.pending = 0;
    }

    /// The stream ended: its last line needs no newline.
    pub fn finish(&mut self) {
        self.splitter.finish(&mut self.batch);
        self.flush();
    }
}

/// Whether the server that owns `log` is gone (only the reader holds it),
/// so the reader should stop.
pub fn orphaned(log: &Arc<RecordLog>) -> bool {
    Arc::strong_count(log) == 1
}

/// Waits between attempts to reach a source: 0.5 s, doubling to 30 s, as
/// the page waits for a feed.
#[derive(Debug)]
pub struct Backoff {
    next: Duration,
}

impl Backoff {
    const FIRST: Duration = Duration::from_millis(500);
    const MOST: Duration = Duration::from_secs(30);

    pub fn new() -> Self {
        Self { next: Self::FIRST }
    }

    /// The wait before the next attempt.
    pub fn next_wait(&mut self) -> Duration {
        let wait = self.next;
        self.next = (self.next * 2).min(Self::MOST);
        wait
    }

    pub fn reset(&mut self) {
        self.next = Self::FIRST;
    }
}

/// `2.0 s`, `500 ms`.
pub fn seconds(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}
