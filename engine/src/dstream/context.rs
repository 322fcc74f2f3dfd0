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
    /// Spark's `new StreamingContext(conf, batchDuration)`: a context whose
    /// batch k runs at time `k * batch` (ms since the start), with the
    /// default key limit and state budget.
    ///
    /// # Panics
    ///
    /// If `batch` is zero.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sparklet_engine::dstream::StreamingContext;
    /// # use sparklet_engine::Duration;
    /// let mut ssc = StreamingContext::new(Duration::from_secs(1));
    /// let (input, words) = ssc.queue_stream();
    /// let out = ssc.collect(words.map(|w: &str| w.len()));
    /// input.push(vec!["spark", "streaming"]);
    /// assert_eq!(ssc.run_batch(), 1000);
    /// assert_eq!(out.take(), vec![(1000, vec![5, 9])]);
    /// assert_eq!(ssc.batch_interval(), Duration::from_secs(1));
    /// ```
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

    /// Bounds each stateful operator's state to `max_keys` keys (at least
    /// 1; [`DEFAULT_MAX_KEYS`] unless set); beyond it the least recently
    /// updated keys are evicted and counted in [`evicted`](Self::evicted).
    /// Spark has no such limit: a tab's memory is smaller than a cluster's.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sparklet_engine::dstream::StreamingContext;
    /// # use sparklet_engine::Duration;
    /// let mut ssc = StreamingContext::new(Duration::from_secs(1));
    /// ssc.set_max_keys(2);
    /// let (input, pairs) = ssc.queue_stream();
    /// let totals = pairs.update_state_by_key(|new: Vec<i64>, old| {
    ///     Some(old.unwrap_or(0) + new.len())
    /// });
    /// let out = ssc.collect(totals);
    /// input.push(vec![('a', 1)]);
    /// input.push(vec![('b', 1), ('c', 1)]);
    /// ssc.run_batches(2);
    /// let (_, mut last) = out.take().pop().unwrap();
    /// last.sort();
    /// // `a`, updated least recently, was evicted.
    /// assert_eq!(last, vec![('b', 1), ('c', 1)]);
    /// assert_eq!((ssc.max_keys(), ssc.evicted()), (2, 1));
    /// ```
    pub fn set_max_keys(&mut self, max_keys: usize) {
        self.max_keys = max_keys.max(1);
    }

    /// The key limit of each stateful operator (see
    /// [`set_max_keys`](Self::set_max_keys)).
    pub fn max_keys(&self) -> usize {
        self.max_keys
    }

    /// Bounds the memory of all stateful operators together to `bytes`
    /// ([`DEFAULT_STATE_BUDGET`] unless set), shared equally, as
    /// [`Footprint`](super::Footprint) counts it; beyond its share an
    /// operator evicts its least recently seen keys or its oldest panes,
    /// and counts them in [`evicted`](Self::evicted).
    ///
    /// Below, a 3 s window is given room for about one batch of two
    /// numbers (a pane of them counts 112 bytes), so each batch pushes the
    /// one before it out early.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sparklet_engine::dstream::StreamingContext;
    /// # use sparklet_engine::Duration;
    /// let mut ssc = StreamingContext::new(Duration::from_secs(1));
    /// ssc.set_state_budget(150);
    /// let (input, numbers) = ssc.queue_stream::<i64>();
    /// let out = ssc.collect(numbers.window(Duration::from_secs(3), None).unwrap());
    /// input.push(vec![1, 2]);
    /// input.push(vec![3, 4]);
    /// ssc.run_batches(2);
    /// assert_eq!(out.take(), vec![(1000, vec![1, 2]), (2000, vec![3, 4])]);
    /// assert_eq!(ssc.evicted(), 2);
    /// assert!(ssc.state_bytes() <= ssc.state_budget());
    /// ```
    pub fn set_state_budget(&mut self, bytes: usize) {
        self.state_budget = bytes;
    }

    /// The bytes all stateful operators may hold together (see
    /// [`set_state_budget`](Self::set_state_budget)).
    pub fn state_budget(&self) -> usize {
        self.state_budget
    }

    /// The memory the stateful operators hold, roughly (see
    /// [`Footprint`](super::Footprint)).
    pub fn state_bytes(&self) -> usize {
        self.graph.state_bytes()
    }

    /// Keys (or a window's records or pane entries) evicted so far to
    /// respect the key limit and the state budget.
    pub fn evicted(&self) -> u64 {
        self.evicted
    }

    /// Spark's batch duration: the time between batches.
    pub fn batch_interval(&self) -> Duration {
        self.batch
    }

    /// Spark's `queueStream` (with `oneAtATime`): each batch takes the
    /// next pushed vector, or nothing (an empty batch) when none is
    /// queued. Returns the [`Queue`] to push to and the stream.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sparklet_engine::dstream::StreamingContext;
    /// # use sparklet_engine::Duration;
    /// let mut ssc = StreamingContext::new(Duration::from_secs(1));
    /// let (input, numbers) = ssc.queue_stream::<i64>();
    /// let out = ssc.collect(numbers);
    /// input.push(vec![1, 2]);
    /// input.push(vec![3]);
    /// ssc.run_batches(3);
    /// assert_eq!(out.take(), vec![(1000, vec![1, 2]), (2000, vec![3]), (3000, vec![])]);
    /// ```
    pub fn queue_stream<T: 'static>(&self) -> (Queue<T>, DStream<T>) {
        source::queue_stream(self.graph.clone())
    }

    /// Spark's `foreachRDD`: calls `f(time_ms, batch)` at every emission
    /// (a window's only at its slides). Outputs run in the order they
    /// were registered.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sparklet_engine::dstream::StreamingContext;
    /// # use sparklet_engine::Duration;
    /// let mut ssc = StreamingContext::new(Duration::from_secs(1));
    /// let (input, numbers) = ssc.queue_stream::<i64>();
    /// let every_2s = numbers.window(Duration::from_secs(2), Some(Duration::from_secs(2)));
    /// let seen = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    /// let sink = seen.clone();
    /// ssc.foreach_batch(every_2s.unwrap(), move |t, batch| sink.borrow_mut().push((t, batch)));
    /// for n in 1..=3 {
    ///     input.push(vec![n]);
    /// }
    /// ssc.run_batches(3);
    /// assert_eq!(*seen.borrow(), vec![(2000, vec![1, 2])]);
    /// ```
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
    /// stream does; [`Collected::take`] drains them.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sparklet_engine::dstream::StreamingContext;
    /// # use sparklet_engine::Duration;
    /// let mut ssc = StreamingContext::new(Duration::from_secs(1));
    /// let (input, words) = ssc.queue_stream();
    /// let out = ssc.collect(words.count());
    /// input.push(vec!['a', 'b']);
    /// ssc.run_batch();
    /// assert_eq!(out.take(), vec![(1000, vec![2])]);
    /// ssc.run_batch();
    /// assert_eq!(out.take(), vec![(2000, vec![0])]); // only what came since
    /// ```
    pub fn collect<T: 'static>(&mut self, stream: DStream<T>) -> Collected<T> {
        let out = Collected(Rc::default());
        let sink = out.0.clone();
        self.foreach_batch(stream, move |t, batch| sink.borrow_mut().push((t, batch)));
        out
    }

    /// Time (ms) of the next batch to run. A run restored from a
    /// checkpoint was checked to keep this in range; saturating keeps a
    /// context that somehow ran that long from wrapping to time zero.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sparklet_engine::dstream::StreamingContext;
    /// # use sparklet_engine::Duration;
    /// let mut ssc = StreamingContext::new(Duration::from_secs(1));
    /// assert_eq!((ssc.batches_run(), ssc.next_batch_time()), (0, 1000));
    /// ssc.run_batches(2);
    /// assert_eq!((ssc.batches_run(), ssc.next_batch_time()), (2, 3000));
    /// ssc.set_batches_run(9); // as a restored checkpoint does
    /// assert_eq!(ssc.run_batch(), 10_000);
    /// ```
    pub fn next_batch_time(&self) -> u64 {
        self.batches_run
            .saturating_add(1)
            .saturating_mul(self.batch.as_millis())
    }

    /// How many batches have run (including those of a restored run).
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
    /// none, use [`StreamingContext::run_batch_timed`]. (Spark's
    /// scheduler does this on a timer once `start()` is called; here the
    /// caller decides when a batch is due.)
    ///
    /// # Examples
    ///
    /// ```
    /// # use sparklet_engine::dstream::StreamingContext;
    /// # use sparklet_engine::Duration;
    /// let mut ssc = StreamingContext::new(Duration::from_secs(1));
    /// let (input, numbers) = ssc.queue_stream();
    /// let out = ssc.collect(numbers.reduce(|a: i64, b| a + b));
    /// input.push(vec![1, 2, 3]);
    /// assert_eq!(ssc.run_batch(), 1000);
    /// assert_eq!(ssc.run_batch(), 2000);
    /// assert_eq!(out.take(), vec![(1000, vec![6]), (2000, vec![])]);
    /// ```
    pub fn run_batch(&mut self) -> u64 {
        #[cfg(not(target_arch = "wasm32"))]
        let clock = crate::clock::Monotonic::new();
        #[cfg(not(target_arch = "wasm32"))]
        return self.run(Some(&clock));
        #[cfg(target_arch = "wasm32")]
        self.run(None)
    }

    /// Runs the next batch, timing its stages by `clock` (in the page,
    /// `performance.now()`); returns its time.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sparklet_engine::dstream::StreamingContext;
    /// # use sparklet_engine::{Clock, Duration};
    /// struct Stopped;
    /// impl Clock for Stopped {
    ///     fn now_ms(&self) -> f64 {
    ///         42.0
    ///     }
    /// }
    /// let mut ssc = StreamingContext::new(Duration::from_millis(500));
    /// let (input, words) = ssc.queue_stream::<char>();
    /// let out = ssc.collect(words);
    /// input.push(vec!['a']);
    /// assert_eq!(ssc.run_batch_timed(&Stopped), 500);
    /// assert_eq!(out.take(), vec![(500, vec!['a'])]);
    /// assert!(ssc.stages().iter().all(|s| s.ms == 0.0)); // a stopped clock
    /// ```
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
    /// build order (see [`StageFigures`](super::StageFigures)): what Spark's batch page
    /// shows per stage. A composite operator (`count_by_value`) is one
    /// stage; a stage that did not emit (a window between slides) gave
    /// out 0 records.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sparklet_engine::dstream::StreamingContext;
    /// # use sparklet_engine::Duration;
    /// let mut ssc = StreamingContext::new(Duration::from_secs(1));
    /// let (input, numbers) = ssc.queue_stream::<i64>();
    /// let evens = numbers.map(|n| n + 1).filter(|n| n % 2 == 0);
    /// let _out = ssc.collect(evens);
    /// input.push(vec![1, 2, 3]);
    /// ssc.run_batch();
    /// let figures: Vec<_> = ssc
    ///     .stages()
    ///     .into_iter()
    ///     .map(|s| (s.name, s.records_in, s.records_out))
    ///     .collect();
    /// let expected = [("queue_stream", 3, 3), ("map", 3, 3), ("filter", 3, 2)];
    /// assert_eq!(figures, expected.map(|(n, i, o)| (n.to_string(), i, o)));
    /// ```
    pub fn stages(&self) -> Vec<StageFigures> {
        self.graph.stage_figures(&self.figures)
    }

    /// Runs the next `n` batches, as [`run_batch`](Self::run_batch) `n`
    /// times.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sparklet_engine::dstream::StreamingContext;
    /// # use sparklet_engine::Duration;
    /// let mut ssc = StreamingContext::new(Duration::from_secs(1));
    /// let (input, words) = ssc.queue_stream::<char>();
    /// let counts = ssc.collect(words.count());
    /// input.push(vec!['a']);
    /// ssc.run_batches(3);
    /// assert_eq!(counts.take(), vec![(1000, vec![1]), (2000, vec![0]), (3000, vec![0])]);
    /// assert_eq!(ssc.batches_run(), 3);
    /// ```
    pub fn run_batches(&mut self, n: u64) {
        for _ in 0..n {
            self.run_batch();
        }
    }

    /// Records the `try_` operators could not handle: a count and recent
    /// samples with their reasons (see [`DStream::try_map`]).
    pub fn malformed(&self) -> &Malformed {
        &self.malformed
    }
}

/// The emissions of a collected stream, `(time_ms, batch)`, oldest first.
pub struct Collected<T>(Emissions<T>);

impl<T> Collected<T> {
    /// Takes what was collected so far, oldest first, leaving nothing
    /// (see [`StreamingContext::collect`]).
    pub fn take(&self) -> Vec<(u64, Vec<T>)> {
        std::mem::take(&mut self.0.borrow_mut())
    }
}
