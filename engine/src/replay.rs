//! Replay: a pipeline run over recorded batches of values, batch k at time
//! `k * batch`. `sparklet replay` is this plus JSON lines in and out, so
//! anyone can run the same batches through Spark and compare. And a run
//! over recorded frames, the page's receiving path without the socket.

use crate::duration::Duration;
use crate::malformed::Malformed;
use crate::pending::{PendingBuffer, DEFAULT_PENDING_LIMIT};
use crate::pipeline::{Pipeline, PipelineError};
use crate::runner::{Clock, PipelineRunner};
use crate::value::Value;

/// One emitted output: the batch time and what the pipeline gave.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Emitted {
    pub time_ms: u64,
    pub output: Vec<Value>,
    /// For an event-time pipeline, what its aggregation reported.
    #[serde(flatten)]
    pub event: Option<EventReport>,
}

/// An event-time batch's figures, as `replay` prints them beside its output.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct EventReport {
    /// The watermark after the batch, ms since the epoch.
    pub watermark_ms: i64,
    /// Spark's `numRowsDroppedByWatermark`: late (window, key) groups, or
    /// for sessions late (key, event time) pairs.
    pub late: u64,
    /// Late input rows.
    pub late_rows: u64,
    /// Windows or sessions held after the batch.
    pub state_rows: usize,
}

/// A pipeline fed one recorded batch at a time, batch k at `k * batch`.
pub struct Replay {
    pipeline: Pipeline,
}

impl Replay {
    /// Compiles `pipeline` for batches of `batch`; a mistake is a
    /// [`PipelineError`].
    ///
    /// # Examples
    ///
    /// ```
    /// # use sparklet_engine::replay::{Emitted, Replay};
    /// # use sparklet_engine::{Duration, Value};
    /// // A window of 2 s that slides every 2 s emits at every second batch.
    /// let pipeline = "split | count_by_window 2s 2s";
    /// let mut replay = Replay::new(pipeline, Duration::from_secs(1)).unwrap();
    /// assert_eq!(replay.run(vec![Value::from("a b")]), None);
    /// let emitted = replay.run(vec![Value::from("c")]);
    /// let expected = Emitted { time_ms: 2000, output: vec![Value::from(3i64)], event: None };
    /// assert_eq!(emitted, Some(expected));
    /// assert_eq!(replay.batches_run(), 2);
    /// ```
    pub fn new(pipeline: &str, batch: Duration) -> Result<Replay, PipelineError> {
        Ok(Replay {
            pipeline: Pipeline::new(pipeline, batch)?,
        })
    }

    /// How many batches have run.
    pub fn batches_run(&self) -> u64 {
        self.pipeline.batches_run()
    }

    /// The records the pipeline could not handle so far.
    pub fn malformed(&self) -> &Malformed {
        self.pipeline.malformed()
    }

    /// Runs the next batch; `Some` when the pipeline emits at its time.
    /// Keyed output comes sorted by key, so two runs diff cleanly. (See
    /// [`Replay::new`] for an example.)
    pub fn run(&mut self, input: Vec<Value>) -> Option<Emitted> {
        let time_ms = self.pipeline.next_batch_time();
        let mut output = self.pipeline.run_values(input)?;
        if self.pipeline.keyed_output() {
            output.sort_unstable_by(Value::output_cmp);
        }
        let event = self.pipeline.take_event_figures().map(|f| EventReport {
            watermark_ms: f.watermark_ms,
            late: f.late,
            late_rows: f.late_rows,
            state_rows: f.state_rows,
        });
        Some(Emitted {
            time_ms,
            output,
            event,
        })
    }
}

