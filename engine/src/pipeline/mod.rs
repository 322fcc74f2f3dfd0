//! A pipeline: the stages a person typed, checked against the batch
//! interval and compiled to the typed DStream API over values.

pub(crate) mod build;
pub(crate) mod each;
pub(crate) mod error;
pub(crate) mod event_stages;
pub(crate) mod expr_parser;
pub(crate) mod lexer;
pub mod limits;
pub(crate) mod parser;
pub(crate) mod projection;
pub(crate) mod reduce_fn;
pub(crate) mod source;
pub(crate) mod stage;
pub(crate) mod text;
pub(crate) mod words;

use std::cell::RefCell;
use std::rc::Rc;

use crate::checkpoint::{self, CheckpointError, Part};
use crate::clock::Clock;
use crate::dstream::{StageFigures, StreamingContext};
use crate::duration::Duration;
use crate::malformed::Malformed;
use crate::records::Records;
use crate::value::Value;
use event_stages::Flow;
use source::{Input, Slot, TextChain};
use text::TextOp;

pub use error::{PipelineError, StageError};
pub use event_stages::{EventFigures, LATENESS_BOUNDS_MS};
pub use parser::{parse, ParsedStage};
pub use reduce_fn::ReduceFn;
pub use stage::{Stage, WindowSpec, OPERATORS};

/// The word count the dashboard opens with.
pub const DEFAULT_PIPELINE: &str = "split | lower | count_by_value_and_window 10s | top 10";

/// How a pipeline is built: the same stages, the same code per stage.
#[derive(Clone, Copy)]
enum Form {
    /// Leading text stages chained on the batch's borrowed lines, and a
    /// counting stage after them fed counts (see [`source`]).
    Fused,
    /// Every stage its own operator over values.
    StageByStage,
}

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
    /// What the event-time aggregation reports, when there is one.
    event: Option<Rc<RefCell<EventFigures>>>,
}

impl Pipeline {
    /// Parses `text` and builds it for batches of `batch`; refuses windows
    /// that do not fit, with the stage that is wrong. Leading text stages
    /// run fused on the batch's lines, and a counting stage after them
    /// takes its counts straight from there (the `source` module).
    ///
    /// # Examples
    ///
    /// ```
    /// use sparklet_engine::{Duration, Pipeline, Records, Value};
    ///
    /// let mut p = Pipeline::new("split | count_by_value | top 2", Duration::from_secs(1)).unwrap();
    /// let out = p.run(Records::from_iter(["a b a", "c a b"])).unwrap();
    /// assert_eq!(out, [Value::pair(Value::str("a"), Value::Int(3)),
    ///                  Value::pair(Value::str("b"), Value::Int(2))]);
    ///
    /// // A mistake names its stage and where it is.
    /// let err = Pipeline::new("split | window 1500ms", Duration::from_secs(1)).err().unwrap();
    /// assert!(err.to_string().starts_with("stage 2 `window`, column 9: the window length 1500ms"), "{err}");
    /// ```
    pub fn new(text: &str, batch: Duration) -> Result<Pipeline, PipelineError> {
        Pipeline::build(text, batch, Form::Fused)
    }

    /// The same pipeline with every stage a separate operator over values:
    /// slower, and the oracle the fused record path is tested against. The
    /// text stages run the same code as fused (the `text` module), a stage at a time.
    ///
    /// # Examples
    ///
    /// ```
    /// use sparklet_engine::{Duration, Pipeline, Records};
    ///
    /// let text = "split | lower | count_by_value_and_window 2s | top 3";
    /// let mut fused = Pipeline::new(text, Duration::from_secs(1)).unwrap();
    /// let mut unfused = Pipeline::unfused(text, Duration::from_secs(1)).unwrap();
    /// for lines in [["A b", "a"], ["B c", "É é"]] {
    ///     let records: Records = lines.into_iter().collect();
    ///     assert_eq!(fused.run(records.clone()), unfused.run(records));
    /// }
    /// ```
    pub fn unfused(text: &str, batch: Duration) -> Result<Pipeline, PipelineError> {
        Pipeline::build(text, batch, Form::StageByStage)
    }

