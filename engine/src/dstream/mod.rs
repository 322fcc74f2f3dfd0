//! The typed DStream API: what a Spark user writes, in Rust. A `DStream<T>`
//! yields, at each of its emission times, the batch of `T`s it computed;
//! operators are methods that wrap their parent, all built on one
//! [`DStream::unary`] builder, so an operator is a small function, not a
//! change to a scheduler. The pipeline language compiles to this API.
//!
//! ```
//! use sparklet_engine::dstream::StreamingContext;
//! use sparklet_engine::Duration;
//!
//! let mut ssc = StreamingContext::new(Duration::from_secs(1));
//! let (input, lines) = ssc.queue_stream::<String>();
//! let counts = lines
//!     .flat_map(|l| l.split_whitespace().map(str::to_string).collect::<Vec<_>>())
//!     .count_by_value_and_window(Duration::from_secs(2), None)
//!     .unwrap();
//! let out = ssc.collect(counts);
//! input.push(vec!["a b".to_string()]);
//! input.push(vec!["b".to_string()]);
//! ssc.run_batches(2);
//! let mut last = out.take().pop().unwrap().1;
//! last.sort();
//! assert_eq!(last, vec![("a".to_string(), 1), ("b".to_string(), 2)]);
//! ```

pub(crate) mod aggregate;
pub(crate) mod context;
pub(crate) mod context_checkpoint;
pub(crate) mod footprint;
pub(crate) mod interned;
pub(crate) mod inverse;
pub(crate) mod inverse_checkpoint;
pub(crate) mod panes;
pub(crate) mod reduced;
pub(crate) mod share;
pub(crate) mod source;
pub(crate) mod stages;
pub(crate) mod state;
pub(crate) mod top;
pub(crate) mod transform;
pub(crate) mod window;

use std::cell::RefCell;
use std::rc::Rc;

use crate::checkpoint::{Kept, StateCodec};
use crate::duration::Duration;
use crate::malformed::Malformed;

pub use context::{Collected, StreamingContext, DEFAULT_MAX_KEYS, DEFAULT_STATE_BUDGET};
pub use footprint::Footprint;
pub use source::Queue;
pub use stages::{StageFigures, StageId};
pub use state::{State, StateSpec};
pub use window::{WindowError, MAX_WINDOW_BATCHES};

/// What an operator may touch besides its own state: the malformed log,
/// where `try_` operators put the records they could not handle, and the
/// limits that bound every operator's state.
pub struct Cx<'a> {
    pub malformed: &'a mut Malformed,
    /// The most keys a stateful operator keeps (records, for `window`).
    pub max_keys: usize,
    /// The bytes a stateful operator may hold: its share of the context's
    /// state budget (see [`Footprint`]).
    pub budget: usize,
    /// Keys, records or pane entries evicted to stay within these limits,
    /// counted for the page.
    pub evicted: &'a mut u64,
    /// Where each operator's records and time for this batch go.
    pub timing: stages::Timing<'a>,
}

type Compute<T> = Box<dyn FnMut(u64, &mut Cx) -> Option<Vec<T>>>;

/// What the streams of one context share: the batch interval, and the
/// state of every stateful operator, in the order they were built, each
/// with its own codec, so a checkpoint can save and restore it (see
/// [`checkpoint`](crate::checkpoint)).
pub struct Graph {
    pub batch: Duration,
    states: RefCell<Vec<Kept>>,
    stages: RefCell<stages::Stages>,
}

impl Graph {
    /// The graph of a context with batches of `batch`.
    pub fn new(batch: Duration) -> Rc<Graph> {
        Rc::new(Graph {
            batch,
            states: RefCell::new(Vec::new()),
            stages: RefCell::default(),
        })
    }

    /// Every stateful operator's state, in build order.
    pub fn states(&self) -> Vec<Kept> {
        self.states.borrow().clone()
    }

    /// How many stateful operators share the state budget.
    pub fn stateful(&self) -> usize {
        self.states.borrow().len()
    }

    /// The memory every operator's state holds, as [`Footprint`] counts it.
    pub fn state_bytes(&self) -> usize {
        self.states.borrow().iter().map(Kept::heap_bytes).sum()
    }

    /// Registers an operator as a stage named `name` (see [`StageFigures`]).
    pub fn add_stage(&self, name: &str) -> StageId {
        self.stages.borrow_mut().add(name)
    }

    /// How many operators were registered as stages.
    pub fn stage_count(&self) -> usize {
        self.stages.borrow().len()
    }

    /// Reports the operators registered from `first` on as one stage,
    /// `name`: what one stage of a pipeline compiled to.
    pub fn group_stages(&self, first: StageId, name: &str) {
        self.stages.borrow_mut().group_from(first, name);
    }

    /// Builds with `build` and reports the operators it added as one
    /// stage, `name`: how a composite operator (Spark's
    /// `countByValueAndWindow` is a `map` and a window) shows as itself.
    pub fn stage<R>(&self, name: &str, build: impl FnOnce() -> R) -> R {
        let first = self.stage_count();
        let built = build();
        self.group_stages(first, name);
        built
    }

    /// The stages' figures from their operators', in build order.
    pub fn stage_figures(&self, ops: &[stages::Figures]) -> Vec<StageFigures> {
        self.stages.borrow().figures(ops)
    }

    /// Registers an operator's state, `Rc<RefCell<S>>` for its `S`, which
    /// says how a checkpoint saves and restores it.
    pub fn keep<S: StateCodec>(&self, state: &Rc<RefCell<S>>) {
        self.states.borrow_mut().push(Kept::new(state, None));
    }

