//! Spark's StreamingContext for the typed API: it makes input streams,
//! holds the output operations, and runs batch after batch, batch k at
//! time `k * batch`.

use std::cell::RefCell;
use std::rc::Rc;

use crate::checkpoint::{self, CheckpointError, Part};
use crate::dstream::{source, Cx, DStream, Graph, Queue};
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

    /// Runs the next batch through every output; returns its time.
    pub fn run_batch(&mut self) -> u64 {
        let t = self.next_batch_time();
        self.batches_run += 1;
        self.malformed.begin_batch();
        let mut cx = Cx {
            malformed: &mut self.malformed,
            max_keys: self.max_keys,
            budget: self.state_budget / self.graph.stateful().max(1),
            evicted: &mut self.evicted,
        };
        for output in &mut self.outputs {
            output(t, &mut cx);
        }
        t
    }

    pub fn run_batches(&mut self, n: u64) {
        for _ in 0..n {
            self.run_batch();
        }
    }

    /// Spark's checkpoint of a streaming context: how many batches ran and
    /// every stateful operator's state, as JSON text, to give to
    /// [`restore`](StreamingContext::restore) of the same streams built
    /// afresh (see [`checkpoint`](crate::checkpoint)).
    ///
    /// ```
    /// use sparklet_engine::dstream::StreamingContext;
    /// use sparklet_engine::Duration;
    ///
    /// let build = || {
    ///     let mut ssc = StreamingContext::new(Duration::from_secs(1));
    ///     let (input, words) = ssc.queue_stream::<String>();
    ///     let counts = words.map(|w| (w, 1i64)).update_state_by_key(|new: Vec<i64>, old| {
    ///         Some(old.unwrap_or(0) + new.iter().sum::<i64>())
    ///     });
    ///     let out = ssc.collect(counts);
    ///     (ssc, input, out)
    /// };
    /// let (ssc, input, _) = build();
    /// input.push(vec!["spark".into(), "spark".into()]);
    /// let mut ssc = ssc;
    /// ssc.run_batch();
    /// let saved = ssc.checkpoint();
    ///
    /// let (mut again, input, out) = build();
    /// again.restore(&saved).unwrap();
    /// input.push(vec!["spark".into()]);
    /// again.run_batch();
    /// assert_eq!(out.take(), vec![(2000, vec![("spark".to_string(), 3)])]);
    /// ```
    pub fn checkpoint(&self) -> String {
        checkpoint::write(self.checkpoint_parts())
    }

    /// The same checkpoint, taken now and written later, a part at a time:
    /// the parts' text, in order, is [`checkpoint`](Self::checkpoint)'s.
    pub fn checkpoint_parts(&self) -> Vec<Part> {
        self.checkpoint_parts_of(None)
    }

    /// Continues from `saved`, a checkpoint of these same streams at this
    /// batch interval. It is checked before use as input from outside (see
    /// [`Bounds`](crate::checkpoint::Bounds)); on any mismatch nothing
    /// changes, and the error says what was wrong.
    pub fn restore(&mut self, saved: &str) -> Result<(), CheckpointError> {
        self.restore_of(saved, None)
    }

    /// A checkpoint of the streams a pipeline's text built (`None`: the
    /// typed API's).
    pub(crate) fn checkpoint_parts_of(&self, pipeline: Option<&str>) -> Vec<Part> {
        let run = self.checkpoint_run(pipeline);
        checkpoint::save(&run, self.batches_run, &self.graph.states())
    }

    pub(crate) fn restore_of(
        &mut self,
        saved: &str,
        pipeline: Option<&str>,
    ) -> Result<(), CheckpointError> {
        let run = self.checkpoint_run(pipeline);
        self.batches_run = checkpoint::restore(saved, &run, &self.graph.states())?;
        Ok(())
    }

    fn checkpoint_run<'a>(&self, pipeline: Option<&'a str>) -> checkpoint::Run<'a> {
        checkpoint::Run {
            pipeline,
            batch_ms: self.batch.as_millis(),
            max_keys: self.max_keys,
            budget: self.state_budget,
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
