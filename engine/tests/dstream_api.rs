//! The typed DStream API, from Spark's suites (MapWithStateSuite,
//! BasicOperationsSuite's union and updateStateByKey cases), plus two
//! properties: the pipeline language gives what the Rust API gives on the
//! same input, and an inverse window's work per slide does not grow with
//! the window's length.

mod common;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use std::cell::Cell;
use std::rc::Rc;

use sparklet_engine::dstream::{State, StateSpec, StreamingContext};
use sparklet_engine::{Duration, Value};

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v
}

/// Runs `input` (one vector per batch) through `op` and returns the sorted
/// output of every batch.
fn run_keys(
    input: &[&[char]],
    op: impl FnOnce(
        sparklet_engine::dstream::DStream<(char, i64)>,
    ) -> sparklet_engine::dstream::DStream<(char, i64)>,
) -> Vec<Vec<(char, i64)>> {
    let mut ssc = StreamingContext::new(secs(1));
    let (queue, words) = ssc.queue_stream::<char>();
    let out = ssc.collect(op(words.map(|w| (w, 1))));
    for batch in input {
        queue.push(batch.to_vec());
    }
    ssc.run_batches(input.len() as u64);
    out.take().into_iter().map(|(_, b)| sorted(b)).collect()
}

#[test]
fn spark_map_with_state_states_as_mapped_data_and_snapshots() {
    let input: &[&[char]] = &[
        &[],
        &['a'],
        &['a', 'b'],
        &['a', 'b', 'c'],
        &['a', 'b'],
        &['a'],
        &[],
    ];
    let mut ssc = StreamingContext::new(secs(1));
    let (queue, words) = ssc.queue_stream::<char>();
    let spec = StateSpec::function(
        |_, key: &char, value: Option<i64>, state: &mut State<i64>| {
            let sum = value.unwrap_or(0) + state.get().copied().unwrap_or(0);
            state.update(sum);
            Some((*key, sum))
        },
    );
    let (mapped, snapshots) = words.map(|w| (w, 1)).map_with_state_snapshots(spec);
    let (mapped, snapshots) = (ssc.collect(mapped), ssc.collect(snapshots));
    for b in input {
        queue.push(b.to_vec());
    }
    ssc.run_batches(input.len() as u64);
    let mapped: Vec<_> = mapped.take().into_iter().map(|(_, b)| sorted(b)).collect();
    assert_eq!(
        mapped,
        vec![
            vec![],
            vec![('a', 1)],
            vec![('a', 2), ('b', 1)],
            vec![('a', 3), ('b', 2), ('c', 1)],
            vec![('a', 4), ('b', 3)],
            vec![('a', 5)],
            vec![]
        ]
    );
    let states: Vec<_> = snapshots
        .take()
        .into_iter()
        .map(|(_, b)| sorted(b))
        .collect();
    assert_eq!(states[3], vec![('a', 3), ('b', 2), ('c', 1)]);
    assert_eq!(states[6], vec![('a', 5), ('b', 3), ('c', 1)]);
}

#[test]
fn spark_map_with_state_removing_and_timing_out() {
    // Removing: a key seen when it has state is removed and reported.
    let input: &[&[char]] = &[
        &[],
        &['a'],
        &['a', 'b'],
        &['a', 'b', 'c'],
        &['a', 'b', 'c'],
        &['a', 'b'],
        &['a'],
        &[],
    ];
    let mut ssc = StreamingContext::new(secs(1));
    let (queue, words) = ssc.queue_stream::<char>();
    let spec = StateSpec::function(
        |_, key: &char, value: Option<i64>, state: &mut State<i64>| {
            if state.exists() {
                state.remove();
                Some(*key)
            } else {
                state.update(value.unwrap_or(0));
                None
            }
        },
    );
    let out = ssc.collect(words.map(|w| (w, 1)).map_with_state(spec));
    input.iter().for_each(|b| queue.push(b.to_vec()));
    ssc.run_batches(input.len() as u64);
    let removed: Vec<_> = out.take().into_iter().map(|(_, b)| sorted(b)).collect();
    assert_eq!(
        removed,
        vec![
            vec![],
            vec![],
            vec!['a'],
            vec!['b'],
            vec!['a', 'c'],
            vec!['b'],
            vec!['a'],
            vec![]
        ]
    );

    // Timing out after 3 s without data: c, then b; a stays active.
    let mut ssc = StreamingContext::new(secs(1));
    let (queue, words) = ssc.queue_stream::<char>();
    let spec = StateSpec::function(
        |_, key: &char, value: Option<i64>, state: &mut State<i64>| {
            if value.is_some() {
                state.update(1);
            }
            state.is_timing_out().then_some(*key)
        },
    )
    .timeout(secs(3));
    let (mapped, snapshots) = words.map(|w| (w, 1)).map_with_state_snapshots(spec);
    let (mapped, snapshots) = (ssc.collect(mapped), ssc.collect(snapshots));
    let mut input: Vec<Vec<char>> = vec![
        vec!['a', 'b', 'c'],
        vec!['a', 'b'],
        vec!['a'],
        vec![],
        vec![],
        vec!['a'],
    ];
    input.extend(std::iter::repeat_n(vec!['a'], 20));
    input.iter().for_each(|b| queue.push(b.clone()));
    ssc.run_batches(input.len() as u64);
    let timed_out: Vec<_> = mapped
        .take()
        .into_iter()
        .flat_map(|(t, b)| b.into_iter().map(move |k| (t, k)))
        .collect();
    // c's last data was at 1 s, b's at 2 s: each goes once `t - 3 s` passes it.
    assert_eq!(timed_out, vec![(5000, 'c'), (6000, 'b')]);
    let states = snapshots.take();
    assert!(states
        .iter()
        .any(|(_, s)| sorted(s.clone()) == vec![('a', 1), ('b', 1), ('c', 1)]));
    assert_eq!(states.last().map(|(_, s)| s.clone()), Some(vec![('a', 1)]));
}

