//! State stays bounded whatever a link or a feed asks for: windows longer
//! than the bound are refused, every stateful stage keeps at most
//! `max_keys` keys (records, for `window`) and its share of the state
//! budget, and what eviction leaves is still right as far as it goes:
//! never more than a naive recompute, never below zero.

mod common;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use std::collections::HashMap;

use common::{ms, Rng, STATEFUL};
use sparklet_engine::dstream::MAX_WINDOW_BATCHES;
use sparklet_engine::{Pipeline, Value};

/// Batches of `per_batch` pairs whose keys are all new: a key flood.
fn flood(batches: usize, per_batch: usize) -> Vec<Vec<Value>> {
    (0..batches)
        .map(|b| {
            (0..per_batch)
                .map(|i| Value::pair(Value::str(&format!("k{b}_{i}")), Value::Int(1)))
                .collect()
        })
        .collect()
}

/// The records a batch's output holds: pairs and items of groups count one
/// each, so a window of records and a table of keys compare alike.
fn held(output: &[Value]) -> usize {
    output
        .iter()
        .map(|v| match v.as_pair() {
            Some((_, Value::List(items))) => items.len(),
            _ => 1,
        })
        .sum()
}

#[test]
fn a_window_over_more_batches_than_the_bound_is_refused_naming_it() {
    let e = Pipeline::new("split | window 100h", ms(100))
        .err()
        .expect("refused");
    let msg = e.to_string();
    assert!(msg.contains("covers 3600000 batches of 100ms"), "{msg}");
    assert!(msg.contains("stage 2 `window`"), "{msg}");
    assert!(msg.contains(&MAX_WINDOW_BATCHES.to_string()), "{msg}");
    assert!(msg.contains("at most 1000s"), "{msg}");
    // The bound itself is accepted, one batch more is not, for every window.
    for stage in [
        "window",
        "count_by_window",
        "count_by_value_and_window",
        "group_by_key_and_window",
    ] {
        let at = format!("{stage} 1000s");
        assert!(Pipeline::new(&at, ms(100)).is_ok(), "{at}");
        let over = format!("{stage} 1000100ms");
        let e = Pipeline::new(&over, ms(100)).err().expect("refused");
        assert!(e.to_string().contains("10001 batches"), "{over}: {e}");
    }
    let e = Pipeline::new("reduce_by_key_and_window sum 2000s 200ms inverse", ms(100))
        .err()
        .expect("refused");
    assert!(e.to_string().contains("20000 batches"), "{e}");
}

#[test]
fn every_stateful_stage_holds_at_most_max_keys_through_a_flood() {
    let batches = flood(60, 25);
    for text in STATEFUL {
        let mut p = Pipeline::new(text, ms(1000)).unwrap();
        p.set_max_keys(7);
        let mut sizes = Vec::new();
        for b in &batches {
            if let Some(out) = p.run_values(b.clone()) {
                assert!(held(&out) <= 7, "{text}: {} held", held(&out));
            }
            sizes.push(p.state_bytes());
        }
        let windowed_reduce = text.contains("reduce_by_window") || text.contains("count_by_window");
        if !windowed_reduce {
            assert!(p.evicted() > 0, "{text}: nothing evicted");
        }
        // The state stops growing once the limit is reached.
        let most = |from: usize, to: usize| sizes[from..to].iter().copied().max().unwrap_or(0);
        let (middle, end) = (most(20, 40), most(40, 60));
        assert!(
            end <= middle + middle / 4,
            "{text}: {middle} -> {end} bytes"
        );
    }
}

/// Per key, its count in the window `(t - len, t]` of 1 s batches.
fn naive_counts(batches: &[Vec<Value>], upto: usize, len: usize) -> HashMap<String, i64> {
    let mut counts = HashMap::new();
    for b in &batches[(upto + 1).saturating_sub(len)..=upto] {
        for v in b {
            *counts.entry(v.to_string()).or_default() += 1;
        }
    }
    counts
}

