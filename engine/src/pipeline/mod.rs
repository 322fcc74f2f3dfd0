//! A pipeline: the stages a person typed, checked against the batch
//! interval and built into running operators.

pub mod error;
pub mod expr_parser;
pub mod lexer;
pub mod parser;
pub mod stage;

use crate::duration::Duration;
use crate::ops::aggregate::{Count, CountByValue, GroupByKey, Reduce, ReduceByKey};
use crate::ops::reduce_fn::ReduceFn;
use crate::ops::state::UpdateStateByKey;
use crate::ops::text::{Case, Split, StringMap};
use crate::ops::top::Top;
use crate::ops::transform::Transform;
use crate::ops::{Cx, Operator};
use crate::records::Records;
use crate::value::Value;
use crate::window::keyed::{KeyedSpec, KeyedWindow, PaneInput};
use crate::window::plain::Window;
use crate::window::WindowClock;

pub use error::PipelineError;
pub use parser::{parse, ParsedStage};
pub use stage::{Stage, WindowSpec};

/// The word count the dashboard opens with.
pub const DEFAULT_PIPELINE: &str = "split | lower | count_by_value_and_window 10s | top 10";

/// A running pipeline: its operators and the text they came from.
pub struct Pipeline {
    text: String,
    ops: Vec<Box<dyn Operator>>,
    sort_output: bool,
}

