//! Per-record stages driven by an expression or a parser: `map`,
//! `flat_map`, `filter`, `pair` and `json`. A record the expression cannot
//! handle is counted as malformed with the reason, and the batch goes on.

use crate::expr::Expr;
use crate::ops::{Cx, Operator};
use crate::value::Value;

pub enum Transform {
    Map(Expr),
    FlatMap(Expr),
    Filter(Expr),
    /// `pair [EXPR]`: record -> (record, EXPR), 1 when no EXPR is given.
    Pair(Option<Expr>),
    Json,
}

impl Operator for Transform {
    fn compute(&mut self, _: u64, input: Vec<Value>, cx: &mut Cx) -> Option<Vec<Value>> {
        let mut out = Vec::with_capacity(input.len());
        for rec in input {
            if let Err((rec, reason)) = self.apply(rec, &mut out) {
                cx.malformed.record(&rec.to_string(), || reason);
            }
        }
        Some(out)
    }
}

impl Transform {
    /// Reads the record, then moves it where it goes; on failure hands it
    /// back with the reason, so the good path never clones.
    fn apply(&self, rec: Value, out: &mut Vec<Value>) -> Result<(), (Value, String)> {
        let fail = |rec, what: &str, e: crate::expr::EvalError| Err((rec, format!("{what}: {e}")));
        match self {
            Transform::Map(e) => match e.eval(&rec) {
                Ok(v) => out.push(v),
                Err(err) => return fail(rec, "map", err),
            },
            Transform::FlatMap(e) => match e.eval(&rec) {
                Ok(Value::List(items)) => out.extend(items),
                Ok(Value::Null) => {}
                Ok(other) => {
                    let msg = format!("flat_map needs a list, got a {}", other.type_name());
                    return Err((rec, msg));
                }
                Err(err) => return fail(rec, "flat_map", err),
            },
            Transform::Filter(e) => match e.test(&rec) {
                Ok(true) => out.push(rec),
                Ok(false) => {}
                Err(err) => return fail(rec, "filter", err),
            },
            Transform::Pair(None) => out.push(Value::pair(rec, Value::Int(1))),
            Transform::Pair(Some(e)) => match e.eval(&rec) {
                Ok(v) => out.push(Value::pair(rec, v)),
                Err(err) => return fail(rec, "pair", err),
            },
            Transform::Json => match rec.as_str().map(serde_json::from_str) {
                Some(Ok(json)) => out.push(Value::from_json(json)),
                Some(Err(e)) => return Err((rec, format!("invalid JSON: {e}"))),
                None => {
                    let msg = format!("json needs a string, got a {}", rec.type_name());
                    return Err((rec, msg));
                }
            },
        }
        Ok(())
    }
}
