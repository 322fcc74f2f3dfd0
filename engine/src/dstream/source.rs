//! Input streams: Spark's `queueStream` (a batch per pushed vector), and
//! the word splitting that the pipeline's source does straight from the
//! receiver's packed lines.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use crate::dstream::{DStream, Graph};

/// The pushing end of a queue stream.
pub struct Queue<T>(Rc<RefCell<VecDeque<Vec<T>>>>);

impl<T> Queue<T> {
    /// Queues the batch for the next batch time that has none yet.
    pub fn push(&self, batch: Vec<T>) {
        self.0.borrow_mut().push_back(batch);
    }
}

pub(crate) fn queue_stream<T: 'static>(graph: Rc<Graph>) -> (Queue<T>, DStream<T>) {
    let queue = Rc::new(RefCell::new(VecDeque::new()));
    let source = queue.clone();
    let stream = DStream::from_fn(graph.batch, graph, move |_, _| {
        Some(source.borrow_mut().pop_front().unwrap_or_default())
    });
    (Queue(queue), stream)
}

/// Calls `emit` for each word of `line`: whitespace-separated without a
/// separator, else split on `sep`; empty words are skipped.
pub fn split_into(line: &str, sep: Option<&str>, mut emit: impl FnMut(&str)) {
    match sep {
        None => line.split_whitespace().for_each(emit),
        Some(sep) => line
            .split(sep)
            .filter(|w| !w.is_empty())
            .for_each(&mut emit),
    }
}
