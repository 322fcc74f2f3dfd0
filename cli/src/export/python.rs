//! Sparklet's expressions and values written as Python source for an
//! exported job. Each expression becomes one Python expression over the
//! record `r` that calls the exported runtime (`runtime.py`) wherever
//! Python's own operators would disagree with Sparklet's (comparisons
//! across types, `&&` on a non-boolean, paths into non-objects).

use sparklet_engine::expr::{Expr, Func, Step};
use sparklet_engine::Value;

/// `e` as a Python expression over the record `r`.
pub fn expr(e: &Expr) -> String {
    match e {
        Expr::Lit(v) => value(v),
        Expr::Path(steps) if steps.is_empty() => "r".into(),
        Expr::Path(steps) => {
            let steps: Vec<String> = steps
                .iter()
                .map(|s| match s {
                    Step::Field(name) => string(name),
                    Step::Index(i) => i.to_string(),
                })
                .collect();
            format!("walk(r, ({},))", steps.join(", "))
        }
        Expr::Pair(k, v) => format!("({}, {})", expr(k), expr(v)),
        Expr::Not(e) => format!("not_({})", expr(e)),
        Expr::All(items) => format!("all_of({})", lazy(items)),
        Expr::Any(items) => format!("any_of({})", lazy(items)),
        // Python's operators are written as Sparklet's.
        Expr::Cmp(op, a, b) => format!("compare(\"{op}\", {}, {})", expr(a), expr(b)),
        Expr::Call(f, args) => {
            let args: Vec<String> = args.iter().map(expr).collect();
            format!("call({:?}, {})", func(*f), args.join(", "))
        }
    }
}

/// Operands evaluated left to right, only as far as needed.
fn lazy(items: &[Expr]) -> String {
    let items: Vec<String> = items
        .iter()
        .map(|e| format!("lambda: {}", expr(e)))
        .collect();
    items.join(", ")
}

fn func(f: Func) -> &'static str {
    Func::ALL
        .iter()
        .find(|(_, g, _)| *g == f)
        .map_or("?", |(name, _, _)| name)
}

/// A value as a Python literal of the runtime's representation.
pub fn value(v: &Value) -> String {
    match v {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) if f.is_nan() => "float('nan')".into(),
        Value::Float(f) if f.is_infinite() => {
            format!("float('{}inf')", if *f < 0.0 { "-" } else { "" })
        }
        // Rust's shortest round trip text reads back as the same double.
        Value::Float(f) => format!("{f:?}"),
        Value::Str(s) => string(s),
        Value::Pair(p) => format!("({}, {})", value(&p.0), value(&p.1)),
        Value::List(items) => {
            let items: Vec<String> = items.iter().map(value).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(fields) => {
            let fields: Vec<String> = fields
                .iter()
                .map(|(k, v)| format!("{}: {}", string(k), value(v)))
                .collect();
            format!("{{{}}}", fields.join(", "))
        }
    }
}

/// A Python string literal: JSON's escapes are Python's, and any other
/// character stands as itself in the UTF-8 source.
pub fn string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sparklet_engine::{Duration, Pipeline};

    fn map_expr(text: &str) -> String {
        Pipeline::new(&format!("map {text}"), Duration::from_secs(1)).expect("valid");
        let stages = sparklet_engine::pipeline::parse(&format!("map {text}")).expect("parses");
        match &stages[0].stage {
            sparklet_engine::pipeline::Stage::Map(e) => expr(e),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn expressions_call_the_runtime_where_python_would_differ() {
        assert_eq!(map_expr("."), "r");
        assert_eq!(
            map_expr("(.path, .a.b)"),
            "(walk(r, (\"path\",)), walk(r, (\"a\", \"b\",)))"
        );
        assert_eq!(
            map_expr(".ms > 100 && !.ok"),
            "all_of(lambda: compare(\">\", walk(r, (\"ms\",)), 100), lambda: not_(walk(r, (\"ok\",))))"
        );
        assert_eq!(map_expr("len(.0)"), "call(\"len\", walk(r, (0,)))");
        assert_eq!(map_expr("\"a\\\"b\\n\""), "\"a\\\"b\\n\"");
        assert_eq!(value(&Value::Float(1e300)), "1e300");
        assert_eq!(value(&Value::Float(-0.0)), "-0.0");
    }
}
