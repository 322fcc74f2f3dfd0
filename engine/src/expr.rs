//! The expression language of `map`, `flat_map`, `filter` and `pair`:
//! field paths, literals, pairs, comparisons, boolean logic and a few
//! functions. Type mistakes are errors with a message, never panics.

use std::cmp::Ordering;
use std::fmt;

use crate::value::{Str, Value};

#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Lit(Value),
    /// `.`, `.a.b`, `.0`: steps into the record; empty = the record itself.
    Path(Vec<Step>),
    Pair(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    /// `a && b && ...`: a flat list, so a long chain costs no recursion;
    /// evaluated left to right, stopping at the first `false`.
    All(Vec<Expr>),
    /// `a || b || ...`, stopping at the first `true`.
    Any(Vec<Expr>),
    Cmp(CmpOp, Box<Expr>, Box<Expr>),
    Call(Func, Vec<Expr>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    Field(Str),
    Index(usize),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// Built-in functions, with their arity checked at parse time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Func {
    Len,
    Contains,
    StartsWith,
    EndsWith,
    Lower,
    Upper,
    Split,
}

impl Func {
    pub const ALL: [(&'static str, Func, usize); 7] = [
        ("len", Func::Len, 1),
        ("contains", Func::Contains, 2),
        ("starts_with", Func::StartsWith, 2),
        ("ends_with", Func::EndsWith, 2),
        ("lower", Func::Lower, 1),
        ("upper", Func::Upper, 1),
        ("split", Func::Split, 1),
    ];
}

/// An expression met a value it cannot work with.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct EvalError(pub String);

impl fmt::Display for CmpOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        })
    }
}

impl Expr {
    pub fn eval(&self, rec: &Value) -> Result<Value, EvalError> {
        match self {
            Expr::Lit(v) => Ok(v.clone()),
            Expr::Path(steps) => walk(rec, steps).cloned(),
            Expr::Pair(k, v) => Ok(Value::pair(k.eval(rec)?, v.eval(rec)?)),
            Expr::Not(e) => Ok(Value::Bool(!truth(&e.eval(rec)?, "`!`")?)),
            Expr::All(items) => any_is(items, false, "`&&`", rec).map(|hit| Value::Bool(!hit)),
            Expr::Any(items) => any_is(items, true, "`||`", rec).map(Value::Bool),
            Expr::Cmp(op, a, b) => compare(*op, &a.eval(rec)?, &b.eval(rec)?).map(Value::Bool),
            Expr::Call(f, args) => {
                let args = args
                    .iter()
                    .map(|a| a.eval(rec))
                    .collect::<Result<Vec<_>, _>>()?;
                call(*f, &args)
            }
        }
    }

    /// For `filter`: the expression must give a boolean.
    pub fn test(&self, rec: &Value) -> Result<bool, EvalError> {
        truth(&self.eval(rec)?, "filter")
    }
}

/// Whether some item is `stop`, evaluating left to right up to the first
/// that is; an item that is not a boolean is an error for `op`. This is
/// what the two-operand `&&` and `||` chained left to right did.
fn any_is(items: &[Expr], stop: bool, op: &str, rec: &Value) -> Result<bool, EvalError> {
    for item in items {
        if truth(&item.eval(rec)?, op)? == stop {
            return Ok(true);
        }
    }
    Ok(false)
}

fn walk<'a>(rec: &'a Value, steps: &[Step]) -> Result<&'a Value, EvalError> {
    const NULL: &Value = &Value::Null;
    let mut at = rec;
    for step in steps {
        at = match (step, at) {
            (Step::Field(name), Value::Object(fields)) => fields
                .iter()
                .find(|(k, _)| k == name)
                .map_or(NULL, |(_, v)| v),
            (Step::Index(0), Value::Pair(p)) => &p.0,
            (Step::Index(1), Value::Pair(p)) => &p.1,
            (Step::Index(i), Value::List(items)) => items.get(*i).unwrap_or(NULL),
            (_, Value::Null) => NULL,
            (Step::Field(name), other) => {
                return Err(EvalError(format!(
                "`.{name}`: the value is a {}, not an object (add a `json` stage to parse records)",
                other.type_name()
            )))
            }
            (Step::Index(i), other) => {
                return Err(EvalError(format!(
                    "`.{i}`: the value is a {}, not a pair or list",
                    other.type_name()
                )))
            }
        };
    }
    Ok(at)
}

fn truth(v: &Value, what: &str) -> Result<bool, EvalError> {
    match v {
        Value::Bool(b) => Ok(*b),
        other => Err(EvalError(format!(
            "{what} needs a boolean, got a {}",
            other.type_name()
        ))),
    }
}

