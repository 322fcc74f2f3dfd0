//! `json | map EXPR` projected (only the fields EXPR reads are built)
//! against the oracle, the same pipeline stage by stage: on seeded random
//! JSON (escapes, Unicode, nested and missing fields, repeated keys, every
//! number form, whitespace, and text that is not JSON at all) both emit the
//! same outputs and refuse the same records for the same reasons.

mod common;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use common::{ms, Rng};
use sparklet_engine::{Pipeline, Records, Value};

const PIPELINES: &[&str] = &[
    "json | map (.path, .level == \"error\") | reduce_by_key_and_window mean 3s 1s inverse",
    "json | map .path | count_by_value",
    "json | map (.path, .v) | reduce_by_key sum",
    "json | map (.level, 1) | update_state_by_key count",
    "json | map .v",
    "json | map (.v, .ts)",
    "json | map len(.path) | reduce sum",
    "json | map (.ts > 5 && .level != null, .path) | count_by_value",
    "json | map .path.deep",
    "json | map (., 1) | count_by_value",
    "json | map .0",
];

const KEYS: &[&str] = &[
    "\"path\"",
    "\"level\"",
    "\"ts\"",
    "\"v\"",
    "\"extra\"",
    "\"\"",
    "\"pa\\\"th\"",
    "\"p\\u0061th\"",
    "\"ünï\"",
];

const VALUES: &[&str] = &[
    "\"/a\"",
    "\"/b\"",
    "\"error\"",
    "\"info\"",
    "\"\"",
    "\"ü😀\"",
    "\"q\\\"q\"",
    "\"back\\\\slash\"",
    "\"nl\\n\"",
    "\"\\u00e9\"",
    "\"\\ud83d\\ude00\"",
    "\"\\ud83d\"",
    "\"raw\ttab\"",
    "0",
    "-0",
    "7",
    "-5",
    "12345678901234567890",
    "123456789012345678",
    "1.5",
    "-0.0",
    "1e3",
    "1E-2",
    "2.5e+10",
    "0.1",
    "123456.789e-3",
    "01",
    "1.",
    ".5",
    "true",
    "false",
    "null",
    "nul",
    "{\"deep\": 1}",
    "{}",
    "[1, 2]",
    "[]",
    "[\"/a\", 3]",
];

const SPACE: &[&str] = &["", " ", "\n", "\t", "\r\n", "  "];

fn pick<'a>(rng: &mut Rng, from: &[&'a str]) -> &'a str {
    from[rng.below(from.len() as u64) as usize]
}

fn record(rng: &mut Rng) -> String {
    match rng.below(12) {
        0 => pick(rng, VALUES).to_string(),
        1 => String::new(),
        2 => "{\"path\": \"/a\",}".to_string(),
        3 => "{\"path\" \"/a\"}".to_string(),
        4 => "{\"path\": \"/a\"} trailing".to_string(),
        _ => {
            let n = rng.below(6);
            let fields: Vec<String> = (0..n)
                .map(|_| {
                    let (a, b, c) = (pick(rng, SPACE), pick(rng, SPACE), pick(rng, SPACE));
                    format!("{a}{}{b}:{c}{}", pick(rng, KEYS), pick(rng, VALUES))
                })
                .collect();
            let (open, close) = (pick(rng, SPACE), pick(rng, SPACE));
            format!("{open}{{{}}}{close}", fields.join(","))
        }
    }
}

fn sorted(out: Option<Vec<Value>>) -> Option<Vec<Value>> {
    out.map(|mut v| {
        v.sort_by(|a, b| a.total_cmp(b));
        v
    })
}

#[test]
fn projected_json_equals_the_unfused_pipeline() {
    let mut projected_records = 0;
    for pipeline in PIPELINES {
        for seed in 0..20 {
            let mut rng = Rng::new(seed * 31 + 7);
            let mut fused = Pipeline::new(pipeline, ms(1000)).expect("a valid pipeline");
            let mut oracle = Pipeline::unfused(pipeline, ms(1000)).expect("a valid pipeline");
            for b in 0..6 {
                let batch: Vec<String> = (0..rng.below(40)).map(|_| record(&mut rng)).collect();
                projected_records += batch.len();
                let records: Records = batch.iter().map(String::as_str).collect();
                let want = sorted(oracle.run(records.clone()));
                let got = sorted(fused.run(records));
                assert_eq!(
                    got, want,
                    "`{pipeline}`, seed {seed}, batch {b}: {batch:#?}"
                );
            }
            assert_eq!(
                fused.malformed().count(),
                oracle.malformed().count(),
                "`{pipeline}`, seed {seed}: malformed records"
            );
        }
    }
    assert!(projected_records > 10_000);
}

/// Which records were refused and why, record by record. (A batch samples
/// its first few refusals: run as one stage, `json` and `map` refuse in
/// record order, where stage by stage every `json` refusal of a batch
/// comes before its first `map` one; batches of one record compare.)
#[test]
fn projected_json_refuses_the_same_records_for_the_same_reasons() {
    for pipeline in PIPELINES {
        let mut rng = Rng::new(99);
        let mut fused = Pipeline::new(pipeline, ms(1000)).expect("a valid pipeline");
        let mut oracle = Pipeline::unfused(pipeline, ms(1000)).expect("a valid pipeline");
        for _ in 0..300 {
            let line = record(&mut rng);
            let records: Records = [line.as_str()].into_iter().collect();
            fused.run(records.clone());
            oracle.run(records);
            let samples = |p: &Pipeline| -> (u64, Vec<(String, String)>) {
                let m = p.malformed();
                let kept = m.samples().map(|s| (s.record.clone(), s.reason.clone()));
                (m.count(), kept.collect())
            };
            assert_eq!(samples(&fused), samples(&oracle), "`{pipeline}`: {line}");
        }
    }
}

/// The stage a person typed is still reported, as one stage.
#[test]
fn a_projected_json_map_is_one_stage_named_after_both() {
    let mut p = Pipeline::new("json | map .path | count_by_value", ms(1000)).unwrap();
    let lines = [r#"{"path": "/a"}"#, r#"{"path": "/a", "x": [1]}"#, "nope"];
    p.run(lines.iter().copied().collect());
    let names: Vec<String> = p.stages().into_iter().map(|s| s.name).collect();
    assert_eq!(names, ["json | map .path", "count_by_value"]);
}
