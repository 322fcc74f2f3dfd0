//! The page's stream end to end inside the browser: real socket, real
//! timers. Batch times are exact multiples of the interval, no record is
//! lost or counted twice, and bad feed URLs become visible states.

#![cfg(target_arch = "wasm32")]

mod common;

use std::collections::BTreeMap;

use sparklet_dashboard::ranking::number_pair;
use sparklet_dashboard::runtime::ConnState;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn the_word_count_state_equals_the_feeds_truth() {
    let feed = common::feed("/feed/words?rate=0&limit=30000&seed=5");
    let pipeline = "split | count_by_value | update_state_by_key sum";
    let run = common::start(common::settings(feed, pipeline, 200)).unwrap();
    let done = common::until(30_000, || {
        let r = run.rt.borrow();
        matches!(r.supervisor.conn, ConnState::Ended(_))
            && r.pending_records() == 0
            && run.listener.borrow().total_records() == 30_000
    })
    .await;
    assert!(done, "the feed did not end and drain in time");
    let truth = common::truth("seed=5&limit=30000").await;
    let listener = run.listener.borrow();
    let (_, output) = listener.latest_output().expect("an output");
    let got: BTreeMap<String, i64> = output
        .iter()
        .map(|p| {
            let (k, v) = p.as_pair().expect("pairs");
            (k.as_str().unwrap().to_string(), v.as_f64().unwrap() as i64)
        })
        .collect();
    assert_eq!(got, truth);
    // Keyed output in hash order was ranked once, where the page got it.
    let ranked = output.windows(2).all(|w| {
        let (ka, va) = number_pair(&w[0]);
        let (kb, vb) = number_pair(&w[1]);
        va > vb || (va == vb && ka.total_cmp(kb).is_lt())
    });
    assert!(ranked, "largest first, ties by key");
}

#[wasm_bindgen_test]
async fn unreachable_feeds_are_retried_and_malformed_urls_are_closed_with_reasons() {
    let rt = common::start(common::settings(
        "ws://127.0.0.1:9/nothing".into(),
        "count",
        100,
    ))
    .unwrap()
    .rt;
    let retrying = common::until(10_000, || {
        matches!(rt.borrow().supervisor.conn, ConnState::Reconnecting { .. })
    })
    .await;
    assert!(retrying, "an unreachable feed is retried");
    let ConnState::Reconnecting {
        reason,
        retry_at_wall_ms,
    } = rt.borrow().supervisor.conn.clone()
    else {
        unreachable!()
    };
    assert!(reason.contains("could not connect"), "{reason}");
    let wait = retry_at_wall_ms - js_sys::Date::now();
    assert!(
        wait > 0.0 && wait <= 1000.0,
        "the first retry is within the first backoff: {wait} ms"
    );

    let rt = common::start(common::settings(
        "ftp://example.com/feed".into(),
        "count",
        100,
    ))
    .unwrap()
    .rt;
    let ConnState::Closed(reason) = rt.borrow().supervisor.conn.clone() else {
        panic!("ftp is not a feed")
    };
    assert!(
        reason.contains("must be a WebSocket URL (ws://, wss://) or an HTTP one"),
        "{reason}"
    );

    let run = common::start(common::settings("not a url".into(), "count", 100)).unwrap();
    let rt = &run.rt;
    let ConnState::Closed(reason) = rt.borrow().supervisor.conn.clone() else {
        panic!("not a URL")
    };
    assert!(reason.contains("is not a URL"), "{reason}");
    // The stream itself keeps running (empty batches), as Spark's would.
    common::sleep(350).await;
    assert!(run.listener.borrow().total_batches() >= 2);
}

#[wasm_bindgen_test]
fn a_pipeline_that_cannot_run_is_refused_with_its_stage() {
    let Err(e) = common::start(common::settings(
        "ws://127.0.0.1:9/".into(),
        "split | windw 2s",
        1000,
    )) else {
        panic!("refused");
    };
    assert_eq!(
        e.to_string(),
        "stage 2 `windw`, column 9: unknown operator; did you mean `window`?"
    );
}
