//! Where a batch enters a pipeline. The receiver's packed lines (or, for
//! `replay`, values) go through the pipeline's leading text stages fused
//! on borrowed strings ([`TextChain`]); what comes out is either one value
//! per string, or, when a counting stage follows, already counted per
//! distinct string (the map-side combine Spark's `reduceByKey` does before
//! its shuffle). A word count thus touches each word once, as a slice, and
//! allocates only for words it has not seen in this batch.

use std::cell::RefCell;
use std::rc::Rc;

use rustc_hash::FxHashMap;

use crate::dstream::{Cx, DStream, Graph};
use crate::pipeline::text::{self, Case, TextOp};
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
                        chain.run(line, &mut |s: &str| texts.add(s));
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

/// Runs the text stages over every record, giving `emit` each string. A
/// value that is not a string goes to `other` when there are no text stages, and is malformed when
/// there are (as the stage itself would find it).
fn for_each_text(
    input: Option<Input>,
    chain: &mut TextChain,
    cx: &mut Cx,
    emit: &mut impl FnMut(&str),
    other: &mut impl FnMut(Value),
) {
    match input {
        Some(Input::Lines(records)) => {
            for line in records.iter() {
                chain.run(line, emit);
            }
        }
        Some(Input::Values(values)) => {
            for v in values {
                match (v.as_str(), chain.first_name()) {
                    (Some(s), _) => chain.run(s, emit),
                    (None, None) => other(v),
                    (None, Some(op)) => cx
                        .malformed
                        .record(&v.to_string(), || text::needs_string(&v, op)),
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

/// Leading text stages fused: each stage's [`TextOp::apply`] hands its
/// strings straight to the next, borrowed, with one reused buffer per
/// stage for case maps that change a string.
#[derive(Debug, Default)]
pub struct TextChain {
    ops: Vec<TextOp>,
    buffers: Vec<String>,
}

impl TextChain {
    pub fn new(ops: Vec<TextOp>) -> TextChain {
        let buffers = vec![String::new(); ops.len()];
        TextChain { ops, buffers }
    }

    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// The case of the word count's shape, `split` on whitespace with case
    /// maps before or after it: on ASCII text the same as one pass that
    /// splits and maps each word (`StringCounts::add_ascii_words`); `None`
    /// for any other chain.
    pub fn ascii_words(&self) -> Option<Case> {
        let splits = self.ops.iter().filter(|op| **op == TextOp::Split(None));
        if splits.count() != 1 {
            return None;
        }
        // On ASCII letters the last case map wins.
        self.ops.iter().try_fold(Case::Keep, |case, op| match op {
            TextOp::Split(None) => Some(case),
            TextOp::Case(c) => Some(*c),
            _ => None,
        })
    }

    /// Whether a stage splits records into words.
    pub fn splits(&self) -> bool {
        self.ops.iter().any(|op| matches!(op, TextOp::Split(_)))
    }

    /// The first stage's name, for the message when a record is not text.
    pub fn first_name(&self) -> Option<&'static str> {
        self.ops.first().map(TextOp::name)
    }

    /// Calls `emit` with every string the stages make of `record`.
    #[inline]
    pub fn run(&mut self, record: &str, emit: &mut impl FnMut(&str)) {
        run_ops(&self.ops, &mut self.buffers, record, emit);
    }
}

fn run_ops<F: FnMut(&str)>(ops: &[TextOp], buffers: &mut [String], s: &str, emit: &mut F) {
    match (ops, buffers) {
        ([op, rest @ ..], [buffer, rest_buffers @ ..]) => {
            op.apply(s, buffer, |w| run_ops(rest, rest_buffers, w, emit))
        }
        _ => emit(s),
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::pipeline::text::Case::{Lower, Upper};
    use crate::pipeline::text::TextOp::{Case, Split, Trim};

    fn words(ops: Vec<TextOp>, record: &str) -> Vec<String> {
        let mut chain = TextChain::new(ops);
        let mut out = Vec::new();
        chain.run(record, &mut |w: &str| out.push(w.to_string()));
        out
    }

    #[test]
    fn stages_apply_in_order_to_each_word() {
        assert_eq!(
            words(vec![Split(None), Case(Lower)], "Über The  cat"),
            ["über", "the", "cat"]
        );
        assert_eq!(
            words(vec![Case(Upper), Split(Some(",".into()))], "a,,b,"),
            ["A", "B"]
        );
        assert_eq!(words(vec![Trim], "  x y "), ["x y"]);
        assert_eq!(words(vec![], "as is"), ["as is"]);
        assert_eq!(
            words(vec![Split(None), Case(Upper), Case(Lower)], "MiXeD ǅ"),
            ["mixed", "ǆ"]
        );
    }
}