    fn build(text: &str, batch: Duration, form: Form) -> Result<Pipeline, PipelineError> {
        if batch.as_millis() == 0 {
            return Err(PipelineError::whole("the batch interval must be positive"));
        }
        let stages = parse(text)?;
        let mut ssc = StreamingContext::new(batch);
        let input: Slot<Input> = Rc::default();
        let graph = ssc.graph().clone();
        let at = |i: usize, e: StageError| {
            let p: &ParsedStage = &stages[i];
            PipelineError::at(text, p.start, p.end, e.to_string()).in_stage(i + 1, &p.name)
        };
        let ops: Vec<TextOp> = match form {
            Form::Fused => stages.iter().map_while(|p| TextOp::of(&p.stage)).collect(),
            Form::StageByStage => Vec::new(),
        };
        let rest: Vec<&Stage> = stages[ops.len()..].iter().map(|p| &p.stage).collect();
        let chain = TextChain::new(ops);
        // Each stage typed is reported as one (see `dstream::stages`):
        // the source joins the first stage, and fused stages are one,
        // named after all of them.
        let source_stage = graph.stage_count();
        let label = |i: usize| text[stages[i].start..stages[i].end].trim();
        let fused = |upto: usize| (0..upto).map(label).collect::<Vec<_>>().join(" | ");
        let combined = match form {
            Form::Fused => build::combinable(&rest),
            Form::StageByStage => None,
        };
        let (stream, next) = match combined {
            Some(skip) => {
                let keyed = stages.len() - rest.len() + skip;
                let counts = source::counted(graph.clone(), input.clone(), chain);
                let stream =
                    build::apply_counted(counts, &stages[keyed].stage).map_err(|e| at(keyed, e))?;
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
        let figures: Rc<RefCell<EventFigures>> = Rc::default();
        let mut flow = Flow::Plain(stream);
        let mut watermark_at = None;
        let mut i = next;
        while let Some(parsed) = stages.get(i) {
            let from = match i {
                0 => source_stage,
                _ => graph.stage_count(),
            };
            // `json | map e` runs as one stage when `e` can be projected.
            let projected = match (form, &flow, &parsed.stage, stages.get(i + 1)) {
                (Form::Fused, Flow::Plain(_), Stage::Json, Some(next)) => match &next.stage {
                    Stage::Map(e) => each::Each::json_map(e.clone()),
                    _ => None,
                },
                _ => None,
            };
            if let Some(each) = projected {
                let Flow::Plain(stream) = flow else {
                    unreachable!("matched a plain flow")
                };
                flow = Flow::Plain(each.on(stream));
                graph.group_stages(from, &format!("{} | {}", label(i), label(i + 1)));
                i += 2;
                continue;
            }
            if matches!(parsed.stage, Stage::WithWatermark(..)) && watermark_at.replace(i).is_some()
            {
                let twice = event_stages::misplaced(&parsed.stage);
                return Err(at(i, StageError::EventTime(twice)));
            }
            flow = flow
                .apply(&parsed.stage, &parsed.name, &figures, build::apply)
                .map_err(|e| at(i, e))?;
            graph.group_stages(from, label(i));
            i += 1;
        }
        let stream = match (flow, watermark_at) {
            (Flow::Plain(stream), _) => stream,
            (Flow::Timed(..), at_stage) => {
                let last = at_stage.unwrap_or(stages.len() - 1);
                return Err(at(
                    last,
                    StageError::EventTime(event_stages::unaggregated()),
                ));
            }
        };
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
            event: watermark_at.map(|_| figures),
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
    /// batches ran, and every stateful stage's state (see
    /// [`checkpoint`]), for [`Pipeline::restore`] of
    /// the same pipeline built afresh.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sparklet_engine::{Duration, Pipeline, Value};
    /// let text = "update_state_by_key sum";
    /// let mut p = Pipeline::new(text, Duration::from_secs(1)).unwrap();
    /// p.run_values(vec![Value::from(("k", 2i64))]);
    /// let saved = p.checkpoint();
    ///
    /// let mut again = Pipeline::new(text, Duration::from_secs(1)).unwrap();
    /// again.restore(&saved).unwrap();
    /// let out = again.run_values(vec![Value::from(("k", 1i64))]);
    /// assert_eq!(out, Some(vec![Value::from(("k", 3i64))]));
    ///
    /// let mut other = Pipeline::new("update_state_by_key max", Duration::from_secs(1)).unwrap();
    /// let refused = other.restore(&saved).unwrap_err();
    /// assert_eq!(refused.to_string(), "checkpoint: saved by another pipeline or batch interval");
    /// ```
    pub fn checkpoint(&self) -> String {
        checkpoint::write(self.checkpoint_parts())
    }

    /// The same checkpoint, taken now and written later, a part at a time:
    /// the parts' text, in order, is [`Pipeline::checkpoint`]'s.
    pub fn checkpoint_parts(&self) -> Vec<Part> {
        self.ssc.checkpoint_parts_of(Some(&self.text))
    }

    /// Continues from `saved` (JSON text from [`Pipeline::checkpoint`]),
    /// which must come from this same pipeline and batch interval, and is
    /// checked before use as input from outside: its size, version, batch
    /// count, and every state's times, order and keys. On any mismatch
    /// nothing changes, and the error says what was wrong.
    pub fn restore(&mut self, saved: &str) -> Result<(), CheckpointError> {
        self.ssc.restore_of(saved, Some(&self.text))
    }

    /// Whether an event-time aggregation (`event_window`,
    /// `session_window`) runs in this pipeline.
    pub fn is_event_time(&self) -> bool {
        self.event.is_some()
    }

    /// What the event-time aggregation reported since this was last
    /// called (its watermark and state as they stand, its late counts and
    /// lateness since); `None` without one.
    pub fn take_event_figures(&self) -> Option<EventFigures> {
        self.event.as_ref().map(|f| f.borrow_mut().take())
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
    ///
    /// # Examples
    ///
    /// ```
    /// use sparklet_engine::{Duration, Pipeline, Records, Value};
    ///
    /// // A 2 s window sliding every 2 s emits at 2 s, 4 s, ...
    /// let mut p = Pipeline::new("split | count_by_window 2s 2s", Duration::from_secs(1)).unwrap();
    /// assert_eq!(p.run(Records::from_iter(["a b"])), None);
    /// assert_eq!(p.run(Records::from_iter(["c"])), Some(vec![Value::Int(3)]));
    /// ```
    pub fn run(&mut self, records: Records) -> Option<Vec<Value>> {
        self.run_input(Input::Lines(records))
    }

    /// The same for a batch of values (`sparklet replay`, tests).
    ///
    /// # Examples
    ///
    /// ```
    /// use sparklet_engine::{Duration, Pipeline, Value};
    ///
    /// let mut p = Pipeline::new("map .0 | reduce sum", Duration::from_secs(1)).unwrap();
    /// let pairs = vec![Value::pair(Value::Int(2), Value::Null), Value::pair(Value::Int(5), Value::Null)];
    /// assert_eq!(p.run_values(pairs), Some(vec![Value::Int(7)]));
    /// ```
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
    /// pipeline order (see [`StageFigures`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use sparklet_engine::{Duration, Pipeline, Records};
    ///
    /// let mut p = Pipeline::new("split | lower | filter len(.) > 1 | count", Duration::from_secs(1)).unwrap();
    /// p.run(Records::from_iter(["To be or", "not to be"]));
    /// let stages: Vec<_> = p.stages().into_iter().map(|s| (s.name, s.records_in, s.records_out)).collect();
    /// assert_eq!(stages, [
    ///     ("split | lower".to_string(), 2, 6), // fused: they run as one
    ///     ("filter len(.) > 1".to_string(), 6, 6),
    ///     ("count".to_string(), 6, 1),
    /// ]);
    /// ```
    pub fn stages(&self) -> Vec<StageFigures> {
        self.ssc.stages()
    }

    fn run_input(&mut self, input: Input) -> Option<Vec<Value>> {
        *self.input.borrow_mut() = Some(input);
        self.ssc.run_batch();
        self.latest.borrow_mut().take()
    }
}