    /// Registers a state that restores with its operator's settings (see
    /// [`ConfiguredState`](crate::checkpoint::ConfiguredState)).
    pub fn keep_configured<S: crate::checkpoint::ConfiguredState>(&self, state: &Rc<RefCell<S>>) {
        self.states.borrow_mut().push(Kept::configured(state));
    }

    /// Registers a window's state, with how far back its panes reach.
    pub fn keep_window<S: StateCodec>(&self, state: &Rc<RefCell<S>>, span_ms: u64) {
        self.states
            .borrow_mut()
            .push(Kept::new(state, Some(span_ms)));
    }
}

/// A discretized stream, Spark's `DStream`: at each multiple of `slide`,
/// a batch of `T`. Made by [`StreamingContext::queue_stream`] (or a
/// pipeline's source), transformed by the operators (each consumes the
/// stream; [`DStream::tee`] reads one twice), and run by an output,
/// [`StreamingContext::collect`] or [`StreamingContext::foreach_batch`].
pub struct DStream<T> {
    compute: Compute<T>,
    slide: Duration,
    graph: Rc<Graph>,
}

impl<T: 'static> DStream<T> {
    pub(crate) fn from_fn(
        slide: Duration,
        graph: Rc<Graph>,
        compute: impl FnMut(u64, &mut Cx) -> Option<Vec<T>> + 'static,
    ) -> DStream<T> {
        DStream {
            compute: Box::new(compute),
            slide,
            graph,
        }
    }

    /// An input stream: at each batch time, `read` gives how many records
    /// came in and the batch it makes of them. It is a stage, `name`.
    pub(crate) fn input(
        name: &str,
        graph: Rc<Graph>,
        mut read: impl FnMut(u64, &mut Cx) -> (usize, Vec<T>) + 'static,
    ) -> DStream<T> {
        let id = graph.add_stage(name);
        DStream::from_fn(graph.batch, graph, move |t, cx| {
            let start = cx.timing.now();
            let (records_in, out) = read(t, cx);
            let ms = cx.timing.now() - start;
            cx.timing.add(id, records_in, out.len(), ms);
            Some(out)
        })
    }

    /// The graph this stream belongs to: its context's batch interval,
    /// stages and operator state.
    pub fn graph(&self) -> &Rc<Graph> {
        &self.graph
    }

    /// How often this stream emits (the batch interval, or a window's
    /// slide): Spark's `slideDuration`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sparklet_engine::dstream::StreamingContext;
    /// # use sparklet_engine::Duration;
    /// let mut ssc = StreamingContext::new(Duration::from_secs(1));
    /// let (_, numbers) = ssc.queue_stream::<i64>();
    /// assert_eq!(numbers.slide(), Duration::from_secs(1));
    /// let windowed = numbers.window(Duration::from_secs(4), Some(Duration::from_secs(2)));
    /// let windowed = windowed.unwrap();
    /// assert_eq!(windowed.slide(), Duration::from_secs(2));
    /// assert_eq!(windowed.batch_interval(), Duration::from_secs(1));
    /// ```
    pub fn slide(&self) -> Duration {
        self.slide
    }

    /// The context's batch interval (see [`slide`](Self::slide)).
    pub fn batch_interval(&self) -> Duration {
        self.graph.batch
    }

    /// The builder every operator uses: at each time the parent emits,
    /// `op` turns its batch into this stream's output, or `None` when this
    /// stream does not emit then. `slide` is how often the result emits.
    /// The operator is a stage called `name`: its records in and out and
    /// its time (not its parent's) are counted each batch. (Spark's
    /// counterpart is a `DStream` subclass with its own `compute`.)
    ///
    /// Below, an operator that keeps a running total and emits it every
    /// 2 s.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sparklet_engine::dstream::StreamingContext;
    /// # use sparklet_engine::Duration;
    /// let mut ssc = StreamingContext::new(Duration::from_secs(1));
    /// let (input, numbers) = ssc.queue_stream::<i64>();
    /// let mut total = 0;
    /// let running = numbers.unary("running_total", Duration::from_secs(2), move |t, batch, _cx| {
    ///     total += batch.iter().sum::<i64>();
    ///     (t % 2000 == 0).then(|| vec![total])
    /// });
    /// let out = ssc.collect(running);
    /// for n in 1..=4 {
    ///     input.push(vec![n]);
    /// }
    /// ssc.run_batches(4);
    /// assert_eq!(out.take(), vec![(2000, vec![3]), (4000, vec![10])]);
    /// assert_eq!(ssc.stages()[1].name, "running_total");
    /// ```
    pub fn unary<U: 'static>(
        self,
        name: &str,
        slide: Duration,
        mut op: impl FnMut(u64, Vec<T>, &mut Cx) -> Option<Vec<U>> + 'static,
    ) -> DStream<U> {
        let id = self.graph.add_stage(name);
        let mut parent = self.compute;
        DStream::from_fn(slide, self.graph, move |t, cx| {
            let input = parent(t, cx)?;
            let records_in = input.len();
            let start = cx.timing.now();
            let out = op(t, input, cx);
            let ms = cx.timing.now() - start;
            cx.timing
                .add(id, records_in, out.as_ref().map_or(0, Vec::len), ms);
            out
        })
    }

    /// Computes this stream at time `t` (ms since the start).
    pub(crate) fn compute(&mut self, t: u64, cx: &mut Cx) -> Option<Vec<T>> {
        (self.compute)(t, cx)
    }
}
