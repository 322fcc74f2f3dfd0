//! Event-time aggregations against a naive recompute: on seeded random
//! batches of out-of-order rows, every batch's output equals what the
//! rules give when recomputed from all the rows kept so far, by code that
//! shares nothing with the operators but the window assignment.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::Rng;
use sparklet_engine::event_time::{
    windows_of, EventBatch, EventWindow, OutputMode, ReduceFn, SessionAggregate, TimedRow,
    WindowAggregate,
};
use sparklet_engine::Value;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

type Row = (i64, String, i64);
type Out = Vec<(i64, i64, String, i64)>;

/// Batches of rows whose times wander forward with disorder, some far
/// behind (late), keys from a small set, small integer values.
fn batches(seed: u64, n: usize) -> Vec<Vec<Row>> {
    let mut rng = Rng::new(seed);
    let mut clock = 100_000i64;
    (0..n)
        .map(|_| {
            clock += rng.below(3_000) as i64;
            (0..rng.below(12))
                .map(|_| {
                    let back = if rng.below(6) == 0 {
                        rng.below(40_000)
                    } else {
                        rng.below(4_000)
                    };
                    let key = format!("k{}", rng.below(4));
                    // Whole seconds, so that window ends, session ends
                    // and watermarks meet exactly, where `<` and `<=` differ.
                    let t = (clock - back as i64).div_euclid(1000) * 1000;
                    (t, key, rng.below(10) as i64)
                })
                .collect()
        })
        .collect()
}

fn timed(rows: &[Row]) -> Vec<TimedRow> {
    rows.iter()
        .map(|(t, k, v)| TimedRow {
            time_ms: *t,
            key: Value::str(k),
            value: Value::Int(*v),
        })
        .collect()
}

fn fold(f: ReduceFn, values: &[i64]) -> i64 {
    match f {
        ReduceFn::Count => values.len() as i64,
        ReduceFn::Sum => values.iter().sum(),
        ReduceFn::Min => *values.iter().min().unwrap(),
        ReduceFn::Max => *values.iter().max().unwrap(),
        ReduceFn::Mean => unreachable!("not in these tests"),
    }
}

fn output(rows: &[Value]) -> Out {
    rows.iter()
        .map(|r| {
            let Value::Object(f) = r else { panic!("{r}") };
            let Value::Object(w) = &f[0].1 else {
                panic!("{r}")
            };
            let int = |v: &Value| match v {
                Value::Int(n) => *n,
                other => panic!("{other}"),
            };
            let key = f[1].1.as_str().unwrap().to_string();
            (int(&w[0].1), int(&w[1].1), key, int(&f[2].1))
        })
        .collect()
}

/// The rules, recomputed from every row kept so far.
fn naive_windows(
    batches: &[Vec<Row>],
    len: i64,
    slide: i64,
    f: ReduceFn,
    mode: OutputMode,
    delay: i64,
) -> Vec<(Out, u64)> {
    let mut watermark = 0i64;
    let mut kept: BTreeMap<(EventWindow, String), Vec<i64>> = BTreeMap::new();
    let mut emitted: BTreeSet<(EventWindow, String)> = BTreeSet::new();
    let mut results = Vec::new();
    for batch in batches {
        let before = watermark;
        let mut touched = BTreeSet::new();
        let mut late = BTreeSet::new();
        for (t, k, v) in batch {
            for w in windows_of(*t, len, slide) {
                if mode != OutputMode::Complete && w.end <= before {
                    late.insert((w, k.clone()));
                } else {
                    kept.entry((w, k.clone())).or_default().push(*v);
                    touched.insert((w, k.clone()));
                }
            }
        }
        if let Some(max) = batch.iter().map(|r| r.0).max() {
            watermark = watermark.max(max - delay);
        }
        let show = |g: &(EventWindow, String)| (g.0.start, g.0.end, g.1.clone(), fold(f, &kept[g]));
        let out: Out = match mode {
            OutputMode::Complete => kept.keys().map(show).collect(),
            OutputMode::Update => touched.iter().map(show).collect(),
            OutputMode::Append => {
                let closed: Vec<_> = kept
                    .keys()
                    .filter(|g| g.0.end <= watermark && !emitted.contains(*g))
                    .cloned()
                    .collect();
                emitted.extend(closed.iter().cloned());
                closed.iter().map(show).collect()
            }
        };
        results.push((out, late.len() as u64));
    }
    results
}

