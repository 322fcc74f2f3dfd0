//! How many records per second the page sustains through each source, by
//! hand (not in `make test`: a measurement wants a quiet machine):
//!
//! ```sh
//! make dist native
//! SPARKLET_DIST=$PWD/dist cargo test --release -p sparklet --test source_rates \
//!     -- --ignored --nocapture --test-threads=1
//! ```
//!
//! Each run sends 1,000,000 lines (5.5 words on average) through one source
//! into the page running `split | count_by_value | update_state_by_key sum`
//! and prints lines/s from the page's first record to its last; the counts
//! must still be exact.

mod browser;
mod common;
mod feeds;
mod line_server;
mod texts;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use browser::{counts, Browser};
use sparklet::source::SourceSpec;
use sparklet::ServerConfig;
use texts::{word_counts, TOTALS};

const LINES: u64 = 1_000_000;

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

/// Opens the page on `feed` and times it from the first record to the last.
async fn measure(addr: SocketAddr, feed: &str, truth: &BTreeMap<String, i64>, name: &str) {
    let b = Browser::start().await;
    b.open(
        addr,
        &[("feed", feed), ("pipeline", TOTALS), ("batch", "500ms")],
    )
    .await;
    b.wait_for_stats(60, "the first record", |s| s["lines"].as_u64() > Some(0))
        .await;
    let start = Instant::now();
    let stats = b
        .wait_for_stats(300, "every record", |s| {
            s["lines"].as_u64() >= Some(LINES) && s["pending"] == 0
        })
        .await;
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(stats["lines"], LINES);
    let got = b
        .wait_for_stats(10, "the last batch's output", |s| {
            s["output"].is_array() && &counts(&s["output"]) == truth
        })
        .await;
    assert_eq!(&counts(&got["output"]), truth);
    println!(
        "{name}: {LINES} lines in {secs:.2} s: {:.0} lines/s through the page",
        LINES as f64 / secs
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
    let truth = word_counts(&text);

    let port = line_server::sending(&text);
    let addr = serve(format!("t=tcp://127.0.0.1:{port}")).await;
    measure(addr, &format!("ws://{addr}/feed/t"), &truth, "tcp").await;

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.log");
    std::fs::write(&file, &text).unwrap();
    let addr = serve(format!("f=file:{}", file.display())).await;
    measure(addr, &format!("ws://{addr}/feed/f"), &truth, "file").await;

    let inbox = dir.path().join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    let addr = serve(format!("d=dir:{}", inbox.display())).await;
    let writer = {
        let inbox = inbox.clone();
        let text = text.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_secs(3));
            std::fs::write(inbox.join("all.txt"), text).unwrap();
        })
    };
    measure(addr, &format!("ws://{addr}/feed/d"), &truth, "dir").await;
    writer.join().unwrap();

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
    std::thread::spawn(move || {
        let _ = stdin.write_all(sent.as_bytes());
    });
    measure(addr, &format!("ws://{addr}/feed/s"), &truth, "stdin").await;
    let _ = child.kill();
    let _ = child.wait();
}
