//! What a parsed stage says, before it is built into a running operator:
//! the pipeline language's operators and their arguments.

use crate::duration::Duration;
use crate::event_time::OutputMode;
use crate::expr::Expr;
use crate::pipeline::reduce_fn::ReduceFn;

/// A window's length and slide; `slide: None` means the parent's slide
/// (the batch interval for a window right after the source).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WindowSpec {
    pub len: Duration,
    pub slide: Option<Duration>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Stage {
    Split(Option<String>),
    Lower,
    Upper,
    Trim,
    Json,
    Map(Expr),
    FlatMap(Expr),
    Filter(Expr),
    Pair(Option<Expr>),
    Count,
    CountByValue,
    Reduce(ReduceFn),
    ReduceByKey(ReduceFn),
    GroupByKey,
    Union,
    Window(WindowSpec),
    CountByWindow(WindowSpec),
    ReduceByWindow(ReduceFn, WindowSpec),
    ReduceByKeyAndWindow(ReduceFn, WindowSpec, bool),
    CountByValueAndWindow(WindowSpec),
    GroupByKeyAndWindow(WindowSpec),
    UpdateStateByKey(ReduceFn),
    Top(usize),
    /// Event time from an expression, and the watermark's delay.
    WithWatermark(Expr, Duration),
    /// Windows over event time (`slide: None` is tumbling).
    EventWindow(WindowSpec, ReduceFn, OutputMode),
    /// Sessions over event time, closing a gap after their last event.
    SessionWindow(Duration, ReduceFn, OutputMode),
}

/// Every operator of the language with its usage line, in the order the
/// README lists them; the parser's "did you mean" draws from these names.
pub const OPERATORS: &[(&str, &str)] = &[
    ("split", "split [SEP]"),
    ("lower", "lower"),
    ("upper", "upper"),
    ("trim", "trim"),
    ("json", "json"),
    ("map", "map EXPR"),
    ("flat_map", "flat_map EXPR"),
    ("filter", "filter EXPR"),
    ("pair", "pair [EXPR]"),
    ("count", "count"),
    ("count_by_value", "count_by_value"),
    ("reduce", "reduce FN"),
    ("reduce_by_key", "reduce_by_key FN"),
    ("group_by_key", "group_by_key"),
    ("union", "union"),
    ("window", "window LEN [SLIDE]"),
    ("count_by_window", "count_by_window LEN [SLIDE]"),
    ("reduce_by_window", "reduce_by_window FN LEN [SLIDE]"),
    (
        "reduce_by_key_and_window",
        "reduce_by_key_and_window FN LEN [SLIDE] [inverse]",
    ),
    (
        "count_by_value_and_window",
        "count_by_value_and_window LEN [SLIDE]",
    ),
    (
        "group_by_key_and_window",
        "group_by_key_and_window LEN [SLIDE]",
    ),
    ("update_state_by_key", "update_state_by_key FN"),
    ("top", "top N"),
    ("with_watermark", "with_watermark EXPR DELAY"),
    ("event_window", "event_window LEN [SLIDE] FN [MODE]"),
    ("session_window", "session_window GAP FN [MODE]"),
];

/// `countByValueAndWindow` -> `count_by_value_and_window`, so Spark's
/// camelCase names work as aliases; `flatMap` -> `flat_map`.
pub fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, ch) in name.chars().enumerate() {
        if ch.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(ch.to_ascii_lowercase());
        } else {
            out.push(ch);
        }
    }
    out
}

/// The operator name closest to a misspelling, if any is close.
pub fn did_you_mean(name: &str) -> Option<&'static str> {
    OPERATORS
        .iter()
        .map(|(op, _)| (strsim::damerau_levenshtein(name, op), *op))
        .filter(|(d, op)| *d <= 2.max(op.len() / 4))
        .min()
        .map(|(_, op)| op)
}

pub fn usage(name: &str) -> &'static str {
    OPERATORS
        .iter()
        .find(|(op, _)| *op == name)
        .map_or("", |(_, u)| u)
}