#[test]
fn spark_update_state_by_key_and_removal() {
    let input: &[&[char]] = &[
        &['a'],
        &['a', 'b'],
        &['a', 'b', 'c'],
        &['a', 'b'],
        &['a'],
        &[],
    ];
    let running = run_keys(input, |s| {
        s.update_state_by_key(|values: Vec<i64>, old: Option<i64>| {
            Some(old.unwrap_or(0) + values.iter().sum::<i64>())
        })
    });
    assert_eq!(running[3], vec![('a', 4), ('b', 3), ('c', 1)]);
    assert_eq!(running[5], vec![('a', 5), ('b', 3), ('c', 1)]);
    // Returning None removes the key: keep a key only while it gets data.
    let active = run_keys(input, |s| {
        s.update_state_by_key(|values: Vec<i64>, _: Option<i64>| {
            (!values.is_empty()).then_some(values.len() as i64)
        })
    });
    assert_eq!(
        active,
        vec![
            vec![('a', 1)],
            vec![('a', 1), ('b', 1)],
            vec![('a', 1), ('b', 1), ('c', 1)],
            vec![('a', 1), ('b', 1)],
            vec![('a', 1)],
            vec![]
        ]
    );
}

#[test]
fn union_of_two_sources_transform_and_tee() {
    let mut ssc = StreamingContext::new(secs(1));
    let (qa, a) = ssc.queue_stream::<i64>();
    let (qb, b) = ssc.queue_stream::<i64>();
    let both = a.union(b.map(|x| x * 10)).unwrap();
    let (left, right) = both.tee();
    let summed = ssc.collect(left.transform(|t, batch| vec![t as i64 + batch.iter().sum::<i64>()]));
    let all = ssc.collect(right);
    qa.push(vec![1, 2]);
    qb.push(vec![3]);
    qa.push(vec![]);
    qb.push(vec![4, 5]);
    ssc.run_batches(2);
    assert_eq!(
        all.take(),
        vec![(1000, vec![1, 2, 30]), (2000, vec![40, 50])]
    );
    assert_eq!(summed.take(), vec![(1000, vec![1033]), (2000, vec![2090])]);

    let (_, slow) = ssc.queue_stream::<i64>();
    let (_, fast) = ssc.queue_stream::<i64>();
    let err = slow
        .window(secs(2), Some(secs(2)))
        .unwrap()
        .union(fast)
        .err()
        .expect("slides differ");
    assert_eq!(
        err.to_string(),
        "union needs streams that emit together; their slides are 2s and 1s"
    );
}

