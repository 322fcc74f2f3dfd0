//! DStream operators. Each is a small type implementing [`Operator`]: it is
//! called at every time its parent stream emits, and emits itself at those
//! times or (windows) at multiples of its slide.

pub mod aggregate;
pub mod reduce_fn;
pub mod state;
pub mod text;
pub mod top;
pub mod transform;

use crate::malformed::Malformed;
use crate::records::Records;
use crate::value::Value;

/// What an operator may touch besides its own state while computing.
pub struct Cx<'a> {
    pub malformed: &'a mut Malformed,
}

/// One stage of a running pipeline.
pub trait Operator {
    /// Computes this stream's output at `time_ms` from the parent's output
    /// at that time; `None` when this stream does not emit at `time_ms`.
    fn compute(&mut self, time_ms: u64, input: Vec<Value>, cx: &mut Cx) -> Option<Vec<Value>>;

    /// The same, straight from a batch's raw lines. Operators that read
    /// text (such as `split`) override it to skip building a value per line.
    fn compute_records(
        &mut self,
        time_ms: u64,
        records: &Records,
        cx: &mut Cx,
    ) -> Option<Vec<Value>> {
        let input = records.iter().map(Value::str).collect();
        self.compute(time_ms, input, cx)
    }

    /// Whether the output is keyed pairs in no useful order, which the
    /// pipeline then sorts by key so results are stable and diffable.
    fn emits_unordered_pairs(&self) -> bool {
        false
    }
}

/// The key-value parts of a record that must be a pair, or a malformed
/// count naming the operator that needed one.
pub fn expect_pair(rec: Value, op: &str, cx: &mut Cx) -> Option<(Value, Value)> {
    match rec.into_pair() {
        Ok(kv) => Some(kv),
        Err(other) => {
            cx.malformed.record(&other.to_string(), || {
                format!("{op} needs (key, value) pairs, got a {}; add `pair` or `map (.k, .v)` before it", other.type_name())
            });
            None
        }
    }
}
