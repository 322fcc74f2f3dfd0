//! Checkpoints: a pipeline saved after some batches and restored into a
//! fresh copy of itself gives, from then on, exactly what the original
//! gives, for every stateful stage of the language.

mod common;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use sparklet_engine::{Duration, Pipeline, Value};

use common::STATEFUL;

#[test]
fn a_restored_pipeline_continues_exactly_as_the_original() {
    for vocab in [9, 300] {
        continues_exactly(common::pair_batches(5, 30, 12, vocab));
    }
}

fn continues_exactly(batches: Vec<Vec<Value>>) {
    for text in STATEFUL {
        let mut original = Pipeline::new(text, Duration::from_secs(1)).unwrap();
        for b in &batches[..14] {
            original.run_values(b.clone());
        }
        // Text, as it goes to IndexedDB and back.
        let saved = original.checkpoint();
        let mut restored = Pipeline::new(text, Duration::from_secs(1)).unwrap();
        restored
            .restore(&saved)
            .unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(restored.batches_run(), 14);
        for b in &batches[14..] {
            // Keyed output comes in hash order, which a restored map need
            // not share: compare in key order.
            let sorted = |o: Option<Vec<Value>>| {
                o.map(|mut v| {
                    v.sort_by(|a, b| a.total_cmp(b));
                    v
                })
            };
            let a = sorted(original.run_values(b.clone()));
            assert_eq!(
                a,
                sorted(restored.run_values(b.clone())),
                "{text} after restore"
            );
        }
    }
}

#[test]
fn values_keep_their_kind_through_a_checkpoint() {
    let odd =
        Value::from_json(serde_json::json!({"a": [1, 2.0, [3, "x"], {"b": null}], "c": true}));
    let list_of_two = Value::List(vec![Value::Int(1), Value::Float(1.0)]);
    let mut p = Pipeline::new("map . | window 2s", Duration::from_secs(1)).unwrap();
    p.run_values(vec![
        odd.clone(),
        list_of_two.clone(),
        Value::Float(f64::INFINITY),
    ]);
    let saved = p.checkpoint();
    let mut q = Pipeline::new("map . | window 2s", Duration::from_secs(1)).unwrap();
    q.restore(&saved).unwrap();
    let out = q.run_values(vec![]).unwrap();
    assert_eq!(out[0], odd);
    assert_eq!(
        out[1], list_of_two,
        "a list of two stays a list, its float a float"
    );
    assert!(matches!(out[2], Value::Float(f) if f.is_infinite()));
}

#[test]
fn a_checkpoint_of_another_pipeline_is_refused_and_changes_nothing() {
    let mut a = Pipeline::new("update_state_by_key sum", Duration::from_secs(1)).unwrap();
    a.run_values(vec![Value::from(("k", 1i64))]);
    let saved = a.checkpoint();
    let mut other = Pipeline::new("update_state_by_key max", Duration::from_secs(1)).unwrap();
    assert!(other
        .restore(&saved)
        .unwrap_err()
        .to_string()
        .contains("another pipeline"));
    let mut slower = Pipeline::new("update_state_by_key sum", Duration::from_secs(2)).unwrap();
    assert!(slower.restore(&saved).is_err());
    let mut same = Pipeline::new("update_state_by_key sum", Duration::from_secs(1)).unwrap();
    let mut broken: serde_json::Value = serde_json::from_str(&saved).unwrap();
    broken["states"][0] = serde_json::json!([["k", "not a pair"]]);
    assert!(same.restore(&broken.to_string()).is_err());
    assert!(same
        .restore("{\"version\": 1}")
        .unwrap_err()
        .to_string()
        .contains("another version"));
    assert!(same
        .restore("not json")
        .unwrap_err()
        .to_string()
        .contains("not JSON"));
    assert_eq!(same.batches_run(), 0, "nothing changed");
    same.restore(&saved).unwrap();
    assert_eq!(
        same.run_values(vec![]).unwrap(),
        vec![Value::from(("k", 1i64))]
    );
}

#[test]
fn parts_written_later_give_the_checkpoint_as_it_was_when_taken() {
    let batches = common::pair_batches(8, 30, 12, 300);
    for text in STATEFUL {
        let mut p = Pipeline::new(text, Duration::from_secs(1)).unwrap();
        for b in &batches[..12] {
            p.run_values(b.clone());
        }
        let when_taken = p.checkpoint();
        let parts = p.checkpoint_parts();
        // Panes expire, keys go and their numbers are reused, state moves.
        for b in &batches[12..] {
            p.run_values(b.clone());
        }
        let mut written = String::new();
        for part in parts {
            part(&mut written);
        }
        assert_eq!(written, when_taken, "{text}");
        assert_ne!(p.checkpoint(), when_taken, "{text}: the state moved on");
    }
}

