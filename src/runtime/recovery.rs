//! Checkpoints of the running stream: what to save (the engine's state
//! and the feed offset it covers) and how a restored run continues.

use sparklet_engine::Clock;

use sparklet_engine::PipelineRunner;

use super::Runtime;
use crate::checkpoint::{self, Saved};
use crate::connection::from_of;
use crate::resume::ResumeCheck;
use crate::scheduler::{zero_time, BatchClock};

impl Runtime {
    /// Continues from a checkpoint when the feed can resume at its offset
    /// (restoring state without the records after it would count wrong).
    /// A checkpoint is input from outside (any page of this origin can
    /// write one): the engine checks its state, [`Saved::check`] the rest,
    /// and anything wrong starts the run fresh, saying why in the page.
    pub(super) fn restore(&mut self, saved: Saved) {
        let resumes = match self.settings.resume {
            Some(forced) => forced,
            None => saved.resumes,
        };
        if !resumes {
            return self.refuse_restore(
                "the feed does not resume, so the state would not match what it sends next",
            );
        }
        if let Err(e) = saved.check() {
            return self.refuse_restore(e);
        }
        if let Err(e) = self.jobs.runner.restore(saved.engine()) {
            return self.refuse_restore(e);
        }
        let k = self.jobs.runner.completed_batches();
        let now = self.clock.now_ms();
        let run_ms = k.saturating_mul(self.settings.batch.as_millis());
        self.jobs.batches = BatchClock {
            start_ms: now - run_ms as f64,
            interval_ms: self.jobs.batches.interval_ms,
        };
        self.recovery.start_offset = Some(saved.offset);
        // The feed's first message must confirm it starts at the offset.
        self.supervisor.resume = ResumeCheck::restoring(saved.resumes);
        self.recovery.restored_batches = Some(k);
        let interval = self.settings.batch.as_millis();
        // A checkpoint from before zero times were kept: a zero that puts
        // the restored batches in the past.
        let zero = saved
            .zero_ms
            .unwrap_or_else(|| zero_time(js_sys::Date::now(), interval).saturating_sub(run_ms));
        let late = self
            .jobs
            .runner
            .pipeline()
            .is_event_time()
            .then_some((saved.late, saved.late_rows));
        self.bus
            .run_restored(saved.batches, saved.records, late, zero);
    }

    /// A restored run whose feed did not start at the checkpoint's offset:
    /// the state would count what follows wrong, so the run starts over,
    /// fresh, on the same connection, and the page says why.
    pub(super) fn discard_restore(&mut self, why: String) {
        let mut runner = match PipelineRunner::new(&self.settings.pipeline, self.settings.batch) {
            Ok(runner) => runner,
            Err(_) => return,
        };
        runner.set_max_keys(self.settings.max_keys);
        self.jobs.runner = runner;
        self.recovery.start_offset = None;
        self.recovery.restored_batches = None;
        let wall = js_sys::Date::now();
        self.bus
            .run_started(wall, zero_time(wall, self.settings.batch.as_millis()));
        self.jobs.batches = BatchClock {
            start_ms: self.clock.now_ms(),
            interval_ms: self.settings.batch.as_millis(),
        };
        self.refuse_restore(why);
    }

    /// A checkpoint that was found and not used: the page says why.
    pub(super) fn refuse_restore(&mut self, why: impl std::fmt::Display) {
        web_sys::console::warn_1(&format!("Sparklet did not restore a checkpoint: {why}").into());
        self.recovery.restore_refused = Some(why.to_string());
    }

    /// The periodic checkpoint that waited for the sink, now that it has
    /// settled.
    pub(super) fn take_owed_checkpoint(&mut self) {
        if self.recovery.checkpoint_owed {
            self.save_checkpoint(false);
        }
    }

    /// The feed's record number this run started from.
    pub(super) fn first_record(&self) -> u64 {
        self.recovery
            .start_offset
            .unwrap_or_else(|| from_of(&self.settings.feed))
    }

    /// Takes a checkpoint: the engine's state between batches, and the
    /// feed offset it covers (received records still pending are not in
    /// it, and will be asked for again). It is written in the background,
    /// or at once when the page is going away (`leaving`).
    ///
    /// With a sink, only once every batch so far is settled there: a
    /// checkpoint past a batch whose output may not be stored would, once
    /// restored, never run that batch again, and its file would be
    /// missing. A periodic one is then owed and taken when the sink
    /// settles; one on leaving is not taken, and a reload replays from
    /// the one before (the batches stored since are found stored).
    pub fn save_checkpoint(&mut self, leaving: bool) {
        if self.sink.as_ref().is_some_and(|s| !s.settled()) {
            self.recovery.checkpoint_owed |= !leaving;
            return;
        }
        self.recovery.checkpoint_owed = false;
        // A periodic checkpoint waits while the last one is still written.
        if !leaving && checkpoint::writing() {
            return;
        }
        let parts = self.jobs.runner.checkpoint_parts();
        let counters = self.input.pending.counters();
        let offset =
            (self.first_record() + counters.lines).saturating_sub(self.input.pending.len() as u64);
        let totals = self.bus.totals();
        let head = Saved::head(
            offset,
            totals.batches,
            totals.records,
            self.resumes(),
            totals.zero_ms,
            (totals.late, totals.late_rows),
        );
        checkpoint::store(checkpoint::key(&self.settings), head, parts, leaving);
        self.recovery.checkpoints += 1;
    }
}
