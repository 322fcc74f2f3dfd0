//! End to end, as a user sees it: `sparklet serve` with the built
//! dashboard, a real headless Chromium, real WebSockets. Needs Chromium,
//! chromedriver and `dist/`, so `make e2e` runs these (they are ignored by
//! a plain `cargo test`).

mod browser;
mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use browser::{counts, Browser};
use fantoccini::Locator;
use futures_util::SinkExt;
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;

/// The acceptance test: the page's running word count over a
/// limited feed equals the feed's ground truth, exactly.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, chromedriver and a built dist/: run by `make e2e`"]
async fn word_count_totals_equal_the_feeds_truth() {
    let addr = common::start(Some(browser::dist())).await;
    let feed = format!("ws://{addr}/feed/words?rate=0&limit=20000&seed=7");
    let pipeline = "split | count_by_value | update_state_by_key sum";
    let b = Browser::start().await;
    b.open(
        addr,
        &[("feed", &feed), ("pipeline", pipeline), ("batch", "1s")],
    )
    .await;
    let stats = b
        .wait_for_stats(60, "the feed ends and every record is in a batch", |s| {
            s["state"] == "ended"
                && s["pending"] == 0
                && s["records"] == 20000
                && s["batches"].as_u64() >= Some(1)
        })
        .await;
    let truth = counts(&common::get_json(addr, "/feed/words/truth?seed=7&limit=20000").await);
    assert_eq!(stats["records"], 20000);
    assert_eq!(stats["malformed"], 0);
    assert_eq!(stats["dropped"], 0);
    assert_eq!(
        counts(&stats["output"]),
        truth,
        "the page's totals equal /feed/words/truth"
    );
    b.screenshot("word-count-totals").await;
    b.close().await;
}

/// Opening the URL with no parameters shows a live word count of the
/// server's own words feed within 2 seconds.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, chromedriver and a built dist/: run by `make e2e`"]
async fn the_bare_url_shows_a_live_word_count_within_two_seconds() {
    let addr = common::start(Some(browser::dist())).await;
    let b = Browser::start().await;
    b.goto(&format!("http://{addr}/")).await;
    // Timed in the page, from its navigation start to the tenth bar, so
    // WebDriver's own round trips do not count.
    let drawn = b
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];\
             const check = () => document.querySelectorAll(\"[data-testid='bar']\").length >= 10\
                 ? done(performance.now()) : requestAnimationFrame(check);\
             check();",
            vec![],
        )
        .await
        .expect("the chart appears");
    let shown = Duration::from_secs_f64(drawn.as_f64().expect("a time") / 1000.0);
    assert!(
        shown < Duration::from_secs(2),
        "the top-10 chart took {shown:?} from opening the page"
    );
    let stats = b.stats().await;
    eprintln!(
        "the stream started {:.0} ms into the page load",
        stats["started_ms"].as_f64().unwrap_or(-1.0)
    );
    assert_eq!(stats["feed"], format!("ws://{addr}/feed/words"));
    assert_eq!(
        stats["pipeline"],
        "split | lower | count_by_value_and_window 10s | top 10"
    );
    assert_eq!(stats["batch_ms"], 1000);
    assert_eq!(stats["state"], "live");
    let title = b.text_of("results-title").await.unwrap_or_default();
    assert!(title.starts_with("Results at"), "{title}");
    eprintln!("top-10 chart drawn {shown:?} after opening the page");
    // The Content-Security-Policy holds: an inline script does not run.
    let ran = b
        .client
        .execute(
            "const s = document.createElement('script'); s.textContent = 'window.__inline = 1';\
             document.body.append(s); return window.__inline === 1;",
            vec![],
        )
        .await
        .expect("try an inline script");
    assert_eq!(
        ran,
        serde_json::Value::Bool(false),
        "the CSP blocks inline scripts"
    );
    // Let a few batches slide through the window for the picture.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let summary = b.text_of("summary").await.unwrap_or_default();
    assert!(
        summary.starts_with("Running batches of 1 s for"),
        "{summary}"
    );
    b.screenshot("default-word-count").await;
    b.close().await;
}

