//! Spark's own vectors for event time, transcribed: each step is one
//! `AddData` and the `CheckNewAnswer` (or, in complete mode, `CheckAnswer`)
//! after it, which in Spark's `StreamTest` includes the no-data batch, as
//! a Sparklet batch does. Times are seconds, as in the suites; the suite
//! and test are named on each case (`docs/spark-event-time.md` has the
//! sources).

use sparklet_engine::event_time::{
    EventBatch, OutputMode, ReduceFn, SessionAggregate, TimedRow, WindowAggregate, UPDATE_REFUSED,
};
use sparklet_engine::Value;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

const S: i64 = 1000;

/// Rows at `secs`, key null, value 1 (Spark's `count(*)` over a window).
fn at(secs: &[i64]) -> Vec<TimedRow> {
    secs.iter()
        .map(|t| TimedRow {
            time_ms: t * S,
            key: Value::Null,
            value: Value::Int(1),
        })
        .collect()
}

/// Output rows as (window start s, window end s, key, value).
fn rows(batch: &EventBatch) -> Vec<(i64, i64, String, String)> {
    batch
        .output
        .iter()
        .map(|r| {
            let Value::Object(fields) = r else {
                panic!("not a row: {r}")
            };
            let get = |name: &str| fields.iter().find(|(k, _)| k == name).unwrap().1.clone();
            let Value::Object(w) = get("window") else {
                panic!("no window: {r}")
            };
            let ms = |i: usize| match &w[i].1 {
                Value::Int(n) => *n,
                other => panic!("{other}"),
            };
            let key = match get("key") {
                Value::Str(s) => s.to_string(),
                other => other.to_string(),
            };
            (ms(0) / S, ms(1) / S, key, get("value").to_string())
        })
        .collect()
}

fn count_window(len: i64, slide: i64, mode: OutputMode, delay: i64) -> WindowAggregate {
    WindowAggregate::new(len * S, slide * S, ReduceFn::Count, mode, delay * S)
}

fn w(start: i64, end: i64, value: i64) -> (i64, i64, String, String) {
    (start, end, "null".into(), value.to_string())
}

/// EventTimeWatermarkSuite "append mode": 5 s windows, 10 s delay.
#[test]
fn event_time_watermark_suite_append_mode() {
    let mut agg = count_window(5, 5, OutputMode::Append, 10);
    let (b, _) = agg.run_batch(at(&[10, 11, 12, 13, 14, 15]));
    assert_eq!(rows(&b), []);
    let (b, _) = agg.run_batch(at(&[25]));
    assert_eq!(rows(&b), [w(10, 15, 5)]);
    assert_eq!((b.state_rows, b.late, b.watermark_ms), (2, 0, 15 * S));
    let (b, _) = agg.run_batch(at(&[10]));
    assert_eq!(rows(&b), []);
    assert_eq!((b.state_rows, b.late, b.late_rows), (2, 1, 1));
}

/// EventTimeWatermarkSuite "update mode".
#[test]
fn event_time_watermark_suite_update_mode() {
    let mut agg = count_window(5, 5, OutputMode::Update, 10);
    let (b, _) = agg.run_batch(at(&[10, 11, 12, 13, 14, 15]));
    assert_eq!(rows(&b), [w(10, 15, 5), w(15, 20, 1)]);
    let (b, _) = agg.run_batch(at(&[25]));
    assert_eq!(rows(&b), [w(25, 30, 1)]);
    assert_eq!((b.state_rows, b.late), (2, 0));
    let (b, _) = agg.run_batch(at(&[10, 25]));
    assert_eq!(rows(&b), [w(25, 30, 2)]);
    assert_eq!((b.state_rows, b.late), (2, 1));
    let (b, _) = agg.run_batch(at(&[10]));
    assert_eq!(rows(&b), []);
    assert_eq!((b.state_rows, b.late), (2, 1));
}

/// EventTimeWatermarkSuite "complete mode": nothing late, nothing evicted.
#[test]
fn event_time_watermark_suite_complete_mode() {
    let mut agg = count_window(5, 5, OutputMode::Complete, 10);
    let steps: [(&[i64], Vec<_>); 5] = [
        (&[10, 11, 12], vec![w(10, 15, 3)]),
        (&[25], vec![w(10, 15, 3), w(25, 30, 1)]),
        (&[25], vec![w(10, 15, 3), w(25, 30, 2)]),
        (&[10], vec![w(10, 15, 4), w(25, 30, 2)]),
        (&[25], vec![w(10, 15, 4), w(25, 30, 3)]),
    ];
    for (input, want) in steps {
        let (b, _) = agg.run_batch(at(input));
        assert_eq!(rows(&b), want, "after {input:?}");
        assert_eq!(b.late, 0);
    }
}