#[test]
fn evicted_keys_leave_no_trace_a_window_can_later_subtract() {
    // Keys come back after eviction; the panes that held them before must
    // not take their old values away again when they leave.
    let mut rng = Rng::new(41);
    let batches: Vec<Vec<Value>> = (0..300)
        .map(|_| {
            (0..rng.below(12))
                .map(|_| Value::str(&format!("w{}", rng.below(30))))
                .collect()
        })
        .collect();
    for max_keys in [3, 5, 12] {
        let mut p = Pipeline::new("count_by_value_and_window 5s", ms(1000)).unwrap();
        p.set_max_keys(max_keys);
        for (i, b) in batches.iter().enumerate() {
            let out = p.run_values(b.clone()).expect("emits every batch");
            assert!(out.len() <= max_keys, "batch {i}: {} keys", out.len());
            let naive = naive_counts(&batches, i, 5);
            for v in out {
                let (k, n) = v.as_pair().expect("a pair");
                let n = n.as_f64().expect("a count") as i64;
                let most = naive.get(&k.to_string()).copied().unwrap_or(0);
                assert!(
                    (1..=most).contains(&n),
                    "batch {i}, max_keys {max_keys}: {k} counted {n}, the window has {most}"
                );
            }
        }
        assert!(p.evicted() > 0);
    }
}

#[test]
fn state_over_its_budget_lets_its_oldest_batches_go() {
    // Long records in a window, and long keys in an incremental window:
    // either way the state stays near its budget, whatever the flood.
    let long = |i: usize| Value::str(&format!("{i:06}{}", "x".repeat(10_000)));
    let batches: Vec<Vec<Value>> = (0..60)
        .map(|b| (0..10).map(|i| long(b * 10 + i)).collect())
        .collect();
    for text in ["window 30s", "count_by_value_and_window 30s"] {
        let mut p = Pipeline::new(text, ms(1000)).unwrap();
        p.set_state_budget(256 << 10);
        for b in &batches {
            let out = p.run_values(b.clone()).expect("emits");
            if text.starts_with("count") {
                assert!(out.iter().all(|v| v.as_pair().unwrap().1 == &Value::Int(1)));
            }
            // One batch of 100 KB always stays; the rest fits the budget.
            assert!(
                p.state_bytes() < (256 << 10) + 150_000,
                "{text}: {}",
                p.state_bytes()
            );
        }
        assert!(p.evicted() > 0, "{text}");
    }
}

/// Every number in a JSON value set to `n`, every string to `s`.
fn tamper(j: &mut serde_json::Value, n: &serde_json::Value, s: &str) {
    match j {
        serde_json::Value::Number(_) => *j = n.clone(),
        serde_json::Value::String(_) => *j = s.into(),
        serde_json::Value::Array(items) => items.iter_mut().for_each(|i| tamper(i, n, s)),
        serde_json::Value::Object(m) => m.values_mut().for_each(|v| tamper(v, n, s)),
        _ => {}
    }
}

#[test]
fn a_tampered_checkpoint_is_refused_and_changes_nothing() {
    let batches = common::pair_batches(8, 12, 10, 20);
    for text in STATEFUL {
        let mut original = Pipeline::new(text, ms(1000)).unwrap();
        for b in &batches[..8] {
            original.run_values(b.clone());
        }
        let saved: serde_json::Value = serde_json::from_str(&original.checkpoint()).unwrap();
        let max = serde_json::json!(u64::MAX);
        let mut damaged = Vec::new();
        for (number, string) in [(&max, "\u{1}garbled\"}"), (&serde_json::json!(-1), "")] {
            let mut all = saved.clone();
            tamper(&mut all, number, string);
            damaged.push(("every number and string", all));
            let mut states = saved.clone();
            tamper(&mut states["states"], number, string);
            damaged.push(("every number and string of the states", states));
        }
        let mut huge = saved.clone();
        huge["batches_run"] = max.clone();
        damaged.push(("a batch count that overflows", huge));
        let empty = saved["states"][0].as_array().is_some_and(Vec::is_empty);
        if !empty {
            let mut future = saved.clone();
            future["batches_run"] = serde_json::json!(2);
            damaged.push(("state after the last batch", future));
        }
        let mut reversed = saved.clone();
        reverse_panes(&mut reversed["states"][0]);
        damaged.push(("panes out of order", reversed));
        let mut twice = saved.clone();
        duplicate_keys(&mut twice["states"][0]);
        damaged.push(("a key saved twice", twice));
        for (what, j) in damaged {
            if j == saved {
                continue; // This state has nothing of that kind.
            }
            let mut fresh = Pipeline::new(text, ms(1000)).unwrap();
            let err = fresh.restore(&j.to_string());
            assert!(err.is_err(), "{text}: {what} was restored");
            assert_eq!(fresh.batches_run(), 0, "{text}: {what}");
            assert!(
                fresh.state_bytes() < 4096,
                "{text}: {what} left state behind"
            );
            fresh.run_values(batches[8].clone());
            assert_eq!(fresh.batches_run(), 1);
        }
    }
}

