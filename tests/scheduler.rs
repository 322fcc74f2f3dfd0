//! The batch scheduler on real timers, alone in its own browser page so
//! no other test's work delays its timers: batch k has time k * interval,
//! batches are never cut early or skipped, and every received record is in
//! exactly one batch.

#![cfg(target_arch = "wasm32")]

mod common;

use sparklet_engine::Clock;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn batches_are_cut_at_exact_multiples_of_the_interval_and_keep_every_record() {
    let feed = common::feed("/feed/words?rate=3000&seed=11");
    let run = common::start(common::settings(feed, "split | count", 100)).unwrap();
    common::sleep(1500).await;
    let r = run.rt.borrow();
    let elapsed = r.clock.now_ms() - r.jobs.batches.start_ms;
    let infos: Vec<_> = run
        .listener
        .borrow()
        .batches()
        .iter()
        .map(|b| b.info.clone())
        .collect();
    // Never early; at most the batch whose timer is about to fire is missing.
    let due = (elapsed / 100.0).floor() as usize;
    assert!(
        infos.len() == due || infos.len() + 1 == due,
        "{} batches in {elapsed:.0} ms of 100 ms batches",
        infos.len()
    );
    for (i, b) in infos.iter().enumerate() {
        assert_eq!(b.batch, i as u64 + 1);
        assert_eq!(
            b.time_ms,
            (i as u64 + 1) * 100,
            "batch k has time k * interval"
        );
        assert!(b.scheduling_delay_ms >= 0.0 && b.processing_ms >= 0.0);
        assert_eq!(b.total_delay_ms, b.scheduling_delay_ms + b.processing_ms);
    }
    let in_batches: u64 = infos.iter().map(|b| b.records).sum();
    let received = r.input.pending.counters().records;
    assert!(
        received > 1000,
        "the feed sent {received} records in 1.5 s at 3000/s"
    );
    assert_eq!(
        in_batches + r.pending_records() as u64,
        received,
        "none lost, none twice"
    );
}