/// Numbers compare with numbers, strings with strings; `==`/`!=` also work
/// on any two values of one type and against `null`. Anything else is the
/// type error the issue tracker would otherwise hear about.
fn compare(op: CmpOp, a: &Value, b: &Value) -> Result<bool, EvalError> {
    let ord = match (a, b) {
        (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_))
        | (Value::Str(_), Value::Str(_)) => a.total_cmp(b),
        (Value::Null, _) | (_, Value::Null) if matches!(op, CmpOp::Eq | CmpOp::Ne) => {
            return Ok((a.type_name() == b.type_name()) == (op == CmpOp::Eq));
        }
        _ if a.type_name() == b.type_name() && matches!(op, CmpOp::Eq | CmpOp::Ne) => {
            return Ok((a == b) == (op == CmpOp::Eq));
        }
        _ => {
            return Err(EvalError(format!(
                "cannot compare a {} with a {} using `{op}`",
                a.type_name(),
                b.type_name()
            )))
        }
    };
    Ok(match op {
        CmpOp::Eq => ord == Ordering::Equal,
        CmpOp::Ne => ord != Ordering::Equal,
        CmpOp::Lt => ord == Ordering::Less,
        CmpOp::Le => ord != Ordering::Greater,
        CmpOp::Gt => ord == Ordering::Greater,
        CmpOp::Ge => ord != Ordering::Less,
    })
}

fn call(f: Func, args: &[Value]) -> Result<Value, EvalError> {
    let text = |i: usize, name: &str| -> Result<&str, EvalError> {
        args[i].as_str().ok_or_else(|| {
            EvalError(format!(
                "{name}() needs a string, got a {}",
                args[i].type_name()
            ))
        })
    };
    Ok(match f {
        Func::Len => match &args[0] {
            Value::Str(s) => Value::Int(s.chars().count() as i64),
            Value::List(items) => Value::Int(items.len() as i64),
            Value::Object(fields) => Value::Int(fields.len() as i64),
            Value::Pair(_) => Value::Int(2),
            other => {
                return Err(EvalError(format!(
                    "len() needs a string, list or object, got a {}",
                    other.type_name()
                )))
            }
        },
        Func::Contains => Value::Bool(text(0, "contains")?.contains(text(1, "contains")?)),
        Func::StartsWith => {
            Value::Bool(text(0, "starts_with")?.starts_with(text(1, "starts_with")?))
        }
        Func::EndsWith => Value::Bool(text(0, "ends_with")?.ends_with(text(1, "ends_with")?)),
        Func::Lower => Value::Str(Str::from(text(0, "lower")?.to_lowercase())),
        Func::Upper => Value::Str(Str::from(text(0, "upper")?.to_uppercase())),
        Func::Split => Value::List(
            text(0, "split")?
                .split_whitespace()
                .map(Value::str)
                .collect(),
        ),
    })
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn path(fields: &[&str]) -> Expr {
        Expr::Path(fields.iter().map(|f| Step::Field(Str::from(*f))).collect())
    }

    #[test]
    fn string_compared_with_number_is_an_error_not_a_panic() {
        let rec = Value::Object(vec![(Str::from("user"), Value::str("u1"))]);
        let e = Expr::Cmp(
            CmpOp::Gt,
            Box::new(path(&["user"])),
            Box::new(Expr::Lit(Value::Int(3))),
        );
        let err = e.eval(&rec).unwrap_err();
        assert_eq!(err.0, "cannot compare a string with a number using `>`");
    }

    #[test]
    fn flat_and_or_short_circuit_left_to_right_with_the_old_messages() {
        let (t, f, one) = (
            Expr::Lit(Value::Bool(true)),
            Expr::Lit(Value::Bool(false)),
            Expr::Lit(Value::Int(1)),
        );
        let eval = |e: Expr| e.eval(&Value::Null).map_err(|e| e.0);
        assert_eq!(
            eval(Expr::All(vec![f.clone(), one.clone()])),
            Ok(Value::Bool(false))
        );
        assert_eq!(
            eval(Expr::All(vec![t.clone(), one.clone()])),
            Err("`&&` needs a boolean, got a number".into())
        );
        assert_eq!(
            eval(Expr::Any(vec![t.clone(), one.clone()])),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            eval(Expr::Any(vec![f.clone(), one])),
            Err("`||` needs a boolean, got a number".into())
        );
        assert_eq!(
            eval(Expr::All(vec![t.clone(); 100_000])),
            Ok(Value::Bool(true))
        );
        assert_eq!(eval(Expr::Any(vec![f; 100_000])), Ok(Value::Bool(false)));
    }

    #[test]
    fn missing_fields_are_null_and_fields_of_strings_are_errors() {
        let rec = Value::Object(vec![]);
        assert_eq!(path(&["a", "b"]).eval(&rec).unwrap(), Value::Null);
        let err = path(&["a"]).eval(&Value::str("x")).unwrap_err();
        assert!(err.0.contains("add a `json` stage"), "{err}");
    }
}
