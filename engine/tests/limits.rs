//! Hostile pipelines, as a link someone else wrote would carry them: each
//! is refused at its limit with the stage, the column and a message that
//! names the limit, never a stack overflow, a hang or a wrapped number.
//! Runs natively and in Chrome, whose stack is the smaller.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use sparklet_engine::pipeline::limits::{
    MAX_EXPR_DEPTH, MAX_PIPELINE_BYTES, MAX_STAGES, MAX_TOP, MAX_VALUE_NESTING,
};
use sparklet_engine::{Duration, Pipeline, PipelineError, Records, Value};

fn build(src: &str) -> Result<Pipeline, PipelineError> {
    Pipeline::new(src, Duration::from_secs(1))
}

fn refused(src: &str) -> PipelineError {
    match build(src) {
        Ok(_) => panic!("accepted: {}", &src[..src.len().min(200)]),
        Err(e) => e,
    }
}

/// `n` pipes of `stage`, e.g. `lower | lower | ...`.
fn stages(stage: &str, n: usize) -> String {
    vec![stage; n].join(" | ")
}

#[test]
fn two_thousand_parens_are_refused_at_the_depth_limit() {
    let src = format!("map {}.{}", "(".repeat(2000), ")".repeat(2000));
    let e = refused(&src);
    assert_eq!(e.stage, Some((1, "map".into())));
    // The 65th `(` (column 5 is the first).
    assert_eq!(e.column, 5 + MAX_EXPR_DEPTH);
    assert!(e.message.contains("nesting limit is 64"), "{e}");
    // One level fewer than the limit is fine.
    let ok = format!("map {}.{}", "(".repeat(64), ")".repeat(64));
    assert!(build(&ok).is_ok());
}

#[test]
fn six_thousand_bangs_are_refused_at_the_depth_limit() {
    let src = format!("filter {}true", "!".repeat(6000));
    let e = refused(&src);
    assert_eq!(e.column, 8 + MAX_EXPR_DEPTH);
    assert!(e.message.contains("nesting limit is 64"), "{e}");
    let mut p = build(&format!("filter {}true", "!".repeat(64))).unwrap();
    assert_eq!(
        p.run(Records::from_iter(["a"])),
        Some(vec![Value::str("a")])
    );
}

#[test]
fn nested_calls_and_pairs_count_toward_the_depth_limit() {
    let calls = |n: usize| format!("map {}.{}", "lower(".repeat(n), ")".repeat(n));
    let mut p = build(&calls(64)).unwrap();
    assert_eq!(
        p.run(Records::from_iter(["AbC"])),
        Some(vec![Value::str("abc")])
    );
    let e = refused(&calls(65));
    assert_eq!(e.column, 5 + 64 * 6 + 5);
    assert!(e.message.contains("nesting limit"), "{e}");

    let pairs = |n: usize| format!("pair {}1{}", "(1, ".repeat(n), ")".repeat(n));
    assert!(build(&pairs(64)).is_ok());
    assert!(refused(&pairs(65)).message.contains("nesting limit"));
}

#[test]
fn long_and_or_chains_are_flat_and_run() {
    // 5,000 operands fit in 64 KiB and are one level, not 5,000.
    let and = format!("filter {}true", "true && ".repeat(4999));
    let or = format!("filter {}.a == 1", "false || ".repeat(4999));
    let mixed = format!("filter {}(true)", "(true || false) && ".repeat(2999));
    for src in [&and, &or, &mixed] {
        assert!(src.len() <= MAX_PIPELINE_BYTES, "{}", src.len());
        let mut p = build(&format!("json | {src}")).unwrap();
        let out = p.run(Records::from_iter(["{\"a\": 1}", "{\"a\": 2}"]));
        let want = if src == &or { 1 } else { 2 };
        assert_eq!(out.map(|v| v.len()), Some(want), "{}", &src[..40]);
    }
}

