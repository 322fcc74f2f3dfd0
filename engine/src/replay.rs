//! Replay: a pipeline run over recorded batches of values, batch k at time
//! `k * batch`. `sparklet replay` is this plus JSON lines in and out, so
//! anyone can run the same batches through Spark and compare.

use crate::duration::Duration;
use crate::malformed::Malformed;
use crate::ops::Cx;
use crate::pipeline::{Pipeline, PipelineError};
use crate::value::Value;

/// One emitted output: the batch time and what the pipeline gave.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Emitted {
    pub time_ms: u64,
    pub output: Vec<Value>,
}

/// Runs `batches` in order; with `pad_to`, empty batches are added until
/// that many have run. Malformed records are counted into `malformed`.
pub fn replay(
    pipeline: &str,
    batch: Duration,
    batches: impl IntoIterator<Item = Vec<Value>>,
    pad_to: Option<u64>,
    malformed: &mut Malformed,
) -> Result<Vec<Emitted>, PipelineError> {
    let mut p = Pipeline::new(pipeline, batch)?;
    let mut out = Vec::new();
    let mut k = 0u64;
    let mut batches = batches.into_iter();
    loop {
        let input = match batches.next() {
            Some(b) if pad_to.is_none_or(|n| k < n) => b,
            None if pad_to.is_some_and(|n| k < n) => Vec::new(),
            _ => break,
        };
        k += 1;
        let time_ms = k * batch.as_millis();
        malformed.begin_batch();
        if let Some(output) = p.run_values(time_ms, input, &mut Cx { malformed }) {
            out.push(Emitted { time_ms, output });
        }
    }
    Ok(out)
}
