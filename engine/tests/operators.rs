//! Per-batch operators and state, from Spark's BasicOperationsSuite where it
//! has a case, and the word count end to end over raw lines.

mod common;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use std::collections::BTreeMap;

use common::{batches, run, shown};
use sparklet_engine::{Clock, Duration, PipelineRunner, Records};

fn outputs(pipeline: &str, input: &str) -> Vec<String> {
    shown(&run(pipeline, 1000, batches(input)))
        .into_iter()
        .map(|(_, s)| s)
        .collect()
}

#[test]
fn spark_basic_operations() {
    let input = r#"[["a b c"], [], ["b c d e"]]"#;
    assert_eq!(
        outputs("split", input),
        [r#"["a","b","c"]"#, "[]", r#"["b","c","d","e"]"#]
    );
    assert_eq!(
        outputs("count", "[[1,2,3,4],[],[5]]"),
        ["[4]", "[0]", "[1]"]
    );
    assert_eq!(
        outputs("reduce sum", "[[1,2,3,4],[],[5]]"),
        ["[10]", "[]", "[5]"]
    );
    assert_eq!(
        outputs("count_by_value", r#"[["a","a","b"],["",""]]"#),
        [r#"[["a",2],["b",1]]"#, r#"[["",2]]"#]
    );
    assert_eq!(
        outputs(
            "reduce_by_key sum",
            r#"[[["a",1],["a",1],["b",1]],[["",1],["",1]],[]]"#
        ),
        [r#"[["a",2],["b",1]]"#, r#"[["",2]]"#, "[]"]
    );
    assert_eq!(
        outputs(
            "group_by_key",
            r#"[[["a",1],["a",1],["b",1]],[["x",2],["x",3]]]"#
        ),
        [r#"[["a",[1,1]],["b",[1]]]"#, r#"[["x",[2,3]]]"#]
    );
    assert_eq!(
        outputs("upper | filter . != \"B\"", r#"[["a","b"]]"#),
        [r#"["A"]"#]
    );
    assert_eq!(outputs("pair len(.)", r#"[["ab"]]"#), [r#"[["ab",2]]"#]);
}

#[test]
fn update_state_by_key_keeps_a_running_value_and_emits_all_state_every_batch() {
    // Spark's "updateStateByKey" case: running counts; keys without new
    // values are still emitted.
    let input = r#"[[["a",1]], [["a",1],["b",1]], [["a",1],["b",1],["c",1]], [["a",1],["b",1]], [["a",1]], []]"#;
    assert_eq!(
        outputs("update_state_by_key sum", input),
        [
            r#"[["a",1]]"#,
            r#"[["a",2],["b",1]]"#,
            r#"[["a",3],["b",2],["c",1]]"#,
            r#"[["a",4],["b",3],["c",1]]"#,
            r#"[["a",5],["b",3],["c",1]]"#,
            r#"[["a",5],["b",3],["c",1]]"#,
        ]
    );
}

#[test]
fn top_orders_by_value_then_key() {
    let out = outputs("count_by_value | top 2", r#"[["x","y","y","z","z","w"]]"#);
    assert_eq!(out, [r#"[["y",2],["z",2]]"#]);
}

#[test]
fn bad_records_are_counted_and_the_batch_goes_on() {
    let (out, m) = sparklet_engine::replay::replay(
        "json | map .n | reduce sum",
        Duration::from_secs(1),
        batches(r#"[["{\"n\": 2}", "not json", "{\"n\": \"x\"}", "{\"n\": 3}"]]"#),
        None,
    )
    .unwrap();
    assert_eq!(shown(&out), [(1000, "[5]".into())]);
    assert_eq!(m.count(), 2);
    let reasons: Vec<_> = m.samples().map(|s| s.reason.as_str()).collect();
    assert!(reasons[0].starts_with("invalid JSON"), "{reasons:?}");
    assert_eq!(reasons[1], "reduce: sum needs numbers, got a string");
}

struct Ticks(std::cell::Cell<f64>);

impl Clock for Ticks {
    fn now_ms(&self) -> f64 {
        let t = self.0.get() + 2.0;
        self.0.set(t);
        t
    }
}

/// The dashboard's path: raw lines through the default word count, with
/// the delays measured on the clock it is given.
#[test]
fn word_count_over_lines_equals_a_plain_count() {
    let mut rng = common::Rng::new(7);
    let vocab = [
        "Spark", "spark", "stream", "batch", "Window", "rdd", "DStream",
    ];
    let lines: Vec<String> = (0..500)
        .map(|_| {
            (0..=rng.below(8))
                .map(|_| vocab[rng.below(7) as usize])
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    let mut ctx = PipelineRunner::new(
        "split | lower | count_by_value_and_window 10s | top 10",
        Duration::from_secs(1),
    )
    .unwrap();
    let clock = Ticks(std::cell::Cell::new(1000.0));
    let records: Records = lines.iter().map(String::as_str).collect();
    let report = ctx.run_batch(records, 999.0, &clock);
    assert_eq!(report.info.batch, 1);
    assert_eq!(report.info.time_ms, 1000);
    assert_eq!(report.info.records, 500);
    assert_eq!(report.info.scheduling_delay_ms, 3.0);
    // Every stage is timed on the same clock, inside the batch's time.
    let stage_ms: f64 = report.stages.iter().map(|s| s.ms).sum();
    assert!(
        report.stages.iter().all(|s| s.ms > 0.0),
        "{:?}",
        report.stages
    );
    assert!(report.info.processing_ms > stage_ms);
    assert_eq!(report.info.total_delay_ms, 3.0 + report.info.processing_ms);

    let mut want: BTreeMap<String, i64> = BTreeMap::new();
    for w in lines.iter().flat_map(|l| l.split_whitespace()) {
        *want.entry(w.to_lowercase()).or_default() += 1;
    }
    let got: BTreeMap<String, i64> = report
        .output
        .unwrap()
        .iter()
        .map(|p| {
            let (k, v) = p.as_pair().unwrap();
            (k.as_str().unwrap().to_string(), v.as_f64().unwrap() as i64)
        })
        .collect();
    assert_eq!(got, want);
    let second = ctx.run_batch(Records::new(), 2000.0, &clock);
    assert_eq!(second.info.time_ms, 2000);
    assert_eq!(
        second.output.unwrap().len(),
        want.len(),
        "the 10 s window still holds batch 1"
    );
}

/// `split` fused with the source (reading packed lines) gives what it
/// gives on string values, and the string maps follow Unicode.
#[test]
fn split_from_lines_equals_split_from_values_and_case_maps_are_unicode() {
    let lines = ["The quick  brown", "", "fox\tjumps", "ÉCOLE école"];
    let pipeline = "split | lower | count_by_value";
    let mut fused = sparklet_engine::Pipeline::new(pipeline, Duration::from_secs(1)).unwrap();
    let mut from_lines = fused.run(lines.into_iter().collect()).unwrap();
    from_lines.sort_by(|a, b| a.total_cmp(b));
    let values = vec![lines
        .iter()
        .map(|l| sparklet_engine::Value::str(l))
        .collect()];
    let from_values = run(pipeline, 1000, values).remove(0).output;
    assert_eq!(from_lines, from_values);
    let shown = serde_json::to_string(&from_lines).unwrap();
    assert_eq!(
        shown,
        r#"[["brown",1],["fox",1],["jumps",1],["quick",1],["the",1],["école",2]]"#
    );
    assert_eq!(outputs("upper", r#"[["straße", 3]]"#), [r#"["STRASSE"]"#]);
    let (_, m) =
        sparklet_engine::replay::replay("lower", Duration::from_secs(1), batches("[[3]]"), None)
            .unwrap();
    assert_eq!(
        m.samples().next().unwrap().reason,
        "lower needs a string, got a number"
    );
}