#[test]
fn the_257th_stage_is_refused_at_the_stage_limit() {
    assert!(build(&stages("lower", MAX_STAGES)).is_ok());
    let src = stages("lower", MAX_STAGES + 1);
    let e = refused(&src);
    assert_eq!(e.stage, Some((257, "lower".into())));
    assert_eq!(e.column, 256 * "lower | ".len() + 1);
    assert!(e.message.contains("stage limit is 256"), "{e}");
    // Fifty thousand is over the length limit first.
    let e = refused(&stages("lower", 50_000));
    assert!(e.message.contains("length limit is 65536 bytes"), "{e}");
}

#[test]
fn text_over_64_kib_is_refused_at_the_length_limit() {
    let fits = format!("filter {}", "  ".repeat((MAX_PIPELINE_BYTES - 11) / 2)) + "true";
    assert!(fits.len() <= MAX_PIPELINE_BYTES);
    assert!(build(&fits).is_ok());
    let over = format!("{fits}  ");
    let e = refused(&over);
    assert_eq!(e.column, MAX_PIPELINE_BYTES + 1);
    assert!(e.message.contains("length limit"), "{e}");
}

#[test]
fn top_n_over_the_limit_is_refused_not_wrapped() {
    assert!(build(&format!("top {MAX_TOP}")).is_ok());
    for n in ["1000001", "4294967296", "4294967306", "9223372036854775807"] {
        let e = refused(&format!("count_by_value | top {n}"));
        assert_eq!(e.stage, Some((2, "top".into())));
        assert_eq!(e.column, 22);
        assert!(e.message.contains("top limit of 1000000"), "{e}");
    }
    let e = refused("top 9223372036854775808");
    assert!(e.message.contains("integers are at most"), "{e}");
}

#[test]
fn field_indexes_over_the_limit_are_refused_not_wrapped() {
    // `.4294967296` would be `.0` on wasm32.
    let e = refused("map .4294967296");
    assert_eq!(e.column, 6);
    assert!(e.message.contains("over the limit of 4294967295"), "{e}");
    let mut p = build("map .4294967295").unwrap();
    let out = p.run_values(vec![Value::List(vec![Value::Int(1)])]);
    assert_eq!(out, Some(vec![Value::Null]));
}

#[test]
fn durations_over_a_year_are_refused_with_their_position() {
    let e = refused("window 100000000000000h");
    assert_eq!((e.stage.clone(), e.column), (Some((1, "window".into())), 8));
    assert!(e.message.contains("over the limit of 365 days"), "{e}");
    let e = refused("count_by_value_and_window 2s 18446744073709551617ms");
    assert_eq!(e.column, 30);
    // A year parses; as a window it must also fit the window bound, which
    // a year of hour-long batches does.
    assert!(sparklet_engine::pipeline::parse("window 8760h").is_ok());
    assert!(Pipeline::new("window 8760h", Duration::from_millis(3_600_000)).is_ok());
    assert!(refused("window 8760.5h").message.contains("365 days"));
    assert!(refused("window -0s").message.contains("positive duration"));
}

#[test]
fn records_nested_past_the_limit_are_refused_at_the_stage() {
    let ok = stages("map (., 1)", MAX_VALUE_NESTING);
    let mut p = build(&ok).unwrap();
    let out = p.run(Records::from_iter(["x"])).unwrap();
    let mut depth = 0;
    let mut v = &out[0];
    while let Some((k, _)) = v.as_pair() {
        depth += 1;
        v = k;
    }
    assert_eq!(depth, MAX_VALUE_NESTING);

    let e = refused(&stages("map (., 1)", 256));
    assert_eq!(e.stage, Some((129, "map".into())));
    assert!(e.message.contains("value nesting limit is 128"), "{e}");
    // Deep pairs in one expression count all their levels.
    let deep = format!("map {}., 1){}", "(".repeat(64), ", 1)".repeat(63));
    let e = refused(&stages(&deep, 3));
    assert_eq!(e.stage.map(|s| s.0), Some(3));
    // `pair`, `count_by_value` and `group_by_key` add a level each.
    let e = refused(&(stages("pair", 128) + " | count_by_value"));
    assert_eq!(e.stage.map(|s| s.0), Some(129));
    // A stage that makes new records starts over.
    assert!(build(&(stages("pair", 100) + " | count | " + &stages("pair", 100))).is_ok());
}
