//! Records received but not yet in a batch, as Spark's BlockGenerator holds
//! them between batch boundaries. Every frame is stamped with its arrival
//! time, so a batch cut late (a throttled timer) still takes exactly the
//! records that arrived by its batch time: none in two batches, none in none.
//!
//! The buffer is bounded. When a feed outruns the page and will not slow
//! down, the oldest frames are dropped to make room, and every dropped
//! record is counted: never a silent loss, never an unbounded queue.

use std::collections::VecDeque;

use crate::frame;
use crate::malformed::Malformed;
use crate::records::Records;

/// Counters a user reads to trust the numbers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ReceiverCounters {
    pub frames: u64,
    /// Records received, including those later dropped.
    pub records: u64,
    pub bytes: u64,
    /// Records dropped, oldest first, because the pending buffer was full.
    pub dropped: u64,
    /// Every record line the feed sent, good or malformed: the position to
    /// resume from after a reconnect.
    pub lines: u64,
}

/// What a batch takes from the buffer (Spark's received block): the
/// records, and when each frame of them arrived.
#[derive(Debug, Default)]
pub struct Block {
    pub records: Records,
    pub frames: Vec<FrameArrival>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FrameArrival {
    pub records: u64,
    pub at_ms: f64,
}

/// The bounded buffer between the receiver and the batch scheduler.
#[derive(Debug)]
pub struct PendingBuffer {
    records: Records,
    /// Per frame: the record count after it, and its arrival time.
    frames: VecDeque<(usize, f64)>,
    limit_bytes: usize,
    counters: ReceiverCounters,
}

/// Default bound on what pending records hold: far above a second of a
/// fast feed, far below what would hurt a tab.
pub const DEFAULT_PENDING_LIMIT: usize = 64 << 20;

/// What a record costs besides its text: its end in the index.
const RECORD_OVERHEAD: usize = std::mem::size_of::<u32>();

/// What a frame costs: its record count and arrival time.
const FRAME_OVERHEAD: usize = std::mem::size_of::<(usize, f64)>();

impl PendingBuffer {
    pub fn new(limit_bytes: usize) -> PendingBuffer {
        PendingBuffer {
            records: Records::new(),
            frames: VecDeque::new(),
            limit_bytes: limit_bytes.min(u32::MAX as usize / 2),
            counters: ReceiverCounters::default(),
        }
    }

    pub fn counters(&self) -> ReceiverCounters {
        self.counters
    }

    /// How full the buffer is, from 0 to 1.
    pub fn fill(&self) -> f64 {
        self.held_bytes() as f64 / self.limit_bytes.max(1) as f64
    }

    /// What the buffer holds: the records' text, their index, and each
    /// frame's arrival. The limit bounds all of it, so a feed of one-byte
    /// records cannot hold five times the setting.
    pub fn held_bytes(&self) -> usize {
        self.records.byte_len()
            + RECORD_OVERHEAD * self.records.len()
            + FRAME_OVERHEAD * self.frames.len()
    }

    /// The most bytes the buffer holds.
    pub fn limit_bytes(&self) -> usize {
        self.limit_bytes
    }

    /// A frame refused before it was read in, as too large for the whole
    /// buffer (the receiver counts its `records` without copying it):
    /// counted as received and dropped, so resume offsets stay exact.
    pub fn refuse_frame(&mut self, bytes: usize, records: u64) {
        self.counters.frames += 1;
        self.counters.bytes += bytes as u64;
        self.counters.records += records;
        self.counters.lines += records;
        self.counters.dropped += records;
    }

    /// `n` records the feed said it skipped (a notice): they count for
    /// the resume offset, as the malformed lines they are counted as.
    pub fn skip_records(&mut self, n: u64) {
        self.counters.lines += n;
    }

    /// Records waiting for a batch.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// A text frame arrived at `arrival_ms`; records with a NUL byte are
    /// malformed.
    pub fn push_text(&mut self, text: &str, arrival_ms: f64, malformed: &mut Malformed) {
        let before = malformed.count();
        self.push(text.as_bytes(), arrival_ms, |records| {
            frame::decode_text(text, records, malformed)
        });
        self.counters.lines += malformed.count() - before;
    }

    /// A binary frame arrived at `arrival_ms`; invalid UTF-8 is malformed.
    pub fn push_binary(&mut self, bytes: &[u8], arrival_ms: f64, malformed: &mut Malformed) {
        let before = malformed.count();
        self.push(bytes, arrival_ms, |records| {
            frame::decode_binary(bytes, records, malformed)
        });
        self.counters.lines += malformed.count() - before;
    }

    fn push(&mut self, bytes: &[u8], arrival_ms: f64, decode: impl FnOnce(&mut Records) -> usize) {
        let incoming = self.incoming_bytes(bytes);
        if incoming > self.limit_bytes {
            // Larger than the whole buffer: refused whole, and counted.
            let n = frame::count_records(bytes) as u64;
            self.refuse_frame(bytes.len(), n);
            return;
        }
        self.counters.frames += 1;
        self.counters.bytes += bytes.len() as u64;
        self.make_room(incoming);
        let added = decode(&mut self.records);
        self.counters.records += added as u64;
        self.counters.lines += added as u64;
        if added > 0 {
            self.frames.push_back((self.records.len(), arrival_ms));
        }
    }

