//! A pipeline: the stages a person typed, checked against the batch
//! interval and compiled to the typed DStream API over values.

pub mod build;
pub mod checkpoint;
pub mod error;
pub mod expr_parser;
pub mod lexer;
pub mod limits;
pub mod parser;
pub mod reduce_fn;
pub mod source;
pub mod stage;
pub mod text;
pub mod words;

use std::rc::Rc;

use crate::clock::Clock;
use crate::dstream::{StageFigures, StreamingContext};
use crate::duration::Duration;
use crate::malformed::Malformed;
use crate::records::Records;
use crate::value::Value;
use source::{Input, Slot};
use text::{TextChain, TextOp};

pub use error::PipelineError;
pub use parser::{parse, ParsedStage};
pub use stage::{Stage, WindowSpec};

/// The checkpoint format; 2 keeps incremental windows' keys once.
const CHECKPOINT_VERSION: u64 = 2;

/// The largest checkpoint restored: about what the default state budget
/// writes as text. A larger one is refused, and the run starts fresh.
pub const MAX_CHECKPOINT_BYTES: usize = 512 << 20;

/// The longest run a checkpoint may claim (100 years, in ms): batch times
/// stay far from overflow, and exact as JavaScript numbers.
pub const MAX_RUN_MS: u64 = 100 * 365 * 24 * 3600 * 1000;

/// The word count the dashboard opens with.
pub const DEFAULT_PIPELINE: &str = "split | lower | count_by_value_and_window 10s | top 10";

/// A running pipeline.
pub struct Pipeline {
    text: String,
    ssc: StreamingContext,
    input: Slot<Input>,
    latest: Slot<Vec<Value>>,
    /// The last stage emits keyed pairs in hash order.
    sort_output: bool,
    /// The last stage is `top`: its output comes largest first.
    ranked_output: bool,
}

impl Pipeline {
    /// Parses `text` and builds it for batches of `batch`; refuses windows
    /// that do not fit, with the stage that is wrong. Leading text stages
    /// run fused on the batch's lines, and a counting stage after them
    /// takes its counts straight from there (see [`source`]).
    pub fn new(text: &str, batch: Duration) -> Result<Pipeline, PipelineError> {
        Pipeline::build(text, batch, true)
    }

    /// The same pipeline with every stage a separate operator over values:
    /// slower, and the oracle the fused record path is tested against.
    pub fn unfused(text: &str, batch: Duration) -> Result<Pipeline, PipelineError> {
        Pipeline::build(text, batch, false)
    }

