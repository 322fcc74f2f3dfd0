//! Event time end to end: the page runs an `event_window` over the events
//! feed with `disorder`, in a real headless Chromium, and what it emits
//! equals the feed's truth for every window the watermark closed, with the
//! stragglers counted as late; the Event time view shows it. Needs
//! Chromium, chromedriver and `dist/`: `make e2e` runs it.

mod browser;
mod common;

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use browser::Browser;
use serde_json::Value;

type Windows = BTreeMap<(i64, String), i64>;

/// A browser on the dashboard running `pipeline` over
/// `/feed/events?{feed}`, with `more` URL parameters.
async fn open_events(
    addr: std::net::SocketAddr,
    feed: &str,
    pipeline: &str,
    more: &[(&str, &str)],
) -> Browser {
    let b = Browser::start().await;
    let feed = format!("ws://{addr}/feed/events?{feed}");
    let mut params = vec![("feed", feed.as_str()), ("pipeline", pipeline)];
    params.extend_from_slice(more);
    b.open(addr, &params).await;
    b
}

/// Every window row the page emitted, from each batch's output sample
/// (which must then hold the whole output).
fn emitted(batches: &[Value]) -> Windows {
    let mut out = Windows::new();
    for b in batches {
        let rows = b["output_rows"].as_u64().unwrap_or(0) as usize;
        let sample = b["output_sample"].as_array().unwrap();
        assert_eq!(
            sample.len(),
            rows,
            "batch {} emitted more rows than its sample",
            b["batch"]
        );
        for text in sample {
            let row: Value = serde_json::from_str(text.as_str().unwrap()).unwrap();
            let key = (
                row["window"]["start"].as_i64().unwrap(),
                row["key"].as_str().unwrap().to_owned(),
            );
            let fresh = out.insert(key.clone(), row["value"].as_i64().unwrap());
            assert!(fresh.is_none(), "append mode emitted {key:?} twice");
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, chromedriver and a built dist/: run by `make e2e`"]
async fn windows_over_out_of_order_events_equal_the_truth_and_stragglers_are_late() {
    let addr = common::start(Some(browser::dist())).await;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    // Event time starts now, so the watermark gap reads as it would live.
    let feed = format!(
        "seed=3&limit=50000&rate=5000&disorder=2000&t0={}",
        now * 1000
    );
    let pipeline = "json | with_watermark .ts 2s | map (.path, 1) | event_window 2s count";
    let b = open_events(
        addr,
        &feed,
        pipeline,
        &[("batch", "1s"), ("view", "event-time")],
    )
    .await;
    let stats = b
        .wait_for_stats(60, "the feed ends and every record is in a batch", |s| {
            s["state"] == "ended" && s["pending"] == 0 && s["records"] == 50000
        })
        .await;
    assert_eq!(
        (stats["malformed"].as_u64(), stats["dropped"].as_u64()),
        (Some(0), Some(0))
    );
    let truth = common::get_json(addr, &format!("/feed/events/truth?window=2000&{feed}")).await;
    let watermark = stats["watermark_ms"]
        .as_i64()
        .expect("stats() has the watermark");
    let want = common::truth_windows(truth["windows"].as_array().unwrap(), watermark);
    assert!(want.len() >= 8 * 3, "{} windows closed", want.len());
    assert_eq!(
        emitted(&b.batches().await),
        want,
        "windows the watermark closed"
    );
    let late_rows = truth["late_rows"].as_u64().unwrap();
    assert!(late_rows > 300, "{late_rows} stragglers");
    assert_eq!(
        stats["late_rows"].as_u64(),
        Some(late_rows),
        "every straggler is late"
    );
    // Stragglers share one window per path: Spark counts late groups.
    let late = stats["late"].as_u64().unwrap();
    assert!((1..late_rows).contains(&late), "late groups {late}");
    assert!(
        stats["state_rows"].as_u64().unwrap() >= 8,
        "the open windows are held"
    );
    eprintln!(
        "event time: {} (window, path) counts equal the truth; {late_rows} late rows, {late} late groups",
        want.len()
    );

    // The view says the same, each figure labelled for what it counts.
    let shown = b
        .wait_for_text("late-rows", &format_count(late_rows), 5)
        .await;
    assert_eq!(shown, format_count(late_rows));
    assert_eq!(b.text_of("late-groups").await, Some(format_count(late)));
    for chart in [
        "timeline-watermark-gap",
        "timeline-late",
        "timeline-state-rows",
        "lateness",
        "timeline-windows",
    ] {
        assert_eq!(
            b.count(&format!("[data-testid='{chart}']")).await,
            1,
            "{chart}"
        );
    }
    assert!(b.count("[data-testid='window-row']").await >= 1);
    let keys = b.text_of("window-keys").await.unwrap_or_default();
    assert!(keys.contains('/'), "the top paths are named: {keys}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    b.screenshot("event-time").await;
    b.client
        .execute(
            "document.querySelector(\"[data-testid='lateness']\").scrollIntoView();",
            vec![],
        )
        .await
        .expect("scroll to the lateness chart");
    b.screenshot("event-time-windows").await;
    b.click("tab-results").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    b.screenshot("event-time-results").await;
    b.close().await;
}

/// The page's count format: thousands separated by commas.
fn format_count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A reload mid-run: the checkpoint holds the watermark, the open windows
/// and the late totals, the feed resumes at its offset, and every window
/// emitted after the reload still equals the truth, with each straggler
/// counted late exactly once.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, chromedriver and a built dist/: run by `make e2e`"]
async fn a_reload_keeps_the_watermark_windows_and_late_counts() {
    let addr = common::start(Some(browser::dist())).await;
    let feed = "seed=8&limit=60000&rate=5000&disorder=1500&t0=1796292000000";
    let pipeline = "json | with_watermark .ts 1500ms | map (.path, 1) | event_window 2s count";
    let b = open_events(
        addr,
        feed,
        pipeline,
        &[("batch", "500ms"), ("checkpoint", "2")],
    )
    .await;
    let before = b
        .wait_for_stats(30, "a checkpoint after the first stragglers", |s| {
            s["checkpoints"].as_u64() >= Some(2)
                && s["late_rows"].as_u64() >= Some(20)
                && s["records"].as_u64() >= Some(25_000)
        })
        .await;
    assert!(
        before["records"].as_u64() < Some(60_000),
        "reloaded mid-run"
    );
    b.client
        .execute("location.reload(); return true;", vec![])
        .await
        .expect("reload");
    let stats = b
        .wait_for_stats(60, "the reloaded page finishes the run", |s| {
            s["restored_batches"].as_u64().is_some() && s["state"] == "ended" && s["pending"] == 0
        })
        .await;
    assert!(
        stats["records"].as_u64() < Some(60_000),
        "the feed was not started over"
    );
    let truth = common::get_json(addr, &format!("/feed/events/truth?window=2000&{feed}")).await;
    assert_eq!(
        stats["late_rows"].as_u64(),
        truth["late_rows"].as_u64(),
        "every straggler late once, across the reload"
    );
    let after = emitted(&b.batches().await);
    assert!(
        after.len() >= 8 * 2,
        "{} windows emitted after the reload",
        after.len()
    );
    let all = common::truth_windows(truth["windows"].as_array().unwrap(), i64::MAX);
    for (window, count) in &after {
        assert_eq!(
            all.get(window),
            Some(count),
            "window {window:?} after the reload"
        );
    }
    let watermark = stats["watermark_ms"].as_i64().unwrap();
    assert_eq!(
        after.keys().last().map(|w| w.0 + 2000 <= watermark),
        Some(true),
        "the last window emitted is one the watermark closed"
    );
    b.close().await;
}

/// `session_window` in the page: sessions of each user's requests, each
/// at least the gap long, emitted once the watermark passes their end,
/// and the stragglers late here too.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, chromedriver and a built dist/: run by `make e2e`"]
async fn session_windows_run_in_the_page() {
    let addr = common::start(Some(browser::dist())).await;
    let feed = "seed=4&limit=30000&rate=5000&disorder=1000&t0=1796292000000";
    let pipeline = "json | with_watermark .ts 1s | map (.user, 1) | session_window 500ms count";
    let b = open_events(addr, feed, pipeline, &[("batch", "1s")]).await;
    let stats = b
        .wait_for_stats(60, "the feed ends and every record is in a batch", |s| {
            s["state"] == "ended" && s["pending"] == 0 && s["records"] == 30000
        })
        .await;
    let truth = common::get_json(addr, &format!("/feed/events/truth?window=1000&{feed}")).await;
    assert_eq!(stats["late_rows"].as_u64(), truth["late_rows"].as_u64());
    let watermark = stats["watermark_ms"].as_i64().unwrap();
    let mut sessions = 0;
    for batch in b.batches().await {
        for text in batch["output_sample"].as_array().unwrap() {
            let row: Value = serde_json::from_str(text.as_str().unwrap()).unwrap();
            let (start, end) = (
                row["window"]["start"].as_i64().unwrap(),
                row["window"]["end"].as_i64().unwrap(),
            );
            assert!(end - start >= 500, "a session is at least the gap: {row}");
            assert!(
                end <= watermark,
                "emitted once the watermark passed its end: {row}"
            );
            assert!(row["key"].as_str().unwrap().starts_with('u'), "{row}");
            assert!(row["value"].as_i64().unwrap() >= 1, "{row}");
            sessions += 1;
        }
    }
    assert!(sessions > 100, "{sessions} sessions seen");
    b.close().await;
}