#[test]
fn key_numbers_are_looked_up_not_trusted() {
    let text = "map .0 | count_by_value_and_window 3s";
    let batches = common::pair_batches(3, 10, 12, 40);
    let mut original = Pipeline::new(text, Duration::from_secs(1)).unwrap();
    for b in &batches[..5] {
        original.run_values(b.clone());
    }
    let mut saved: serde_json::Value = serde_json::from_str(&original.checkpoint()).unwrap();
    // Every key number moved near the top of u32, consistently.
    let far = |id: &serde_json::Value| serde_json::json!(id.as_u64().unwrap() + 4_000_000_000);
    let window = &mut saved["states"][0];
    for entry in window["keys"].as_array_mut().unwrap() {
        entry[0] = far(&entry[0]);
    }
    for entry in window["state"].as_array_mut().unwrap() {
        entry[0] = far(&entry[0]);
    }
    for pane in window["panes"].as_array_mut().unwrap() {
        for id in pane[1][0].as_array_mut().unwrap() {
            *id = far(id);
        }
    }
    let mut restored = Pipeline::new(text, Duration::from_secs(1)).unwrap();
    restored.restore(&saved.to_string()).unwrap();
    let sorted = |o: Option<Vec<Value>>| {
        o.map(|mut v| {
            v.sort_by(|a, b| a.total_cmp(b));
            v
        })
    };
    for b in &batches[5..] {
        assert_eq!(
            sorted(original.run_values(b.clone())),
            sorted(restored.run_values(b.clone()))
        );
    }
    // A number that names no key is refused, and nothing changes.
    saved["states"][0]["state"][0][0] = serde_json::json!(7);
    let mut fresh = Pipeline::new(text, Duration::from_secs(1)).unwrap();
    assert!(fresh
        .restore(&saved.to_string())
        .unwrap_err()
        .to_string()
        .contains("key numbers"));
    assert_eq!(fresh.batches_run(), 0);
}

/// Checkpoints of every stateful stage as version 2 wrote them before
/// each operator owned its codec (`fixtures/checkpoints_v2.json`, after
/// six batches of `pair_batches(21, _, 5, 12)`, natively): the same run
/// writes the same text today, and the saved text restores and goes on as
/// a run never interrupted. If the text changes, the format changed: bump
/// `CHECKPOINT_VERSION`.
#[test]
fn checkpoints_of_version_2_read_and_write_as_before() {
    let fixtures: std::collections::BTreeMap<String, String> =
        serde_json::from_str(include_str!("fixtures/checkpoints_v2.json")).unwrap();
    let batches = common::pair_batches(21, 10, 5, 12);
    let odd = vec![
        vec![
            Value::from_json(serde_json::json!({"a": [1, 2.0, [3, "x"], {"b": null}], "c": true})),
            Value::List(vec![Value::Int(1), Value::Float(1.0)]),
            Value::pair(Value::str("k\n\"q\""), Value::Float(f64::NAN)),
            Value::Float(f64::NEG_INFINITY),
        ],
        vec![Value::Float(0.1), Value::Null],
        vec![],
        vec![],
    ];
    for (text, saved) in &fixtures {
        let (batches, ran) = match text.as_str() {
            "map . | window 3s" => (&odd, 2),
            _ => (&batches, 6),
        };
        let mut uninterrupted = Pipeline::new(text, Duration::from_secs(1)).unwrap();
        for b in &batches[..ran] {
            uninterrupted.run_values(b.clone());
        }
        // Keyed state is written in hash order, which differs on 32-bit
        // wasm: the text is compared where the fixture was made.
        #[cfg(target_pointer_width = "64")]
        assert_eq!(&uninterrupted.checkpoint(), saved, "{text}: the text");
        let mut restored = Pipeline::new(text, Duration::from_secs(1)).unwrap();
        restored
            .restore(saved)
            .unwrap_or_else(|e| panic!("{text}: {e}"));
        for b in &batches[ran..] {
            // Compared as text: NaN is not equal to itself.
            let show = |o: Option<Vec<Value>>| {
                o.map(|mut v| {
                    v.sort_by(|a, b| a.total_cmp(b));
                    format!("{v:?}")
                })
            };
            assert_eq!(
                show(restored.run_values(b.clone())),
                show(uninterrupted.run_values(b.clone())),
                "{text} after restore"
            );
        }
    }
    assert_eq!(fixtures.len(), STATEFUL.len() + 1, "every stateful stage");
}
