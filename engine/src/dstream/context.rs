//! Spark's StreamingContext for the typed API: it makes input streams,
//! holds the output operations, and runs batch after batch, batch k at
//! time `k * batch`.

use std::cell::RefCell;
use std::rc::Rc;

use crate::clock::Clock;
use crate::dstream::stages::{Figures, Timing};
use crate::dstream::{source, Cx, DStream, Graph, Queue, StageFigures};
use crate::duration::Duration;
use crate::malformed::Malformed;

/// Every output a context runs, as Spark's output operations.
type Output = Box<dyn FnMut(u64, &mut Cx)>;

type Emissions<T> = Rc<RefCell<Vec<(u64, Vec<T>)>>>;

/// Spark's StreamingContext for the typed API: makes input streams,
/// registers outputs, and runs batch after batch (batch k at `k * batch`).
pub struct StreamingContext {
    batch: Duration,
    graph: Rc<Graph>,
    outputs: Vec<Output>,
    batches_run: u64,
    malformed: Malformed,
    max_keys: usize,
    state_budget: usize,
    evicted: u64,
    /// Each operator's figures in the last batch.
    figures: Vec<Figures>,
}

/// The default key limit of each stateful operator: far above a word
/// count's vocabulary, far below what would hurt a tab.
pub const DEFAULT_MAX_KEYS: usize = 100_000;

/// The bytes all stateful operators of a context may hold together (each
/// an equal share), as [`Footprint`](super::Footprint) counts them: a
/// 30 s window over 100,000 keys at 100 ms batches needs about a third.
pub const DEFAULT_STATE_BUDGET: usize = 512 << 20;

impl StreamingContext {
    pub fn new(batch: Duration) -> StreamingContext {
        assert!(batch.as_millis() > 0, "the batch interval must be positive");
        StreamingContext {
            batch,
            graph: Graph::new(batch),
            outputs: Vec::new(),
            batches_run: 0,
            malformed: Malformed::default(),
            max_keys: DEFAULT_MAX_KEYS,
            state_budget: DEFAULT_STATE_BUDGET,
            evicted: 0,
            figures: Vec::new(),
        }
    }

    /// Bounds each stateful operator's state to `max_keys` keys; beyond it
    /// the least recently updated keys are evicted and counted.
    pub fn set_max_keys(&mut self, max_keys: usize) {
        self.max_keys = max_keys.max(1);
    }

    pub fn max_keys(&self) -> usize {
        self.max_keys
    }

    /// Bounds the memory of all stateful operators together to `bytes`,
    /// shared equally; beyond its share an operator evicts its least
    /// recently seen keys or its oldest panes, and counts them.
    pub fn set_state_budget(&mut self, bytes: usize) {
        self.state_budget = bytes;
    }

    pub fn state_budget(&self) -> usize {
        self.state_budget
    }

    /// The memory the stateful operators hold, roughly (see
    /// [`Footprint`](super::Footprint)).
    pub fn state_bytes(&self) -> usize {
        self.graph.state_bytes()
    }

    /// Keys evicted so far to respect the key limit.
    pub fn evicted(&self) -> u64 {
        self.evicted
    }

    pub fn batch_interval(&self) -> Duration {
        self.batch
    }

    /// Spark's `queueStream`: each batch takes the next pushed vector, or
    /// nothing when none is queued.
    pub fn queue_stream<T: 'static>(&self) -> (Queue<T>, DStream<T>) {
        source::queue_stream(self.graph.clone())
    }

    /// Spark's `foreachRDD`: calls `f(time_ms, batch)` at every emission.
    pub fn foreach_batch<T: 'static>(
        &mut self,
        mut stream: DStream<T>,
        mut f: impl FnMut(u64, Vec<T>) + 'static,
    ) {
        self.outputs.push(Box::new(move |t, cx| {
            if let Some(batch) = stream.compute(t, cx) {
                f(t, batch);
            }
        }));
    }

    /// Collects every emission `(time_ms, batch)`, as Spark's test output
    /// stream does.
    pub fn collect<T: 'static>(&mut self, stream: DStream<T>) -> Collected<T> {
        let out = Collected(Rc::default());
        let sink = out.0.clone();
        self.foreach_batch(stream, move |t, batch| sink.borrow_mut().push((t, batch)));
        out
    }

    /// Time (ms) of the next batch to run. A run restored from a
    /// checkpoint was checked to keep this in range; saturating keeps a
    /// context that somehow ran that long from wrapping to time zero.
    pub fn next_batch_time(&self) -> u64 {
        self.batches_run
            .saturating_add(1)
            .saturating_mul(self.batch.as_millis())
    }

    pub fn batches_run(&self) -> u64 {
        self.batches_run
    }

    /// The streams' shared graph: where stateful operators keep state.
    pub fn graph(&self) -> &Rc<Graph> {
        &self.graph
    }

    /// Continues a restored run: the next batch is number `n + 1`.
    pub fn set_batches_run(&mut self, n: u64) {
        self.batches_run = n;
    }

    /// Runs the next batch through every output; returns its time. Its
    /// stages are timed natively by an `Instant`; in wasm, where there is
    /// none, use [`StreamingContext::run_batch_timed`].
    pub fn run_batch(&mut self) -> u64 {
        #[cfg(not(target_arch = "wasm32"))]
        let clock = crate::clock::Monotonic::new();
        #[cfg(not(target_arch = "wasm32"))]
        return self.run(Some(&clock));
        #[cfg(target_arch = "wasm32")]
        self.run(None)
    }

    /// Runs the next batch, timing its stages by `clock`.
    pub fn run_batch_timed(&mut self, clock: &dyn Clock) -> u64 {
        self.run(Some(clock))
    }

    fn run(&mut self, clock: Option<&dyn Clock>) -> u64 {
        let t = self.next_batch_time();
        self.batches_run += 1;
        self.malformed.begin_batch();
        self.figures.clear();
        self.figures
            .resize(self.graph.stage_count(), Figures::default());
        let mut cx = Cx {
            malformed: &mut self.malformed,
            max_keys: self.max_keys,
            budget: self.state_budget / self.graph.stateful().max(1),
            evicted: &mut self.evicted,
            timing: Timing {
                ops: &mut self.figures,
                clock,
            },
        };
        for output in &mut self.outputs {
            output(t, &mut cx);
        }
        t
    }

    /// Each stage's records in and out and time in the last batch, in
    /// build order (see [`stages`](super::stages)).
    pub fn stages(&self) -> Vec<StageFigures> {
        self.graph.stage_figures(&self.figures)
    }

    pub fn run_batches(&mut self, n: u64) {
        for _ in 0..n {
            self.run_batch();
        }
    }

    /// Records the `try_` operators could not handle.
    pub fn malformed(&self) -> &Malformed {
        &self.malformed
    }
}

/// The emissions of a collected stream, `(time_ms, batch)`, oldest first.
pub struct Collected<T>(Emissions<T>);

impl<T> Collected<T> {
    /// Takes what was collected so far.
    pub fn take(&self) -> Vec<(u64, Vec<T>)> {
        std::mem::take(&mut self.0.borrow_mut())
    }
}