/// Reverses the panes of a saved window (a list of `[t, pane]`, or an
/// incremental window's `panes`), if it has two or more.
fn reverse_panes(state: &mut serde_json::Value) {
    let panes = match state.get_mut("panes") {
        Some(p) => p,
        None => state,
    };
    if let Some(list) = panes.as_array_mut() {
        if list.len() > 1 && list.iter().all(|p| p.get(0).is_some_and(|t| t.is_u64())) {
            list.reverse();
        }
    }
}

/// Saves a keyed state's first entry twice.
fn duplicate_keys(state: &mut serde_json::Value) {
    let list = match state.get_mut("keys") {
        Some(keys) => keys,
        None => state,
    };
    if let Some(list) = list.as_array_mut() {
        let keyed = list
            .first()
            .is_some_and(|e| e.get(0).is_some_and(|k| !k.is_u64()));
        if keyed
            || list
                .first()
                .is_some_and(|e| e.get(1).is_some_and(|k| !k.is_array()))
        {
            let first = list[0].clone();
            list.push(first);
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn a_checkpoint_over_the_size_cap_is_refused_before_it_is_parsed() {
    let mut p = Pipeline::new("update_state_by_key sum", ms(1000)).unwrap();
    let saved = p.checkpoint();
    let padded = format!(
        "{}{}",
        " ".repeat(sparklet_engine::checkpoint::MAX_CHECKPOINT_BYTES),
        saved
    );
    let e = p.restore(&padded).unwrap_err().to_string();
    assert!(e.contains("MiB"), "{e}");
}

#[test]
fn a_checkpoint_cannot_hold_more_than_its_state_could() {
    // A window pane of two million records, where the key limit is 1,000:
    // refused at the 1,001st, before the rest is read.
    let mut p = Pipeline::new("window 3s", ms(1000)).unwrap();
    p.set_max_keys(1_000);
    p.run_values(vec![Value::Int(1)]);
    let saved: serde_json::Value = serde_json::from_str(&p.checkpoint()).unwrap();
    let mut flooded = saved.clone();
    flooded["states"][0][0][1] = serde_json::json!(vec![0; 2_000_000]);
    let mut fresh = Pipeline::new("window 3s", ms(1000)).unwrap();
    fresh.set_max_keys(1_000);
    let e = fresh.restore(&flooded.to_string()).unwrap_err().to_string();
    assert!(e.contains("more than 1000 items"), "{e}");
    // More panes than the window reaches back over.
    let mut many = saved.clone();
    many["batches_run"] = serde_json::json!(100);
    many["states"][0] = (1..=100)
        .map(|t| serde_json::json!([t * 1000, [t]]))
        .collect();
    let e = fresh.restore(&many.to_string()).unwrap_err().to_string();
    assert!(e.contains("panes"), "{e}");
    // A state over its share of the budget where it is restored.
    let mut big = Pipeline::new("update_state_by_key sum", ms(1000)).unwrap();
    big.run_values(flood(1, 5_000).remove(0));
    let mut small = Pipeline::new("update_state_by_key sum", ms(1000)).unwrap();
    small.set_state_budget(64 << 10);
    let e = small.restore(&big.checkpoint()).unwrap_err().to_string();
    assert!(e.contains("state budget"), "{e}");
    assert_eq!(small.batches_run(), 0);
}