/// EventTimeWatermarkSuite "event time and watermark metrics": the
/// watermark after each batch, and the window the third batch closes.
#[test]
fn event_time_watermark_suite_event_time_and_watermark_metrics() {
    let mut agg = count_window(5, 5, OutputMode::Append, 10);
    let (b, _) = agg.run_batch(at(&[15]));
    assert_eq!((rows(&b), b.watermark_ms), (vec![], 5 * S));
    let (b, _) = agg.run_batch(at(&[10, 12, 14]));
    assert_eq!((rows(&b), b.watermark_ms), (vec![], 5 * S));
    let (b, _) = agg.run_batch(at(&[25]));
    assert_eq!((rows(&b), b.watermark_ms), (vec![w(10, 15, 3)], 15 * S));
}

/// Not a Spark test: the sliding-window rule derived from Spark's sources
/// (a row's closed windows are dropped, its open ones still count it).
#[test]
fn a_sliding_window_drops_only_the_closed_windows_of_a_row() {
    let mut agg = count_window(10, 5, OutputMode::Append, 10);
    let (b, _) = agg.run_batch(at(&[12]));
    assert_eq!(rows(&b), []);
    let (b, _) = agg.run_batch(at(&[30]));
    assert_eq!(rows(&b), [w(5, 15, 1), w(10, 20, 1)]);
    let (b, _) = agg.run_batch(at(&[16]));
    assert_eq!(rows(&b), []);
    assert_eq!(
        (b.late, b.late_rows),
        (1, 0),
        "[10, 20) dropped, [15, 25) kept"
    );
    let (b, _) = agg.run_batch(at(&[40]));
    assert_eq!(rows(&b), [w(15, 25, 1)]);
}

/// Lines of words at a time, each word a row keyed by itself.
fn words(lines: &[(&str, i64)]) -> Vec<TimedRow> {
    lines
        .iter()
        .flat_map(|(line, t)| {
            line.split(' ').map(move |word| TimedRow {
                time_ms: t * S,
                key: Value::str(word),
                value: Value::Int(1),
            })
        })
        .collect()
}

fn session(key: &str, start: i64, end: i64, n: i64) -> (i64, i64, String, String) {
    (start, end, key.into(), n.to_string())
}

/// StreamingSessionWindowSuite "append mode - session window": 10 s gap,
/// 30 s delay, sessions merging across batches, a late batch.
#[test]
fn streaming_session_window_suite_append_mode() {
    let mut agg = SessionAggregate::new(10 * S, ReduceFn::Count, OutputMode::Append, 30 * S)
        .expect("append is supported");
    let (b, _) = agg.run_batch(words(&[
        ("hello world spark streaming", 40),
        ("world hello structured streaming", 41),
    ]));
    assert_eq!((rows(&b), b.watermark_ms), (vec![], 11 * S));
    let (b, _) = agg.run_batch(words(&[("spark streaming", 25)]));
    assert_eq!(rows(&b), []);
    let (b, _) = agg.run_batch(words(&[("spark streaming", 0)]));
    assert_eq!((rows(&b), b.late, b.late_rows), (vec![], 2, 2));
    let (b, _) = agg.run_batch(words(&[("spark streaming", 30)]));
    assert_eq!(rows(&b), []);
    let (b, _) = agg.run_batch(words(&[("hello apache spark", 60)]));
    assert_eq!((rows(&b), b.watermark_ms), (vec![], 30 * S));
    let (b, _) = agg.run_batch(words(&[("structured streaming", 90)]));
    assert_eq!(
        rows(&b),
        [
            session("spark", 25, 50, 3),
            session("streaming", 25, 51, 4),
            session("hello", 40, 51, 2),
            session("world", 40, 51, 2),
            session("structured", 41, 51, 1),
        ]
    );
}

