//! Where a batch enters a pipeline. The receiver's packed lines (or, for
//! `replay`, values) go through the pipeline's leading text stages on
//! borrowed strings; what comes out is either one value per string, or,
//! when a counting stage follows, already counted per distinct string (the
//! map-side combine Spark's `reduceByKey` does before its shuffle). A word
//! count thus touches each word once, as a slice, and allocates only for
//! words it has not seen in this batch.

use std::cell::RefCell;
use std::rc::Rc;

use rustc_hash::FxHashMap;

use crate::dstream::{Cx, DStream, Graph};
use crate::pipeline::text::TextChain;
use crate::pipeline::words::StringCounts;
use crate::records::Records;
use crate::value::{Str, Value};

/// What a batch brings: the receiver's packed lines, or values (replay).
pub enum Input {
    Lines(Records),
    Values(Vec<Value>),
}

impl Input {
    /// Its records: lines, or values.
    pub fn len(&self) -> usize {
        match self {
            Input::Lines(records) => records.len(),
            Input::Values(values) => values.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

pub type Slot<T> = Rc<RefCell<Option<T>>>;

/// The records a batch brought, or 0 when it brought none.
fn records_in(input: &Option<Input>) -> usize {
    input.as_ref().map_or(0, Input::len)
}

/// One value per string the text stages make of each record.
pub fn values(graph: Rc<Graph>, input: Slot<Input>, mut chain: TextChain) -> DStream<Value> {
    DStream::input("input", graph, move |_, cx| {
        let input = input.borrow_mut().take();
        let n = records_in(&input);
        let out = match input {
            Some(Input::Values(values)) if chain.is_empty() => values,
            Some(Input::Lines(records)) if chain.is_empty() => {
                records.iter().map(Value::str).collect()
            }
            input => {
                let mut out = Vec::with_capacity(expected_len(&input, &chain));
                let mut push = |s: &str| out.push(Value::Str(Str::new(s)));
                for_each_text(input, &mut chain, cx, &mut push, &mut |_| {});
                out
            }
        };
        (n, out)
    })
}

/// `(string, count)` for each distinct string the text stages make of the
/// batch's records; a value that is not text (replay, no text stage) is
/// counted as itself.
pub fn counted(
    graph: Rc<Graph>,
    input: Slot<Input>,
    mut chain: TextChain,
) -> DStream<(Value, i64)> {
    // Kept across batches so their tables are allocated once.
    let mut texts = StringCounts::default();
    let mut others: FxHashMap<Value, i64> = FxHashMap::default();
    let words = chain.ascii_words();
    DStream::input("input", graph, move |_, cx| {
        let input = input.borrow_mut().take();
        let n = records_in(&input);
        match (input, words) {
            // The word count's own loop (see `pipeline::words`).
            (Some(Input::Lines(records)), Some(case)) => {
                // One check of the whole batch; line by line only if needed.
                let all_ascii = records.is_ascii();
                for line in records.iter() {
                    if all_ascii || line.is_ascii() {
                        texts.add_ascii_words(line, case);
                    } else {
                        chain.run(line, &mut |s| texts.add(s));
                    }
                }
            }
            (input, _) => {
                let mut count_other = |v: Value| *others.entry(v).or_default() += 1;
                for_each_text(
                    input,
                    &mut chain,
                    cx,
                    &mut |s| texts.add(s),
                    &mut count_other,
                );
            }
        }
        let mut out = Vec::with_capacity(texts.len() + others.len());
        out.extend(texts.drain().map(|(s, n)| (Value::Str(s), n)));
        out.extend(others.drain());
        (n, out)
    })
}

/// Runs the text stages over every record. A value that is not a string
/// goes to `other` when there are no text stages, and is malformed when
/// there are (as the stage itself would find it).
fn for_each_text(
    input: Option<Input>,
    chain: &mut TextChain,
    cx: &mut Cx,
    text: &mut dyn FnMut(&str),
    other: &mut dyn FnMut(Value),
) {
    match input {
        Some(Input::Lines(records)) => {
            for line in records.iter() {
                chain.run(line, text);
            }
        }
        Some(Input::Values(values)) => {
            for v in values {
                match (v.as_str(), chain.first_name()) {
                    (Some(s), _) => chain.run(s, text),
                    (None, None) => other(v),
                    (None, Some(op)) => cx.malformed.record(&v.to_string(), || {
                        format!("{op} needs a string, got a {}", v.type_name())
                    }),
                }
            }
        }
        None => {}
    }
}

/// A first guess at the output's length: about six words per line on the
/// demo feed when the stages split.
fn expected_len(input: &Option<Input>, chain: &TextChain) -> usize {
    let records = match input {
        Some(Input::Lines(r)) => r.len(),
        Some(Input::Values(v)) => v.len(),
        None => 0,
    };
    if chain.splits() {
        records * 6
    } else {
        records
    }
}
