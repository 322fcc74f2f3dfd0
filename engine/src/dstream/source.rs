//! Input streams. `queue_stream` is Spark's (a batch per pushed vector);
//! `text_stream` carries the receiver's packed lines, so the first operator
//! (`split` in a word count) reads them in place instead of making a value
//! per line.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use crate::dstream::{DStream, Graph};
use crate::records::Records;
use crate::value::{Str, Value};

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

/// The pushing end of a text stream.
pub struct TextQueue(Rc<RefCell<VecDeque<Records>>>);

impl TextQueue {
    pub fn push(&self, records: Records) {
        self.0.borrow_mut().push_back(records);
    }
}

/// A stream of text lines, before its first operator.
pub struct TextStream {
    queue: Rc<RefCell<VecDeque<Records>>>,
    graph: Rc<Graph>,
}

pub(crate) fn text_stream(graph: Rc<Graph>) -> (TextQueue, TextStream) {
    let queue = Rc::new(RefCell::new(VecDeque::new()));
    (TextQueue(queue.clone()), TextStream { queue, graph })
}

impl TextStream {
    /// The lines, read by `read` straight from the packed batch.
    pub fn read<T: 'static>(
        self,
        mut read: impl FnMut(&Records, &mut Vec<T>) + 'static,
    ) -> DStream<T> {
        let queue = self.queue;
        DStream::from_fn(self.graph.batch, self.graph, move |_, _| {
            let records = queue.borrow_mut().pop_front().unwrap_or_default();
            let mut out = Vec::new();
            read(&records, &mut out);
            Some(out)
        })
    }

    /// Each line as a string value.
    pub fn values(self) -> DStream<Value> {
        self.read(|records, out| out.extend(records.iter().map(Value::str)))
    }

    /// Spark's `flatMap(_.split(sep))`: the words of every line (split on
    /// whitespace without `sep`), empty words dropped.
    pub fn split(self, sep: Option<String>) -> DStream<Str> {
        self.read(move |records, out| {
            // About six words per line on the demo feed: one reservation.
            out.reserve(records.len() * 6);
            for line in records.iter() {
                split_into(line, sep.as_deref(), |w| out.push(Str::new(w)));
            }
        })
    }
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
