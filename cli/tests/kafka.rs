//! The Kafka source against a real Kafka-protocol broker (tansu, which
//! `make test` installs), records produced by a Kafka client of its own
//! (kafka-python, in the project's `.venv`): the page counts exactly what
//! was produced, across three partitions, and still exactly after the
//! `sparklet feed` serving the topic is killed and started again mid-run.
//! An unreachable broker is a status in the page, not a crash.

mod browser;
mod common;
mod feeds;
mod kafka_broker;
mod texts;
mod venv;

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};

use browser::{counts, Browser};
use feeds::free_port;
use kafka_broker::{broker, produce, wait_for_port, Process};
use texts::{word_counts, TOTALS};

/// The real binary serving the topic as a source, its journal in `state`.
fn feed(port: u16, source: &str, state: &Path) -> Process {
    let child = Command::new(env!("CARGO_BIN_EXE_sparklet"))
        .args(["feed", "--addr", &format!("127.0.0.1:{port}")])
        .args(["--source", source])
        .env("SPARKLET_STATE_DIR", state)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start sparklet feed");
    let process = Process(child);
    wait_for_port(port, "sparklet feed");
    process
}

fn text(lines: usize, salt: usize) -> String {
    const WORDS: [&str; 9] = [
        "kafka",
        "topic",
        "offset",
        "partition",
        "record",
        "broker",
        "log",
        "the",
        "a",
    ];
    (0..lines)
        .map(|i| {
            (0..1 + (i * 5 + salt) % 7)
                .map(|j| WORDS[(i * 13 + j * 11 + salt) % WORDS.len()])
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs tansu, kafka-python, Chromium and a built dist/: run by `make e2e`"]
async fn a_topic_is_counted_exactly_even_when_the_server_restarts_mid_run() {
    let (_broker, kafka) = broker();
    let first = text(30_000, 1);
    let second = text(20_000, 2);
    produce(kafka, "clicks", 3, &first, true);

    let state = tempfile::tempdir().unwrap();
    let port = free_port();
    let source = format!("k=kafka://127.0.0.1:{kafka}/clicks");
    let mut server = feed(port, &source, state.path());
    let addr: SocketAddr = common::start(Some(browser::dist())).await;
    let b = Browser::start().await;
    // Paced, so the restart lands mid-run.
    let url = format!("ws://127.0.0.1:{port}/feed/k?rate=10000");
    b.open(
        addr,
        &[("feed", &url), ("pipeline", TOTALS), ("batch", "500ms")],
    )
    .await;
    b.wait_for_stats(60, "part of the topic is in", |s| {
        s["lines"].as_u64() >= Some(8_000)
    })
    .await;
    drop(server);
    let down = b
        .wait_for_stats(10, "the page sees the drop", |s| {
            s["state"] == "reconnecting"
        })
        .await;
    let before = down["lines"].as_u64().unwrap();
    assert!(before < 30_000, "killed mid-run, at {before}");
    // More records while the server is down.
    produce(kafka, "clicks", 3, &second, false);
    server = feed(port, &source, state.path());
    let total = 50_000;
    let truth = word_counts(&(first.clone() + &second));
    let stats = b
        .wait_for_stats(120, "every record after the restart", |s| {
            s["lines"].as_u64() >= Some(total)
                && s["pending"] == 0
                && s["output"].is_array()
                && counts(&s["output"]).values().sum::<i64>() == truth.values().sum::<i64>()
        })
        .await;
    eprintln!(
        "killed at {before} records; reconnects {}; records {}",
        stats["reconnects"], stats["records"]
    );
    assert_eq!(stats["lines"], total, "nothing lost, nothing twice");
    assert_eq!(stats["gaps"], 0, "the restarted server resumed where asked");
    assert_eq!(counts(&stats["output"]), truth, "exact counts");
    assert!(stats["reconnects"].as_u64() >= Some(1));
    drop(server);
    b.close().await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium and a built dist/: run by `make e2e`"]
async fn an_unreachable_broker_is_shown_and_retried() {
    let dead = free_port();
    let config = sparklet::ServerConfig {
        sources: vec![format!("k=kafka://127.0.0.1:{dead}/t").parse().unwrap()],
        state_dir: None,
        ..sparklet::ServerConfig::default()
    };
    let addr = common::start_with(Some(browser::dist()), config).await;
    let b = Browser::start().await;
    let url = format!("ws://{addr}/feed/k");
    b.open(addr, &[("feed", &url)]).await;
    let status = b
        .wait_for_text("source-status", "cannot reach Kafka", 30)
        .await;
    assert!(status.contains("trying again in"), "{status}");
    b.close().await;
}
