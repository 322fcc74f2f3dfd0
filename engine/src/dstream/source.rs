//! Input streams: Spark's `queueStream` (a batch per pushed vector). The
//! pipeline's own source, over the receiver's packed lines, is in
//! `pipeline::source`.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use crate::dstream::{DStream, Graph};

/// The pushing end of a queue stream (see
/// [`StreamingContext::queue_stream`](super::StreamingContext::queue_stream)).
pub struct Queue<T>(Rc<RefCell<VecDeque<Vec<T>>>>);

impl<T> Queue<T> {
    /// Queues the batch for the next batch time that has none yet: Spark's
    /// `queue += rdd`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sparklet_engine::dstream::StreamingContext;
    /// # use sparklet_engine::Duration;
    /// let mut ssc = StreamingContext::new(Duration::from_secs(1));
    /// let (input, words) = ssc.queue_stream();
    /// let out = ssc.collect(words);
    /// input.push(vec!["first"]);
    /// ssc.run_batch();
    /// input.push(vec!["second"]);
    /// input.push(vec!["third"]);
    /// ssc.run_batches(2);
    /// let batches: Vec<_> = out.take().into_iter().map(|(_, b)| b).collect();
    /// assert_eq!(batches, [vec!["first"], vec!["second"], vec!["third"]]);
    /// ```
    pub fn push(&self, batch: Vec<T>) {
        self.0.borrow_mut().push_back(batch);
    }
}

pub(crate) fn queue_stream<T: 'static>(graph: Rc<Graph>) -> (Queue<T>, DStream<T>) {
    let queue = Rc::new(RefCell::new(VecDeque::new()));
    let source = queue.clone();
    let stream = DStream::input("queue_stream", graph, move |_, _| {
        let batch: Vec<T> = source.borrow_mut().pop_front().unwrap_or_default();
        (batch.len(), batch)
    });
    (Queue(queue), stream)
}
