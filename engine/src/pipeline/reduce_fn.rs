//! The reduce functions the language offers (`sum`, `min`, `max`, `count`,
//! `mean`) and their inverses, which make incremental windows possible.
//! `mean` carries `(sum, count)` partials and is finished at the output,
//! so it too is exact under `inverse`; booleans count as 1 and 0, which
//! makes `mean` of a condition a rate.

use std::cmp::Ordering;

use crate::value::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReduceFn {
    Sum,
    Min,
    Max,
    /// Counts values: each value contributes 1, partial counts add up.
    Count,
    /// The arithmetic mean of numbers (and booleans as 1/0).
    Mean,
}

impl ReduceFn {
    pub fn from_name(name: &str) -> Option<ReduceFn> {
        match name {
            "sum" => Some(ReduceFn::Sum),
            "min" => Some(ReduceFn::Min),
            "max" => Some(ReduceFn::Max),
            "count" => Some(ReduceFn::Count),
            "mean" | "avg" => Some(ReduceFn::Mean),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ReduceFn::Sum => "sum",
            ReduceFn::Min => "min",
            ReduceFn::Max => "max",
            ReduceFn::Count => "count",
            ReduceFn::Mean => "mean",
        }
    }

    /// Whether `inverse` exists, as Spark's `invReduceFunc` must.
    pub fn is_invertible(self) -> bool {
        matches!(self, ReduceFn::Sum | ReduceFn::Count | ReduceFn::Mean)
    }

    /// A single value as a partial aggregate; a value of the wrong type
    /// comes back with the reason.
    pub fn lift(self, v: Value) -> Result<Value, (Value, String)> {
        let ok = match (self, &v) {
            (ReduceFn::Count, _) => return Ok(Value::Int(1)),
            (ReduceFn::Mean, Value::Int(_) | Value::Float(_) | Value::Bool(_)) => {
                let x = match v {
                    Value::Bool(b) => b as i64 as f64,
                    _ => v.as_f64().unwrap_or(f64::NAN),
                };
                return Ok(Value::pair(Value::Float(x), Value::Int(1)));
            }
            (ReduceFn::Sum, Value::Int(_) | Value::Float(_)) => true,
            (ReduceFn::Min | ReduceFn::Max, Value::Int(_) | Value::Float(_) | Value::Str(_)) => {
                true
            }
            _ => false,
        };
        if ok {
            return Ok(v);
        }
        let wants = if self == ReduceFn::Sum {
            "numbers"
        } else {
            "numbers or strings"
        };
        let reason = format!("{} needs {wants}, got a {}", self.name(), v.type_name());
        Err((v, reason))
    }

    /// Combines two partial aggregates (both from `lift` or `combine`).
    pub fn combine(self, a: Value, b: Value) -> Value {
        match self {
            ReduceFn::Sum | ReduceFn::Count => add(&a, &b, 1),
            ReduceFn::Mean => pairwise(a, b, 1),
            ReduceFn::Min => pick(a, b, Ordering::Less),
            ReduceFn::Max => pick(a, b, Ordering::Greater),
        }
    }

    /// Removes partial aggregate `b` from `a`; only for invertible functions.
    pub fn inverse(self, a: Value, b: Value) -> Value {
        debug_assert!(self.is_invertible());
        match self {
            ReduceFn::Mean => pairwise(a, b, -1),
            _ => add(&a, &b, -1),
        }
    }

    /// The output value of a partial aggregate: the mean of `(sum, count)`
    /// (`null` for a count of zero); every other function's partial is its
    /// value.
    pub fn finish(self, v: Value) -> Value {
        match (self, v.as_pair()) {
            (ReduceFn::Mean, Some((sum, count))) => match (sum.as_f64(), count.as_f64()) {
                (Some(s), Some(c)) if c != 0.0 => Value::Float(s / c),
                _ => Value::Null,
            },
            _ => v,
        }
    }
}

/// `a + sign * b`; longs wrap as the JVM's do, a float makes it a float.
fn add(a: &Value, b: &Value, sign: i64) -> Value {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Value::Int(x.wrapping_add(y.wrapping_mul(sign))),
        _ => {
            let (x, y) = (
                a.as_f64().unwrap_or(f64::NAN),
                b.as_f64().unwrap_or(f64::NAN),
            );
            Value::Float(x + y * sign as f64)
        }
    }
}

/// `(sum, count)` partials added (or subtracted) part by part.
fn pairwise(a: Value, b: Value, sign: i64) -> Value {
    match (a.into_pair(), b.into_pair()) {
        (Ok((s1, c1)), Ok((s2, c2))) => Value::pair(add(&s1, &s2, sign), add(&c1, &c2, sign)),
        _ => Value::Null,
    }
}

/// Min and max across ints, floats and strings; a string never mixes with
/// a number in practice, and the total order keeps it deterministic if so.
fn pick(a: Value, b: Value, want: Ordering) -> Value {
    if b.total_cmp(&a) == want {
        b
    } else {
        a
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn sum_keeps_longs_until_a_double_appears() {
        let f = ReduceFn::Sum;
        assert_eq!(f.combine(Value::Int(2), Value::Int(3)), Value::Int(5));
        assert_eq!(
            f.combine(Value::Int(2), Value::Float(0.5)),
            Value::Float(2.5)
        );
        assert_eq!(f.inverse(Value::Int(5), Value::Int(3)), Value::Int(2));
        assert!(f
            .lift(Value::str("x"))
            .unwrap_err()
            .1
            .contains("sum needs numbers"));
    }

    #[test]
    fn mean_of_a_condition_is_a_rate_and_inverts_exactly() {
        let m = ReduceFn::Mean;
        let lift = |b| m.lift(Value::Bool(b)).unwrap();
        let three = m.combine(m.combine(lift(true), lift(false)), lift(false));
        assert_eq!(m.finish(three.clone()), Value::Float(1.0 / 3.0));
        let two = m.inverse(three, lift(false));
        assert_eq!(m.finish(two), Value::Float(0.5));
        assert_eq!(m.finish(m.inverse(lift(true), lift(true))), Value::Null);
    }
}
