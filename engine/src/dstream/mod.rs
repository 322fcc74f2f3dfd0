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

pub mod aggregate;
pub mod context;
pub mod footprint;
pub mod interned;
pub mod inverse;
mod inverse_checkpoint;
pub mod panes;
pub mod reduced;
pub mod share;
pub mod source;
pub mod state;
pub mod top;
pub mod transform;
pub mod window;

use std::cell::RefCell;
use std::rc::Rc;

use crate::checkpoint::{Kept, StateCodec};
use crate::duration::Duration;
use crate::malformed::Malformed;

pub use context::{Collected, StreamingContext, DEFAULT_MAX_KEYS, DEFAULT_STATE_BUDGET};
pub use footprint::Footprint;
pub use source::Queue;
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
}

type Compute<T> = Box<dyn FnMut(u64, &mut Cx) -> Option<Vec<T>>>;

/// What the streams of one context share: the batch interval, and the
/// state of every stateful operator, in the order they were built, each
/// with its own codec, so a checkpoint can save and restore it (see
/// [`checkpoint`](crate::checkpoint)).
pub struct Graph {
    pub batch: Duration,
    states: RefCell<Vec<Kept>>,
}

impl Graph {
    pub fn new(batch: Duration) -> Rc<Graph> {
        Rc::new(Graph {
            batch,
            states: RefCell::new(Vec::new()),
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

    /// Registers an operator's state, `Rc<RefCell<S>>` for its `S`, which
    /// says how a checkpoint saves and restores it.
    pub fn keep<S: StateCodec>(&self, state: &Rc<RefCell<S>>) {
        self.states.borrow_mut().push(Kept::new(state, None));
    }

    /// Registers a window's state, with how far back its panes reach.
    pub fn keep_window<S: StateCodec>(&self, state: &Rc<RefCell<S>>, span_ms: u64) {
        self.states
            .borrow_mut()
            .push(Kept::new(state, Some(span_ms)));
    }
}

/// A discretized stream: at each multiple of `slide`, a batch of `T`.
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

    pub fn graph(&self) -> &Rc<Graph> {
        &self.graph
    }

    /// How often this stream emits (the batch interval, or a window's slide).
    pub fn slide(&self) -> Duration {
        self.slide
    }

    /// The context's batch interval.
    pub fn batch_interval(&self) -> Duration {
        self.graph.batch
    }

    /// The builder every operator uses: at each time the parent emits,
    /// `op` turns its batch into this stream's output, or `None` when this
    /// stream does not emit then. `slide` is how often the result emits.
    pub fn unary<U: 'static>(
        self,
        slide: Duration,
        mut op: impl FnMut(u64, Vec<T>, &mut Cx) -> Option<Vec<U>> + 'static,
    ) -> DStream<U> {
        let mut parent = self.compute;
        DStream::from_fn(slide, self.graph, move |t, cx| {
            let input = parent(t, cx)?;
            op(t, input, cx)
        })
    }

    /// Computes this stream at time `t` (ms since the start).
    pub(crate) fn compute(&mut self, t: u64, cx: &mut Cx) -> Option<Vec<T>> {
        (self.compute)(t, cx)
    }
}
