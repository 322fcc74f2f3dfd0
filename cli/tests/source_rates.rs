//! How many records per second the page sustains through each source, by
//! hand (not in `make test`: a measurement wants a quiet machine):
//!
//! ```sh
//! make dist native
//! SPARKLET_DIST=$PWD/dist cargo test --release -p sparklet --test source_rates \
//!     -- --ignored --nocapture --test-threads=1
//! ```
//!
//! It needs what `make e2e` needs (Chromium, tansu, the `.venv`'s
//! kafka-python). Each run sends 4,000,000 lines (5.5 words on average)
//! through one source into the page running the default word count and
//! prints what the page's batches sustained; every line must arrive, none
//! twice, none dropped.

mod browser;
mod common;
mod feeds;
mod kafka_broker;
mod line_server;
mod texts;
mod venv;

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::process::{Command, Stdio};

use browser::{Browser, Sustained};
use sparklet::source::SourceSpec;
use sparklet::ServerConfig;
use sparklet_engine::DEFAULT_PIPELINE;
use texts::word_counts;

const BATCH_MS: f64 = 100.0;

const LINES: u64 = 4_000_000;

fn body() -> String {
    const WORDS: [&str; 12] = [
        "spark", "stream", "batch", "window", "count", "word", "the", "a", "of", "to", "and", "in",
    ];
    (0..LINES as usize)
        .map(|i| {
            (0..1 + i % 10)
                .map(|j| WORDS[(i * 31 + j * 17) % WORDS.len()])
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// Opens the page on `feed` with the default pipeline, calls `go` once it
/// is live (a live source starts sending then), waits for every record,
/// and times it by the page's own batches: the records over the span from
/// the first batch with records to the last. Every line must arrive and be
/// in a batch: no gap, nothing dropped or malformed.
async fn measure(addr: SocketAddr, feed: &str, words_per_line: f64, name: &str, go: impl FnOnce()) {
    let b = Browser::start().await;
    b.open(
        addr,
        &[
            ("feed", feed),
            ("pipeline", DEFAULT_PIPELINE),
            ("batch", "100ms"),
        ],
    )
    .await;
    b.wait_for_stats(30, "the page is live", |s| s["state"] == "live")
        .await;
    go();
    let stats = b
        .wait_for_stats(300, "every record", |s| {
            s["lines"].as_u64() >= Some(LINES) && s["pending"] == 0
        })
        .await;
    assert_eq!(stats["lines"], LINES);
    assert_eq!(stats["gaps"], 0);
    assert_eq!(stats["dropped"], 0);
    assert_eq!(stats["malformed"], 0);
    let rate = Sustained::of(&b.batches().await, BATCH_MS);
    assert_eq!(rate.records, LINES, "every record in a kept batch");
    println!(
        "{name}: {LINES} lines in {} batches of {BATCH_MS} ms: {:.0} lines/s, {:.0} words/s through the page; processing p99 {:.1} ms",
        rate.batches,
        rate.per_second(),
        rate.per_second() * words_per_line,
        rate.p99_ms
    );
    b.close().await;
}

async fn serve(source: String) -> SocketAddr {
    let config = ServerConfig {
        sources: vec![source.parse::<SourceSpec>().unwrap()],
        ..ServerConfig::default()
    };
    common::start_with(Some(browser::dist()), config).await
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "a measurement, run by hand"]
async fn rates_through_each_source() {
    let text = body();
    let words = word_counts(&text).values().sum::<i64>() as f64 / LINES as f64;

    let (port, go) = line_server::sending_when_told(&text);
    let addr = serve(format!("t=tcp://127.0.0.1:{port}")).await;
    let feed = format!("ws://{addr}/feed/t");
    measure(addr, &feed, words, "tcp", || {
        let _ = go.send(());
    })
    .await;

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.log");
    std::fs::write(&file, &text).unwrap();
    let addr = serve(format!("f=file:{}", file.display())).await;
    measure(addr, &format!("ws://{addr}/feed/f"), words, "file", || ()).await;

    let inbox = dir.path().join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    let addr = serve(format!("d=dir:{}", inbox.display())).await;
    let arrive = || std::fs::write(inbox.join("all.txt"), &text).unwrap();
    measure(addr, &format!("ws://{addr}/feed/d"), words, "dir", arrive).await;

    let mut child = Command::new(env!("CARGO_BIN_EXE_sparklet"))
        .args(["serve", "--addr", "127.0.0.1:0", "--dist"])
        .arg(browser::dist())
        .args(["--source", "s=-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr: SocketAddr = line
        .trim()
        .rsplit(' ')
        .next()
        .unwrap()
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let sent = text.clone();
    let write = move || {
        std::thread::spawn(move || {
            let _ = stdin.write_all(sent.as_bytes());
        });
    };
    measure(addr, &format!("ws://{addr}/feed/s"), words, "stdin", write).await;
    let _ = child.kill();
    let _ = child.wait();

    // The topic is filled before the page opens, so this times the source's
    // reading, not kafka-python's producing.
    let (_broker, kafka) = kafka_broker::broker();
    kafka_broker::produce(kafka, "rates", 3, &text, true);
    let state = tempfile::tempdir().unwrap();
    let config = ServerConfig {
        sources: vec![format!("k=kafka://127.0.0.1:{kafka}/rates")
            .parse()
            .unwrap()],
        state_dir: Some(state.path().to_path_buf()),
        ..ServerConfig::default()
    };
    let addr = common::start_with(Some(browser::dist()), config).await;
    measure(addr, &format!("ws://{addr}/feed/k"), words, "kafka", || ()).await;
}