/// The pipeline language and the Rust API agree on the same seeded input.
#[test]
fn the_pipeline_language_equals_the_rust_api() {
    for seed in 0..6 {
        let batches = common::word_batches(seed, 30, 10, 12);
        let lines: Vec<Vec<String>> = batches
            .iter()
            .map(|b| {
                b.chunks(3)
                    .map(|c| {
                        c.iter()
                            .map(|v| v.as_str().unwrap())
                            .collect::<Vec<_>>()
                            .join(" ")
                    })
                    .collect()
            })
            .collect();
        let as_values: Vec<Vec<Value>> = lines
            .iter()
            .map(|b| b.iter().map(|l| Value::str(l)).collect())
            .collect();
        let piped = common::run(
            "split | upper | count_by_value_and_window 4s 2s | top 3",
            1000,
            as_values,
        );

        let mut ssc = StreamingContext::new(secs(1));
        let (queue, input) = ssc.queue_stream::<String>();
        let typed = input
            .flat_map(|l| {
                l.split_whitespace()
                    .map(str::to_uppercase)
                    .collect::<Vec<_>>()
            })
            .count_by_value_and_window(secs(4), Some(secs(2)))
            .unwrap()
            .top_by(3, |a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)));
        let out = ssc.collect(typed);
        lines.into_iter().for_each(|b| queue.push(b));
        ssc.run_batches(30);
        let typed: Vec<(u64, Vec<Value>)> = out
            .take()
            .into_iter()
            .map(|(t, b)| {
                (
                    t,
                    b.into_iter()
                        .map(|(w, n)| Value::from((w.as_str(), n)))
                        .collect(),
                )
            })
            .collect();
        let piped: Vec<(u64, Vec<Value>)> =
            piped.into_iter().map(|e| (e.time_ms, e.output)).collect();
        assert_eq!(piped, typed, "seed {seed}");
    }
}

/// Cost follows the work, not the history: an inverse window's reduce and
/// inverse calls per slide are the same for a 30 s and a 3000 s window
/// over the same keys (counted, not timed, so noise cannot flake it).
#[test]
fn inverse_window_work_per_slide_does_not_grow_with_its_length() {
    fn calls_per_slide(len_s: u64) -> (u64, u64) {
        let calls = Rc::new(Cell::new(0u64));
        let (f_calls, inv_calls) = (calls.clone(), Rc::new(Cell::new(0u64)));
        let inv_seen = inv_calls.clone();
        let mut ssc = StreamingContext::new(secs(1));
        let (queue, pairs) = ssc.queue_stream::<(u32, i64)>();
        let windowed = pairs
            .reduce_by_key_and_window_inverse(
                move |a, b| {
                    f_calls.set(f_calls.get() + 1);
                    a + b
                },
                move |a, b| {
                    inv_seen.set(inv_seen.get() + 1);
                    a - b
                },
                secs(len_s),
                None,
                None,
            )
            .unwrap();
        let out = ssc.collect(windowed);
        // 100 keys, each batch 400 pairs over them.
        let batch: Vec<(u32, i64)> = (0..400).map(|i| ((i * 7) % 100, 1)).collect();
        for _ in 0..len_s + 20 {
            queue.push(batch.clone());
        }
        ssc.run_batches(len_s);
        let _ = out.take();
        let (f0, i0) = (calls.get(), inv_calls.get());
        ssc.run_batches(20);
        let last = out.take();
        assert_eq!(
            last.last().unwrap().1.iter().map(|(_, n)| *n).sum::<i64>(),
            400 * len_s as i64
        );
        ((calls.get() - f0) / 20, (inv_calls.get() - i0) / 20)
    }
    let short = calls_per_slide(30);
    let long = calls_per_slide(3000);
    assert_eq!(
        short, long,
        "reduce/inverse calls per slide, 30 s vs 3000 s window"
    );
    assert!(short.0 > 0 && short.1 > 0);
}

/// A flood of distinct keys meets the key limit: state stays at the limit,
/// the least recently updated keys go, and every eviction is counted.
#[test]
fn the_key_limit_bounds_state_and_counts_evictions() {
    let mut ssc = StreamingContext::new(secs(1));
    ssc.set_max_keys(100);
    let (queue, keys) = ssc.queue_stream::<u32>();
    let (a, b) = keys.map(|k| (k, 1i64)).tee();
    let running = ssc.collect(a.update_state_by_key(|vs: Vec<i64>, old: Option<i64>| {
        Some(old.unwrap_or(0) + vs.len() as i64)
    }));
    let windowed = ssc.collect(
        b.reduce_by_key_and_window_inverse(|a, b| a + b, |a, b| a - b, secs(30), None, None)
            .unwrap(),
    );
    for batch in 0..10u32 {
        queue.push((batch * 50..batch * 50 + 50).collect()); // 50 new keys a batch
    }
    ssc.run_batches(10);
    let last = running.take().pop().unwrap().1;
    assert_eq!(last.len(), 100);
    assert!(last.iter().all(|(k, _)| *k >= 400), "the newest keys stay");
    assert_eq!(windowed.take().pop().unwrap().1.len(), 100);
    assert_eq!(
        ssc.evicted(),
        2 * 400,
        "400 keys evicted by each of the two operators"
    );
}
