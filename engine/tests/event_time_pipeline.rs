//! The event-time stages through the pipeline language: the event time
//! travels from `with_watermark` through the per-record stages to the
//! aggregation, and the pipeline gives batch for batch what the event-time
//! operators give on the same rows, computed here by hand from the records
//! (the operators themselves are checked against Spark's vectors and a
//! naive recompute in `event_time_spark.rs` and `event_time_oracle.rs`).

use sparklet_engine::event_time::{
    EventBatch, OutputMode, ReduceFn, SessionAggregate, TimedRow, WindowAggregate,
};
use sparklet_engine::{Duration, Pipeline, Records, Value};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

const USERS: [&str; 4] = ["ann", "bob", "cy", "dee"];

/// A small deterministic generator (the engine has no `rand`).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// One event as the feed would send it, and the rows it stands for.
struct Event {
    line: String,
    rows: Vec<TimedRow>,
}

/// Batches of events whose times run forward with disorder up to 20 s,
/// some as RFC 3339 strings, each listing one to three users.
fn events(seed: u64, batches: usize) -> Vec<Vec<Event>> {
    let mut rng = Lcg(seed);
    let base = 1_764_000_000_000i64;
    let mut clock = 0i64;
    (0..batches)
        .map(|_| {
            (0..rng.below(12))
                .map(|_| {
                    clock += rng.below(1500) as i64;
                    let t = base + clock - rng.below(20_000) as i64;
                    let n = 1 + rng.below(3) as usize;
                    let users: Vec<&str> = (0..n).map(|_| USERS[rng.below(4) as usize]).collect();
                    let amount = rng.below(100) as i64;
                    let ts = match rng.below(2) {
                        0 => t.to_string(),
                        _ => format!("\"{}\"", rfc3339(t)),
                    };
                    let line = format!(
                        r#"{{"ts": {ts}, "users": {users:?}, "amount": {amount}}}"#,
                        users = users
                    );
                    let rows = users
                        .iter()
                        .filter(|u| **u != "dee")
                        .map(|u| TimedRow {
                            time_ms: t,
                            key: Value::str(u),
                            value: Value::Int(amount),
                        })
                        .collect();
                    Event { line, rows }
                })
                .collect()
        })
        .collect()
}

