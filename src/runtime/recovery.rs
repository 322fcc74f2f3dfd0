//! Checkpoints of the running stream: what to save (the engine's state
//! and the feed offset it covers) and how a restored run continues.

use sparklet_engine::Clock;

use super::Runtime;
use crate::checkpoint::{self, Saved};
use crate::connection::from_of;
use crate::scheduler::BatchClock;

impl Runtime {
    /// Continues from a checkpoint when the feed can resume at its offset
    /// (restoring state without the records after it would count wrong).
    pub(super) fn restore(&mut self, saved: Saved) {
        if !self.resumes() {
            return;
        }
        if let Err(e) = self.runner.restore(&saved.engine) {
            web_sys::console::warn_1(&format!("Sparklet did not restore a checkpoint: {e}").into());
            return;
        }
        let k = self.runner.completed_batches();
        let now = self.clock.now_ms();
        self.batches = BatchClock {
            start_ms: now - (k * self.settings.batch.as_millis()) as f64,
            interval_ms: self.batches.interval_ms,
        };
        self.start_offset = Some(saved.offset);
        self.restored_batches = Some(k);
        self.listener
            .borrow_mut()
            .continue_from(saved.batches, saved.records);
    }

    /// The feed's record number this run started from.
    pub(super) fn first_record(&self) -> u64 {
        self.start_offset
            .unwrap_or_else(|| from_of(&self.settings.feed))
    }

    /// Takes a checkpoint: the engine's state between batches, and the
    /// feed offset it covers (received records still pending are not in
    /// it, and will be asked for again). It is written in the background,
    /// or at once when the page is going away (`leaving`).
    pub fn save_checkpoint(&mut self, leaving: bool) {
        // A periodic checkpoint waits while the last one is still written.
        if !leaving && checkpoint::writing() {
            return;
        }
        let Ok(parts) = self.runner.checkpoint_parts() else {
            return;
        };
        let offset =
            self.first_record() + self.pending.counters().lines - self.pending.len() as u64;
        let listener = self.listener.borrow();
        let head = Saved::head(offset, listener.total_batches(), listener.total_records());
        drop(listener);
        checkpoint::store(checkpoint::key(&self.settings), head, parts, leaving);
        self.checkpoints += 1;
    }
}
