//! The connection's flow: reconnecting after a drop (backoff, resume,
//! gaps) and backpressure (asking the feed to slow down, granting it
//! credit).

use gloo_timers::callback::Timeout;

use super::{connect, ConnState, Runtime};
use sparklet_engine::hello::FeedHello;

use crate::connection::{backoff_ms, with_from, Gap, GAPS_KEPT};

/// The share of each batch interval the engine may take when the feed is
/// faster than the page. In a cluster Spark lets processing fill the
/// interval; here the stream's thread also takes the frames in, and a
/// batch's processing time varies by about half again between its median
/// and its 99th percentile, so a third keeps the p99 under half the
/// interval (measured: p50 31 ms, p99 45 ms at 100 ms batches).
pub const PROCESSING_BUDGET: f64 = 1.0 / 3.0;

/// The least credit granted, so a feed of huge records still moves.
const MIN_WINDOW: u64 = 100;

impl Runtime {
    /// Whether a reconnect resumes with `from=` (see [`crate::resume`]):
    /// when the feed said it can, unless the URL's `resume=` says otherwise.
    pub fn resumes(&self) -> bool {
        self.settings
            .resume
            .unwrap_or(self.supervisor.resume.feed_resumes)
    }

    /// The first message of a connection, a hello or not: a gap if it did
    /// not start where it was asked after a drop, a fresh start if it
    /// continues a restored run somewhere else.
    pub(super) fn first_message(&mut self, hello: Option<FeedHello>) {
        let here = self
            .first_record()
            .saturating_add(self.input.pending.counters().lines);
        let verdict = self
            .supervisor
            .resume
            .first_message(hello, self.settings.resume, here);
        if verdict.restore_failed {
            self.discard_restore(format!(
                "the feed did not resume at record {here}, where the checkpoint ends"
            ));
        }
        if let Some(from) = verdict.gap_from {
            self.record_gap(from);
        }
    }

    /// The URL for the next connection: the feed's own the first time,
    /// then, when resuming, at the first record not yet received (which
    /// it returns too).
    pub(super) fn connect_url(&self) -> (String, Option<u64>) {
        let lines = self.input.pending.counters().lines;
        if self.resumes() && (lines > 0 || self.recovery.start_offset.is_some()) {
            let from = self.first_record().saturating_add(lines);
            (with_from(&self.settings.feed, from), Some(from))
        } else {
            (self.settings.feed.clone(), None)
        }
    }

    /// Arms the next attempt after a drop, with backoff.
    pub(super) fn retry_later(&mut self, reason: String) {
        self.supervisor
            .dropped_at_wall_ms
            .get_or_insert_with(js_sys::Date::now);
        let wait = backoff_ms(self.supervisor.attempt, js_sys::Math::random());
        self.supervisor.attempt += 1;
        self.supervisor.conn = ConnState::Reconnecting {
            reason,
            retry_at_wall_ms: js_sys::Date::now() + wait,
        };
        let this = self.this.clone();
        self.supervisor.retry = Some(Timeout::new(wait.ceil() as u32, move || {
            if let Some(rt) = this.upgrade() {
                connect(&rt);
                rt.borrow().announce();
            }
        }));
    }

    pub(super) fn record_gap(&mut self, from_wall_ms: f64) {
        self.supervisor.gap_count += 1;
        if self.supervisor.gaps.len() == GAPS_KEPT {
            self.supervisor.gaps.remove(0);
        }
        self.supervisor.gaps.push(Gap {
            from_wall_ms,
            duration_ms: js_sys::Date::now() - from_wall_ms,
        });
    }

    /// Backpressure between batches: when the buffer is half full, asks the
    /// feed at once for half the rate the page last processed at, so the
    /// records still in flight fit in the other half and none is dropped.
    /// The next batch's estimate takes over from there.
    pub(super) fn brake_if_filling(&mut self) {
        if !self.settings.backpressure || self.rate.braked || self.input.pending.fill() < 0.5 {
            return;
        }
        let processed = self.bus.totals().last_rate.map(|per_ms| per_ms * 1000.0);
        let rate = (processed.unwrap_or(2000.0) / 2.0).max(100.0).round() as u64;
        if let Some(receiver) = self.supervisor.receiver.as_ref() {
            if receiver.set_rate(rate) {
                self.rate.rate_limit = Some(rate);
                self.rate.braked = true;
            }
        }
    }

    /// Backpressure: after a batch, asks the feed for the rate the PID
    /// estimator gives (Spark's rate controller), aiming the engine at
    /// [`PROCESSING_BUDGET`] of the batch interval rather than all of it.
    pub(super) fn control_rate(&mut self, done_ms: f64, info: &sparklet_engine::BatchInfo) {
        if !self.settings.backpressure {
            return;
        }
        // Spark's estimator drives processing time to the batch interval;
        // shown the processing time over the budget, it drives it to the
        // budget.
        let estimate = self.rate.estimator.compute(
            done_ms,
            info.records,
            info.processing_ms / PROCESSING_BUDGET,
            info.scheduling_delay_ms,
        );
        let (Some(rate), Some(receiver)) = (estimate, self.supervisor.receiver.as_ref()) else {
            return;
        };
        let rate = rate.min(self.buffer_rate()).round().max(1.0) as u64;
        if receiver.set_rate(rate) {
            self.rate.rate_limit = Some(rate);
            self.rate.braked = self.input.pending.fill() >= 0.25;
        }
    }

    /// Credit (the feed protocol's ack): what this connection sent that the
    /// page no longer holds, and room for half the buffer more. A feed
    /// that honours it cannot flood the page, whatever the rate.
    pub(super) fn grant_credit(&mut self) {
        let Some(receiver) = self.supervisor.receiver.as_ref() else {
            return;
        };
        if !self.settings.backpressure {
            return;
        }
        let received = self
            .input
            .pending
            .counters()
            .lines
            .saturating_sub(self.supervisor.conn_base);
        let ack = received.saturating_sub(self.input.pending.len() as u64);
        let window = 0.5 * self.settings.buffer_bytes() as f64 / self.record_bytes();
        receiver.grant(ack, (window as u64).max(MIN_WINDOW));
    }

    /// Average bytes per record line so far (100 before the first).
    fn record_bytes(&self) -> f64 {
        let c = self.input.pending.counters();
        if c.lines == 0 {
            100.0
        } else {
            (c.bytes as f64 / c.lines as f64).max(1.0)
        }
    }

    /// The most records/s the pending buffer can hold for one batch interval
    /// at half its size: a rate above it would fill the buffer between two
    /// batches, whatever the processing speed.
    pub(super) fn buffer_rate(&self) -> f64 {
        let batch_s = self.settings.batch.as_millis() as f64 / 1000.0;
        0.5 * self.settings.buffer_bytes() as f64 / self.record_bytes() / batch_s
    }
}
