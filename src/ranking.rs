//! Results ranked once, when a batch arrives. The Results view shows keyed
//! numbers largest first, ties by the smaller key: the order of `top`. A
//! pipeline that ends in `top` comes ranked from the engine; other keyed
//! numbers (hash order, or pairs as emitted) are ranked here, once per
//! batch, so a redraw or a search only reads them in order.

use sparklet_engine::{Pipeline, Value};

/// Ranks a batch's `output` for the page, unless the pipeline's `top` did.
pub fn rank_output(pipeline: &Pipeline, output: &mut [Value]) {
    if !pipeline.ranked_output() {
        rank(output);
    }
}

/// Keyed numbers largest first, ties by the smaller key; any other output
/// keeps the order it came in.
pub fn rank(output: &mut [Value]) {
    if !is_keyed_numbers(output) {
        return;
    }
    // A total order (the key breaks ties), so an unstable sort is exact.
    output.sort_unstable_by(|a, b| {
        let (ka, va) = number_pair(a);
        let (kb, vb) = number_pair(b);
        vb.total_cmp(&va).then_with(|| ka.output_cmp(kb))
    });
}

/// Whether `output` is pairs with a number on the right: what the Results
/// view draws as bars and a table of keys.
pub fn is_keyed_numbers(output: &[Value]) -> bool {
    !output.is_empty()
        && output
            .iter()
            .all(|v| v.as_pair().is_some_and(|(_, n)| n.as_f64().is_some()))
}

/// A pair's key and number; `(v, 0)` for anything else, which
/// [`is_keyed_numbers`] has ruled out before a sort.
pub fn number_pair(v: &Value) -> (&Value, f64) {
    match v.as_pair() {
        Some((k, n)) => (k, n.as_f64().unwrap_or(0.0)),
        None => (v, 0.0),
    }
}