    /// What a frame will hold once decoded, at most. Counting its lines is
    /// a pass over the frame, so it is done only when the cheap bound (a
    /// record per two bytes) would not fit anyway.
    fn incoming_bytes(&self, bytes: &[u8]) -> usize {
        let most = bytes.len() + RECORD_OVERHEAD * (bytes.len() / 2 + 1) + FRAME_OVERHEAD;
        if self.held_bytes() + most <= self.limit_bytes {
            return most;
        }
        let records = memchr::memchr_iter(b'\n', bytes).count() + 1;
        bytes.len() + RECORD_OVERHEAD * records + FRAME_OVERHEAD
    }

    /// Drops the oldest frames until `incoming` more bytes fit.
    fn make_room(&mut self, incoming: usize) {
        if self.held_bytes() + incoming <= self.limit_bytes {
            return;
        }
        let mut upto = 0;
        while let Some(&(end, _)) = self.frames.front() {
            upto = end;
            self.frames.pop_front();
            let text = self.records.byte_len() - self.bytes_before(upto);
            let left = text
                + RECORD_OVERHEAD * (self.records.len() - upto)
                + FRAME_OVERHEAD * self.frames.len();
            if left + incoming <= self.limit_bytes {
                break;
            }
        }
        self.counters.dropped += upto as u64;
        self.records = self.records.split_off(upto);
        for frame in &mut self.frames {
            frame.0 -= upto;
        }
    }

    /// Bytes of the first `n` records.
    fn bytes_before(&self, n: usize) -> usize {
        self.records.offset_of(n)
    }

    /// Takes every record that arrived at or before `due_ms`, with the
    /// arrival time of each frame they came in.
    pub fn take_until(&mut self, due_ms: f64) -> Block {
        let mut upto = 0;
        let mut frames = Vec::new();
        while let Some(&(end, arrival)) = self.frames.front() {
            if arrival > due_ms {
                break;
            }
            frames.push(FrameArrival {
                records: (end - upto) as u64,
                at_ms: arrival,
            });
            upto = end;
            self.frames.pop_front();
        }
        let rest = self.records.split_off(upto);
        let records = std::mem::replace(&mut self.records, rest);
        for frame in &mut self.frames {
            frame.0 -= upto;
        }
        Block { records, frames }
    }
}

#[cfg(test)]
impl PendingBuffer {
    fn push_text_for_test(&mut self, text: &str, arrival_ms: f64) {
        self.push_text(text, arrival_ms, &mut Malformed::default());
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn a_late_cut_takes_exactly_the_frames_that_arrived_in_time() {
        let mut p = PendingBuffer::new(DEFAULT_PENDING_LIMIT);
        p.push_text_for_test("a\nb", 10.0);
        p.push_text_for_test("c", 20.0);
        p.push_text_for_test("d\ne", 35.0);
        let first = p.take_until(20.0);
        assert_eq!(first.records.iter().collect::<Vec<_>>(), ["a", "b", "c"]);
        let arrivals: Vec<_> = first.frames.iter().map(|f| (f.records, f.at_ms)).collect();
        assert_eq!(arrivals, [(2, 10.0), (1, 20.0)]);
        assert!(p.take_until(30.0).records.is_empty());
        assert_eq!(
            p.take_until(40.0).records.iter().collect::<Vec<_>>(),
            ["d", "e"]
        );
        assert_eq!(p.counters().records, 5);
        assert_eq!(p.counters().frames, 3);
    }

    #[test]
    fn a_full_buffer_drops_the_oldest_frames_and_counts_them() {
        // Each frame of two 3-byte records holds 6 + 2 * 4 + 16 = 30 bytes.
        let mut p = PendingBuffer::new(70);
        p.push_text_for_test("abc\ndef", 1.0);
        p.push_text_for_test("gh", 2.0);
        p.push_text_for_test("ijk\nlmn", 3.0);
        let c = p.counters();
        assert_eq!(
            (c.records, c.dropped, c.lines),
            (5, 2, 5),
            "the first frame made room"
        );
        let left = p.take_until(5.0);
        assert_eq!(
            left.records.iter().collect::<Vec<_>>(),
            ["gh", "ijk", "lmn"]
        );
        assert_eq!(
            left.frames.iter().map(|f| f.records).collect::<Vec<_>>(),
            [1, 2]
        );
        // A frame bigger than the whole buffer is refused whole.
        p.push_text_for_test(&format!("{}\nc", "x".repeat(60)), 6.0);
        assert_eq!(p.counters().dropped, 4);
        assert!(p.take_until(7.0).records.is_empty());
    }

    #[test]
    fn one_byte_records_are_bounded_by_all_they_hold_not_their_text() {
        let limit = 64 << 10;
        let mut p = PendingBuffer::new(limit);
        let frame = vec!["x"; 100].join("\n");
        for i in 0..1000 {
            p.push_text_for_test(&frame, i as f64);
            assert!(p.held_bytes() <= limit, "{} held", p.held_bytes());
        }
        // Text alone would fit 65,536 records; with their index, a fifth.
        assert!(p.len() < 14_000, "{} records", p.len());
        assert!(p.counters().dropped > 80_000);
    }
}
