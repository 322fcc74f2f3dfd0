//! Records received but not yet in a batch, as Spark's BlockGenerator holds
//! them between batch boundaries. Every frame is stamped with its arrival
//! time, so a batch cut late (a throttled timer) still takes exactly the
//! records that arrived by its batch time: none in two batches, none in none.

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
    /// Records refused because the pending buffer was full.
    pub dropped: u64,
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

/// Default bound on pending record text: far above a second of a fast feed,
/// far below what would hurt a tab.
pub const DEFAULT_PENDING_LIMIT: usize = 64 << 20;

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

    /// Records waiting for a batch.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// A text frame arrived at `arrival_ms`.
    pub fn push_text(&mut self, text: &str, arrival_ms: f64) {
        self.push(text.as_bytes(), arrival_ms, |records| {
            frame::decode_text(text, records)
        });
    }

    /// A binary frame arrived at `arrival_ms`; invalid UTF-8 is malformed.
    pub fn push_binary(&mut self, bytes: &[u8], arrival_ms: f64, malformed: &mut Malformed) {
        self.push(bytes, arrival_ms, |records| {
            frame::decode_binary(bytes, records, malformed)
        });
    }

    fn push(&mut self, bytes: &[u8], arrival_ms: f64, decode: impl FnOnce(&mut Records) -> usize) {
        self.counters.frames += 1;
        self.counters.bytes += bytes.len() as u64;
        if self.records.byte_len() + bytes.len() > self.limit_bytes {
            let n = frame::count_records(bytes) as u64;
            self.counters.records += n;
            self.counters.dropped += n;
            return;
        }
        let added = decode(&mut self.records);
        self.counters.records += added as u64;
        if added > 0 {
            self.frames.push_back((self.records.len(), arrival_ms));
        }
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
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn a_late_cut_takes_exactly_the_frames_that_arrived_in_time() {
        let mut p = PendingBuffer::new(DEFAULT_PENDING_LIMIT);
        p.push_text("a\nb", 10.0);
        p.push_text("c", 20.0);
        p.push_text("d\ne", 35.0);
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
    fn a_full_buffer_drops_and_counts_whole_frames() {
        let mut p = PendingBuffer::new(8);
        p.push_text("abc\ndef", 1.0);
        p.push_text("ghi\njkl\nmno", 2.0);
        assert_eq!(p.counters().dropped, 3);
        assert_eq!(p.counters().records, 5);
        assert_eq!(p.take_until(5.0).records.len(), 2);
    }
}
