//! The largest pipelines the limits allow parse, build, run batches of odd
//! records, checkpoint and drop: 256 stages of depth-64 expressions, 256
//! text stages (fused and not), 256 stateful operators, and records nested
//! as deep as the value nesting limit on top of the deepest JSON. What
//! matters is the run in Chrome (`wasm-pack test --headless --chrome`),
//! whose stack is far smaller than a native thread's.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use sparklet_engine::pipeline::limits::{
    MAX_EXPR_DEPTH, MAX_PIPELINE_BYTES, MAX_STAGES, MAX_VALUE_NESTING,
};
use sparklet_engine::{Duration, Pipeline, Records, Value};

const ODD_LINES: &[&str] = &[
    "Hello World",
    "",
    "ÉCOLE école, straße",
    "a\u{0}b  \t c,d",
    "{\"not\": \"json\"}",
];

fn lines() -> Records {
    ODD_LINES.iter().copied().collect()
}

fn joined(stages: &[String]) -> String {
    let src = stages.join(" | ");
    assert_eq!(stages.len(), MAX_STAGES);
    assert!(src.len() <= MAX_PIPELINE_BYTES, "{} bytes", src.len());
    src
}

/// Sorted, so keyed outputs in hash order compare.
fn sorted(out: Option<Vec<Value>>) -> Option<Vec<Value>> {
    out.map(|mut v| {
        v.sort_by(|a, b| a.total_cmp(b));
        v
    })
}

/// Runs `src` fused and as separate operators over `batches` batches of
/// the odd lines; both must agree, and both must checkpoint.
fn run_both(src: &str, batches: usize) -> Vec<Option<Vec<Value>>> {
    let batch = Duration::from_secs(1);
    let mut fused = Pipeline::new(src, batch).expect("the largest pipeline is allowed");
    let mut oracle = Pipeline::unfused(src, batch).expect("the largest pipeline is allowed");
    let mut outs = Vec::new();
    for _ in 0..batches {
        let got = sorted(fused.run(lines()));
        assert_eq!(got, sorted(oracle.run(lines())));
        outs.push(got);
    }
    assert_eq!(fused.malformed().count(), oracle.malformed().count());
    fused.checkpoint();
    outs
}

/// 64 levels of each kind: calls, `!` and groups, pairs, parens round a path.
fn deepest_expressions() -> Vec<String> {
    let d = MAX_EXPR_DEPTH;
    let calls: String = (0..d)
        .map(|i| if i % 2 == 0 { "lower(" } else { "upper(" })
        .collect();
    vec![
        // A string and a pair 63 deep: 64 levels.
        format!(
            "map (lower(.), {}2{})",
            "(1, ".repeat(d - 1),
            ")".repeat(d - 1)
        ),
        format!("map {}.0{}", "(".repeat(d), ")".repeat(d)),
        format!("map {calls}.{}", ")".repeat(d)),
        // An even number of `!`, so records are kept.
        format!("filter {}(((len(.) >= 0)))", "!".repeat(d - 4)),
    ]
}

#[test]
fn max_stages_of_max_depth_expressions_run() {
    let kinds = deepest_expressions();
    let mut stages = vec!["split".to_string()];
    stages.extend(kinds.iter().cycle().take(MAX_STAGES - 1).cloned());
    let src = joined(&stages);
    let outs = run_both(&src, 2);
    // 255 = 63 cycles and three more stages: the last is the calls, so
    // the words come out case-mapped (`straße` by way of `STRASSE`), none
    // lost.
    let want: Vec<Value> = {
        let mut w: Vec<Value> = ODD_LINES
            .iter()
            .flat_map(|l| l.split_whitespace())
            .map(|w| Value::str(&w.to_lowercase().to_uppercase().to_lowercase()))
            .collect();
        w.sort_by(|a, b| a.total_cmp(b));
        w
    };
    assert_eq!(outs[1].as_deref(), Some(&want[..]));
}

