//! The runtime's parts, one job each, named as Spark names them: the
//! receiver's supervisor (the connection), the rate controller
//! (backpressure), the job generator (batches on the clock, the engine),
//! the received input, and recovery (checkpoints). `Runtime` wires them;
//! each field says what it is for.

use gloo_timers::callback::Timeout;
use sparklet_engine::rate::PidRateEstimator;
use sparklet_engine::{Malformed, PendingBuffer, PipelineRunner};

use super::ConnState;
use crate::connection::Gap;
use crate::receiver::Receiver;
use crate::resume::ResumeCheck;
use crate::scheduler::BatchClock;

/// Spark's ReceiverSupervisor: the feed connection, its retries, and what
/// the drops cost.
pub struct Supervisor {
    /// The open (or opening) WebSocket or HTTP receiver.
    pub(super) receiver: Option<Receiver>,
    /// The connection as the header shows it.
    pub conn: ConnState,
    /// Failed attempts since the last good connection, for the backoff.
    pub(super) attempt: u32,
    /// The next attempt after a drop, armed.
    pub(super) retry: Option<Timeout>,
    /// Connections re-established after a drop.
    pub reconnects: u64,
    /// `Date.now()` of the last drop, until a connection is back.
    pub(super) dropped_at_wall_ms: Option<f64>,
    /// The last drops a feed without resume could not make up for, and
    /// how many there were in all.
    pub gaps: Vec<Gap>,
    pub gap_count: u64,
    /// Record lines received before this connection opened: its credit
    /// counts from here.
    pub(super) conn_base: u64,
    /// Whether each connection resumed where it was asked (the feed's
    /// hello), and what that means for gaps and a restored run.
    pub resume: ResumeCheck,
    /// What the feed last said about its source (a notice's `status`).
    pub source_status: Option<String>,
}

impl Default for Supervisor {
    fn default() -> Supervisor {
        Supervisor {
            receiver: None,
            conn: ConnState::Connecting,
            attempt: 0,
            retry: None,
            reconnects: 0,
            dropped_at_wall_ms: None,
            gaps: Vec::new(),
            gap_count: 0,
            conn_base: 0,
            resume: ResumeCheck::default(),
            source_status: None,
        }
    }
}

/// Spark's RateController: how fast the feed is asked to send.
pub struct RateControl {
    /// Spark's PID rate estimator, fed each batch's figures.
    pub(super) estimator: PidRateEstimator,
    /// The last rate the feed was asked for.
    pub rate_limit: Option<u64>,
    /// An emergency slow-down was sent and the buffer has not drained yet.
    pub(super) braked: bool,
}

impl RateControl {
    pub fn new(batch_ms: u64) -> RateControl {
        RateControl {
            estimator: PidRateEstimator::new(batch_ms),
            rate_limit: None,
            braked: false,
        }
    }
}

/// What was received and waits for its batch.
pub struct Input {
    /// Received records, packed, each stamped with its frame's arrival.
    pub pending: PendingBuffer,
    /// Frames that were not valid UTF-8 (the pipeline keeps its own log).
    pub frame_malformed: Malformed,
}

impl Input {
    pub fn new(buffer_bytes: usize) -> Input {
        Input {
            pending: PendingBuffer::new(buffer_bytes),
            frame_malformed: Malformed::default(),
        }
    }

    /// Every malformed record: bad frames and bad records in `runner`.
    pub fn malformed_count(&self, runner: &PipelineRunner) -> u64 {
        self.frame_malformed.count() + runner.malformed().count()
    }
}

/// Spark's JobGenerator and JobScheduler: batch k is due at k intervals
/// after the start, and the engine runs it.
pub struct Jobs {
    /// The engine, with the pipeline's state.
    pub runner: PipelineRunner,
    /// When each batch is due.
    pub batches: BatchClock,
    /// The timer armed for the next due batch.
    pub(super) timer: Option<Timeout>,
}

/// Checkpoints: what this run restored and what it saved.
#[derive(Default)]
pub struct Recovery {
    /// The feed record a restored run resumes at.
    pub(super) start_offset: Option<u64>,
    /// Why a saved checkpoint was not used, shown in the page.
    pub restore_refused: Option<String>,
    /// Batches restored from a checkpoint, if this run began with one.
    pub restored_batches: Option<u64>,
    /// Checkpoints saved by this run.
    pub checkpoints: u64,
    /// A periodic checkpoint came due while the sink had batches in hand;
    /// it is taken when they settle.
    pub(super) checkpoint_owed: bool,
}