/// StreamingSessionWindowSuite "complete mode - session window".
#[test]
fn streaming_session_window_suite_complete_mode() {
    let mut agg =
        SessionAggregate::new(10 * S, ReduceFn::Count, OutputMode::Complete, 30 * S).unwrap();
    let sorted = |b: &EventBatch| {
        let mut r = rows(b);
        r.sort();
        r
    };
    let (b, _) = agg.run_batch(words(&[
        ("hello world spark streaming", 40),
        ("world hello structured streaming", 41),
    ]));
    let mut first = vec![
        session("hello", 40, 51, 2),
        session("world", 40, 51, 2),
        session("streaming", 40, 51, 2),
        session("spark", 40, 50, 1),
        session("structured", 41, 51, 1),
    ];
    first.sort();
    assert_eq!(sorted(&b), first);
    let (b, _) = agg.run_batch(words(&[("spark streaming", 25)]));
    let mut second = first.clone();
    second.extend([session("spark", 25, 35, 1), session("streaming", 25, 35, 1)]);
    second.sort();
    assert_eq!(sorted(&b), second);
    let (b, _) = agg.run_batch(words(&[("spark streaming", 30)]));
    let mut third = vec![
        session("spark", 25, 50, 3),
        session("streaming", 25, 51, 4),
        session("hello", 40, 51, 2),
        session("world", 40, 51, 2),
        session("structured", 41, 51, 1),
    ];
    third.sort();
    assert_eq!(sorted(&b), third);
    let (b, _) = agg.run_batch(words(&[("hello apache spark", 60)]));
    let mut fourth = third.clone();
    fourth.extend([
        session("hello", 60, 70, 1),
        session("apache", 60, 70, 1),
        session("spark", 60, 70, 1),
    ]);
    fourth.sort();
    assert_eq!(sorted(&b), fourth);
    let (b, _) = agg.run_batch(words(&[("structured streaming", 90)]));
    let mut fifth = fourth.clone();
    fifth.extend([
        session("structured", 90, 100, 1),
        session("streaming", 90, 100, 1),
    ]);
    fifth.sort();
    assert_eq!(sorted(&b), fifth);
}

/// Events exactly one gap apart are one session (Spark merges sessions
/// that touch: `MergingSessionsIterator`, SPARK-36465's vectors).
#[test]
fn sessions_that_touch_merge() {
    let mut agg = SessionAggregate::new(S, ReduceFn::Count, OutputMode::Complete, 0).unwrap();
    let (b, _) = agg.run_batch(at(&[40, 41, 43]));
    assert_eq!(
        rows(&b),
        [session("null", 40, 42, 2), session("null", 43, 44, 1)]
    );
}

/// Update mode on session windows is refused with Spark's message.
#[test]
fn update_mode_with_session_windows_is_refused() {
    let refused = SessionAggregate::new(S, ReduceFn::Count, OutputMode::Update, 0).unwrap_err();
    assert_eq!(refused, UPDATE_REFUSED);
    assert!(refused.contains("Update output mode not supported for session window"));
}

/// EventTimeWatermarkSuite "test no-data flag", with
/// `spark.sql.streaming.noDataMicroBatches.enabled=true` (Spark's
/// default, and what a Sparklet batch is): the no-data batch after 25
/// emits the window the watermark closed.
#[test]
fn event_time_watermark_suite_test_no_data_flag() {
    let mut agg = count_window(5, 5, OutputMode::Append, 10);
    let (b, _) = agg.run_batch(at(&[10, 11, 12, 13, 14, 15]));
    assert_eq!(rows(&b), []);
    let (b, _) = agg.run_batch(at(&[25]));
    assert_eq!(rows(&b), [w(10, 15, 5)]);
}

/// EventTimeWatermarkSuite "recovery": the query stops and starts again
/// from its checkpoint twice (the sink cleared after the first stop, so
/// each step shows what is new); the watermark and the open windows come
/// back, so 10 and 17 stay late after the restarts.
#[test]
fn event_time_watermark_suite_recovery() {
    let restart = |agg: &WindowAggregate| {
        let mut again = count_window(5, 5, OutputMode::Append, 10);
        again
            .restore(&agg.save(), 1000)
            .expect("its own checkpoint");
        again
    };
    let mut agg = count_window(5, 5, OutputMode::Append, 10);
    let (b, _) = agg.run_batch(at(&[10, 11, 12, 13, 14, 15]));
    assert_eq!(rows(&b), []);
    let (b, _) = agg.run_batch(at(&[25]));
    assert_eq!(rows(&b), [w(10, 15, 5)]);
    let mut agg = restart(&agg);
    // "Advance watermark to 20 seconds, 10 should be ignored".
    let (b, _) = agg.run_batch(at(&[10, 27, 30]));
    assert_eq!(
        (rows(&b), b.watermark_ms, b.late),
        (vec![w(15, 20, 1)], 20 * S, 1)
    );
    let mut agg = restart(&agg);
    // "Watermark should still be 20 seconds, 17 should be ignored".
    let (b, _) = agg.run_batch(at(&[17]));
    assert_eq!((rows(&b), b.watermark_ms, b.late), (vec![], 20 * S, 1));
    // "Advance watermark to 30 seconds, emit first data 25".
    let (b, _) = agg.run_batch(at(&[40]));
    assert_eq!(rows(&b), [w(25, 30, 2)]);
}