#[test]
fn windows_equal_a_naive_recompute_in_every_mode() {
    let functions = [ReduceFn::Count, ReduceFn::Sum, ReduceFn::Min, ReduceFn::Max];
    let modes = [OutputMode::Append, OutputMode::Update, OutputMode::Complete];
    for seed in 0..12u64 {
        let input = batches(seed, 40);
        let f = functions[seed as usize % functions.len()];
        let (len, slide) = [(5_000, 5_000), (10_000, 5_000), (10_000, 3_000)][seed as usize % 3];
        let delay = [0, 2_000, 10_000][(seed / 3) as usize % 3];
        for mode in modes {
            let want = naive_windows(&input, len, slide, f, mode, delay);
            let mut agg = WindowAggregate::new(len, slide, f, mode, delay);
            for (i, (batch, (out, late))) in input.iter().zip(want).enumerate() {
                let (got, refused) = agg.run_batch(timed(batch));
                assert!(refused.is_empty());
                let what = format!("seed {seed} {mode:?} {f:?} batch {i}");
                assert_eq!(output(&got.output), out, "{what}");
                assert_eq!(got.late, late, "{what}");
            }
        }
    }
}

/// Sessions by connected overlap, recomputed each batch from the kept
/// events not yet emitted (append forgets what it emitted, as Spark does).
fn naive_sessions(batches: &[Vec<Row>], gap: i64, mode: OutputMode, delay: i64) -> Vec<Out> {
    let (mut watermark, mut previous) = (0i64, 0i64);
    let mut open: Vec<Row> = Vec::new();
    let mut results = Vec::new();
    for batch in batches {
        let before = watermark;
        // Complete mode runs no no-data batch: Spark judges late events
        // by the watermark from before the previous batch.
        let late_mark = if mode == OutputMode::Complete {
            previous
        } else {
            before
        };
        previous = before;
        open.extend(
            batch
                .iter()
                .filter(|(t, _, _)| t + gap > late_mark)
                .cloned(),
        );
        if let Some(max) = batch.iter().map(|r| r.0).max() {
            watermark = watermark.max(max - delay);
        }
        // Components: events are linked when their spans overlap or touch.
        let mut sessions: Vec<(i64, i64, String, Vec<usize>)> = Vec::new();
        let keys: BTreeSet<String> = open.iter().map(|r| r.1.clone()).collect();
        for key in keys {
            let mut group: Vec<usize> = (0..open.len()).filter(|i| open[*i].1 == key).collect();
            while let Some(first) = group.pop() {
                let mut members = vec![first];
                let (mut lo, mut hi) = (open[first].0, open[first].0 + gap);
                loop {
                    let joins: Vec<usize> = group
                        .iter()
                        .copied()
                        .filter(|i| open[*i].0 <= hi && lo <= open[*i].0 + gap)
                        .collect();
                    if joins.is_empty() {
                        break;
                    }
                    for i in joins {
                        group.retain(|g| *g != i);
                        lo = lo.min(open[i].0);
                        hi = hi.max(open[i].0 + gap);
                        members.push(i);
                    }
                }
                sessions.push((lo, hi, key.clone(), members));
            }
        }
        sessions.sort();
        let out: Out = match mode {
            OutputMode::Complete => sessions
                .iter()
                .map(|(s, e, k, m)| (*s, *e, k.clone(), m.len() as i64))
                .collect(),
            _ => {
                let closed: Vec<_> = sessions.iter().filter(|s| s.1 <= watermark).collect();
                let gone: BTreeSet<usize> = closed.iter().flat_map(|s| s.3.clone()).collect();
                let out = closed
                    .iter()
                    .map(|(s, e, k, m)| (*s, *e, k.clone(), m.len() as i64))
                    .collect();
                open = open
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| !gone.contains(i))
                    .map(|(_, r)| r.clone())
                    .collect();
                out
            }
        };
        results.push(out);
    }
    results
}

#[test]
fn sessions_equal_a_naive_recompute() {
    for seed in 0..12u64 {
        let input = batches(100 + seed, 40);
        let gap = [1_000, 3_000, 8_000][seed as usize % 3];
        let delay = [0, 2_000, 10_000][(seed / 3) as usize % 3];
        for mode in [OutputMode::Append, OutputMode::Complete] {
            let want = naive_sessions(&input, gap, mode, delay);
            let mut agg = SessionAggregate::new(gap, ReduceFn::Count, mode, delay).unwrap();
            for (i, (batch, out)) in input.iter().zip(want).enumerate() {
                let (got, _) = agg.run_batch(timed(batch));
                let mut got = output(&got.output);
                got.sort();
                assert_eq!(got, out, "seed {seed} {mode:?} gap {gap} batch {i}");
            }
        }
    }
}

/// What the checkpoint test needs of both operators.
trait Resumable {
    fn run(&mut self, rows: Vec<TimedRow>) -> EventBatch;
    fn save(&self) -> String;
    fn restore(&mut self, text: &str);
}

impl Resumable for WindowAggregate {
    fn run(&mut self, rows: Vec<TimedRow>) -> EventBatch {
        self.run_batch(rows).0
    }
    fn save(&self) -> String {
        WindowAggregate::save(self)
    }
    fn restore(&mut self, text: &str) {
        WindowAggregate::restore(self, text, 1_000_000).expect("its own checkpoint");
    }
}