/// `t` ms since the epoch as RFC 3339 (UTC, ms), by the civil-from-days
/// algorithm, so the test does not use the parser it checks.
fn rfc3339(t: i64) -> String {
    let (days, ms) = (t.div_euclid(86_400_000), t.rem_euclid(86_400_000));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

/// The operator `text` should compile to, on hand-made rows.
enum Direct {
    Windows(WindowAggregate),
    Sessions(SessionAggregate),
}

impl Direct {
    fn run(&mut self, rows: Vec<TimedRow>) -> EventBatch {
        match self {
            Direct::Windows(a) => a.run_batch(rows).0,
            Direct::Sessions(a) => a.run_batch(rows).0,
        }
    }
}

const SPLIT_USERS: &str =
    "json | with_watermark .ts 10s | flat_map .users | filter . != \"dee\" | pair";

fn cases() -> Vec<(String, Box<dyn Fn() -> Direct>)> {
    let windows = |len, slide, f, mode| {
        move || Direct::Windows(WindowAggregate::new(len, slide, f, mode, 10_000))
    };
    let sessions = |gap, f, mode| {
        move || Direct::Sessions(SessionAggregate::new(gap, f, mode, 10_000).unwrap())
    };
    vec![
        (
            format!("{SPLIT_USERS} | event_window 5s count"),
            Box::new(windows(5_000, 5_000, ReduceFn::Count, OutputMode::Append)),
        ),
        (
            format!("{SPLIT_USERS} | event_window 10s 5s count update"),
            Box::new(windows(10_000, 5_000, ReduceFn::Count, OutputMode::Update)),
        ),
        (
            format!("{SPLIT_USERS} | event_window 6s 2s count complete"),
            Box::new(windows(6_000, 2_000, ReduceFn::Count, OutputMode::Complete)),
        ),
        (
            format!("{SPLIT_USERS} | session_window 3s count"),
            Box::new(sessions(3_000, ReduceFn::Count, OutputMode::Append)),
        ),
        (
            format!("{SPLIT_USERS} | session_window 4s count complete"),
            Box::new(sessions(4_000, ReduceFn::Count, OutputMode::Complete)),
        ),
    ]
}

/// With `pair` the value is 1; `amount` pipelines map it in instead.
fn counted(rows: Vec<TimedRow>) -> Vec<TimedRow> {
    rows.into_iter()
        .map(|r| TimedRow {
            value: Value::Int(1),
            ..r
        })
        .collect()
}

#[test]
fn the_pipeline_gives_what_the_operator_gives_batch_for_batch() {
    for seed in 0..6u64 {
        let input = events(seed, 40);
        for (text, direct) in cases() {
            let mut p = Pipeline::new(&text, Duration::from_secs(1)).unwrap();
            let mut want = direct();
            for (i, batch) in input.iter().enumerate() {
                let lines: Records = batch.iter().map(|e| e.line.as_str()).collect();
                let rows: Vec<TimedRow> = batch.iter().flat_map(|e| e.rows.clone()).collect();
                let expected = want.run(counted(rows));
                let got = p.run(lines).unwrap_or_default();
                let what = format!("seed {seed}, `{text}`, batch {i}");
                assert_eq!(got, expected.output, "{what}");
                let figures = p.take_event_figures().unwrap();
                assert_eq!(figures.watermark_ms, expected.watermark_ms, "{what}");
                assert_eq!(
                    (figures.late, figures.late_rows, figures.state_rows),
                    (expected.late, expected.late_rows, expected.state_rows),
                    "{what}"
                );
                assert_eq!(
                    figures.lateness.iter().sum::<u64>(),
                    batch.iter().map(|e| e.rows.len() as u64).sum::<u64>(),
                    "{what}: every row's lateness is counted"
                );
            }
            assert_eq!(p.malformed().count(), 0, "{text}");
        }
    }
}

#[test]
fn a_value_and_a_key_come_from_the_pair() {
    let text = "json | with_watermark .ts 0s | map (.user, .amount) | event_window 10s sum";
    let mut p = Pipeline::new(text, Duration::from_secs(1)).unwrap();
    let lines = [
        r#"{"ts": 1000, "user": "a", "amount": 5}"#,
        r#"{"ts": 2000, "user": "a", "amount": 7}"#,
        r#"{"ts": 3000, "user": "b", "amount": 1}"#,
        r#"{"ts": "1970-01-01T00:00:10Z", "user": "b", "amount": 2}"#,
    ];
    let out = p.run(lines.into_iter().collect()).unwrap();
    let shown: Vec<String> = out.iter().map(Value::to_string).collect();
    assert_eq!(
        shown,
        [
            r#"{"window":{"start":0,"end":10000},"key":"a","value":12}"#,
            r#"{"window":{"start":0,"end":10000},"key":"b","value":1}"#,
        ]
    );
}

#[test]
fn a_record_that_is_not_a_pair_counts_in_one_group_with_key_null() {
    let mut p = Pipeline::new(
        "with_watermark . 10s | event_window 5s count",
        Duration::from_secs(1),
    )
    .unwrap();
    // EventTimeWatermarkSuite "append mode", in the language.
    let run = |p: &mut Pipeline, secs: &[i64]| {
        let out = p.run_values(secs.iter().map(|&s| Value::Int(s * 1000)).collect());
        let figures = p.take_event_figures().unwrap();
        let shown: Vec<String> = out.unwrap().iter().map(Value::to_string).collect();
        (shown, figures)
    };
    let (out, f) = run(&mut p, &[10, 11, 12, 13, 14, 15]);
    assert_eq!((out.len(), f.watermark_ms), (0, 5000));
    let (out, f) = run(&mut p, &[25]);
    assert_eq!(
        out,
        [r#"{"window":{"start":10000,"end":15000},"key":null,"value":5}"#]
    );
    assert_eq!((f.watermark_ms, f.state_rows), (15_000, 2));
    let (out, f) = run(&mut p, &[10]);
    assert_eq!((out.len(), f.late, f.late_rows, f.state_rows), (0, 1, 1, 2));
}

#[test]
fn a_checkpoint_restores_the_watermark_and_the_windows() {
    let input = events(99, 30);
    for (text, _) in cases() {
        let mut whole = Pipeline::new(&text, Duration::from_secs(1)).unwrap();
        let mut resumed = Pipeline::new(&text, Duration::from_secs(1)).unwrap();
        for (i, batch) in input.iter().enumerate() {
            let lines: Records = batch.iter().map(|e| e.line.as_str()).collect();
            if i == 12 {
                let saved = resumed.checkpoint();
                resumed = Pipeline::new(&text, Duration::from_secs(1)).unwrap();
                resumed.restore(&saved).unwrap();
            }
            let want = whole.run(lines.clone());
            assert_eq!(resumed.run(lines), want, "`{text}` batch {i}");
            let (a, b) = (whole.take_event_figures(), resumed.take_event_figures());
            let watermarks = (a.map(|f| f.watermark_ms), b.map(|f| f.watermark_ms));
            assert_eq!(watermarks.0, watermarks.1, "`{text}` batch {i}");
        }
    }
}

#[test]
fn a_record_without_a_time_is_malformed_and_named() {
    let mut p = Pipeline::new(
        "json | with_watermark .ts 5s | event_window 5s count",
        Duration::from_secs(1),
    )
    .unwrap();
    let lines = [
        r#"{"ts": "yesterday"}"#,
        r#"{"ts": true}"#,
        r#"{"at": 5}"#,
        r#"{"ts": 5}"#,
    ];
    p.run(lines.into_iter().collect());
    assert_eq!(p.malformed().count(), 3);
    let reasons: Vec<String> = p.malformed().samples().map(|s| s.reason.clone()).collect();
    assert!(
        reasons.iter().all(|r| r.starts_with("with_watermark: ")),
        "{reasons:?}"
    );
    assert!(reasons[0].contains("RFC 3339"), "{reasons:?}");
}

#[test]
fn a_value_the_function_cannot_take_is_malformed_and_moves_no_watermark() {
    for agg in ["event_window 5s sum", "session_window 5s sum"] {
        let mut p = Pipeline::new(
            &format!("json | with_watermark .ts 1s | map (.k, .n) | {agg}"),
            Duration::from_secs(1),
        )
        .unwrap();
        let lines = [
            r#"{"ts": 9000, "k": "a", "n": "nine"}"#,
            r#"{"ts": 2000, "k": "a", "n": 2}"#,
        ];
        p.run(lines.into_iter().collect());
        assert_eq!(p.malformed().count(), 1, "{agg}");
        let reason = &p.malformed().samples().next().unwrap().reason;
        assert!(
            reason.contains("sum needs numbers, got a string"),
            "{agg}: {reason}"
        );
        let figures = p.take_event_figures().unwrap();
        // Only the row that reached the aggregation moved the watermark.
        assert_eq!(figures.watermark_ms, 1000, "{agg}");
        assert_eq!(figures.state_rows, 1, "{agg}");
    }
}

#[test]
fn misplaced_event_time_stages_are_refused_naming_the_stage() {
    let refused = [
        (
            "split | event_window 5s count",
            "stage 2 `event_window`",
            "needs `with_watermark EXPR DELAY` before it",
        ),
        (
            "json | with_watermark .ts 5s | map .user",
            "stage 2 `with_watermark`",
            "needs `event_window` or `session_window` after it",
        ),
        (
            "json | with_watermark .ts 5s | pair | reduce_by_key sum | event_window 5s count",
            "stage 4 `reduce_by_key`",
            "only per-record stages",
        ),
        (
            "json | with_watermark .ts 5s | with_watermark .ts 5s | event_window 5s count",
            "stage 3 `with_watermark`",
            "one `with_watermark`",
        ),
        (
            "json | with_watermark .ts 5s | pair | session_window 5s count update",
            "stage 4 `session_window`",
            "Update output mode not supported for session window",
        ),
        (
            "json | with_watermark .ts 5s | event_window 5s 10s count",
            "stage 3 `event_window`",
            "slideDuration <= windowDuration",
        ),
        (
            "json | with_watermark .ts 5s | event_window 1h 1s count",
            "stage 3 `event_window`",
            "at most 1000",
        ),
        (
            "json | with_watermark .ts | event_window 5s count",
            "stage 2 `with_watermark`",
            "the watermark's delay",
        ),
        (
            "json | with_watermark .ts 5s | event_window 5s count sideways",
            "stage 3 `event_window`",
            "an output mode: append, update or complete",
        ),
    ];
    for (text, stage, says) in refused {
        let err = match Pipeline::new(text, Duration::from_secs(1)) {
            Ok(_) => panic!("`{text}` was accepted"),
            Err(e) => e.to_string(),
        };
        assert!(err.starts_with(stage), "`{text}`: {err}");
        assert!(err.contains(says), "`{text}`: {err}");
    }
}

#[test]
fn the_key_limit_bounds_even_complete_mode() {
    let mut p = Pipeline::new(
        "with_watermark . 0s | event_window 1s count complete",
        Duration::from_secs(1),
    )
    .unwrap();
    p.set_max_keys(50);
    for b in 0..10 {
        p.run_values((0..20).map(|i| Value::Int((b * 20 + i) * 1000)).collect());
        let f = p.take_event_figures().unwrap();
        assert!(f.state_rows <= 50, "batch {b}: {}", f.state_rows);
    }
    assert_eq!(p.evicted(), 150);
}