/// Rows at `secs`, each its own value, keyed by `key(secs)`.
fn keyed(secs: &[i64], key: fn(i64) -> i64) -> Vec<TimedRow> {
    secs.iter()
        .map(|&t| TimedRow {
            time_ms: t * S,
            key: Value::Int(key(t)),
            value: Value::Int(t),
        })
        .collect()
}

/// A session row as Spark's suites print it: (key, start s, end s, count,
/// sum).
type CountSum = (i64, i64, i64, i64, i64);

/// A session aggregation run as Spark's `agg(count(*), sum(value))`: one
/// aggregate per function, their rows side by side as
/// (key, start s, end s, count, sum).
fn count_and_sum(batches: &[(&[i64], Vec<CountSum>)], key: fn(i64) -> i64, gap: i64, delay: i64) {
    let make = |f| SessionAggregate::new(gap * S, f, OutputMode::Append, delay * S).unwrap();
    let (mut count, mut sum) = (make(ReduceFn::Count), make(ReduceFn::Sum));
    for (input, want) in batches {
        let (c, _) = count.run_batch(keyed(input, key));
        let (s, _) = sum.run_batch(keyed(input, key));
        let got: Vec<CountSum> = rows(&c)
            .into_iter()
            .zip(rows(&s))
            .map(|(c, s)| {
                assert_eq!((c.0, c.1, &c.2), (s.0, s.1, &s.2));
                let n = |v: String| v.parse::<i64>().unwrap();
                (n(c.2), c.0, c.1, n(c.3), n(s.3))
            })
            .collect();
        let mut want = want.clone();
        want.sort_by_key(|r| (r.1, r.2, r.0));
        assert_eq!(got, want, "after {input:?}");
    }
}

/// Spark's "append mode - session" (EventTimeWatermarkSuite on the branch
/// that brought session windows, apache/spark 013785de, not in master):
/// gap 5 s, delay 10 s, key `value / 10`, `count(*)` and `sum(value)`.
#[test]
fn event_time_watermark_suite_branch_append_mode_session() {
    count_and_sum(
        &[
            (&[10, 11], vec![]),
            (&[17], vec![]),
            (&[25], vec![]),
            (&[35], vec![(1, 10, 16, 2, 21), (1, 17, 22, 1, 17)]),
            (&[10], vec![]),
            (&[40], vec![(2, 25, 30, 1, 25)]),
        ],
        |v| v / 10,
        5,
        10,
    );
}

/// Spark's "append mode - session window - storing multiple sessions in
/// given key" (the session-window branch's StreamingSessionWindowSuite):
/// key `value % 2`; 17 merges into key 1's open session, 27 into a later
/// one, and 10 is late.
#[test]
fn streaming_session_window_suite_branch_multiple_sessions_in_a_key() {
    count_and_sum(
        &[
            (&[10, 11, 12, 13], vec![]),
            (&[17], vec![]),
            (&[25], vec![]),
            (&[35], vec![(0, 10, 17, 2, 22), (1, 11, 22, 3, 41)]),
            (&[27], vec![]),
            (&[10], vec![]),
            (&[40], vec![]),
        ],
        |v| v % 2,
        5,
        10,
    );
}

/// StreamingSessionWindowSuite "session window - with more aggregation
/// functions and UDAFs", for the functions Sparklet has: `mean` and a sum
/// (Spark's UDAF `mySum`) of the event time in seconds, over the session
/// [40, 52) of key "a" (Spark casts the mean to a long; it is 41.0 here);
/// 100 and 101 of key "b" move the watermark past it.
#[test]
fn streaming_session_window_suite_more_aggregation_functions() {
    for (f, want) in [(ReduceFn::Mean, "41.0"), (ReduceFn::Sum, "123")] {
        let mut agg = SessionAggregate::new(10 * S, f, OutputMode::Append, 30 * S).unwrap();
        let a = |t| TimedRow {
            time_ms: t * S,
            key: Value::str("a"),
            value: Value::Int(t),
        };
        let b = |t| TimedRow {
            key: Value::str("b"),
            ..a(t)
        };
        // Spark adds these without a check between: any batching gives this.
        let (out, _) = agg.run_batch(vec![a(41), a(42), a(40)]);
        assert_eq!(rows(&out), []);
        let (out, _) = agg.run_batch(vec![b(100), b(101)]);
        let got = rows(&out);
        assert_eq!(got, [(40, 52, "a".to_string(), want.to_string())], "{f:?}");
    }
}