impl Resumable for SessionAggregate {
    fn run(&mut self, rows: Vec<TimedRow>) -> EventBatch {
        self.run_batch(rows).0
    }
    fn save(&self) -> String {
        SessionAggregate::save(self)
    }
    fn restore(&mut self, text: &str) {
        SessionAggregate::restore(self, text, 1_000_000).expect("its own checkpoint");
    }
}

/// Runs `input` through an operator that never stops and through one
/// saved and restored into a fresh operator before batch `cut`: every
/// batch's result is the same.
fn check_resume<A: Resumable>(make: impl Fn() -> A, input: &[Vec<Row>], cut: usize, what: &str) {
    let mut whole = make();
    let mut resumed = make();
    for (i, batch) in input.iter().enumerate() {
        let want = whole.run(timed(batch));
        if i == cut {
            let saved = resumed.save();
            resumed = make();
            resumed.restore(&saved);
        }
        assert_eq!(resumed.run(timed(batch)), want, "{what} batch {i}");
    }
}

/// A checkpoint taken at any batch and restored into a fresh operator
/// continues exactly as the operator that was never stopped.
#[test]
fn a_restored_checkpoint_continues_exactly() {
    for seed in 0..8u64 {
        let input = batches(200 + seed, 30);
        let cut = 1 + seed as usize * 3;
        let mode =
            [OutputMode::Append, OutputMode::Update, OutputMode::Complete][seed as usize % 3];
        let windows = || WindowAggregate::new(10_000, 5_000, ReduceFn::Sum, mode, 3_000);
        check_resume(windows, &input, cut, &format!("seed {seed} {mode:?}"));
        let mode = [OutputMode::Append, OutputMode::Complete][seed as usize % 2];
        let sessions = || SessionAggregate::new(3_000, ReduceFn::Max, mode, 2_000).unwrap();
        check_resume(
            sessions,
            &input,
            cut,
            &format!("seed {seed} sessions {mode:?}"),
        );
    }
}

#[test]
fn a_checkpoint_these_operators_could_not_have_made_is_refused() {
    let mut windows = WindowAggregate::new(10_000, 5_000, ReduceFn::Count, OutputMode::Append, 0);
    let misaligned = r#"[5000,[[[1000,11000],"k",3]]]"#;
    let err = windows.restore(misaligned, 100).unwrap_err().to_string();
    assert!(err.contains("[1000, 11000)"), "{err}");
    assert!(
        windows.restore("[5000,[[[0,10000],", 100).is_err(),
        "damaged"
    );
    let many = format!("[0,[{}]]", [r#"[[0,10000],"k",1]"#; 5].join(","));
    assert!(windows.restore(&many, 4).is_err(), "over the cap");
    assert_eq!(windows.state_rows(), 0, "nothing restored on refusal");
    assert_eq!(windows.watermark.current_ms, 0);

    let mut sessions =
        SessionAggregate::new(1_000, ReduceFn::Count, OutputMode::Append, 0).unwrap();
    let touching = r#"[0,[["k",[[0,1000,1],[1000,2000,1]]]]]"#;
    let err = sessions.restore(touching, 100).unwrap_err().to_string();
    assert!(err.contains("[1000, 2000)"), "{err}");
    let short = r#"[0,[["k",[[0,500,1]]]]]"#;
    assert!(
        sessions.restore(short, 100).is_err(),
        "shorter than the gap"
    );
    assert!(sessions.restore(r#"[0,[["k",[[0,1000,1]]]]]"#, 100).is_ok());
    assert_eq!(sessions.state_rows(), 1);
}

/// A session checkpoint written before the previous batch's watermark was
/// kept (two parts, not three) still restores, taking that watermark as
/// the current one.
#[test]
fn a_session_checkpoint_without_the_previous_watermark_restores() {
    let mut agg = SessionAggregate::new(1000, ReduceFn::Count, OutputMode::Complete, 0).unwrap();
    agg.run_batch(timed(&[(5000, "a".into(), 1)]));
    agg.run_batch(timed(&[(9000, "a".into(), 1)]));
    let saved = agg.save();
    let mut parts: Vec<serde_json::Value> = serde_json::from_str(&saved).unwrap();
    assert_eq!(parts.len(), 3, "{saved}");
    assert_eq!(parts[2], 5000, "the watermark before the last batch");
    parts.pop();
    let old = serde_json::to_string(&parts).unwrap();
    let mut restored = agg.emptied();
    restored
        .restore(&old, 1_000_000)
        .expect("an older checkpoint");
    assert_eq!(restored.watermark.current_ms, 9000);
    assert_eq!(restored.watermark.previous_ms, 9000);
    assert_eq!(restored.state_rows(), 2);
}
