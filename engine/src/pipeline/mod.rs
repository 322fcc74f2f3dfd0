//! A pipeline: the stages a person typed, checked against the batch
//! interval and compiled to the typed DStream API over values.

pub mod build;
pub mod checkpoint;
pub mod error;
pub mod expr_parser;
pub mod lexer;
pub mod parser;
pub mod reduce_fn;
pub mod stage;

use std::cell::RefCell;
use std::rc::Rc;

use crate::dstream::source::split_into;
use crate::dstream::{DStream, Graph, StreamingContext};
use crate::duration::Duration;
use crate::malformed::Malformed;
use crate::records::Records;
use crate::value::{Str, Value};

pub use error::PipelineError;
pub use parser::{parse, ParsedStage};
pub use stage::{Stage, WindowSpec};

/// The word count the dashboard opens with.
pub const DEFAULT_PIPELINE: &str = "split | lower | count_by_value_and_window 10s | top 10";

/// What a batch brings: the receiver's packed lines, or values (replay).
enum Input {
    Lines(Records),
    Values(Vec<Value>),
}

type Slot<T> = Rc<RefCell<Option<T>>>;

/// A running pipeline.
pub struct Pipeline {
    text: String,
    ssc: StreamingContext,
    input: Slot<Input>,
    latest: Slot<Vec<Value>>,
    /// The last stage emits keyed pairs in hash order.
    sort_output: bool,
}

impl Pipeline {
    /// Parses `text` and builds it for batches of `batch`; refuses windows
    /// that do not fit, with the stage that is wrong.
    pub fn new(text: &str, batch: Duration) -> Result<Pipeline, PipelineError> {
        if batch.as_millis() == 0 {
            return Err(PipelineError::whole("the batch interval must be positive"));
        }
        let stages = parse(text)?;
        let mut ssc = StreamingContext::new(batch);
        let input: Slot<Input> = Rc::default();
        // `split` right after the source reads the packed lines in place.
        let (mut stream, built) = match stages.first().map(|p| &p.stage) {
            Some(Stage::Split(sep)) => (source(ssc.graph().clone(), input.clone(), sep.clone()), 1),
            _ => (source_values(ssc.graph().clone(), input.clone()), 0),
        };
        for (i, parsed) in stages.iter().enumerate().skip(built) {
            stream = build::apply(stream, &parsed.stage).map_err(|msg| {
                PipelineError::at(text, parsed.start, parsed.end, msg).in_stage(i + 1, &parsed.name)
            })?;
        }
        let sort_output = stages
            .last()
            .is_some_and(|p| build::emits_unordered_pairs(&p.stage));
        let latest: Slot<Vec<Value>> = Rc::default();
        let sink = latest.clone();
        ssc.foreach_batch(stream, move |_, out| *sink.borrow_mut() = Some(out));
        Ok(Pipeline {
            text: text.to_string(),
            ssc,
            input,
            latest,
            sort_output,
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

    /// Keys evicted so far by the key limit.
    pub fn evicted(&self) -> u64 {
        self.ssc.evicted()
    }

    /// The pipeline's running state as JSON: what it is, how many batches
    /// ran, and every stateful stage's state (see [`checkpoint`]).
    pub fn checkpoint(&self) -> Result<serde_json::Value, String> {
        Ok(serde_json::json!({
            "version": 1,
            "pipeline": self.text,
            "batch_ms": self.batch_interval().as_millis(),
            "batches_run": self.batches_run(),
            "states": checkpoint::save_states(&self.ssc.graph().states())?,
        }))
    }

    /// Continues from `saved`, which must come from this same pipeline and
    /// batch interval; on any mismatch nothing changes.
    pub fn restore(&mut self, saved: &serde_json::Value) -> Result<(), String> {
        if saved["version"] != 1 {
            return Err("checkpoint: unknown version".into());
        }
        if saved["pipeline"] != self.text.as_str()
            || saved["batch_ms"] != self.batch_interval().as_millis()
        {
            return Err("checkpoint: saved by another pipeline or batch interval".into());
        }
        let batches = saved["batches_run"]
            .as_u64()
            .ok_or("checkpoint: no batch count")?;
        checkpoint::restore_states(&self.ssc.graph().states(), &saved["states"])?;
        self.ssc.set_batches_run(batches);
        Ok(())
    }

    /// Whether the output is keyed pairs in hash order (which `replay`
    /// sorts by key so results diff cleanly; the page ranks them itself).
    pub fn keyed_output(&self) -> bool {
        self.sort_output
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

    fn run_input(&mut self, input: Input) -> Option<Vec<Value>> {
        *self.input.borrow_mut() = Some(input);
        self.ssc.run_batch();
        self.latest.borrow_mut().take()
    }
}

/// The batch as values: lines become strings.
fn source_values(graph: Rc<Graph>, input: Slot<Input>) -> DStream<Value> {
    DStream::from_fn(graph.batch, graph, move |_, _| {
        Some(match input.borrow_mut().take() {
            Some(Input::Lines(records)) => records.iter().map(Value::str).collect(),
            Some(Input::Values(values)) => values,
            None => Vec::new(),
        })
    })
}

/// The source fused with a leading `split`: words straight from the
/// packed lines, no value per line. Values that are not strings are
/// malformed, as `split` would find them.
fn source(graph: Rc<Graph>, input: Slot<Input>, sep: Option<String>) -> DStream<Value> {
    DStream::from_fn(graph.batch, graph, move |_, cx| {
        let input = input.borrow_mut().take();
        // About six words per line on the demo feed: one reservation.
        let lines = match &input {
            Some(Input::Lines(records)) => records.len(),
            _ => 0,
        };
        let mut words = Vec::with_capacity(lines * 6);
        let mut push = |w: &str| words.push(Value::Str(Str::new(w)));
        match input {
            Some(Input::Lines(records)) => {
                for line in records.iter() {
                    split_into(line, sep.as_deref(), &mut push);
                }
            }
            Some(Input::Values(values)) => {
                for v in values {
                    match v.as_str() {
                        Some(line) => split_into(line, sep.as_deref(), &mut push),
                        None => cx.malformed.record(&v.to_string(), || {
                            format!("split needs a string, got a {}", v.type_name())
                        }),
                    }
                }
            }
            None => {}
        }
        Some(words)
    })
}