impl Pipeline {
    /// Parses `text` and builds it for batches of `batch`; refuses windows
    /// that do not fit the batch interval, with the stage that is wrong.
    pub fn new(text: &str, batch: Duration) -> Result<Pipeline, PipelineError> {
        if batch.as_millis() == 0 {
            return Err(PipelineError::whole("the batch interval must be positive"));
        }
        let stages = parse(text)?;
        let mut slide = batch;
        let mut ops = Vec::with_capacity(stages.len());
        for (i, parsed) in stages.iter().enumerate() {
            let (op, out_slide) = build(&parsed.stage, slide, slide == batch).map_err(|msg| {
                PipelineError::at(text, parsed.start, parsed.end, msg).in_stage(i + 1, &parsed.name)
            })?;
            ops.push(op);
            slide = out_slide;
        }
        let sort_output = ops.last().is_some_and(|op| op.emits_unordered_pairs());
        Ok(Pipeline {
            text: text.to_string(),
            ops,
            sort_output,
        })
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// Runs batch `records` with batch time `time_ms` through every stage.
    /// `None` when the pipeline does not emit at this time (a window
    /// between slides). Keyed output comes sorted by key.
    pub fn run(&mut self, time_ms: u64, records: &Records, cx: &mut Cx) -> Option<Vec<Value>> {
        let first = self.ops.first_mut()?;
        let data = first.compute_records(time_ms, records, cx)?;
        self.finish(1, time_ms, data, cx)
    }

    /// The same for a batch of values (`sparklet replay`, tests).
    pub fn run_values(
        &mut self,
        time_ms: u64,
        input: Vec<Value>,
        cx: &mut Cx,
    ) -> Option<Vec<Value>> {
        self.finish(0, time_ms, input, cx)
    }

    fn finish(
        &mut self,
        from: usize,
        time_ms: u64,
        mut data: Vec<Value>,
        cx: &mut Cx,
    ) -> Option<Vec<Value>> {
        for op in &mut self.ops[from..] {
            data = op.compute(time_ms, data, cx)?;
        }
        if self.sort_output {
            data.sort_unstable_by(|a, b| a.total_cmp(b));
        }
        Some(data)
    }
}

/// Builds one stage whose parent emits every `parent` ms; returns the
/// operator and how often it emits.
fn build(
    stage: &Stage,
    parent: Duration,
    parent_is_batch: bool,
) -> Result<(Box<dyn Operator>, Duration), String> {
    let same = |op: Box<dyn Operator>| Ok((op, parent));
    match stage {
        Stage::Split(sep) => same(Box::new(Split { sep: sep.clone() })),
        Stage::Lower => same(Box::new(StringMap(Case::Lower))),
        Stage::Upper => same(Box::new(StringMap(Case::Upper))),
        Stage::Trim => same(Box::new(StringMap(Case::Trim))),
        Stage::Json => same(Box::new(Transform::Json)),
        Stage::Map(e) => same(Box::new(Transform::Map(e.clone()))),
        Stage::FlatMap(e) => same(Box::new(Transform::FlatMap(e.clone()))),
        Stage::Filter(e) => same(Box::new(Transform::Filter(e.clone()))),
        Stage::Pair(e) => same(Box::new(Transform::Pair(e.clone()))),
        Stage::Count => same(Box::new(Count)),
        Stage::CountByValue => same(Box::new(CountByValue)),
        Stage::Reduce(f) => same(Box::new(Reduce(*f))),
        Stage::ReduceByKey(f) => same(Box::new(ReduceByKey(*f))),
        Stage::GroupByKey => same(Box::new(GroupByKey)),
        Stage::UpdateStateByKey(f) => same(Box::new(UpdateStateByKey::new(*f))),
        Stage::Top(n) => same(Box::new(Top(*n))),
        Stage::Union => Err(
            "union joins several sources, and a pipeline typed here has one; \
             use `union` from the Rust API (engine::dstream)"
                .into(),
        ),
        Stage::Window(w) => {
            let clock = clock(w, parent, parent_is_batch)?;
            Ok((
                Box::new(Window::new(clock)),
                Duration::from_millis(clock.slide),
            ))
        }
        Stage::GroupByKeyAndWindow(w) => {
            // Spark: window(len, slide).groupByKey()
            let clock = clock(w, parent, parent_is_batch)?;
            let op = Chain(Box::new(Window::new(clock)), Box::new(GroupByKey));
            Ok((Box::new(op), Duration::from_millis(clock.slide)))
        }
        // Spark: map(_ => 1L).reduceByWindow(_ + _, _ - _, ...), one key.
        Stage::CountByWindow(w) => keyed(
            w,
            parent,
            parent_is_batch,
            KeyedSpec {
                name: "count_by_window",
                f: ReduceFn::Count,
                input: PaneInput::Single,
                inverse: true,
                drop_zero: false,
            },
        ),
        // Spark: reduce(f).window(len, slide).reduce(f)
        Stage::ReduceByWindow(f, w) => keyed(
            w,
            parent,
            parent_is_batch,
            KeyedSpec {
                name: "reduce_by_window",
                f: *f,
                input: PaneInput::Single,
                inverse: false,
                drop_zero: false,
            },
        ),
        Stage::ReduceByKeyAndWindow(f, w, inverse) => {
            if *inverse && !f.is_invertible() {
                return Err(format!(
                    "`inverse` needs an invertible function (sum or count); {} has no inverse, \
                     drop `inverse` to recompute each window",
                    f.name()
                ));
            }
            keyed(
                w,
                parent,
                parent_is_batch,
                KeyedSpec {
                    name: "reduce_by_key_and_window",
                    f: *f,
                    input: PaneInput::Pairs,
                    inverse: *inverse,
                    drop_zero: false,
                },
            )
        }
        // Spark: map((_, 1L)).reduceByKeyAndWindow(_ + _, _ - _, ..., _._2 != 0)
        Stage::CountByValueAndWindow(w) => keyed(
            w,
            parent,
            parent_is_batch,
            KeyedSpec {
                name: "count_by_value_and_window",
                f: ReduceFn::Sum,
                input: PaneInput::CountValues,
                inverse: true,
                drop_zero: true,
            },
        ),
    }
}

fn keyed(
    w: &WindowSpec,
    parent: Duration,
    parent_is_batch: bool,
    spec: KeyedSpec,
) -> Result<(Box<dyn Operator>, Duration), String> {
    let clock = clock(w, parent, parent_is_batch)?;
    if spec.inverse && clock.len < clock.slide {
        return Err(format!(
            "an incremental window needs its length ({}) at least its slide ({})",
            w.len,
            Duration::from_millis(clock.slide)
        ));
    }
    let op = KeyedWindow::new(spec, clock);
    Ok((Box::new(op), Duration::from_millis(clock.slide)))
}

/// Checks a window against its parent's slide, as Spark's `require`s do.
fn clock(w: &WindowSpec, parent: Duration, parent_is_batch: bool) -> Result<WindowClock, String> {
    let slide = w.slide.unwrap_or(parent);
    let what = if parent_is_batch {
        "batch interval"
    } else {
        "slide of the window before it"
    };
    for (name, d) in [("window length", w.len), ("slide", slide)] {
        if !d.is_multiple_of(parent) {
            return Err(format!(
                "the {name} {d} is not a multiple of the {what} {parent}; try {}",
                Duration::from_millis(
                    (d.as_millis() / parent.as_millis()).max(1) * parent.as_millis()
                )
            ));
        }
    }
    Ok(WindowClock {
        len: w.len.as_millis(),
        slide: slide.as_millis(),
    })
}

/// Two operators as one stage (`group_by_key_and_window`).
struct Chain(Box<dyn Operator>, Box<dyn Operator>);

impl Operator for Chain {
    fn compute(&mut self, t: u64, input: Vec<Value>, cx: &mut Cx) -> Option<Vec<Value>> {
        let mid = self.0.compute(t, input, cx)?;
        self.1.compute(t, mid, cx)
    }

    fn emits_unordered_pairs(&self) -> bool {
        self.1.emits_unordered_pairs()
    }
}
