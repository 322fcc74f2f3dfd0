//! Compiles parsed stages to the typed DStream API over [`Value`]s. Every
//! stage is one or two calls on `DStream<Value>`; keyed stages convert to
//! `(key, value)` tuples and back, so windows and state are the very
//! operators a Rust user calls. Records a stage cannot handle (a number
//! where `lower` wants a string, `sum` over text) are counted as malformed
//! with the reason.

use std::cmp::Ordering;

use crate::dstream::DStream;
use crate::pipeline::each::Each;
use crate::pipeline::error::StageError;
use crate::pipeline::event_stages;
use crate::pipeline::reduce_fn::ReduceFn;
use crate::pipeline::stage::Stage;
use crate::value::Value;

/// Applies one stage, or says why it cannot be built here (a window that
/// does not fit, `union` in a one-source pipeline).
pub fn apply(s: DStream<Value>, stage: &Stage) -> Result<DStream<Value>, StageError> {
    Ok(match stage.clone() {
        // The text stages run the same code as the fused path, one at a time.
        Stage::Split(_)
        | Stage::Lower
        | Stage::Upper
        | Stage::Trim
        | Stage::Json
        | Stage::Map(_)
        | Stage::FlatMap(_)
        | Stage::Filter(_)
        | Stage::Pair(_) => match Each::of(stage) {
            Some(each) => each.on(s),
            None => s,
        },
        Stage::Count => s.count().map(Value::Int),
        Stage::CountByValue | Stage::CountByValueAndWindow(_) => {
            counting(s.map(|v| (v, 1)), stage)?
        }
        Stage::Reduce(f) => lifted(s, f, "reduce")
            .reduce(move |a, b| f.combine(a, b))
            .map(move |v| f.finish(v)),
        Stage::ReduceByKey(f) => by_key(pairs_lifted(s, f, "reduce_by_key"), stage)?,
        Stage::ReduceByKeyAndWindow(f, ..) => {
            by_key(pairs_lifted(s, f, "reduce_by_key_and_window"), stage)?
        }
        Stage::UpdateStateByKey(f) => by_key(pairs_lifted(s, f, "update_state_by_key"), stage)?,
        Stage::GroupByKey => pairs(s, "group_by_key").group_by_key().map(grouped),
        Stage::Union => return Err(StageError::Union),
        Stage::Window(w) => s.window(w.len, w.slide)?,
        Stage::CountByWindow(w) => s.count_by_window(w.len, w.slide)?.map(Value::Int),
        Stage::ReduceByWindow(f, w) => {
            let combine = move |a, b| f.combine(a, b);
            lifted(s, f, "reduce_by_window")
                .reduce_by_window(combine, w.len, w.slide)?
                .map(move |v| f.finish(v))
        }
        Stage::GroupByKeyAndWindow(w) => pairs(s, "group_by_key_and_window")
            .group_by_key_and_window(w.len, w.slide)?
            .map(grouped),
        Stage::Top(n) => pairs(s, "top")
            .top_by(n, by_value_then_smaller_key)
            .map(joined),
        Stage::WithWatermark(..) | Stage::EventWindow(..) | Stage::SessionWindow(..) => {
            return Err(StageError::EventTime(event_stages::misplaced(stage)))
        }
    })
}

/// How many stages a map-side combine may stand for at the start of
/// `rest` (the stages after the leading text stages): the source then
/// counts each distinct string, and `rest[skip]` is built on those counts
/// by [`apply_counted`]. A count per key is all that a count by value, or
/// a sum or count of `pair`'s ones, needs of a batch.
pub fn combinable(rest: &[&Stage]) -> Option<usize> {
    use ReduceFn::{Count, Sum};
    match rest {
        [Stage::CountByValue | Stage::CountByValueAndWindow(_), ..] => Some(0),
        [Stage::Pair(None), Stage::ReduceByKey(Sum | Count)
        | Stage::ReduceByKeyAndWindow(Sum | Count, ..)
        | Stage::UpdateStateByKey(Sum | Count), ..] => Some(1),
        _ => None,
    }
}

/// Builds the keyed stage `stage` on `(key, count)` pairs that already
/// count each key once per batch (see [`combinable`]).
pub fn apply_counted(
    counts: DStream<(Value, i64)>,
    stage: &Stage,
) -> Result<DStream<Value>, StageError> {
    match stage {
        Stage::CountByValue | Stage::CountByValueAndWindow(_) => counting(counts, stage),
        _ => by_key(counts.map(|(k, n)| (k, Value::Int(n))), stage),
    }
}

