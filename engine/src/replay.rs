//! Replay: a pipeline run over recorded batches of values, batch k at time
//! `k * batch`. `sparklet replay` is this plus JSON lines in and out, so
//! anyone can run the same batches through Spark and compare.

use crate::duration::Duration;
use crate::malformed::Malformed;
use crate::pipeline::{Pipeline, PipelineError};
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