    fn build(text: &str, batch: Duration, fuse: bool) -> Result<Pipeline, PipelineError> {
        if batch.as_millis() == 0 {
            return Err(PipelineError::whole("the batch interval must be positive"));
        }
        let stages = parse(text)?;
        let mut ssc = StreamingContext::new(batch);
        let input: Slot<Input> = Rc::default();
        let graph = ssc.graph().clone();
        let at = |i: usize, msg: String| {
            let p: &ParsedStage = &stages[i];
            PipelineError::at(text, p.start, p.end, msg).in_stage(i + 1, &p.name)
        };
        let ops: Vec<TextOp> = match fuse {
            true => stages.iter().map_while(|p| TextOp::of(&p.stage)).collect(),
            false => Vec::new(),
        };
        let rest: Vec<&Stage> = stages[ops.len()..].iter().map(|p| &p.stage).collect();
        let chain = TextChain::new(ops);
        // Each stage typed is reported as one (see `dstream::stages`):
        // the source joins the first stage, and fused stages are one,
        // named after all of them.
        let source_stage = graph.stage_count();
        let label = |i: usize| text[stages[i].start..stages[i].end].trim();
        let fused = |upto: usize| (0..upto).map(label).collect::<Vec<_>>().join(" | ");
        let (mut stream, next) = match build::combinable(&rest).filter(|_| fuse) {
            Some(skip) => {
                let keyed = stages.len() - rest.len() + skip;
                let counts = source::counted(graph.clone(), input.clone(), chain);
                let stream = build::apply_counted(counts, &stages[keyed].stage)
                    .map_err(|msg| at(keyed, msg))?;
                graph.group_stages(source_stage, &fused(keyed + 1));
                (stream, keyed + 1)
            }
            None => {
                let next = stages.len() - rest.len();
                let stream = source::values(graph.clone(), input.clone(), chain);
                if next > 0 {
                    graph.group_stages(source_stage, &fused(next));
                }
                (stream, next)
            }
        };
        for (i, parsed) in stages.iter().enumerate().skip(next) {
            let from = match i {
                0 => source_stage,
                _ => graph.stage_count(),
            };
            stream = build::apply(stream, &parsed.stage).map_err(|msg| at(i, msg))?;
            graph.group_stages(from, label(i));
        }
        let sort_output = stages
            .last()
            .is_some_and(|p| build::emits_unordered_pairs(&p.stage));
        let ranked_output = matches!(stages.last(), Some(p) if matches!(p.stage, Stage::Top(_)));
        let latest: Slot<Vec<Value>> = Rc::default();
        let sink = latest.clone();
        ssc.foreach_batch(stream, move |_, out| *sink.borrow_mut() = Some(out));
        Ok(Pipeline {
            text: text.to_string(),
            ssc,
            input,
            latest,
            sort_output,
            ranked_output,
        })
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn batch_interval(&self) -> Duration {
        self.ssc.batch_interval()
    }

    /// Time (ms since start) of the next batch.
    pub fn next_batch_time(&self) -> u64 {
        self.ssc.next_batch_time()
    }

    pub fn batches_run(&self) -> u64 {
        self.ssc.batches_run()
    }

    /// Records the stages could not handle, with samples.
    pub fn malformed(&self) -> &Malformed {
        self.ssc.malformed()
    }

    /// Bounds every stateful stage to `max_keys` keys (see
    /// [`StreamingContext::set_max_keys`]).
    pub fn set_max_keys(&mut self, max_keys: usize) {
        self.ssc.set_max_keys(max_keys);
    }

    /// Bounds the memory of the pipeline's state to `bytes` (see
    /// [`StreamingContext::set_state_budget`]).
    pub fn set_state_budget(&mut self, bytes: usize) {
        self.ssc.set_state_budget(bytes);
    }

    /// The memory the pipeline's state holds, roughly.
    pub fn state_bytes(&self) -> usize {
        self.ssc.state_bytes()
    }

    /// Keys evicted so far by the key limit.
    pub fn evicted(&self) -> u64 {
        self.ssc.evicted()
    }

    /// The pipeline's running state as JSON text: what it is, how many
    /// batches ran, and every stateful stage's state (see [`checkpoint`]).
    pub fn checkpoint(&self) -> Result<String, String> {
        let mut out = String::new();
        for part in self.checkpoint_parts()? {
            part(&mut out);
        }
        Ok(out)
    }

    /// The same checkpoint, taken now and written later, a part at a time:
    /// the parts' text, in order, is [`Pipeline::checkpoint`]'s.
    pub fn checkpoint_parts(&self) -> Result<Vec<checkpoint::Part>, String> {
        let head = format!(
            "{{\"version\":{CHECKPOINT_VERSION},\"pipeline\":{},\"batch_ms\":{},\"batches_run\":{},\"states\":",
            serde_json::Value::from(self.text.as_str()),
            self.batch_interval().as_millis(),
            self.batches_run()
        );
        let mut parts = vec![checkpoint::text_part(head)];
        checkpoint::save_states(&self.ssc.graph().states(), &mut parts)?;
        parts.push(checkpoint::text_part("}".into()));
        Ok(parts)
    }

    /// Continues from `saved` (JSON text from [`Pipeline::checkpoint`]),
    /// which must come from this same pipeline and batch interval, and is
    /// checked before use as input from outside: its size, version, batch
    /// count, and every state's times, order and keys. On any mismatch
    /// nothing changes, and the message says what was wrong.
    pub fn restore(&mut self, saved: &str) -> Result<(), String> {
        #[derive(serde::Deserialize)]
        struct Version {
            version: Option<serde_json::Value>,
        }
        #[derive(serde::Deserialize)]
        struct Saved<'a> {
            pipeline: String,
            batch_ms: u64,
            batches_run: u64,
            #[serde(borrow)]
            states: Vec<&'a serde_json::value::RawValue>,
        }
        if saved.len() > MAX_CHECKPOINT_BYTES {
            return Err(format!(
                "checkpoint: {} bytes, more than the {} MiB a checkpoint may have",
                saved.len(),
                MAX_CHECKPOINT_BYTES >> 20
            ));
        }
        let version: Version =
            serde_json::from_str(saved).map_err(|e| format!("checkpoint: not JSON: {e}"))?;
        if version.version != Some(CHECKPOINT_VERSION.into()) {
            return Err("checkpoint: saved by another version of Sparklet".into());
        }
        let saved: Saved =
            serde_json::from_str(saved).map_err(|e| format!("checkpoint: damaged: {e}"))?;
        let batch_ms = self.batch_interval().as_millis();
        if saved.pipeline != self.text || saved.batch_ms != batch_ms {
            return Err("checkpoint: saved by another pipeline or batch interval".into());
        }
        let now_ms = saved
            .batches_run
            .checked_mul(batch_ms)
            .filter(|t| *t <= MAX_RUN_MS)
            .ok_or_else(|| {
                format!(
                    "checkpoint: {} batches of {} ms is longer than a run can be (100 years)",
                    saved.batches_run, batch_ms
                )
            })?;
        let run = checkpoint::Run {
            now_ms,
            batch_ms,
            max_keys: self.ssc.max_keys(),
            budget: self.ssc.state_budget(),
        };
        checkpoint::restore_states(&self.ssc.graph().states(), &saved.states, &run)?;
        self.ssc.set_batches_run(saved.batches_run);
        Ok(())
    }