/// `count_by_value` and its window, from a count per value per batch.
fn counting(counts: DStream<(Value, i64)>, stage: &Stage) -> Result<DStream<Value>, StageError> {
    Ok(match stage {
        Stage::CountByValueAndWindow(w) => counts
            .sum_counts_by_key_and_window(w.len, w.slide)?
            .map(counted),
        _ => counts.reduce_by_key(i64::wrapping_add).map(counted),
    })
}

/// The keyed reduces, from pairs whose values the stage's function took.
fn by_key(pairs: DStream<(Value, Value)>, stage: &Stage) -> Result<DStream<Value>, StageError> {
    Ok(match *stage {
        Stage::ReduceByKeyAndWindow(f, w, false) => pairs
            .reduce_by_key_and_window(move |a, b| f.combine(a, b), w.len, w.slide)?
            .map(move |kv| finished(f, kv)),
        Stage::ReduceByKeyAndWindow(f, w, true) => {
            if !f.is_invertible() {
                return Err(StageError::NotInvertible(f.name()));
            }
            pairs
                .reduce_by_key_and_window_inverse(
                    move |a, b| f.combine(a, b),
                    move |a, b| f.inverse(a, b),
                    w.len,
                    w.slide,
                    None,
                )?
                .map(move |kv| finished(f, kv))
        }
        Stage::UpdateStateByKey(f) => pairs
            .update_state_by_key(move |values, old| {
                values.into_iter().fold(old, |acc, v| Some(fold(f, acc, v)))
            })
            .map(move |kv| finished(f, kv)),
        Stage::ReduceByKey(f) => pairs
            .reduce_by_key(move |a, b| f.combine(a, b))
            .map(move |kv| finished(f, kv)),
        ref other => return Err(StageError::NotKeyed(format!("{other:?}"))),
    })
}

/// Whether a stage's output is keyed pairs in hash order, which the
/// pipeline sorts by key so results are stable and diffable.
pub fn emits_unordered_pairs(stage: &Stage) -> bool {
    matches!(
        stage,
        Stage::CountByValue
            | Stage::ReduceByKey(_)
            | Stage::GroupByKey
            | Stage::ReduceByKeyAndWindow(..)
            | Stage::CountByValueAndWindow(_)
            | Stage::GroupByKeyAndWindow(_)
            | Stage::UpdateStateByKey(_)
    )
}

fn fold(f: ReduceFn, acc: Option<Value>, v: Value) -> Value {
    match acc {
        Some(a) => f.combine(a, v),
        None => v,
    }
}

fn by_value_then_smaller_key(a: &(Value, Value), b: &(Value, Value)) -> Ordering {
    a.1.output_cmp(&b.1).then_with(|| b.0.output_cmp(&a.0))
}

/// A keyed partial aggregate as its output pair (`mean` divides here).
fn finished(f: ReduceFn, (k, v): (Value, Value)) -> Value {
    Value::pair(k, f.finish(v))
}

fn counted((k, n): (Value, i64)) -> Value {
    Value::pair(k, Value::Int(n))
}

fn joined((k, v): (Value, Value)) -> Value {
    Value::pair(k, v)
}

fn grouped((k, vs): (Value, Vec<Value>)) -> Value {
    Value::pair(k, Value::List(vs))
}

/// Records as `(key, value)` tuples; a record that is not a pair is malformed.
fn pairs(s: DStream<Value>, op: &'static str) -> DStream<(Value, Value)> {
    s.try_map(move |v| {
        v.into_pair().map_err(|other| {
            let reason = format!(
                "{op} needs (key, value) pairs, got a {}; add `pair` or `map (.k, .v)` before it",
                other.type_name()
            );
            (other.to_string(), reason)
        })
    })
}

/// Pairs whose values `f` accepts (`sum` needs numbers).
fn pairs_lifted(s: DStream<Value>, f: ReduceFn, op: &'static str) -> DStream<(Value, Value)> {
    pairs(s, op).try_map(move |(k, v)| match f.lift(v) {
        Ok(v) => Ok((k, v)),
        Err((v, reason)) => Err((Value::pair(k, v).to_string(), format!("{op}: {reason}"))),
    })
}

/// Records that `f` accepts.
fn lifted(s: DStream<Value>, f: ReduceFn, op: &'static str) -> DStream<Value> {
    s.try_map(move |v| {
        f.lift(v)
            .map_err(|(v, reason)| (v.to_string(), format!("{op}: {reason}")))
    })
}
