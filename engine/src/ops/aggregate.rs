//! Per-batch aggregations: `count`, `count_by_value`, `reduce`,
//! `reduce_by_key`, `group_by_key`. Each looks at one batch only; windows
//! and state build on the same helpers across batches.

use rustc_hash::FxHashMap;

use crate::ops::reduce_fn::ReduceFn;
use crate::ops::{expect_pair, Cx, Operator};
use crate::value::Value;

pub type KeyMap = FxHashMap<Value, Value>;

/// Counts each distinct value of `input` into `counts` (as `Int`s).
pub fn count_values(input: Vec<Value>, counts: &mut KeyMap) {
    for v in input {
        match counts.get_mut(&v) {
            Some(Value::Int(n)) => *n += 1,
            _ => {
                counts.insert(v, Value::Int(1));
            }
        }
    }
}

/// Reduces the pairs of `input` by key into `acc`; bad values are malformed.
pub fn reduce_pairs(f: ReduceFn, input: Vec<Value>, acc: &mut KeyMap, op: &str, cx: &mut Cx) {
    for rec in input {
        let Some((k, v)) = expect_pair(rec, op, cx) else {
            continue;
        };
        match f.lift(v) {
            Ok(v) => merge(f, acc, k, v),
            Err(reason) => cx
                .malformed
                .record(&k.to_string(), || format!("{op}: {reason}")),
        }
    }
}

/// Reduces all of `input` to one value, `None` when it holds none.
pub fn reduce_all(f: ReduceFn, input: Vec<Value>, op: &str, cx: &mut Cx) -> Option<Value> {
    let mut acc: Option<Value> = None;
    for v in input {
        let shown = v.to_string();
        match f.lift(v) {
            Ok(v) => {
                acc = Some(match acc.take() {
                    Some(a) => f.combine(a, v),
                    None => v,
                })
            }
            Err(reason) => cx.malformed.record(&shown, || format!("{op}: {reason}")),
        }
    }
    acc
}

/// Folds partial aggregate `v` into `acc[k]`.
pub fn merge(f: ReduceFn, acc: &mut KeyMap, k: Value, v: Value) {
    match acc.get_mut(&k) {
        Some(slot) => *slot = f.combine(std::mem::take(slot), v),
        None => {
            acc.insert(k, v);
        }
    }
}

pub fn into_pairs(map: KeyMap) -> Vec<Value> {
    map.into_iter().map(|(k, v)| Value::pair(k, v)).collect()
}

/// `count`: one number per batch, `[0]` for an empty one (as Spark's).
pub struct Count;

impl Operator for Count {
    fn compute(&mut self, _: u64, input: Vec<Value>, _: &mut Cx) -> Option<Vec<Value>> {
        Some(vec![Value::Int(input.len() as i64)])
    }
}

/// `count_by_value`: `(value, count)` for each distinct value of the batch.
pub struct CountByValue;

impl Operator for CountByValue {
    fn compute(&mut self, _: u64, input: Vec<Value>, _: &mut Cx) -> Option<Vec<Value>> {
        let mut counts = KeyMap::default();
        count_values(input, &mut counts);
        Some(into_pairs(counts))
    }

    fn emits_unordered_pairs(&self) -> bool {
        true
    }
}

/// `reduce FN`: one value per batch, nothing for an empty batch.
pub struct Reduce(pub ReduceFn);

impl Operator for Reduce {
    fn compute(&mut self, _: u64, input: Vec<Value>, cx: &mut Cx) -> Option<Vec<Value>> {
        Some(
            reduce_all(self.0, input, "reduce", cx)
                .into_iter()
                .collect(),
        )
    }
}

/// `reduce_by_key FN`: pairs reduced per key within the batch.
pub struct ReduceByKey(pub ReduceFn);

impl Operator for ReduceByKey {
    fn compute(&mut self, _: u64, input: Vec<Value>, cx: &mut Cx) -> Option<Vec<Value>> {
        let mut acc = KeyMap::default();
        reduce_pairs(self.0, input, &mut acc, "reduce_by_key", cx);
        Some(into_pairs(acc))
    }

    fn emits_unordered_pairs(&self) -> bool {
        true
    }
}

/// `group_by_key`: `(key, [values])`, values in arrival order.
pub struct GroupByKey;

impl Operator for GroupByKey {
    fn compute(&mut self, _: u64, input: Vec<Value>, cx: &mut Cx) -> Option<Vec<Value>> {
        let mut groups: FxHashMap<Value, Vec<Value>> = FxHashMap::default();
        for rec in input {
            if let Some((k, v)) = expect_pair(rec, "group_by_key", cx) {
                groups.entry(k).or_default().push(v);
            }
        }
        Some(
            groups
                .into_iter()
                .map(|(k, vs)| Value::pair(k, Value::List(vs)))
                .collect(),
        )
    }

    fn emits_unordered_pairs(&self) -> bool {
        true
    }
}
