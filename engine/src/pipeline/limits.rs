//! The pipeline language's limits. A pipeline often arrives in a URL that
//! someone else wrote, so its size is hostile input: every limit here is
//! checked while parsing, before anything recurses on the part it bounds,
//! and is refused with a positioned [`PipelineError`] that names it. With
//! these bounds, the recursion left in the engine (the expression parser,
//! evaluating and dropping expressions, a batch computed through one
//! closure per stage, the text stages, and `Value`'s clone, drop, hash,
//! comparison and printing) has a fixed depth that fits wasm's stack.

use crate::duration::Duration;
use crate::expr::{Expr, Func};
use crate::pipeline::error::PipelineError;
use crate::pipeline::stage::Stage;

/// The longest pipeline, in bytes of text (64 KiB): far above anything
/// typed, and within what a URL carries.
pub const MAX_PIPELINE_BYTES: usize = 64 * 1024;

/// The most stages a pipeline has. Computing a batch goes through one
/// nested call per operator, so this bounds that recursion.
pub const MAX_STAGES: usize = 256;

/// How deeply an expression nests: each `(` (a group or a pair), each `!`
/// and each function call's arguments is a level. The parser, `eval` and
/// `drop` all recurse once per level. `&&` and `||` chains are flat lists
/// and cost no depth, so `a && b && ...` is as long as the text allows.
/// `!!!!x` is refused past this depth rather than folded: a pile of `!`
/// is never what someone meant.
pub const MAX_EXPR_DEPTH: usize = 64;

/// How many pairs and lists a pipeline's stages can wrap around a record,
/// over all its stages (`map (., 1)` wraps one, `pair` one, `group_by_key`
/// a list, `count_by_value` a pair). Input records are at most 128 deep
/// already (serde_json's recursion limit, for `json` records and replay's
/// input), so with this a record is at most 256 deep, and `Value`'s
/// recursive drop, clone, hash, comparison and printing stay bounded.
/// Checked statically, per stage, when the pipeline is parsed (see
/// [`nesting_after`]): it costs nothing per record, and a pipeline that
/// could build such records is a mistake worth saying before it runs.
pub const MAX_VALUE_NESTING: usize = 128;

/// The most pairs `top N` keeps: more than a chart or a person reads, and
/// well inside `usize` on wasm32, where `top 4294967296` would wrap to 0.
pub const MAX_TOP: usize = 1_000_000;

/// The longest duration (a window, a slide, the batch interval): a year.
pub const MAX_DURATION: Duration = Duration::MAX;

/// The largest `.N` index into a pair or list: the same on every target
/// (wasm32's `usize` is 32 bits), and more items than a list has.
pub const MAX_FIELD_INDEX: i64 = u32::MAX as i64;

/// Refuses text longer than [`MAX_PIPELINE_BYTES`], pointing at where it
/// goes over, before any of it is lexed.
pub fn check_length(src: &str) -> Result<(), PipelineError> {
    if src.len() <= MAX_PIPELINE_BYTES {
        return Ok(());
    }
    let cut = (0..=MAX_PIPELINE_BYTES)
        .rev()
        .find(|&i| src.is_char_boundary(i))
        .unwrap_or(0);
    Err(PipelineError::at(
        src,
        cut,
        src.len(),
        format!(
            "the pipeline is {} bytes long; the length limit is {MAX_PIPELINE_BYTES} bytes (64 KiB)",
            src.len()
        ),
    ))
}

/// The message for a stage past [`MAX_STAGES`].
pub fn too_many_stages() -> String {
    format!("too many stages: the stage limit is {MAX_STAGES}")
}

/// The message for an expression nested past [`MAX_EXPR_DEPTH`].
pub fn too_deep() -> String {
    format!(
        "expression nested too deeply: the nesting limit is {MAX_EXPR_DEPTH} levels of \
         `(`, `!` and function calls"
    )
}

/// The message for a stage whose records could nest past [`MAX_VALUE_NESTING`].
pub fn nests_too_deep(levels: usize) -> String {
    format!(
        "records could be nested {levels} pairs or lists deep after this stage; the value \
         nesting limit is {MAX_VALUE_NESTING} (over all stages: each `map (., ...)` pair, \
         `pair`, `group_by_key` and `count_by_value` adds a level)"
    )
}

