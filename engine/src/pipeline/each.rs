//! A per-record stage as what it makes of one record: one record, any
//! number, or the record kept or not. The plain stream and the event-timed
//! one (whose records carry their event time through these stages) run
//! the same closures.

use crate::dstream::DStream;
use crate::expr::Expr;
use crate::pipeline::projection;
use crate::pipeline::stage::Stage;
use crate::pipeline::text::{self, Case, TextOp};
use crate::value::{Str, Value};

/// A record that a stage could not handle, and why: malformed.
pub type Refusal = (String, String);

/// A record with its event time, ms since the epoch.
pub type Timed = (i64, Value);

type One = Box<dyn FnMut(Value) -> Result<Value, Refusal>>;
type Many = Box<dyn FnMut(Value) -> Result<Vec<Value>, Refusal>>;
type Keep = Box<dyn FnMut(&Value) -> Result<bool, Refusal>>;

pub enum Each {
    One(One),
    Many(Many),
    Keep(Keep),
}

impl Each {
    /// The per-record stage `stage` is, if it is one.
    pub fn of(stage: &Stage) -> Option<Each> {
        Some(match stage.clone() {
            Stage::Split(sep) => text_op(TextOp::Split(sep)),
            Stage::Lower => text_op(TextOp::Case(Case::Lower)),
            Stage::Upper => text_op(TextOp::Case(Case::Upper)),
            Stage::Trim => text_op(TextOp::Trim),
            Stage::Json => Each::One(Box::new(parse_json)),
            Stage::Map(e) => Each::One(Box::new(move |v| match e.eval(&v) {
                Ok(out) => Ok(out),
                Err(err) => Err((v.to_string(), format!("map: {err}"))),
            })),
            Stage::FlatMap(e) => Each::Many(Box::new(move |v| match e.eval(&v) {
                Ok(Value::List(items)) => Ok(items),
                // A JSON list of two reads as a pair (see `Value::from_json`).
                Ok(Value::Pair(two)) => Ok(vec![two.0, two.1]),
                Ok(Value::Null) => Ok(Vec::new()),
                Ok(other) => Err((
                    v.to_string(),
                    format!("flat_map needs a list, got a {}", other.type_name()),
                )),
                Err(err) => Err((v.to_string(), format!("flat_map: {err}"))),
            })),
            Stage::Filter(e) => Each::Keep(Box::new(move |v| {
                e.test(v)
                    .map_err(|err| (v.to_string(), format!("filter: {err}")))
            })),
            Stage::Pair(None) => Each::One(Box::new(|v| Ok(Value::pair(v, Value::Int(1))))),
            Stage::Pair(Some(e)) => Each::One(Box::new(move |v| match e.eval(&v) {
                Ok(x) => Ok(Value::pair(v, x)),
                Err(err) => Err((v.to_string(), format!("pair: {err}"))),
            })),
            _ => return None,
        })
    }

    /// `json | map e` as one stage, when `e` reads only top-level fields:
    /// those are scanned out of the record's text, the rest never built
    /// (see [`projection`]). A record of another shape, and a record `e`
    /// fails on, go the general way, so each reads and fails as unfused.
    pub fn json_map(e: Expr) -> Option<Each> {
        let fields = projection::fields(&e)?;
        Some(Each::One(Box::new(move |v| {
            let projected = v.as_str().and_then(|t| projection::project(t, &fields));
            if let Some(record) = projected {
                if let Ok(out) = e.eval(&record) {
                    return Ok(out);
                }
            }
            let record = parse_json(v)?;
            e.eval(&record)
                .map_err(|err| (record.to_string(), format!("map: {err}")))
        })))
    }

    /// This stage on a plain stream.
    pub fn on(self, s: DStream<Value>) -> DStream<Value> {
        match self {
            Each::One(f) => s.try_map(f),
            Each::Many(f) => s.try_flat_map(f),
            Each::Keep(mut keep) => s.try_flat_map(move |v| Ok(keep(&v)?.then_some(v))),
        }
    }

    /// This stage on records with their event time, which each record it
    /// makes keeps.
    pub fn on_timed(self, s: DStream<Timed>) -> DStream<Timed> {
        match self {
            Each::One(mut f) => s.try_map(move |(t, v)| Ok((t, f(v)?))),
            Each::Many(mut f) => {
                s.try_flat_map(move |(t, v)| Ok(f(v)?.into_iter().map(move |v| (t, v))))
            }
            Each::Keep(mut keep) => s.try_flat_map(move |(t, v)| Ok(keep(&v)?.then_some((t, v)))),
        }
    }
}

/// A text stage on values: [`TextOp::apply`] on each string, a string the
/// stage leaves as it is passed on without a copy. A value that is not a
/// string is malformed.
fn text_op(op: TextOp) -> Each {
    let mut buffer = String::new();
    let refuse = |v: Value, op: &TextOp| (v.to_string(), text::needs_string(&v, op.name()));
    match op {
        TextOp::Split(_) => Each::Many(Box::new(move |v| match v {
            Value::Str(line) => {
                let mut words = Vec::new();
                op.apply(&line, &mut buffer, |w| words.push(Value::str(w)));
                Ok(words)
            }
            other => Err(refuse(other, &op)),
        })),
        _ => Each::One(Box::new(move |v| match v {
            Value::Str(text) => {
                let mut changed = None;
                op.apply(&text, &mut buffer, |w| {
                    if !std::ptr::eq(w, text.as_str()) {
                        changed = Some(Str::new(w));
                    }
                });
                Ok(Value::Str(changed.unwrap_or(text)))
            }
            other => Err(refuse(other, &op)),
        })),
    }
}

/// The `json` stage: the record's text parsed whole.
fn parse_json(v: Value) -> Result<Value, Refusal> {
    match v.as_str().map(serde_json::from_str) {
        Some(Ok(json)) => Ok(Value::from_json(json)),
        Some(Err(e)) => Err((v.to_string(), format!("invalid JSON: {e}"))),
        None => Err((v.to_string(), text::needs_string(&v, "json"))),
    }
}
