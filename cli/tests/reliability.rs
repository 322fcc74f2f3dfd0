//! Reliability, end to end in a real headless Chromium: the feed server is
//! killed mid-run and started again; the page reconnects, resumes where it
//! was, and its totals equal the feed's truth exactly. A feed that cannot
//! resume leaves a recorded, visible gap instead.

mod browser;
mod common;

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use browser::{encode, Browser};

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

fn counts(v: &serde_json::Value) -> BTreeMap<String, i64> {
    match v {
        serde_json::Value::Array(pairs) => pairs
            .iter()
            .map(|p| (p[0].as_str().unwrap().to_string(), p[1].as_i64().unwrap()))
            .collect(),
        serde_json::Value::Object(map) => map
            .iter()
            .map(|(k, n)| (k.clone(), n.as_i64().unwrap()))
            .collect(),
        other => panic!("not counts: {other}"),
    }
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