/// An upper bound on how many levels of pairs and lists the stages up to
/// and including `stage` have wrapped around the input record, given
/// `before`, the bound for the stages before it. Conservative: a bound,
/// not the exact depth of every record.
pub fn nesting_after(stage: &Stage, before: usize) -> usize {
    match stage {
        // Strings, or parsed JSON (its own depth bounded by serde_json).
        Stage::Split(_) | Stage::Lower | Stage::Upper | Stage::Trim | Stage::Json => 0,
        // A list's items are no deeper than the list `map` would make.
        Stage::Map(e) | Stage::FlatMap(e) => expr_nesting(e, before),
        Stage::Pair(None) => before + 1,
        Stage::Pair(Some(e)) => 1 + before.max(expr_nesting(e, before)),
        // A number, or a reduce of numbers and strings.
        Stage::Count | Stage::CountByWindow(_) | Stage::Reduce(_) | Stage::ReduceByWindow(..) => 0,
        // `(value, count)`, `(key, [values])`.
        Stage::CountByValue
        | Stage::CountByValueAndWindow(_)
        | Stage::GroupByKey
        | Stage::GroupByKeyAndWindow(_) => before + 1,
        // The records themselves, or `(key, number)` of input pairs.
        Stage::Filter(_)
        | Stage::Window(_)
        | Stage::Top(_)
        | Stage::Union
        | Stage::ReduceByKey(_)
        | Stage::ReduceByKeyAndWindow(..)
        | Stage::UpdateStateByKey(_)
        | Stage::WithWatermark(..) => before,
        // `{"window": {"start", "end"}, "key", "value"}`.
        Stage::EventWindow(..) | Stage::SessionWindow(..) => (before + 1).max(2),
    }
}

/// A bound on the nesting of `e`'s value when the record's is `record`:
/// paths carry the record's, pairs add one, `split()` makes a list of
/// strings, and everything else is a scalar. Recurses once per level of
/// `e`, which the parser bounded by [`MAX_EXPR_DEPTH`].
fn expr_nesting(e: &Expr, record: usize) -> usize {
    match e {
        Expr::Path(_) => record,
        Expr::Pair(a, b) => 1 + expr_nesting(a, record).max(expr_nesting(b, record)),
        Expr::Call(Func::Split, _) => 1,
        Expr::Lit(_)
        | Expr::Not(_)
        | Expr::All(_)
        | Expr::Any(_)
        | Expr::Cmp(..)
        | Expr::Call(..) => 0,
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::pipeline::parser::parse;

    fn nesting(src: &str) -> usize {
        parse(src)
            .unwrap()
            .iter()
            .fold(0, |n, p| nesting_after(&p.stage, n))
    }

    #[test]
    fn nesting_counts_what_stages_wrap_around_the_record() {
        assert_eq!(nesting("split | count_by_value"), 1);
        assert_eq!(nesting("map (., 1) | map (., 1)"), 2);
        assert_eq!(nesting("map ((., 1), 1) | pair"), 3);
        assert_eq!(nesting("map (len(.), (1, (2, 3)))"), 3);
        assert_eq!(nesting("map (., 1) | map (.0, .1) | group_by_key"), 3);
        assert_eq!(nesting("map (., 1) | map (., 1) | count"), 0);
        assert_eq!(nesting("map (., 1) | json"), 0);
        assert_eq!(nesting("map split(.)"), 1);
        assert_eq!(nesting("pair (., .)"), 2);
    }

    #[test]
    fn length_error_points_at_the_first_byte_over() {
        let src = format!("map {}", "é".repeat(MAX_PIPELINE_BYTES));
        let e = check_length(&src).unwrap_err();
        // 4 ASCII bytes, then two-byte characters: 65,534 bytes in.
        assert_eq!(e.column, 4 + (MAX_PIPELINE_BYTES - 4) / 2 + 1);
        assert!(e.message.contains("length limit is 65536 bytes"), "{e}");
        assert!(check_length(&"x".repeat(MAX_PIPELINE_BYTES)).is_ok());
    }
}
