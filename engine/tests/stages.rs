//! Per-stage figures in the typed API: each operator's records in and out
//! equal what a naive count of the same batches gives, composites show as
//! one stage, and stages are listed in the order they were built.

mod common;

use common::Rng;
use rustc_hash::FxHashMap;
use sparklet_engine::dstream::StreamingContext;
use sparklet_engine::Duration;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

fn names(ssc: &StreamingContext) -> Vec<String> {
    ssc.stages().into_iter().map(|s| s.name).collect()
}

#[test]
fn a_word_counts_stages_count_what_went_through_them() {
    let mut ssc = StreamingContext::new(Duration::from_secs(1));
    let (input, lines) = ssc.queue_stream::<String>();
    let counts = lines
        .flat_map(|l| l.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .filter(|w| w.len() > 1)
        .count_by_value_and_window(Duration::from_secs(3), None)
        .unwrap();
    let _out = ssc.collect(counts);
    assert_eq!(
        names(&ssc),
        [
            "queue_stream",
            "flat_map",
            "filter",
            "count_by_value_and_window"
        ]
    );

    let mut rng = Rng::new(11);
    let mut kept_batches: Vec<Vec<String>> = Vec::new();
    for _ in 0..8 {
        let lines: Vec<String> = (0..rng.below(40))
            .map(|_| {
                (0..rng.below(6))
                    .map(|_| ["a", "bb", "cc", "ddd", "e"][rng.below(5) as usize])
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        let words: Vec<String> = lines
            .iter()
            .flat_map(|l| l.split_whitespace().map(str::to_string))
            .collect();
        let kept: Vec<String> = words.iter().filter(|w| w.len() > 1).cloned().collect();
        kept_batches.push(kept.clone());
        input.push(lines.clone());
        ssc.run_batch();

        // The window's distinct words, counted naively over its 3 batches.
        let mut window: FxHashMap<&str, i64> = FxHashMap::default();
        for batch in kept_batches.iter().rev().take(3) {
            for w in batch {
                *window.entry(w).or_default() += 1;
            }
        }
        let got: Vec<(u64, u64)> = ssc
            .stages()
            .iter()
            .map(|s| (s.records_in, s.records_out))
            .collect();
        let lines = lines.len() as u64;
        let (words, kept) = (words.len() as u64, kept.len() as u64);
        assert_eq!(
            got,
            [
                (lines, lines),
                (lines, words),
                (words, kept),
                (kept, window.len() as u64)
            ]
        );
        assert!(ssc.stages().iter().all(|s| s.ms >= 0.0 && s.ms.is_finite()));
    }
}

#[test]
fn a_window_between_slides_takes_records_in_and_gives_none_out() {
    let mut ssc = StreamingContext::new(Duration::from_secs(1));
    let (input, numbers) = ssc.queue_stream::<i64>();
    let sums = numbers
        .reduce_by_window(
            |a, b| a + b,
            Duration::from_secs(4),
            Some(Duration::from_secs(2)),
        )
        .unwrap();
    let _out = ssc.collect(sums);
    assert_eq!(names(&ssc), ["queue_stream", "reduce_by_window"]);
    input.push(vec![1, 2, 3]);
    ssc.run_batch();
    assert_eq!(
        (ssc.stages()[1].records_in, ssc.stages()[1].records_out),
        (3, 0)
    );
    input.push(vec![4]);
    ssc.run_batch();
    assert_eq!(
        (ssc.stages()[1].records_in, ssc.stages()[1].records_out),
        (1, 1)
    );
}

/// Pipelines of every kind: text stages (fused), counting after them (the
/// map-side combine), and every stateful stage over pairs.
fn pipelines() -> Vec<(String, bool)> {
    let text = [
        "split | lower | count_by_value_and_window 3s | top 3",
        "split | upper | filter len(.) > 2 | map (., 1) | reduce_by_key sum",
        "lower | split | count_by_value",
        "split | count",
    ];
    let pairs = common::STATEFUL.iter().map(|p| (p.to_string(), true));
    text.iter()
        .map(|p| (p.to_string(), false))
        .chain(pairs)
        .collect()
}

/// A pipeline's stages as typed, trimmed.
fn typed(pipeline: &str) -> Vec<String> {
    pipeline.split('|').map(|s| s.trim().to_string()).collect()
}

#[test]
fn pipelines_report_one_stage_per_stage_typed_fused_or_not() {
    use sparklet_engine::pipeline::Pipeline;
    for (text, on_pairs) in pipelines() {
        let batches = match on_pairs {
            true => common::pair_batches(5, 12, 30, 9),
            false => common::word_batches(5, 12, 30, 9)
                .into_iter()
                .map(|b| {
                    vec![sparklet_engine::Value::str(
                        &b.iter()
                            .map(|w| w.to_string().trim_matches('"').to_string())
                            .collect::<Vec<_>>()
                            .join(" "),
                    )]
                })
                .collect(),
        };
        let mut fused = Pipeline::new(&text, Duration::from_secs(1)).unwrap();
        let mut unfused = Pipeline::unfused(&text, Duration::from_secs(1)).unwrap();
        for batch in batches {
            let n = batch.len() as u64;
            let a = fused.run_values(batch.clone());
            let b = unfused.run_values(batch);
            let (fs, us) = (fused.stages(), unfused.stages());
            let names = |s: &[sparklet_engine::dstream::StageFigures]| -> Vec<String> {
                s.iter().flat_map(|s| typed(&s.name)).collect()
            };
            assert_eq!(names(&fs), typed(&text), "{text}: fused stages");
            assert_eq!(
                us.iter().map(|s| s.name.clone()).collect::<Vec<_>>(),
                typed(&text),
                "{text}: unfused stages"
            );
            let out = a.as_ref().map_or(0, Vec::len) as u64;
            assert_eq!(out, b.as_ref().map_or(0, Vec::len) as u64);
            for s in [&fs, &us] {
                assert_eq!(s[0].records_in, n, "{text}: {s:?}");
                assert_eq!(s[s.len() - 1].records_out, out, "{text}: {s:?}");
                for pair in s.windows(2) {
                    assert_eq!(pair[0].records_out, pair[1].records_in, "{text}: {s:?}");
                }
            }
        }
    }
}
