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
}

/// A pipeline fed one recorded batch at a time.
pub struct Replay {
    pipeline: Pipeline,
}

impl Replay {
    pub fn new(pipeline: &str, batch: Duration) -> Result<Replay, PipelineError> {
        Ok(Replay {
            pipeline: Pipeline::new(pipeline, batch)?,
        })
    }

    pub fn batches_run(&self) -> u64 {
        self.pipeline.batches_run()
    }

    pub fn malformed(&self) -> &Malformed {
        self.pipeline.malformed()
    }

    /// Runs the next batch; `Some` when the pipeline emits at its time.
    /// Keyed output comes sorted by key, so two runs diff cleanly.
    pub fn run(&mut self, input: Vec<Value>) -> Option<Emitted> {
        let time_ms = self.pipeline.next_batch_time();
        let mut output = self.pipeline.run_values(input)?;
        if self.pipeline.keyed_output() {
            output.sort_unstable_by(|a, b| a.total_cmp(b));
        }
        Some(Emitted { time_ms, output })
    }
}

/// Runs `batches` in order; with `exactly`, runs that many batches,
/// dropping extra input or padding with empty batches. Returns what was
/// emitted and the malformed records met.
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
