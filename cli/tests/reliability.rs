//! Reliability, end to end in a real headless Chromium: the feed server is
//! killed mid-run and started again; the page reconnects, resumes where it
//! was, and its totals equal the feed's truth exactly. A feed that cannot
//! resume leaves a recorded, visible gap instead.

mod browser;
mod common;

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use browser::{counts, encode, Browser};

/// A `sparklet feed` process, the real binary: killed when dropped, so a
/// failing test leaves none behind.
struct FeedProcess(Child);

impl FeedProcess {
    /// Kills it as a crash would (SIGKILL: no close frames).
    fn kill(&mut self) {
        self.0.kill().expect("kill the feed");
        self.0.wait().expect("the feed is gone");
    }
}

impl Drop for FeedProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A `sparklet feed` process on `port`.
fn feed_process(port: u16) -> FeedProcess {
    let child = Command::new(env!("CARGO_BIN_EXE_sparklet"))
        .args(["feed", "--addr", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start sparklet feed");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "the feed did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    FeedProcess(child)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, chromedriver and a built dist/: run by `make e2e`"]
async fn killing_and_restarting_the_feed_loses_nothing_and_counts_nothing_twice() {
    let addr = common::start(Some(browser::dist())).await;
    let port = free_port();
    let mut feed = feed_process(port);
    let url = format!("ws://127.0.0.1:{port}/feed/words?rate=50000&limit=200000&seed=9");
    let pipeline = "split | count_by_value | update_state_by_key sum";
    let b = Browser::start().await;
    b.goto(&format!(
        "http://{addr}/?feed={}&pipeline={}&batch=500ms&resume=1",
        encode(&url),
        encode(pipeline)
    ))
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
    b.goto(&format!(
        "http://{addr}/?feed={}&batch=500ms&resume=0",
        encode(&url)
    ))
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

/// Overload runs last this long by default; `SPARKLET_LONG=1` runs the
/// full minute the issue asks for.
fn overload_records() -> u64 {
    if std::env::var_os("SPARKLET_LONG").is_some() {
        20_000_000
    } else {
        3_000_000
    }
}

/// Peak memory of the tab while `until` is false: wasm linear memory plus
/// the JS heap, sampled twice a second. Returns the last stats and the peak.
async fn watch_memory(
    b: &Browser,
    secs: u64,
    until: impl Fn(&serde_json::Value) -> bool,
) -> (serde_json::Value, f64, Vec<f64>) {
    let deadline = std::time::Instant::now() + Duration::from_secs(secs);
    let mut peak: f64 = 0.0;
    let mut delays = Vec::new();
    loop {
        let s = b.stats().await;
        let heap = b
            .client
            .execute(
                "return performance.memory ? performance.memory.usedJSHeapSize : 0",
                vec![],
            )
            .await
            .expect("heap size")
            .as_f64()
            .unwrap_or(0.0);
        peak = peak.max(s["wasm_memory_bytes"].as_f64().unwrap_or(0.0) + heap);
        if let Some(d) = s["last_batch"]["scheduling_delay_ms"].as_f64() {
            delays.push(d);
        }
        if until(&s) {
            return (s, peak, delays);
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not done in {secs} s: {s:#}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// A feed far faster than the page (events at rate=0, JSON-parsed): the
/// page asks it to slow down, loses nothing, and its memory stays bounded.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, chromedriver and a built dist/: run by `make e2e`"]
async fn an_overloading_feed_is_slowed_down_and_nothing_is_lost() {
    let addr = common::start(Some(browser::dist())).await;
    let limit = overload_records();
    let feed = format!("ws://{addr}/feed/events?rate=0&frame=1000&limit={limit}&seed=4");
    let pipeline = "json | map (.path, 1) | update_state_by_key sum";
    let b = Browser::start().await;
    b.goto(&format!(
        "http://{addr}/?feed={}&pipeline={}&batch=1s",
        encode(&feed),
        encode(pipeline)
    ))
    .await;
    let (stats, peak, delays) = watch_memory(&b, 600, |s| {
        s["state"] == "ended" && s["pending"] == 0 && s["records"] == limit
    })
    .await;
    let truth = common::get_json(addr, &format!("/feed/events/truth?seed=4&limit={limit}")).await;
    eprintln!(
        "overload: {limit} records, rate asked {}, peak tab memory {:.0} MB, last scheduling delays {:?}",
        stats["rate_limit"],
        peak / 1e6,
        &delays[delays.len().saturating_sub(5)..]
    );
    assert!(
        stats["rate_limit"].as_u64().is_some(),
        "the feed was asked to slow down"
    );
    assert_eq!(stats["dropped"], 0, "a rate-controlled feed loses nothing");
    assert_eq!(
        counts(&stats["output"]),
        counts(&truth["path"]),
        "totals equal /truth"
    );
    assert!(peak < 256e6, "tab memory {peak} bytes");
    let settled = &delays[delays.len().saturating_sub(4)..];
    assert!(
        settled.iter().all(|d| *d < 100.0),
        "scheduling delay back near zero: {settled:?}"
    );
    b.close().await;
}

/// With backpressure off and a 2 MiB buffer (`buffer=2`), the same feed
/// overruns the page: the buffer drops its oldest records, counts them,
/// shows them, and stays bounded.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, chromedriver and a built dist/: run by `make e2e`"]
async fn a_feed_that_does_not_slow_down_gets_visible_drops_not_a_full_tab() {
    let addr = common::start(Some(browser::dist())).await;
    let feed = format!("ws://{addr}/feed/events?rate=0&frame=1000&seed=5");
    let pipeline = "json | map (.path, 1) | update_state_by_key sum";
    let b = Browser::start().await;
    b.goto(&format!(
        "http://{addr}/?feed={}&pipeline={}&batch=1s&backpressure=0&buffer=2",
        encode(&feed),
        encode(pipeline)
    ))
    .await;
    let (stats, peak, _) = watch_memory(&b, 60, |s| {
        s["dropped"].as_u64() > Some(0) && s["batches"].as_u64() >= Some(5)
    })
    .await;
    eprintln!(
        "no backpressure: dropped {} of {}, peak tab memory {:.0} MB",
        stats["dropped"],
        stats["records"],
        peak / 1e6
    );
    assert_eq!(
        stats["rate_limit"],
        serde_json::Value::Null,
        "nobody asked the feed to slow down"
    );
    assert!(peak < 512e6, "tab memory {peak} bytes");
    b.click("tab-errors").await;
    let dropped = b.wait_for_text("total-dropped", "", 5).await;
    assert_ne!(dropped, "0", "the drops are shown");
    b.close().await;
}

/// A feed that is not ours: one connection, these frames, a normal close.
async fn third_party_feed(frames: Vec<tokio_tungstenite::tungstenite::Message>) -> String {
    use futures_util::SinkExt;
    use tokio_tungstenite::tungstenite::protocol::{frame::coding::CloseCode, CloseFrame};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.expect("the page connects");
        let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
            .max_frame_size(None)
            .max_message_size(None);
        let mut ws = tokio_tungstenite::accept_async_with_config(tcp, Some(config))
            .await
            .expect("upgrade");
        for frame in frames {
            ws.send(frame).await.expect("send");
        }
        ws.send(tokio_tungstenite::tungstenite::Message::Close(Some(
            CloseFrame {
                code: CloseCode::Normal,
                reason: "done".into(),
            },
        )))
        .await
        .expect("close");
        tokio::time::sleep(Duration::from_secs(120)).await;
    });
    format!("ws://{addr}/")
}

/// Bad input of every kind from a third-party feed: each bad record is
/// counted with its reason, the big ones are taken, and the stream goes on.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, chromedriver and a built dist/: run by `make e2e`"]
async fn bad_input_is_counted_and_the_stream_goes_on() {
    use tokio_tungstenite::tungstenite::Message;
    let addr = common::start(Some(browser::dist())).await;
    let big_word = "x".repeat(1 << 20);
    let sixteen_mib: String = (0..16)
        .map(|i| format!("{}{i}", "y".repeat((1 << 20) - 2)))
        .collect::<Vec<_>>()
        .join("\n");
    let feed = third_party_feed(vec![
        Message::text("alpha beta"),
        Message::binary(b"good\nbad \xff here\nbeta".to_vec()),
        Message::text(""),
        Message::text("nul\0here\ngamma"),
        Message::text(big_word.clone()),
        Message::text(sixteen_mib),
        Message::text("alpha"),
    ])
    .await;
    let b = Browser::start().await;
    let pipeline = "split | count_by_value | update_state_by_key sum";
    b.goto(&format!(
        "http://{addr}/?feed={}&pipeline={}&batch=250ms",
        encode(&feed),
        encode(pipeline)
    ))
    .await;
    let stats = b
        .wait_for_stats(60, "the feed ends and drains", |s| {
            s["state"] == "ended" && s["pending"] == 0 && s["batches"].as_u64() >= Some(2)
        })
        .await;
    eprintln!(
        "bad input: records {} lines {} malformed {} frames {} dropped {}",
        stats["records"], stats["lines"], stats["malformed"], stats["frames"], stats["dropped"]
    );
    // Good records: alpha beta, good, beta, gamma, the 1 MB word, 16 big words, alpha.
    assert_eq!(stats["records"], 22);
    assert_eq!(stats["malformed"], 2);
    let reasons: Vec<&str> = stats["malformed_samples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["reason"].as_str().unwrap())
        .collect();
    assert!(
        reasons.contains(&"invalid UTF-8 at byte 4 of the record"),
        "{reasons:?}"
    );
    assert!(
        reasons.contains(&"NUL byte at byte 3 of the record"),
        "{reasons:?}"
    );
    let out = counts(&stats["output"]);
    assert_eq!(
        (out["alpha"], out["beta"], out["good"], out["gamma"]),
        (2, 2, 1, 1)
    );
    assert_eq!(out[&big_word], 1, "a 1 MB record is a record");
    assert_eq!(
        out.len(),
        5 + 16,
        "alpha, beta, good, gamma, the 1 MB word and the 16 big ones"
    );
    assert_eq!(stats["dropped"], 0, "a 16 MiB frame fits the 64 MiB buffer");

    // Invalid JSON under `json`, in the same way.
    let feed = third_party_feed(vec![Message::text(
        "{\"w\":\"a\"}\nnot json\n{\"w\":\n{\"w\":\"a\"}",
    )])
    .await;
    let pipeline = "json | map (.w, 1) | update_state_by_key sum";
    b.goto(&format!(
        "http://{addr}/?feed={}&pipeline={}&batch=250ms",
        encode(&feed),
        encode(pipeline)
    ))
    .await;
    let stats = b
        .wait_for_stats(20, "the JSON feed drains", |s| {
            s["state"] == "ended" && s["pending"] == 0 && s["batches"].as_u64() >= Some(2)
        })
        .await;
    assert_eq!(stats["malformed"], 2);
    assert!(stats["malformed_samples"][0]["reason"]
        .as_str()
        .unwrap()
        .starts_with("invalid JSON"));
    assert_eq!(counts(&stats["output"])["a"], 2);
    b.close().await;
}

/// A flood of a million distinct keys: state stays at the key limit, the
/// evictions are counted and shown, and the tab's memory stays bounded.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, chromedriver and a built dist/: run by `make e2e`"]
async fn a_flood_of_distinct_keys_is_bounded_by_the_key_limit() {
    use tokio_tungstenite::tungstenite::Message;
    let addr = common::start(Some(browser::dist())).await;
    let frames: Vec<Message> = (0..100u32)
        .map(|f| {
            Message::text(
                (0..10_000u32)
                    .map(|i| format!("k{}", f * 10_000 + i))
                    .collect::<Vec<_>>()
                    .join("\n"),
            )
        })
        .collect();
    let feed = third_party_feed(frames).await;
    let b = Browser::start().await;
    let pipeline = "split | count_by_value | update_state_by_key sum";
    b.goto(&format!(
        "http://{addr}/?feed={}&pipeline={}&batch=500ms",
        encode(&feed),
        encode(pipeline)
    ))
    .await;
    let (stats, peak, _) = watch_memory(&b, 60, |s| {
        s["state"] == "ended" && s["pending"] == 0 && s["records"] == 1_000_000
    })
    .await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    let stats2 = b.stats().await;
    eprintln!(
        "flood: evicted {}, state {} keys, peak tab memory {:.0} MB",
        stats2["evicted"],
        stats2["output"].as_array().map_or(0, |o| o.len()),
        peak / 1e6
    );
    assert_eq!(stats["max_keys"], 100_000);
    assert_eq!(stats2["output"].as_array().unwrap().len(), 100_000);
    assert_eq!(stats2["evicted"], 900_000);
    // The feed ignores backpressure and sends its million keys in about a
    // second: the batches are big, the state is not.
    assert!(peak < 512e6, "tab memory {peak}");
    b.click("tab-errors").await;
    b.wait_for_text("total-evicted", "900,000", 5).await;
    b.close().await;
}

/// A word count run of 120,000 records in 200 ms batches, interrupted by
/// `interrupt` once under way: afterwards every batch has its true time
/// (k * 200 ms), every record is in exactly one batch, at least five
/// batches ran late, and the totals equal `/truth`.
async fn exact_through(seed: u64, interrupt: impl AsyncFnOnce(&Browser)) {
    let addr = common::start(Some(browser::dist())).await;
    let feed = format!("ws://{addr}/feed/words?rate=20000&limit=120000&seed={seed}");
    let pipeline = "split | count_by_value | update_state_by_key sum";
    let b = Browser::start().await;
    b.goto(&format!(
        "http://{addr}/?feed={}&pipeline={}&batch=200ms",
        encode(&feed),
        encode(pipeline)
    ))
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
    assert!(late >= 5, "the interruption made {late} batches late");
    let truth =
        common::get_json(addr, &format!("/feed/words/truth?seed={seed}&limit=120000")).await;
    assert_eq!(counts(&stats["output"]), counts(&truth));
    b.close().await;
}

/// A stalled main thread (as a throttled background tab gets): timers fire
/// late, yet batches keep their true times and records stay exact.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, chromedriver and a built dist/: run by `make e2e`"]
async fn late_timers_keep_batch_times_and_records_exact() {
    exact_through(21, async |b: &Browser| {
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
/// `Page.setWebLifecycleState`): on waking, the missed batches are cut with
/// their true times and the totals stay exact.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, chromedriver and a built dist/: run by `make e2e`"]
async fn a_frozen_background_page_catches_up_exactly() {
    exact_through(22, async |b: &Browser| {
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
    let addr = common::start(Some(browser::dist())).await;
    let feed = format!("ws://{addr}/feed/words?rate=30000&limit=200000&seed=13");
    let pipeline = "split | count_by_value | update_state_by_key sum";
    let b = Browser::start().await;
    b.goto(&format!(
        "http://{addr}/?feed={}&pipeline={}&batch=500ms&checkpoint=2",
        encode(&feed),
        encode(pipeline)
    ))
    .await;
    let before = b
        .wait_for_stats(30, "a checkpoint is saved mid-run", |s| {
            s["checkpoints"].as_u64() >= Some(2) && s["records"].as_u64() >= Some(50_000)
        })
        .await;
    assert!(
        before["records"].as_u64() < Some(200_000),
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
    eprintln!(
        "reload: {} records before, restored {} batches, {} records received after",
        before["records"], stats["restored_batches"], stats["records"]
    );
    let truth = common::get_json(addr, "/feed/words/truth?seed=13&limit=200000").await;
    assert_eq!(
        counts(&stats["output"]),
        counts(&truth),
        "totals equal /truth across the reload"
    );
    assert!(
        stats["records"].as_u64() < Some(200_000),
        "the reloaded page did not start the feed over"
    );
    b.close().await;
}