/// Runs `batches` in order; with `exactly`, runs that many batches,
/// dropping extra input or padding with empty batches. Returns what was
/// emitted and the malformed records met. What `sparklet replay` runs.
///
/// # Examples
///
/// ```
/// # use sparklet_engine::replay::replay;
/// # use sparklet_engine::{Duration, Value};
/// let pipeline = "split | count_by_value_and_window 2s";
/// let batches = vec![vec![Value::from("b a")], vec![Value::from("a")]];
/// let (emitted, malformed) = replay(pipeline, Duration::from_secs(1), batches, Some(3)).unwrap();
/// let outputs: Vec<_> = emitted.into_iter().map(|e| (e.time_ms, e.output)).collect();
/// let pair = |k: &str, n: i64| Value::from((k, n));
/// assert_eq!(outputs, [
///     (1000, vec![pair("a", 1), pair("b", 1)]),
///     (2000, vec![pair("a", 2), pair("b", 1)]),
///     (3000, vec![pair("a", 1)]), // batch 1 left the window, and `b` with it
/// ]);
/// assert_eq!(malformed.count(), 0);
/// ```
pub fn replay(
    pipeline: &str,
    batch: Duration,
    batches: impl IntoIterator<Item = Vec<Value>>,
    exactly: Option<u64>,
) -> Result<(Vec<Emitted>, Malformed), PipelineError> {
    let mut r = Replay::new(pipeline, batch)?;
    let mut batches = batches.into_iter();
    let mut out = Vec::new();
    while exactly.is_none_or(|n| r.batches_run() < n) {
        let input = match batches.next() {
            Some(b) => b,
            None if exactly.is_some() => Vec::new(),
            None => break,
        };
        out.extend(r.run(input));
    }
    Ok((out, r.malformed().clone()))
}

/// What a run over frames met.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct FramesRun {
    pub records: u64,
    pub batches: u64,
    pub malformed: u64,
    /// The last output the pipeline emitted.
    pub output: Option<Vec<Value>>,
}

/// A pipeline fed text frames as the page receives them: each frame into
/// the pending buffer, a batch cut after every `frames_per_batch` frames
/// (and at the end). How `sparklet bench` times the engine on the same
/// frames natively and in the page.
pub struct FrameReplay<'r> {
    runner: &'r mut PipelineRunner,
    pending: PendingBuffer,
    malformed: Malformed,
    frames_per_batch: usize,
    in_batch: usize,
    run: FramesRun,
}

impl<'r> FrameReplay<'r> {
    /// A run of `runner` over frames, cutting a batch after every
    /// `frames_per_batch` frames (at least 1).
    ///
    /// # Examples
    ///
    /// ```
    /// # use sparklet_engine::replay::{FrameReplay, FramesRun};
    /// # use sparklet_engine::{Clock, Duration, PipelineRunner, Value};
    /// # struct Stopped;
    /// # impl Clock for Stopped {
    /// #     fn now_ms(&self) -> f64 {
    /// #         0.0
    /// #     }
    /// # }
    /// let mut runner = PipelineRunner::new("split | count", Duration::from_secs(1)).unwrap();
    /// let mut frames = FrameReplay::new(&mut runner, 2);
    /// for frame in ["a b\nc", "d", "e f"] {
    ///     frames.push(frame, &Stopped); // a batch after the second frame
    /// }
    /// let run = frames.finish(&Stopped); // and one of what is left
    /// let last = Some(vec![Value::from(2i64)]); // the words of "e f"
    /// assert_eq!(run, FramesRun { records: 4, batches: 2, malformed: 0, output: last });
    /// ```
    pub fn new(runner: &'r mut PipelineRunner, frames_per_batch: usize) -> FrameReplay<'r> {
        FrameReplay {
            runner,
            pending: PendingBuffer::new(DEFAULT_PENDING_LIMIT),
            malformed: Malformed::default(),
            frames_per_batch: frames_per_batch.max(1),
            in_batch: 0,
            run: FramesRun {
                records: 0,
                batches: 0,
                malformed: 0,
                output: None,
            },
        }
    }

    /// Receives one text frame (records separated by `\n`), running a
    /// batch when it completes one.
    pub fn push(&mut self, frame: &str, clock: &dyn Clock) {
        self.pending.push_text(frame, 0.0, &mut self.malformed);
        self.in_batch += 1;
        if self.in_batch == self.frames_per_batch {
            self.cut(clock);
        }
    }

    /// Runs what is left as a last batch; what the run met.
    pub fn finish(mut self, clock: &dyn Clock) -> FramesRun {
        if self.in_batch > 0 {
            self.cut(clock);
        }
        self.run.malformed = self.malformed.count() + self.runner.malformed().count();
        self.run
    }

    fn cut(&mut self, clock: &dyn Clock) {
        self.in_batch = 0;
        let block = self.pending.take_until(f64::INFINITY);
        self.run.records += block.records.len() as u64;
        let report = self.runner.run_batch(block.records, clock.now_ms(), clock);
        self.run.output = report.output.or(self.run.output.take());
        self.run.batches += 1;
    }
}