#[test]
fn max_text_stages_run_fused_and_unfused() {
    let cycle = ["lower", "split \",\"", "upper", "trim", "split"];
    let mut stages = vec!["split".to_string()];
    stages.extend(
        cycle
            .iter()
            .cycle()
            .take(MAX_STAGES - 2)
            .map(|s| s.to_string()),
    );
    stages.push("lower".into());
    let outs = run_both(&joined(&stages), 2);
    let words = outs[0].as_ref().map_or(0, Vec::len);
    assert_eq!(words, 10, "{outs:?}");
}

#[test]
fn max_stateful_stages_run_and_checkpoint() {
    let cycle = [
        "reduce_by_key sum",
        "reduce_by_key_and_window sum 2s inverse",
        "update_state_by_key max",
        "filter .1 > 0",
        "window 1s",
        "top 1000",
        "reduce_by_key_and_window max 3s",
        "count_by_value",
        "map .0",
        "group_by_key",
        "map (.0, len(.1))",
    ];
    let mut stages = vec!["split".to_string(), "pair".into()];
    stages.extend(
        cycle
            .iter()
            .cycle()
            .take(MAX_STAGES - 2)
            .map(|s| s.to_string()),
    );
    let src = joined(&stages);
    let outs = run_both(&src, 4);
    assert!(outs.iter().all(Option::is_some));
    // The state of every stateful stage comes back from its checkpoint.
    let batch = Duration::from_secs(1);
    let mut p = Pipeline::new(&src, batch).unwrap();
    p.run(lines());
    let mut copy = Pipeline::new(&src, batch).unwrap();
    copy.restore(&p.checkpoint()).expect("restores");
    assert_eq!(sorted(copy.run(lines())), sorted(p.run(lines())));
}

/// `[[[...[1]...]]]`, as deep as serde_json reads.
fn deepest_json() -> String {
    let mut depth = 1;
    while serde_json::from_str::<serde_json::Value>(&nested_json(depth + 1)).is_ok() {
        depth += 1;
    }
    nested_json(depth)
}

fn nested_json(depth: usize) -> String {
    format!("{}1{}", "[".repeat(depth), "]".repeat(depth))
}

fn depth_of(v: &Value) -> usize {
    let mut depth = 0;
    let mut at = v;
    loop {
        at = match at {
            Value::Pair(p) => &p.0,
            Value::List(items) if !items.is_empty() => &items[0],
            _ => return depth,
        };
        depth += 1;
    }
}

#[test]
fn deepest_records_hash_compare_print_checkpoint_and_drop() {
    let json = deepest_json();
    let mut stages = vec!["json".to_string()];
    stages.extend(std::iter::repeat_n(
        "map (., 1)".to_string(),
        MAX_VALUE_NESTING - 1,
    ));
    stages.push("count_by_value_and_window 2s".into());
    stages.push("top 3".into());
    let src = stages.join(" | ");
    let mut p = Pipeline::new(&src, Duration::from_secs(1)).expect("within the limits");
    let records: Records = [json.as_str(), "[1]", "2"].into_iter().collect();
    for _ in 0..3 {
        let out = p.run(records.clone()).expect("emits every batch");
        assert_eq!(out.len(), 3);
        let deepest = out.iter().map(depth_of).max().unwrap_or(0);
        assert!(deepest >= 250, "{deepest}");
        assert!(out[0].to_string().len() > 500);
        let copy = out.clone();
        assert_eq!(copy, out);
    }
    assert_eq!(p.malformed().count(), 0);
    let saved = p.checkpoint();
    // serde_json reads 128 levels, so restoring records this deep is
    // refused with a message; it must not crash.
    let mut copy = Pipeline::new(&src, Duration::from_secs(1)).unwrap();
    if let Err(e) = copy.restore(&saved) {
        assert!(e.to_string().starts_with("checkpoint:"), "{e}");
    }
}