/// Bad feed URLs are errors shown in the page, not a blank page.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, chromedriver and a built dist/: run by `make e2e`"]
async fn unreachable_and_malformed_feed_urls_show_an_error_in_the_page() {
    let addr = common::start(Some(browser::dist())).await;
    let b = Browser::start().await;
    b.open(addr, &[("feed", "ws://127.0.0.1:9/feed")]).await;
    let detail = b
        .wait_for_text("conn-detail", "could not connect", 10)
        .await;
    assert!(detail.contains("code 1006"), "{detail}");
    let state = b.text_of("conn-state").await.unwrap_or_default();
    assert!(
        state.starts_with("reconnecting in"),
        "an unreachable feed is retried: {state}"
    );

    b.open(addr, &[("feed", "localhost:8080/feed")]).await;
    b.wait_for_text("conn-detail", "must be a WebSocket URL", 5)
        .await;
    b.screenshot("bad-feed-url").await;

    b.open(addr, &[("pipeline", "split | windw 10s")]).await;
    let error = b
        .wait_for_text("pipeline-error", "did you mean `window`", 5)
        .await;
    assert!(error.contains("stage 2 `windw`, column 9"), "{error}");
    b.close().await;
}

/// A third-party feed (a plain tokio-tungstenite server, not ours) sends
/// a binary frame holding invalid UTF-8 between good frames: that record
/// is counted as malformed with its reason, and the rest is counted.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, chromedriver and a built dist/: run by `make e2e`"]
async fn a_frame_that_is_not_utf8_is_malformed_and_the_stream_goes_on() {
    let addr = common::start(Some(browser::dist())).await;
    let feed = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let feed_addr = feed.local_addr().expect("addr");
    tokio::spawn(async move {
        let (tcp, _) = feed.accept().await.expect("the page connects");
        let mut ws = tokio_tungstenite::accept_async(tcp).await.expect("upgrade");
        let frames = [
            Message::text("alpha beta\nbeta"),
            Message::binary(b"gamma\nbad \xff\xfe bytes\ndelta".to_vec()),
            Message::text("beta\r\n\r\nalpha"),
        ];
        for frame in frames {
            ws.send(frame).await.expect("send");
        }
        let close = CloseFrame {
            code: CloseCode::Normal,
            reason: "done".into(),
        };
        ws.send(Message::Close(Some(close))).await.expect("close");
        tokio::time::sleep(Duration::from_secs(30)).await;
    });
    let b = Browser::start().await;
    let pipeline = "split | count_by_value | update_state_by_key sum";
    let url = format!("ws://{feed_addr}/");
    b.open(
        addr,
        &[("feed", &url), ("pipeline", pipeline), ("batch", "200ms")],
    )
    .await;
    let stats = b
        .wait_for_stats(15, "the third-party feed ends and drains", |s| {
            s["state"] == "ended" && s["pending"] == 0 && s["records"] == 6
        })
        .await;
    assert_eq!(stats["malformed"], 1);
    assert_eq!(
        stats["malformed_samples"][0]["reason"],
        "invalid UTF-8 at byte 4 of the record"
    );
    let want: BTreeMap<String, i64> = [("alpha", 2), ("beta", 3), ("delta", 1), ("gamma", 1)]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    assert_eq!(counts(&stats["output"]), want);
    b.click("tab-errors").await;
    b.wait_for_text("total-malformed", "1", 5).await;
    b.wait_for_text("malformed", "invalid UTF-8", 5).await;
    b.screenshot("malformed-frame").await;
    b.close().await;
}

/// The events feed's JSON through `json`, `map` and state in the page:
/// requests per path equal the feed's truth.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, chromedriver and a built dist/: run by `make e2e`"]
async fn json_events_per_path_equal_the_feeds_truth() {
    let addr = common::start(Some(browser::dist())).await;
    let feed = format!("ws://{addr}/feed/events?rate=0&limit=30000&seed=3");
    let pipeline = "json | map (.path, 1) | update_state_by_key sum";
    let b = Browser::start().await;
    b.open(
        addr,
        &[("feed", &feed), ("pipeline", pipeline), ("batch", "250ms")],
    )
    .await;
    let stats = b
        .wait_for_stats(60, "the events feed ends and drains", |s| {
            s["state"] == "ended" && s["pending"] == 0 && s["records"] == 30000
        })
        .await;
    let truth = common::get_json(addr, "/feed/events/truth?seed=3&limit=30000").await;
    let want = counts(&truth["path"]);
    assert_eq!(stats["malformed"], 0);
    assert_eq!(counts(&stats["output"]), want);
    b.close().await;
}

