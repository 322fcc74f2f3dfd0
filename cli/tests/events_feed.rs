//! The events feed as a client sees it: JSON records with the documented
//! fields, and counts that match its truth endpoint.

mod common;

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use common::{fetch_feed, get_json, start};
use serde_json::Value;

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_millis() as u64
}

#[tokio::test]
async fn records_are_json_lines_with_the_documented_fields() {
    let addr = start(None).await;
    let before = now_ms();
    let got = fetch_feed(addr, "/feed/events?rate=0&limit=2000&seed=9&from=10").await;
    let after = now_ms();
    assert_eq!(got.close_code, Some(1000));
    let records = got.records();
    assert_eq!(records.len(), 1990);
    for (i, line) in records.iter().enumerate() {
        let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}"));
        assert_eq!(v["seq"], (i + 10) as u64, "seq is the record index");
        let ts = v["ts"].as_u64().expect("ts");
        assert!((before..=after).contains(&ts), "ts {ts} is the send time");
        assert!(v["user"].as_str().expect("user").starts_with('u'));
        assert!(["info", "warn", "error"].contains(&v["level"].as_str().expect("level")));
        assert!(v["path"].as_str().expect("path").starts_with('/'));
        let latency = v["latency_ms"].as_f64().expect("latency_ms");
        assert!(latency > 0.0);
        assert_eq!((latency * 10.0).round() / 10.0, latency, "one decimal");
    }
}

#[tokio::test]
async fn truth_matches_the_records_sent() {
    let addr = start(None).await;
    let records = fetch_feed(addr, "/feed/events?rate=0&limit=3000&seed=4&frame=250")
        .await
        .records();
    let mut level: BTreeMap<String, u64> = BTreeMap::new();
    let mut path: BTreeMap<String, u64> = BTreeMap::new();
    for line in &records {
        let v: Value = serde_json::from_str(line).expect("JSON record");
        *level
            .entry(v["level"].as_str().expect("level").to_owned())
            .or_default() += 1;
        *path
            .entry(v["path"].as_str().expect("path").to_owned())
            .or_default() += 1;
    }
    let truth = get_json(addr, "/feed/events/truth?seed=4&limit=3000").await;
    assert_eq!(truth["records"], 3000);
    assert_eq!(serde_json::to_value(&level).expect("map"), truth["level"]);
    assert_eq!(serde_json::to_value(&path).expect("map"), truth["path"]);
    assert!(
        level["info"] > level["warn"] && level["warn"] > 0 && level["error"] > 0,
        "{level:?}"
    );
    assert!(path.len() >= 6, "{path:?}");
}

#[tokio::test]
async fn everything_but_ts_is_reproducible() {
    let addr = start(None).await;
    let strip = |records: Vec<String>| -> Vec<Value> {
        records
            .iter()
            .map(|line| {
                let mut v: Value = serde_json::from_str(line).expect("JSON record");
                v.as_object_mut().expect("an object").remove("ts");
                v
            })
            .collect()
    };
    let a = strip(
        fetch_feed(addr, "/feed/events?rate=0&limit=300&seed=2")
            .await
            .records(),
    );
    let b = strip(
        fetch_feed(addr, "/feed/events?rate=0&limit=300&seed=2&from=100")
            .await
            .records(),
    );
    assert_eq!(a[100..], b[..]);
}

/// `disorder`'s promise, checked by the engine itself on the records the
/// socket sends: cut into batches of any sizes, `event_window` over them
/// gives the truth's count for every window it closes, closes every
/// window the final watermark has passed, and drops exactly the
/// stragglers as late.
#[tokio::test]
async fn out_of_order_event_times_give_the_truths_windows_however_batches_are_cut() {
    use sparklet_engine::{Duration, Pipeline, Records};

    let addr = start(None).await;
    let feed = "disorder=2000&t0=1796292000000&seed=5&limit=40000";
    let records = fetch_feed(addr, &format!("/feed/events?rate=0&{feed}"))
        .await
        .records();
    assert_eq!(records.len(), 40_000);
    let truth = get_json(addr, &format!("/feed/events/truth?window=1000&{feed}")).await;
    let pipeline = "json | with_watermark .ts 2s | map (.path, 1) | event_window 1s count";
    let mut seed = 11u64;
    for cut in ["small", "large", "mixed"] {
        let mut p = Pipeline::new(pipeline, Duration::from_secs(1)).unwrap();
        let (mut at, mut late_rows, mut watermark) = (0, 0, 0);
        let mut emitted = Vec::new();
        while at < records.len() {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
            let size = match cut {
                "small" => 1 + (seed >> 60) as usize,
                "large" => 2000 + (seed >> 53) as usize % 1000,
                _ => 1 + (seed >> 52) as usize % 2999,
            };
            let end = (at + size).min(records.len());
            let batch: Records = records[at..end].iter().map(String::as_str).collect();
            at = end;
            for row in p.run(batch).unwrap_or_default() {
                let row = serde_json::to_value(&row).unwrap();
                emitted.push(serde_json::json!({
                    "start": row["window"]["start"], "end": row["window"]["end"],
                    "key": row["key"], "count": row["value"],
                }));
            }
            let figures = p.take_event_figures().unwrap();
            late_rows += figures.late_rows;
            watermark = figures.watermark_ms;
        }
        let want = common::truth_windows(truth["windows"].as_array().unwrap(), watermark);
        assert!(want.len() >= 8 * 30, "{cut}: {} windows closed", want.len());
        assert_eq!(common::truth_windows(&emitted, i64::MAX), want, "{cut}");
        assert_eq!(late_rows, truth["late_rows"].as_u64().unwrap(), "{cut}");
        assert!(late_rows > 200, "{cut}: {late_rows} stragglers");
    }
}