    /// Whether the output is keyed pairs in hash order (which `replay`
    /// sorts by key so results diff cleanly; the page ranks them itself).
    pub fn keyed_output(&self) -> bool {
        self.sort_output
    }

    /// Whether the output comes ranked, largest first (the last stage is
    /// `top`), so the page shows it as it is instead of ranking it again.
    pub fn ranked_output(&self) -> bool {
        self.ranked_output
    }

    /// Runs the next batch of raw lines. `None` when the pipeline does not
    /// emit at this batch's time (a window between slides).
    pub fn run(&mut self, records: Records) -> Option<Vec<Value>> {
        self.run_input(Input::Lines(records))
    }

    /// The same for a batch of values (`sparklet replay`, tests).
    pub fn run_values(&mut self, values: Vec<Value>) -> Option<Vec<Value>> {
        self.run_input(Input::Values(values))
    }

    /// Runs the next batch of raw lines, timing its stages by `clock`.
    pub fn run_timed(&mut self, records: Records, clock: &dyn Clock) -> Option<Vec<Value>> {
        *self.input.borrow_mut() = Some(Input::Lines(records));
        self.ssc.run_batch_timed(clock);
        self.latest.borrow_mut().take()
    }

    /// Each stage's records in and out and time in the last batch, in
    /// pipeline order (see [`crate::dstream::stages`]).
    pub fn stages(&self) -> Vec<StageFigures> {
        self.ssc.stages()
    }

    fn run_input(&mut self, input: Input) -> Option<Vec<Value>> {
        *self.input.borrow_mut() = Some(input);
        self.ssc.run_batch();
        self.latest.borrow_mut().take()
    }
}