/// The events feed with the "error rate by service" example: statistics,
/// results and latency all show something, and so does the picture.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, chromedriver and a built dist/: run by `make e2e`"]
async fn error_rate_by_service_fills_statistics_results_and_latency() {
    let addr = common::start(Some(browser::dist())).await;
    let b = Browser::start().await;
    b.goto(&format!("http://{addr}/")).await;
    b.wait_for_stats(10, "the page runs", |s| s["batches"].as_u64() >= Some(1))
        .await;
    // Pick the example as a user would.
    b.client
        .execute(
            "const s = document.querySelector(\"[data-testid='examples']\");\
             s.value = '1'; s.dispatchEvent(new Event('change'));",
            vec![],
        )
        .await
        .expect("pick the example");
    let stats = b
        .wait_for_stats(15, "the example runs on the events feed", |s| {
            s["feed"]
                .as_str()
                .is_some_and(|f| f.contains("/feed/events"))
                && s["batches"].as_u64() >= Some(3)
        })
        .await;
    assert!(stats["pipeline"]
        .as_str()
        .unwrap()
        .contains("mean 10s 1s inverse"));
    let rates = stats["output"].as_array().expect("keyed output");
    assert!(!rates.is_empty(), "error rates per path");
    assert!(
        rates
            .iter()
            .all(|p| (0.0..=1.0).contains(&p[1].as_f64().unwrap_or(-1.0))),
        "rates are in [0, 1]: {rates:?}"
    );
    assert!(b.count("[data-testid='bar']").await >= 3);
    b.screenshot("error-rate-results").await;

    b.click("tab-statistics").await;
    let avg = b.wait_for_text("avg-input-rate", "records/s", 5).await;
    assert!(!avg.starts_with("0 "), "the input rate is not zero: {avg}");
    b.screenshot("error-rate-statistics").await;

    b.click("tab-latency").await;
    let source = b.wait_for_text("latency-source", "event time", 5).await;
    assert!(source.contains("`ts`"), "{source}");
    let p50 = b.text_of("latency-p50").await.unwrap_or_default();
    assert!(p50.ends_with(" ms"), "{p50}");
    b.screenshot("error-rate-latency").await;

    b.click("tab-stages").await;
    b.wait_for_text("stages-hint", "Batch", 5).await;
    let stats = b.stats().await;
    let stages = stats["stages"].as_array().expect("stats().stages");
    let names: Vec<&str> = stages.iter().map(|s| s["name"].as_str().unwrap()).collect();
    // Each stage typed, in order; stages run as one (`json | map` reading
    // two fields) are one, named after both.
    assert_eq!(
        names,
        [
            "json | map (.path, .level == \"error\")",
            "reduce_by_key_and_window mean 10s 1s inverse"
        ],
        "the stages typed, in order"
    );
    assert_eq!(names.join(" | "), stats["pipeline"]);
    assert_eq!(
        stages[0]["records_in"], stats["last_batch"]["records"],
        "the first stage takes in the batch's records"
    );
    for pair in stages.windows(2) {
        assert_eq!(pair[0]["records_out"], pair[1]["records_in"]);
    }
    assert_eq!(b.count("[data-testid='stage']").await, names.len());
    assert_eq!(
        b.count("[data-testid='stage'][data-slowest='true']").await,
        1,
        "the slowest stage is marked"
    );
    b.screenshot("error-rate-stages").await;

    b.click("tab-batches").await;
    b.wait_for_text("batches", "Completed batches", 5).await;
    let rows = b.count("[data-testid='batch-row']").await;
    assert!(rows >= 3, "{rows} rows");
    b.client
        .find(Locator::Css("[data-testid='batch-row'] button"))
        .await
        .expect("a batch")
        .click()
        .await
        .expect("open it");
    b.wait_for_text("detail-title", "Batch", 5).await;
    let input = b.text_of("detail-input").await.unwrap_or_default();
    assert!(
        input.contains("\"level\""),
        "the detail shows the batch's input records: {input}"
    );
    b.screenshot("error-rate-batches").await;
    b.close().await;
}
