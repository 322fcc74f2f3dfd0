//! The pipeline runner: what the page drives. It takes each batch's
//! records and the clock time the batch was due, runs the pipeline, and
//! returns Spark's BatchInfo with its three delays. Time comes in through
//! [`Clock`], so the engine never meets a browser.

use crate::checkpoint::{CheckpointError, Part};
use crate::dstream::StageFigures;
use crate::duration::Duration;
use crate::malformed::Malformed;
use crate::pipeline::{EventFigures, Pipeline, PipelineError};
use crate::records::Records;
use crate::value::Value;

pub use crate::clock::Clock;

/// Spark's BatchInfo: what the Streaming UI plots for each batch.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BatchInfo {
    /// 1-based batch number.
    pub batch: u64,
    /// `batch * interval`, ms since the stream started.
    pub time_ms: u64,
    pub records: u64,
    /// How late processing started after the batch time.
    pub scheduling_delay_ms: f64,
    pub processing_ms: f64,
    /// Scheduling delay plus processing time.
    pub total_delay_ms: f64,
    /// Records found malformed while processing this batch.
    pub malformed: u64,
    /// State keys evicted by the key limit during this batch.
    pub evicted: u64,
}

/// What one batch gave: its BatchInfo, its output and its stages' figures.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct BatchReport {
    pub info: BatchInfo,
    /// The pipeline's output, `None` between window slides.
    pub output: Option<Vec<Value>>,
    /// Each stage's records in and out and time, in pipeline order.
    pub stages: Vec<StageFigures>,
    /// What the event-time aggregation reported, for a pipeline with one.
    pub event: Option<EventFigures>,
}

/// Runs one pipeline over consecutive batches and reports on each: what
/// Spark's JobScheduler and StreamingListener do for the page.
pub struct PipelineRunner {
    pipeline: Pipeline,
}

impl PipelineRunner {
    /// Compiles `pipeline` (the pipeline language, e.g. `split |
    /// count_by_value`) for batches of `batch`; a mistake is a
    /// [`PipelineError`] naming the stage and column.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sparklet_engine::{Duration, PipelineRunner};
    /// let runner = PipelineRunner::new("split | lower | count_by_value", Duration::from_secs(1));
    /// let runner = runner.unwrap();
    /// assert_eq!((runner.next_batch_time(), runner.completed_batches()), (1000, 0));
    /// assert!(PipelineRunner::new("split | cuont", Duration::from_secs(1)).is_err());
    /// ```
    pub fn new(pipeline: &str, batch: Duration) -> Result<PipelineRunner, PipelineError> {
        Ok(PipelineRunner {
            pipeline: Pipeline::new(pipeline, batch)?,
        })
    }

    /// The pipeline's batch interval.
    pub fn batch_interval(&self) -> Duration {
        self.pipeline.batch_interval()
    }

    /// The compiled pipeline the runner drives.
    pub fn pipeline(&self) -> &Pipeline {
        &self.pipeline
    }

    /// How many batches have run (including those of a restored run).
    pub fn completed_batches(&self) -> u64 {
        self.pipeline.batches_run()
    }

    /// Time (ms since start) of the next batch to run.
    pub fn next_batch_time(&self) -> u64 {
        self.pipeline.next_batch_time()
    }

    /// Records the pipeline could not handle.
    pub fn malformed(&self) -> &Malformed {
        self.pipeline.malformed()
    }

    /// Bounds each stateful stage to `max_keys` keys (see
    /// [`StreamingContext::set_max_keys`](crate::dstream::StreamingContext::set_max_keys)).
    pub fn set_max_keys(&mut self, max_keys: usize) {
        self.pipeline.set_max_keys(max_keys);
    }

    /// The checkpoint in parts, to write a little at a time (see
    /// [`Pipeline::checkpoint_parts`]).
    pub fn checkpoint_parts(&self) -> Vec<Part> {
        self.pipeline.checkpoint_parts()
    }

    /// Restores the pipeline's state and batch count from a checkpoint
    /// (see [`Pipeline::restore`]).
    pub fn restore(&mut self, saved: &str) -> Result<(), CheckpointError> {
        self.pipeline.restore(saved)
    }

    /// Bounds the state's memory (see [`Pipeline::set_state_budget`]).
    pub fn set_state_budget(&mut self, bytes: usize) {
        self.pipeline.set_state_budget(bytes);
    }

    /// The memory the pipeline's state holds, roughly.
    pub fn state_bytes(&self) -> usize {
        self.pipeline.state_bytes()
    }

    /// State keys evicted so far by the key limit.
    pub fn evicted(&self) -> u64 {
        self.pipeline.evicted()
    }

    /// Runs the next batch. `due_ms` is the clock time at which the batch's
    /// time was reached; the delays are measured from it: Spark's
    /// scheduling delay (from `due_ms` to the start), processing time
    /// (start to end, by `clock`) and total delay (their sum).
    ///
    /// # Examples
    ///
    /// ```
    /// # use sparklet_engine::{Clock, Duration, PipelineRunner, Records, Value};
    /// // A clock stopped at 1,250 ms: the batch started 250 ms after it was
    /// // due and took no time.
    /// struct Stopped;
    /// impl Clock for Stopped {
    ///     fn now_ms(&self) -> f64 {
    ///         1250.0
    ///     }
    /// }
    /// let runner = PipelineRunner::new("split | count_by_value", Duration::from_secs(1));
    /// let mut runner = runner.unwrap();
    /// let records: Records = ["b a", "a"].into_iter().collect();
    /// let report = runner.run_batch(records, 1000.0, &Stopped);
    /// let mut output = report.output.unwrap();
    /// output.sort_by(Value::output_cmp);
    /// assert_eq!(output, vec![Value::from(("a", 2i64)), Value::from(("b", 1i64))]);
    /// let info = report.info;
    /// assert_eq!((info.batch, info.time_ms, info.records), (1, 1000, 2));
    /// assert_eq!((info.scheduling_delay_ms, info.processing_ms), (250.0, 0.0));
    /// assert_eq!(info.total_delay_ms, 250.0);
    /// ```
    pub fn run_batch(&mut self, records: Records, due_ms: f64, clock: &dyn Clock) -> BatchReport {
        let start = clock.now_ms();
        let time_ms = self.next_batch_time();
        let count = records.len() as u64;
        let malformed_before = self.malformed().count();
        let evicted_before = self.evicted();
        let output = self.pipeline.run_timed(records, clock);
        let end = clock.now_ms();
        let scheduling_delay_ms = (start - due_ms).max(0.0);
        let processing_ms = (end - start).max(0.0);
        BatchReport {
            info: BatchInfo {
                batch: self.completed_batches(),
                time_ms,
                records: count,
                scheduling_delay_ms,
                processing_ms,
                total_delay_ms: scheduling_delay_ms + processing_ms,
                malformed: self.malformed().count() - malformed_before,
                evicted: self.evicted() - evicted_before,
            },
            output,
            stages: self.pipeline.stages(),
            event: self.pipeline.take_event_figures(),
        }
    }
}
