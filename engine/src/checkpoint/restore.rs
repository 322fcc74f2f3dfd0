//! What every restored state is checked against, as a checkpoint is input
//! from outside: pane times must be batch times, in order, inside the
//! window and not after the run's last batch; no key may be updated after
//! it; no list is longer than the state could hold (`max_keys`, enforced
//! while reading by [`decode`](super::decode)); and the decoded state must
//! fit its operator's share of the state budget. Each operator's
//! [`StateCodec::restore`](super::StateCodec::restore) applies the checks
//! that concern its state, so a tampered checkpoint is refused before it
//! has filled the tab.

use super::CheckpointError;

/// What a restored state must fit: the run it continues (the time of its
/// last batch, its batch interval), for a window how far back its panes
/// may reach, and the limits its operator keeps to.
#[derive(Clone, Copy, Debug)]
pub struct Bounds {
    pub now_ms: u64,
    pub batch_ms: u64,
    pub span_ms: Option<u64>,
    /// The most keys (or records) the state may hold: the key limit.
    pub max_items: usize,
    /// The operator's share of the state budget, bytes.
    pub budget: usize,
}

impl Bounds {
    /// Refuses a state of `bytes` over the operator's share of the budget.
    pub fn check_budget(&self, bytes: usize) -> Result<(), CheckpointError> {
        if bytes > self.budget {
            return Err(CheckpointError::OverBudget {
                budget: self.budget,
            });
        }
        Ok(())
    }

    /// The most panes a window may hold: one per batch it reaches back
    /// over, and one more.
    pub fn most_panes(&self) -> usize {
        self.span_ms.map_or(usize::MAX, |span| {
            (span / self.batch_ms.max(1)) as usize + 1
        })
    }

    /// Pane times strictly increasing, on batch times, none after the
    /// run's last batch and none older than the window reaches.
    pub fn check_times(&self, times: impl Iterator<Item = u64>) -> Result<(), CheckpointError> {
        let oldest = self
            .span_ms
            .map_or(0, |span| self.now_ms.saturating_sub(span));
        let mut last = None;
        for t in times {
            if self.batch_ms == 0
                || !t.is_multiple_of(self.batch_ms)
                || t > self.now_ms
                || t <= oldest
            {
                return Err(CheckpointError::PaneOutsideWindow {
                    t,
                    oldest,
                    now_ms: self.now_ms,
                    batch_ms: self.batch_ms,
                });
            }
            if last.is_some_and(|l| l >= t) {
                return Err(CheckpointError::PanesOutOfOrder { t });
            }
            last = Some(t);
        }
        Ok(())
    }

    /// No key updated after the run's last batch.
    pub fn check_updated(
        &self,
        mut times: impl Iterator<Item = u64>,
    ) -> Result<(), CheckpointError> {
        match times.find(|at| *at > self.now_ms) {
            Some(at) => Err(CheckpointError::UpdatedLater {
                at,
                now_ms: self.now_ms,
            }),
            None => Ok(()),
        }
    }
}
