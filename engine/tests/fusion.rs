//! The fused record path (text stages on borrowed lines, a map-side
//! combine before a counting stage) against the oracle: the same pipeline
//! built as separate operators over values. On seeded random text, with
//! Unicode, odd whitespace, empty records and non-text values, both must
//! emit the same outputs and find the same malformed records.

mod common;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use common::{ms, Rng};
use sparklet_engine::{Pipeline, Records, Value};

const PIPELINES: &[&str] = &[
    "split | lower | count_by_value_and_window 3s | top 5",
    "split | count_by_value",
    "split | pair | reduce_by_key_and_window sum 2s inverse",
    "split | pair | reduce_by_key_and_window count 3s 2s",
    "split | upper | pair | reduce_by_key sum",
    "split \",\" | trim | pair | update_state_by_key count",
    "lower | split | count_by_value_and_window 2s 2s",
    "trim | count_by_value",
    "count_by_value",
    "split | lower | window 2s",
    "split | pair | reduce_by_key mean",
    "split | pair 2 | reduce_by_key sum",
    "split | lower | filter len(.) > 3 | count_by_value",
    "split | lower | trim | upper",
    "upper | split | lower | count_by_value",
    "split | trim | lower | count_by_value",
];

/// Words short and long (the word count packs up to 7 bytes), cases that
/// map by Unicode rules (`ß`, `İ`, a final `Σ`), and every kind of
/// whitespace, with `\x1c` and `\u{85}` near the edge of the rule.
const PIECES: &[&str] = &[
    "the",
    "The",
    "THE",
    "of",
    "Über",
    "über",
    "straße",
    "ǅ",
    "a",
    "A",
    ",",
    ", ",
    " ",
    "  ",
    "\t",
    "\u{b}",
    "\u{c}",
    "\r",
    "\u{1c}",
    "\u{85}",
    "\u{a0}",
    "\u{2003}",
    "x,y",
    "İ",
    "cat",
    "Cat",
    "ΟΔΟΣ",
    "OverTheLazyDog",
    "seven77",
    "EIGHT888",
];

/// A random line of pieces (possibly empty, or only whitespace).
fn line(rng: &mut Rng) -> String {
    let n = rng.below(9);
    (0..n)
        .map(|_| PIECES[rng.below(PIECES.len() as u64) as usize])
        .collect::<Vec<_>>()
        .join(if rng.below(3) == 0 { "" } else { " " })
}

fn lines(rng: &mut Rng, batches: usize) -> Vec<Vec<String>> {
    (0..batches)
        .map(|_| (0..rng.below(12)).map(|_| line(rng)).collect())
        .collect()
}

/// Keyed outputs come in hash order; compare them sorted.
fn sorted(out: Option<Vec<Value>>) -> Option<Vec<Value>> {
    out.map(|mut v| {
        v.sort_by(|a, b| a.total_cmp(b));
        v
    })
}

fn both(pipeline: &str) -> (Pipeline, Pipeline) {
    let fused = Pipeline::new(pipeline, ms(1000)).expect("a valid pipeline");
    let oracle = Pipeline::unfused(pipeline, ms(1000)).expect("a valid pipeline");
    (fused, oracle)
}

fn same_malformed(fused: &Pipeline, oracle: &Pipeline, what: &str) {
    assert_eq!(
        fused.malformed().count(),
        oracle.malformed().count(),
        "{what}: malformed count"
    );
    let reasons = |p: &Pipeline| -> Vec<String> {
        p.malformed().samples().map(|s| s.reason.clone()).collect()
    };
    assert_eq!(reasons(fused), reasons(oracle), "{what}: malformed reasons");
}

#[test]
fn fused_lines_equal_the_unfused_pipeline() {
    for pipeline in PIPELINES {
        for seed in 0..12 {
            let mut rng = Rng::new(seed);
            let (mut fused, mut oracle) = both(pipeline);
            for (b, batch) in lines(&mut rng, 8).into_iter().enumerate() {
                let records: Records = batch.iter().map(String::as_str).collect();
                let want = sorted(oracle.run(records.clone()));
                let got = sorted(fused.run(records));
                assert_eq!(got, want, "`{pipeline}`, seed {seed}, batch {b}: {batch:?}");
            }
            same_malformed(&fused, &oracle, pipeline);
        }
    }
}

#[test]
fn fused_values_equal_the_unfused_pipeline() {
    for pipeline in PIPELINES {
        for seed in 0..12 {
            let mut rng = Rng::new(seed + 100);
            let (mut fused, mut oracle) = both(pipeline);
            for (b, batch) in lines(&mut rng, 6).into_iter().enumerate() {
                // Records a feed of values may hold besides text.
                let values: Vec<Value> = batch
                    .iter()
                    .map(|l| match rng.below(6) {
                        0 => Value::Int(l.len() as i64),
                        1 => Value::Null,
                        2 => Value::pair(Value::str(l), Value::Int(1)),
                        _ => Value::str(l),
                    })
                    .collect();
                let want = sorted(oracle.run_values(values.clone()));
                let got = sorted(fused.run_values(values.clone()));
                assert_eq!(
                    got, want,
                    "`{pipeline}`, seed {seed}, batch {b}: {values:?}"
                );
            }
            same_malformed(&fused, &oracle, pipeline);
        }
    }
}

#[test]
fn fused_checkpoints_restore_into_either_form() {
    // The fused and unfused forms keep the same state, so a checkpoint of
    // one continues in the other.
    let pipeline = "split | lower | count_by_value_and_window 3s";
    let (mut fused, mut oracle) = both(pipeline);
    let mut rng = Rng::new(7);
    let batches = lines(&mut rng, 6);
    for batch in &batches[..3] {
        let records: Records = batch.iter().map(String::as_str).collect();
        fused.run(records);
    }
    oracle.restore(&fused.checkpoint()).expect("restores");
    for batch in &batches[3..] {
        let records: Records = batch.iter().map(String::as_str).collect();
        assert_eq!(
            sorted(fused.run(records.clone())),
            sorted(oracle.run(records))
        );
    }
}
