//! Overload and bad input, end to end in a real headless Chromium: a feed
//! far faster than the page, one that will not slow down, bad records of
//! every kind, and a flood of distinct keys. Nothing is lost silently and
//! the tab's memory stays bounded.

mod browser;
mod common;
mod feeds;

use std::time::Duration;

use browser::{counts, Browser};
use feeds::{overload_records, third_party_feed, watch_memory};

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
    b.open(
        addr,
        &[("feed", &feed), ("pipeline", pipeline), ("batch", "1s")],
    )
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
    b.open(
        addr,
        &[
            ("feed", &feed),
            ("pipeline", pipeline),
            ("batch", "1s"),
            ("backpressure", "0"),
            ("buffer", "2"),
        ],
    )
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
    b.open(
        addr,
        &[("feed", &feed), ("pipeline", pipeline), ("batch", "250ms")],
    )
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
    b.open(
        addr,
        &[("feed", &feed), ("pipeline", pipeline), ("batch", "250ms")],
    )
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
    b.open(
        addr,
        &[("feed", &feed), ("pipeline", pipeline), ("batch", "500ms")],
    )
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
