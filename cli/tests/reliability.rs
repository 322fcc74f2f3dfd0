//! Reliability, end to end in a real headless Chromium: the feed server is
//! killed mid-run and started again, a feed that cannot resume drops, the
//! page's timers are stalled or the page frozen, the page is reloaded; the
//! totals still equal the feed's truth exactly, or the loss is shown.

mod browser;
mod common;
mod feeds;

use std::time::Duration;

use browser::{counts, Browser};
use feeds::{feed_process, free_port};

/// A `sparklet feed` on its own port (not the server that served the
/// page), killed mid-run and restarted, with the dashboard's default
/// settings: the page learns from the feed's hello that it resumes, and
/// the totals equal `/truth`.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, chromedriver and a built dist/: run by `make e2e`"]
async fn killing_and_restarting_the_feed_loses_nothing_and_counts_nothing_twice() {
    let addr = common::start(Some(browser::dist())).await;
    let port = free_port();
    let mut feed = feed_process(port);
    let url = format!("ws://127.0.0.1:{port}/feed/words?rate=50000&limit=200000&seed=9");
    let pipeline = "split | count_by_value | update_state_by_key sum";
    let b = Browser::start().await;
    b.open(addr, &[("feed", &url), ("pipeline", pipeline)])
        .await;
    b.wait_for_stats(30, "part of the run is in", |s| {
        s["records"].as_u64() >= Some(40_000)
    })
    .await;
    feed.kill();
    let down = b
        .wait_for_stats(10, "the page sees the drop", |s| {
            s["state"] == "reconnecting"
        })
        .await;
    let before = down["records"].as_u64().unwrap();
    assert!(before < 200_000, "killed mid-run, at {before}");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let _feed = feed_process(port);
    let stats = b
        .wait_for_stats(60, "the run finishes after the restart", |s| {
            s["state"] == "ended" && s["pending"] == 0 && s["records"].as_u64() >= Some(200_000)
        })
        .await;
    let (_, truth) = common::get(
        ([127, 0, 0, 1], port).into(),
        "/feed/words/truth?seed=9&limit=200000",
    )
    .await;
    let truth = counts(&serde_json::from_str(&truth).unwrap());
    eprintln!(
        "killed at {before} records; reconnects {}; records {}",
        stats["reconnects"], stats["records"]
    );
    assert_eq!(stats["records"], 200_000, "nothing lost, nothing twice");
    assert_eq!(stats["feed_resumes"], true, "the feed said so in its hello");
    assert!(stats["reconnects"].as_u64() >= Some(1));
    assert_eq!(stats["gaps"], 0);
    assert_eq!(stats["dropped"], 0);
    assert_eq!(
        counts(&stats["output"]),
        truth,
        "totals equal /truth exactly"
    );
    b.close().await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, chromedriver and a built dist/: run by `make e2e`"]
async fn a_feed_that_cannot_resume_leaves_a_visible_gap() {
    let addr = common::start(Some(browser::dist())).await;
    let port = free_port();
    let mut feed = feed_process(port);
    let url = format!("ws://127.0.0.1:{port}/feed/words?rate=2000&seed=3");
    let b = Browser::start().await;
    b.open(addr, &[("feed", &url), ("batch", "500ms"), ("resume", "0")])
        .await;
    b.wait_for_stats(10, "the feed is live", |s| {
        s["state"] == "live" && s["records"].as_u64() >= Some(500)
    })
    .await;
    feed.kill();
    b.wait_for_text("conn-state", "reconnecting in", 10).await;
    b.screenshot("reconnecting").await;
    let _feed = feed_process(port);
    let stats = b
        .wait_for_stats(30, "back after the restart", |s| {
            s["state"] == "live" && s["reconnects"] == 1
        })
        .await;
    assert_eq!(stats["resume"], false);
    assert_eq!(stats["gaps"], 1);
    b.click("tab-errors").await;
    let gaps = b.wait_for_text("gaps", "no connection for", 5).await;
    assert!(gaps.contains("records sent then are missing"), "{gaps}");
    b.screenshot("gap").await;
    b.close().await;
}

/// A feed that is not ours and says nothing about resuming drops once:
/// by default the page does not ask it for `from=`, and records the gap.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, chromedriver and a built dist/: run by `make e2e`"]
async fn a_feed_without_a_hello_leaves_a_visible_gap_by_default() {
    use futures_util::SinkExt;
    use tokio_tungstenite::tungstenite::Message;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let feed = format!("ws://{}/", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        for connection in 0.. {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let mut ws = tokio_tungstenite::accept_async(tcp).await.expect("upgrade");
            for i in 0..20 {
                let frame = format!("c{connection} r{i} spark\nc{connection} stream");
                if ws.send(Message::text(frame)).await.is_err() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            if connection > 0 {
                tokio::time::sleep(Duration::from_secs(120)).await;
            }
            // The first connection ends without a close frame, as a crash.
            drop(ws);
        }
    });
    let addr = common::start(Some(browser::dist())).await;
    let b = Browser::start().await;
    b.open(addr, &[("feed", &feed), ("batch", "200ms")]).await;
    let stats = b
        .wait_for_stats(30, "back after the drop", |s| {
            s["reconnects"] == 1 && s["state"] == "live" && s["records"].as_u64() > Some(40)
        })
        .await;
    assert_eq!(stats["feed_resumes"], false);
    assert_eq!(stats["resume"], false);
    assert_eq!(stats["gaps"], 1, "{stats:#}");
    b.close().await;
}

/// How an interruption should show in the batches' scheduling delays.
enum Late {
    /// At least five batches start over a second late.
    AtLeastFive,
    /// None does.
    None,
}

/// A word count run of 120,000 records in 200 ms batches, interrupted by
/// `interrupt` once under way: afterwards every batch has its true time
/// (k * 200 ms), every record is in exactly one batch, the late batches
/// are as `late` says, and the totals equal `/truth`.
async fn exact_through(seed: u64, expect: Late, interrupt: impl AsyncFnOnce(&Browser)) {
    let addr = common::start(Some(browser::dist())).await;
    let feed = format!("ws://{addr}/feed/words?rate=20000&limit=120000&seed={seed}");
    let pipeline = "split | count_by_value | update_state_by_key sum";
    let b = Browser::start().await;
    b.open(
        addr,
        &[("feed", &feed), ("pipeline", pipeline), ("batch", "200ms")],
    )
    .await;
    b.wait_for_stats(20, "the run is under way", |s| {
        s["records"].as_u64() >= Some(20_000)
    })
    .await;
    interrupt(&b).await;
    let stats = b
        .wait_for_stats(60, "the run ends and drains", |s| {
            s["state"] == "ended" && s["pending"] == 0 && s["records"] == 120_000
        })
        .await;
    let batches = b
        .client
        .execute("return window.sparklet.batches();", vec![])
        .await
        .expect("batches");
    let batches = batches.as_array().expect("a list");
    for (i, info) in batches.iter().enumerate() {
        assert_eq!(info["batch"], i as u64 + 1);
        assert_eq!(
            info["time_ms"],
            (i as u64 + 1) * 200,
            "batch k has time k * 200 ms, late or not"
        );
    }
    let in_batches: u64 = batches.iter().map(|b| b["records"].as_u64().unwrap()).sum();
    assert_eq!(in_batches, 120_000, "every record in exactly one batch");
    let late = batches
        .iter()
        .filter(|b| b["scheduling_delay_ms"].as_f64().unwrap() > 1000.0)
        .count();
    match expect {
        Late::AtLeastFive => assert!(late >= 5, "the interruption made {late} batches late"),
        Late::None => assert_eq!(late, 0, "batches late through the interruption"),
    }
    let truth =
        common::get_json(addr, &format!("/feed/words/truth?seed={seed}&limit=120000")).await;
    assert_eq!(counts(&stats["output"]), counts(&truth));
    b.close().await;
}

/// The page's main thread stalled for three seconds (a long script, a
/// heavy redraw): the stream runs in its own worker, so no batch starts
/// late, and the page catches up on the reports it missed, exactly. (Late
/// timers in the stream itself: the frozen page below.)
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, chromedriver and a built dist/: run by `make e2e`"]
async fn a_stalled_main_thread_delays_no_batch() {
    exact_through(21, Late::None, async |b: &Browser| {
        // Three seconds with the main thread busy: no timer, no socket event.
        let stall =
            "const t = performance.now(); while (performance.now() - t < 3000) {} return true;";
        b.client
            .execute(stall, vec![])
            .await
            .expect("stall the page");
    })
    .await;
}

/// A frozen page, as Chrome freezes a background tab (DevTools'
/// `Page.setWebLifecycleState`), its worker with it: timers fire late, and
/// on waking the missed batches are cut with their true times and the
/// totals stay exact.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, chromedriver and a built dist/: run by `make e2e`"]
async fn a_frozen_background_page_catches_up_exactly() {
    exact_through(22, Late::AtLeastFive, async |b: &Browser| {
        b.cdp("Page.enable", serde_json::json!({})).await;
        b.cdp(
            "Page.setWebLifecycleState",
            serde_json::json!({ "state": "frozen" }),
        )
        .await;
        tokio::time::sleep(Duration::from_secs(3)).await;
        b.cdp(
            "Page.setWebLifecycleState",
            serde_json::json!({ "state": "active" }),
        )
        .await;
    })
    .await;
}

/// A real reload mid-run: the page saves a checkpoint (every 2 batches and
/// when it is left), the reloaded page restores it and resumes the feed at
/// its offset, and the totals equal `/truth`.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, chromedriver and a built dist/: run by `make e2e`"]
async fn a_reload_continues_from_the_checkpoint_with_exact_totals() {
    reload_mid_run(
        "rate=30000&limit=200000&seed=13",
        "split | count_by_value | update_state_by_key sum",
        200_000,
    )
    .await;
}

/// The same with an incremental window over tens of thousands of keys
/// (under the key limit): a checkpoint of several chunks, written a slice
/// at a time. The window (60 s) outlasts the feed, so at the end it holds
/// every record and equals `/truth`.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, chromedriver and a built dist/: run by `make e2e`"]
async fn a_reload_restores_a_large_window_written_in_chunks() {
    reload_mid_run(
        "rate=60000&limit=360000&seed=21&vocab=50000",
        "split | count_by_value_and_window 60s",
        360_000,
    )
    .await;
}

async fn reload_mid_run(query: &str, pipeline: &str, limit: u64) {
    let addr = common::start(Some(browser::dist())).await;
    let feed = format!("ws://{addr}/feed/words?{query}");
    let b = Browser::start().await;
    b.open(
        addr,
        &[
            ("feed", &feed),
            ("pipeline", pipeline),
            ("batch", "500ms"),
            ("checkpoint", "2"),
        ],
    )
    .await;
    let before = b
        .wait_for_stats(30, "a checkpoint is saved mid-run", |s| {
            s["checkpoints"].as_u64() >= Some(2) && s["records"].as_u64() >= Some(limit / 4)
        })
        .await;
    assert!(before["records"].as_u64() < Some(limit), "reloaded mid-run");
    b.client
        .execute("location.reload(); return true;", vec![])
        .await
        .expect("reload");
    let stats = b
        .wait_for_stats(60, "the reloaded page finishes the run", |s| {
            s["restored_batches"].as_u64().is_some() && s["state"] == "ended" && s["pending"] == 0
        })
        .await;
    eprintln!(
        "reload: {} records before, restored {} batches, {} records received after",
        before["records"], stats["restored_batches"], stats["records"]
    );
    let seed_and_vocab: String = query
        .split('&')
        .filter(|p| p.starts_with("seed=") || p.starts_with("vocab="))
        .map(|p| format!("&{p}"))
        .collect();
    let truth = common::get_json(
        addr,
        &format!("/feed/words/truth?limit={limit}{seed_and_vocab}"),
    )
    .await;
    assert_eq!(stats["evicted"], 0, "no key went to the key limit");
    assert_eq!(
        counts(&stats["output"]),
        counts(&truth),
        "totals equal /truth across the reload"
    );
    assert!(
        stats["records"].as_u64() < Some(limit),
        "the reloaded page did not start the feed over"
    );
    b.close().await;
}
