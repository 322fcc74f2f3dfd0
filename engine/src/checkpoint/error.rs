//! Why a checkpoint was refused: each check a restore makes has its own
//! variant, so callers can tell them apart and the page shows the message.

/// A checkpoint that cannot be restored, and why. Nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error("checkpoint: {bytes} bytes, more than the {max_mib} MiB a checkpoint may have")]
    TooLarge { bytes: usize, max_mib: usize },
    #[error("checkpoint: not JSON: {0}")]
    NotJson(serde_json::Error),
    #[error("checkpoint: saved by another version of Sparklet")]
    OtherVersion,
    #[error("checkpoint: damaged: {0}")]
    Damaged(serde_json::Error),
    #[error("checkpoint: saved by another pipeline or batch interval")]
    OtherPipeline,
    #[error(
        "checkpoint: {batches} batches of {batch_ms} ms is longer than a run can be (100 years)"
    )]
    RunTooLong { batches: u64, batch_ms: u64 },
    #[error("checkpoint: {saved} states saved, the pipeline has {built}")]
    StateCount { saved: usize, built: usize },
    /// A state that did not decode or fit; `index` is 1-based.
    #[error("{error} (state {index})")]
    InState {
        index: usize,
        error: Box<CheckpointError>,
    },
    /// A value out of the checkpoint's format, or a list over its cap.
    #[error("checkpoint: {0}")]
    Format(#[from] serde_json::Error),
    #[error("checkpoint: an incremental window: {0}")]
    IncrementalWindow(serde_json::Error),
    #[error("checkpoint: the state is larger than its share of the state budget ({budget} bytes)")]
    OverBudget { budget: usize },
    #[error(
        "checkpoint: a pane at {t} ms, outside the window ({oldest} ms, {now_ms} ms] of batches of {batch_ms} ms"
    )]
    PaneOutsideWindow {
        t: u64,
        oldest: u64,
        now_ms: u64,
        batch_ms: u64,
    },
    #[error("checkpoint: panes out of order at {t} ms")]
    PanesOutOfOrder { t: u64 },
    #[error("checkpoint: a key updated at {at} ms, after the run's last batch at {now_ms} ms")]
    UpdatedLater { at: u64, now_ms: u64 },
    #[error("checkpoint: expected key numbers that have keys")]
    UnknownKeyNumber,
    #[error("checkpoint: expected each key and key number once")]
    KeyTwice,
    #[error("checkpoint: a key's state saved twice")]
    StateTwice,
    /// Event-time state this operator could not have made.
    #[error("checkpoint: event-time state: {0}")]
    EventTime(String),
}
